"""Pricing: every firm with an API sets its list price each month, USD per million tokens.

Buyers choose among API offers by the logit utility of :mod:`sim.demand`,

    u_i = b_q q_i - a ln p_i + b_k ln k_i          (q quality in doublings, p price, k service capacity),

with an outside option ``u_0`` (deploying the open floor themselves). A seller's price is a
bounded-rational Bertrand rule (ODD 7.3; Berry 1994 for the demand system, Anderson, de Palma &
Thisse 1992 for logit best responses):

1. **Best response** in that (nested) demand system to its current share ``s`` and share of its
   nest ``s_n`` (1 for a closed model): the first-order condition with log-price utility gives
   ``p_BR = c e / (e - 1)`` for the elasticity ``e = a (1 - rho s_n - (1 - rho) s) / (1 - rho)``
   (``a (1 - s)`` for a closed model; ``rho`` the open nest's parameter, :mod:`sim.demand`); where
   ``e <= 1`` (demand too inelastic for an interior optimum) the markup is capped at
   ``max_markup``, as it is everywhere. Offers of the open floor compete with each other hard, so
   their markups are thin.
2. **Limit price**: never so dear that the best-value rival offer (last month's prices; the
   self-deployed open floor included) gives buyers more than ``switching_utility`` more utility,
   ``p_lim = exp((b_q q_i + b_k ln k_i - max_j u_j + tau) / a)``. Switching costs keep buyers with
   their supplier until a rival is better by ``tau`` (Klemperer 1995); a seller facing such a rival
   meets it. This is how a cheap open entrant's price spreads, while small quality differences
   among closed models leave each at its best response.
3. **Loss floor**: below its cost ``c`` only as far as its budget allows: ``p >= c (1 - d)``, the
   subsidy depth ``d = min(max_subsidy, L / (c x))``, ``L`` the firm's monthly loss allowance
   (:meth:`sim.agents.Firm.loss_allowance_usd`) and ``x`` the tokens it sold last month. A firm
   that cannot afford to meet the limit price keeps a higher price and loses volume.

Open labs price at cost times ``1 + open_price_markup`` (their parent funds research, not a
price war). A price fall of at least ``price_cut_threshold`` in a month is a ``price_cut`` event.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from .outputs import EventType

if TYPE_CHECKING:
    from .agents import Firm
    from .model import MarketModel

#: Scenario section of this mechanism's parameters ("" for none) and its section of docs/ODD.md.
SECTION, ODD = 'pricing', '7.3 Pricing'
#: This mechanism in a student's words, for the explorer's About tab: (heading, Markdown paragraph;
#: ``{...}`` fields are filled from the scenario shown by :func:`sim.app_about.mechanisms_html`).
STUDENT = ("Prices", """\
Each month every firm sets its API price: a markup over its serving cost, but never dearer than
the best rival offer of similar value. When a cheap open model arrives, rivals must meet its price;
they go below cost only as far as their budget allows (*loss-leading*).""")

#: Least price, USD per million tokens: a numerical guard for the logarithm (a thousandth of a cent per
#: million tokens is "free"; giants' free light models are priced at it).
MIN_PRICE = 1e-5
#: ``a (1 - s)`` must exceed 1 by this for the interior best response (numerical guard against a division by 0).
MIN_ELASTIC_MARGIN = 1e-6

# The rule runs for every offer every month: its bounds are written as ``b if b < a else a`` (= ``min(a, b)``,
# the same value in every case, NaN and signed zeros included) rather than as calls of the builtin ``min`` and
# ``max``, which cost about ten times as much in Python 3.11 (docs/performance.md).


def init(model: MarketModel) -> None:
    """Pricing keeps no model-level state: prices are the firms' own (``api_price``, ``logged_price``)."""


def best_response(model: MarketModel, cost: float, share: float, nest_share: float = 1.0) -> float:
    """Nested-logit best-response price at marginal ``cost`` (USD/Mtok), token ``share`` and share within its
    nest ``nest_share`` (1 for a closed model, a nest of its own), capped at ``max_markup``."""
    cap = model.sc.pricing.max_markup
    rho = model.sc.demand.open_nest_correlation
    a = model.sc.demand.price_weight * (1.0 - rho * nest_share - (1.0 - rho) * share) / (1.0 - rho)
    markup = a / (a - 1.0) if a > 1.0 + MIN_ELASTIC_MARGIN else cap
    return cost * (cap if cap < markup else markup)  # min(markup, cap)


def limit_price(model: MarketModel, merit: float, best_rival_utility: float) -> float:
    """Highest price at which an offer of non-price utility ``merit`` (``b_q q + b_k ln k``) stays within
    ``switching_utility`` of the best rival (beyond it, its buyers would switch)."""
    pp = model.sc.pricing
    return math.exp((merit - best_rival_utility + pp.switching_utility) / model.sc.demand.price_weight)


def loss_floor(model: MarketModel, firm: Firm, cost: float) -> float:
    """Least price the firm's budget lets it charge at ``cost``: cost times (1 - affordable subsidy depth)."""
    pp = model.sc.pricing
    volume, guess = firm.tokens_mtok, pp.volume_guess_share * model.api_tokens_mtok
    if guess > volume:
        volume = guess  # max(tokens sold, the guess)
    allowance = firm.loss_allowance_usd(model)
    depth = 0.0
    if volume > 0 and cost > 0:
        affordable = allowance / (cost * volume)
        depth = affordable if affordable < pp.max_subsidy else pp.max_subsidy  # min(max_subsidy, L / (c x))
    if depth < 0.0:
        depth = 0.0
    return cost * (1.0 - depth)


def rule_price(model: MarketModel, firm: Firm, merit: float, cost: float, share: float, best_rival: float,
               nest_share: float = 1.0) -> float:
    """The pricing rule of the module docstring for one offer."""
    target, limit = best_response(model, cost, share, nest_share), limit_price(model, merit, best_rival)
    if limit < target:
        target = limit  # the lower of the two
    floor = loss_floor(model, firm, cost)
    price = floor if floor > target else target  # never below the loss floor ...
    return MIN_PRICE if MIN_PRICE > price else price  # ... nor the least price


def step(model: MarketModel) -> None:
    """Every firm quotes its offer, then prices it against last month's best rival offers."""
    from . import demand  # demand reads this module's prices: a function-level import keeps the cycle safe

    offers = demand.current_offers(model)
    utils = [u for _, _, _, u in offers]
    top = demand.top_two(utils, model.outside_utility)
    pp = model.sc.pricing
    for (firm, merit, cost, u_last) in offers:
        if firm.open_prices:
            price = cost * (1.0 + pp.open_price_markup)
        else:
            best_rival = top[1] if u_last == top[0] else top[0]
            nest_share = firm.nest_share if demand.in_open_nest(model, firm.api_quality) else 1.0
            price = rule_price(model, firm, merit, cost, firm.token_share, best_rival, nest_share)
        _set_price(model, firm, price)
    for firm in model.live_firms:
        if firm.api_cost is None:
            firm.api_price = math.nan


def _set_price(model: MarketModel, firm: Firm, price: float) -> None:
    firm.api_price = price
    last = firm.logged_price
    if not math.isnan(last) and price <= last * (1.0 - model.sc.pricing.price_cut_threshold):
        model.log(firm.name, EventType.PRICE_CUT, price_from=last, price_to=price,
                  detail=f"API price {last:.3f} -> {price:.3f} USD/Mtok")
    firm.logged_price = price
