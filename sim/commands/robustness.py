"""Structural-robustness command: ``robustness SPEC``, the counterfactuals under each structural variant.

See docs/robustness.md and :mod:`sim.experiments.robustness`.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

from ..experiments.executors import add_executor_args
from .experiments import YES_HELP, _sweep
from .outputs import FORCE_HELP


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("robustness", help="counterfactual effects under structural variants of the model "
                                          "(month order, population, decision clock)",
                       description="Each variant of SPEC (a table of overrides applied to every scenario) is "
                                   "a comparison with common random numbers, swept resumably into DIR/<variant>/; "
                                   "robustness.json/.csv, rankings.csv and figures/robustness.png say whether "
                                   "each counterfactual's sign and the scenarios' ranking survive.")
    p.add_argument("spec", type=Path, metavar="SPEC", help="a robustness spec, e.g. experiments/structure_order.toml")
    p.add_argument("--out", type=Path, default=None, metavar="DIR",
                   help="results folder (default results/experiments/<spec name>)")
    p.add_argument("--force", action="store_true", help=FORCE_HELP)
    p.add_argument("--yes", action="store_true", help=YES_HELP)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_executor_args(p)
    p.set_defaults(func=cmd_robustness)


def cmd_robustness(args: argparse.Namespace) -> int:
    from ..experiments import robustness as rb
    from ..experiments.figures import robustness_figure

    spec = rb.load_robustness(args.spec)
    out = args.out or Path("results") / "experiments" / spec.name
    started = time.perf_counter()
    try:  # each variant is one comparison sweep, run (resumably) as 'python -m sim sweep' runs one
        seconds = rb.run_all(spec, out, lambda exp, folder: _sweep(exp, folder, args))
    except RuntimeError as exc:  # every run of a variant failed: exit 1, the runs failed, not the input
        print(f"error: {exc}; see 'python -m sim status {out}/<variant>'", file=sys.stderr)
        return 1
    summary = rb.summarise(spec, out, seconds)
    files = rb.write(summary, out)
    fig = robustness_figure(summary, out / "figures" / "robustness.png", rb.sentiment_paths(spec, out))
    _print(summary)
    print(f"\n{', '.join(str(f) for f in files)} and {fig} ({time.perf_counter() - started:.0f} s)")
    return 0


def _print(summary: dict) -> None:
    """Per metric: each counterfactual's difference under each variant, and whether the ranking holds."""
    sign_text = {1: "+", -1: "-", 0: "0"}
    ranks = {(r["variant"], r["metric"]): r for r in summary["rankings"]}
    print(f"{summary['name']}: differences to '{summary['reference_scenario']}' "
          f"({summary['replications']} common seeds; sign + / - when the 95% interval excludes 0, else 0)")
    for m in summary["metrics"]:
        print(f"\n{m}")
        for v in summary["variants"]:
            cells = [f"{r['scenario']} {r['diff_mean']:+.3g} ({sign_text[r['sign']]})" for r in summary["rows"]
                     if r["variant"] == v["name"] and r["metric"] == m]
            rk = ranks[(v["name"], m)]
            tau = "nan" if math.isnan(rk["kendall_tau"]) else f"{rk['kendall_tau']:.2f}"
            print(f"  {v['name']:<24} {'  '.join(cells)}  | clear pairs kept {rk['clear_pairs_kept']}/"
                  f"{rk['clear_pairs']}, tau {tau}")
