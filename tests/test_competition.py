"""Competition among the offers of the open floor (model 3.4): the nested logit of sim.demand, its best
response in sim.pricing, learning by doing in serving (sim.technology) and the boards' option to wind a
firm down (sim.strategy, sim.exits)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from sim import demand, pricing, strategy
from sim.model import MarketModel, run
from sim.outputs import EXIT_WOUND_DOWN
from sim.scenario import Scenario, load_scenario
from sim.technology import learning_multiplier

ROOT = Path(__file__).resolve().parents[1]
#: A strong nest and steep learning (rho just above the calibration posterior's 90% interval, b inside it).
STRONG_NEST = {"demand.open_nest_correlation": 0.85, "technology.serving_learning_exponent": 0.32}


@pytest.fixture(scope="module")
def baseline() -> Scenario:
    return load_scenario(ROOT / "scenarios" / "baseline.toml")


def _model(sc: Scenario, rho: float) -> MarketModel:
    m = MarketModel(sc.with_overrides({"demand.open_nest_correlation": rho}), 0)
    m.step()
    return m


def test_plain_logit_when_rho_is_zero(baseline: Scenario) -> None:
    m = _model(baseline, 0.0)
    utils, nested = [0.3, -0.2, 0.1, -1.0], [True, False, True, False]
    shares, within, outside, nest = demand.nested_shares(m, utils, nested)
    denom = sum(math.exp(u) for u in utils) + math.exp(m.outside_utility)
    assert shares == pytest.approx([math.exp(u) / denom for u in utils], rel=1e-12)
    assert outside == pytest.approx(math.exp(m.outside_utility) / denom, rel=1e-12)
    assert sum(shares) + outside == pytest.approx(1.0)
    assert nest == pytest.approx(shares[0] + shares[2] + outside)
    assert within[1] == within[3] == 1.0


@pytest.mark.parametrize("rho", [0.0, 0.5, 0.9])
def test_shares_sum_to_one_and_within_shares_add_up(baseline: Scenario, rho: float) -> None:
    m = _model(baseline, rho)
    utils, nested = [0.3, -0.2, 0.1, -1.0, 0.0], [True, False, True, False, True]
    shares, within, outside, nest = demand.nested_shares(m, utils, nested)
    assert sum(shares) + outside == pytest.approx(1.0)
    assert sum(w for w, n in zip(within, nested, strict=True) if n) + outside / nest == pytest.approx(1.0)


def test_a_clone_of_an_open_offer_divides_the_nest_rather_than_growing_it(baseline: Scenario) -> None:
    """Adding an identical integrator: under the plain logit the open nest's share grows a lot (IIA); with
    rho near 1 it barely grows, and the closed offer keeps almost all its share."""
    def growth(rho: float) -> tuple[float, float]:
        m = _model(baseline, rho)
        one = demand.nested_shares(m, [0.0, 0.5], [True, False])
        two = demand.nested_shares(m, [0.0, 0.0, 0.5], [True, True, False])
        return two[3] / one[3], two[0][2] / one[0][1]

    nest_plain, closed_plain = growth(0.0)
    nest_nested, closed_nested = growth(0.9)
    assert nest_plain > 1.2 and nest_nested < 1.1
    assert closed_nested > closed_plain


def test_open_offers_have_thinner_markups_closed_ones_do_not_change(baseline: Scenario) -> None:
    plain, nested = _model(baseline, 0.0), _model(baseline, 0.8)
    cost = 1.0
    assert pricing.best_response(nested, cost, 0.05, 0.2) < pricing.best_response(plain, cost, 0.05, 0.2)
    assert pricing.best_response(nested, cost, 0.05) == pytest.approx(pricing.best_response(plain, cost, 0.05))


def test_learning_multiplier(baseline: Scenario) -> None:
    sc = baseline.with_overrides({"technology.serving_learning_exponent": 0.25,
                                  "technology.serving_learning_start_mtok": 1000.0})
    m = MarketModel(sc, 0)
    firm = m.giants[0]
    firm.served_mtok = 500.0
    assert learning_multiplier(m, firm) == 1.0
    firm.served_mtok = 2000.0
    assert learning_multiplier(m, firm) == pytest.approx(2 ** -0.25)
    firm.served_mtok = 8000.0
    assert learning_multiplier(m, firm) == pytest.approx(2 ** -0.75)


def test_experience_lowers_the_cost_of_a_firms_api(baseline: Scenario) -> None:
    """Over a run, the firms that served most quote the lowest serving cost for the same open floor; with
    the exponent at 0 every integrator quotes the open cost."""
    sc = load_scenario(ROOT / "scenarios" / "free_entry.toml").with_overrides({"time.end": "2026-06"})

    def integrator_costs(model_sc: Scenario) -> list[tuple[float, float]]:
        m = MarketModel(model_sc, 2)
        for _ in range(m.calendar.n_steps):
            m.step()
        return [(f.served_mtok, f.api_cost) for f in m.live_startups
                if f.strategy == "integrator" and f.api_cost is not None]

    learned = integrator_costs(sc)
    assert len(learned) >= 3
    by_volume = sorted(learned)
    assert by_volume[-1][1] < by_volume[0][1]
    flat = integrator_costs(sc.with_overrides({"technology.serving_learning_exponent": 0.0}))
    assert len({round(c, 12) for _, c in flat}) == 1


def test_wind_down_is_always_an_option_at_zero(baseline: Scenario) -> None:
    m = MarketModel(baseline, 0)
    for _ in range(3):
        m.step()
    vals = strategy.values(m, m.live_startups[0])
    assert vals[strategy.WIND_DOWN] == 0.0


def test_a_board_that_winds_down_exits_unsold_while_solvent(baseline: Scenario) -> None:
    """Every ``wound_down`` exit in free_entry is of a firm that had not defaulted, names no buyer and records
    the cash it returned; some happen."""
    sc = load_scenario(ROOT / "scenarios" / "free_entry.toml")
    found = 0
    for seed in range(4):
        ev = run(sc, seed, tables=("model", "events")).events
        for i, kind in enumerate(ev["type"]):
            if kind == "exit" and ev["stage"][i] == EXIT_WOUND_DOWN:
                found += 1
                assert ev["acquirer"][i] == "" and ev["amount_usd"][i] >= 0.0
                assert ev["detail"][i] == "winds down"
    assert found > 0


def test_prices_do_not_cycle_month_to_month_in_a_strong_nest() -> None:
    """With a strong nest and steep learning in ``free_entry``, from 2025 on (when most sellers serve the
    open floor), no seller's API price alternates up and down by more than 2x for four months in a row: a
    seller's best response reads its sticky share of the nest (model 3.3 read the instantaneous share, and
    the giants' prices flipped tenfold every month)."""
    sc = load_scenario(ROOT / "scenarios" / "free_entry.toml").with_overrides(STRONG_NEST)
    for seed in range(2):
        firms = run(sc, seed).firms
        series: dict[str, list[float]] = {}
        for name, date, price in zip(firms["firm"], firms["date"], firms["api_price_usd_per_mtok"], strict=True):
            if date >= "2025-01":
                series.setdefault(name, []).append(price)
        for name, p in series.items():
            ratios = [b / a for a, b in zip(p, p[1:], strict=False) if a > 0 and b > 0]
            flips = [(r1 > 2 and r2 < 0.5) or (r1 < 0.5 and r2 > 2) for r1, r2 in zip(ratios, ratios[1:], strict=False)]
            runs_of_three = any(all(flips[i:i + 3]) for i in range(len(flips) - 2))
            assert not runs_of_three, (seed, name)
