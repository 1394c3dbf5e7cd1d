"""Talent: each core executive decides every month whether to stay, join a giant, or found a venture.

Monthly hazard of leaving for an executive of a live startup:

    h = base * (1 + w_poach * pull * aim) * (1 + w_niche * heat) * (1 + w_contagion * recent)
        * (1 + w_sentiment * max(0, S_initial - S))
        * [abandoned_work_multiplier  if technical and the firm stopped foundation training]
        * [pivot_commercial_multiplier if commercial and the firm pivoted]
        * [runway_multiplier           if runway < runway_alarm_months]

``S`` is investor sentiment (equity and careers at startups lose value as the capital boom
recedes), ``pull`` is the giants' mean hiring power, ``aim = 1 - f + 2 f rank`` how much giants aim their
offers at the most capable startups (``poaching_rank_focus`` = f, rank 1 = best), ``heat`` the
hottest niche's heat, ``recent`` the
firm's departures in the last ``contagion_window_months``. A leaver joins a giant (chosen by hiring power) with
weight ``giant_destination_weight * pull`` or founds a venture in a niche (chosen by heat) with
weight ``founder_destination_weight * heat``. Departures slow the firm (:mod:`technology`),
cut its service capacity (commercial) and cost investor sentiment (:mod:`capital`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import capital
from .outputs import EventType
from .states import COMMERCIAL, FOUNDATION, TECHNICAL

if TYPE_CHECKING:
    from .agents import Startup
    from .model import MarketModel

#: ``aim = 1 - f + AIM_SPREAD f rank``: with ranks spread evenly over 0-1 the mean aim is 1 whatever the focus
#: ``f`` (a normalisation, not a behaviour: the strength of poaching is ``poaching_weight``).
AIM_SPREAD = 2.0
#: Rank of a firm outside the month's ranking (never a live startup; kept neutral).
NEUTRAL_RANK = 0.5

#: Scenario section of this mechanism's parameters ("" for none) and its section of docs/ODD.md.
SECTION, ODD = 'talent', '7.8 Talent'
#: This mechanism in a student's words, for the explorer's About tab: (heading, Markdown paragraph;
#: ``{...}`` fields are filled from the scenario shown by :func:`sim.app_about.mechanisms_html`).
STUDENT = ("People", """\
Each core executive may leave each month: more likely when the giants recruit (*poaching weight*),
when runway is short, when colleagues have just left, or when the firm has stopped training.""")



def init(model: MarketModel) -> None:
    """The count of this month's departures (talent runs before capital, whose sentiment reads it)."""
    model.departures_this_month = 0


def hazards(model: MarketModel, firm: Startup, pull: float, heat: float,
            rank_of: dict[Startup, float]) -> dict[str, float]:
    """Monthly probability (capped at 1) that an executive of ``firm`` leaves, by role (``rank_of``: this
    month's :func:`capital.current_ranks`)."""
    tp = model.sc.talent
    recent = 0
    since = model.t - tp.contagion_window_months  # departures after this step are recent
    for e in firm.executives:
        if e.status == "departed" and e.left_step > since:
            recent += 1
    rank = rank_of.get(firm, NEUTRAL_RANK)
    aim = 1.0 - tp.poaching_rank_focus + AIM_SPREAD * tp.poaching_rank_focus * rank
    h = tp.base_hazard_per_month * (1 + tp.poaching_weight * pull * aim) * (1 + tp.niche_heat_weight * heat)
    h *= 1 + tp.contagion_weight * recent
    cooled = model.sc.capital.sentiment_initial - model.sentiment
    h *= 1 + tp.sentiment_weight * (cooled if cooled > 0.0 else 0.0)
    if firm.runway_months() < tp.runway_alarm_months:
        h *= tp.runway_multiplier
    tech = comm = h
    if firm.strategy != FOUNDATION:
        tech, comm = h * tp.abandoned_work_multiplier, h * tp.pivot_commercial_multiplier
    return {TECHNICAL: 1.0 if 1.0 < tech else tech, COMMERCIAL: 1.0 if 1.0 < comm else comm}  # capped at 1


def step(model: MarketModel) -> None:
    """Every executive in post decides; departures are logged and take effect at once."""
    model.departures_this_month = 0
    tp = model.sc.talent
    if not tp.enabled:
        return
    rng = model.rng_talent
    giants = model.giants
    pull = 0.0
    if giants:
        power = 0  # sum(g.hiring_power for g in giants), without the generator
        for g in giants:
            power += g.hiring_power
        pull = power / len(giants)
    niches = model.sc.demand.niches
    heat = max((n.heat for n in niches), default=0.0)
    # The ranks once for the loop, where the first firm's hazards would compute them (departures leave the
    # live startups, the ranks' cache key, unchanged; with no live startup, nothing asks, as before).
    rank_of = capital.current_ranks(model) if model.live_startups else {}
    for firm in model.live_startups:
        rates = hazards(model, firm, pull, heat, rank_of)
        for ex in firm.executives:
            if ex.status != "in_post" or rng.random() >= rates[ex.role]:
                continue
            w_giant = tp.giant_destination_weight * pull
            w_found = tp.founder_destination_weight * heat
            if w_giant + w_found <= 0 or rng.random() * (w_giant + w_found) < w_giant:
                weights = [g.hiring_power for g in giants]
                giant = giants[_pick(rng, weights)] if giants and sum(weights) > 0 else None
                dest = f"giant:{giant.name}" if giant else "left"
                if giant:
                    giant.hires += 1
            else:
                niche = niches[_pick(rng, [n.heat for n in niches])]
                dest = f"founded:{niche.name}"
            ex.status, ex.destination, ex.left_step = "departed", dest, model.t
            model.departures_this_month += 1
            if ex.role == TECHNICAL:
                firm.recent_tech_departures.append(model.t)
            else:
                firm.sales_capacity *= 1.0 - tp.sales_loss_per_commercial_departure
            model.log(firm.name, EventType.DEPARTURE, role=ex.role, destination=dest)


def _pick(rng, weights: list[float]) -> int:
    """Index drawn with probability proportional to ``weights``."""
    x = rng.random() * sum(weights)
    for i, w in enumerate(weights):
        x -= w
        if x < 0:
            return i
    return len(weights) - 1
