"""``run``: run N seeds of a scenario and write tables, summary.json, the scorecard and figures.

Seeds run on the executor chosen by ``--workers``, ``--dask-local`` or ``--dask`` (see
:mod:`sim.experiments.executors`); the output folder follows :mod:`sim.commands.outputs`.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from .. import MODEL_VERSION, __version__
from ..config import add_set_argument
from ..errors import InputError
from ..experiments.executors import add_executor_args, executor_from_args, executor_kind
from ..results import write_tables
from ..runner import run_seeds
from ..scenario import load_scenario
from .outputs import FORCE_HELP, prepare_run_folder


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run a scenario over N seeds; write tables, summary.json and figures",
                       description="Run SCENARIO once per seed and write its tables, summary.json, the scorecard "
                                   "and figures into --out. The folder must be new or hold results of the same "
                                   "scenario (they are replaced); results of another scenario are refused unless "
                                   "--force.")
    p.add_argument("scenario", metavar="SCENARIO", help="scenario TOML file, e.g. scenarios/baseline.toml")
    add_seed_args(p, 100)
    p.add_argument("--out", type=Path, default=None, metavar="DIR", help="output folder (default results/<name>/)")
    p.add_argument("--force", action="store_true", help=FORCE_HELP)
    p.add_argument("--format", choices=("parquet", "csv"), default="parquet", help="table format (default parquet)")
    p.add_argument("--no-figures", action="store_true", help="skip the figures")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_set_argument(p)
    add_executor_args(p)
    p.set_defaults(func=cmd_run)


def add_seed_args(p: argparse.ArgumentParser, default: int) -> None:
    """Add ``--seeds N`` (default ``default``) and ``--seed-start S``: the seeds S..S+N-1."""
    p.add_argument("--seeds", type=int, default=default, metavar="N",
                   help=f"number of seeds: S..S+N-1 with --seed-start S (default {default})")
    p.add_argument("--seed-start", type=int, default=0, metavar="S", help="first seed (default 0)")


def seeds_from_args(args: argparse.Namespace) -> list[int]:
    """The seeds of ``--seeds`` and ``--seed-start``; :class:`InputError` for a bad count or start."""
    if args.seeds < 1:
        raise InputError("--seeds", "", f"expected a positive number of seeds, got {args.seeds}")
    if args.seed_start < 0:
        raise InputError("--seed-start", "", f"expected a seed of 0 or more, got {args.seed_start}")
    return list(range(args.seed_start, args.seed_start + args.seeds))


def cmd_run(args: argparse.Namespace) -> int:
    seeds = seeds_from_args(args)
    executor_kind(args)  # bad executor options fail before anything is written
    scenario = load_scenario(args.scenario, args.overrides)
    from ..patterns import evaluate, scorecard

    out = args.out or Path("results") / scenario.name
    prepare_run_folder(out, scenario.hash(), args.force)  # before simulating: a bad --out costs nothing
    t0 = time.perf_counter()
    with executor_from_args(args) as pool:
        results = run_seeds(scenario, seeds, pool, progress=not args.quiet)
    elapsed = time.perf_counter() - t0
    write_tables(results, out, args.format)
    card = scorecard([evaluate(r) for r in results])
    summary = {
        "scenario": scenario.to_dict(), "scenario_hash": scenario.hash(), "scenario_file": str(args.scenario),
        "seeds": seeds, "package_version": __version__, "model_version": MODEL_VERSION,
        "wall_seconds": round(elapsed, 3), "scorecard": card,
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    figures = []
    if not args.no_figures:
        from ..figures import make_figures

        figures = make_figures(out, scenario)
    passed = sum(1 for p in card["patterns"] if p["pass_rate"] >= 0.7)
    print(f"{scenario.name}: {len(seeds)} seeds in {elapsed:.1f} s; "
          f"{passed}/{len(card['patterns'])} patterns hold in at least 70% of seeds")
    print(f"tables and summary.json: {out}/")
    if figures:
        print(f"figures: {out / 'figures'}/ ({len(figures)} files)")
    return 0
