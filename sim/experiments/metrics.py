"""Scalar metrics of one run, by name: what a sweep keeps per run in its runs table.

Each metric reads a :class:`sim.results.RunResult` (its column dicts, no pandas) and returns a
float; NaN means "did not happen" (e.g. no abandonment). A spec picks any subset with
``[outputs] metrics = [...]``; the default is all of them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..facts import ARTICLE_DATE
from ..outputs import IPO_LISTING, EventType
from ..patterns import evaluate

if TYPE_CHECKING:
    from ..results import RunResult


def _last(result: RunResult, column: str) -> float:
    values = result.model[column]
    return float(values[-1]) if values else math.nan


def foundation_2027_12(r: RunResult) -> float:
    """Startups still developing foundation models in the last month (count; 2027-12 in the baseline)."""
    return _last(r, "n_foundation")


def alive_end(r: RunResult) -> float:
    """Startups still alive (any strategy) in the last month (count)."""
    return _last(r, "n_alive")


def pivoted_end(r: RunResult) -> float:
    """Startups alive but no longer training foundation models in the last month (count)."""
    return _last(r, "n_pivoted")


def exited_end(r: RunResult) -> float:
    """Startups that exited (absorbed or shut down) by the last month (count)."""
    return _last(r, "n_exited")


def _share_of_startups(r: RunResult, column: str) -> float:
    """``column``'s count in the last month over every startup of the run (alive or exited, entrants too)."""
    total = _last(r, "n_alive") + _last(r, "n_exited")
    return _last(r, column) / total if total > 0 else math.nan


def foundation_share_end(r: RunResult) -> float:
    """Share of the run's startups still developing foundation models in the last month (0-1)."""
    return _share_of_startups(r, "n_foundation")


def alive_share_end(r: RunResult) -> float:
    """Share of the run's startups alive (any strategy) in the last month (0-1)."""
    return _share_of_startups(r, "n_alive")


def exited_share_end(r: RunResult) -> float:
    """Share of the run's startups that exited by the last month (0-1)."""
    return _share_of_startups(r, "n_exited")


def first_abandonment_step(r: RunResult) -> float:
    """Step (months since the start) of the first startup to stop foundation-model development.

    A pivot, or the exit of a startup that had not pivoted. NaN if none abandons.
    """
    ev = r.events
    pivoted: set[str] = set()
    for step, firm, typ in zip(ev["step"], ev["firm"], ev["type"], strict=False):
        if typ == EventType.PIVOT:
            return float(step)
        if typ == EventType.EXIT and r.firm_kinds.get(firm, "startup") == "startup" and firm not in pivoted:
            return float(step)
    return math.nan


def first_abandonment_year(r: RunResult) -> float:
    """Decimal year of the first abandonment (e.g. 2024.5 for 2024-07); NaN if none."""
    step = first_abandonment_step(r)
    return math.nan if math.isnan(step) else _decimal_year(r, int(step))


def _decimal_year(r: RunResult, step: int) -> float:
    """Decimal year of month ``step`` of the run (2024.5 for 2024-07)."""
    date = r.model["date"][0]
    return int(date[:4]) + (int(date[5:7]) - 1 + step) / 12.0


def last_foundation_year(r: RunResult) -> float:
    """Decimal year of the last month in which a startup still trains foundation models (its last month if one
    still does at the end: the date then says "to the end", read it with ``foundation_2027_12``); NaN if none
    ever does."""
    months = [i for i, n in enumerate(r.model["n_foundation"]) if n > 0]
    return _decimal_year(r, months[-1]) if months else math.nan


def departures_to_2025_06(r: RunResult) -> float:
    """Executive departures from the start to the article's month (``sim.facts.ARTICLE_DATE``, 2025-06) inclusive
    (count)."""
    ev = r.events
    return float(sum(1 for d, t in zip(ev["date"], ev["type"], strict=True)
                     if t == EventType.DEPARTURE and d <= ARTICLE_DATE))


def departures_total(r: RunResult) -> float:
    """Executive departures over the whole run (count)."""
    return float(sum(1 for t in r.events["type"] if t == EventType.DEPARTURE))


def hhi_consumer_end(r: RunResult) -> float:
    """Herfindahl-Hirschman index of consumer MAU shares in the last month (0-1)."""
    return _last(r, "hhi_consumer")


def hhi_enterprise_end(r: RunResult) -> float:
    """Herfindahl-Hirschman index of enterprise revenue shares in the last month (0-1)."""
    return _last(r, "hhi_enterprise")


def mean_sentiment_2025(r: RunResult) -> float:
    """Mean investor sentiment over 2025-01..2025-12 (0-1); NaN if the run misses 2025."""
    vals = [s for d, s in zip(r.model["date"], r.model["vc_sentiment"], strict=False) if d.startswith("2025-")]
    return sum(vals) / len(vals) if vals else math.nan


def funding_rounds_total(r: RunResult) -> float:
    """Venture rounds closed by startups over the run (count)."""
    return float(sum(1 for t in r.events["type"] if t == EventType.FUNDING_ROUND))


def ipos_total(r: RunResult) -> float:
    """Startups that listed their shares (count of IPO events at the listing stage)."""
    ev = r.events
    return float(sum(1 for t, s in zip(ev["type"], ev["stage"], strict=True)
                     if t == EventType.IPO and s == IPO_LISTING))


def patterns_passed(r: RunResult) -> float:
    """Number of history patterns the run passes (count, :mod:`sim.patterns`)."""
    return float(sum(1 for p in evaluate(r) if p.passed))


#: name -> function(RunResult) -> float, in the order of the runs table.
METRICS: dict[str, Callable[[RunResult], float]] = {
    "foundation_2027_12": foundation_2027_12,
    "alive_end": alive_end,
    "pivoted_end": pivoted_end,
    "exited_end": exited_end,
    "first_abandonment_step": first_abandonment_step,
    "first_abandonment_year": first_abandonment_year,
    "departures_to_2025_06": departures_to_2025_06,
    "departures_total": departures_total,
    "hhi_consumer_end": hhi_consumer_end,
    "hhi_enterprise_end": hhi_enterprise_end,
    "mean_sentiment_2025": mean_sentiment_2025,
    "funding_rounds_total": funding_rounds_total,
    "ipos_total": ipos_total,
    "patterns_passed": patterns_passed,
    "foundation_share_end": foundation_share_end,
    "alive_share_end": alive_share_end,
    "exited_share_end": exited_share_end,
    "last_foundation_year": last_foundation_year,
}

#: Axis labels of the metrics (with units) for figures.
LABELS: dict[str, str] = {
    "foundation_2027_12": "foundation-model startups, last month",
    "alive_end": "startups alive, last month",
    "pivoted_end": "startups pivoted, last month",
    "exited_end": "startups exited by the last month",
    "foundation_share_end": "share of startups training foundation models, last month",
    "alive_share_end": "share of startups alive, last month",
    "exited_share_end": "share of startups exited by the last month",
    "first_abandonment_step": "first abandonment (months from start)",
    "first_abandonment_year": "first abandonment (year)",
    "departures_to_2025_06": "executive departures to 2025-06",
    "departures_total": "executive departures, whole run",
    "hhi_consumer_end": "HHI of consumer MAU, last month",
    "hhi_enterprise_end": "HHI of enterprise revenue, last month",
    "mean_sentiment_2025": "mean investor sentiment 2025 (0-1)",
    "funding_rounds_total": "venture rounds closed",
    "ipos_total": "listings",
    "patterns_passed": "patterns passed",
    "last_foundation_year": "last month a startup trains foundation models (year)",
}

#: Unit of a difference between two values of each metric (effects, e.g. ``compare --posterior``).
EFFECT_UNITS: dict[str, str] = {
    "foundation_2027_12": "startups", "alive_end": "startups", "pivoted_end": "startups",
    "exited_end": "startups", "first_abandonment_step": "months", "first_abandonment_year": "years",
    "departures_to_2025_06": "executives", "departures_total": "executives",
    "hhi_consumer_end": "HHI points on 0-1", "hhi_enterprise_end": "HHI points on 0-1",
    "mean_sentiment_2025": "sentiment points on 0-1", "funding_rounds_total": "rounds", "ipos_total": "listings",
    "patterns_passed": "patterns", "foundation_share_end": "share of startups", "alive_share_end": "share of startups",
    "exited_share_end": "share of startups", "last_foundation_year": "years",
}

#: Metrics a spec keeps only when it names them: ``patterns_passed`` (slower), the per-startup shares (for
#: markets of different sizes, docs/robustness.md) and ``last_foundation_year`` (added later), so that the
#: default set, and the identity of every spec that relies on it, stays what it was.
NAMED_ONLY = ("patterns_passed", "foundation_share_end", "alive_share_end", "exited_share_end", "last_foundation_year")
#: The metrics a spec keeps when it names none.
DEFAULT_METRICS = [n for n in METRICS if n not in NAMED_ONLY]

#: The outcomes compared across scenarios by default (``python -m sim compare``).
KEY_OUTCOMES = ["foundation_2027_12", "alive_end", "first_abandonment_year", "departures_to_2025_06",
                "hhi_consumer_end", "mean_sentiment_2025"]


def compute(result: RunResult, names: list[str]) -> dict[str, float]:
    """The metrics ``names`` of one run."""
    return {n: float(METRICS[n](result)) for n in names}
