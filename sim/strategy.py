"""Strategy: each startup's bounded-rational review, every ``review_interval_months`` (staggered).

At a review a foundation-model startup compares three strategies by utility and picks one by a
logit choice with temperature ``temperature`` (bounded rationality) and an ``inertia`` bonus for
the current one:

* keep training: ``foundation_utility + margin_weight * clip(m)
  + cost_weight * clip(log2((cash + 12 revenue) / C), financing_floor, financing_ceiling)
  + runway_weight * min(1, runway / runway_saturation_months) + rank_weight * rank``, where ``m``
  is the expected margin of its next model over the open floor,
  ``cap_next - floor - w * narrowing * horizon / W`` where ``narrowing`` is how much the floor's
  gap to the frontier shrank in the last ``W = floor_trend_window_months`` (firms extrapolate the
  open-source catch-up with weight ``floor_trend_weight``), clipped to ``±margin_clip_doublings``,
  ``C`` the cost of a run that would put it ``target_margin_doublings`` above today's floor (the
  cost of keeping up), and ``rank`` its capability rank among live startups (1 = best);
* pivot to a vertical: ``vertical_utility + vertical_affinity_bonus * [founders favour a niche]``;
* become an integrator of open models: ``integrator_utility + enterprise_focus_weight * focus
  + partner_bonus * partner``, where ``partner = min(1, partner_stake_multiplier x giants' share of its funding)`` if a
  giant with a cloud holds a stake, else 0.

Pivots are one-way (the technical team is shed: payroll falls to ``vertical_cost_share``).
Every review also cuts a side product when runway is below ``cut_runway_months``. Every month a
startup whose runway is below ``exit_runway_months`` exits: absorbed by a giant (which takes the
executives still in post) with ``absorb_probability``, else shut down.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from . import capital  # capital reads keep_up_cost: module imports keep the cycle safe
from .calendar import MONTHS_PER_YEAR
from .outputs import EventType
from .states import EXITED, FOUNDATION, INTEGRATOR, VERTICAL
from .technology import frontier, reachable_capability, run_cost, startup_efficiency, startup_run_budget

if TYPE_CHECKING:
    from .agents import Startup
    from .model import MarketModel

#: Scenario section of this mechanism's parameters ("" for none) and its section of docs/ODD.md.
SECTION, ODD = 'strategy', '7.7 Strategy'
#: This mechanism in a student's words, for the explorer's About tab: (heading, Markdown paragraph;
#: ``{...}`` fields are filled from the scenario shown by :func:`sim.app_about.mechanisms_html`).
STUDENT = ("Strategy", """\
Every few months a startup reviews: keep training, become a *vertical* (one sector, e.g. medicine)
or an *integrator* (deploy others' models for companies). It weighs its next model's lead over the
open floor, whether it can pay for the next run, its runway and its rank, with some randomness
(boards are not perfect calculators). A firm that cannot raise with under {exit_runway_months:g}
months of cash exits.""")



#: Rank of a startup missing from this month's ranks (they hold every live startup, and only a live one
#: reviews, so this is a guard, not behaviour): the best rank, so a gap in the cache never pushes a pivot.
UNRANKED = 1.0
#: Guards of divisions and logarithms (numerical, not behaviour): 1 USD is nothing next to any run or
#: round, and a ratio of 1e-9 is far below the financing floor's clip.
MIN_USD, MIN_RATIO = 1.0, 1e-9


def init(model: MarketModel) -> None:
    """Live verticals per niche, the giants with a cloud, and each startup's review month (staggered)."""
    #: Live vertical startups per niche (kept by pivot and exit_firm).
    model.vertical_counts = {}
    #: Names of the giants that run a cloud (giants neither enter nor exit after the build).
    model.cloud_giants = frozenset(g.name for g in model.giants if g.cloud > 0)
    for i, firm in enumerate(model.live_startups):
        firm.review_offset = i % model.sc.strategy.review_interval_months


def expected_margin(model: MarketModel, firm: Startup) -> float:
    """Margin (doublings) the firm expects its next model to have over the open floor."""
    sp = model.sc.strategy
    t = model.t
    cap = reachable_capability(model, t, startup_run_budget(model, firm), startup_efficiency(model, firm))
    window = sp.floor_trend_window_months
    past = max(0, t - window)
    narrowing = (model.open_floor - frontier(model, t)) - (model.floor_history[past] - frontier(model, past))
    horizon = model.sc.technology.training_run_months + model.sc.technology.release_interval_months
    return cap - model.open_floor - sp.floor_trend_weight * max(0.0, narrowing) * horizon / window


def keep_up_cost(model: MarketModel, firm: Startup) -> float:
    """USD of a run that would put the firm ``target_margin_doublings`` above today's open floor."""
    t = model.t
    gap = max(0.0, frontier(model, t) - model.open_floor - model.sc.strategy.target_margin_doublings)
    return run_cost(model, t, gap, startup_efficiency(model, firm))


def financing_capacity(model: MarketModel, firm: Startup) -> float:
    """log2 of (cash + a year of revenue) over the keep-up cost, clipped to [financing_floor, financing_ceiling]:
    can it pay to keep up? The floor says how much boards weigh a race they cannot afford."""
    sp = model.sc.strategy
    means = max(firm.cash_usd, 0.0) + MONTHS_PER_YEAR * firm.revenue_usd
    ratio = means / max(keep_up_cost(model, firm), MIN_USD)
    return min(sp.financing_ceiling, max(sp.financing_floor, math.log2(max(ratio, MIN_RATIO))))


def rank_of(model: MarketModel, firm: Startup) -> float:
    """Capability rank among live startups: 1 for the best, 0 for the worst (see :func:`capital.ranks`)."""
    return capital.current_ranks(model).get(firm, UNRANKED)


def partner_strength(model: MarketModel, firm: Startup) -> float:
    """0-1: how much a giant with a cloud backs the firm (``partner_stake_multiplier`` x the giants' share of
    its funding, capped at 1)."""
    if not any(name in model.cloud_giants for name in firm.investors):
        return 0.0
    return min(1.0, model.sc.strategy.partner_stake_multiplier * firm.giant_funding_usd
               / max(firm.funding_base_usd, MIN_USD))


def utilities(model: MarketModel, firm: Startup) -> dict[str, float]:
    """Utility of each strategy open to ``firm`` at this review."""
    sp = model.sc.strategy
    runway = firm.runway_months()
    margin = min(max(expected_margin(model, firm), -sp.margin_clip_doublings), sp.margin_clip_doublings)
    u_found = (sp.foundation_utility + sp.margin_weight * margin
               + sp.cost_weight * financing_capacity(model, firm)
               + sp.runway_weight * min(1.0, runway / sp.runway_saturation_months)
               + sp.rank_weight * rank_of(model, firm))
    u_vert = sp.vertical_utility + (sp.vertical_affinity_bonus if firm.vertical_affinity else 0.0)
    u_int = sp.integrator_utility + sp.enterprise_focus_weight * firm.enterprise_focus + \
        sp.partner_bonus * partner_strength(model, firm)
    out = {FOUNDATION: u_found, VERTICAL: u_vert, INTEGRATOR: u_int}
    if not model.sc.demand.niches:
        del out[VERTICAL]
    out[firm.strategy] = out.get(firm.strategy, 0.0) + sp.inertia
    return out


def choose(model: MarketModel, utils: dict[str, float]) -> str:
    """Logit choice among ``utils`` at the strategy temperature."""
    temp = model.sc.strategy.temperature
    names = list(utils)
    top = max(utils.values())
    weights = [math.exp((utils[n] - top) / temp) for n in names]
    x = model.rng_strategy.random() * sum(weights)
    for n, w in zip(names, weights, strict=False):
        x -= w
        if x < 0:
            return n
    return names[-1]


def step(model: MarketModel) -> None:
    """Exits (monthly), then reviews for the startups whose turn it is."""
    sp = model.sc.strategy
    for firm in list(model.live_startups):
        if firm.runway_months() < sp.exit_runway_months and model.t - firm.last_round_step > 0:
            exit_firm(model, firm)
            continue
        if (model.t - firm.review_offset) % sp.review_interval_months:
            continue
        if firm.side_products and firm.runway_months() < sp.cut_runway_months:
            cut = firm.side_products.pop()
            model.log(firm.name, EventType.PRODUCT_CUT, detail=f"closes {cut} to concentrate resources")
        if firm.strategy == FOUNDATION:
            new = choose(model, utilities(model, firm))
            if new != FOUNDATION:
                pivot(model, firm, new)


def _best_niche(model: MarketModel, firm: Startup) -> str:
    if firm.vertical_affinity:
        return firm.vertical_affinity
    taken = model.vertical_counts  # live vertical startups per niche, kept by pivot() and exit_firm()
    niches = model.sc.demand.niches
    best = max(range(len(niches)),
               key=lambda i: niches[i].market_usd_per_month_2025 / (1 + taken.get(niches[i].name, 0)))
    return niches[best].name


def pivot(model: MarketModel, firm: Startup, new: str) -> None:
    """Stop training foundation models and become a vertical or an integrator."""
    firm.strategy = new
    firm.pivot_step = model.t
    firm.staff = max(1, round(firm.staff * model.sc.strategy.vertical_cost_share))
    firm.consumer_active = False
    firm.run_installments.clear()
    firm.run_done_step = -1
    if new == VERTICAL:
        firm.niche = _best_niche(model, firm)
        model.vertical_counts[firm.niche] = model.vertical_counts.get(firm.niche, 0) + 1
        model.log(firm.name, EventType.PIVOT, niche=firm.niche, detail=f"pivots to {firm.niche}")
    else:
        partner = next((g.name for g in model.giants if g.cloud > 0 and g.name in firm.investors), "")
        detail = "becomes an integrator of open models" + (f" with {partner} cloud" if partner else "")
        model.log(firm.name, EventType.PIVOT, partner=partner, detail=detail)


def exit_firm(model: MarketModel, firm: Startup) -> None:
    """The firm exits: absorbed by a giant (taking the executives in post) or shut down."""
    sp = model.sc.strategy
    giants = model.giants
    absorbed = bool(giants) and model.rng_strategy.random() < sp.absorb_probability
    buyer = None
    if absorbed:
        owners = [g for g in giants if g.name in firm.investors]
        pool = owners or giants
        buyer = pool[int(model.rng_strategy.integers(len(pool)))]
    for ex in firm.executives:
        if ex.status == "in_post":
            ex.status = "released"
            ex.destination = f"giant:{buyer.name}" if buyer else "shut down"
            ex.left_step = model.t
    if firm.strategy == VERTICAL:
        model.vertical_counts[firm.niche] -= 1
    firm.strategy = EXITED
    firm.consumer_active = False
    firm.run_installments.clear()
    firm.mau = 0.0  # this month's revenue is already booked; begin_month clears it from next month on
    firm.api_price = math.nan
    model.log(firm.name, EventType.EXIT, amount_usd=max(firm.cash_usd, 0.0), acquirer=buyer.name if buyer else "",
              detail=f"absorbed by {buyer.name}" if buyer else "shuts down")
    model.on_exit(firm)
