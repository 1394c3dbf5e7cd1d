"""Model speed benchmark: not a test, a measurement.

Reports, in one run on this machine:
* the median wall time of one baseline run to 2027-12 (one core), over ``--repeats`` seeds;
* the per-step cost of the large generic market as the number of agents doubles, as ratios
  (cost per step at 2N agents / cost at N): linear growth gives about 2.0.

    python benchmarks/bench_model.py [--repeats 30] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from sim.model import MarketModel, release, run
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent


def baseline_times(repeats: int) -> list[float]:
    sc = load_scenario(ROOT / "scenarios" / "baseline.toml")
    run(sc, 0)  # warm up imports and caches
    times = []
    for seed in range(repeats):
        t0 = time.perf_counter()
        run(sc, seed)
        times.append(time.perf_counter() - t0)
    return times


def step_cost(n_startups: int, steps: int = 24, seeds: int = 3) -> tuple[int, float]:
    """(agents, median seconds per step) of the large market scaled to ``n_startups`` startups."""
    base = load_scenario(ROOT / "scenarios" / "large_market.toml")
    sc = base.with_overrides({"population.startups": n_startups,
                              "population.giants": max(1, n_startups // 15),
                              "population.open_labs": max(1, n_startups // 30),
                              "time.end": "2024-12"})
    per_step = []
    agents = 0
    for seed in range(seeds):
        model = MarketModel(sc, seed)
        agents = len(model.agents)
        t0 = time.perf_counter()
        for _ in range(steps):
            model.step()
        per_step.append((time.perf_counter() - t0) / steps)
        release(model)
    return agents, statistics.median(per_step)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=30, help="baseline runs to time (default 30)")
    ap.add_argument("--json", action="store_true", help="print JSON")
    args = ap.parse_args()
    times = baseline_times(args.repeats)
    scaling = [step_cost(n) for n in (50, 100, 200, 400)]
    ratios = [round(b[1] / a[1], 2) for a, b in zip(scaling, scaling[1:], strict=False)]
    out = {
        "baseline_run_median_ms": round(1000 * statistics.median(times), 2),
        "baseline_run_p90_ms": round(1000 * sorted(times)[int(0.9 * (len(times) - 1))], 2),
        "baseline_runs": len(times),
        "step_cost": [{"agents": a, "ms_per_step": round(1000 * s, 3)} for a, s in scaling],
        "step_cost_ratio_per_doubling": ratios,
    }
    if args.json:
        print(json.dumps(out, indent=2))
        return
    print(f"baseline run to 2027-12: median {out['baseline_run_median_ms']} ms, p90 {out['baseline_run_p90_ms']} ms "
          f"over {len(times)} runs (aim: < 20 ms)")
    for row in out["step_cost"]:
        print(f"  {row['agents']:6d} agents: {row['ms_per_step']:8.3f} ms per step")
    print(f"step cost ratio per doubling of agents: {ratios} (linear = 2.0)")


if __name__ == "__main__":
    main()
