"""Exits: a startup that runs out of money, or whose board chose to sell, leaves the market.

Each month a live startup exits when it defaulted on its bills (:mod:`sim.accounts`), when its
runway is below ``exit_runway_months`` and no round closed this month, or when its board chose to
be acquired or to wind down at its last review (:mod:`sim.strategy`). A firm wound down is not
sold: it stops, its cash goes back to its shareholders (outside the model), and its users and
customers return to the market, as in a shutdown.

A buyer values the firm's assets at

    V = user_value_usd * MAU + acquihire_usd_per_executive * executives in post
        + acquisition_revenue_multiple * 12 * monthly revenue

and pays ``V`` in a chosen sale or ``fire_sale_share * V`` when the firm is out of money. Buyers are
the giants and the foundation startups whose cash, less ``buyer_reserve_months`` of their own
spending, covers the price; a giant that holds a stake comes first (it knows the firm), then the
richest. The buyer pays the price to the firm's shareholders, who are outside the model (a cost of
the buyer's), and the assets move: ``user_retention`` of its users join the buyer's app (if it has one),
``customer_retention`` of its API customers (token share) move to the buyer, and its executives in
post join the buyer (a startup buyer takes them on as its own). With no buyer, or a price under
``min_deal_usd``, the firm shuts down: its users and customers return to the market.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING

from . import capital
from .calendar import MONTHS_PER_YEAR
from .outputs import EXIT_ACQUIRED, EXIT_FIRE_SALE, EXIT_SHUTDOWN, EXIT_WOUND_DOWN, EventType
from .states import EXITED, FOUNDATION

if TYPE_CHECKING:
    from .agents import Firm, Startup
    from .model import MarketModel

#: Scenario section of this mechanism's parameters ("" for none) and its section of docs/ODD.md.
SECTION, ODD = 'exits', '7.10 Exits and acquisitions'
#: This mechanism in a student's words, for the explorer's About tab: (heading, Markdown paragraph;
#: ``{...}`` fields are filled from the scenario shown by :func:`sim.app_about.mechanisms_html`).
STUDENT = ("Exits", """\
A startup that cannot pay its bills, or has under {exit_runway_months:g} months of cash and no new
round, leaves: sold cheaply to a giant or a richer rival (its users, customers and leaders move to
the buyer), or shut down. A board may also choose to sell, or to close a firm that only loses
money while it can still pay its bills.""")


def init(model: MarketModel) -> None:
    """Exits keep no model-level state."""


def value(model: MarketModel, firm: Startup) -> float:
    """What a buyer thinks the firm's assets are worth, USD (see the module docstring)."""
    xp = model.sc.exits
    return (xp.user_value_usd * firm.mau + xp.acquihire_usd_per_executive * firm.executive_counts()[0]
            + xp.acquisition_revenue_multiple * MONTHS_PER_YEAR * firm.revenue_usd())


def able_buyers(model: MarketModel, firm: Startup, price: float) -> Iterator[Firm]:
    """The firms that could buy ``firm`` at ``price``, one by one: the giants, then the foundation startups (but
    ``firm``), whose cash less ``buyer_reserve_months`` of their own spending covers it."""
    reserve = model.sc.exits.buyer_reserve_months
    for g in model.giants:
        if g.cash_usd - reserve * g.burn_usd() >= price:
            yield g
    for s in model.live_startups:
        if s is not firm and s.strategy == FOUNDATION and not s.defaulted \
                and s.cash_usd - reserve * s.total_burn_usd() >= price:
            yield s


def buyer_for(model: MarketModel, firm: Startup, price: float) -> Firm | None:
    """The buyer of ``firm`` at ``price``: an investing giant first, then the richest firm that can pay."""
    able = list(able_buyers(model, firm, price))
    if not able:
        return None
    owners = [b for b in able if b.name in firm.investors]
    return max(owners or able, key=lambda b: b.cash_usd)


def offer_price(model: MarketModel, firm: Startup, chosen: bool) -> float:
    """The price a buyer would pay for ``firm`` now (0 if nobody can): ``V``, or the fire-sale share of it.

    Whether anyone can pay is decided by the first able buyer (:func:`able_buyers`, usually a giant): every board's
    review asks, and a pass over every firm for each would make a month's reviews grow with the square of the
    number of firms."""
    price = value(model, firm) * (1.0 if chosen else model.sc.exits.fire_sale_share)
    if price < model.sc.exits.min_deal_usd:
        return 0.0
    return price if next(able_buyers(model, firm, price), None) is not None else 0.0


def step(model: MarketModel) -> None:
    """Exit every startup that defaulted, ran out of runway without a round, chose to sell or chose to wind down."""
    xp = model.sc.exits
    for firm in list(model.live_startups):
        broke = firm.defaulted or (firm.runway_months() < xp.exit_runway_months and model.t > firm.last_round_step)
        if broke or firm.sell_decision or firm.wind_down_decision:
            exit_firm(model, firm, chosen=firm.sell_decision and not broke,
                      wound_down=firm.wind_down_decision and not broke)


def exit_firm(model: MarketModel, firm: Startup, chosen: bool, wound_down: bool = False) -> None:
    """The firm leaves: sold (assets move to the buyer), shut down, or wound down by its board (no sale)."""
    xp = model.sc.exits
    price = value(model, firm) * (1.0 if chosen else xp.fire_sale_share)
    buyer = buyer_for(model, firm, price) if price >= xp.min_deal_usd and not wound_down else None
    stage = EXIT_WOUND_DOWN if wound_down else EXIT_SHUTDOWN
    if buyer is not None:
        stage = EXIT_ACQUIRED if chosen else EXIT_FIRE_SALE
        buyer.pay(price)  # to the firm's shareholders, who are outside the model
        _move_assets(model, firm, buyer)
    for ex in firm.executives:
        if ex.status == "in_post":
            ex.status = "released"
            ex.destination = f"giant:{buyer.name}" if buyer is not None and buyer.kind == "giant" else \
                (f"acquired:{buyer.name}" if buyer is not None else "shut down")
            ex.left_step = model.t
    firm.strategy = EXITED
    firm.consumer_active = False
    firm.run_installments.clear()
    firm.mau = 0.0  # this month's revenue is already booked; begin_month clears it from next month on
    firm.token_share = firm.tokens_mtok = 0.0
    firm.api_price = math.nan
    firm.api_cost = None
    name = buyer.name if buyer is not None else ""
    detail = {EXIT_SHUTDOWN: "shuts down", EXIT_FIRE_SALE: f"sold in a fire sale to {name}",
              EXIT_ACQUIRED: f"acquired by {name}", EXIT_WOUND_DOWN: "winds down"}[stage]
    model.log(firm.name, EventType.EXIT, amount_usd=price if buyer is not None else max(firm.cash_usd, 0.0),
              acquirer=name, stage=stage, detail=detail)
    model.exits_this_month += 1
    capital.record_exit(model)
    model.on_exit(firm)


def _move_assets(model: MarketModel, firm: Startup, buyer: Firm) -> None:
    """Users, API customers and executives in post move to the buyer."""
    xp = model.sc.exits
    if buyer.consumer_active:
        buyer.mau += xp.user_retention * firm.mau
    buyer.token_share += xp.customer_retention * firm.token_share
    if buyer.kind == "startup":
        moved = [e for e in firm.executives if e.status == "in_post"]
        for e in moved:
            e.firm = buyer
            buyer.executives.append(e)  # type: ignore[attr-defined]
        firm.executives = [e for e in firm.executives if e not in moved]
        buyer.staff += round(firm.staff * xp.staff_retention)  # type: ignore[attr-defined]
