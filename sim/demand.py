"""Demand: a consumer market, an enterprise market and vertical niches, cleared once a month.

* Consumer: the market (MAU) grows logistically to ``consumer_mau_max``. Each active app has
  utility ``quality_weight*(q - frontier) + distribution_weight*ln(distribution) +
  marketing_weight*ln(1 + marketing in MUSD) + viral``; target MAU are logit shares of the
  market and each app closes ``mau_adjust_per_month`` of the gap to its target a month.
  Giants' apps use the open floor when it beats their own model; a free open-lab app whose model
  is within ``viral_gap`` of the frontier goes viral.
* Enterprise: spending grows slowly (logistic, ``enterprise_maturity_per_month``). Firms win
  logit shares by margin over the open floor (a firm whose own model is below the floor delivers
  open models instead, at margin 0), price and service capacity (a giant's cloud); an
  outside option (self-deploy or wait) keeps customers cautious. Revenue closes
  ``enterprise_adjust_per_month`` of the gap to its target a month (sticky contracts).
* Verticals: each niche grows on its own; a vertical firm earns up to ``vertical_capture`` of
  its niche, shared with rival verticals and scaled by its fit.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from .open_source import serving_cost
from .states import VERTICAL
from .technology import frontier

if TYPE_CHECKING:
    from .agents import Firm, Startup
    from .model import MarketModel


#: Floors that keep the logarithms of the enterprise utility finite: numerical guards, not behaviour (a
#: firm at the capacity floor, e.g. a giant without a cloud, is priced out of the market either way).
MIN_RELATIVE_PRICE, MIN_SALES_CAPACITY = 1e-6, 1e-3
#: Niche sizes are given for 2025-01 (``market_usd_per_month_2025``), two years after the trends' 2023-01 anchor.
NICHE_SIZE_YEARS_AFTER_2023 = 2.0

#: Scenario section of this mechanism's parameters ("" for none) and its section of docs/ODD.md.
SECTION, ODD = 'demand', '7.3 Demand'
#: This mechanism in a student's words, for the explorer's About tab: (heading, Markdown paragraph;
#: ``{...}`` fields are filled from the scenario shown by :func:`sim.app_about.mechanisms_html`).
STUDENT = ("Customers", """\
Consumers pick chatbots (quality, price, the giants' apps); companies buy models slowly (*enterprise
demand maturing*).""")



def init(model: MarketModel) -> None:
    """The consumer (MAU) and enterprise (USD per month) market sizes."""
    dp = model.sc.demand
    model.consumer_market = dp.consumer_mau_2023
    model.enterprise_market = dp.enterprise_usd_per_month_2023


def _logistic_step(x: float, rate: float, cap: float) -> float:
    return x + rate * x * (1.0 - x / cap) if cap > 0 else 0.0


def consumer_quality(model: MarketModel, firm: Firm) -> float:
    """Capability a consumer app offers, doublings (see :meth:`sim.agents.Firm.consumer_quality`)."""
    return firm.consumer_quality(model)


def _consumer_apps(model: MarketModel) -> list[Firm]:
    t = model.t
    apps: list[Firm] = []
    for f in model.live_firms:
        f.update_consumer_app(t)
        if f.consumer_active:
            apps.append(f)
    return apps


def step(model: MarketModel) -> None:
    """Clear the consumer, enterprise and vertical markets for this month."""
    dp = model.sc.demand
    model.consumer_market = _logistic_step(model.consumer_market, dp.consumer_growth_per_month, dp.consumer_mau_max)
    model.enterprise_market = _logistic_step(model.enterprise_market, dp.enterprise_maturity_per_month,
                                             dp.enterprise_usd_per_month_max)
    _consumer(model)
    _enterprise(model)
    _verticals(model)


def _consumer(model: MarketModel) -> None:
    dp = model.sc.demand
    front = frontier(model, model.t)
    apps = _consumer_apps(model)
    utils = []
    for f in apps:
        utils.append(f.consumer_utility(model, front))
    shares = _softmax(utils, outside=None)
    for f, s in zip(apps, shares, strict=False):
        f.mau += dp.mau_adjust_per_month * (s * model.consumer_market - f.mau)
    for f in model.live_firms:
        if not f.consumer_active:
            f.mau *= 1.0 - dp.mau_adjust_per_month  # a closed app's users drift away
        f.revenue_consumer_usd = f.mau * dp.arpu_usd_per_month


def _enterprise_utility(model: MarketModel, f: Firm) -> float | None:
    """Utility of ``f`` to an enterprise buyer, or None if it does not sell to enterprises."""
    dp = model.sc.demand
    quality = f.enterprise_quality(model)
    if quality is None:
        return None
    margin = quality - model.open_floor
    relative_price = f.api_price / serving_cost(model, model.t)
    return (dp.enterprise_quality_weight * margin
            - dp.enterprise_price_weight * math.log(max(relative_price, MIN_RELATIVE_PRICE))
            + dp.enterprise_capacity_weight * math.log(max(f.sales_capacity, MIN_SALES_CAPACITY)))


def _enterprise(model: MarketModel) -> None:
    dp = model.sc.demand
    sellers, utils = [], []
    for f in model.live_firms:
        f.learn_sales(dp.sales_learning_per_month)
        u = _enterprise_utility(model, f)
        if u is None:
            f.revenue_enterprise_usd *= 1.0 - dp.enterprise_adjust_per_month
            continue
        sellers.append(f)
        utils.append(u)
    shares = _softmax(utils, outside=dp.self_deploy_utility)
    for f, s in zip(sellers, shares, strict=False):
        f.revenue_enterprise_usd += dp.enterprise_adjust_per_month * (s * model.enterprise_market
                                                                      - f.revenue_enterprise_usd)


def niche_size(model: MarketModel, index: int) -> float:
    """Spending of niche ``index`` this month, USD."""
    n = model.sc.demand.niches[index]
    return n.market_usd_per_month_2025 * n.growth_per_year ** (model.calendar.years_since_2023(model.t)
                                                               - NICHE_SIZE_YEARS_AFTER_2023)


def _verticals(model: MarketModel) -> None:
    dp = model.sc.demand
    by_niche: dict[str, list[Startup]] = {}
    for f in model.live_startups:
        if f.strategy == VERTICAL:
            by_niche.setdefault(f.niche, []).append(f)
        else:
            f.revenue_vertical_usd = 0.0
    for i, niche in enumerate(dp.niches):
        firms = by_niche.get(niche.name, [])
        fits = [1.0 if f.vertical_affinity == niche.name else dp.vertical_outside_fit for f in firms]
        total = sum(fits)
        for f, fit in zip(firms, fits, strict=False):
            target = dp.vertical_capture * niche_size(model, i) * fit / max(total, 1.0)  # a share never above its fit
            f.revenue_vertical_usd += dp.enterprise_adjust_per_month * (target - f.revenue_vertical_usd)


def _softmax(utils: list[float], outside: float | None) -> list[float]:
    """Logit shares of ``utils``; with ``outside`` the shares leave room for an outside option."""
    if not utils:
        return []
    top = max(utils if outside is None else [*utils, outside])
    ex = [math.exp(u - top) for u in utils]
    denom = sum(ex) + (math.exp(outside - top) if outside is not None else 0.0)
    return [e / denom for e in ex]


def hhi(values: list[float]) -> float:
    """Herfindahl-Hirschman index (0-1) of ``values``' shares; 0 when all are zero."""
    total = sum(values)
    if total <= 0:
        return 0.0
    return sum((v / total) ** 2 for v in values)
