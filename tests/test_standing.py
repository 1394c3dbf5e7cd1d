"""A startup's standing with enterprise buyers (an AR(1) utility shock, sim.demand.update_standing) and its
customer capital (service capacity that follows the business it wins, sim.agents.Startup.learn_sales):
model 3.6's sources of dispersion among firms alike in every input."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from sim import demand
from sim.experiments import lifecycle
from sim.model import MarketModel, run
from sim.scenario import Scenario, load_scenario
from sim.states import INTEGRATOR

ROOT = Path(__file__).resolve().parents[1]
#: Both mechanisms switched off.
OFF = {"demand.standing_sd_per_month": 0.0, "demand.capacity_half_revenue_usd_per_month": 0.0}
#: Both on, at values inside their calibration priors.
ON = {"demand.standing_sd_per_month": 0.2, "demand.capacity_half_revenue_usd_per_month": 1e7}


@pytest.fixture(scope="module")
def baseline() -> Scenario:
    return load_scenario(ROOT / "scenarios" / "baseline.toml")


def test_each_startup_draws_its_own_normal_shocks(baseline: Scenario) -> None:
    """A startup's innovations are sd x N(0, 1), one per month left in the run, and independent across firms."""
    sd = 0.2
    m = MarketModel(baseline.with_overrides({"demand.standing_sd_per_month": sd}), 0)
    draws = np.array([list(f.standing_shocks) for f in m.every_startup])
    assert draws.shape == (6, m.calendar.n_steps)
    assert draws.std() == pytest.approx(sd, rel=0.15)
    assert abs(np.corrcoef(draws)[np.triu_indices(6, 1)]).max() < 0.4


def test_standing_is_an_ar1_step(baseline: Scenario) -> None:
    m = MarketModel(baseline.with_overrides({"demand.standing_persistence": 0.8}), 0)
    firm = m.every_startup[0]
    firm.standing, firm.standing_shocks = 0.5, iter([0.1])
    demand.update_standing(m, firm)
    assert firm.standing == pytest.approx(0.8 * 0.5 + 0.1)


def _standings(sc: Scenario, seed: int, months: int) -> dict[str, list[float | None]]:
    """Each of the six's standing month by month, ``None`` once it is no longer live (its standing then stops)."""
    m = MarketModel(sc, seed)
    path: dict[str, list[float | None]] = {f.name: [] for f in m.every_startup}
    for _ in range(months):
        m.step()
        for f in m.every_startup[:6]:
            path[f.name].append(f.standing if f.alive() else None)
    return path


def test_a_firms_standing_does_not_depend_on_other_firms(baseline: Scenario) -> None:
    """Common random numbers firm by firm: entrants (free entry switched on) draw from streams of their own, so
    the six's standings are the same month by month as without them, in every month the firm is live in both runs
    (entrants compete for the venture pool, so one of the six may die sooner among them: seed 4's StepFun does)."""
    sc = baseline.with_overrides({"demand.standing_sd_per_month": 0.2})
    crowded = sc.with_overrides({"entry.enabled": True, "entry.sentiment_threshold": 0.0,
                                 "entry.rate_per_month": 5.0})
    alone, with_entrants = _standings(sc, 4, 24), _standings(crowded, 4, 24)
    assert len(MarketModel(crowded, 4).every_startup) == 6
    both = [(a, b) for name in alone for a, b in zip(alone[name], with_entrants[name], strict=True)
            if a is not None and b is not None]
    assert len(both) >= 0.75 * 6 * 24
    assert all(a == b for a, b in both)
    assert any(a != 0.0 for a, _ in both)


def test_only_startups_have_a_standing_and_none_when_switched_off(baseline: Scenario) -> None:
    m = MarketModel(baseline.with_overrides({"demand.standing_sd_per_month": 0.3}), 1)
    for _ in range(12):
        m.step()
    assert all(f.standing == 0.0 for f in m.firms if f not in m.every_startup)
    assert all(f.standing != 0.0 for f in m.live_startups)
    off = MarketModel(baseline.with_overrides(OFF), 1)
    for _ in range(12):
        off.step()
    assert all(f.standing == 0.0 and f.standing_shocks is None for f in off.every_startup)


def test_standing_raises_an_offers_utility_and_a_verticals_fit(baseline: Scenario) -> None:
    m = MarketModel(baseline, 0)
    for _ in range(6):
        m.step()
    assert demand.merit(m, 1.0, 0.4, 0.5) - demand.merit(m, 1.0, 0.4, 0.0) == pytest.approx(0.5)
    firm = next(f for f in m.live_startups if f.api_cost is not None)
    quality, cost, capacity = firm.api_offer(m)
    before = demand.offer_profit(m, firm, quality, cost, capacity)[1]
    demand.current_offers(m)
    merit_before = firm.api_merit
    firm.standing += 1.0
    assert demand.offer_profit(m, firm, quality, cost, capacity)[1] > before  # the board values it
    demand.current_offers(m)
    assert firm.api_merit == pytest.approx(merit_before + 1.0)  # and the market sees it
    firm.standing = 0.0
    plain = firm.vertical_fit(m.sc.demand)
    firm.standing = 0.7
    assert firm.vertical_fit(m.sc.demand) == pytest.approx(plain * math.exp(0.7))


@pytest.mark.parametrize("half", [0.0, 1e6])
def test_service_capacity_follows_the_business_won(baseline: Scenario, half: float) -> None:
    """The capacity target is the focus times k0 + (1 - k0) R / (R + half): the focus alone when switched off, less
    for a small book, the floor k0 for no book; an integrator's focus is 1."""
    sc = baseline.with_overrides({"demand.capacity_half_revenue_usd_per_month": half,
                                  "demand.sales_learning_per_month": 1.0})  # one month reaches the target
    m = MarketModel(sc, 0)
    firm = m.live_startups[0]
    dp = m.sc.demand
    k0 = dp.capacity_floor_share
    for revenue in (0.0, 1e5, 1e6, 1e8):
        firm.revenue_enterprise_usd, firm.revenue_vertical_usd = revenue / 2, revenue / 2
        firm.learn_sales(dp)
        share = k0 + (1 - k0) * revenue / (revenue + half) if half > 0 else 1.0
        assert firm.sales_capacity == pytest.approx(firm.enterprise_focus * share)
    firm.strategy = INTEGRATOR
    firm.learn_sales(dp)
    assert firm.sales_capacity == pytest.approx(k0 + (1 - k0) * 1e8 / (1e8 + half) if half > 0 else 1.0)


def test_a_new_vertical_keeps_capacity_to_win_its_first_customers(baseline: Scenario) -> None:
    """With no book of business a startup's capacity falls to the floor, not to zero, so it can still win buyers."""
    m = MarketModel(baseline, 0)
    firm = m.live_startups[0]
    firm.revenue_enterprise_usd = firm.revenue_vertical_usd = 0.0
    for _ in range(400):
        firm.learn_sales(m.sc.demand)
    assert firm.sales_capacity == pytest.approx(firm.enterprise_focus * m.sc.demand.capacity_floor_share, rel=1e-3)


def _end_top_decile(sc: Scenario, seeds: range) -> list[float]:
    out = []
    for seed in seeds:
        (series,) = lifecycle.monthly(lifecycle.frames_from_results([run(sc, seed)]))
        out.append(float(series.top_decile_share[-1]))
    return out


@pytest.mark.slow
def test_standing_and_customer_capital_make_sizes_skew() -> None:
    """free_entry, seeds 0-29: with both mechanisms off the firms left at the end are about equal (top decile of
    revenue about 0.2); with them on (standing sd 0.2 a month, half revenue 10 MUSD a month) the top decile holds
    clearly more, in every seed more than the median seed without them (model 3.10 measured: medians 0.22 and 0.51,
    ranges 0.17-0.34 and 0.34-0.72; model 3.6: medians 0.20 and 0.34)."""
    sc = load_scenario(ROOT / "scenarios" / "free_entry.toml")
    off = _end_top_decile(sc.with_overrides(OFF), range(30))
    on = _end_top_decile(sc.with_overrides(ON), range(30))
    assert np.median(off) < 0.25
    assert np.median(on) > np.median(off) + 0.15
    assert min(on) > np.median(off)
