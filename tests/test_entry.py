"""Entry (sim.entry): entrants follow sentiment and the prospect of leading the open floor, and know the
published methods; over seeds of ``free_entry`` the prospect makes entry collapse before the exits peak."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim import entry
from sim.experiments import lifecycle as lc
from sim.model import MarketModel, run
from sim.scenario import Scenario, load_scenario
from sim.technology import frontier, learned_efficiency

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def free_entry() -> Scenario:
    return load_scenario(ROOT / "scenarios" / "free_entry.toml")


def test_prospect_is_the_moat_an_entrant_could_buy(free_entry: Scenario) -> None:
    """1 with the open floor far below what a seed-funded run reaches, 0 with the floor at the frontier, and
    in between it falls as the floor rises."""
    m = MarketModel(free_entry, 0)
    for _ in range(3):
        m.step()  # the floor's recent history (its projected catch-up) exists from the first month on
    top = frontier(m, m.t)
    m.open_floor = top - 20.0
    assert entry.prospect(m) == 1.0
    m.open_floor = top
    assert entry.prospect(m) == 0.0
    values = []
    for gap in (4.0, 3.0, 2.0, 1.0):
        m.open_floor = top - gap
        values.append(entry.prospect(m))
    assert values == sorted(values, reverse=True) and values[0] > values[-1]


def _entry_dates(sc: Scenario, seeds: range) -> list[str]:
    out = []
    for s in seeds:
        ev = run(sc, s, tables=("model", "events")).events
        out += [d for d, kind in zip(ev["date"], ev["type"], strict=True) if kind == "entry"]
    return out


def test_no_entry_once_the_open_floor_leaves_entrants_no_lead(free_entry: Scenario) -> None:
    """After the open floor closes on the frontier (2024-05 onwards) hardly anyone enters (at most one a seed in
    six seeds); with entry following sentiment alone (``follows_prospect = false``) several times as many still
    enter then: the condition does the work."""
    sc = free_entry.with_overrides({"time.end": "2026-06"})
    seeds = range(6)
    late = [d for d in _entry_dates(sc, seeds) if d >= "2024-06"]
    old = [d for d in _entry_dates(sc.with_overrides({"entry.follows_prospect": False}), seeds) if d >= "2024-06"]
    assert len(late) <= len(seeds)
    assert len(old) >= 4 * max(1, len(late))


def test_entrants_train_with_the_published_methods(free_entry: Scenario) -> None:
    """An entrant arriving after an open release published a high efficiency trains at least at the share of it
    every lab has learned, and serves its first model at that efficiency."""
    sc = free_entry.with_overrides({"entry.sentiment_threshold": 0.0, "entry.rate_per_month": 20.0})
    m = MarketModel(sc, 1)
    for _ in range(3):
        m.step()
    m.best_open_efficiency = 10.0  # as if an open-weight release had just published it
    m.vc_available_usd = 1e12
    before = len(m.every_startup)
    entry.step(m)
    new = m.every_startup[before:]
    assert new and learned_efficiency(m) > 1.0
    assert all(f.efficiency >= learned_efficiency(m) and f.model_efficiency == f.efficiency for f in new)


@pytest.mark.slow
def test_entry_collapses_before_exits_peak_over_seeds(free_entry: Scenario) -> None:
    """Klepper's timing regularity in ``free_entry``: in at least 70% of 30 seeds rolling entries collapse
    before rolling exits peak; with entry following sentiment alone it holds in fewer seeds."""
    def share(sc: Scenario) -> float:
        results = [run(sc, s) for s in range(30)]
        summary = lc.summarise([lc.check(x) for x in lc.monthly(lc.frames_from_results(results))])
        return summary["share"]["entry_collapses_first"]

    with_prospect = share(free_entry)
    assert with_prospect >= 0.7
    assert share(free_entry.with_overrides({"entry.follows_prospect": False})) < with_prospect

