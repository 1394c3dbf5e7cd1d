"""Entry: new generic startups enter while investors are keen and a new lab could still lead the free models.

Entrants per month ~ Poisson(rate_per_month * (S - threshold) / (1 - threshold) * prospect): investors fund
new ventures in proportion to their sentiment above the threshold, and only as far as an entrant's first
model could earn something over the open floor. ``prospect`` is the moat (:func:`sim.strategy.moat_share`)
of the model an entrant with the median seed capital ``seed_capital_usd`` would train now: its run budget
(``training_budget_share`` of the seed, at most ``max_run_spend_usd``) at the efficiency every lab has
learned from the open releases, less the open floor's projected catch-up, its lead over the floor over
``moat_doublings`` (0 to 1). This is the life-cycle models' entry condition ([Klepper1996]): entry stops
when the cost of reaching the leaders outgrows what an entrant can raise, here when frontier runs get
dearer and the open floor closes on the frontier. ``follows_prospect = false`` drops the factor (entry
follows sentiment alone, model 3.1's rule), to show what the condition does.

Each entrant has lognormal seed capital around ``seed_capital_usd`` (dispersion
``population.startup_cash_sigma``), taken from the venture money left this month (:mod:`sim.capital`):
an entrant whose seed capital is not there does not enter. It trains at the efficiency it has learned
from the open releases (:func:`sim.technology.learned_efficiency`), like the labs already in the market.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import strategy
from .outputs import EventType
from .params import StartupSpec
from .population import generic_startup
from .technology import learned_efficiency, reachable_capability

if TYPE_CHECKING:
    from .model import MarketModel

#: Scenario section of this mechanism's parameters ("" for none) and its section of docs/ODD.md.
SECTION, ODD = 'entry', '7.11 Entry'
#: This mechanism in a student's words, for the explorer's About tab: (heading, Markdown paragraph;
#: ``{...}`` fields are filled from the scenario shown by :func:`sim.app_about.mechanisms_html`).
STUDENT = ("Entry", """\
New startups appear while investors are keen{entry_off}, and only while a newcomer's first model could
still beat the free open models: once catching up costs more than a startup can raise, entry stops.""")



#: Training efficiency of a generic startup before it learns from the open releases (its spec's default).
GENERIC_EFFICIENCY: float = StartupSpec.model_fields["efficiency"].default
#: Guard of the division when the threshold is 1 (numerical: no sentiment is above it then).
MIN_SPAN = 1e-9


def init(model: MarketModel) -> None:
    """The count of entrants so far (it names them)."""
    model.entrants = 0


def prospect(model: MarketModel) -> float:
    """Moat (0-1) of the model an entrant with the median seed capital would train now (module docstring)."""
    tp = model.sc.technology
    spend = min(tp.training_budget_share * model.sc.entry.seed_capital_usd, tp.max_run_spend_usd)
    capability = reachable_capability(model, model.t, spend, entrant_efficiency(model, GENERIC_EFFICIENCY))
    return strategy.moat_share(model, capability - strategy.projected_floor_gain(model))


def entrant_efficiency(model: MarketModel, own: float) -> float:
    """Training efficiency (multiplier) of an entrant whose own is ``own``: at least what every lab has learned."""
    learned = learned_efficiency(model)
    return own if own > learned else learned


def step(model: MarketModel) -> None:
    """Let this month's entrants in."""
    ep = model.sc.entry
    if not ep.enabled or model.sentiment <= ep.sentiment_threshold:
        return
    rng = model.rng_entry
    lam = ep.rate_per_month * (model.sentiment - ep.sentiment_threshold) / max(MIN_SPAN, 1.0 - ep.sentiment_threshold)
    if ep.follows_prospect:
        lam *= prospect(model)
    for _ in range(int(rng.poisson(lam))):
        cash = float(ep.seed_capital_usd * rng.lognormal(0.0, model.sc.population.startup_cash_sigma))
        if cash > model.vc_available_usd:
            continue  # seed money comes out of the same finite venture pool as the rounds
        model.vc_available_usd -= cash
        model.entrants += 1
        model.entries_this_month += 1
        firm = generic_startup(model, f"Entrant-{model.entrants:04d}", cash)
        firm.efficiency = entrant_efficiency(model, firm.efficiency)  # it knows the published methods
        firm.model_efficiency = firm.efficiency
        firm.open_with_funding(cash)  # its seed capital is this month's funding
        firm.review_offset = model.t % model.sc.strategy.review_interval_months
        firm.last_round_step = model.t
        model.add_firm(firm)
        model.log(firm.name, EventType.ENTRY, amount_usd=cash, detail="enters with seed capital")
