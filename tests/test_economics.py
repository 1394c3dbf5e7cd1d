"""Model 3's economics: prices that move revenue, budgets that bind, exits that move assets.

Each test states an equation or an invariant of a mechanism (docs/ODD.md section 7) and could
fail: the statistical ones over seeds are marked slow.
"""

from __future__ import annotations

import math
import statistics
from pathlib import Path

import pytest
from conftest import BASELINE

from sim import capital, consumer, demand, exits, pricing, strategy
from sim.model import MarketModel, release, run
from sim.outputs import EXIT_FIRE_SALE, EXIT_SHUTDOWN
from sim.scenario import Scenario, load_scenario
from sim.states import EXITED, FOUNDATION, INTEGRATOR
from sim.targets import TARGET_BY_ID, Status, evaluate_targets


@pytest.fixture
def model(baseline: Scenario):
    m = MarketModel(baseline, 0)
    yield m
    release(m)


def _months(m: MarketModel, n: int) -> None:
    for _ in range(n):
        m.step()


# ------------------------------------------------------------------ pricing
def test_best_response_is_the_logit_markup_and_capped(model) -> None:
    a = model.sc.demand.price_weight
    for share in (0.0, 0.05, 0.1):
        m = a * (1 - share) / (a * (1 - share) - 1)
        assert pricing.best_response(model, 2.0, share) == pytest.approx(2.0 * min(m, model.sc.pricing.max_markup))
    assert pricing.best_response(model, 2.0, 0.9) == pytest.approx(2.0 * model.sc.pricing.max_markup)  # inelastic


def test_limit_price_ties_the_best_rival_within_the_switching_utility(model) -> None:
    a, tau = model.sc.demand.price_weight, model.sc.pricing.switching_utility
    p = pricing.limit_price(model, merit=-1.0, best_rival_utility=-2.0)
    assert -1.0 - a * math.log(p) == pytest.approx(-2.0 - tau)  # its utility at p is the rival's less tau


def test_loss_floor_depends_on_the_budget(model) -> None:
    _months(model, 3)
    firm = model.firm_by_name["Zhipu"]
    cost = 1.0
    rich = pricing.loss_floor(model, firm, cost)
    firm.cash_usd = 0.0  # no cash: no loss allowance
    assert pricing.loss_floor(model, firm, cost) == pytest.approx(cost)
    assert rich < cost


def test_revenue_is_price_times_tokens_and_serving_is_paid_per_token(baseline: Scenario) -> None:
    r = run(baseline.with_overrides({"time.end": "2024-12"}), 1)
    f = r.firms
    for i in range(len(f["firm"])):
        if f["tokens_mtok"][i] > 0:
            assert f["revenue_enterprise_usd"][i] == pytest.approx(f["api_price_usd_per_mtok"][i] * f["tokens_mtok"][i])
            assert f["serving_usd"][i] >= f["api_cost_usd_per_mtok"][i] * f["tokens_mtok"][i] * (1 - 1e-12)


def test_a_price_below_cost_loses_money_on_every_token(baseline: Scenario) -> None:
    r = run(baseline, 0)
    f = r.firms
    below = [i for i in range(len(f["firm"])) if f["tokens_mtok"][i] > 0
             and f["api_price_usd_per_mtok"][i] < f["api_cost_usd_per_mtok"][i]]
    assert below, "some firm sells below cost in the price war"
    for i in below:
        margin = (f["api_price_usd_per_mtok"][i] - f["api_cost_usd_per_mtok"][i]) * f["tokens_mtok"][i]
        assert margin < 0


def test_price_war_follows_the_open_entrant_and_not_without_it(baseline: Scenario) -> None:
    def fall(sc: Scenario) -> float:
        m = run(sc, 3).model
        price = dict(zip(m["date"], m["closed_price_usd_per_mtok"], strict=True))
        return 1 - price["2024-07"] / price["2024-04"]
    assert fall(baseline) >= 0.8
    assert fall(baseline.with_overrides({"open_source.enabled": False})) < 0.5


# ------------------------------------------------------------------ demand
def test_token_volume_has_the_stated_price_elasticity(model) -> None:
    dp = model.sc.demand
    _months(model, 2)
    e, p0 = model.enterprise_market, dp.reference_price_usd_per_mtok
    assert model.api_tokens_mtok == pytest.approx(e / p0 * (model.price_index / p0) ** -dp.price_elasticity)


def test_token_shares_and_the_outside_option_sum_below_one(model) -> None:
    _months(model, 20)
    total = sum(f.token_share for f in model.live_firms)
    assert 0 < total < 1


# ------------------------------------------------------------------ consumer
def test_paid_users_cost_more_as_the_market_fills(model) -> None:
    assert consumer.cost_per_user(model, 0) < consumer.cost_per_user(model, 1e8) < consumer.cost_per_user(model, 3e8)


def test_an_app_grows_while_it_spends_and_shrinks_when_it_stops(baseline: Scenario) -> None:
    sc = baseline.with_overrides({"time.end": "2024-06", "strategy.commitment_months": 120})
    spend = run(sc.with_overrides({"consumer.marketing_cash_share": 0.05}), 0).firms
    stop = run(sc.with_overrides({"consumer.marketing_cash_share": 0.0}), 0).firms

    def mau(f, firm, date):
        return next(f["mau"][i] for i in range(len(f["firm"])) if f["firm"][i] == firm and f["date"][i] == date)
    apps = ("Zhipu", "MiniMax", "Moonshot", "StepFun", "Baichuan", "01.AI")  # every one of the six has an app
    assert any(mau(spend, a, "2024-06") > 1.5 * mau(spend, a, "2023-01") for a in apps)  # one grows while it spends
    for a in apps:  # and every app is smaller without its marketing
        assert mau(stop, a, "2024-06") < mau(spend, a, "2024-06"), a


# ------------------------------------------------------------------ budgets
def test_no_live_firm_ever_has_negative_cash(baseline: Scenario, generic: Scenario) -> None:
    for sc, seeds in ((baseline, range(5)), (generic, range(2))):
        for seed in seeds:
            f = run(sc, seed).firms
            low = min(c for c, s in zip(f["cash_usd"], f["strategy"], strict=True) if s != EXITED)
            assert low >= 0, (sc.name, seed, low)


@pytest.mark.slow
def test_no_live_firm_ever_has_negative_cash_over_many_seeds(baseline: Scenario) -> None:
    for seed in range(100, 150):
        f = run(baseline, seed, tables=("model", "firms", "events")).firms
        assert min(c for c, s in zip(f["cash_usd"], f["strategy"], strict=True) if s != EXITED) >= 0, seed


def test_a_giants_board_cuts_its_budget_after_losses(model) -> None:
    from sim import accounts
    g = model.giants[0]
    g.results_usd = [-g.external_cash_usd_per_month] * model.sc.accounts.board_window_months
    accounts.review_budget(model, g)
    assert g.board_factor == pytest.approx(1 - model.sc.accounts.board_cut_per_month)
    g.results_usd = [0.0] * model.sc.accounts.board_window_months
    accounts.review_budget(model, g)
    assert g.board_factor == pytest.approx(1.0)


def test_giants_and_labs_train_within_their_budget(model) -> None:
    _months(model, 30)
    for f in model.giants:
        f.cash_usd = 1e6  # almost broke: its runs must shrink or wait
    t = model.t
    from sim import technology
    for g in model.giants:
        before = (g.run_spend, g.run_done_step)
        technology.gap_run(model, g, t, model.sc.technology.giant_release_gap, 6)
        assert (g.run_spend, g.run_done_step) == before or g.run_spend <= 1e6  # no run, or one it can pay


# ------------------------------------------------------------------ capital
def test_venture_money_is_finite(baseline: Scenario) -> None:
    r = run(baseline.with_overrides({"capital.vc_pool_usd_2023": 2e8, "capital.vc_pool_usd_2024": 2e8}), 0)
    ev = r.events
    by_year: dict[str, float] = {}
    for t, d, a in zip(ev["type"], ev["date"], ev["amount_usd"], strict=True):
        if t == "funding_round":
            by_year[d[:4]] = by_year.get(d[:4], 0.0) + a
    share = baseline.capital.pool_share_simulated
    assert by_year.get("2023", 0.0) <= 2e8 * share * 1.0001
    assert by_year.get("2024", 0.0) <= 2e8 * share * (1 + baseline.capital.pool_carryover) * 1.0001



def _rounds(r) -> list[tuple[str, float, float]]:
    """(date, amount, post-money) of every funding round of a run."""
    ev = r.events
    return [(d, a, v) for t, d, a, v in zip(ev["type"], ev["date"], ev["amount_usd"], ev["valuation_usd"], strict=True)
            if t == "funding_round"]


def test_a_round_sells_the_customary_stake_of_the_firm(baseline: Scenario) -> None:
    """With money to spare and no sentiment term, every round buys exactly round_dilution of the post-money: its
    size follows the firm's valuation, not its burn. With the sentiment term on, the stake is smaller
    (sentiment < 1)."""
    rich = {"capital.vc_pool_usd_2023": 1e12, "capital.vc_pool_usd_2024": 1e12}
    d = baseline.capital.round_dilution
    flat = _rounds(run(baseline.with_overrides({**rich, "capital.round_size_sentiment_elasticity": 0.0}), 0))
    assert len(flat) >= 5
    for _, amount, post in flat:
        assert amount / post == pytest.approx(d, rel=1e-9)
    cool = _rounds(run(baseline.with_overrides({**rich, "capital.round_size_sentiment_elasticity": 2.0}), 0))
    assert cool and all(amount / post < d for _, amount, post in cool)


def test_unspent_venture_money_stays_until_invested(baseline: Scenario) -> None:
    """Dry powder: with pool_carryover 1 a round can be larger than a month's inflow (money left from earlier months
    is still there); with carryover 0 no round ever is (the control)."""
    inflow = baseline.capital.pool_share_simulated * baseline.capital.vc_pool_usd_2024 / 12
    kept = _rounds(run(baseline.with_overrides({"capital.pool_carryover": 1.0}), 0))
    lost = _rounds(run(baseline.with_overrides({"capital.pool_carryover": 0.0}), 0))
    in_2024 = [a for dt, a, _ in kept if dt.startswith("2024")]
    assert max(in_2024) > inflow
    assert max(a for dt, a, _ in lost if dt.startswith("2024")) <= inflow * 1.0001

def _rounds_by_firm(ev: dict[str, list]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for i, t in enumerate(ev["type"]):
        if t == "funding_round":
            out.setdefault(ev["firm"][i], []).append(i)
    return out


def test_a_round_is_down_when_its_pre_money_is_below_the_last_post_money(baseline: Scenario) -> None:
    """valuation = pre-money + round; down_round <=> pre-money more than the flat band below the last post-money
    (the first round's last post-money is the starting cash over round_dilution)."""
    band = baseline.capital.flat_round_band
    start = {s.name: s.cash_usd / baseline.capital.round_dilution for s in baseline.startups}
    downs = ups = 0
    for seed in range(3):
        ev = run(baseline, seed).events
        for firm, rows in _rounds_by_firm(ev).items():
            last = start[firm]
            for i in rows:
                pre = ev["valuation_usd"][i] - ev["amount_usd"][i]
                assert pre > 0.0
                assert ev["down_round"][i] == (pre < last * (1 - band))
                downs, ups = downs + (pre < last * (1 - band)), ups + (pre > last * (1 + band))
                last = ev["valuation_usd"][i]
    assert downs and ups  # both kinds occur, so the check above was exercised both ways


def _priced(sc: Scenario, months: int = 14) -> MarketModel:
    m = MarketModel(sc, 0)
    for _ in range(months):
        m.step()
    return m


def test_the_mark_follows_traction_the_venture_pool_and_the_moat_with_their_elasticities(baseline: Scenario) -> None:
    """pre_money = P (x / x0)^eT (V / V0)^eV exp(wM (m - m0)), each factor checked by moving it alone."""
    sc = baseline.with_overrides({"capital.valuation_traction_elasticity": 1.5,
                                  "capital.valuation_pool_elasticity": 0.2, "capital.valuation_moat_weight": 0.7})
    m = _priced(sc)
    firm = next(f for f in m.live_startups if f.round_basis is not None)
    x, v, moat = capital.basis(m, firm)
    p = firm.post_money_usd
    firm.round_basis = (x, v, moat)
    assert capital.pre_money(m, firm) == pytest.approx(p)  # nothing changed since: the mark is the last post-money
    firm.round_basis = (x / 2, v, moat)
    assert capital.pre_money(m, firm) == pytest.approx(p * 2 ** 1.5)  # traction doubled
    firm.round_basis = (x, v / 2, moat)
    assert capital.pre_money(m, firm) == pytest.approx(p * 2 ** 0.2)  # the pool doubled: 15% ([Gompers2000])
    firm.round_basis = (x, v, moat + 0.5)
    assert capital.pre_money(m, firm) == pytest.approx(p * math.exp(-0.35))  # half its moat lost
    firm.round_basis = None
    assert capital.pre_money(m, firm) == p  # not yet read: priced at the last post-money


def test_the_starting_valuations_are_read_after_the_first_month_in_any_order_of_the_month(baseline: Scenario) -> None:
    """The basis of the starting cash is read once the first month is booked: with capital stepped before demand
    and consumer, the six are read on the same revenue as in the shipped order, not on the empty month 0."""
    shipped = _priced(baseline, 2)
    order = ["technology", "open_source", "pricing", "capital", "demand", "consumer", "accounts", "talent",
             "strategy", "exits", "entry"]
    early = _priced(baseline.with_overrides({"schedule.order": order}), 2)
    for a, b in zip(shipped.live_startups, early.live_startups, strict=True):
        assert a.round_basis is not None and b.round_basis is not None
        assert a.round_basis[0] > 1.0 and b.round_basis[0] > 1.0  # revenue booked: traction above its floor
        assert b.round_basis[0] == pytest.approx(a.round_basis[0], rel=0.5)


def test_a_flat_mark_never_prices_a_down_round(baseline: Scenario) -> None:
    """With every valuation elasticity at 0 a round is priced at the last post-money: no down rounds, and the
    valuation only grows by the money raised."""
    sc = baseline.with_overrides({"capital.valuation_traction_elasticity": 0.0, "capital.valuation_moat_weight": 0.0,
                                  "capital.valuation_pool_elasticity": 0.0})
    ev = run(sc, 0).events
    start = {s.name: s.cash_usd / sc.capital.round_dilution for s in sc.startups}
    rounds = _rounds_by_firm(ev)
    assert rounds
    for firm, rows in rounds.items():
        last = start[firm]
        for i in rows:
            assert not ev["down_round"][i]
            assert ev["valuation_usd"][i] == pytest.approx(last + ev["amount_usd"][i])
            last = ev["valuation_usd"][i]


def test_the_valuation_targets_are_scored_on_a_real_run(baseline: Scenario) -> None:
    results = {r.id: r for r in evaluate_targets(run(baseline, 0))}
    for tid in ("down_rounds_six_2024", "valuation_six_2024"):
        assert results[tid].status == Status.OK and results[tid].distance is not None, tid
    assert TARGET_BY_ID["valuation_six_2024"].observed == pytest.approx(2.75e9)


def test_an_ipo_process_starts_on_a_years_booked_revenue_not_one_good_month(baseline: Scenario) -> None:
    """A listing is judged on the last twelve booked months: one month at twice the threshold's monthly rate after
    eleven empty ones starts nothing (12 x that month would have), twelve months at the monthly rate start it; and
    in real runs every filing follows twelve months in the firms table that add up to the threshold."""
    m = _priced(baseline, 3)
    firm = m.live_startups[0]
    threshold = baseline.capital.ipo_revenue_usd_per_year
    firm.ipo_step = -1
    firm.booked_revenues.clear()
    firm.booked_revenues.extend([0.0] * 11 + [threshold / 6])  # one good month: 12 x it is twice the threshold
    capital._ipos(m)
    assert firm.ipo_step == -1 and firm.trailing_revenue_usd() < threshold
    firm.booked_revenues.extend([threshold / 12 * (1 + 1e-9)] * 12)  # a full year at the threshold's rate
    capital._ipos(m)
    assert len(firm.booked_revenues) == 12 and firm.ipo_step == m.t
    release(m)
    filings = 0
    for seed in range(3):
        r = run(baseline, seed)
        revenue: dict[tuple[str, int], float] = {}
        for f, t, x in zip(r.firms["firm"], r.firms["step"], r.firms["revenue_usd"], strict=True):
            revenue[(f, t)] = x
        for f, t, kind, stage in zip(r.events["firm"], r.events["step"], r.events["type"], r.events["stage"],
                                     strict=True):
            if kind == "ipo" and stage == "filing":
                filings += 1
                assert sum(revenue.get((f, t - k), 0.0) for k in range(12)) >= threshold * (1 - 1e-9)
    assert filings  # the check above was exercised


def _leaving_firm_at_its_round(sc: Scenario, leaving: bool) -> tuple[float, int]:
    """(money raised, IPO step) of a startup at its fundraising turn, short of cash, with every round closing and
    a year of booked revenue above the IPO threshold, when its board has chosen to sell it (or not)."""
    m = _priced(sc.with_overrides({"capital.round_intercept": 10.0}), 14)
    firm = next(f for f in m.live_startups if f.ipo_step < 0)
    firm.review_offset = m.t  # its fundraising turn is this month
    firm.cash_usd = firm.total_burn_usd()  # a month of cash: it seeks a bridge round
    firm.booked_revenues.extend([sc.capital.ipo_revenue_usd_per_year] * 12)
    firm.sell_decision = leaving
    before = firm.funding_raised_usd
    capital.step(m)
    out = firm.funding_raised_usd - before, firm.ipo_step
    release(m)
    return out


def test_a_board_that_chose_to_leave_raises_nothing(baseline: Scenario) -> None:
    """A firm whose board has chosen to be acquired exits this month: it asks investors for nothing and starts no
    IPO process; the same firm staying raises its bridge and files."""
    raised, ipo = _leaving_firm_at_its_round(baseline, leaving=True)
    assert raised == 0.0 and ipo == -1
    raised, ipo = _leaving_firm_at_its_round(baseline, leaving=False)
    assert raised > 0.0 and ipo >= 0


def _listing_of_a_firm_that_exits(sc: Scenario, leaving: bool, defaulted: bool) -> bool:
    """Whether a startup whose IPO process is due to list this month lists, when its board chose to be sold
    (``leaving``) or it defaulted on this month's bills (``defaulted``)."""
    m = _priced(sc, 14)
    firm = next(f for f in m.live_startups if not f.listed)
    firm.ipo_step = m.t - sc.capital.ipo_months_to_list
    firm.sell_decision, firm.defaulted = leaving, defaulted
    capital._ipos(m)
    listed = firm.listed
    release(m)
    return listed


def test_a_firm_that_exits_this_month_does_not_list(baseline: Scenario) -> None:
    """A listing is a realised outcome for investors: a firm that leaves this month (sold or wound down by its
    board, or in default) does not list on its way out; the same firm staying lists."""
    assert not _listing_of_a_firm_that_exits(baseline, leaving=True, defaulted=False)
    assert not _listing_of_a_firm_that_exits(baseline, leaving=False, defaulted=True)
    assert _listing_of_a_firm_that_exits(baseline, leaving=False, defaulted=False)


def _race_round_after_a_pivot(sc: Scenario, monkeypatch: pytest.MonkeyPatch, keep: bool) -> float:
    """Money a training startup raises in the month of its strategy review and fundraising turn (every round
    closes), when the review keeps it training (``keep``) or turns it into an integrator."""
    m = _priced(sc.with_overrides({"capital.round_intercept": 10.0}), 14)
    firm = next(f for f in m.live_startups if f.strategy == FOUNDATION)
    firm.review_offset, firm.last_round_step = m.t, -100  # its review and fundraising turn; its last round is old
    firm.cash_usd = 4 * firm.total_burn_usd()  # short of cash: it seeks a round on either path
    monkeypatch.setattr(strategy, "choose",
                        lambda model, f, vals: INTEGRATOR if f is firm and not keep else f.strategy)
    before = firm.funding_raised_usd
    m.step()
    raised = firm.funding_raised_usd - before
    release(m)
    return raised


def test_a_board_that_gives_up_the_race_does_not_raise_for_it(baseline: Scenario,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Boards set the plan before the month's rounds (staged financing, docs/ODD.md section 3): a firm that gives up
    training at its review raises for its new path, less than the race round it raises when it keeps training.
    Control: with capital stepped before strategy (model 3.8's month), the round is the race round either way."""
    race = _race_round_after_a_pivot(baseline, monkeypatch, keep=True)
    assert race > 0.0
    assert _race_round_after_a_pivot(baseline, monkeypatch, keep=False) < 0.5 * race
    old = baseline.with_overrides({"schedule.order": ["technology", "open_source", "pricing", "demand", "consumer",
                                                      "accounts", "capital", "talent", "strategy", "exits",
                                                      "entry"]})
    assert _race_round_after_a_pivot(old, monkeypatch, keep=False) == pytest.approx(
        _race_round_after_a_pivot(old, monkeypatch, keep=True))


def _median_sentiment(sc: Scenario, seeds: range) -> list[float]:
    paths = [run(sc, seed, tables=("model",)).model["vc_sentiment"] for seed in seeds]
    return [statistics.median(p[i] for p in paths) for i in range(len(paths[0]))]


@pytest.mark.slow
def test_sentiment_tells_the_same_story_with_fifty_times_the_firms(baseline: Scenario) -> None:
    """Sentiment's signals are rates, not counts: in the baseline's economy scaled fifty times (300 startups,
    scenarios/large_market.toml) the median sentiment path stays within the aim's 0.1 of the baseline's (measured
    0.086 in model 3.10 with 5 and 100 seeds, benchmarks/aims.py; 0.105 with the generic startups starting 3
    doublings below the frontier instead of the six's 1.3, the scenario's value set after that failed). It can
    fail: with the realised outcomes divided by six firms instead of the live and recently exited ones (a count),
    the 300-firm path rises to 1 within a year (gap 0.95)."""
    large = load_scenario(Path(__file__).resolve().parents[1] / "scenarios" / "large_market.toml")
    gap = max(abs(a - b) for a, b in zip(_median_sentiment(baseline, range(40)),
                                         _median_sentiment(large, range(3)), strict=True))
    assert gap < 0.1


# ------------------------------------------------------------------ exits
def test_a_fire_sale_moves_users_customers_and_executives(model) -> None:
    _months(model, 14)
    firm = model.firm_by_name["Moonshot"]
    firm.mau, firm.token_share = 1e6, 0.05
    in_post = firm.executive_counts()[0]
    buyer = exits.buyer_for(model, firm, exits.value(model, firm) * model.sc.exits.fire_sale_share)
    assert buyer is not None
    mau0, share0, cash0 = buyer.mau, buyer.token_share, buyer.cash_usd
    exits.exit_firm(model, firm, chosen=False)
    xp = model.sc.exits
    if buyer.consumer_active:
        assert buyer.mau == pytest.approx(mau0 + xp.user_retention * 1e6)
    assert buyer.token_share == pytest.approx(share0 + xp.customer_retention * 0.05)
    assert buyer.cash_usd < cash0
    assert firm.strategy == EXITED and firm not in model.live_firms
    e = model.recorder.events
    assert e["stage"][-1] == EXIT_FIRE_SALE and e["acquirer"][-1] == buyer.name
    moved = sum(1 for x in firm.executives if x.destination.endswith(buyer.name))
    assert moved == in_post or buyer.kind == "startup"


def test_no_buyer_means_a_shutdown(model) -> None:
    _months(model, 3)
    for g in model.giants:
        g.cash_usd = 0.0
    for s in model.live_startups:
        s.cash_usd = 0.0
    firm = model.firm_by_name["StepFun"]
    exits.exit_firm(model, firm, chosen=False)
    assert model.recorder.events["stage"][-1] == EXIT_SHUTDOWN


# ------------------------------------------------------------------ strategy
def test_paths_are_valued_in_dollars_from_the_economics(model) -> None:
    _months(model, 13)
    firm = model.firm_by_name["Zhipu"]
    vals = strategy.values(model, firm)
    assert FOUNDATION in vals and "integrator" in vals
    richer = model.sc.with_overrides({"strategy.foundation_revenue_multiple": 80.0})
    m2 = MarketModel(richer, 0)
    try:
        _months(m2, 13)
        assert strategy.values(m2, m2.firm_by_name["Zhipu"])[FOUNDATION] > vals[FOUNDATION]
    finally:
        release(m2)


def test_an_api_under_the_open_floor_has_no_moat(model) -> None:
    _months(model, 20)
    firm = model.firm_by_name["Zhipu"]
    cost = demand.open_serving_cost(model)
    low, _ = demand.offer_profit(model, firm, model.open_floor - 3, cost, 0.2)
    high, _ = demand.offer_profit(model, firm, model.open_floor + 1, cost, 0.2)
    assert high > low


def test_the_written_out_runway_chain_equals_its_composed_form(baseline: Scenario) -> None:
    """Startup.total_burn_usd, net_burn_usd and runway_months write out burn_usd and revenue_usd for speed
    (docs/performance.md): on every live startup of two years of a run they equal the composed methods exactly,
    so a change to either is caught here."""
    m = MarketModel(baseline, 0)
    try:
        checked = 0
        for _ in range(24):
            m.step()
            for s in m.live_startups:
                run_part = s.run_spend / m.sc.technology.release_interval_months if s.strategy == FOUNDATION else 0.0
                assert s.total_burn_usd() == s.burn_usd() + run_part
                assert s.net_burn_usd() == s.total_burn_usd() - s.revenue_usd()
                net = s.net_burn_usd()
                assert s.runway_months() == (s.cash_usd / net if net > 0 else math.inf)
                assert s.recorded_runway_months() == (s.runway_months() if s.alive() else math.nan)
                checked += 1
        assert checked > 100
    finally:
        release(m)


# ------------------------------------------------------------------ what ends the race (docs/experiments.md 6.10)
def _still_training_at_end(sets: list[str], seeds: range) -> list[int]:
    """Startups still training foundation models in the last month of the baseline with ``sets``, per seed."""
    sc = load_scenario(BASELINE, sets)
    return [int(run(sc, s, tables=("model", "events")).model["n_foundation"][-1]) for s in seeds]


FLAT_COSTS = "technology.run_cost_growth_per_year=1.0"
NO_ROTATION = "capital.rotation_sensitivity=0.0"
NO_OPEN = "open_source.enabled=false"


@pytest.mark.slow
def test_rising_costs_end_the_race_at_the_point_estimate() -> None:
    """Model 3.10's point estimate (docs/experiments.md 6.10): the baseline keeps no startup training to the end;
    without the open-weight releases alone at least one of the six trains to the end in most seeds; with flat run
    costs alone one or two keep a seat in about half the seeds (T17), never more than two; without the rotation of
    capital to embodied AI alone the race still ends in almost every seed. It can fail: at model 3.9's point the
    open floor removed alone kept a startup training in 5 of 30 seeds and flat costs in 25."""
    seeds = range(30)
    assert sum(1 for n in _still_training_at_end([], seeds) if n >= 1) <= 2  # 0 of seeds 0-29
    assert sum(1 for n in _still_training_at_end([NO_OPEN], seeds) if n >= 1) >= 22  # 28 of 30
    flat = _still_training_at_end([FLAT_COSTS], seeds)
    assert 5 <= sum(1 for n in flat if 1 <= n <= 2) <= 22 and max(flat) <= 2  # 15 of 30, never more than 2
    assert sum(1 for n in _still_training_at_end([NO_ROTATION], seeds) if n >= 1) <= 5  # 2 of 30
