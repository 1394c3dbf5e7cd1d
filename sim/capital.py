"""Capital: a finite venture market, investor sentiment, funding rounds, valuations, IPOs and stakes.

**Money is finite.** The venture money available to the simulated startups in a year is ``V_y``:
``vc_pool_usd_2023`` and ``vc_pool_usd_2024`` (China's generative-AI financing, times
``pool_share_simulated``); from 2025 it moves with realised returns and the rival sector,

    V_y = V_(y-1) * exp(pool_return_weight * R_(y-1) - pool_rotation_weight * (A_(y-1, end) - A_(y-1, start)))

(Gompers & Lerner 2004 on venture cycles), ``R`` the year's net realised outcomes, each divided by
the live startups when it happened, and ``A`` the outside sector's appeal (its change from one
January to the next). Each month ``V_y / 12`` plus ``pool_carryover`` of what was left last month
is available; rounds draw from it in the order they close, a round larger than what is left gets
what is left (none below ``min_round_share`` of its ask), and entrants' seed money comes out of
what remains (:mod:`sim.entry`).

**Sentiment** ``S`` (0-1) for foundation-model startups reverts to a level set by outcomes, and
drops with open-source shocks (:mod:`sim.open_source`):

    S' = S + r (S_base - k_rot A + k_ret R_12 - k_dep d - S) - k_open * shock

``R_12`` is the net realised outcome rate over the last 12 months (listings and up rounds count +1,
down rounds and exits -1, flat rounds 0), per startup alive now or exited in the window, and ``d`` this month's
departures per executive in post (talent runs before capital in the month): rates, not counts, so
the same economy with ten times the firms tells the same story.

**Rounds.** A fundraising attempt takes ``fundraising_months``: a startup tries at most once per
such period (staggered). It seeks a round when its runway is short, before an IPO, or (with
``foundation_always_raise``) whenever it still trains foundation models, once its last round is
``round_interval_months`` old, or at once when runway is below ``bridge_runway_months``; the round
closes with probability ``sigmoid(b0 + b_S S + b_T traction + b_R rank + b_L (stability - 1) + b_F
[not foundation] + b_IPO [IPO under way])``, traction being annualised revenue over
``traction_scale_usd`` (at most ``traction_cap``) plus ``traction_share_weight`` times the
consumer market share. A round sells investors a stake: it asks for ``round_dilution`` ``d`` of
the post-money valuation at the firm's current mark, ``amount = d / (1 - d) * pre``, times
``S**round_size_sentiment_elasticity`` (a cool market fills smaller syndicates). The money a firm
raises is thus anchored to what investors think it is worth, not to what it spends (the six's
2023 rounds sold about a fifth of each firm, [S-FUNDING-2023]); spending then follows the cash (the
run budget and marketing are shares of it).

**Valuations** follow traction, the money in venture and the firm's lead over the free models. A
round is priced by marking the last round's post-money valuation ``P`` to the change in the firm's
fundamentals since that round,

    pre = P * ((1 + T) / (1 + T_0))**e_T * (V_y / V_0)**e_V * exp(w_M (m - m_0)),   post = pre + amount

(the comparable-company method: a valuation moves with the firm's traction ``T``; valuations rise
with the money chasing deals, the year's venture pool ``V_y``, [Gompers2000]; ``m`` is the moat of
its model over the open floor, 0-1, :func:`sim.strategy.moat_share`). ``T_0, V_0, m_0`` are read at
the last priced round; the starting cash (or an entrant's seed) is valued at the amount over
``round_dilution`` and its fundamentals are read at the capital step after the firm's first month
(a round before that is priced at ``P``). A round whose pre-money is more than ``flat_round_band``
below ``P`` is a *down round* (an outcome of -1), one more than that above is an up round (+1), and
one in between is flat (no outcome). A giant
may join, paying ``giant_stake_share`` of it (a transfer between agents). A startup whose
revenue booked over its last twelve months (:meth:`sim.agents.Startup.trailing_revenue_usd`) reaches
``ipo_revenue_usd_per_year`` starts an IPO process and lists
``ipo_months_to_list`` later, raising ``ipo_proceeds_months_of_burn`` months of burn from public
markets (not from the venture pool).

**Plans before rounds.** The capital market runs after the boards' reviews in the month
(:data:`sim.month.MONTH`): a round is judged and priced on the plan the board has just set, so a firm that
gave up training raises as a services firm, not as a racer (staged financing, [Gompers1995]), and a firm
whose board chose to sell or wind down raises nothing, starts no IPO process and does not list.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from . import strategy  # strategy reads current_ranks: module imports keep the cycle safe
from .calendar import MONTHS_PER_YEAR
from .outputs import IPO_FILING, IPO_LISTING, EventType
from .states import FOUNDATION

if TYPE_CHECKING:
    from .agents import Giant, Startup
    from .model import MarketModel

#: Scenario section of this mechanism's parameters ("" for none) and its section of docs/ODD.md.
SECTION, ODD = 'capital', '7.7 Capital'
#: This mechanism in a student's words, for the explorer's About tab: (heading, Markdown paragraph;
#: ``{...}`` fields are filled from the scenario shown by :func:`sim.app_about.mechanisms_html`).
STUDENT = ("Investors", """\
*Investor sentiment* (0-1) rises with good news and falls with open-source shocks and departures;
rounds close more often and are larger when it is high. A round sells investors about a fifth of
the firm at what they think it is worth now, so a firm whose value grows can raise more.""")



#: Guard of the venture pool's ratio in a valuation (numerical: a scenario may set a year's pool to 0).
MIN_POOL_USD = 1.0


def init(model: MarketModel) -> None:
    """Investor sentiment, the outside sector's appeal, the venture pool, outcomes, and the rank cache."""
    cp = model.sc.capital
    model.sentiment = cp.sentiment_initial
    model.outside_steps = (model.calendar.step_of(cp.outside_rise_start), model.calendar.step_of(cp.outside_rise_end))
    model.outside_appeal = outside_appeal(model, 0)
    model.rank_cache = ((-1, -1), {})  # ((month, live startups), ranks) of :func:`current_ranks`
    model.vc_pool_year = model.calendar.year_of(0)
    model.vc_pool_usd = pool_for_year(model, model.vc_pool_year, None)  # this year's venture money, USD
    model.vc_available_usd = 0.0  # venture money still available this month, USD
    model.outcomes = []  # (step, +1 or -1) realised outcomes: listings, up and down rounds, exits
    model.exit_steps = []  # step of each exit in the last 12 months (they widen the window's population)
    model.year_outcomes = 0.0  # net outcomes per live startup so far this year
    model.year_appeal_start = model.outside_appeal
    model.realised_rate = 0.0  # R_12


#: Rank of a startup outside this month's ranking, for its expected round (a guard: the ranks hold every live
#: startup); the middle, so the guard pushes no way.
UNRANKED = 0.5


def pool_for_year(model: MarketModel, year: int, previous: float | None) -> float:
    """Venture money for the simulated startups in ``year`` (USD); see the module docstring."""
    cp = model.sc.capital
    given = {2023: cp.vc_pool_usd_2023, 2024: cp.vc_pool_usd_2024}
    if year in given or previous is None:
        return given.get(year, cp.vc_pool_usd_2023) * cp.pool_share_simulated
    growth = cp.pool_return_weight * model.year_outcomes \
        - cp.pool_rotation_weight * (model.outside_appeal - model.year_appeal_start)
    return previous * math.exp(growth)


def record_outcome(model: MarketModel, sign: int) -> None:
    """A realised outcome for investors: +1 (listing, up round) or -1 (down round, exit)."""
    model.outcomes.append((model.t, sign))
    model.year_outcomes += sign / max(1, len(model.live_startups))


def record_exit(model: MarketModel) -> None:
    """A startup exited: a realised outcome of -1, and one more firm in the window's population."""
    record_outcome(model, -1)
    model.exit_steps.append(model.t)


def expected_raise(model: MarketModel, firm: Startup) -> float:
    """USD the firm can expect from its next round: the close probability times the ask (0 if the market is shut)."""
    if not model.sc.capital.enabled:
        return 0.0
    return close_probability(model, firm, current_ranks(model).get(firm, UNRANKED)) * ask(model, firm)


def ask(model: MarketModel, firm: Startup) -> float:
    """The round ``firm`` asks for now, USD: the stake ``round_dilution`` ``d`` of its post-money valuation at its
    current mark, ``d / (1 - d)`` times the pre-money (:func:`pre_money`), times sentiment to the power
    ``round_size_sentiment_elasticity`` (fewer investors join a syndicate while sentiment is low)."""
    cp = model.sc.capital
    d = cp.round_dilution
    size = d / (1.0 - d) * pre_money(model, firm) * model.sentiment ** cp.round_size_sentiment_elasticity
    return size if size > 0.0 else 0.0  # max(0.0, size), without a call


def basis(model: MarketModel, firm: Startup) -> tuple[float, float, float]:
    """The fundamentals a round of ``firm`` is priced on now: (1 + traction, this year's venture pool in USD, the
    moat of its model over the open floor, 0-1)."""
    return 1.0 + traction(model, firm), model.vc_pool_usd, strategy.moat_share(model, firm.capability)


def pre_money(model: MarketModel, firm: Startup) -> float:
    """The firm's mark now, USD: its last post-money valuation marked to the change in its fundamentals since that
    round (see the module docstring); the last post-money itself until the capital market has first read them."""
    if firm.round_basis is None:
        return firm.post_money_usd
    cp = model.sc.capital
    x, v, m = basis(model, firm)
    x0, v0, m0 = firm.round_basis
    v, v0 = (v if v > MIN_POOL_USD else MIN_POOL_USD), (v0 if v0 > MIN_POOL_USD else MIN_POOL_USD)  # max(., guard)
    return (firm.post_money_usd * (x / x0) ** cp.valuation_traction_elasticity
            * (v / v0) ** cp.valuation_pool_elasticity * math.exp(cp.valuation_moat_weight * (m - m0)))


def round_outcome(model: MarketModel, pre: float, last_post: float) -> int:
    """+1 for an up round, -1 for a down round, 0 for a flat one (pre-money within ``flat_round_band`` of the last
    post-money)."""
    band = model.sc.capital.flat_round_band
    if pre < last_post * (1.0 - band):
        return -1
    return 1 if pre > last_post * (1.0 + band) else 0


def outside_appeal(model: MarketModel, step: int) -> float:
    """Appeal (0-1) of the outside sector at ``step``: a linear ramp between two dates."""
    cp = model.sc.capital
    a, b = model.outside_steps
    if step <= a:
        return 0.0
    if step >= b:
        return cp.outside_appeal_max
    return cp.outside_appeal_max * (step - a) / (b - a)


def update_sentiment(model: MarketModel) -> None:
    """Move investor sentiment and the venture pool for this month (see the module docstring)."""
    cp = model.sc.capital
    appeal = outside_appeal(model, model.t)
    year = model.calendar.year_of(model.t)
    if year != model.vc_pool_year:
        model.outside_appeal = appeal
        model.vc_pool_usd = pool_for_year(model, year, model.vc_pool_usd)
        model.vc_pool_year, model.year_outcomes, model.year_appeal_start = year, 0.0, appeal
    model.vc_available_usd = model.vc_pool_usd / MONTHS_PER_YEAR + cp.pool_carryover * model.vc_available_usd
    window = [sign for step, sign in model.outcomes if model.t - step < MONTHS_PER_YEAR]
    del model.outcomes[:len(model.outcomes) - len(window)]
    model.exit_steps = [step for step in model.exit_steps if model.t - step < MONTHS_PER_YEAR]
    population = len(model.live_startups) + len(model.exit_steps)
    model.realised_rate = sum(window) / (population if population > 1 else 1)  # max(1, population)
    in_post = 0
    for f in model.live_startups:
        in_post += f.executive_counts()[0]
    departure_rate = model.departures_this_month / in_post if in_post else 0.0
    s = model.sentiment
    level = (cp.sentiment_base - cp.rotation_sensitivity * appeal + cp.return_sensitivity * model.realised_rate
             - cp.departure_sensitivity * departure_rate)
    s += cp.sentiment_reversion_per_month * (level - s)
    s -= cp.open_shock_sensitivity * model.floor_shock
    s = s if s > 0.0 else 0.0  # min(1.0, max(0.0, s)), without the calls
    model.sentiment = s if s < 1.0 else 1.0
    model.outside_appeal = appeal


def traction(model: MarketModel, firm: Startup) -> float:
    """Annualised revenue in units of ``traction_scale_usd`` (at most ``traction_cap``), plus
    ``traction_share_weight`` x consumer market share."""
    cp = model.sc.capital
    share = firm.mau / model.consumer_market if model.consumer_market > 0 else 0.0
    rate = MONTHS_PER_YEAR * firm.revenue_usd() / cp.traction_scale_usd
    return (rate if rate < cp.traction_cap else cp.traction_cap) + cp.traction_share_weight * share  # min(cap, rate)


def close_probability(model: MarketModel, firm: Startup, rank: float) -> float:
    """Chance that a round sought this month closes."""
    cp = model.sc.capital
    exec_all = len(firm.executives)
    in_post = 0
    for e in firm.executives:
        if e.status == "in_post":
            in_post += 1
    stability = in_post / exec_all if exec_all else 1.0
    z = (cp.round_intercept + cp.round_sentiment_weight * model.sentiment
         + cp.round_traction_weight * traction(model, firm) + cp.round_rank_weight * rank
         + cp.round_talent_weight * (stability - 1.0)
         + (cp.round_foundation_penalty if firm.strategy != FOUNDATION else 0.0)
         + (cp.pre_ipo_bonus if firm.ipo_step >= 0 and not firm.listed else 0.0))
    return 1.0 / (1.0 + math.exp(-z))


def ranks(model: MarketModel) -> dict[Startup, float]:
    """Capability rank of each live startup: 1 for the best, 0 for the worst (ties share the lower rank)."""
    live = sorted(model.live_startups, key=lambda f: f.capability)
    n = len(live)
    out: dict[Startup, float] = {}
    out_index: dict[Startup, int] = {}
    for i, f in enumerate(live):
        j = i if i == 0 or live[i - 1].capability < f.capability else out_index[live[i - 1]]
        out[f] = j / (n - 1) if n > 1 else 1.0
        out_index[f] = j
    return out


def current_ranks(model: MarketModel) -> dict[Startup, float]:
    """:func:`ranks` of this month, computed once per month and number of live startups (capital, talent
    and strategy all ask)."""
    key = (model.t, len(model.live_startups))
    if model.rank_cache[0] != key:
        model.rank_cache = (key, ranks(model))
    return model.rank_cache[1]


def seeks_round(model: MarketModel, firm: Startup) -> bool:
    cp = model.sc.capital
    runway = firm.runway_months()
    if runway < cp.bridge_runway_months:
        return True  # a bridge round: no waiting when cash is about to run out
    if model.t - firm.last_round_step < cp.round_interval_months:
        return False
    pre_ipo = cp.pre_ipo_round and firm.ipo_step >= 0 and not firm.listed
    racing = cp.foundation_always_raise and firm.strategy == FOUNDATION
    return pre_ipo or racing or runway < cp.round_runway_trigger_months


def step(model: MarketModel) -> None:
    """Sentiment, then rounds (in random order), then IPO progress."""
    update_sentiment(model)
    cp = model.sc.capital
    rng = model.rng_capital
    rank = current_ranks(model)
    for f in model.live_startups:
        if f.round_basis is None and model.t > f.entry_step:  # the starting cash or a seed, read once the firm's
            f.round_basis = basis(model, f)  # first month is booked, whatever the order of the month
    seekers = [f for f in model.live_startups  # a firm that defaulted, or chose to leave, exits: it raises nothing
               if not f.defaulted and not f.leaving() and (model.t - f.review_offset) % cp.fundraising_months == 0
               and seeks_round(model, f)]
    order = rng.permutation(len(seekers)) if seekers else []
    for i in order:
        firm = seekers[i]
        draw = rng.random()
        if not cp.enabled or draw >= close_probability(model, firm, rank[firm]):
            continue
        amount = min(ask(model, firm), model.vc_available_usd)
        if amount <= 0 or amount < cp.min_round_share * ask(model, firm):
            continue
        model.vc_available_usd -= amount
        pre = pre_money(model, firm)
        post = pre + amount
        outcome = round_outcome(model, pre, firm.post_money_usd)
        down = outcome < 0
        if outcome:
            record_outcome(model, outcome)
        firm.post_money_usd = post
        firm.round_basis = basis(model, firm)
        giant = _strategic_investor(model, firm)
        stake = amount * cp.giant_stake_share if giant is not None else 0.0
        firm.raise_capital(amount, stake)
        firm.last_round_step = model.t
        detail = "venture round"
        if giant is not None:
            giant.buy_stake(firm, stake)
            detail += f" with {giant.name}"
        detail += " (down round)" if down else ""
        model.log(firm.name, EventType.FUNDING_ROUND, amount_usd=amount, detail=detail,
                  partner=giant.name if giant is not None else "", valuation_usd=post, down_round=down)
    _ipos(model)


def _strategic_investor(model: MarketModel, firm: Startup) -> Giant | None:
    """A giant joining this round, or None: an existing investor first, else any giant."""
    cp = model.sc.capital
    if not model.giants or model.rng_capital.random() >= cp.giant_stake_probability:
        return None
    existing = [g for g in model.giants if g.name in firm.investors]
    pool = existing or model.giants
    return pool[int(model.rng_capital.integers(len(pool)))]


def _ipos(model: MarketModel) -> None:
    """Start the IPO process of each startup whose last twelve booked months of revenue reach the threshold, and
    list each one whose process is ``ipo_months_to_list`` old; neither for a firm that exits this month (its board
    chose to leave, or it defaulted)."""
    cp = model.sc.capital
    for firm in model.live_startups:
        if firm.ipo_step < 0:
            if firm.trailing_revenue_usd() >= cp.ipo_revenue_usd_per_year and not firm.leaving():
                firm.ipo_step = model.t
                model.log(firm.name, EventType.IPO, stage=IPO_FILING, detail="starts IPO process")
        elif not firm.listed and model.t - firm.ipo_step >= cp.ipo_months_to_list and cp.enabled \
                and not firm.leaving() and not firm.defaulted:
            amount = firm.total_burn_usd() * cp.ipo_proceeds_months_of_burn
            firm.listed = True
            firm.raise_capital(amount)
            record_outcome(model, 1)
            model.log(firm.name, EventType.IPO, amount_usd=amount, stage=IPO_LISTING, detail="lists its shares")
