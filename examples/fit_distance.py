"""How close is each of several parameter sets to a calibration's fitting set, by the calibration's own distance?

Runs each candidate (a scenario file, or the first scenario with all the ``--probe`` overrides applied
together) on common seeds S..S+N-1 and prints its mean one-run distance (the weighted mean over the
spec's fitting entries of each entry's scaled distance, capped: the distance ABC-SMC accepts on,
docs/calibration.md "The method"), its paired difference from each earlier candidate with its
standard error, and the entries on which the candidates differ most. The numbers behind
docs/calibration.md, "A second fit: the race's length" (with ``--seed-start 1000`` too, on seeds the
probe was not chosen on):

    python examples/fit_distance.py experiments/calibration_race.toml \\
        scenarios/baseline.toml results/calibration_race/calibrated.toml \\
        --probe strategy.foundation_revenue_multiple=60 --probe talent.base_hazard_per_month=0.006 \\
        --probe talent.abandoned_work_multiplier=8 --seeds 100 --workers 2

About 10 s per candidate for 100 seeds on one core. A probe that has seen validation entries is a
diagnosis of the distance, never a fit; compare it on seeds it was not chosen on (``--seed-start``).
A run that fails counts as infinitely far, as in the calibration, and the failures are counted.
"""

from __future__ import annotations

import argparse
import math
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from sim.calibration.simulator import ModelSimulator, PatternDistance
from sim.calibration.spec import load_spec
from sim.config import parse_set
from sim.errors import InputError
from sim.scenario import load_scenario

#: How many fitting entries to list, those whose mean distance differs most between the candidates.
TOP_ENTRIES = 8


def one_run(job: tuple[ModelSimulator, PatternDistance, int]) -> tuple[float, dict[str, float]]:
    """The distance of one run and each fitting entry's scaled, capped distance in it."""
    simulate, distance, seed = job
    summaries = simulate({}, seed)
    return distance(summaries), distance.per_pattern(summaries)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("spec", type=Path, help="calibration spec (its fitting entries, weights and cap)")
    p.add_argument("scenarios", type=Path, nargs="+", help="scenario files, e.g. calibrated.toml of a calibration")
    p.add_argument("--probe", action="append", default=[], metavar="KEY=VALUE",
                   help="an override of the first scenario; all --probe values together make one more candidate "
                        "(repeat to set several values)")
    p.add_argument("--seeds", type=int, default=100, help="number of common seeds (default 100)")
    p.add_argument("--seed-start", type=int, default=0, help="first common seed (default 0)")
    p.add_argument("--workers", type=int, default=1, help="processes (default 1)")
    args = p.parse_args(argv)
    if args.seeds < 2 or args.workers < 1 or args.seed_start < 0:
        print("error: --seeds must be at least 2, --workers at least 1 and --seed-start at least 0", file=sys.stderr)
        return 2
    try:
        spec = load_spec(args.spec)
        candidates = [(str(path), load_scenario(path)) for path in args.scenarios]
        if args.probe:
            try:
                overrides = parse_set(args.probe)
            except InputError as exc:
                raise InputError("--probe", exc.key, exc.expected.replace("--set", "--probe")) from None
            candidates.append((f"{args.scenarios[0]} with " + ", ".join(args.probe),
                               candidates[0][1].with_overrides(overrides, origin="--probe")))
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    distance = spec.distance()
    seeds = range(args.seed_start, args.seed_start + args.seeds)
    simulators = [ModelSimulator(sc, targets=spec.uses_targets) for _, sc in candidates]  # one per candidate
    jobs = [(simulate, distance, s) for simulate in simulators for s in seeds]
    with ProcessPoolExecutor(args.workers) as pool:
        out = list(pool.map(one_run, jobs, chunksize=8))
    n = args.seeds
    d = np.array([r[0] for r in out]).reshape(len(candidates), n)
    failed = int(np.isinf(d).sum())
    print(f"distance of {args.spec.name} ({len(spec.fit)} fitting entries) over seeds {seeds[0]}-{seeds[-1]}"
          + (f"; {failed} runs failed (infinitely far)" if failed else "") + ":")
    for i, (name, _) in enumerate(candidates):
        earlier = "".join(f"; minus [{j}] {(d[i] - d[j]).mean():+.3f} (paired s.e. "
                          f"{(d[i] - d[j]).std(ddof=1) / math.sqrt(n):.3f})" for j in range(i))
        print(f"  [{i}] {d[i].mean():.3f} (s.d. {d[i].std(ddof=1):.3f}{earlier})  {name}")
    per = {pid: [float(np.mean([out[i * n + s][1][pid] for s in range(n)])) for i in range(len(candidates))]
           for pid in spec.fit}
    top = sorted(per, key=lambda pid: max(per[pid]) - min(per[pid]), reverse=True)[:TOP_ENTRIES]
    print("entries that differ most (mean scaled distance, candidates [0], [1], ...):")
    for pid in top:
        print(f"  {pid:<26} " + "  ".join(f"{v:.2f}" for v in per[pid]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
