"""Two runs side by side: the run shown and the same seed with one change.

The change is either the scenario's own values (undo the sliders the student moved) or another
scenario file at its own values. Both runs are played to the scenario's end (a 60-month run takes
well under a second) and compared on the outcomes the article is about (:func:`outcomes`), with
one chart of both runs over time (:func:`compare_png`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import matplotlib as mpl
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from . import app_components as ac
from .app_session import AppModel
from .model import release
from .outputs import EventType
from .palette import RUN_COLOURS

#: What the second run can change, besides another scenario file: undo the sliders.
OWN_VALUES = "the scenario's own values (undo the sliders)"


@dataclass(frozen=True)
class Side:
    """One run of a comparison: its name, what defines it, its outcomes and its monthly series."""

    name: str
    setup: str
    outcomes: dict[str, str]
    dates: list[str]
    n_foundation: list[int]
    n_exited: list[int]


@dataclass(frozen=True)
class Comparison:
    shown: Side
    other: Side

    def rows(self) -> list[tuple[str, str, str]]:
        """(outcome, the run shown, the other run)."""
        return [(k, v, self.other.outcomes.get(k, "")) for k, v in self.shown.outcomes.items()]


def _at(model: AppModel, column: str, date: str) -> str:
    m = model.recorder.model
    if date in m["date"]:
        value = m[column][m["date"].index(date)]
        return f"{value:.2f}" if isinstance(value, float) else str(value)
    return "not in the run"


def outcomes(model: AppModel) -> dict[str, str]:
    """The article's outcomes in one finished run, as text: survivors, pivots, exits, departures,
    sentiment, first pivot, and how many of the article's patterns hold."""
    m = model.recorder.model
    end = m["date"][-1] if m["date"] else ""
    _, cum, whose = ac.departures_so_far(model, until=ac.ARTICLE_DATE)
    ev = model.recorder.events
    pivots = [(d, f) for d, f, t in zip(ev["date"], ev["firm"], ev["type"], strict=True) if t == EventType.PIVOT]
    rows, error = ac.scorecard(model)
    return {
        f"startups training foundation models at {ac.ARTICLE_DATE}": _at(model, "n_foundation", ac.ARTICLE_DATE),
        f"startups training foundation models at the end ({end})": _at(model, "n_foundation", end),
        f"pivoted (vertical or integrator) at the end ({end})": _at(model, "n_pivoted", end),
        f"exited by the end ({end})": _at(model, "n_exited", end),
        f"executive departures from {whose}, {ac.DEPARTURES_START} to {ac.ARTICLE_DATE}": str(cum[-1] if cum else 0),
        "first pivot": f"{pivots[0][1]}, {pivots[0][0]}" if pivots else "none",
        f"investor sentiment at the end (0-1, {end})": _at(model, "vc_sentiment", end) if end else "",
        "article's patterns that hold (of those decided)": error or ac.scorecard_summary(rows),
    }


def play_to_end(scenario_file: str | Path, seed: int, knobs: dict[str, float]) -> AppModel:
    """A fresh model of the scenario, values and seed, run to its last month."""
    model = AppModel(scenario_file, seed, knobs)
    while model.running:
        model.step()
    return model


def _side(model: AppModel, name: str, setup: str) -> Side:
    m = model.recorder.model
    try:
        return Side(name, setup, outcomes(model), list(m["date"]), list(m["n_foundation"]), list(m["n_exited"]))
    finally:
        release(model)


def compare(shown: AppModel, shown_name: str, other_file: str | Path | None, other_name: str,
            other_knobs: dict[str, float]) -> Comparison:
    """The run shown (replayed to the end from its scenario, values and seed) against ``other_file``
    (``None``: the same file) with ``other_knobs``, same seed."""
    seed = shown.seed_value
    a = play_to_end(shown.scenario_file, seed, shown.knobs)
    b = play_to_end(other_file or shown.scenario_file, seed, other_knobs)
    changed = ", ".join(f"{k.split('.')[-1]} = {v:g}" for k, v in shown.overrides.items())
    return Comparison(_side(a, shown_name, f"seed {seed}" + (f", {changed}" if changed else "")),
                      _side(b, other_name, f"seed {seed}, its own values"))


def compare_png(c: Comparison) -> bytes:
    """Startups training foundation models (solid) and exited (dashed) in both runs, month by month."""
    with mpl.rc_context(ac.STYLE):
        fig = Figure(figsize=(7.0, 3.6), dpi=ac.DPI)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        fig.subplots_adjust(left=0.08, right=0.68, bottom=0.12, top=0.88)
        for side, colour in zip((c.shown, c.other), RUN_COLOURS, strict=True):
            x = range(len(side.dates))
            ax.step(x, side.n_foundation, where="post", color=colour, lw=2.2, label=f"{side.name}: foundation")
            ax.step(x, side.n_exited, where="post", color=colour, lw=1.4, ls="--", label=f"{side.name}: exited")
        dates = c.shown.dates if len(c.shown.dates) >= len(c.other.dates) else c.other.dates
        ticks = [i for i, d in enumerate(dates) if d.endswith("-01")]
        ax.set_xticks(ticks, [dates[i][:4] for i in ticks])
        if ac.ARTICLE_DATE in dates:
            ax.axvline(dates.index(ac.ARTICLE_DATE), color=ac.ARTICLE_COLOUR, ls=":", lw=1.1,
                       label=f"article written ({ac.ARTICLE_DATE})")
        ax.set_ylim(bottom=0)
        ax.set_ylabel("startups")
        ax.set_xlabel("month")
        fig.suptitle("Two runs, same seed: startups training foundation models and exited", x=0.01, ha="left",
                     fontsize=11, fontweight="bold")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8)
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
    return buf.getvalue()
