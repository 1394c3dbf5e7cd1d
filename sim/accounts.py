"""Accounts: each firm's monthly money flows (USD), kept so that money is conserved.

cash' = cash + revenue + funding (VC, IPO) + external (parent or other businesses)
        + transfers (stakes between agents) - costs (payroll, marketing, products, serving,
        training). Training installments are paid in :mod:`sim.technology`; rounds and stakes
in :mod:`sim.capital`; everything else here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .model import MarketModel

#: Scenario section of this mechanism's parameters ("" for none) and its section of docs/ODD.md.
SECTION, ODD = '', '7.4 Accounts'
#: This mechanism in a student's words, for the explorer's About tab: (heading, Markdown paragraph;
#: ``{...}`` fields are filled from the scenario shown by :func:`sim.app_about.mechanisms_html`).
STUDENT = ("Money", """\
Revenue comes in, salaries, marketing and training go out. *Runway* = months of cash left at this
spending.""")



def init(model: MarketModel) -> None:
    """Accounts keep no model-level state: the ledger is each firm's (cash and this month's flows)."""


def step(model: MarketModel) -> None:
    """Book this month's revenue, external inflows and operating costs for every live firm."""
    dp = model.sc.demand
    for f in model.live_firms:
        f.receive(f.revenue_usd)
        serving = f.mau * dp.serving_usd_per_mau_month + dp.enterprise_cost_share * f.revenue_enterprise_usd
        f.book_month(serving)  # external inflows and operating costs differ by kind of firm (sim/agents.py)
