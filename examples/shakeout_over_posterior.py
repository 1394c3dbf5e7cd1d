"""Does free entry end in a shakeout over the calibration's posterior, not only at its point estimate?

Draws ``--draws`` parameter sets from a calibration's posterior (by weight, as ``compare --posterior``
does), runs ``scenarios/free_entry.toml`` with each for ``--seeds`` seeds (the draw's calibrated values
override the scenario's), and checks Klepper's four regularities in every run
(:mod:`sim.experiments.lifecycle`, the criteria of ``python -m sim lifecycle``). Prints the share of runs
meeting each criterion and all four, and the share of shakeouts by tercile of each calibrated parameter,
so a reader sees which unidentified parameters the shakeout hangs on.

    python examples/shakeout_over_posterior.py results/calibration --draws 100 --seeds 2 --workers 2

About a minute on two cores for 100 draws x 2 seeds. Needs a calibration folder
(``python -m sim calibrate experiments/calibration.toml --out results/calibration``).
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from functools import cache
from pathlib import Path

import numpy as np

from sim.calibration.counterfactuals import load_posterior
from sim.errors import InputError
from sim.experiments import lifecycle as lc
from sim.model import run
from sim.scenario import Scenario, load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "free_entry.toml"
#: Seed of the posterior resampling (the same default as ``compare --posterior``).
RESAMPLE_SEED = 0
#: Parameter terciles reported.
TERCILES = 3


@cache
def base_scenario() -> Scenario:
    """The free_entry scenario, read once per process."""
    return load_scenario(SCENARIO)


def one_run(job: tuple[dict[str, float], int]) -> dict[str, bool]:
    """The four criteria (and the shakeout) of one free_entry run with ``overrides`` and ``seed``."""
    overrides, seed = job
    result = run(base_scenario().with_overrides(overrides), seed)
    (series,) = lc.monthly(lc.frames_from_results([result]))
    check = lc.check(series)
    out = {c: check.criteria[c].ok for c in lc.CRITERIA}
    out["shakeout"] = check.shakeout
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("posterior", type=Path, help="calibration output folder (posterior.parquet, state.json)")
    p.add_argument("--draws", type=int, default=100, help="posterior draws (default 100)")
    p.add_argument("--seeds", type=int, default=2, help="seeds per draw (default 2)")
    p.add_argument("--workers", type=int, default=1, help="processes (default 1)")
    args = p.parse_args(argv)
    if args.draws < 1 or args.seeds < 1 or args.workers < 1:
        print("error: --draws, --seeds and --workers must be at least 1", file=sys.stderr)
        return 2
    try:
        post = load_posterior(args.posterior)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    rows = post.resample(args.draws, RESAMPLE_SEED)
    jobs = [(post.draw(r), s) for r in rows for s in range(args.seeds)]
    with ProcessPoolExecutor(args.workers) as pool:
        checks = list(pool.map(one_run, jobs, chunksize=4))
    n = len(checks)
    print(f"free_entry over {args.draws} posterior draws x {args.seeds} seeds ({n} runs; "
          f"{len(set(rows))} distinct particles, ESS {post.ess:.0f})")
    for c in (*lc.CRITERIA, "shakeout"):
        print(f"  {c:<24} {sum(ch[c] for ch in checks) / n:>6.1%}")
    shake = np.array([ch["shakeout"] for ch in checks], dtype=float)
    print("share of shakeouts by tercile of each calibrated parameter (low / middle / high):")
    drawn = np.repeat(post.values[rows], args.seeds, axis=0)  # one row per run, in the order of ``checks``
    for j, k in enumerate(post.keys):
        x = drawn[:, j]
        cuts = np.quantile(x, [i / TERCILES for i in range(1, TERCILES)])
        bins = np.digitize(x, cuts)
        shares = [shake[bins == b].mean() if (bins == b).any() else float("nan") for b in range(TERCILES)]
        print(f"  {k:<42} " + " / ".join(f"{v:.1%}" for v in shares))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
