"""``informative``: which patterns and targets can fail, and which are built in (:mod:`sim.informative`).

``python -m sim informative SCENARIO [--seeds N] [--spec SPEC] [--out DIR] [--json]`` runs the
scenario, the corners of the calibration spec's priors and each declared mechanism switched off,
N seeds each, and classifies every pattern and target as ``informative`` or ``built-in``. With
``--out`` the report is written to ``DIR/informative.json``; the folder follows the rule of
:mod:`sim.commands.outputs` (a folder holding another check's report, or other files without one,
is refused unless ``--force``).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..config import add_set_argument
from ..errors import InputError
from ..experiments.executors import add_executor_args, executor_from_args, executor_kind
from ..holdout import HOLDOUT_FILE, load_holdout
from ..informative import DESIGN_SEED, OUT_OF_REACH_SHARE, RANDOM_CORNERS, check, check_hash, format_report
from ..scenario import load_scenario
from .outputs import FORCE_HELP, prepare_report_folder
from .run import add_seed_args, seeds_from_args

#: The calibration spec whose priors give the corners, by default.
DEFAULT_SPEC = Path("experiments") / "calibration.toml"
#: The report written into ``--out``.
REPORT = "informative.json"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("informative", help="which patterns and targets can fail (informative) and which are built in",
                       description="Run SCENARIO, the corners of the calibration spec's priors and each declared "
                                   "mechanism switched off, N seeds each (the same seeds everywhere), and report "
                                   "for every pattern and target the share of seeds in which it holds; classify it "
                                   "'informative' (fails somewhere) or 'built-in' (holds everywhere), and list "
                                   f"those that hold in under {OUT_OF_REACH_SHARE:.0%} of seeds at every point "
                                   "(out of the check's reach). See docs/targets.md.")
    p.add_argument("scenario", metavar="SCENARIO", help="scenario TOML file, e.g. scenarios/baseline.toml")
    add_seed_args(p, 20, "seeds per point")
    p.add_argument("--spec", type=Path, default=DEFAULT_SPEC, metavar="SPEC",
                   help=f"calibration spec whose [[parameters]] priors give the corners (default {DEFAULT_SPEC})")
    p.add_argument("--random-corners", type=int, default=RANDOM_CORNERS, metavar="K",
                   help=f"random corners added to the one-at-a-time extremes when the spec calibrates more than a "
                        f"few parameters (default {RANDOM_CORNERS})")
    p.add_argument("--design-seed", type=int, default=DESIGN_SEED, metavar="SEED",
                   help=f"seed of the random corners (default {DESIGN_SEED})")
    p.add_argument("--holdout", type=Path, default=HOLDOUT_FILE, metavar="FILE",
                   help="hold-out file whose use (fit, validate, none) each row shows (default "
                        "experiments/holdout.toml; docs/targets.md)")
    p.add_argument("--out", type=Path, default=None, metavar="DIR", help=f"write DIR/{REPORT}")
    p.add_argument("--force", action="store_true", help=FORCE_HELP)
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    add_set_argument(p)
    add_executor_args(p)
    p.set_defaults(func=cmd_informative)


def cmd_informative(args: argparse.Namespace) -> int:
    from ..calibration.spec import load_spec

    seeds = seeds_from_args(args)
    if args.random_corners < 0:
        raise InputError("--random-corners", "", f"expected 0 or more, got {args.random_corners}")
    executor_kind(args)
    scenario = load_scenario(args.scenario, args.overrides)
    priors = load_spec(args.spec).priors
    holdout = load_holdout(args.holdout)
    if args.out is not None:
        prepare_report_folder(args.out, REPORT, check_hash(scenario, priors, seeds, args.random_corners,
                                                           args.design_seed), args.force)
    with executor_from_args(args) as pool:
        report = check(scenario, priors, seeds, pool, args.random_corners, args.design_seed)
    report["spec"], report["holdout"] = str(args.spec), str(args.holdout)
    for row in report["items"]:
        row["use"] = holdout.use.get(row["id"], "")
    if args.out is not None:
        tmp = args.out / f".{REPORT}.tmp"
        tmp.write_text(json.dumps(report, indent=2))
        tmp.replace(args.out / REPORT)
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    if args.out is not None and not args.json:
        print(f"report: {args.out / REPORT}")
    return 0
