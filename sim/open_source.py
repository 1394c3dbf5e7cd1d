"""Open source: dated open-weight releases and the free "open floor".

An open-source *shock* is a release that brings the floor closer to the frontier than it has ever
been: ``shock = (closest gap so far - new gap) / (1 + new gap)`` (investors react to records,
not to releases that merely keep pace). The open floor is the best capability anyone can use for
free: the best open-weight model
released so far. Before ``open_source.endogenous_after`` it moves only with the dated schedule
(``open_source.releases``, the real one in the baseline); after it, open labs' and open-weight
giants' own releases raise it too. An open-weight release also *publishes its efficiency*: anyone
can serve the open floor at the cost of the most efficient open release so far
(``best_open_efficiency``), and closed models adopt a share of it at their next run
(:mod:`sim.technology`). Prices are set in :mod:`sim.pricing`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .outputs import EventType
from .technology import adopt_architecture, frontier, publish_efficiency

if TYPE_CHECKING:
    from .model import MarketModel

#: Scenario section of this mechanism's parameters ("" for none) and its section of docs/ODD.md.
SECTION, ODD = 'open_source', '7.2 Open source'
#: Doublings added to the new gap in the shock's denominator, ``(closest - gap) / (1 + gap)``: a normalisation
#: (a record of 0.5 doublings shocks more at a gap of 0 than at a gap of 3), and it keeps a floor that reaches
#: the frontier (gap 0) finite; not a behavioural number (docs/ODD.md, Appendix A).
SHOCK_GAP_OFFSET = 1.0
#: This mechanism in a student's words, for the explorer's About tab: (heading, Markdown paragraph;
#: ``{...}`` fields are filled from the scenario shown by :func:`sim.app_about.mechanisms_html`).
STUDENT = ("Open source", """\
Open-weight models (DeepSeek, Qwen, ...) can be used for free. The best of them is the *open floor*.
Anyone can serve it at the cost of the most efficient open release, so when the floor catches up a
closed model's lead, and its price, melt away.""")



def init(model: MarketModel) -> None:
    """The open floor, its history and records, and the dated schedule; firms named in the schedule
    (other than startups) take their releases from it until ``open_source.endogenous_after``."""
    osp = model.sc.open_source
    model.open_source_active = osp.enabled
    model.endogenous_step = model.calendar.step_of(osp.endogenous_after)
    model.open_floor = frontier(model, 0) - osp.initial_floor_gap
    model.open_floor_candidates = []  # capabilities released open this month, not yet in the floor
    model.floor_gain = 0.0
    model.floor_shock = 0.0
    model.closest_floor_gap = osp.initial_floor_gap
    model.floor_history = []  # the open floor at the start of each month
    model.best_open_efficiency = 1.0  # the best efficiency any open-weight release has published (multiplier)
    model.schedule = scheduled_releases(model)
    scheduled = {firm for rels in model.schedule.values() for firm, _, _ in rels}
    for firm in model.firms:
        if firm.name in scheduled:
            firm.follow_schedule_until(model.endogenous_step)  # history comes from the schedule until then


def scheduled_releases(model: MarketModel) -> dict[int, list[tuple[str, str, float]]]:
    """Map step -> [(firm, model name, gap in doublings)] for the dated schedule, after scale and shift."""
    osp = model.sc.open_source
    out: dict[int, list[tuple[str, str, float]]] = {}
    if not osp.enabled:
        return out
    for rel in osp.releases:
        step = model.calendar.step_of(rel.date) + osp.shift_months
        out.setdefault(step, []).append((rel.firm, rel.name, rel.gap_doublings * osp.release_gap_scale))
    return out


def step(model: MarketModel) -> None:
    """Apply this month's scheduled releases, raise the floor, then reprice every API."""
    t = model.t
    model.floor_history.append(model.open_floor)
    for firm_name, name, gap in model.schedule.get(t, ()):
        firm = model.firm_by_name.get(firm_name)
        if firm is not None and not firm.alive():
            continue  # a firm that has exited releases nothing
        cap = frontier(model, t) - gap
        model.open_floor_candidates.append(cap)
        if firm is not None:
            firm.capability = max(firm.capability, cap)
            firm.releases += 1
            adopt_architecture(model, firm)
            publish_efficiency(model, firm)
        model.log(firm_name, EventType.RELEASE, open_weights=True, release_name=name, gap_doublings=gap,
                  detail=f"open-weight {name}, {gap:.2f} doublings below frontier")
    before = model.open_floor
    if model.open_floor_candidates:
        model.open_floor = max(model.open_floor, *model.open_floor_candidates)
        model.open_floor_candidates.clear()
    model.floor_gain = model.open_floor - before
    gap = frontier(model, t) - model.open_floor
    gap = gap if gap > 0.0 else 0.0  # max(0.0, gap), without a call (as below)
    closing = model.closest_floor_gap - gap
    model.floor_shock = (closing if closing > 0.0 else 0.0) / (SHOCK_GAP_OFFSET + gap)  # max(0.0, closing)
    closest = model.closest_floor_gap
    model.closest_floor_gap = gap if gap < closest else closest  # min(closest, gap)
