"""``nullmodels``: run a scenario as given, with its startups homogenised, and with pairs of startups swapped.

``python -m sim nullmodels SCENARIO [--seeds N] [--swaps A:B,...] [--out DIR] [--workers N] [--json]``
runs every variant on common seeds (:mod:`sim.experiments.nullmodels`), prints the share of seeds in
which each pattern T1-T17 holds in each variant, and for the firm-named patterns whether the outcome
follows the firm's inputs after a swap; writes ``nullmodels.json`` and ``nullmodels.md`` into
``--out`` (default ``results/nullmodels/<scenario name>/``; the folder rule of
:mod:`sim.commands.outputs`).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from .. import MODEL_VERSION
from ..config import add_set_argument, canonical_hash
from ..errors import InputError
from ..experiments import nullmodels as nm
from ..experiments.executors import add_executor_args, executor_from_args, executor_kind
from ..scenario import load_scenario
from .outputs import ANALYSIS_FORCE_HELP, prepare_analysis_folder
from .run import add_seed_args, seeds_from_args

#: What the command writes (the summary first).
OUTPUTS = ("nullmodels.json", "nullmodels.md")
#: Seeds per variant by default.
DEFAULT_SEEDS = 30


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("nullmodels", help="null models and label swaps: which patterns do the named firms' inputs "
                                          "carry?",
                       description="Run SCENARIO as given, with identical inputs for all its startups "
                                   "(homogenised), and with each pair of --swaps exchanging all inputs but "
                                   "their names, on common seeds; report per pattern T1-T17 the share of seeds "
                                   "where it holds, and whether a firm-named outcome follows the firm's inputs "
                                   "(docs/null-models.md).")
    p.add_argument("scenario", metavar="SCENARIO", help="scenario TOML file, e.g. scenarios/baseline.toml")
    add_seed_args(p, DEFAULT_SEEDS)  # the same seeds in every variant
    p.add_argument("--swaps", default=None, metavar="A:B,...",
                   help="pairs of startups to swap (default: every firm named by a firm-named pattern swapped once)")
    p.add_argument("--out", type=Path, default=None, metavar="DIR",
                   help="output folder (default results/nullmodels/<scenario name>/)")
    p.add_argument("--force", action="store_true", help=ANALYSIS_FORCE_HELP)
    p.add_argument("--json", action="store_true", help="print the report as JSON on stdout")
    add_set_argument(p)
    add_executor_args(p)
    p.set_defaults(func=cmd_nullmodels)


def cmd_nullmodels(args: argparse.Namespace) -> int:
    seeds = seeds_from_args(args)
    executor_kind(args)
    scenario = load_scenario(args.scenario, args.overrides)
    if len(scenario.startups) < 2:
        raise InputError(str(args.scenario), "startups", "expected at least two named startups to homogenise "
                                                         f"and swap, found {len(scenario.startups)}")
    swaps = nm.parse_swaps(args.swaps, scenario) if args.swaps else nm.default_swaps(scenario)
    out = args.out or Path("results") / "nullmodels" / scenario.name
    input_hash = canonical_hash({"scenario": scenario.hash(), "seeds": seeds, "swaps": swaps,
                                 "model_version": MODEL_VERSION})
    prepare_analysis_folder(out, OUTPUTS, input_hash, args.force)
    t0 = time.perf_counter()
    with executor_from_args(args) as pool:
        rep = nm.run_null_models(scenario, seeds, swaps, pool)
    rep = {"input_hash": input_hash, "scenario_file": str(args.scenario), "model_version": MODEL_VERSION,
           "wall_seconds": round(time.perf_counter() - t0, 3), **rep}
    table = nm.markdown(rep)
    (out / OUTPUTS[0]).write_text(json.dumps(rep, indent=1), encoding="utf-8")
    (out / OUTPUTS[1]).write_text(f"# Null models of {scenario.name} (model version {MODEL_VERSION})\n\n{table}",
                                  encoding="utf-8")
    if args.json:
        print(json.dumps(rep, indent=2))
    else:
        print(table, end="")
        print(f"{len(rep['variants'])} variants x {len(seeds)} seeds in {rep['wall_seconds']:.1f} s; "
              f"report: {out / OUTPUTS[0]}, {out / OUTPUTS[1]}")
    return 0
