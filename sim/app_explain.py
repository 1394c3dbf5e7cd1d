"""Why each event happened, in plain words, from the live model right after the month that logged it.

The model logs *what* happened (``recorder.events``); the page also says *why*, from the state the
mechanisms read: a firm's cash runway, its model's distance to the free open-weight floor, investor
sentiment, the giants' hiring pull. :func:`snapshot` keeps each startup's runway and cash at the
start of a month (the state its decisions in that month started from); :func:`causes` reads the
month's new events and the model after the month. Nothing here changes the model or draws a
random number (no cached helper such as ``capital.current_ranks`` is called), so a run explained on the
page is the same run as ``python -m sim run``.

It also says which dated events are real history (:func:`history_mark`): the scenario's dated
open-weight releases (``open_source.releases``, the real ones in the baseline), and the article's
patterns and their windows (:mod:`sim.patterns`), as opposed to everything the model simulates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .agents import FOUNDATION, Startup
from .outputs import EventType
from .technology import frontier, reachable_capability, startup_efficiency, startup_run_budget

if TYPE_CHECKING:
    from .model import MarketModel


@dataclass(frozen=True)
class Before:
    """A startup's state at the start of a month: runway (months) and monthly burn (USD per month)."""

    runway_months: float
    burn_usd: float


def snapshot(model: MarketModel) -> dict[str, Before]:
    """Each live startup's runway and burn before the month is simulated."""
    return {f.name: Before(f.runway_months(), f.total_burn_usd()) for f in model.live_startups}


def _runway_at(firm: Startup, burn_usd: float) -> str:
    """The firm's cash now over ``burn_usd`` (the spending it decided on), in words."""
    return months(firm.cash_usd / burn_usd if burn_usd > 0 else math.inf)


# ------------------------------------------------------------------------------------ words
def months(x: float) -> str:
    """'4 months', 'over 5 years' (an infinite runway: no spending)."""
    if not math.isfinite(x):
        return "no spending to cover"
    if x >= 60:
        return f"over {int(x // 12)} years"
    return f"{x:.0f} month{'s' if round(x) != 1 else ''}" if x >= 1.5 else f"{x:.1f} months"


def money(usd: float) -> str:
    """'$1.2B', '$150M', '$576K'."""
    if usd is None or not math.isfinite(usd):
        return ""
    a = abs(usd)
    for div, unit in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if a >= div:
            return f"${usd / div:.1f}{unit}" if a < 10 * div else f"${usd / div:.0f}{unit}"
    return f"${usd:.0f}"


def frontier_months(model: MarketModel, doublings: float) -> float:
    """Months of frontier progress that ``doublings`` of effective compute correspond to."""
    per_year = frontier(model, 12) - frontier(model, 0)
    return 12.0 * doublings / per_year if per_year > 0 else math.nan


def gap_words(model: MarketModel, doublings: float) -> str:
    """'0.4 doublings (about 1 month of the frontier's progress)'."""
    m = frontier_months(model, abs(doublings))
    extra = f" (about {m:.0f} month{'s' if round(m) != 1 else ''} of the frontier's progress)" \
        if math.isfinite(m) and m >= 0.5 else ""
    return f"{abs(doublings):.1f} doublings{extra}"


def _vs_floor(model: MarketModel, capability: float) -> str:
    margin = capability - model.open_floor
    if not math.isfinite(margin):
        return ""
    if margin >= 0:
        return f"{gap_words(model, margin)} ahead of the free open-weight models"
    return f"{gap_words(model, margin)} behind the free open-weight models"


def _next_model_vs_floor(model: MarketModel, firm: Startup, step: int) -> str:
    """How its next model would compare with the free open floor, at the firm's budget now."""
    cap = reachable_capability(model, step, startup_run_budget(model, firm), startup_efficiency(model, firm))
    if not math.isfinite(cap):
        return "it has no cash left to train another model"
    margin = cap - model.open_floor
    if margin < 0:
        return f"its next model would trail the free open models by {gap_words(model, margin)}"
    return f"its next model would lead the free open models by only {gap_words(model, margin)}"


# ------------------------------------------------------------------------------------ causes
def cause(model: MarketModel, ev: dict[str, Any], before: dict[str, Before]) -> str:
    """Why the event ``ev`` (one row of the events table) happened, from the model after its month."""
    firm = model.firm_by_name.get(ev["firm"])
    step = int(ev["step"])
    typ = ev["type"]
    was = before.get(ev["firm"])
    runway0 = months(was.runway_months) if was else ""
    sc = model.sc
    sentiment = f"investor sentiment {model.sentiment:.2f}"
    if typ == EventType.RELEASE:
        gap = frontier(model, step) - (firm.capability if firm is not None else model.open_floor)
        if ev.get("release_name"):
            mark = history_mark(model, ev)
            return (f"{mark or 'a dated release of the scenario'}; the free open floor is now "
                    f"{gap_words(model, frontier(model, step) - model.open_floor)} behind the best model")
        if firm is None:
            return ""
        parts = [f"its training run finished, {gap_words(model, gap)} behind the best model"]
        if isinstance(firm, Startup) or firm.kind == "giant":
            vs = _vs_floor(model, firm.capability)
            if vs:
                parts.append(vs)
        if ev.get("open_weights"):
            parts.append("open weights: it raises the free floor for everyone")
        return "; ".join(parts)
    if firm is None:
        return ""
    if typ == EventType.PIVOT and isinstance(firm, Startup):
        runway = f"runway {_runway_at(firm, was.burn_usd)}" if was else ""
        reasons = [runway, _next_model_vs_floor(model, firm, step), sentiment]
        if ev.get("partner"):
            reasons.append(f"{ev['partner']}, a giant with a cloud, backs it")
        return "; ".join(r for r in reasons if r)
    if typ == EventType.EXIT:
        return (f"cash ran down to {money(max(firm.cash_usd, 0.0)) or '$0'}: under "
                f"{sc.exits.exit_runway_months:g} months of spending left and no new round closed ({sentiment})")
    if typ == EventType.PRODUCT_CUT and isinstance(firm, Startup):  # the burn before the product was closed
        runway = _runway_at(firm, firm.total_burn_usd() + firm.side_product_usd_per_month)
        return (f"runway {runway}, below the {sc.strategy.cut_runway_months:g} months at which a firm "
                "closes side products")
    if typ == EventType.FUNDING_ROUND:
        parts = [f"runway was {runway0}" if runway0 else "", sentiment + " (rounds are larger when it is high)"]
        if firm.strategy == FOUNDATION:
            parts.append("a foundation-model startup keeps raising to pay for training")
        return "; ".join(p for p in parts if p)
    if typ == EventType.DEPARTURE and isinstance(firm, Startup):
        return _departure_cause(model, firm, ev, was)
    if typ == EventType.PRICE_CUT:
        if firm.kind == "open_source":
            return "serving costs fall every year and an open lab prices near cost"
        vs = _vs_floor(model, firm.capability)
        return f"its model is {vs}: less lead over free models, lower markup" if vs else ""
    if typ == EventType.IPO:
        if ev.get("stage") == "filing":
            return (f"its last twelve months' revenue {money(firm.trailing_revenue_usd())} reached the "
                    f"{money(sc.capital.ipo_revenue_usd_per_year)} the model asks of a listing")
        return f"{sc.capital.ipo_months_to_list:g} months after it started its IPO process"
    if typ == EventType.ENTRY:
        return f"{sentiment}: high enough for investors to fund new startups"
    return ""


def _departure_cause(model: MarketModel, firm: Startup, ev: dict[str, Any], was: Before | None) -> str:
    tp = model.sc.talent
    reasons = []
    dest = ev.get("destination") or ""
    if dest.startswith("giant:"):
        reasons.append(f"the giants recruit (poaching weight {tp.poaching_weight:g})")
    elif dest.startswith("founded:"):
        reasons.append(f"{dest[8:]} is a hot niche for a new venture")
    if was is not None and was.runway_months < tp.runway_alarm_months:
        reasons.append(f"runway {months(was.runway_months)}, below the {tp.runway_alarm_months:g}-month alarm")
    if firm.strategy != FOUNDATION:
        reasons.append("the firm stopped training its own models")
    window = tp.contagion_window_months
    recent = sum(1 for e in firm.executives if e.status == "departed" and 0 < int(ev["step"]) - e.left_step
                 < window)
    if recent:
        reasons.append(f"{recent} colleague{'s' if recent > 1 else ''} left in the last {window} months")
    if model.sentiment < model.sc.capital.sentiment_initial:
        reasons.append(f"startup equity is worth less (investor sentiment {model.sentiment:.2f})")
    return "; ".join(reasons)


def causes(model: MarketModel, start: int, before: dict[str, Before]) -> list[str]:
    """The cause of every event logged from index ``start`` on (one month's events)."""
    ev = model.recorder.events
    out = []
    for i in range(start, len(ev["date"])):
        row = {k: ev[k][i] for k in ev}
        out.append(cause(model, row, before))
    return out


# ------------------------------------------------------------------------------------ history
def scheduled(model: MarketModel) -> list[dict[str, Any]]:
    """The scenario's dated open-weight releases: date in history, date in this run, firm, model, gap."""
    osp = model.sc.open_source
    if not osp.enabled:
        return []
    cal = model.calendar
    out = []
    for rel in osp.releases:
        step = cal.step_of(rel.date) + osp.shift_months
        when = cal.labels[step] if 0 <= step < cal.n_steps else "outside the run"
        out.append({"date": rel.date, "in_run": when, "firm": rel.firm, "name": rel.name,
                    "gap_doublings": rel.gap_doublings * osp.release_gap_scale})
    return out


def history_mark(model: MarketModel, ev: dict[str, Any]) -> str:
    """'' for a simulated event; for a dated release of the scenario, e.g. 'real release (2025-01)'."""
    name = ev.get("release_name") or ""
    if ev.get("type") != EventType.RELEASE or not name:
        return ""
    osp = model.sc.open_source
    for rel in osp.releases:
        if rel.name == name and rel.firm == ev.get("firm"):
            if osp.shift_months:
                return f"real release of {rel.date}, moved {osp.shift_months:+d} months in this run"
            return f"real release ({rel.date})"
    return "a dated release of the scenario"


def article_patterns() -> list[tuple[str, str, str]]:
    """The article's dated facts the model is checked against: (id, fact, window)."""
    from .patterns import PATTERNS

    return [(p.id, p.name, p.window) for p in PATTERNS]
