"""Where does a baseline miss the record, and why? The counts behind docs/calibration.md, "What the model
cannot reach".

Reads the tables of a results folder of ``python -m sim run`` (a scenario with the six startups, the
giants and DeepSeek, e.g. the calibrated baseline) and prints, over its seeds (median and 5-95% of seeds
unless said):

* **money**: what the six raise in 2024 and in rounds of what size, against the ceilings the capital
  market's own rules put on it (the six's share of the year's venture pool, and the most one month can
  hold when unspent money carries over at ``capital.pool_carryover``);
* **who raises in H1 2025**: how many of the six and which, and what Zhipu is doing in 2025-01;
* **integrators**: how pivots split, and an integrator's API price over its serving cost and over the
  open lab's price, and the share of integrators that earn more than they spend;
* **users**: Kimi's 2024 peak and the leaders' apps, with the ratios pattern T12 reads;
* **prices**: DeepSeek's API price and serving cost at the launches of V2 (2024-05) and R1 (2025-01),
  against the list prices the targets ``deepseek_price_2024_05`` and ``deepseek_price_2025_01`` read;
* **the race**: how many of the six still train at 2025-06 and to when any does, and the six's models
  against the open floor (doublings of effective compute).

    python examples/structural_misses.py results/baseline

A few seconds for 100 seeds. Needs a results folder (``make run`` writes ``results/baseline``).
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from sim.facts import ARTICLE_DATE, DEEPSEEK, SIX
from sim.results import read_table
from sim.targets import TARGET_BY_ID

#: The year whose rounds are compared with the venture pool (the period's last full calendar year).
MONEY_YEAR = "2024"
#: Months of H1 2025 in which rounds are counted (pattern T10's window).
H1_2025 = ("2025-01", ARTICLE_DATE)
#: Month at which the integrators' prices and books are read (a year after the pivots of early 2025).
INTEGRATOR_MONTH = "2026-06"
#: Months at which the six's models are compared with the open floor.
FLOOR_MONTHS = ("2024-01", "2024-07", "2024-10", "2025-01")
#: The consumer apps of the record: (firm, month, label).
APPS = (("Moonshot", "2025-01", "Kimi"), (DEEPSEEK, "2025-03", "DeepSeek"), ("Tencent", "2024-11", "Yuanbao"),
        ("ByteDance", "2025-01", "Doubao"))
#: The leaders T12 compares Kimi with.
LEADERS = (DEEPSEEK, "ByteDance", "Tencent")
#: The targets on DeepSeek's list prices, in date order (V2's launch, R1's launch).
PRICE_TARGETS = ("deepseek_price_2024_05", "deepseek_price_2025_01")
#: T12's factor.
KIMI_GAP = 10.0
MUSD = 1e6


def spread(x: pd.Series | np.ndarray, scale: float = 1.0, fmt: str = ".2f") -> str:
    """'median (5-95%: lo-hi)' of ``x / scale``."""
    v = np.asarray(x, dtype=float) / scale
    lo, med, hi = np.percentile(v, [5, 50, 95])
    return f"{med:{fmt}} (5-95%: {lo:{fmt}}-{hi:{fmt}})"


def per_seed(rows: pd.DataFrame, seeds: list[int]) -> pd.Series:
    """Number of ``rows`` in each of ``seeds`` (0 where a seed has none)."""
    return rows.groupby("seed").size().reindex(seeds, fill_value=0)


def load(folder: Path) -> tuple[dict, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(scenario dict, firms, events, model) of a results folder; exits with code 2 if it is none."""
    summary = folder / "summary.json"
    if not summary.is_file():
        print(f"error: {summary} not found: expected a results folder of 'python -m sim run'", file=sys.stderr)
        sys.exit(2)
    scenario = json.loads(summary.read_text())["scenario"]
    start = scenario["time"]["start"]
    if f"vc_pool_usd_{start[:4]}" not in scenario["capital"] or start[:4] > MONEY_YEAR:
        print(f"error: {summary}: scenario.time.start is {start}: expected a start in 2023 or 2024, the years whose "
              "venture pools are inputs (capital.vc_pool_usd_2023, _2024)", file=sys.stderr)
        sys.exit(2)
    firms, events, model = (read_table(folder, n).to_pandas() for n in ("firms", "events", "model"))
    missing = [f for f in SIX if f not in set(firms["firm"])]
    if missing:
        print(f"error: {folder}: firms table has no {', '.join(missing)}: expected a scenario with the six startups",
              file=sys.stderr)
        sys.exit(2)
    return scenario, firms, events, model


def money(scenario: dict, events: pd.DataFrame, seeds: list[int]) -> None:
    cp = scenario["capital"]
    rounds = events[(events["type"] == "funding_round") & events["firm"].isin(SIX)]
    year = rounds[rounds["date"].str[:4] == MONEY_YEAR]
    total = year.groupby("seed")["amount_usd"].sum().reindex(seeds, fill_value=0.0)
    pool = six_pool(cp, int(MONEY_YEAR))
    month_cap = month_ceiling(scenario)
    sizes = year["amount_usd"]
    print(f"money: the six raise {spread(total, 1e9)} billion USD in {MONEY_YEAR}, "
          f"{spread(per_seed(year, seeds), 1, '.0f')} rounds a seed, "
          f"median round {sizes.median() / MUSD:.0f} million, largest {sizes.max() / MUSD:.0f}")
    print(f"  ceilings: the six's pool {pool / 1e9:.2f} billion USD a year; with carryover "
          f"{cp['pool_carryover']:g} a month of {MONEY_YEAR} holds at most {month_cap / MUSD:.0f} million "
          f"(nothing spent since {scenario['time']['start']})")


def six_pool(cp: dict, year: int) -> float:
    """The simulated startups' venture pool of ``year`` (USD a year): the input pool times their share."""
    return cp["pool_share_simulated"] * cp[f"vc_pool_usd_{year}"]


def month_ceiling(scenario: dict) -> float:
    """The most venture money (USD) any month of MONEY_YEAR can hold: every month's inflow (the year's pool over
    12) from the run's start on, none of it spent, each month's left-over kept at ``pool_carryover``
    (sim.capital.update_sentiment). The simulated pools are those of the inputs, so the run must start in 2023
    or 2024 (:func:`load` checks it)."""
    cp = scenario["capital"]
    year, month = (int(x) for x in scenario["time"]["start"].split("-"))
    held, most = 0.0, 0.0
    while year <= int(MONEY_YEAR):
        held = six_pool(cp, year) / 12.0 + cp["pool_carryover"] * held
        most = max(most, held) if year == int(MONEY_YEAR) else most
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return most


def raisers(events: pd.DataFrame, firms: pd.DataFrame, seeds: list[int]) -> None:
    rounds = events[(events["type"] == "funding_round") & events["firm"].isin(SIX)
                    & (events["date"] >= H1_2025[0]) & (events["date"] <= H1_2025[1])]
    count = rounds.groupby("seed")["firm"].nunique().reindex(seeds, fill_value=0)
    dist = ", ".join(f"{k}: {v}" for k, v in count.value_counts().sort_index().items())
    by_firm = rounds.groupby("firm")["seed"].nunique().sort_values(ascending=False)
    which = ", ".join(f"{f} {n}" for f, n in by_firm.items())
    zhipu = firms[(firms["firm"] == "Zhipu") & (firms["date"] == H1_2025[0])]["strategy"].value_counts()
    print(f"raisers in H1 2025 (seeds by number of the six raising): {dist}; by firm (seeds): {which or 'none'}")
    print(f"  Zhipu in {H1_2025[0]} (seeds): {', '.join(f'{k} {v}' for k, v in zhipu.items())}")


def integrators(events: pd.DataFrame, firms: pd.DataFrame, seeds: list[int]) -> None:
    pivots = events[(events["type"] == "pivot") & events["firm"].isin(SIX)]
    vertical = (pivots["niche"].fillna("") != "").sum()
    exits = events[(events["type"] == "exit") & events["firm"].isin(SIX)]
    listed = events[(events["type"] == "ipo") & (events["stage"] == "listing") & events["firm"].isin(SIX)]
    print(f"pivots: {len(pivots)} of the six, {len(pivots) - vertical} to an integrator, {vertical} to a vertical; "
          f"exits {len(exits)} in {len(seeds)} seeds; listings a seed {spread(per_seed(listed, seeds), 1, '.0f')}")
    now = firms[firms["date"] == INTEGRATOR_MONTH]
    integ = now[(now["strategy"] == "integrator") & now["firm"].isin(SIX)]
    if integ.empty:
        print(f"  no integrator in {INTEGRATOR_MONTH}")
        return
    open_price = now[now["firm"] == DEEPSEEK].set_index("seed")["api_price_usd_per_mtok"]
    markup = integ["api_price_usd_per_mtok"] / integ["api_cost_usd_per_mtok"]
    over_open = integ["api_price_usd_per_mtok"] / integ["seed"].map(open_price)
    print(f"  integrators in {INTEGRATOR_MONTH} ({len(integ)}): price / own serving cost {spread(markup, fmt='.1f')}, "
          f"price / {DEEPSEEK}'s {spread(over_open.dropna(), fmt='.1f')}; "
          f"earning more than they spend: {np.isinf(integ['runway_months']).mean():.0%}")


def users(firms: pd.DataFrame) -> None:
    kimi = firms[(firms["firm"] == "Moonshot") & (firms["date"].str[:4] == MONEY_YEAR)]
    peak = kimi.loc[kimi.groupby("seed")["mau"].idxmax()]
    print(f"users: Kimi's {MONEY_YEAR} peak {spread(peak['mau'], MUSD, '.1f')} million, median month "
          f"{peak['date'].sort_values().iloc[len(peak) // 2]}")
    for firm, month, label in APPS:
        mau = firms[(firms["firm"] == firm) & (firms["date"] == month)]["mau"]
        print(f"  {label} {month}: {spread(mau, MUSD, '.1f')} million")
    at = firms[firms["date"] == ARTICLE_DATE].pivot_table(index="seed", columns="firm", values="mau")
    for leader in LEADERS:
        ratio = at[leader] / at["Moonshot"].where(at["Moonshot"] > 0)
        print(f"  {ARTICLE_DATE}: {leader} / Kimi {spread(ratio.dropna(), fmt='.1f')}, at least {KIMI_GAP:g}x in "
              f"{int((ratio >= KIMI_GAP).sum())} seeds")


def prices(firms: pd.DataFrame) -> None:
    ds = firms[firms["firm"] == DEEPSEEK]
    medians = []
    for tid in PRICE_TARGETS:
        t = TARGET_BY_ID[tid]
        at = ds[ds["date"] == t.date]
        if at.empty:
            print(f"prices: the run has no DeepSeek row at {t.date} ({tid} not measured)")
            return
        medians.append((at["api_price_usd_per_mtok"].median(), float(t.observed), t.date))
        print(f"prices: DeepSeek at {t.date} charges {spread(at['api_price_usd_per_mtok'], fmt='.3f')} USD per "
              f"million tokens (serving cost {spread(at['api_cost_usd_per_mtok'], fmt='.3f')}); list price "
              f"{t.observed:g} ({tid})")
    for (m0, o0, d0), (m1, o1, d1) in itertools.pairwise(medians):
        print(f"  from {d0} to {d1}: the model's median price x{m1 / m0:.3f}, the list price x{o1 / o0:.2f}")


def race(firms: pd.DataFrame, model: pd.DataFrame, seeds: list[int]) -> None:
    six = firms[firms["firm"].isin(SIX)]
    at = six[six["date"] == ARTICLE_DATE]
    training = per_seed(at[at["strategy"] == "foundation"], seeds)
    who = at[at["strategy"] == "foundation"]["firm"].value_counts()
    last = six[six["strategy"] == "foundation"].groupby("seed")["date"].max().sort_values()
    print(f"race: of the six still training at {ARTICLE_DATE} (seeds by number): "
          f"{', '.join(f'{k}: {v}' for k, v in training.value_counts().sort_index().items())}; "
          f"which (seeds): {', '.join(f'{k} {v}' for k, v in who.items()) or 'none'}")
    print(f"  last month any of the six trains: median {last.iloc[len(last) // 2]}, latest {last.iloc[-1]}")
    for month in FLOOR_MONTHS:
        x = six[six["date"] == month].merge(model[model["date"] == month][["seed", "open_floor_capability"]], on="seed")
        lead = x["capability"] - x["open_floor_capability"]
        best = x.assign(lead=lead).groupby("seed")["lead"].max()
        print(f"  {month}: the six's models less the open floor {spread(lead)} doublings; the best of the six "
              f"{spread(best)}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("results", type=Path, help="results folder of 'python -m sim run', e.g. results/baseline")
    args = ap.parse_args(argv)
    scenario, firms, events, model = load(args.results)
    seeds = sorted(int(s) for s in firms["seed"].unique())
    print(f"{args.results}: {len(seeds)} seeds")
    money(scenario, events, seeds)
    raisers(events, firms, seeds)
    integrators(events, firms, seeds)
    users(firms)
    prices(firms)
    race(firms, model, seeds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
