"""Consumer: chat apps win users by quality, reach, virality and paid acquisition, and lose them.

A stock-flow market of monthly active users (Bass 1969 for the adoption flow; a logit over apps for
where users go). The potential market ``N(t)`` grows logistically to ``consumer_mau_max``. Each
open app ``i`` has an attractiveness ``A_i = exp(quality_weight (q_i - F) + distribution_weight ln r_i
+ v_i)``, ``q`` the quality its app offers (a giant that integrates open models uses the floor when
it is better), ``r`` its distribution reach, ``v`` its viral rush. Each month

    MAU_i' = MAU_i (1 - churn - switch) + switch * sum(MAU) * A_i / sum(A)
             + adoption * U * A_i / sum(A) + marketing_i / CAC,      U = max(0, N - sum(MAU)),

so users churn, a share ``switch`` of the open apps' users re-choose by attractiveness (they leave
for better free alternatives), the undecided adopt, and a firm buys users with marketing at a cost
per acquired user that rises with saturation, ``CAC = cac_usd * (1 + cac_saturation * sum(MAU) / N_max)``.
Paid users come out of the undecided first: when the marketing of all apps would buy more users
than are undecided, each app gets its share of them (the money is spent all the same), and only
the undecided left adopt organically. A closed app only loses users (those left still pay).

A release that makes an app the best app and puts it within ``viral_gap`` of the frontier starts a
viral rush ``v = viral_boost`` that fades by ``viral_decay_per_month`` a month.

Revenue per user and month is ``paying_share * subscription_usd_per_month + ad_usd_per_mau``;
serving a user costs ``tokens_per_mau_month`` times the app's serving cost per token.

Marketing is a decision: a startup spends ``marketing_cash_share`` of its cash a month, times its
consumer weight (1 - enterprise focus), while its runway exceeds ``marketing_runway_months``; giants
and open labs spend their scenario budget (a giant's scaled by its board, :mod:`sim.accounts`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from .demand import logistic_step
from .technology import frontier

if TYPE_CHECKING:
    from .agents import Firm
    from .model import MarketModel

#: Scenario section of this mechanism's parameters ("" for none) and its section of docs/ODD.md.
SECTION, ODD = 'consumer', '7.5 Consumer'
#: This mechanism in a student's words, for the explorer's About tab: (heading, Markdown paragraph;
#: ``{...}`` fields are filled from the scenario shown by :func:`sim.app_about.mechanisms_html`).
STUDENT = ("Users", """\
Chat apps win users with better models, the giants' reach and advertising (each new user costs
more as the market fills up), and lose them to churn and to better free apps. A big model jump
can make an app go viral for a while.""")


def init(model: MarketModel) -> None:
    """The potential consumer market (MAU)."""
    model.consumer_market = model.sc.consumer.consumer_mau_2023


def cost_per_user(model: MarketModel, total_mau: float) -> float:
    """USD to acquire one user by marketing at this month's saturation."""
    cp = model.sc.consumer
    return cp.cac_usd * (1.0 + cp.cac_saturation * total_mau / cp.consumer_mau_max)


def revenue_per_user(model: MarketModel) -> float:
    """Consumer revenue per MAU and month, USD."""
    cp = model.sc.consumer
    return cp.paying_share * cp.subscription_usd_per_month + cp.ad_usd_per_mau


def serving_per_user(model: MarketModel, firm: Firm) -> float:
    """USD a month to serve one user of ``firm``'s app."""
    return model.sc.consumer.tokens_per_mau_month * firm.app_serving_cost(model)


def step(model: MarketModel) -> None:
    """Open or close apps, set marketing, move users, book consumer revenue."""
    cp = model.sc.consumer
    model.consumer_market = logistic_step(model.consumer_market, cp.consumer_growth_per_month, cp.consumer_mau_max)
    t = model.t
    front = frontier(model, t)
    apps: list[Firm] = []
    for f in model.live_firms:
        f.update_consumer_app(t)
        f.viral *= 1.0 - cp.viral_decay_per_month
        if f.consumer_active:
            apps.append(f)
    _viral(model, apps, front)
    total = 0  # sum(f.mau for f in model.live_firms), without the generator
    for f in model.live_firms:
        total += f.mau
    undecided = model.consumer_market - total
    undecided = undecided if undecided > 0.0 else 0.0  # max(0.0, undecided), without a call
    cac = cost_per_user(model, total)
    weights = [math.exp(f.app_utility(model, front)) for f in apps]
    wsum = sum(weights)
    app_mau = 0
    for f in apps:
        app_mau += f.mau
    paid = [f.choose_marketing(model) / cac for f in apps]
    paid_total = sum(paid)
    scale = 0.0  # min(1.0, undecided / paid_total): paid users come out of the undecided
    if paid_total > 0:
        scale = undecided / paid_total
        scale = scale if scale < 1.0 else 1.0
    left = undecided - paid_total * scale
    organic = cp.adoption_per_month * (left if left > 0.0 else 0.0)  # max(0.0, left)
    keep = 1.0 - cp.churn_per_month - cp.switch_per_month
    for f, w, b in zip(apps, weights, paid, strict=True):
        share = w / wsum
        f.mau = f.mau * keep + (cp.switch_per_month * app_mau + organic) * share + b * scale
    arpu = revenue_per_user(model)
    for f in model.live_firms:
        if not f.consumer_active:
            f.mau *= keep
            f.marketing_spend_usd = 0.0
        f.revenue_consumer_usd = f.mau * arpu


def _viral(model: MarketModel, apps: list[Firm], front: float) -> None:
    """Start a rush for an app that a new model made the best app, within ``viral_gap`` of the frontier."""
    cp = model.sc.consumer
    if not apps:
        return
    qualities = [f.consumer_quality(model) for f in apps]
    best = max(qualities)
    for f, q in zip(apps, qualities, strict=True):
        own = f.capability >= q  # its own model powers the app (not open weights it borrows)
        if own and q > f.app_quality_seen and q >= best and front - q <= cp.viral_gap:
            f.viral = cp.viral_boost
        f.app_quality_seen = q
