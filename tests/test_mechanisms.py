"""Mechanisms on small hand-checked cases: technology, open source and prices, demand, capital, talent,
calendar. Parameters that matter are set explicitly, so these tests do not move with the calibration."""

from __future__ import annotations

import math
from itertools import pairwise

import pytest

from sim import capital, demand, pricing, talent, technology
from sim.agents import COMMERCIAL, FOUNDATION, INTEGRATOR, TECHNICAL, VERTICAL
from sim.calendar import Calendar, format_month, parse_month
from sim.model import MarketModel, release
from sim.params import TalentParams
from sim.scenario import Scenario

#: Hand-set values (the model-1 defaults when these tests were written).
HAND = {
    "technology.frontier_compute_growth_per_year": 4.5,
    "technology.algorithmic_halving_months": 8.0,
    "technology.run_cost_growth_per_year": 2.4,
    "technology.frontier_run_cost_usd_2023": 3.0e7,
    "technology.run_cost_scale": 1.0,
    "technology.serving_cost_usd_per_mtok_2023": 2.0,
    "technology.serving_cost_decline_per_year": 2.5,
    "capital.sentiment_base": 0.5,
    "capital.sentiment_reversion_per_month": 0.04,
    "capital.outside_rise_start": "2024-06",
    "capital.outside_rise_end": "2025-06",
    "capital.outside_appeal_max": 0.6,
    "talent.base_hazard_per_month": 0.003,
    "talent.abandoned_work_multiplier": 10.0,
    "talent.runway_multiplier": 2.0,
    "talent.runway_alarm_months": 12.0,
    "talent.pivot_commercial_multiplier": 1.5,
    "talent.poaching_weight": 1.0,
    "talent.niche_heat_weight": 1.0,
    "talent.contagion_weight": 0.3,
}
HAS_RANK_FOCUS = "poaching_rank_focus" in TalentParams.model_fields
if HAS_RANK_FOCUS:
    HAND["talent.poaching_rank_focus"] = 0.0  # giants' offers aimed at no startup in particular


@pytest.fixture
def model(baseline: Scenario):
    m = MarketModel(baseline.with_overrides(HAND), seed=0)
    yield m
    release(m)


# ----------------------------------------------------------------------------- technology
def test_frontier_moves_by_compute_growth_plus_algorithmic_progress(model) -> None:
    per_year = math.log2(4.5) + 12 / 8
    assert technology.frontier(model, 0) == 0.0  # the scenario starts at the 2023-01 anchor
    assert technology.frontier(model, 12) == pytest.approx(per_year, rel=1e-12)
    assert technology.frontier(model, 12) == pytest.approx(3.669925001442313, rel=1e-12)
    assert technology.frontier(model, 30) == pytest.approx(2.5 * per_year, rel=1e-12)
    assert technology.frontier(model, -6) == pytest.approx(-0.5 * per_year, rel=1e-12)


def test_frontier_is_anchored_at_2023_whatever_the_start(baseline: Scenario) -> None:
    m = MarketModel(baseline.with_overrides({**HAND, "time.start": "2024-01"}), 0)
    try:
        assert technology.frontier(m, 0) == pytest.approx(math.log2(4.5) + 1.5, rel=1e-12)
        assert technology.frontier_run_cost(m, 0) == pytest.approx(3.0e7 * 2.4, rel=1e-12)
    finally:
        release(m)


def test_frontier_run_cost_grows_2_4x_a_year(model) -> None:
    assert technology.frontier_run_cost(model, 0) == pytest.approx(3.0e7, rel=1e-12)
    for t in (0, 5, 17, 40):
        assert technology.frontier_run_cost(model, t + 12) / technology.frontier_run_cost(model, t) == \
            pytest.approx(2.4, rel=1e-12)
    assert technology.frontier_run_cost(model, 6) == pytest.approx(3.0e7 * math.sqrt(2.4), rel=1e-12)


def test_run_cost_scale_multiplies_every_run(baseline: Scenario) -> None:
    m = MarketModel(baseline.with_overrides({**HAND, "technology.run_cost_scale": 0.3}), 0)
    try:
        assert technology.frontier_run_cost(m, 12) == pytest.approx(0.3 * 3.0e7 * 2.4, rel=1e-12)
        assert technology.run_cost(m, 12, 1.0, 2.0) == pytest.approx(0.3 * 3.0e7 * 2.4 / 2 / 2, rel=1e-12)
    finally:
        release(m)


def test_run_cost_halves_per_doubling_below_the_frontier(model) -> None:
    frc = technology.frontier_run_cost(model, 12)
    assert technology.run_cost(model, 12, 0.0, 1.0) == pytest.approx(frc, rel=1e-12)
    assert technology.run_cost(model, 12, 1.0, 1.0) == pytest.approx(frc / 2, rel=1e-12)
    assert technology.run_cost(model, 12, 3.0, 4.0) == pytest.approx(frc / 8 / 4, rel=1e-12)


def test_half_the_spend_lands_one_doubling_lower(model) -> None:
    t = 18
    front = technology.frontier(model, t)
    spend = technology.frontier_run_cost(model, t) / 4  # two doublings below the frontier
    cap = technology.reachable_capability(model, t, spend, 1.0)
    assert cap == pytest.approx(front - 2.0, abs=1e-12)
    assert technology.reachable_capability(model, t, spend / 2, 1.0) == pytest.approx(cap - 1.0, abs=1e-12)
    assert technology.reachable_capability(model, t, spend / 2, 2.0) == pytest.approx(cap, abs=1e-12)


def test_reachable_capability_inverts_run_cost_and_stops_at_the_frontier(model) -> None:
    t = 24
    front = technology.frontier(model, t)
    for gap, eff in ((0.0, 1.0), (0.7, 1.0), (2.5, 3.0), (6.0, 0.5)):
        spend = technology.run_cost(model, t, gap, eff)
        assert technology.reachable_capability(model, t, spend, eff) == pytest.approx(front - gap, abs=1e-9)
    assert technology.reachable_capability(model, t, 10 * technology.frontier_run_cost(model, t), 1.0) == front
    assert technology.reachable_capability(model, t, 0.0, 1.0) == -math.inf


def test_talent_losses_lower_training_efficiency(model) -> None:
    firm = model.live_startups[0]
    floor = model.sc.technology.talent_efficiency_floor
    assert technology.startup_efficiency(model, firm) == pytest.approx(firm.efficiency)
    for ex in firm.executives:
        if ex.role == TECHNICAL:
            ex.status = "departed"
    assert technology.startup_efficiency(model, firm) == pytest.approx(firm.efficiency * floor)


def test_run_budget_is_capped(model) -> None:
    firm = model.live_startups[0]
    tp = model.sc.technology
    firm.cash_usd = 1e13
    assert technology.startup_run_budget(model, firm) == pytest.approx(tp.max_run_spend_usd)
    firm.cash_usd = 0.0
    assert technology.startup_run_budget(model, firm) == 0.0
    firm.cash_usd = -5e6
    assert technology.startup_run_budget(model, firm) == 0.0


# ----------------------------------------------------------------------------- open source and prices
def test_serving_cost_falls_by_the_decline_factor_a_year(model) -> None:
    assert technology.serving_cost(model, 0) == pytest.approx(2.0, rel=1e-12)
    for t in (0, 7, 30):
        assert technology.serving_cost(model, t + 12) / technology.serving_cost(model, t) == \
            pytest.approx(1 / 2.5, rel=1e-12)
    assert technology.serving_cost(model, 12, efficiency=4.0) == pytest.approx(2.0 / 2.5 / 4, rel=1e-12)


def test_scheduled_releases_scale_and_shift(baseline: Scenario) -> None:
    rel = [{"date": "2024-05", "firm": "DeepSeek", "name": "V2", "gap_doublings": 2.0}]
    m = MarketModel(baseline.with_overrides({"open_source.releases": rel, "open_source.release_gap_scale": 1.5,
                                             "open_source.shift_months": -3}), 0)
    try:
        assert m.schedule == {16 - 3: [("DeepSeek", "V2", 3.0)]}
    finally:
        release(m)
    off = MarketModel(baseline.with_overrides({"open_source.enabled": False}), 0)
    try:
        assert off.schedule == {}
    finally:
        release(off)


def test_release_raises_the_floor_and_prices_follow(baseline: Scenario) -> None:
    rel = [{"date": "2023-03", "firm": "Outsider", "name": "Big-open", "gap_doublings": 0.2}]
    m = MarketModel(baseline.with_overrides({**HAND, "open_source.releases": rel}), 0)
    try:
        for _ in range(2):
            m.step()
        before, closest = m.open_floor, m.closest_floor_gap
        shares = {f: (f.token_share, f.nest_share) for f in m.live_firms}  # what this month's prices respond to
        m.step()  # step 2 = 2023-03
        assert m.open_floor == pytest.approx(technology.frontier(m, 2) - 0.2)
        assert m.open_floor > before
        assert m.floor_gain == pytest.approx(m.open_floor - before)
        # a record: the shock is the gain in closeness to the frontier over 1 + the new gap
        assert closest > 0.2
        assert m.floor_shock == pytest.approx((closest - 0.2) / 1.2)
        assert m.closest_floor_gap == pytest.approx(0.2)
        for f in m.live_firms:  # every API is priced by the rule of sim.pricing against this month's offers
            if f.api_cost is not None and not f.open_prices:
                # priced on last month's shares, before this month's release moved the floor: as a closed
                # model or as a member of the open nest
                share, nest = shares[f]
                cap = max(pricing.best_response(m, f.api_cost, share),
                          pricing.best_response(m, f.api_cost, share, nest))
                assert f.api_price <= cap * (1 + 1e-12)
        m.step()  # no release: no shock
        assert m.floor_shock == 0.0
    finally:
        release(m)


# ----------------------------------------------------------------------------- demand
def test_hhi() -> None:
    assert demand.hhi([1.0]) == 1.0
    assert demand.hhi([1.0, 1.0]) == pytest.approx(0.5)
    assert demand.hhi([3.0, 1.0]) == pytest.approx(0.625)
    assert demand.hhi([2.0] * 10) == pytest.approx(0.1)
    assert demand.hhi([5.0, 0.0, 0.0]) == 1.0
    assert demand.hhi([0.0, 0.0]) == 0.0
    assert demand.hhi([]) == 0.0


def test_consumer_shares_sum_to_the_market_target(model) -> None:
    for _ in range(3):
        model.step()
    apps = [f for f in model.live_firms if f.consumer_active]
    assert apps and all(f.mau >= 0 for f in model.firms)
    assert sum(f.mau for f in model.firms) <= model.consumer_market * (1 + 1e-9)


# ----------------------------------------------------------------------------- capital
def test_outside_appeal_ramps_linearly_between_its_dates(model) -> None:
    a, b = model.calendar.step_of("2024-06"), model.calendar.step_of("2025-06")
    assert (a, b) == (17, 29)
    assert capital.outside_appeal(model, 0) == 0.0
    assert capital.outside_appeal(model, a) == 0.0
    assert capital.outside_appeal(model, b) == pytest.approx(0.6)
    assert capital.outside_appeal(model, b + 20) == pytest.approx(0.6)
    assert capital.outside_appeal(model, (a + b) // 2) == pytest.approx(0.3)
    ramp = [capital.outside_appeal(model, t) for t in range(a, b + 1)]
    steps = [y - x for x, y in pairwise(ramp)]
    assert all(s == pytest.approx(0.6 / 12) for s in steps)


def test_sentiment_moves_toward_base_without_shocks(model) -> None:
    model.floor_shock = 0.0
    model.departures_this_month = 0
    model.outside_appeal = 0.0
    for start in (0.9, 0.1, 0.5):
        model.sentiment = start
        capital.update_sentiment(model)
        assert model.sentiment == pytest.approx(start + 0.04 * (0.5 - start), abs=1e-12)
    model.sentiment = 0.9
    path = []
    for _ in range(200):
        capital.update_sentiment(model)
        path.append(model.sentiment)
    assert all(x > y > 0.5 for x, y in pairwise(path))
    assert path[-1] == pytest.approx(0.5, abs=1e-3)


def test_sentiment_falls_with_shocks_departures_and_rotation(model) -> None:
    cp = model.sc.capital
    model.sentiment, model.floor_shock, model.departures_this_month, model.outside_appeal = 0.5, 0.4, 3, 0.0
    in_post = sum(f.executive_counts()[0] for f in model.live_startups)
    capital.update_sentiment(model)
    level = cp.sentiment_base - cp.departure_sensitivity * 3 / in_post  # no appeal, no outcomes yet
    assert model.sentiment == pytest.approx(0.5 + cp.sentiment_reversion_per_month * (level - 0.5)
                                            - cp.open_shock_sensitivity * 0.4)
    model.floor_shock, model.departures_this_month = 0.0, 0
    model.sentiment = 0.5
    capital.update_sentiment(model)
    calm = model.sentiment
    model.t = 23  # mid-ramp: the outside sector has half its peak appeal
    model.sentiment, model.outside_appeal = 0.5, 0.0
    capital.update_sentiment(model)
    assert model.outside_appeal == pytest.approx(0.3)
    if cp.rotation_sensitivity > 0:
        assert model.sentiment < calm  # capital rotates away
    model.sentiment, model.floor_shock = 0.01, 100.0
    capital.update_sentiment(model)
    assert model.sentiment == 0.0  # clipped to [0, 1]


def test_round_odds_rise_with_sentiment_and_fall_with_departures(model) -> None:
    firm = model.live_startups[0]
    model.sentiment = 0.2
    low = capital.close_probability(model, firm, 0.5)
    model.sentiment = 0.8
    high = capital.close_probability(model, firm, 0.5)
    assert 0 < low < high < 1
    firm.executives[0].status = "departed"
    assert capital.close_probability(model, firm, 0.5) < high


# ----------------------------------------------------------------------------- talent
def _hazard(model, firm, role: str, pull: float, heat: float) -> float:
    return talent.hazards(model, firm, pull, heat, capital.current_ranks(model))[role]


def _calm(model, firm) -> None:
    """No recent departures, long runway, foundation strategy."""
    firm.cash_usd = 1e13
    firm.strategy = FOUNDATION
    for ex in firm.executives:
        ex.status = "in_post"


def test_hazard_baseline_formula(model) -> None:
    firm = model.live_startups[0]
    _calm(model, firm)
    h = _hazard(model, firm, TECHNICAL, pull=1.5, heat=0.4)
    assert h == pytest.approx(0.003 * (1 + 1.5) * (1 + 0.4), rel=1e-12)
    assert _hazard(model, firm, COMMERCIAL, pull=1.5, heat=0.4) == pytest.approx(h)


@pytest.mark.skipif(not HAS_RANK_FOCUS, reason="no talent.poaching_rank_focus")
def test_poaching_aims_at_the_most_capable(baseline: Scenario) -> None:
    m = MarketModel(baseline.with_overrides({**HAND, "talent.poaching_rank_focus": 1.0}), 0)
    try:
        live = list(m.live_startups)  # the six start equal: make one the best, one the worst
        worst, best = live[0], live[-1]
        worst.capability -= 1.0
        best.capability += 1.0
        assert worst.capability < best.capability
        for f in (worst, best):
            _calm(m, f)
        h_best = _hazard(m, best, TECHNICAL, 1.5, 0.4)
        h_worst = _hazard(m, worst, TECHNICAL, 1.5, 0.4)
        assert h_best == pytest.approx(0.003 * (1 + 1.5 * 2) * 1.4, rel=1e-12)
        assert h_worst == pytest.approx(0.003 * 1.4, rel=1e-12)
    finally:
        release(m)


def test_hazard_rises_when_the_firm_stops_foundation_training(model) -> None:
    firm = model.live_startups[0]
    _calm(model, firm)
    tech0 = _hazard(model, firm, TECHNICAL, 1.0, 0.5)
    com0 = _hazard(model, firm, COMMERCIAL, 1.0, 0.5)
    for strategy in (VERTICAL, INTEGRATOR):
        firm.strategy = strategy
        assert _hazard(model, firm, TECHNICAL, 1.0, 0.5) == pytest.approx(10.0 * tech0)
        assert _hazard(model, firm, COMMERCIAL, 1.0, 0.5) == pytest.approx(1.5 * com0)


def test_hazard_rises_when_runway_is_short(model) -> None:
    firm = model.live_startups[0]
    _calm(model, firm)
    calm = _hazard(model, firm, TECHNICAL, 1.0, 0.5)
    firm.cash_usd = 6.0 * firm.burn_usd()  # six months of runway at most
    assert firm.runway_months() < 12.0
    assert _hazard(model, firm, TECHNICAL, 1.0, 0.5) == pytest.approx(2.0 * calm)


def test_hazard_rises_with_recent_departures_and_is_capped(model) -> None:
    firm = model.live_startups[0]
    _calm(model, firm)
    calm = _hazard(model, firm, TECHNICAL, 1.0, 0.5)
    model.t = 10
    firm.executives[0].status, firm.executives[0].left_step = "departed", 8
    firm.executives[1].status, firm.executives[1].left_step = "departed", 2  # too long ago
    assert _hazard(model, firm, TECHNICAL, 1.0, 0.5) == pytest.approx(1.3 * calm)
    assert _hazard(model, firm, TECHNICAL, 1e4, 1.0) == 1.0


def test_talent_switch_keeps_everyone(baseline: Scenario) -> None:
    m = MarketModel(baseline.with_overrides({"talent.enabled": False, "time.end": "2024-12"}), 0)
    try:
        res = m.run()
    finally:
        release(m)
    assert "departure" not in res.events["type"]
    assert all(st != "departed" for execs in res.executives.values() for _, st, _, _ in execs)


# ----------------------------------------------------------------------------- calendar
def test_calendar_round_trips() -> None:
    for year in (1999, 2023, 2027, 2100):
        for month in range(1, 13):
            text = f"{year}-{month:02d}"
            assert format_month(parse_month(text)) == text
    assert parse_month("2024-01") - parse_month("2023-12") == 1
    cal = Calendar("2023-01", "2027-12")
    assert cal.n_steps == 60 and cal.labels[0] == "2023-01" and cal.labels[-1] == "2027-12"
    for t in (-30, -1, 0, 1, 11, 12, 59, 100):
        assert cal.step_of(cal.label(t)) == t
    assert cal.step_of("2025-01") == 24
    assert cal.years_since_2023(18) == pytest.approx(1.5)
    assert Calendar("2024-07", "2024-07").n_steps == 1
    assert Calendar("2024-07", "2025-06").years_since_2023(0) == pytest.approx(1.5)


@pytest.mark.parametrize("bad", ["2024-13", "2024-00", "2024-1", "24-01", "2024/01", "2024-01-01", " 2024-01", "", None,
                                 202401])
def test_calendar_rejects_bad_dates(bad) -> None:
    with pytest.raises(ValueError):
        parse_month(bad)
