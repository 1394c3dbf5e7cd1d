"""Capital: investor sentiment, funding rounds, IPOs and giants' strategic stakes.

Sentiment ``S`` (0-1) for foundation-model startups reverts to ``sentiment_base`` and falls
with each month's open-source shock (the floor's gain divided by 1 + its remaining gap to the
frontier, so releases near the frontier hurt most), with each executive departure
and as an outside sector (embodied AI, an exogenous dated ramp) gains appeal:

    S' = S + r (S_base - S) - k_open * shock - k_dep * departures - k_rot * d(appeal)

A startup seeks a round when its runway is short (or before an IPO) and its last round is
``round_interval_months`` old; the round closes with probability
``sigmoid(b0 + b_S S + b_T traction + b_R rank + b_L stability + b_F [not foundation])`` and
funds ``round_size_months_of_burn`` months of burn times ``S**elasticity``. A giant may join,
paying ``giant_stake_share`` of it (a transfer between agents). A startup whose annualised
revenue passes ``ipo_revenue_usd_per_year`` starts an IPO process and lists
``ipo_months_to_list`` later.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from .agents import FOUNDATION, Giant, Startup

if TYPE_CHECKING:
    from .model import MarketModel


def outside_appeal(model: MarketModel, step: int) -> float:
    """Appeal (0-1) of the outside sector at ``step``: a linear ramp between two dates."""
    cp = model.sc.capital
    a, b = model.calendar.step_of(cp.outside_rise_start), model.calendar.step_of(cp.outside_rise_end)
    if step <= a:
        return 0.0
    if step >= b:
        return cp.outside_appeal_max
    return cp.outside_appeal_max * (step - a) / (b - a)


def update_sentiment(model: MarketModel) -> None:
    """Move investor sentiment for this month (see the module docstring)."""
    cp = model.sc.capital
    appeal = outside_appeal(model, model.t)
    rise = max(0.0, appeal - model.outside_appeal)
    s = model.sentiment
    s += cp.sentiment_reversion_per_month * (cp.sentiment_base - s)
    s -= cp.open_shock_sensitivity * model.floor_shock
    s -= cp.departure_sensitivity * model.departures_last_month
    s -= cp.rotation_sensitivity * rise
    model.sentiment = min(1.0, max(0.0, s))
    model.outside_appeal = appeal


def traction(model: MarketModel, firm: Startup) -> float:
    """log10 of annualised revenue in MUSD, plus 5 x consumer market share."""
    share = firm.mau / model.consumer_market if model.consumer_market > 0 else 0.0
    return math.log10(1.0 + 12.0 * firm.revenue_usd / 1e6) + 5.0 * share


def close_probability(model: MarketModel, firm: Startup, rank: float) -> float:
    """Chance that a round sought this month closes."""
    cp = model.sc.capital
    exec_all = len(firm.executives)
    stability = sum(1 for e in firm.executives if e.status == "in_post") / exec_all if exec_all else 1.0
    z = (cp.round_intercept + cp.round_sentiment_weight * model.sentiment
         + cp.round_traction_weight * traction(model, firm) + cp.round_rank_weight * rank
         + cp.round_talent_weight * (stability - 1.0)
         + (cp.round_foundation_penalty if firm.strategy != FOUNDATION else 0.0))
    return 1.0 / (1.0 + math.exp(-z))


def _ranks(model: MarketModel) -> dict[Startup, float]:
    """Capability rank of each live startup: 1 for the best, 0 for the worst."""
    live = sorted(model.live_startups, key=lambda f: f.capability)
    n = len(live)
    return {f: (i / (n - 1) if n > 1 else 1.0) for i, f in enumerate(live)}


def seeks_round(model: MarketModel, firm: Startup) -> bool:
    cp = model.sc.capital
    if model.t - firm.last_round_step < cp.round_interval_months:
        return False
    pre_ipo = cp.pre_ipo_round and firm.ipo_step >= 0 and not firm.listed
    return pre_ipo or firm.runway_months() < cp.round_runway_trigger_months


def step(model: MarketModel) -> None:
    """Sentiment, then rounds (in random order), then IPO progress."""
    update_sentiment(model)
    cp = model.sc.capital
    rng = model.rng_capital
    ranks = _ranks(model)
    seekers = [f for f in model.live_startups if seeks_round(model, f)]
    order = rng.permutation(len(seekers)) if seekers else []
    for i in order:
        firm = seekers[i]
        draw = rng.random()
        if not cp.enabled or draw >= close_probability(model, firm, ranks[firm]):
            continue
        amount = firm.burn_usd() * cp.round_size_months_of_burn * model.sentiment ** cp.round_size_sentiment_elasticity
        if amount <= 0:
            continue
        giant = _strategic_investor(model, firm)
        stake = amount * cp.giant_stake_share if giant is not None else 0.0
        firm.cash_usd += amount
        firm.funding_usd += amount - stake
        firm.transfers_usd += stake
        firm.funding_raised_usd += amount
        firm.last_round_step = model.t
        detail = "venture round"
        if giant is not None:
            giant.cash_usd -= stake
            giant.transfers_usd -= stake
            giant.stakes[firm.name] = giant.stakes.get(firm.name, 0.0) + stake
            if giant.name not in firm.investors:
                firm.investors.append(giant.name)
            detail += f" with {giant.name}"
        model.log(firm.name, "funding_round", amount_usd=amount, detail=detail)
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
    cp = model.sc.capital
    for firm in model.live_startups:
        if firm.ipo_step < 0:
            if 12.0 * firm.revenue_usd >= cp.ipo_revenue_usd_per_year:
                firm.ipo_step = model.t
                model.log(firm.name, "ipo", detail="starts IPO process")
        elif not firm.listed and model.t - firm.ipo_step >= cp.ipo_months_to_list and cp.enabled:
            amount = firm.burn_usd() * cp.ipo_proceeds_months_of_burn * model.sentiment
            firm.listed = True
            firm.cash_usd += amount
            firm.funding_usd += amount
            firm.funding_raised_usd += amount
            model.log(firm.name, "ipo", amount_usd=amount, detail="lists its shares")
