"""The agents: firms (startups, giants, open-source labs) and the startups' core executives.

Agents hold state and make the decisions that are theirs alone; markets that clear over all
agents at once (demand, capital, talent) live in their own modules. Whatever differs by *kind*
of firm is a method here, overridden by :class:`Startup`, :class:`Giant` and :class:`OpenLab`
(what a firm trains, how it prices its API, what its consumer app and enterprise offer are worth,
its monthly books): the mechanism modules call the method and never ask a firm's type.

Money moves through two methods: :meth:`Firm.pay` (out, a cost) and :meth:`Firm.receive` (in, or
out as a transfer, with the ledger column it counts under). Money is in USD, time in months,
capability in doublings of effective compute relative to the 2023-01 frontier.
"""

from __future__ import annotations

import inspect
import math
import types
from collections import deque
from collections.abc import Iterator
from typing import TYPE_CHECKING

import mesa

from . import demand, technology
from .calendar import MONTHS_PER_YEAR
from .states import COMMERCIAL, EXITED, FOUNDATION, INTEGRATOR, TECHNICAL, VERTICAL
from .technology import serving_cost

if TYPE_CHECKING:
    from .model import MarketModel
    from .params import DemandParams

__all__ = ["COMMERCIAL", "EXITED", "FOUNDATION", "INTEGRATOR", "TECHNICAL", "VERTICAL", "Executive", "Firm",
           "Giant", "OpenLab", "Startup"]


class Firm(mesa.Agent):
    """State shared by every firm. ``kind`` is ``startup``, ``giant`` or ``open_source``.

    Each kind of firm gets its own copy of the methods it inherits from :class:`Firm` (:meth:`__init_subclass__`).

    Every attribute a firm's ``__init__`` sets is a slot (``__slots__`` here and in each kind of firm), so the
    instance dictionary holds only Mesa's ``model``, ``unique_id`` and ``pos``. Python 3.11 keeps at most 30
    attributes in an object's inline values; a firm has 46 to 66, so without slots each firm's attributes move
    to a dictionary of its own, and then no method call on it (``self.revenue_usd()``, ``f.api_offer(model)``)
    can be specialised: its ``LOAD_METHOD_WITH_DICT`` checks the instance dictionary's keys against the class's
    shared keys, misses every time and takes the generic lookup, about 260 instructions more per call
    (docs/performance.md).
    """

    #: The attributes :meth:`__init__` sets (see the class docstring).
    __slots__ = ("name", "cash_usd", "capability", "efficiency", "model_efficiency", "marketing_usd_per_month",
                 "marketing_spend_usd", "strategy", "mau", "viral", "app_quality_seen", "revenue_consumer_usd",
                 "revenue_enterprise_usd", "revenue_vertical_usd", "api_price", "logged_price", "api_quality",
                 "api_cost", "api_merit", "token_share", "standing", "standing_shocks", "nest_share", "served_mtok",
                 "tokens_mtok", "funding_raised_usd", "sales_capacity", "consumer_active", "releases", "next_run_step",
                 "run_installments", "run_done_step", "run_capability", "run_spend", "costs_usd", "serving_usd",
                 "funding_usd", "external_usd", "transfers_usd", "defaulted")

    kind = "firm"
    niche = ""  #: the niche a vertical serves ('' for every other firm)
    open_weights = False  #: releases its models as open weights
    open_prices = False  #: prices at cost plus a small markup (open labs) instead of by the pricing rule

    def __init_subclass__(cls, **kwargs: object) -> None:
        """Give ``cls`` its own copy of every method it inherits from :class:`Firm` (same code, same behaviour).

        Python 3.11 specialises an attribute read (``self.cash_usd``) for one class only, in the function's own
        code object: a method shared by startups, giants and open labs (``revenue_usd``, ``pay``, ``burn_usd``
        ...) sees the three in turn, and nearly every read in it takes the generic lookup, about 200 instructions.
        A copy per class (a new code object, :meth:`types.CodeType.replace`) sees one class and specialises.
        Nothing else changes: same bytecode, globals, defaults and closure (``super()`` still works)."""
        super().__init_subclass__(**kwargs)
        for name, method in vars(Firm).items():
            if inspect.isfunction(method) and not name.startswith("__") and name not in vars(cls):
                setattr(cls, name, _own_copy(method))

    def __init__(self, model: MarketModel, name: str, cash_usd: float, capability: float,
                 efficiency: float, marketing_usd_per_month: float, sales_capacity: float) -> None:
        super().__init__(model)
        self.name = name
        self.cash_usd = cash_usd
        self.capability = capability  # doublings vs the 2023-01 frontier
        self.efficiency = efficiency  # training efficiency (and that of the models it releases), multiplier
        self.model_efficiency = 1.0  # serving efficiency of the model it serves now (2023 models: the reference)
        self.marketing_usd_per_month = marketing_usd_per_month  # scenario budget (giants, open labs), USD/month
        self.marketing_spend_usd = 0.0  # marketing decided this month, USD
        self.strategy = FOUNDATION
        self.mau = 0.0
        self.viral = 0.0  # viral rush of its app (utility), fading
        self.app_quality_seen = capability  # best quality its app has offered, doublings
        self.revenue_consumer_usd = 0.0
        self.revenue_enterprise_usd = 0.0
        self.revenue_vertical_usd = 0.0
        self.api_price = math.nan
        self.logged_price = math.nan  # last month's API price, USD per million tokens
        self.api_quality = math.nan  # quality of this month's API offer, doublings
        self.api_cost: float | None = None  # serving cost of this month's API offer, USD/Mtok (None: no API)
        self.api_merit = 0.0  # non-price utility of the offer (sim.demand.merit)
        self.token_share = 0.0  # share of the API token market
        self.standing = 0.0  # standing with enterprise buyers, utility (sim.demand.update_standing; startups)
        self.standing_shocks: Iterator[float] | None = None  # its innovations, one a month (startups)
        self.nest_share = 1.0  # share within its nest of the API market (sim.demand; 1 for a closed model)
        self.served_mtok = 0.0  # API tokens served so far, millions (learning by doing: technology.learning_multiplier)
        self.tokens_mtok = 0.0  # API tokens sold this month, millions
        self.funding_raised_usd = 0.0
        self.sales_capacity = sales_capacity  # enterprise service capacity, 0-1
        self.consumer_active = False
        self.releases = 0
        self.next_run_step = 0
        self.run_installments: list[float] = []  # training cost still to pay, USD per month
        self.run_done_step = -1
        self.run_capability = math.nan
        self.run_spend = 0.0
        # this month's money flows (USD), for the ledger and the money-conservation invariant
        self.costs_usd = 0.0
        self.serving_usd = 0.0
        self.funding_usd = 0.0
        self.external_usd = 0.0
        self.transfers_usd = 0.0
        self.defaulted = False  # could not pay a bill this month (a startup exits at once)

    # ``alive`` and ``revenue_usd`` are methods, not properties: Python 3.11 calls a property through C, about
    # three times the cost of a method call, and the accounts, the recorder and the runway ask thousands of times.
    def alive(self) -> bool:
        """Not exited."""
        return self.strategy != EXITED

    def revenue_usd(self) -> float:
        """Revenue this month, USD."""
        return self.revenue_consumer_usd + self.revenue_enterprise_usd + self.revenue_vertical_usd

    def pay(self, amount: float) -> None:
        """Pay a cost (USD) out of cash."""
        self.cash_usd -= amount
        self.costs_usd += amount

    def pay_bill(self, amount: float) -> None:
        """Pay a bill (USD) out of cash, but never more than the cash there is: a firm that falls short pays what
        it has and defaults (budgets bind: :mod:`sim.accounts`; a startup that defaults exits, :mod:`sim.exits`)."""
        if amount > self.cash_usd:
            self.defaulted = True
            amount = max(self.cash_usd, 0.0)
        self.pay(amount)

    def receive(self, amount: float, *, funding: float = 0.0, external: float = 0.0, transfers: float = 0.0) -> None:
        """Take ``amount`` USD into cash (negative: a transfer out). The keywords say how much of it counts
        as this month's funding, external inflow or transfer (ledger columns; revenue is none of them)."""
        self.cash_usd += amount
        if funding:  # most calls are revenue: skip the ledger columns it does not touch (hot path)
            self.funding_usd += funding
        if external:
            self.external_usd += external
        if transfers:
            self.transfers_usd += transfers

    def open_with_funding(self, amount: float) -> None:
        """Start the ledger at 0 and take ``amount`` USD in as this month's funding (an entrant's seed
        capital: money that arrives, not cash it was created with)."""
        self.cash_usd = 0.0
        self.receive(amount, funding=amount)
        self.funding_raised_usd = amount

    # --------------------------------------------------------------- behaviour by kind (overridden)
    def on_added(self, model: MarketModel) -> None:
        """Join the model's lists of this kind of firm (called once, by :meth:`MarketModel.add_firm`)."""

    def follow_schedule_until(self, step: int) -> None:
        """The firm's releases come from the dated schedule until ``step``: it starts training then."""
        self.next_run_step = step

    def start_due_run(self, model: MarketModel, t: int) -> None:
        """A training run is due at ``t``: start the one this kind of firm trains."""
        raise NotImplementedError

    def training_budget_usd(self, model: MarketModel) -> float:
        """Most it can commit to a run now: cash less ``training_reserve_months`` of its other spending, USD."""
        spare = self.cash_usd - model.sc.technology.training_reserve_months * self.burn_usd()
        return spare if spare > 0.0 else 0.0  # max(0.0, spare), without a call

    def own_offer(self, model: MarketModel) -> tuple[float, float, float]:
        """(quality, serving cost, capacity) of an API on its own model or, where that is below the open floor,
        on the open floor (served at the published open efficiency)."""
        learned = technology.learning_multiplier(model, self)
        if self.capability >= model.open_floor:
            return self.capability, serving_cost(model, model.t, self.model_efficiency) * learned, self.sales_capacity
        return model.open_floor, demand.open_serving_cost(model) * learned, self.sales_capacity

    def api_offer(self, model: MarketModel) -> tuple[float, float, float] | None:
        """This month's API offer: (quality in doublings, serving cost USD/Mtok, service capacity 0-1); None: no API."""
        return self.own_offer(model)

    def loss_allowance_usd(self, model: MarketModel) -> float:
        """USD a month it can lose on its API by pricing below cost (the pricing rule's loss floor)."""
        return 0.0

    def update_consumer_app(self, t: int) -> None:
        """Open or close the consumer app at ``t`` (firms with a launch date)."""

    def consumer_quality(self, model: MarketModel) -> float:
        """Capability its consumer app offers, doublings."""
        return self.capability

    def app_serving_cost(self, model: MarketModel) -> float:
        """USD per million tokens to serve its app's model."""
        if self.consumer_quality(model) > self.capability:
            return demand.open_serving_cost(model)
        return serving_cost(model, model.t, self.model_efficiency)

    def reach(self) -> float:
        """Distribution reach of its app relative to a startup's (giants' super-apps), multiplier."""
        return 1.0

    def app_utility(self, model: MarketModel, front: float) -> float:
        """Log attractiveness of its app (sim.consumer): quality against the frontier, reach, viral rush."""
        cp = model.sc.consumer
        quality = self.consumer_quality(model)
        reach = self.reach()
        ln_reach = 0.0 if reach == 1.0 else math.log(reach)  # ln 1 is exactly 0.0: a startup's, without the call
        return cp.quality_weight * (quality - front) + cp.distribution_weight * ln_reach + self.viral

    def choose_marketing(self, model: MarketModel) -> float:
        """Decide this month's marketing (USD); giants' and open labs' is their scenario budget."""
        self.marketing_spend_usd = self.marketing_usd_per_month
        return self.marketing_spend_usd

    def business_revenue_usd(self) -> float:
        """This month's revenue from businesses, USD: API and vertical (not the consumer app)."""
        return self.revenue_enterprise_usd + self.revenue_vertical_usd

    def vertical_fit(self, dp: DemandParams) -> float:
        """Fit in a vertical niche (sim.demand): its service capacity times exp(standing)."""
        return self.sales_capacity * math.exp(self.standing)

    def learn_sales(self, dp: DemandParams) -> None:
        """Move service capacity towards its target (startups: :meth:`Startup.learn_sales`)."""

    def serving_bill_usd(self, model: MarketModel) -> float:
        """Serving cost of this month's API tokens and app users, USD."""
        api = self.tokens_mtok * self.api_cost if self.api_cost is not None else 0.0
        return api + self.mau * model.sc.consumer.tokens_per_mau_month * self.app_serving_cost(model)

    def operating_usd(self) -> float:
        """Operating costs this month other than serving and training, USD (payroll, products, marketing)."""
        return self.marketing_spend_usd

    def book_month(self, model: MarketModel) -> None:
        """Book this month's revenue, external inflows and costs (never more than its cash: see accounts)."""
        self.receive(self.revenue_usd())
        self.serving_usd = self.serving_bill_usd(model)
        self.pay_bill(self.serving_usd + self.operating_usd())

    def burn_usd(self) -> float:
        """Expected monthly spending at the current plan, training excluded, USD."""
        return self.operating_usd() + self.serving_usd

    def executive_counts(self) -> tuple[int, int]:
        """(executives in post, technical executives in post); firms other than startups model none."""
        return 0, 0

    def recorded_runway_months(self) -> float:
        """Runway for the firms table: NaN but for live startups."""
        return math.nan

    def begin_month(self) -> None:
        """Reset this month's flows."""
        self.costs_usd = self.funding_usd = self.external_usd = self.transfers_usd = 0.0
        self.defaulted = False
        if not self.alive():
            self.mau = self.revenue_consumer_usd = self.revenue_enterprise_usd = self.revenue_vertical_usd = 0.0
            self.tokens_mtok = self.token_share = 0.0


def _own_copy(function: types.FunctionType) -> types.FunctionType:
    """A copy of ``function`` with its own code object (its own specialisations; see
    :meth:`Firm.__init_subclass__`): same bytecode, globals, defaults, closure, name and documentation."""
    copy = types.FunctionType(function.__code__.replace(), function.__globals__, function.__name__,
                              function.__defaults__, function.__closure__)
    for attribute in ("__kwdefaults__", "__doc__", "__qualname__", "__annotations__", "__module__"):
        setattr(copy, attribute, getattr(function, attribute))
    return copy


#: Months of booked revenue a listing is judged on: the trailing twelve months, the year of audited books an
#: exchange asks of an issuer (a definition, not a behaviour: the threshold is ``capital.ipo_revenue_usd_per_year``).
BOOKS_MONTHS = int(MONTHS_PER_YEAR)


class Startup(Firm):
    """A venture-funded large-model startup."""

    kind = "startup"
    #: The attributes its ``__init__`` sets beyond :class:`Firm`'s (see :class:`Firm`).
    __slots__ = ("salary_usd_per_year", "_staff", "payroll_usd", "has_consumer_app", "side_products",
                 "side_product_usd_per_month", "enterprise_focus", "niche", "investors", "post_money_usd",
                 "round_basis", "open_weights", "last_round_step", "ipo_step", "listed", "pivot_step", "sell_decision",
                 "wind_down_decision", "partner", "initial_tech", "executives", "review_offset", "entry_step",
                 "recent_tech_departures", "booked_revenues")

    def __init__(self, model: MarketModel, name: str, *, cash_usd: float, capability: float, staff: int,
                 salary_usd_per_year: float, consumer: bool, side_products: list[str],
                 enterprise_focus: float, sales_capacity: float, side_product_usd_per_month: float,
                 investors: list[str], efficiency: float, open_weights: bool, tech_executives: int,
                 commercial_executives: int) -> None:
        super().__init__(model, name, cash_usd, capability, efficiency, 0.0, sales_capacity)
        self.salary_usd_per_year = salary_usd_per_year
        self.staff = staff
        self.has_consumer_app = consumer
        self.consumer_active = consumer
        self.side_products = list(side_products)
        self.side_product_usd_per_month = side_product_usd_per_month
        self.enterprise_focus = enterprise_focus
        self.niche = ""
        self.investors = list(investors)
        self.post_money_usd = cash_usd / model.sc.capital.round_dilution  # last round's post-money valuation, USD
        #: (1 + traction, venture pool in USD a year, moat 0-1) its last round was priced on
        #: (:func:`sim.capital.pre_money`); None until the capital market first reads them
        self.round_basis: tuple[float, float, float] | None = None
        self.open_weights = open_weights
        self.last_round_step = 0  # the starting cash is a fresh round ([S-FUNDING-2023], end-2023)
        self.ipo_step = -1  # step the IPO process started, -1 if never
        self.listed = False
        self.pivot_step = -1
        self.sell_decision = False  # its board chose to be acquired at the last review
        self.wind_down_decision = False  # its board chose to wind the firm down at the last review
        self.partner = ""  # the giant whose cloud it integrates through ('' for none)
        self.initial_tech = tech_executives
        self.executives: list[Executive] = []
        for i in range(tech_executives + commercial_executives):
            role = TECHNICAL if i < tech_executives else COMMERCIAL
            self.executives.append(Executive(model, self, role))
        self.review_offset = 0
        self.entry_step = model.t  # month it entered the simulation (0 for the firms built at the start)
        self.recent_tech_departures: list[int] = []  # steps of technical departures
        #: revenue booked in each of its last :data:`BOOKS_MONTHS` months, oldest first, USD (an IPO's test)
        self.booked_revenues: deque[float] = deque(maxlen=BOOKS_MONTHS)

    def book_month(self, model: MarketModel) -> None:
        """Book the month as every firm does (:meth:`Firm.book_month`) and keep its revenue in the books."""
        Firm.book_month(self, model)
        self.booked_revenues.append(self.revenue_consumer_usd + self.revenue_enterprise_usd
                                    + self.revenue_vertical_usd)  # revenue_usd()

    def trailing_revenue_usd(self) -> float:
        """Revenue booked over its last :data:`BOOKS_MONTHS` months (fewer for a younger firm), USD."""
        return sum(self.booked_revenues)

    def leaving(self) -> bool:
        """Its board chose, at its last review, to sell the firm or wind it down (it exits this month)."""
        return self.sell_decision or self.wind_down_decision

    def on_added(self, model: MarketModel) -> None:
        model.live_startups.append(self)
        model.every_startup.append(self)
        self.standing_shocks = demand.standing_shocks(model)

    def begin_month(self) -> None:
        Firm.begin_month(self)
        if self.alive():
            demand.update_standing(self.model, self)

    def follow_schedule_until(self, step: int) -> None:
        """A startup in the dated schedule keeps training on its own as well (its runs are its own)."""

    def start_due_run(self, model: MarketModel, t: int) -> None:
        if self.strategy == FOUNDATION:  # verticals and integrators no longer train
            technology.startup_run(model, self, t)

    def api_offer(self, model: MarketModel) -> tuple[float, float, float] | None:
        if self.strategy == FOUNDATION:
            return self.own_offer(model)
        if self.strategy == INTEGRATOR:  # serves open models, through its partner's cloud if it has one
            return (model.open_floor, demand.open_serving_cost(model) * technology.learning_multiplier(model, self),
                    self.integrator_capacity(model))
        return None  # a vertical sells solutions, not an API

    def integrator_capacity(self, model: MarketModel) -> float:
        """Service capacity as an integrator: its own, or its cloud partner's share of the partner's cloud."""
        partner = model.firm_by_name.get(self.partner) if self.partner else None
        cloud = partner.sales_capacity * model.sc.strategy.partner_capacity_share if partner is not None else 0.0
        own = self.sales_capacity
        return cloud if cloud > own else own

    def loss_allowance_usd(self, model: MarketModel) -> float:
        """A startup may lose ``pricing.startup_loss_share`` of its cash per year on its API, spread by month."""
        cash = self.cash_usd
        return (cash if cash > 0.0 else 0.0) * model.sc.pricing.startup_loss_share / MONTHS_PER_YEAR

    def choose_marketing(self, model: MarketModel) -> float:
        cp = model.sc.consumer
        spend = 0.0
        if self.consumer_active and self.runway_months() > cp.marketing_runway_months:
            cash = self.cash_usd
            spend = cp.marketing_cash_share * (1.0 - self.enterprise_focus) * (0.0 if cash < 0.0 else cash)
        self.marketing_spend_usd = spend
        return spend

    def learn_sales(self, dp: DemandParams) -> None:
        """Move service capacity ``sales_learning_per_month`` of the way to the enterprise focus (1 for an
        integrator) times the customer capital ``k0 + (1 - k0) R / (R + capacity_half_revenue_usd_per_month)``
        of this month's enterprise revenue ``R`` (USD), ``k0 = capacity_floor_share`` (docs/ODD.md 7.6)."""
        target = 1.0 if self.strategy == INTEGRATOR else self.enterprise_focus
        half = dp.capacity_half_revenue_usd_per_month
        if half > 0.0:
            business = self.business_revenue_usd()
            floor = dp.capacity_floor_share
            target *= floor + (1.0 - floor) * business / (business + half)
        self.sales_capacity += dp.sales_learning_per_month * (target - self.sales_capacity)

    def operating_usd(self) -> float:
        """Payroll, side products, marketing and a vertical's delivery costs (1 - ``vertical_margin`` of its
        revenue), USD this month."""
        out = self.payroll_usd + self.marketing_spend_usd
        if self.side_products:
            out += len(self.side_products) * self.side_product_usd_per_month
        if self.revenue_vertical_usd:
            out += (1.0 - self.model.sc.strategy.vertical_margin) * self.revenue_vertical_usd
        return out

    def raise_capital(self, amount: float, stake: float = 0.0) -> None:
        """Receive a round or IPO proceeds of ``amount`` USD, ``stake`` of it from a giant (a transfer)."""
        self.receive(amount, funding=amount - stake, transfers=stake)
        self.funding_raised_usd += amount

    @property
    def staff(self) -> int:
        """People on the payroll."""
        return self._staff

    @staff.setter
    def staff(self, n: int) -> None:
        self._staff = n
        self.payroll_usd = n * self.salary_usd_per_year / MONTHS_PER_YEAR  # monthly payroll, USD

    # The runway chain is asked several times per startup per month (talent, consumer, strategy, capital,
    # exits, the recorder): each method below writes out the one-line method it would call
    # (:meth:`Firm.burn_usd`, :meth:`Firm.revenue_usd`, :meth:`net_burn_usd`), same operations in the same
    # order, which saves a Python call per level (docs/performance.md).

    def total_burn_usd(self) -> float:
        """Monthly burn including training: while training foundation models, the last run's cost is
        spread over the months between runs (USD per month)."""
        burn = self.operating_usd() + self.serving_usd  # burn_usd()
        if self.strategy == FOUNDATION:
            burn += self.run_spend / self.model.sc.technology.release_interval_months
        return burn

    def net_burn_usd(self) -> float:
        """:meth:`total_burn_usd` less this month's revenue, USD per month (what the cash must cover)."""
        return self.total_burn_usd() - (self.revenue_consumer_usd + self.revenue_enterprise_usd
                                        + self.revenue_vertical_usd)  # revenue_usd()

    def runway_months(self) -> float:
        """Months of cash at :meth:`net_burn_usd` (infinite for a firm that earns more than it spends)."""
        burn = self.total_burn_usd() - (self.revenue_consumer_usd + self.revenue_enterprise_usd
                                        + self.revenue_vertical_usd)  # net_burn_usd()
        return self.cash_usd / burn if burn > 0 else math.inf

    def executive_counts(self) -> tuple[int, int]:
        in_post = tech = 0
        for e in self.executives:
            if e.status == "in_post":
                in_post += 1
                tech += e.role == TECHNICAL
        return in_post, tech

    def recorded_runway_months(self) -> float:
        return self.runway_months() if self.strategy != EXITED else math.nan  # alive()

    def in_post(self) -> list[Executive]:
        return [e for e in self.executives if e.status == "in_post"]

    def tech_share(self) -> float:
        """Share of the firm's starting technical executives still in post (1 if it had none; at most 1)."""
        if self.initial_tech == 0:
            return 1.0
        n = 0
        for e in self.executives:
            if e.status == "in_post" and e.role == TECHNICAL:
                n += 1
        share = n / self.initial_tech
        return share if share < 1.0 else 1.0


class Giant(Firm):
    """A tech giant: an AI budget from other businesses, app distribution, a cloud channel, hiring power."""

    kind = "giant"
    #: The attributes its ``__init__`` sets beyond :class:`Firm`'s (see :class:`Firm`).
    __slots__ = ("external_cash_usd_per_month", "board_factor", "results_usd", "distribution", "cloud",
                 "open_weights", "consumer_launch_step", "hiring_power", "integrates_open_models", "hires", "stakes")

    def __init__(self, model: MarketModel, name: str, *, cash_usd: float, capability: float,
                 external_cash_usd_per_month: float, distribution: float, cloud: float, open_weights: bool,
                 consumer_launch_step: int, hiring_power: float, marketing_usd_per_month: float,
                 integrates_open_models: bool, efficiency: float) -> None:
        super().__init__(model, name, cash_usd, capability, efficiency, marketing_usd_per_month, sales_capacity=cloud)
        self.external_cash_usd_per_month = external_cash_usd_per_month
        self.board_factor = 1.0  # share of the AI budget its board still grants (sim.accounts)
        self.results_usd: list[float] = []  # the AI business's monthly operating result (revenue - costs), USD
        self.distribution = distribution
        self.cloud = cloud
        self.open_weights = open_weights
        self.consumer_launch_step = consumer_launch_step
        self.hiring_power = hiring_power
        self.integrates_open_models = integrates_open_models
        self.hires = 0  # executives hired from startups
        self.stakes: dict[str, float] = {}  # startup name -> USD invested

    def on_added(self, model: MarketModel) -> None:
        model.giants.append(self)

    def start_due_run(self, model: MarketModel, t: int) -> None:
        tp = model.sc.technology
        technology.gap_run(model, self, t, tp.giant_release_gap, tp.release_interval_months)

    def budget_usd(self) -> float:
        """This month's AI budget from the group's other businesses, after its board's cut, USD."""
        return self.external_cash_usd_per_month * self.board_factor

    def loss_allowance_usd(self, model: MarketModel) -> float:
        """A giant may lose ``pricing.giant_subsidy_share`` of its monthly AI budget on its API."""
        return self.budget_usd() * model.sc.pricing.giant_subsidy_share

    def choose_marketing(self, model: MarketModel) -> float:
        self.marketing_spend_usd = self.marketing_usd_per_month * self.board_factor
        return self.marketing_spend_usd

    def update_consumer_app(self, t: int) -> None:
        self.consumer_active = t >= self.consumer_launch_step

    def consumer_quality(self, model: MarketModel) -> float:
        own = self.capability
        if self.integrates_open_models:
            floor = model.open_floor
            return floor if floor > own else own  # the better of its own model and the open floor
        return own

    def reach(self) -> float:
        return self.distribution

    def vertical_fit(self, dp: DemandParams) -> float:
        return self.cloud * dp.giant_vertical_fit

    def book_month(self, model: MarketModel) -> None:
        budget = self.budget_usd()
        self.receive(budget, external=budget)
        super().book_month(model)
        self.results_usd.append(self.revenue_usd() - self.costs_usd)  # the AI business's own result (training included)

    def buy_stake(self, firm: Startup, stake: float) -> None:
        """Pay ``stake`` USD into ``firm``'s round (a transfer between agents) and join its investors."""
        self.receive(-stake, transfers=-stake)
        self.stakes[firm.name] = self.stakes.get(firm.name, 0.0) + stake
        if self.name not in firm.investors:
            firm.investors.append(self.name)


class OpenLab(Firm):
    """An open-source entrant funded by its parent: efficient training, open weights, near-cost prices."""

    kind = "open_source"
    open_prices = True
    #: The attributes its ``__init__`` sets beyond :class:`Firm`'s (see :class:`Firm`).
    __slots__ = ("parent_funding_usd_per_month", "app_launch_step", "open_weights")

    def __init__(self, model: MarketModel, name: str, *, cash_usd: float, capability: float,
                 parent_funding_usd_per_month: float, efficiency: float, app_launch_step: int,
                 marketing_usd_per_month: float, sales_capacity: float) -> None:
        super().__init__(model, name, cash_usd, capability, efficiency, marketing_usd_per_month, sales_capacity)
        self.parent_funding_usd_per_month = parent_funding_usd_per_month
        self.app_launch_step = app_launch_step
        self.open_weights = True

    def start_due_run(self, model: MarketModel, t: int) -> None:
        osp = model.sc.open_source
        technology.gap_run(model, self, t, osp.lab_release_gap, osp.lab_release_interval_months)

    def update_consumer_app(self, t: int) -> None:
        self.consumer_active = t >= self.app_launch_step

    def book_month(self, model: MarketModel) -> None:
        self.receive(self.parent_funding_usd_per_month, external=self.parent_funding_usd_per_month)
        super().book_month(model)


class Executive(mesa.Agent):
    """A core leader of a startup. ``status``: ``in_post``, ``departed`` or ``released`` (firm exited)."""

    def __init__(self, model: MarketModel, firm: Startup, role: str) -> None:
        super().__init__(model)
        self.firm = firm
        self.role = role
        self.status = "in_post"
        self.destination = ""
        self.left_step = -1
