"""Demand: the API (enterprise) token market and the vertical niches, cleared once a month.

**Tokens.** Potential spending ``E(t)`` (USD per month at the reference price ``P0``) matures
slowly (logistic at ``enterprise_maturity_per_month``: enterprise buyers pay cautiously). The
tokens demanded respond to the market's price index ``P`` with a constant elasticity:

    Q(t) = E(t) / P0 * (P / P0) ** -price_elasticity      (million tokens per month)

("price down 10x, volume up 10x" was the industry's reading in 2024: elasticity 1). Buyers split
``Q`` among the API offers and the outside option (deploying the open floor themselves, at
``self_host_cost_multiple`` times the open floor's serving cost) by logit shares of

    u_i = quality_weight (q_i - F) - price_weight ln p_i + capacity_weight ln k_i + xi_i,
    u_0 = quality_weight (L - F) - price_weight ln p_0 + self_deploy_utility,

``q`` the offer's quality in doublings (a firm whose own model is below the open floor serves the
floor), ``F`` the frontier, ``k`` its service capacity (a giant's cloud, a startup's sales force),
``xi`` a startup's standing (0 for giants and open labs; :func:`update_standing`); the outside
option serves the open floor ``L`` at ``p_0``, self-hosting's cost, with no capacity term.
The shares are a *nested* logit ([Berry1994], [Cardell1997]): the offers of the open floor itself
(integrators, the open labs' own APIs, every firm whose model is not above the floor, and
self-hosting) form one nest of near-identical products with nesting parameter
``rho = open_nest_correlation``; each closed model above the floor is a nest of its own. With
``D = sum over the nest of exp(u_j / (1 - rho))``, an offer ``j`` of the nest wins

    s_j = exp(u_j / (1 - rho)) / D  x  D ** (1 - rho) / (sum over closed offers of exp(u_i) + D ** (1 - rho)),

so a new integrator of the same open model mostly divides the nest's buyers instead of adding
buyers of its own (the plain logit's independence of irrelevant alternatives would hand each
one as many as a closed model), and within the nest price and service weigh ``1 / (1 - rho)``
times as much. Contracts are sticky: a seller's share (and its share of its nest, which its price
responds to) closes ``enterprise_adjust_per_month`` of the gap to its
logit share each month. ``P`` is the share-weighted price of the target shares, the outside
option's cost included. Revenue is ``p x`` and serving cost ``c x`` for ``x`` tokens sold
(:mod:`sim.accounts`), so a price below cost loses money on every token.

**Verticals.** Each niche's spending grows on its own; vertical startups and the giants that
entered it share ``vertical_capture`` of it in proportion to their fit (a startup's service
capacity times ``exp(xi)``; a giant's cloud times ``giant_vertical_fit``), with an outside option of fit
``niche_outside_fit``. A giant with a cloud enters a niche once the niche's spending passes
``giant_niche_entry_usd_per_month`` times one plus the giants already in it, so a vertical is a
haven only while it is small.

**Standing.** A live startup's standing with enterprise buyers ``xi`` (utility) follows an AR(1),
``xi <- standing_persistence * xi + standing_sd_per_month * N(0, 1)`` at the start of each month
(a stream of its own per startup): the unobserved product characteristic of [Berry1994], contracts
won or lost. It adds to the utility of the startup's API offer and multiplies its niche fit by
``exp(xi)``. The standing itself is stationary (persistent unobserved heterogeneity, not growth);
with customer capital (a startup's service capacity follows the business it wins,
:meth:`sim.agents.Startup.learn_sales`) its differences are amplified into lasting differences in
size by increasing returns ([Arthur1989]). Giants and open labs have no standing: their books are
thousands of contracts.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

from . import pricing
from .pricing import MIN_PRICE
from .states import VERTICAL
from .technology import frontier, serving_cost

if TYPE_CHECKING:
    from .agents import Firm
    from .model import MarketModel

#: Niche sizes are given for 2025-01 (``market_usd_per_month_2025``), two years after the trends' 2023-01 anchor.
NICHE_SIZE_YEARS_AFTER_2023 = 2.0
#: Floor of a service capacity inside ``ln k`` (numerical guard: a firm with no capacity is priced out either way).
MIN_CAPACITY = 1e-3

#: Scenario section of this mechanism's parameters ("" for none) and its section of docs/ODD.md.
SECTION, ODD = 'demand', '7.4 Demand'
#: This mechanism in a student's words, for the explorer's About tab: (heading, Markdown paragraph;
#: ``{...}`` fields are filled from the scenario shown by :func:`sim.app_about.mechanisms_html`).
STUDENT = ("Customers", """\
Companies buy tokens: more when prices fall (*price elasticity*), from the offer with the best
quality for its price and service. Firms that all resell the same free open model compete
hardest with each other, so the cheapest and best-served of them wins most of those buyers.
A startup's *standing* with buyers drifts with the contracts it wins and loses{standing_off}, and
its sales team grows with the business it has (*customer capital*{capital_off}): with both, early
luck can snowball.
Enterprise demand matures slowly. Niches (medicine, coding ...) grow on their own, and giants
move in once they are big.""")


def init(model: MarketModel) -> None:
    """Market sizes, the last month's token volume and the niches the giants have entered."""
    dp = model.sc.demand
    model.enterprise_market = dp.enterprise_usd_per_month_2023
    model.api_tokens_mtok = dp.enterprise_usd_per_month_2023 / dp.reference_price_usd_per_mtok
    model.price_index = dp.reference_price_usd_per_mtok
    model.outside_utility = -math.inf
    model.self_host_price = dp.reference_price_usd_per_mtok
    model.offer_board = OfferBoard([], [], [])  # this month's API offers (sellers, utilities at their prices, nests)
    model.open_nest_share = 0.0  # the open nest's share of the token market, self-hosting included
    model.niche_giants = {n.name: [] for n in dp.niches}


def logistic_step(x: float, rate: float, cap: float) -> float:
    """One month of logistic growth of ``x`` at ``rate`` towards ``cap``."""
    return x + rate * x * (1.0 - x / cap) if cap > 0 else 0.0


def open_serving_cost(model: MarketModel) -> float:
    """USD per million tokens to serve the open floor's model (at the efficiency of the lab that released it)."""
    return serving_cost(model, model.t, model.best_open_efficiency)


def merit(model: MarketModel, quality: float, capacity: float, standing: float) -> float:
    """Non-price utility of an offer (utility): ``quality_weight (q - F) + capacity_weight ln k + xi`` (``xi`` the
    seller's standing)."""
    dp = model.sc.demand
    k = MIN_CAPACITY if MIN_CAPACITY > capacity else capacity  # max(capacity, MIN_CAPACITY), without a call
    return dp.quality_weight * (quality - frontier(model, model.t)) + dp.capacity_weight * math.log(k) + standing


def update_outside(model: MarketModel) -> None:
    """Utility of deploying the open floor in-house (the buyers' outside option)."""
    dp = model.sc.demand
    cost = open_serving_cost(model) * dp.self_host_cost_multiple
    model.self_host_price = cost
    model.outside_utility = (dp.quality_weight * (model.open_floor - frontier(model, model.t))
                             - dp.price_weight * math.log(cost) + dp.self_deploy_utility)


def current_offers(model: MarketModel) -> list[tuple[Firm, float, float, float]]:
    """This month's API offers: (firm, merit, serving cost USD/Mtok, utility at last month's price).

    Sets each firm's ``api_quality`` and ``api_cost`` (None: no API this month) and the outside option."""
    update_outside(model)
    a = model.sc.demand.price_weight
    offers = []
    for f in model.live_firms:
        offer = f.api_offer(model)
        if offer is None:
            f.api_cost = None
            continue
        quality, cost, capacity = offer
        f.api_quality, f.api_cost = quality, cost
        m = merit(model, quality, capacity, f.standing)
        last = f.logged_price
        if math.isnan(last):
            last = cost * (1.0 + model.sc.pricing.open_price_markup) if f.open_prices else \
                pricing.best_response(model, cost, 0.0)
        f.api_merit = m
        offers.append((f, m, cost, m - a * math.log(MIN_PRICE if MIN_PRICE > last else last)))
    return offers


def top_two(utils: list[float], outside: float) -> tuple[float, float]:
    """The highest and second-highest of ``utils`` and ``outside``."""
    best, second = outside, -math.inf
    for u in utils:
        if u > best:
            best, second = u, best
        elif u > second:
            second = u
    return best, second


def step(model: MarketModel) -> None:
    """Clear the API token market and the vertical niches for this month (prices are set by :mod:`pricing`)."""
    dp = model.sc.demand
    model.enterprise_market = logistic_step(model.enterprise_market, dp.enterprise_maturity_per_month,
                                            dp.enterprise_usd_per_month_max)
    _api_market(model)
    _verticals(model)


def standing_shocks(model: MarketModel) -> Iterator[float] | None:
    """The innovations of a new startup's standing, ``standing_sd_per_month * N(0, 1)`` for each month left in the
    run (utility), from a stream of its own: the next child of the demand seed (:class:`numpy.random.SeedSequence`
    spawns them in order of creation), so that a firm's draws do not depend on which other firms exist or exit
    (common random numbers firm by firm). None when the standing is switched off."""
    sd = model.sc.demand.standing_sd_per_month
    if sd <= 0.0:
        return None
    rng = np.random.default_rng(model.demand_seeds.spawn(1)[0])
    return iter((sd * rng.standard_normal(model.calendar.n_steps - model.t)).tolist())


def update_standing(model: MarketModel, firm: Firm) -> None:
    """A live startup's standing with enterprise buyers moves by one AR(1) step, at the start of each month
    (before prices are set, so that every mechanism of the month sees the same standing):
    ``xi <- standing_persistence * xi + shock`` (utility; :func:`standing_shocks`)."""
    shocks = firm.standing_shocks
    if shocks is not None:
        firm.standing = model.sc.demand.standing_persistence * firm.standing + next(shocks)


def in_open_nest(model: MarketModel, quality: float) -> bool:
    """Whether an offer of ``quality`` (doublings) is one of the open floor's (not above it)."""
    return quality <= model.open_floor


def nest_scale(model: MarketModel) -> float:
    """``1 / (1 - rho)``: how much more a utility difference weighs inside the open nest."""
    return 1.0 / (1.0 - model.sc.demand.open_nest_correlation)


def nest_terms(utils: list[float], nested: list[bool], top: float, scale: float) -> tuple[list[float], list[float]]:
    """The logit terms of offers with utilities ``utils`` (``nested``: in the open nest) against the highest utility
    ``top``: (``exp((u - top) / (1 - rho))`` for an offer of the open nest, else 0; ``exp(u - top)`` for a closed
    offer, else 0), ``scale`` being :func:`nest_scale`."""
    inner = [math.exp((u - top) * scale) if n else 0.0 for u, n in zip(utils, nested, strict=True)]
    closed = [0.0 if n else math.exp(u - top) for u, n in zip(utils, nested, strict=True)]
    return inner, closed


def nest_sums(inner: list[float], closed: list[float], inner0: float, scale: float) -> tuple[float, float, float]:
    """(``D``, the open nest's total share, the denominator of a closed offer's share) of the terms ``inner`` and
    ``closed`` of :func:`nest_terms`, the outside option's term within the open nest being ``inner0``: the offers'
    terms are summed in their order (the order of every sum is part of the result, to the last bit)."""
    d = sum(inner) + inner0
    nest = d ** (1.0 / scale)
    denom = sum(closed) + nest
    return d, nest / denom, denom


def nested_shares(model: MarketModel, utils: list[float], nested: list[bool]) -> tuple[list[float], list[float],
                                                                                        float, float]:
    """Nested-logit shares (module docstring) of offers with utilities ``utils`` (``nested``: in the open nest),
    the self-hosting outside option in the open nest: (shares, shares within their nest, outside share, the
    open nest's total share). A closed offer's share within its nest is 1."""
    scale = nest_scale(model)
    top = max([model.outside_utility, *utils])
    inner, closed = nest_terms(utils, nested, top, scale)
    inner0 = math.exp((model.outside_utility - top) * scale)
    d, nest_total, denom = nest_sums(inner, closed, inner0, scale)
    shares, within = [], []
    for c, i, n in zip(closed, inner, nested, strict=True):
        if n:
            within.append(i / d)
            shares.append(i / d * nest_total)
        else:
            within.append(1.0)
            shares.append(c / denom)
    return shares, within, inner0 / d * nest_total, nest_total


class OfferBoard:
    """This month's API offers, as the market cleared them (:func:`_api_market`) and as every board's valuation of a
    prospective offer sees them (:func:`offer_profit`): the sellers, their utilities at their prices and whether
    each is in the open nest, in the order of the live firms. A firm's rivals are the offers less its own.

    A valuation sums the logit terms of every rival offer, so it costs a pass over the offers; a month's reviews
    value up to two prospective offers per reviewing startup, which made that part of a month grow with the square
    of the number of firms. The board computes the offers' terms once per month and per highest utility (the
    reference ``top`` of the exponentials: nearly always the best rival offer, one of two values in a month) and
    hands each valuation its rivals' terms as a copy less its own entry. The sums keep their order (the
    prospective offer first, then its rivals in the order of the offers), so every result is the same to the last
    bit; what is left per valuation is that copy and the sums, in C."""

    __slots__ = ("sellers", "utils", "nested", "terms")

    def __init__(self, sellers: list[Firm], utils: list[float], nested: list[bool]) -> None:
        self.sellers, self.utils, self.nested = sellers, utils, nested
        self.terms: dict[float, tuple[list[float], list[float]]] = {}  # top -> nest_terms of every offer

    def rivals(self, firm: Firm, values: list) -> list:
        """``values`` (one per offer, in their order) less ``firm``'s own offer's."""
        try:
            i = self.sellers.index(firm)
        except ValueError:  # no offer of its own this month
            return values
        return values[:i] + values[i + 1:]

    def rival_terms(self, firm: Firm, top: float, scale: float) -> tuple[list[float], list[float]]:
        """:func:`nest_terms` of ``firm``'s rivals against ``top``."""
        terms = self.terms.get(top)
        if terms is None:
            terms = self.terms[top] = nest_terms(self.utils, self.nested, top, scale)
        return self.rivals(firm, terms[0]), self.rivals(firm, terms[1])


def _api_market(model: MarketModel) -> None:
    dp = model.sc.demand
    a = dp.price_weight
    sellers = [f for f in model.live_firms if f.api_cost is not None]
    utils = []
    for f in sellers:
        p = f.api_price
        utils.append(f.api_merit - a * math.log(MIN_PRICE if MIN_PRICE > p else p))  # max(p, MIN_PRICE)
    nested = [in_open_nest(model, f.api_quality) for f in sellers]
    shares, within, outside, nest_total = nested_shares(model, utils, nested)
    index = 0  # sum(s * f.api_price for ...), in the same order from the same start, without the generator
    for s, f in zip(shares, sellers, strict=True):
        index += s * f.api_price
    index += outside * model.self_host_price
    model.price_index = index
    model.offer_board = OfferBoard(sellers, utils, nested)
    model.open_nest_share = nest_total
    p0 = dp.reference_price_usd_per_mtok
    volume = model.enterprise_market / p0 * (index / p0) ** (-dp.price_elasticity)
    model.api_tokens_mtok = volume
    lam = dp.enterprise_adjust_per_month
    for f, s, w in zip(sellers, shares, within, strict=True):
        f.token_share += lam * (s - f.token_share)
        f.nest_share += lam * (w - f.nest_share)  # its share of the nest's buyers is as sticky as its token share
        f.tokens_mtok = f.token_share * volume
        f.served_mtok += f.tokens_mtok
        f.revenue_enterprise_usd = f.api_price * f.tokens_mtok
    for f in model.live_firms:
        if f.api_cost is None:
            f.token_share *= 1.0 - lam  # contracts run off
            f.tokens_mtok = 0.0
            f.revenue_enterprise_usd = 0.0


def offer_profit(model: MarketModel, firm: Firm, quality: float, cost: float, capacity: float) -> tuple[float, float]:
    """(gross profit, revenue), USD per month, that ``firm`` would make on an API offer of ``quality``,
    serving ``cost`` and ``capacity`` in this month's market: priced by the pricing rule against the
    other offers at their current prices (at the best response to its current share, and within the open
    nest to its current share of the nest), sold at its nested-logit share of this month's volume
    (:func:`nested_shares` of the offer and its rivals, read from the month's :class:`OfferBoard`)."""
    a = model.sc.demand.price_weight
    board = model.offer_board
    rivals = board.rivals(firm, board.utils)
    outside = model.outside_utility
    m = merit(model, quality, capacity, firm.standing)
    nested = in_open_nest(model, quality)
    share = firm.token_share
    nest_share = 1.0
    if nested and model.open_nest_share > 0:
        nest_share = share / model.open_nest_share
        nest_share = nest_share if nest_share < 1.0 else 1.0  # min(1.0, share / open_nest_share)
    price = pricing.rule_price(model, firm, m, cost, share, max([outside, *rivals]), nest_share)
    u = m - a * math.log(price)
    scale = nest_scale(model)
    top = max([outside, u, *rivals])
    (own_inner,), (own_closed,) = nest_terms([u], [nested], top, scale)
    inner, closed = board.rival_terms(firm, top, scale)
    d, nest_total, denom = nest_sums([own_inner, *inner], [own_closed, *closed],
                                     math.exp((outside - top) * scale), scale)
    own = own_inner / d * nest_total if nested else own_closed / denom  # its share of the volume
    revenue = price * own * model.api_tokens_mtok
    return revenue - cost * own * model.api_tokens_mtok, revenue


def niche_size(model: MarketModel, index: int) -> float:
    """Spending of niche ``index`` this month, USD."""
    n = model.sc.demand.niches[index]
    return n.market_usd_per_month_2025 * n.growth_per_year ** (model.calendar.years_since_2023(model.t)
                                                               - NICHE_SIZE_YEARS_AFTER_2023)


def vertical_fit(model: MarketModel, firm: Firm) -> float:
    """A firm's fit in a niche: a startup's service capacity times exp(standing); a giant's cloud times
    ``giant_vertical_fit``."""
    return firm.vertical_fit(model.sc.demand)


def niche_share(model: MarketModel, index: int, fit: float, rivals_fit: float) -> float:
    """Share of niche ``index``'s spending an entrant of ``fit`` wins against rivals of total fit ``rivals_fit``."""
    dp = model.sc.demand
    return dp.vertical_capture * fit / (fit + rivals_fit + dp.niche_outside_fit)


def niche_rivals_fit(model: MarketModel, name: str, exclude: Firm | None = None) -> float:
    """Total fit of the firms serving niche ``name`` (``exclude`` left out)."""
    total = 0.0
    for f in model.live_startups:
        if f.strategy == VERTICAL and f.niche == name and f is not exclude:
            total += vertical_fit(model, f)
    for g in model.niche_giants.get(name, ()):
        total += vertical_fit(model, g)
    return total


def _verticals(model: MarketModel) -> None:
    dp = model.sc.demand
    for g in model.giants:
        g.revenue_vertical_usd = 0.0
    for i, niche in enumerate(dp.niches):
        size = niche_size(model, i)
        entered = model.niche_giants[niche.name]
        if size >= dp.giant_niche_entry_usd_per_month * (1 + len(entered)):
            candidates = [g for g in model.giants if g.cloud > 0 and g not in entered]
            if candidates:
                entered.append(max(candidates, key=lambda g: g.cloud))
        rivals = niche_rivals_fit(model, niche.name)
        for f in model.live_startups:
            if f.strategy == VERTICAL and f.niche == niche.name:
                fit = vertical_fit(model, f)
                target = niche_share(model, i, fit, rivals - fit) * size
                f.revenue_vertical_usd += dp.enterprise_adjust_per_month * (target - f.revenue_vertical_usd)
        for g in entered:
            fit = vertical_fit(model, g)
            g.revenue_vertical_usd += niche_share(model, i, fit, rivals - fit) * size
    for f in model.live_startups:
        if f.strategy != VERTICAL:
            f.revenue_vertical_usd = 0.0


def hhi(values: list[float]) -> float:
    """Herfindahl-Hirschman index (0-1) of ``values``' shares; 0 when all are zero."""
    total = sum(values)
    if total <= 0:
        return 0.0
    out = 0  # sum((v / total) ** 2 for v in values), in the same order from the same start, without the generator
    for v in values:
        out += (v / total) ** 2
    return out
