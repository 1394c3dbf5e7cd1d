"""Accounts: each firm's monthly money flows (USD), kept so that money is conserved.

cash' = cash + revenue + funding (VC, IPO) + external (parent or other businesses)
        + transfers (stakes between agents) - costs (payroll, marketing, products, serving,
        training). Training installments are paid in :mod:`sim.technology`; rounds and stakes
in :mod:`sim.capital`; everything else here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .agents import Giant, OpenLab, Startup

if TYPE_CHECKING:
    from .model import MarketModel


def step(model: MarketModel) -> None:
    """Book this month's revenue, external inflows and operating costs for every live firm."""
    dp = model.sc.demand
    for f in model.live_firms:
        f.cash_usd += f.revenue_usd
        serving = f.mau * dp.serving_usd_per_mau_month + dp.enterprise_cost_share * f.revenue_enterprise_usd
        if isinstance(f, Startup):
            f.pay(f.payroll_usd + len(f.side_products) * f.side_product_usd_per_month + serving
                  + (f.marketing_usd_per_month if f.consumer_active else 0.0))
        elif isinstance(f, Giant):
            f.cash_usd += f.external_cash_usd_per_month
            f.external_usd += f.external_cash_usd_per_month
            f.pay(serving + (f.marketing_usd_per_month if f.consumer_active else 0.0))
        elif isinstance(f, OpenLab):
            f.cash_usd += f.parent_funding_usd_per_month
            f.external_usd += f.parent_funding_usd_per_month
            f.pay(serving + (f.marketing_usd_per_month if f.consumer_active else 0.0))
