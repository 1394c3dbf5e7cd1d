"""``lifecycle``: the industry life cycle of a results folder and whether its seeds show a shakeout.

``python -m sim lifecycle RESULTS_DIR [--out DIR] [--criterion NAME=VALUE]... [--json]`` reads the tables
``python -m sim run`` wrote, computes per seed and month the producers, entries, exits, output and
concentration (:mod:`sim.experiments.lifecycle`), checks the four criteria, prints the share of seeds
meeting each and all of them with 5-95% ranges, and writes ``lifecycle.json`` and ``lifecycle.png``
into ``--out`` (default ``RESULTS_DIR/lifecycle/``; the folder rule of :mod:`sim.commands.outputs`).
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import asdict, fields, replace
from pathlib import Path
from typing import Any

from .. import MODEL_VERSION
from ..config import canonical_hash
from ..errors import InputError
from ..experiments import lifecycle as lc
from .outputs import ANALYSIS_FORCE_HELP, prepare_analysis_folder
from .score import read_tables

#: What the command writes (the summary first).
OUTPUTS = ("lifecycle.json", "lifecycle.png")


def register(sub: argparse._SubParsersAction) -> None:
    names = ", ".join(f.name for f in fields(lc.Criteria))
    p = sub.add_parser("lifecycle", help="industry life cycle of a results folder: producers, entry, exit, "
                                         "output, concentration; does a shakeout happen?",
                       description="Read the tables of RESULTS_DIR (from 'python -m sim run'), compute the "
                                   "industry life cycle of each seed and check the four shakeout criteria "
                                   "(docs/lifecycle.md). Writes lifecycle.json and lifecycle.png into --out.")
    p.add_argument("folder", type=Path, metavar="RESULTS_DIR", help="results folder of 'python -m sim run'")
    p.add_argument("--out", type=Path, default=None, metavar="DIR",
                   help="output folder (default RESULTS_DIR/lifecycle/)")
    p.add_argument("--force", action="store_true", help=ANALYSIS_FORCE_HELP)
    p.add_argument("--criterion", action="append", default=[], metavar="NAME=VALUE",
                   help=f"change a criterion's threshold (repeatable); names: {names}")
    p.add_argument("--json", action="store_true", help="print the summary as JSON on stdout")
    p.set_defaults(func=cmd_lifecycle)


def parse_criteria(items: list[str]) -> lc.Criteria:
    """A :class:`~sim.experiments.lifecycle.Criteria` with ``NAME=VALUE`` items applied; :class:`InputError` if bad."""
    known = {f.name: f.type for f in fields(lc.Criteria)}
    changes: dict[str, Any] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or name not in known:
            raise InputError("--criterion", name, f"expected NAME=VALUE with NAME one of {sorted(known)}")
        try:
            number = int(value) if known[name] in ("int", int) else float(value)
        except ValueError:
            raise InputError("--criterion", name, f"expected a number, got '{value}'") from None
        if number < 0 or (name == "window_months" and number < 1):
            raise InputError("--criterion", name, f"expected a non-negative value (window >= 1), got {value}")
        changes[name] = number
    return replace(lc.Criteria(), **changes)


def _provenance(folder: Path) -> dict[str, Any]:
    """Scenario name, hash and model version from ``folder/summary.json`` (when there is one)."""
    path = folder / "summary.json"
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"scenario": folder.name, "scenario_hash": None, "model_version": MODEL_VERSION,
                "model_version_from": "this code (no summary.json)"}
    scenario = summary.get("scenario") or {}
    return {"scenario": scenario.get("name", folder.name), "scenario_hash": summary.get("scenario_hash"),
            "model_version": summary.get("model_version", MODEL_VERSION), "model_version_from": str(path)}


def analyse(tables: dict[str, Any], criteria: lc.Criteria) -> tuple[list[lc.Lifecycle], list[lc.SeedCheck]]:
    """Monthly series and criteria of every seed of ``tables`` (data frames)."""
    series = lc.monthly(tables, criteria)
    return series, [lc.check(s, criteria) for s in series]


def _fmt(r: dict[str, Any], spec: str) -> str:
    if r["median"] is None:
        return "-"
    return f"{r['median']:{spec}} [{r['p05']:{spec}}, {r['p95']:{spec}}]"


def report(summary: dict[str, Any]) -> str:
    """The summary as text: shares of seeds per criterion, then the 5-95% ranges."""
    lines = [f"industry life cycle of {summary['scenario']} (model version {summary['model_version']}), "
             f"{summary['seeds']} seeds; producers = {'/'.join(summary['producer_kinds'])} firms training foundation "
             "models; "
             f"output = {summary['output_metric']}"]
    for name in lc.CRITERIA:
        lines.append(f"  {name:<22} {summary['share'][name]:>5.0%}  {summary['criteria'][name]}")
    lines.append(f"  {'shakeout (all four)':<22} {summary['share']['shakeout']:>5.0%}")
    pm = summary["peak_month"]
    lines += ["median [5%, 95%] over seeds:",
              f"  peak producers         {_fmt(summary['peak_producers'], '.0f')}",
              f"  peak month             {lc.month_label(pm['start'], pm['median'])} "
              f"[{lc.month_label(pm['start'], pm['p05'])}, {lc.month_label(pm['start'], pm['p95'])}]",
              f"  fall from peak by end  {_fmt(summary['fall_from_peak'], '.0%')}",
              f"  top-decile share, end  {_fmt(summary['top_decile_end'], '.2f')}"]
    return "\n".join(lines)


def cmd_lifecycle(args: argparse.Namespace) -> int:
    criteria = parse_criteria(args.criterion)
    arrow = read_tables(args.folder, lc.REQUIRED_COLUMNS)
    tables = {name: t.to_pandas() for name, t in arrow.items()}
    prov = _provenance(args.folder)
    seeds = sorted(int(s) for s in set(tables["model"]["seed"]))
    identity = {"folder": str(args.folder.resolve()), "scenario_hash": prov["scenario_hash"], "seeds": seeds,
                "criteria": asdict(criteria), "rows": {n: int(t.num_rows) for n, t in arrow.items()}}
    out = args.out or args.folder / "lifecycle"
    input_hash = canonical_hash(identity)
    prepare_analysis_folder(out, OUTPUTS, input_hash, args.force)
    series, checks = analyse(tables, criteria)
    summary = {"input_hash": input_hash, "results": str(args.folder), **prov,
               "producer_kinds": list(lc.PRODUCER_KINDS), "output_metric": series[0].output_metric,
               **lc.summarise(checks, criteria),
               "per_seed": [{"seed": c.seed, "shakeout": c.shakeout, "peak_producers": c.peak_producers,
                             "peak_month": c.peak_month, "fall_from_peak": c.fall_from_peak,
                             "top_decile_end": c.top_decile_end,
                             "criteria": {k: {"ok": v.ok, "detail": v.detail} for k, v in c.criteria.items()},
                             **c.stats} for c in checks],
               "monthly": lc.bands(series)}
    span = f"seeds {seeds[0]}-{seeds[-1]}" if len(seeds) > 1 else f"seed {seeds[0]}"
    title = (f"Industry life cycle: scenario {prov['scenario']}, {len(seeds)} seeds ({span}), "
             f"model version {prov['model_version']}")
    (out / OUTPUTS[0]).write_text(json.dumps(finite(summary), indent=1), encoding="utf-8")
    lc.figure(summary["monthly"], out / OUTPUTS[1], title, summary["output_metric"])
    if args.json:
        print(json.dumps(finite({k: v for k, v in summary.items() if k not in ("per_seed", "monthly")}),
                         indent=2))
    else:
        print(report(summary))
        print(f"summary and figure: {out / OUTPUTS[0]}, {out / OUTPUTS[1]}")
    return 0


def finite(o: Any) -> Any:
    """``o`` with numpy scalars as Python numbers and NaN or infinite floats as None (strict JSON)."""
    if isinstance(o, dict):
        return {k: finite(v) for k, v in o.items()}
    if isinstance(o, list | tuple):
        return [finite(v) for v in o]
    if hasattr(o, "item"):
        o = o.item()
    if isinstance(o, float) and not math.isfinite(o):
        return None
    return o
