"""``calibrate``, ``recover`` and ``sbc``: ABC-SMC calibration against the article, and its checks.

``recover`` is the parameter-recovery check at one truth; ``sbc`` the simulation-based
calibration of the sampler over many truths drawn from the prior. All take a spec
(``experiments/calibration.toml``, ``experiments/recovery.toml``), an output folder, and the
executor options of ``sweep``: ``--workers N`` (processes on this machine, the default; 1 runs
serially), ``--dask-local N`` (a Dask LocalCluster) or ``--dask ADDRESS`` (a
running Dask scheduler). Rerunning the same command resumes after the last finished generation
(``sbc``: after the last finished truth).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ..errors import InputError
from ..experiments.executors import add_executor_args, executor_from_args
from .outputs import FORCE_HELP


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
    p = sub.add_parser("sbc", help="simulation-based calibration of the sampler over truths drawn from the prior",
                       description="Draw N parameter sets from the prior of SPEC, simulate a synthetic history at "
                                   "each, calibrate against it with the same sampler (a cheaper budget per truth), "
                                   "and report per parameter the coverage of the 50% and 90% credible intervals, "
                                   "the rank histogram with a chi-square test and the contraction: sbc.json, sbc.md, "
                                   "sbc_ranks.png. Rerun to continue; a larger --truths extends. "
                                   "See docs/calibration.md, 'Simulation-based calibration'.")
    p.add_argument("spec", metavar="SPEC", help="calibration spec (TOML), e.g. experiments/toy_calibration.toml")
    p.add_argument("--truths", type=int, required=True, metavar="N", help="number of truths drawn from the prior")
    p.add_argument("--out", type=Path, default=None, metavar="DIR",
                   help="output folder (default results/sbc_<spec file name>/); rerun to continue")
    p.add_argument("--population", type=int, default=None, metavar="P",
                   help="particles per generation of each truth's calibration (default: the spec's [smc] population)")
    p.add_argument("--max-generations", type=int, default=None, metavar="G",
                   help="generations (including generation 0) of each truth's calibration (default: the spec's "
                        "[stopping] max_generations); fewer is cheaper and gives wider posteriors")
    p.add_argument("--max-simulations", type=int, default=None, metavar="M",
                   help="model runs budget of each truth's calibration "
                        "(default: the spec's [stopping] max_simulations)")
    p.add_argument("--draws", type=int, default=None, metavar="L",
                   help="posterior draws per truth for the rank statistic (default 99: ranks 0..99)")
    p.add_argument("--reference-table", type=int, default=None, metavar="M",
                   help="amortised check on the real model: M prior runs once, each truth's posterior = its L "
                        "nearest by the calibration's distance over the fitting targets (rejection ABC; "
                        "--population, --max-generations and --max-simulations do not apply)")
    p.add_argument("--bins", type=int, default=None, metavar="B",
                   help="bins of the rank histogram, a divisor of L + 1 (default: up to 20, at least 5 truths a bin)")
    add_executor_args(p)
    p.add_argument("--force", action="store_true", help=FORCE_HELP)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_sbc)


def _sbc_table(args: argparse.Namespace, spec: object) -> int:
    """``sbc --reference-table M``: the amortised check of :mod:`sim.calibration.sbc_table`."""
    from ..calibration.sbc import DEFAULT_DRAWS
    from ..calibration.sbc_table import identity, run_table_sbc
    from ..config import canonical_hash
    from .outputs import prepare_sbc_folder

    _refuse_toy(spec, "sbc --reference-table")
    draws = args.draws or DEFAULT_DRAWS
    out = args.out or Path("results") / f"sbc_table_{Path(args.spec).stem}"
    prepare_sbc_folder(out, canonical_hash(identity(spec, draws)), args.force)
    t0 = time.perf_counter()
    with executor_from_args(args) as pool:
        print(f"SBC of {Path(args.spec).name} on a reference table: {args.reference_table} prior runs, "
              f"{args.truths} truths, {len(spec.parameters)} parameters; on {pool.description}", flush=True)
        summary = run_table_sbc(spec, out, args.truths, args.reference_table, draws, pool.executor, pool.slots(),
                                bins=args.bins, progress=not args.quiet, log=print)
    _print_sbc(summary)
    print(f"outputs: {out}/ (sbc.json, sbc.md, sbc_ranks.png, table/); done in {time.perf_counter() - t0:.0f} s")
    return 0


def _print_sbc(summary: dict) -> None:
    for r in summary["parameters"]:
        print(f"{r['parameter']}: coverage 50% {r['coverage_50']:.0%}, 90% {r['coverage_90']:.0%}; rank chi-square "
              f"p = {r['chi2_p']:.3f}; contraction {r['contraction_mean']:.2f}"
              + ("; identified" if r["identified"] else ""))


def _check_common(args: argparse.Namespace) -> None:
    if args.max_generations is not None and args.max_generations < 1:
        raise InputError("--max-generations", "", f"expected at least 1, got {args.max_generations}")


def cmd_calibrate(args: argparse.Namespace) -> int:
    from ..calibration.pipeline import calibrate
    from ..calibration.spec import load_spec

    _check_common(args)
    spec = load_spec(args.spec)
    _refuse_toy(spec, "calibrate")
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
    _refuse_toy(spec, "recover")
    out = args.out or Path("results") / Path(args.spec).stem
    t0 = time.perf_counter()
    with executor_from_args(args) as pool:
        ex, n, where = pool.executor, pool.slots(), pool.description
        print(f"parameter recovery for {len(spec.parameters)} parameters; population {spec.smc.population}, "
              f"{spec.smc.replications} seeds per particle; on {where}", flush=True)
        summary = recover(spec, out, ex, n, progress=not args.quiet, max_generations=args.max_generations, log=print)
    print(f"done in {time.perf_counter() - t0:.0f} s" + ("" if summary["finished"] else " (unfinished)"))
    return 0


def _refuse_toy(spec: object, command: str) -> None:
    if getattr(spec, "simulator", "model") != "model":
        raise InputError(str(getattr(spec, "file", "")), "calibration.simulator",
                         f"expected \"model\" for '{command}'; a toy spec (simulator = \"toy\") is for 'sbc'")


def cmd_sbc(args: argparse.Namespace) -> int:
    from ..calibration.sbc import DEFAULT_DRAWS, Budget, identity, run_sbc
    from ..calibration.spec import load_spec
    from ..config import canonical_hash
    from .outputs import prepare_sbc_folder

    if args.truths < 1:
        raise InputError("--truths", "", f"expected at least 1, got {args.truths}")
    spec = load_spec(args.spec)
    if args.reference_table is not None:
        return _sbc_table(args, spec)
    budget = Budget(population=args.population or spec.smc.population,
                    max_generations=args.max_generations or spec.stopping.max_generations,
                    max_simulations=args.max_simulations or spec.stopping.max_simulations,
                    draws=args.draws or DEFAULT_DRAWS)
    out = args.out or Path("results") / f"sbc_{Path(args.spec).stem}"
    prepare_sbc_folder(out, canonical_hash(identity(spec, budget)), args.force)
    t0 = time.perf_counter()
    with executor_from_args(args) as pool:
        print(f"SBC of {Path(args.spec).name}: {args.truths} truths, {len(spec.parameters)} parameters; each "
              f"calibrated with population {budget.population}, <= {budget.max_generations} generations, "
              f"{spec.smc.replications} replications per particle; on {pool.description}", flush=True)
        summary = run_sbc(spec, out, args.truths, budget, pool.executor, pool.slots(), bins=args.bins,
                          progress=not args.quiet, log=print)
    _print_sbc(summary)
    print(f"outputs: {out}/ (sbc.json, sbc.md, sbc_ranks.png, truths/); done in {time.perf_counter() - t0:.0f} s")
    return 0
