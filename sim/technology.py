"""Technology: a moving frontier and training runs whose cost grows with it.

Capability is measured in doublings of *effective* training compute relative to the global
frontier of 2023-01. The frontier moves by ``log2(compute growth) + 12 / halving`` doublings a
year (physical compute plus algorithmic progress). A run that lands ``g`` doublings below the
frontier at efficiency ``e`` costs ``frontier_run_cost(t) * 2**-g / e``, where the frontier run
cost grows ``run_cost_growth_per_year`` (Cottier et al. 2024). A firm's capability is fixed
between runs, so it decays *relative* to the frontier unless the firm keeps training.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from .calendar import MONTHS_PER_YEAR
from .outputs import EventType

if TYPE_CHECKING:
    from .agents import Firm, Startup
    from .model import MarketModel

#: Scenario section of this mechanism's parameters ("" for none) and its section of docs/ODD.md.
SECTION, ODD = 'technology', '7.1 Technology'
#: This mechanism in a student's words, for the explorer's About tab: (heading, Markdown paragraph;
#: ``{...}`` fields are filled from the scenario shown by :func:`sim.app_about.mechanisms_html`).
STUDENT = ("Training", """\
A foundation-model startup spends part of its cash on a training run. Runs get dearer every year
(*training-cost growth*); its new model lands some distance behind the best model in the world (*the
frontier*). Serving gets cheaper every year, and cheaper still for a firm that has served many
tokens (*learning by doing*).""")



def init(model: MarketModel) -> None:
    """Technology keeps no model-level state: the frontier is a function of time, runs are the firms' own."""


def frontier(model: MarketModel, step: int) -> float:
    """Frontier capability at ``step``, doublings vs 2023-01 (computed once per step and run: every mechanism asks)."""
    cache = model.frontier_cache
    value = cache.get(step)
    if value is None:
        tp = model.sc.technology
        per_year = math.log2(tp.frontier_compute_growth_per_year) + MONTHS_PER_YEAR / tp.algorithmic_halving_months
        value = cache[step] = per_year * model.calendar.years_since_2023(step)
    return value


def frontier_run_cost(model: MarketModel, step: int) -> float:
    """Cost (USD) of one run reaching the frontier at efficiency 1 at ``step``."""
    tp = model.sc.technology
    years = model.calendar.years_since_2023(step)
    return tp.frontier_run_cost_usd_2023 * tp.run_cost_growth_per_year ** years * tp.run_cost_scale


def run_cost(model: MarketModel, step: int, gap: float, efficiency: float) -> float:
    """Cost (USD) of a run landing ``gap`` doublings below the frontier at ``efficiency``."""
    return frontier_run_cost(model, step) * 2.0 ** (-gap) / efficiency


def reachable_capability(model: MarketModel, step: int, spend: float, efficiency: float) -> float:
    """Capability (doublings) a run started at ``step`` with ``spend`` USD reaches; never above the frontier."""
    if spend <= 0:
        return -math.inf
    gap = math.log2(frontier_run_cost(model, step) / (spend * efficiency))
    return frontier(model, step) - (0.0 if 0.0 > gap else gap)  # max(gap, 0.0), without a call


def serving_cost(model: MarketModel, step: int, efficiency: float = 1.0) -> float:
    """Cost to serve a near-frontier model, USD per million tokens, at ``efficiency`` (GPU rent and software
    make it fall ``serving_cost_decline_per_year``)."""
    cache = model.serving_cache
    ref = cache.get(step)
    if ref is None:
        tp = model.sc.technology
        ref = cache[step] = tp.serving_cost_usd_per_mtok_2023 / tp.serving_cost_decline_per_year \
            ** model.calendar.years_since_2023(step)
    return ref / efficiency


def learning_multiplier(model: MarketModel, firm: Firm) -> float:
    """Multiplier (at most 1) on ``firm``'s cost to serve its API from learning by doing: its cumulative API tokens
    ``X`` over the start ``X0``, to the power ``-serving_learning_exponent`` once ``X > X0``."""
    tp = model.sc.technology
    ratio = firm.served_mtok / tp.serving_learning_start_mtok
    return ratio ** -tp.serving_learning_exponent if ratio > 1.0 else 1.0


def publish_efficiency(model: MarketModel, firm: Firm) -> None:
    """An open-weight release by ``firm`` publishes its efficiency: anyone can serve its weights at that cost, and
    every closed lab learns its methods at once, training at least ``architecture_spillover`` times it (the
    models a closed lab serves get the new efficiency at its next release, :func:`adopt_architecture`)."""
    model.best_open_efficiency = max(model.best_open_efficiency, firm.model_efficiency)
    learned = learned_efficiency(model)
    for f in model.live_firms:
        if not f.open_prices and f.efficiency < learned:
            f.efficiency = learned


def learned_efficiency(model: MarketModel) -> float:
    """The training efficiency (multiplier) every closed lab has learned from the open releases so far:
    ``architecture_spillover`` times the best published one."""
    return model.sc.technology.architecture_spillover * model.best_open_efficiency


def adopt_architecture(model: MarketModel, firm: Firm) -> None:
    """A new model of ``firm`` is served at the firm's (training) efficiency."""
    firm.model_efficiency = firm.efficiency


def startup_efficiency(model: MarketModel, firm: Startup) -> float:
    """Training efficiency of a startup: its own, scaled by the share of technical leaders in post."""
    floor = model.sc.technology.talent_efficiency_floor
    return firm.efficiency * (floor + (1.0 - floor) * firm.tech_share())


def startup_run_budget(model: MarketModel, firm: Startup) -> float:
    """USD a startup commits to its next run: a share of cash, capped by its board limit and by
    the cash it must keep for ``training_reserve_months`` of operations."""
    tp = model.sc.technology
    spare = firm.cash_usd - tp.training_reserve_months * firm.burn_usd()
    budget = tp.training_budget_share * firm.cash_usd  # max(0.0, min(budget, max_run_spend_usd, spare)), inline
    cap = tp.max_run_spend_usd
    budget = cap if cap < budget else budget
    budget = spare if spare < budget else budget
    return budget if budget > 0.0 else 0.0


def start_run(model: MarketModel, firm: Firm, spend: float, capability: float) -> None:
    """Commit ``spend`` USD over the run's months; the model arrives at the end of the run."""
    months = model.sc.technology.training_run_months
    firm.run_installments = [spend / months] * months
    firm.run_done_step = model.t + months  # paid over the next ``months`` months, released at the last
    firm.run_capability = capability
    firm.run_spend = spend


def step(model: MarketModel) -> None:
    """Pay training installments, finish runs due this month, start runs due this month."""
    t = model.t
    for firm in model.live_firms:
        if firm.run_installments:
            firm.pay_bill(firm.run_installments.pop())
        if firm.run_done_step == t:
            _finish_run(model, firm)
        if t < firm.next_run_step or firm.run_done_step > t:
            continue
        firm.start_due_run(model, t)  # each kind of firm decides what to train (sim/agents.py)


def startup_run(model: MarketModel, firm: Startup, t: int) -> None:
    """A foundation startup's run: its budget at its efficiency, less the setback of recent technical
    departures; started only if it beats the model the firm has (else it looks again next month)."""
    tp = model.sc.technology
    spend = startup_run_budget(model, firm)
    eff = startup_efficiency(model, firm)
    setback = model.sc.talent.cap_loss_per_tech_departure * sum(
        1 for s in firm.recent_tech_departures if t - s < tp.departure_setback_months)
    cap = reachable_capability(model, t, spend, eff) - setback
    if spend <= 0 or cap <= firm.capability:
        firm.next_run_step = t + 1  # nothing worth training this month; look again next month
        return
    start_run(model, firm, spend, cap)
    firm.next_run_step = t + tp.release_interval_months


def gap_run(model: MarketModel, firm: Firm, t: int, gap: float, interval_months: int) -> None:
    """A giant's or an open lab's run: it aims ``gap`` doublings below the frontier, but spends no more than
    its training budget (:meth:`sim.agents.Firm.training_budget_usd`); a smaller budget lands further below.
    The next one starts ``interval_months`` later; a run not worth starting is looked at again next month."""
    wanted = run_cost(model, t, gap, firm.efficiency)
    budget = firm.training_budget_usd(model)
    spend = budget if budget < wanted else wanted  # min(wanted, budget)
    cap = frontier(model, t) - gap if spend >= wanted else reachable_capability(model, t, spend, firm.efficiency)
    if spend <= 0 or cap <= firm.capability:
        firm.next_run_step = t + 1
        return
    start_run(model, firm, spend, cap)
    firm.next_run_step = t + interval_months


def _finish_run(model: MarketModel, firm: Firm) -> None:
    """A run completes: the firm's model improves and a release event is logged."""
    firm.run_done_step = -1
    if firm.run_capability <= firm.capability:
        return
    firm.capability = firm.run_capability
    firm.releases += 1
    adopt_architecture(model, firm)
    gap = frontier(model, model.t) - firm.capability
    is_open = firm.open_weights and model.open_source_active and \
        model.t >= model.endogenous_step
    if is_open:
        model.open_floor_candidates.append(firm.capability)
        publish_efficiency(model, firm)
    model.log(firm.name, EventType.RELEASE, amount_usd=firm.run_spend, open_weights=is_open,
              model_number=firm.releases, gap_doublings=gap,
              detail=f"{'open-weight ' if is_open else ''}model #{firm.releases}, {gap:.2f} doublings below frontier")
