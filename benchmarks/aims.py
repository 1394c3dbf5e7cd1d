"""Model 3's aims, measured over seeds: not a test, a measurement (results go in the README).

    python benchmarks/aims.py [--seeds 100] [--large-seeds 5] [--workers 2] [--json]

Reports, with the seeds used and the spread:

* **price war**: the share of baseline seeds in which the median closed-model API price
  (`closed_price_usd_per_mtok`) falls by at least 90% between 2024-04 and 2024-07;
* **budgets**: the number of (seed, month, live firm) rows with negative cash (aim: none);
* **consumer growth**: the share of seeds in which at least one of the six has more app users at
  2024-12 than at 2024-01 (a startup app that grows while it spends), and the share in which at
  least one has not collapsed (ends 2024 with at least half its 2024-01 users);
* **shakeout**: the share of `free_entry` seeds meeting every life-cycle regularity of
  :mod:`sim.experiments.lifecycle`;
* **rates, not counts**: the largest gap between the median sentiment paths of `large_market`
  (300 startups in the baseline's economy scaled fifty times) and of the baseline, the month it
  occurs in and both values there. The baseline's median is taken over all ``--seeds`` seeds: with six
  firms its sentiment moves in lumps at each firm's round, exit or departure, so a median over as few
  seeds as the large market's (whose 300 firms average those lumps out) would add the small market's
  noise to the gap.
"""

from __future__ import annotations

import argparse
import json
import statistics
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from sim.experiments import lifecycle
from sim.facts import SIX
from sim.model import run
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
#: The aims of model 3 (shares of seeds, and a sentiment gap).
PRICE_FALL, PRICE_SHARE, SHAKEOUT_SHARE, SENTIMENT_GAP = 0.9, 0.7, 0.7, 0.1
#: An app has *collapsed* in 2024 when it ends the year with less than this share of its 2024-01 users.
COLLAPSE = 0.5


def _baseline_seed(seed: int) -> dict[str, Any]:
    r = run(load_scenario(SCENARIOS / "baseline.toml"), seed)
    m, f = r.model, r.firms
    price = dict(zip(m["date"], m["closed_price_usd_per_mtok"], strict=True))
    negative = sum(1 for c, s in zip(f["cash_usd"], f["strategy"], strict=True) if s != "exited" and c < 0)
    mau = {(n, d): u for n, d, u in zip(f["firm"], f["date"], f["mau"], strict=True)}
    grew = any(mau.get((n, "2024-12"), 0.0) > mau.get((n, "2024-01"), 0.0) > 0 for n in SIX)
    kept = any(mau.get((n, "2024-12"), 0.0) >= COLLAPSE * mau.get((n, "2024-01"), 0.0) > 0 for n in SIX)
    return {"fall": 1.0 - price["2024-07"] / price["2024-04"], "negative_cash_rows": negative, "app_grew": grew,
            "app_kept": kept,
            "sentiment": m["vc_sentiment"], "dates": m["date"]}


def _free_entry_seed(seed: int) -> bool:
    r = run(load_scenario(SCENARIOS / "free_entry.toml"), seed)
    (series,) = lifecycle.monthly(lifecycle.frames_from_results([r]))
    return lifecycle.check(series).shakeout


def _large_seed(seed: int) -> list[float]:
    return run(load_scenario(SCENARIOS / "large_market.toml"), seed, tables=("model", "events")).model["vc_sentiment"]


def _median_path(paths: list[list[float]]) -> list[float]:
    return [statistics.median(p[i] for p in paths) for i in range(len(paths[0]))]


def _spread(xs: list[float]) -> dict[str, float]:
    qs = statistics.quantiles(xs, n=20)
    return {"median": statistics.median(xs), "p5": qs[0], "p95": qs[-1]}


def measure(seeds: int, large_seeds: int, workers: int) -> dict[str, Any]:
    with ProcessPoolExecutor(workers) as pool:
        base = list(pool.map(_baseline_seed, range(seeds)))
        shake = list(pool.map(_free_entry_seed, range(seeds)))
        large = list(pool.map(_large_seed, range(large_seeds)))
    falls = [b["fall"] for b in base]
    base_path, large_path = _median_path([b["sentiment"] for b in base]), _median_path(large)
    gaps = [abs(a - b) for a, b in zip(base_path, large_path, strict=True)]
    worst = max(range(len(gaps)), key=gaps.__getitem__)
    return {
        "seeds": f"0-{seeds - 1}", "large_market_seeds": f"0-{large_seeds - 1}",
        "price_fall_2024_04_to_07": {**_spread(falls), "aim": PRICE_SHARE,
                                     "share_at_least_90pct": sum(x >= PRICE_FALL for x in falls) / seeds},
        "negative_cash_rows": sum(b["negative_cash_rows"] for b in base),
        "share_seeds_a_startup_app_grew_in_2024": sum(b["app_grew"] for b in base) / seeds,
        "share_seeds_a_startup_app_did_not_collapse_in_2024": sum(b["app_kept"] for b in base) / seeds,
        "free_entry_share_shakeout": {"share": sum(shake) / seeds, "aim": SHAKEOUT_SHARE},
        "large_market_sentiment_max_gap": {"gap": gaps[worst], "aim": SENTIMENT_GAP, "month": base[0]["dates"][worst],
                                           "baseline": base_path[worst], "large_market": large_path[worst]},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=100, help="baseline and free_entry seeds (default 100)")
    ap.add_argument("--large-seeds", type=int, default=5, help="large_market seeds (default 5; ~5 s each)")
    ap.add_argument("--workers", type=int, default=2, help="processes (default 2)")
    ap.add_argument("--json", action="store_true", help="print JSON")
    args = ap.parse_args()
    out = measure(args.seeds, args.large_seeds, args.workers)
    if args.json:
        print(json.dumps(out, indent=2))
        return
    for key, value in out.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
