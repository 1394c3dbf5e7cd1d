"""Builds the agents of a scenario: the named firms, then any generic ones, then entrants."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .agents import Giant, OpenLab, Startup
from .params import GiantSpec, OpenLabSpec, StartupSpec
from .technology import frontier

if TYPE_CHECKING:
    from .model import MarketModel


def startup_from_spec(model: MarketModel, s: StartupSpec) -> Startup:
    return Startup(
        model, s.name, cash_usd=s.cash_usd, capability=frontier(model, model.t) - s.capability_gap, staff=s.staff,
        salary_usd_per_year=s.salary_usd_per_year, consumer=s.consumer, side_products=s.side_products,
        enterprise_focus=s.enterprise_focus, sales_capacity=model.sc.population.startup_sales_capacity,
        side_product_usd_per_month=s.side_product_usd_per_month, investors=s.investors, efficiency=s.efficiency,
        open_weights=s.open_weights, tech_executives=s.tech_executives,
        commercial_executives=s.commercial_executives)


def giant_from_spec(model: MarketModel, g: GiantSpec) -> Giant:
    return Giant(
        model, g.name, cash_usd=g.cash_usd, capability=frontier(model, model.t) - g.capability_gap,
        external_cash_usd_per_month=g.external_cash_usd_per_month, distribution=g.distribution, cloud=g.cloud,
        open_weights=g.open_weights, consumer_launch_step=model.calendar.step_of(g.consumer_launch),
        hiring_power=g.hiring_power, marketing_usd_per_month=g.marketing_usd_per_month,
        integrates_open_models=g.integrates_open_models, efficiency=g.efficiency)


def lab_from_spec(model: MarketModel, o: OpenLabSpec) -> OpenLab:
    return OpenLab(
        model, o.name, cash_usd=o.cash_usd, capability=frontier(model, model.t) - o.capability_gap,
        parent_funding_usd_per_month=o.parent_funding_usd_per_month, efficiency=o.efficiency,
        app_launch_step=model.calendar.step_of(o.app_launch), marketing_usd_per_month=o.marketing_usd_per_month,
        sales_capacity=o.sales_capacity)


def generic_startup(model: MarketModel, name: str, cash_usd: float) -> Startup:
    """An unnamed startup with cash ``cash_usd``; other traits drawn from the entry stream."""
    pp = model.sc.population
    rng = model.rng_entry
    n_exec = pp.startup_executives
    n_tech = max(1, round(n_exec * pp.startup_tech_share))
    focus = float(rng.uniform(pp.startup_focus_min, pp.startup_focus_max))
    gap = max(0.0, float(rng.normal(pp.startup_gap_mean, pp.startup_gap_sigma)))
    spec = StartupSpec(
        name=name, cash_usd=cash_usd, staff=max(pp.startup_min_staff, int(cash_usd / pp.startup_cash_usd_per_staff)),
        tech_executives=n_tech, commercial_executives=n_exec - n_tech, capability_gap=gap,
        consumer=bool(rng.random() < pp.startup_consumer_probability), enterprise_focus=focus)
    return startup_from_spec(model, spec)


def build(model: MarketModel) -> None:
    """Create every firm the scenario asks for, named first, in a fixed order."""
    sc = model.sc
    pp = sc.population
    rng = model.rng_entry
    for s in sc.startups:
        model.add_firm(startup_from_spec(model, s))
    for g in sc.giants:
        model.add_firm(giant_from_spec(model, g))
    for o in sc.open_labs:
        model.add_firm(lab_from_spec(model, o))
    for i in range(pp.startups):
        cash = float(pp.startup_cash_usd_median * rng.lognormal(0.0, pp.startup_cash_sigma))
        model.add_firm(generic_startup(model, f"Startup-{i + 1:03d}", cash))
    for i in range(pp.giants):
        spec = GiantSpec(name=f"Giant-{i + 1:02d}",
                         distribution=float(rng.uniform(pp.giant_distribution_min, pp.giant_distribution_max)),
                         cloud=float(rng.uniform(pp.giant_cloud_min, pp.giant_cloud_max)),
                         open_weights=bool(rng.random() < pp.giant_open_weights_probability),
                         hiring_power=float(rng.uniform(pp.giant_hiring_min, pp.giant_hiring_max)))
        model.add_firm(giant_from_spec(model, spec))
    for i in range(pp.open_labs):
        spec = OpenLabSpec(name=f"OpenLab-{i + 1:02d}", app_launch=sc.time.start,
                           efficiency=float(rng.uniform(pp.lab_efficiency_min, pp.lab_efficiency_max)))
        model.add_firm(lab_from_spec(model, spec))
