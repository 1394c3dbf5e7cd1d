"""Entry: while investor sentiment is above a threshold, new generic startups enter.

Entrants per month ~ Poisson(rate_per_month * (S - threshold) / (1 - threshold)), each with
lognormal seed capital around ``seed_capital_usd`` (dispersion ``population.startup_cash_sigma``),
taken from the venture money left this month (:mod:`sim.capital`): an entrant whose seed capital
is not there does not enter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .outputs import EventType
from .population import generic_startup

if TYPE_CHECKING:
    from .model import MarketModel

#: Scenario section of this mechanism's parameters ("" for none) and its section of docs/ODD.md.
SECTION, ODD = 'entry', '7.11 Entry'
#: This mechanism in a student's words, for the explorer's About tab: (heading, Markdown paragraph;
#: ``{...}`` fields are filled from the scenario shown by :func:`sim.app_about.mechanisms_html`).
STUDENT = ("Entry", """\
New startups appear while investors are keen{entry_off}.""")



#: Guard of the division when the threshold is 1 (numerical: no sentiment is above it then).
MIN_SPAN = 1e-9


def init(model: MarketModel) -> None:
    """The count of entrants so far (it names them)."""
    model.entrants = 0


def step(model: MarketModel) -> None:
    """Let this month's entrants in."""
    ep = model.sc.entry
    if not ep.enabled or model.sentiment <= ep.sentiment_threshold:
        return
    rng = model.rng_entry
    lam = ep.rate_per_month * (model.sentiment - ep.sentiment_threshold) / max(MIN_SPAN, 1.0 - ep.sentiment_threshold)
    for _ in range(int(rng.poisson(lam))):
        cash = float(ep.seed_capital_usd * rng.lognormal(0.0, model.sc.population.startup_cash_sigma))
        if cash > model.vc_available_usd:
            continue  # seed money comes out of the same finite venture pool as the rounds
        model.vc_available_usd -= cash
        model.entrants += 1
        model.entries_this_month += 1
        firm = generic_startup(model, f"Entrant-{model.entrants:04d}", cash)
        firm.open_with_funding(cash)  # its seed capital is this month's funding
        firm.review_offset = model.t % model.sc.strategy.review_interval_months
        firm.last_round_step = model.t
        model.add_firm(firm)
        model.log(firm.name, EventType.ENTRY, amount_usd=cash, detail="enters with seed capital")
