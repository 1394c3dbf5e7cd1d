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

import math
from typing import TYPE_CHECKING

import mesa

from . import open_source, technology
from .calendar import MONTHS_PER_YEAR
from .states import COMMERCIAL, EXITED, FOUNDATION, INTEGRATOR, TECHNICAL, VERTICAL

if TYPE_CHECKING:
    from .model import MarketModel
    from .params import DemandParams

__all__ = ["COMMERCIAL", "EXITED", "FOUNDATION", "INTEGRATOR", "TECHNICAL", "VERTICAL", "Executive", "Firm",
           "Giant", "OpenLab", "Startup"]


class Firm(mesa.Agent):
    """State shared by every firm. ``kind`` is ``startup``, ``giant`` or ``open_source``."""

    kind = "firm"
    niche = ""  #: the niche a vertical serves ('' for every other firm)
    open_weights = False  #: releases its models as open weights

    def __init__(self, model: MarketModel, name: str, cash_usd: float, capability: float,
                 efficiency: float, marketing_usd_per_month: float, sales_capacity: float) -> None:
        super().__init__(model)
        self.name = name
        self.cash_usd = cash_usd
        self.capability = capability  # doublings vs the 2023-01 frontier
        self.efficiency = efficiency  # training and serving efficiency multiplier
        self.marketing_usd_per_month = marketing_usd_per_month
        self.strategy = FOUNDATION
        self.mau = 0.0
        self.revenue_consumer_usd = 0.0
        self.revenue_enterprise_usd = 0.0
        self.revenue_vertical_usd = 0.0
        self.api_price = math.nan
        self.logged_price = math.nan  # last month's API price, USD per million tokens
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
        self.funding_usd = 0.0
        self.external_usd = 0.0
        self.transfers_usd = 0.0

    @property
    def alive(self) -> bool:
        return self.strategy != EXITED

    @property
    def revenue_usd(self) -> float:
        """Revenue this month, USD."""
        return self.revenue_consumer_usd + self.revenue_enterprise_usd + self.revenue_vertical_usd

    def pay(self, amount: float) -> None:
        """Pay a cost (USD) out of cash."""
        self.cash_usd -= amount
        self.costs_usd += amount

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

    def quote_api_price(self, model: MarketModel) -> float:
        """This month's API price, USD per million tokens (NaN: no API)."""
        raise NotImplementedError

    def update_consumer_app(self, t: int) -> None:
        """Open or close the consumer app at ``t`` (firms with a launch date)."""

    def consumer_quality(self, model: MarketModel) -> float:
        """Capability its consumer app offers, doublings."""
        return self.capability

    def reach_utility(self, dp: DemandParams) -> float:
        """Consumer utility of the firm's distribution reach (giants' super-apps)."""
        return 0.0

    def viral_utility(self, dp: DemandParams, front: float) -> float:
        """Consumer utility of going viral (a free app near the frontier)."""
        return 0.0

    def consumer_utility(self, model: MarketModel, front: float) -> float:
        """Utility of its consumer app: quality against the frontier ``front``, reach, marketing, virality."""
        dp = model.sc.demand
        u = dp.quality_weight * (self.consumer_quality(model) - front)
        u += self.reach_utility(dp)
        u += dp.marketing_weight * math.log1p(self.marketing_usd_per_month / USD_PER_MUSD)
        u += self.viral_utility(dp, front)
        return u

    def enterprise_quality(self, model: MarketModel) -> float | None:
        """Capability it offers enterprise buyers, doublings; None if it does not sell to enterprises."""
        return self.capability

    def learn_sales(self, rate: float) -> None:
        """Move service capacity towards the firm's enterprise focus at ``rate`` per month (startups)."""

    def book_month(self, serving_usd: float) -> None:
        """Book this month's external inflows and operating costs (``serving_usd`` is its serving cost)."""
        self.pay(serving_usd + self.active_marketing_usd())

    def active_marketing_usd(self) -> float:
        """Marketing spent this month, USD (only while the consumer app is open)."""
        return self.marketing_usd_per_month if self.consumer_active else 0.0

    def executive_counts(self) -> tuple[int, int]:
        """(executives in post, technical executives in post); firms other than startups model none."""
        return 0, 0

    def recorded_runway_months(self) -> float:
        """Runway for the firms table: NaN but for live startups."""
        return math.nan

    def begin_month(self) -> None:
        """Reset this month's flows."""
        self.costs_usd = self.funding_usd = self.external_usd = self.transfers_usd = 0.0
        if not self.alive:
            self.mau = self.revenue_consumer_usd = self.revenue_enterprise_usd = self.revenue_vertical_usd = 0.0


#: USD per million USD (a unit: marketing enters consumer utility as ln(1 + spend in millions of USD)).
USD_PER_MUSD = 1e6


class Startup(Firm):
    """A venture-funded large-model startup."""

    kind = "startup"

    def __init__(self, model: MarketModel, name: str, *, cash_usd: float, capability: float, staff: int,
                 salary_usd_per_year: float, consumer: bool, side_products: list[str],
                 enterprise_focus: float, sales_capacity: float, marketing_usd_per_month: float,
                 side_product_usd_per_month: float, vertical_affinity: str, investors: list[str],
                 efficiency: float, open_weights: bool, giant_stake_share: float, tech_executives: int,
                 commercial_executives: int) -> None:
        super().__init__(model, name, cash_usd, capability, efficiency, marketing_usd_per_month, sales_capacity)
        self.staff = staff
        self.salary_usd_per_year = salary_usd_per_year
        self.has_consumer_app = consumer
        self.consumer_active = consumer
        self.side_products = list(side_products)
        self.side_product_usd_per_month = side_product_usd_per_month
        self.enterprise_focus = enterprise_focus
        self.vertical_affinity = vertical_affinity
        self.niche = ""
        self.investors = list(investors)
        self.giant_funding_usd = giant_stake_share * cash_usd  # USD invested by giants to date
        self.funding_base_usd = cash_usd  # starting cash plus every round since, USD
        self.open_weights = open_weights
        self.last_round_step = 0  # the starting cash is a fresh round ([S-FUNDING-2023], end-2023)
        self.ipo_step = -1  # step the IPO process started, -1 if never
        self.listed = False
        self.pivot_step = -1
        self.initial_tech = tech_executives
        self.executives: list[Executive] = []
        for i in range(tech_executives + commercial_executives):
            role = TECHNICAL if i < tech_executives else COMMERCIAL
            self.executives.append(Executive(model, self, role))
        self.review_offset = 0
        self.recent_tech_departures: list[int] = []  # steps of technical departures

    def on_added(self, model: MarketModel) -> None:
        model.live_startups.append(self)
        model.every_startup.append(self)

    def follow_schedule_until(self, step: int) -> None:
        """A startup in the dated schedule keeps training on its own as well (its runs are its own)."""

    def start_due_run(self, model: MarketModel, t: int) -> None:
        if self.strategy == FOUNDATION:  # verticals and integrators no longer train
            technology.startup_run(model, self, t)

    def quote_api_price(self, model: MarketModel) -> float:
        if self.strategy == FOUNDATION:
            return open_source.closed_price(model, self)
        if self.strategy == INTEGRATOR:
            return open_source.open_price(model)  # it serves open models at the reference efficiency
        return math.nan  # a vertical sells solutions, not an API

    def enterprise_quality(self, model: MarketModel) -> float | None:
        if self.strategy == FOUNDATION:
            return max(self.capability, model.open_floor)  # it can also deliver open models to clients
        if self.strategy == INTEGRATOR:
            return model.open_floor
        return None

    def learn_sales(self, rate: float) -> None:
        target_focus = 1.0 if self.strategy == INTEGRATOR else self.enterprise_focus
        self.sales_capacity += rate * (target_focus - self.sales_capacity)

    def book_month(self, serving_usd: float) -> None:
        self.pay(self.payroll_usd + len(self.side_products) * self.side_product_usd_per_month + serving_usd
                 + self.active_marketing_usd())

    def raise_capital(self, amount: float, stake: float = 0.0) -> None:
        """Receive a round or IPO proceeds of ``amount`` USD, ``stake`` of it from a giant (a transfer)."""
        self.receive(amount, funding=amount - stake, transfers=stake)
        self.funding_raised_usd += amount
        self.funding_base_usd += amount
        self.giant_funding_usd += stake

    @property
    def payroll_usd(self) -> float:
        """Monthly payroll, USD."""
        return self.staff * self.salary_usd_per_year / MONTHS_PER_YEAR

    def burn_usd(self) -> float:
        """Expected monthly spending at the current plan, USD (training excluded)."""
        b = self.payroll_usd + len(self.side_products) * self.side_product_usd_per_month
        if self.consumer_active:
            b += self.marketing_usd_per_month + self.mau * self.model.sc.demand.serving_usd_per_mau_month
        return b

    def total_burn_usd(self) -> float:
        """Monthly burn including training: while training foundation models, the last run's cost is
        spread over the months between runs (USD per month)."""
        burn = self.burn_usd()
        if self.strategy == FOUNDATION:
            burn += self.run_spend / self.model.sc.technology.release_interval_months
        return burn

    def runway_months(self) -> float:
        """Months of cash at :meth:`total_burn_usd`."""
        burn = self.total_burn_usd()
        return self.cash_usd / burn if burn > 0 else math.inf

    def executive_counts(self) -> tuple[int, int]:
        in_post = tech = 0
        for e in self.executives:
            if e.status == "in_post":
                in_post += 1
                tech += e.role == TECHNICAL
        return in_post, tech

    def recorded_runway_months(self) -> float:
        return self.runway_months() if self.alive else math.nan

    def in_post(self) -> list[Executive]:
        return [e for e in self.executives if e.status == "in_post"]

    def tech_share(self) -> float:
        """Share of the firm's starting technical executives still in post (1 if it had none)."""
        if self.initial_tech == 0:
            return 1.0
        return sum(1 for e in self.executives if e.status == "in_post" and e.role == TECHNICAL) / self.initial_tech


class Giant(Firm):
    """A tech giant: other businesses' cash, app distribution, a cloud channel, hiring power."""

    kind = "giant"

    def __init__(self, model: MarketModel, name: str, *, cash_usd: float, capability: float,
                 external_cash_usd_per_month: float, distribution: float, cloud: float, open_weights: bool,
                 consumer_launch_step: int, hiring_power: float, marketing_usd_per_month: float,
                 integrates_open_models: bool, efficiency: float) -> None:
        super().__init__(model, name, cash_usd, capability, efficiency, marketing_usd_per_month, sales_capacity=cloud)
        self.external_cash_usd_per_month = external_cash_usd_per_month
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

    def quote_api_price(self, model: MarketModel) -> float:
        return open_source.closed_price(model, self, model.sc.open_source.giant_price_subsidy)

    def update_consumer_app(self, t: int) -> None:
        self.consumer_active = t >= self.consumer_launch_step

    def consumer_quality(self, model: MarketModel) -> float:
        if self.integrates_open_models:
            return max(self.capability, model.open_floor)
        return self.capability

    def reach_utility(self, dp: DemandParams) -> float:
        return dp.distribution_weight * math.log(self.distribution)

    def enterprise_quality(self, model: MarketModel) -> float | None:
        return max(self.capability, model.open_floor)

    def book_month(self, serving_usd: float) -> None:
        self.receive(self.external_cash_usd_per_month, external=self.external_cash_usd_per_month)
        super().book_month(serving_usd)

    def buy_stake(self, firm: Startup, stake: float) -> None:
        """Pay ``stake`` USD into ``firm``'s round (a transfer between agents) and join its investors."""
        self.receive(-stake, transfers=-stake)
        self.stakes[firm.name] = self.stakes.get(firm.name, 0.0) + stake
        if self.name not in firm.investors:
            firm.investors.append(self.name)


class OpenLab(Firm):
    """An open-source entrant funded by its parent: efficient training, open weights, near-cost prices."""

    kind = "open_source"

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

    def quote_api_price(self, model: MarketModel) -> float:
        return open_source.open_price(model, self.efficiency)

    def update_consumer_app(self, t: int) -> None:
        self.consumer_active = t >= self.app_launch_step

    def viral_utility(self, dp: DemandParams, front: float) -> float:
        return dp.viral_boost if front - self.capability <= dp.viral_gap else 0.0

    def book_month(self, serving_usd: float) -> None:
        self.receive(self.parent_funding_usd_per_month, external=self.parent_funding_usd_per_month)
        super().book_month(serving_usd)


class Executive(mesa.Agent):
    """A core leader of a startup. ``status``: ``in_post``, ``departed`` or ``released`` (firm exited)."""

    def __init__(self, model: MarketModel, firm: Startup, role: str) -> None:
        super().__init__(model)
        self.firm = firm
        self.role = role
        self.status = "in_post"
        self.destination = ""
        self.left_step = -1
