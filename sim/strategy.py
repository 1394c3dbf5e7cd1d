"""Strategy: each startup's bounded-rational review of its paths by their expected economics.

Every ``review_interval_months`` (staggered across firms) a startup's board values each path open
to it over ``horizon_months`` ``H`` (USD; docs/ODD.md 7.9, the decision in 4.12):

    V_k = H_k * profit_k - investment_k * H_k / H + (H_k / H) * multiple_k * 12 * revenue_k

* **keep training** (foundation): the API profit of its next model in this month's market
  (:func:`sim.demand.offer_profit`: priced by the pricing rule against the current offers, sold at
  its logit share of the volume), the next model being the better of its current one and what its
  run budget reaches (:func:`sim.technology.reachable_capability`), less the open floor's projected
  catch-up (served on the floor if it falls below it), plus its
  app's margin, less payroll and products; investment: a run every ``release_interval_months``;
  its revenue valued at the venture multiple ``foundation_revenue_multiple`` times sentiment
  relative to its start (investors pay for the race while they are keen); its API revenue counts
  times its *moat*, ``min(1, max(0, q_next - L) / moat_doublings)`` for the projected lead
  ``q_next - L`` over the open floor (an API the free models have caught up with is worth nothing
  extra), its app's revenue in full (an app keeps its users whoever's model it runs; a pivot closes it);
* **integrator**: the API profit of serving the open floor at the open cost, through its cloud
  partner's channel if a giant with a cloud holds a stake, with ``vertical_cost_share`` of payroll;
* **vertical**: the niche that pays best, at its share against the niche's competitors (startups
  and giants), times ``vertical_margin``, with ``vertical_cost_share`` of payroll; pivots value
  revenue at ``services_revenue_multiple``;
* **be acquired**: the best offer a buyer would pay (:func:`sim.exits.offer_price`), an option only
  when it reaches ``exits.sale_floor_share`` of the firm's current mark (its last post-money marked to
  now, :func:`sim.capital.pre_money`: investors hold out for their price while the firm can pay its bills);
* **wind down**: 0 — the firm stops, so it earns and loses nothing more, and the cash it holds
  (common to every path, so left out of every value) goes back to its shareholders. The further
  every other path falls below that, the likelier the board's logit choice closes the firm rather
  than burn its cash: exit when the value of going on falls below the value of stopping
  ([Jovanovic1982], [Hopenhayn1992]).

``H_k`` is cut short when the path's losses and investment would exhaust the cash plus the rounds
the firm expects to raise over the horizon (one per ``round_interval_months``, each its close
probability times its ask); the terminal value is earned in proportion ``H_k / H``. The board picks by a logit over
``V_k / (temperature * H * burn)`` (bounded rationality: boards are not perfect calculators), the
current path getting ``inertia`` in the same units. Pivots are one-way (the technical team is shed:
payroll falls to ``vertical_cost_share``). A review also cuts a side product when runway is below
``cut_runway_months``. A firm's first review comes ``commitment_months`` after it entered (or after the
start): a venture round funds a plan, and boards give it time.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from . import capital, demand, exits
from .calendar import MONTHS_PER_YEAR
from .outputs import EventType
from .states import FOUNDATION, INTEGRATOR, VERTICAL
from .technology import (
    frontier,
    learning_multiplier,
    reachable_capability,
    serving_cost,
    startup_efficiency,
    startup_run_budget,
)

if TYPE_CHECKING:
    from .agents import Startup
    from .model import MarketModel

#: Scenario section of this mechanism's parameters ("" for none) and its section of docs/ODD.md.
SECTION, ODD = 'strategy', '7.9 Strategy'
#: This mechanism in a student's words, for the explorer's About tab: (heading, Markdown paragraph;
#: ``{...}`` fields are filled from the scenario shown by :func:`sim.app_about.mechanisms_html`).
STUDENT = ("Strategy", """\
Every few months a startup's board adds up what each path would earn over the next years: keep
training (what its next model would sell for against the free models, minus the runs), become a
*vertical* (one sector, e.g. medicine) or an *integrator* (deploy open models for companies), sell
the company, or close it and hand the cash back to its investors. It picks the best, with some
randomness (boards are not perfect calculators).""")

#: Guard of divisions (numerical, not behaviour): 1 USD is nothing next to any cost or revenue.
MIN_USD = 1.0
#: Guard of the sentiment ratio (numerical: a scenario may start at zero sentiment).
MIN_SENTIMENT = 1e-9
#: The path of being acquired (a choice at a review; not a strategy a firm keeps).
ACQUIRED = "acquired"
#: The path of winding the firm down (a choice at a review: the firm exits, unsold, keeping its cash for its owners).
WIND_DOWN = "wind_down"


def init(model: MarketModel) -> None:
    """Each startup's review month and the giants with a cloud.

    A startup's review (and fundraising) phase is drawn from the strategy stream, not set by its place
    in the scenario's list: a firm's position must not act as a hidden input (the label-swap
    experiments of docs/null-models.md found that it did)."""
    model.cloud_giants = frozenset(g.name for g in model.giants if g.cloud > 0)
    months = model.sc.strategy.review_interval_months
    for firm in model.live_startups:
        firm.review_offset = int(model.rng_strategy.integers(months))


def projected_floor_gain(model: MarketModel) -> float:
    """Doublings the open floor is expected to gain on the frontier over the next run and interval."""
    sp = model.sc.strategy
    t = model.t
    window = sp.floor_trend_window_months
    past = t - window
    past = past if past > 0 else 0  # max(0, t - window), without a call (as throughout this module)
    narrowing = (model.open_floor - frontier(model, t)) - (model.floor_history[past] - frontier(model, past))
    horizon = model.sc.technology.training_run_months + model.sc.technology.release_interval_months
    return sp.floor_trend_weight * (narrowing if narrowing > 0.0 else 0.0) * horizon / window  # max(0.0, narrowing)


def moat_share(model: MarketModel, capability: float) -> float:
    """The moat of a model of ``capability`` (doublings), already net of the floor's projected catch-up: its lead
    over the open floor as a share of ``moat_doublings``, in [0, 1] (investors value the revenue of a firm that
    leads the free models by that much at the full venture multiple, and one that does not lead them at nothing)."""
    lead = capability - model.open_floor
    share = (lead if lead > 0.0 else 0.0) / model.sc.strategy.moat_doublings  # max(0.0, lead)
    return share if share < 1.0 else 1.0  # min(1.0, share)


def partner_of(model: MarketModel, firm: Startup) -> str:
    """The giant with a cloud that holds a stake in ``firm`` ('' for none; the first in its investor list)."""
    return next((n for n in firm.investors if n in model.cloud_giants), "")


def _horizon(cash: float, monthly: float, investment: float, months: float) -> tuple[float, float]:
    """Months a path can run on ``cash`` at ``monthly`` profit with ``investment`` spread over it, and the share
    of the horizon ``months`` that is (its terminal value is earned in that proportion)."""
    drain = investment / months - monthly
    lasts = months if drain <= 0 else cash / drain
    lasts = lasts if lasts < months else months  # min(months, cash / drain)
    return lasts, lasts / months


def values(model: MarketModel, firm: Startup, rivals: dict[str, float] | None = None) -> dict[str, float]:
    """Value (USD) of each path open to ``firm`` at this review (see the module docstring); ``rivals``: the niches'
    rival fits of this month's reviews (:func:`niche_rivals`)."""
    sp = model.sc.strategy
    H = sp.horizon_months
    rounds = H / model.sc.capital.round_interval_months
    cash = firm.cash_usd
    cash = (0.0 if 0.0 > cash else cash) + rounds * capital.expected_raise(model, firm)  # max(cash_usd, 0.0) + ...
    lean_payroll = firm.payroll_usd * sp.vertical_cost_share
    products = len(firm.side_products) * firm.side_product_usd_per_month
    out: dict[str, float] = {}
    if firm.strategy == FOUNDATION:
        t = model.t
        budget = startup_run_budget(model, firm)
        q_next = reachable_capability(model, t, budget, startup_efficiency(model, firm))
        q = firm.capability
        q = (q if q > q_next else q_next) - projected_floor_gain(model)  # max(q_next, capability) - ...
        moat = moat_share(model, q)
        learned = learning_multiplier(model, firm)
        eff, model_eff = firm.efficiency, firm.model_efficiency
        cost = serving_cost(model, t, model_eff if model_eff > eff else eff) * learned  # max(eff, model_eff)
        if q < model.open_floor:  # a model below the open floor: it would serve the floor instead
            q, cost = model.open_floor, demand.open_serving_cost(model) * learned
        api, api_rev = demand.offer_profit(model, firm, q, cost, firm.sales_capacity)
        app = firm.revenue_consumer_usd - firm.mau * model.sc.consumer.tokens_per_mau_month \
            * firm.app_serving_cost(model) - firm.marketing_spend_usd
        monthly = api + app - firm.payroll_usd - products
        runs = H / model.sc.technology.release_interval_months * budget
        months, lasts = _horizon(cash, monthly, runs, H)
        initial = model.sc.capital.sentiment_initial
        multiple = sp.foundation_revenue_multiple * model.sentiment \
            / (MIN_SENTIMENT if MIN_SENTIMENT > initial else initial)  # max(initial, MIN_SENTIMENT)
        out[FOUNDATION] = months * monthly - runs * months / H \
            + lasts * multiple * MONTHS_PER_YEAR * (moat * api_rev + firm.revenue_consumer_usd)
        partner = model.firm_by_name.get(partner_of(model, firm))
        shared = partner.sales_capacity * sp.partner_capacity_share if partner else 0.0
        own = firm.sales_capacity
        capacity = shared if shared > own else own  # max(own, shared)
        integ, integ_rev = demand.offer_profit(model, firm, model.open_floor, demand.open_serving_cost(model) * learned,
                                               capacity)
        out[INTEGRATOR] = _pivot_value(model, cash, integ - lean_payroll, integ_rev)
        niche = best_niche(model, firm, rivals)
        if niche is not None:
            rev = niche[1]
            out[VERTICAL] = _pivot_value(model, cash, rev * sp.vertical_margin - lean_payroll, rev)
    else:
        monthly = firm.revenue_usd() - firm.serving_usd - firm.operating_usd()
        out[firm.strategy] = _pivot_value(model, cash, monthly, firm.revenue_usd())
    price = exits.offer_price(model, firm, chosen=True)
    if price > 0 and price >= model.sc.exits.sale_floor_share * capital.pre_money(model, firm):
        out[ACQUIRED] = price  # investors sell only at the firm's current mark or better
    out[WIND_DOWN] = 0.0  # stop now: no more profit or loss, the cash goes back to the shareholders
    return out


def _pivot_value(model: MarketModel, cash: float, monthly: float, revenue: float) -> float:
    sp = model.sc.strategy
    months, lasts = _horizon(cash, monthly, 0.0, sp.horizon_months)
    return months * monthly + lasts * sp.services_revenue_multiple * MONTHS_PER_YEAR * revenue


def best_niche(model: MarketModel, firm: Startup, rivals: dict[str, float] | None = None) -> tuple[str, float] | None:
    """(niche, monthly revenue) of the niche that would pay ``firm`` the most as a vertical; None if none.
    ``rivals``: the niches' rival fits of this month's reviews (:func:`niche_rivals`)."""
    niches = model.sc.demand.niches
    if not niches:
        return None
    fit = demand.vertical_fit(model, firm)
    best = None
    for i, n in enumerate(niches):
        rev = demand.niche_share(model, i, fit, niche_rivals(model, n.name, firm, rivals)) * demand.niche_size(model, i)
        if best is None or rev > best[1]:
            best = (n.name, rev)
    return best


def niche_rivals(model: MarketModel, name: str, firm: Startup, rivals: dict[str, float] | None) -> float:
    """:func:`sim.demand.niche_rivals_fit` of niche ``name`` without ``firm``, read from ``rivals`` (niche -> the
    fit of its firms, filled on first ask) when ``firm`` is not one of the niche's firms.

    :func:`step` keeps one ``rivals`` for a month's reviews, so a niche's fits are summed once (in the order of the
    live startups, to the same last bit) rather than once per review: a sum over every startup for each review made
    a month's reviews grow with the square of the number of firms. A pivot into a niche drops its entry."""
    if rivals is None or (firm.strategy == VERTICAL and firm.niche == name):
        return demand.niche_rivals_fit(model, name, exclude=firm)
    fit = rivals.get(name)
    if fit is None:
        fit = rivals[name] = demand.niche_rivals_fit(model, name)
    return fit


def choose(model: MarketModel, firm: Startup, vals: dict[str, float]) -> str:
    """Logit choice among ``vals`` (USD) at the strategy temperature, in units of the firm's burn over the horizon."""
    sp = model.sc.strategy
    burn = firm.total_burn_usd()
    scale = sp.temperature * sp.horizon_months * (MIN_USD if MIN_USD > burn else burn)  # max(burn, MIN_USD)
    names = list(vals)
    utils = [vals[n] / scale + (sp.inertia if n == firm.strategy else 0.0) for n in names]
    top = max(utils)
    weights = [math.exp(u - top) for u in utils]
    x = model.rng_strategy.random() * sum(weights)
    for n, w in zip(names, weights, strict=True):
        x -= w
        if x < 0:
            return n
    return names[-1]


def step(model: MarketModel) -> None:
    """Reviews for the startups whose turn it is."""
    sp = model.sc.strategy
    rivals: dict[str, float] = {}  # niche -> the fit of its firms, for this month's reviews (niche_rivals)
    for firm in list(model.live_startups):
        if (model.t - firm.review_offset) % sp.review_interval_months or firm.defaulted \
                or model.t - firm.entry_step < sp.commitment_months:
            continue
        if firm.side_products and firm.runway_months() < sp.cut_runway_months:
            cut = firm.side_products.pop()
            model.log(firm.name, EventType.PRODUCT_CUT, detail=f"closes {cut} to concentrate resources")
        new = choose(model, firm, values(model, firm, rivals))
        if new == ACQUIRED:
            firm.sell_decision = True
        elif new == WIND_DOWN:
            firm.wind_down_decision = True
        elif new != firm.strategy:
            pivot(model, firm, new, rivals)


def pivot(model: MarketModel, firm: Startup, new: str, rivals: dict[str, float] | None = None) -> None:
    """Stop training foundation models and become a vertical or an integrator (``rivals``: see :func:`niche_rivals`;
    a vertical's niche's entry is dropped from it)."""
    firm.strategy = new
    firm.pivot_step = model.t
    firm.staff = max(1, round(firm.staff * model.sc.strategy.vertical_cost_share))
    firm.consumer_active = False
    firm.run_installments.clear()
    firm.run_done_step = -1
    if new == VERTICAL:
        niche = best_niche(model, firm, rivals)
        firm.niche = niche[0] if niche else ""
        if rivals is not None:
            rivals.pop(firm.niche, None)  # the niche has one more firm
        model.log(firm.name, EventType.PIVOT, niche=firm.niche, detail=f"pivots to {firm.niche}")
    else:
        firm.partner = partner_of(model, firm)
        detail = "becomes an integrator of open models" + (f" with {firm.partner} cloud" if firm.partner else "")
        model.log(firm.name, EventType.PIVOT, partner=firm.partner, detail=detail)
