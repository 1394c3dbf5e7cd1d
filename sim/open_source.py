"""Open source: dated open-weight releases, the free "open floor", and API prices.

An open-source *shock* is a release that brings the floor closer to the frontier than it has ever
been: ``shock = (closest gap so far - new gap) / (1 + new gap)`` (investors react to records,
not to releases that merely keep pace). The open floor is the best capability anyone can use for
free: the best open-weight model
released so far. Before ``open_source.endogenous_after`` it moves only with the dated schedule
(``open_source.releases``, the real one in the baseline); after it, open labs' and open-weight
giants' own releases raise it too. A closed model's value is its margin over the floor: its
API markup is ``max_markup * (1 - exp(-margin / margin_scale))`` over serving cost, so prices
fall to cost when the floor catches up (a price war). Open labs price near cost; giants
price at ``cost * (giant_price_subsidy + markup)``: below cost (subsidised from other businesses)
when the floor reaches their model.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from .agents import FOUNDATION, INTEGRATOR, Giant, OpenLab, Startup
from .outputs import EventType
from .technology import frontier

if TYPE_CHECKING:
    from .model import MarketModel


def scheduled_releases(model: MarketModel) -> dict[int, list[tuple[str, str, float]]]:
    """Map step -> [(firm, model name, gap in doublings)] for the dated schedule, after scale and shift."""
    osp = model.sc.open_source
    out: dict[int, list[tuple[str, str, float]]] = {}
    if not osp.enabled:
        return out
    for rel in osp.releases:
        step = model.calendar.step_of(rel.date) + osp.shift_months
        out.setdefault(step, []).append((rel.firm, rel.name, rel.gap_doublings * osp.release_gap_scale))
    return out


def serving_cost(model: MarketModel, step: int, efficiency: float = 1.0) -> float:
    """Cost to serve a near-frontier model, USD per million tokens, at ``efficiency``."""
    osp = model.sc.open_source
    years = model.calendar.years_since_2023(step)
    return osp.serving_cost_usd_per_mtok_2023 / osp.serving_cost_decline_per_year ** years / efficiency


def step(model: MarketModel) -> None:
    """Apply this month's scheduled releases, raise the floor, then reprice every API."""
    t = model.t
    for firm_name, name, gap in model.schedule.get(t, ()):
        firm = model.firm_by_name.get(firm_name)
        if firm is not None and not firm.alive:
            continue  # a firm that has exited releases nothing
        cap = frontier(model, t) - gap
        model.open_floor_candidates.append(cap)
        if firm is not None:
            firm.capability = max(firm.capability, cap)
            firm.releases += 1
        model.log(firm_name, EventType.RELEASE, open_weights=True,
                  detail=f"open-weight {name}, {gap:.2f} doublings below frontier")
    before = model.open_floor
    if model.open_floor_candidates:
        model.open_floor = max(model.open_floor, *model.open_floor_candidates)
        model.open_floor_candidates.clear()
    model.floor_gain = model.open_floor - before
    gap = max(0.0, frontier(model, t) - model.open_floor)
    model.floor_shock = max(0.0, model.closest_floor_gap - gap) / (1.0 + gap)
    model.closest_floor_gap = min(model.closest_floor_gap, gap)
    _reprice(model)


def markup(model: MarketModel, capability: float) -> float:
    """Markup over cost (multiple) of a closed model with ``capability``."""
    osp = model.sc.open_source
    margin = max(0.0, capability - model.open_floor)
    return osp.max_markup * (1.0 - math.exp(-margin / osp.margin_scale_doublings))


def _reprice(model: MarketModel) -> None:
    osp = model.sc.open_source
    t = model.t
    for firm in model.live_firms:
        cost = serving_cost(model, t, firm.efficiency)
        if isinstance(firm, OpenLab):
            price = cost * (1.0 + osp.open_price_markup)
        elif isinstance(firm, Giant):
            price = cost * (osp.giant_price_subsidy + markup(model, firm.capability))
        elif isinstance(firm, Startup):
            if firm.strategy == FOUNDATION:
                price = cost * (1.0 + markup(model, firm.capability))
            elif firm.strategy == INTEGRATOR:
                price = serving_cost(model, t) * (1.0 + osp.open_price_markup)
            else:
                price = math.nan  # a vertical sells solutions, not an API
        else:
            continue
        firm.api_price = price
        if math.isnan(price):
            continue
        if not math.isnan(firm.logged_price) and price <= firm.logged_price * (1.0 - osp.price_cut_threshold):
            model.log(firm.name, EventType.PRICE_CUT,
                      detail=f"API price {firm.logged_price:.3f} -> {price:.3f} USD/Mtok")
        firm.logged_price = price
