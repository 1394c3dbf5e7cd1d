"""``calibrate`` and ``recover``: ABC-SMC calibration against the article, and its parameter-recovery check.

Both take a spec (``experiments/calibration.toml``, ``experiments/recovery.toml``), an output
folder, and the executor options of ``sweep``: ``--workers N`` (processes on this machine, the
default; 1 runs serially), ``--dask-local N`` (a Dask LocalCluster) or ``--dask ADDRESS`` (a
running Dask scheduler). Rerunning the same command resumes after the last finished generation.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ..errors import InputError
from ..experiments.executors import add_executor_args, executor_from_args


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("spec", metavar="SPEC", help="calibration spec (TOML)")
    p.add_argument("--out", type=Path, default=None, metavar="DIR",
                   help="output folder (default results/<spec file name>/, e.g. results/calibration/ for "
                        "experiments/calibration.toml); "
                        "rerun to resume")
    add_executor_args(p)
    p.add_argument("--max-generations", type=int, default=None, metavar="G",
                   help="stop after G generations in total without finishing (resume later by rerunning)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("calibrate", help="ABC-SMC calibration against the article's patterns (resumable)",
                       description="Calibrate the uncertain parameters of SPEC by ABC-SMC against the fitting "
                                   "patterns; write the posterior, a calibrated scenario, the posterior-predictive "
                                   "scorecard and figures. See docs/calibration.md.")
    _add_common(p)
    p.add_argument("--apply-to", type=Path, default=None, metavar="SCENARIO",
                   help="also write the point estimate into this scenario file in place (comments kept), e.g. "
                        "scenarios/baseline.toml so that 'make run' uses it")
    p.set_defaults(func=cmd_calibrate)
    p = sub.add_parser("recover", help="parameter-recovery (identifiability) experiment for a calibration spec",
                       description="Generate a synthetic history at known parameter values and calibrate against "
                                   "it with the same sampler; report coverage and contraction per parameter.")
    _add_common(p)
    p.set_defaults(func=cmd_recover)


def _check_common(args: argparse.Namespace) -> None:
    if args.max_generations is not None and args.max_generations < 1:
        raise InputError("--max-generations", "", f"expected at least 1, got {args.max_generations}")


def cmd_calibrate(args: argparse.Namespace) -> int:
    from ..calibration.pipeline import calibrate
    from ..calibration.spec import load_spec

    _check_common(args)
    spec = load_spec(args.spec)
    if args.apply_to is not None and not args.apply_to.exists():
        raise InputError(str(args.apply_to), "", "file not found (--apply-to)")
    out = args.out or Path("results") / Path(args.spec).stem
    t0 = time.perf_counter()
    with executor_from_args(args) as pool:
        ex, n, where = pool.executor, pool.slots(), pool.description
        print(f"calibrating {len(spec.parameters)} parameters of {spec.scenario.name} against "
              f"{len(spec.fit)} fitting patterns ({', '.join(spec.fit)}); population {spec.smc.population}, "
              f"{spec.smc.replications} seeds per particle, at most {spec.stopping.max_generations} generations; "
              f"on {where}", flush=True)
        summary = calibrate(spec, out, ex, n, progress=not args.quiet, max_generations=args.max_generations,
                            apply_to=args.apply_to, log=print)
    print(f"done in {time.perf_counter() - t0:.0f} s" + ("" if summary["finished"] else " (unfinished)"))
    return 0


def cmd_recover(args: argparse.Namespace) -> int:
    from ..calibration.pipeline import recover
    from ..calibration.spec import load_spec

    _check_common(args)
    spec = load_spec(args.spec, require_recovery=True)
    out = args.out or Path("results") / Path(args.spec).stem
    t0 = time.perf_counter()
    with executor_from_args(args) as pool:
        ex, n, where = pool.executor, pool.slots(), pool.description
        print(f"parameter recovery for {len(spec.parameters)} parameters; population {spec.smc.population}, "
              f"{spec.smc.replications} seeds per particle; on {where}", flush=True)
        summary = recover(spec, out, ex, n, progress=not args.quiet, max_generations=args.max_generations, log=print)
    print(f"done in {time.perf_counter() - t0:.0f} s" + ("" if summary["finished"] else " (unfinished)"))
    return 0
