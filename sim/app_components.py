"""The interactive page's pieces that need no browser: charts, the event feed and the scorecard.

Everything here reads a live :class:`sim.model.MarketModel` (its recorder's column dicts, so
whatever has been simulated so far) and returns plain data: PNG bytes for a chart, lines of
text for the feed, rows for the scorecard. :mod:`sim.app` puts them on the page. Charts are
drawn on :class:`matplotlib.figure.Figure` objects (Agg canvas, no pyplot state), so that several
browser sessions can draw at once.
"""

from __future__ import annotations

import html
import io
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import matplotlib as mpl
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from PIL import Image as PILImage

from .app_explain import history_mark, money
from .facts import (
    ARTICLE_DATE,
    DEPARTURES_BY_ARTICLE,
    DEPARTURES_RANGE,
    DEPARTURES_START,
    HISTORY_START,
    PROJECTION_DATE,
    SEATS_AT_PROJECTION,
    SIX,
)
from .outputs import IPO_FILING, IPO_LISTING, EventType, event_row
from .palette import (
    ALARM_COLOUR,
    ALARM_TEXT_COLOUR,
    ARTICLE_COLOUR,
    EVENT_COLOURS,
    GIANT_SHADES,
    LAB_SHADES,
    OPEN_FLOOR_COLOUR,
    RUNWAY_CLIP,
    STATUS_COLOURS,
    STRATEGY_COLOURS,
)
from .patterns import Applicability, evaluate

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes

    from .model import MarketModel

# Same palette, words and article facts as the report figures and patterns (sim/palette.py, sim/facts.py).
ARTICLE_DEPARTURES, ARTICLE_DEPARTURES_HIGH = DEPARTURES_RANGE  # T1: "at least 22", the pattern's upper tolerance
MAX_ROWS = 16  # startups shown on the strategy timeline
MAX_SHARE_FIRMS = 8  # firms named on the MAU-share chart; the rest are "others"

FIG_SIZE = (6.0, 3.9)  # inches; the page shows charts in a two-column grid
DPI = 100
STYLE = {
    "font.size": 10, "axes.titlesize": 12, "axes.titleweight": "bold", "axes.labelsize": 10,
    "legend.fontsize": 8.5, "xtick.labelsize": 9.5, "ytick.labelsize": 9.5, "axes.grid": True,
    "grid.alpha": 0.3, "grid.linewidth": 0.6, "axes.spines.top": False, "axes.spines.right": False,
}


# ------------------------------------------------------------------------------------ the recorder so far
def firm_series(model: MarketModel, column: str) -> dict[str, list[float]]:
    """``{firm: [value at step 0, 1, ...]}`` of one column of the firms table, as recorded so far."""
    rec = model.recorder.firms
    out: dict[str, list[float]] = {}
    steps = rec["step"]
    for firm, step, value in zip(rec["firm"], steps, rec[column], strict=False):
        series = out.setdefault(firm, [])
        while len(series) < step:  # a firm that entered late has no rows before its entry
            series.append(math.nan)
        series.append(value)
    return out


def firm_strategies(model: MarketModel) -> dict[str, list[str]]:
    """``{startup: [strategy at step 0, 1, ...]}`` ('' before a late entrant's first month)."""
    rec = model.recorder.firms
    out: dict[str, list[str]] = {}
    for firm, kind, step, strat in zip(rec["firm"], rec["kind"], rec["step"], rec["strategy"], strict=False):
        if kind != "startup":
            continue
        series = out.setdefault(firm, [])
        while len(series) < step:
            series.append("")
        series.append(strat)
    return out


def shown_startups(model: MarketModel) -> list[str]:
    """The startups the per-firm charts show: the six first (when present), then in order of entry."""
    names = [f.name for f in model.firms if f.kind == "startup"]
    six = [n for n in SIX if n in names]
    rest = [n for n in names if n not in six]
    return (six + rest)[:MAX_ROWS]


def firm_colours(model: MarketModel) -> dict[str, Any]:
    """A stable colour per firm: startups from tab10/tab20, giants in greys, open labs in green."""
    startups = [f.name for f in model.firms if f.kind == "startup"]
    six = [n for n in SIX if n in startups]
    ordered = six + [n for n in startups if n not in six]
    cmap = mpl.colormaps["tab10" if len(ordered) <= 10 else "tab20"]
    out: dict[str, Any] = {n: cmap(i % cmap.N) for i, n in enumerate(ordered)}
    greys = GIANT_SHADES
    greens = LAB_SHADES
    gi = oi = 0
    for f in model.firms:
        if f.kind == "giant":
            out[f.name] = greys[gi % len(greys)]
            gi += 1
        elif f.kind == "open_source":
            out[f.name] = greens[oi % len(greens)]
            oi += 1
    return out


# ------------------------------------------------------------------------------------ charts
class LiveChart:
    """A chart whose frame (axes, ticks, labels, legend) is drawn once and whose data is drawn each month.

    Drawing text dominates the cost of a matplotlib chart, and the frame does not change while the
    months pass (the time axis spans the whole scenario from the start), so :meth:`render`
    restores the frame's pixels and draws only the data on them (matplotlib's blitting). The frame
    is redrawn when :meth:`frame_key` changes (e.g. a new firm in the legend, a longer y axis).
    Subclasses define :meth:`frame` (static artists) and :meth:`data` (this month's artists).
    """

    title = ""
    margins = {"left": 0.1, "right": 0.72, "bottom": 0.09, "top": 0.89}

    def __init__(self, model: MarketModel) -> None:
        self.colours = firm_colours(model)
        self._key: Any = object()
        self._background: Any = None
        self.fig = self.ax = None
        self.overlays: list[Artist] = []

    # -- for subclasses
    def frame_key(self, model: MarketModel) -> Any:
        """What the frame depends on; the frame is redrawn when this changes."""
        return None

    def frame(self, model: MarketModel, ax: Axes) -> None:
        """Draw the static part (title, labels, limits, legend)."""

    def data(self, model: MarketModel, ax: Axes) -> list[Artist]:
        """Create this month's data artists (they are drawn once, then removed)."""
        return []

    # -- machinery
    def _build(self, model: MarketModel) -> None:
        self.colours = firm_colours(model)  # entrants get theirs
        with mpl.rc_context(STYLE):
            fig = Figure(figsize=FIG_SIZE, dpi=DPI)
            FigureCanvasAgg(fig)
            fig.subplots_adjust(**self.margins)
            ax = fig.add_subplot()
            fig.suptitle(self.title_for(model), x=0.01, y=0.985, ha="left", va="top", fontsize=12,
                         fontweight="bold")
            cal = model.calendar
            n = cal.n_steps
            ticks = [t for t in range(n) if cal.labels[t].endswith("-01")]
            ax.set_xlim(-0.5, n - 0.5)
            ax.set_xticks(ticks, [cal.labels[t][:4] for t in ticks])
            self.frame(model, ax)
            # drawn over the data every month: the article's date
            self.overlays = []
            t_art = cal.step_of(ARTICLE_DATE)
            if 0 <= t_art < n:
                self.overlays.append(ax.axvline(t_art, color=ARTICLE_COLOUR, lw=1.1, ls=":", zorder=5,
                                                animated=True))
            fig.canvas.draw()
            self._background = fig.canvas.copy_from_bbox(fig.bbox)
        self.fig, self.ax = fig, ax

    def title_for(self, model: MarketModel) -> str:
        return self.title

    def render(self, model: MarketModel) -> bytes:
        """PNG bytes of the chart at the model's current month."""
        key = self.frame_key(model)
        if self.fig is None or key != self._key:
            self._build(model)
            self._key = key
        fig, ax = self.fig, self.ax
        canvas = fig.canvas
        canvas.restore_region(self._background)
        n = model.calendar.n_steps
        with mpl.rc_context(STYLE):
            artists = []
            if model.t < n:  # the months still to come are shaded
                artists.append(ax.axvspan(max(model.t - 0.5, -0.5), n - 0.5, color="black", alpha=0.06, lw=0,
                                          zorder=0.5, animated=True))
            artists += self.data(model, ax)
            for a in artists:
                a.set_animated(True)
                ax.draw_artist(a)
            for a in self.overlays:
                ax.draw_artist(a)
            for a in artists:
                a.remove()
        buf = io.BytesIO()
        PILImage.fromarray(np.asarray(canvas.buffer_rgba())).convert("RGB").save(buf, format="png", compress_level=1)
        return buf.getvalue()


def _legend(ax: Axes, handles: list[Any], **kw: Any) -> None:
    """A legend right of the axes, from proxy handles (the data artists come and go)."""
    opts = {"loc": "upper left", "bbox_to_anchor": (1.01, 1.0), "frameon": False, "fontsize": 8.5,
            "borderaxespad": 0.0, "handlelength": 1.6}
    opts.update(kw)
    ax.legend(handles=handles, **opts)


def _article_handle() -> Line2D:
    return Line2D([], [], color=ARTICLE_COLOUR, ls=":", label=f"article written\n({ARTICLE_DATE})")


class StrategyChart(LiveChart):
    """Each startup's strategy month by month (a coloured strip per firm)."""

    margins = {"left": 0.14, "right": 0.98, "bottom": 0.17, "top": 0.9}

    def frame_key(self, model: MarketModel) -> Any:
        return tuple(shown_startups(model))

    def title_for(self, model: MarketModel) -> str:
        names = shown_startups(model)
        total = sum(1 for f in model.firms if f.kind == "startup")
        return "Each startup's strategy" + (f" (first {len(names)} of {total})" if total > len(names) else "")

    def frame(self, model: MarketModel, ax: Axes) -> None:
        names = shown_startups(model)
        ax.set_yticks(range(len(names)), names, fontsize=9.5 if len(names) <= 8 else 7.5)
        ax.set_ylim(len(names) - 0.5, -0.5)
        ax.grid(False, axis="y")
        handles = [Patch(color=c, label=s) for s, c in STRATEGY_COLOURS.items()]
        handles.append(Line2D([], [], color=ARTICLE_COLOUR, ls=":", label=f"article ({ARTICLE_DATE})"))
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.43, -0.08), ncol=5, frameon=False,
                  fontsize=8.5, handlelength=1.2, columnspacing=0.9)

    def data(self, model: MarketModel, ax: Axes) -> list[Artist]:
        strat = firm_strategies(model)
        bars: dict[str, list[tuple[float, float, int]]] = {}
        for row, name in enumerate(shown_startups(model)):
            series = strat.get(name, [])
            start = 0
            for t in range(1, len(series) + 1):
                if t == len(series) or series[t] != series[start]:
                    if series[start]:
                        bars.setdefault(series[start], []).append((start - 0.5, t - start, row))
                    start = t
        out: list[Artist] = []
        for s, spans in bars.items():
            colour = STRATEGY_COLOURS.get(s, "#999999")
            for x0, w, row in spans:
                out.append(ax.broken_barh([(x0, w)], (row - 0.35, 0.7), facecolors=colour, edgecolor="none"))
        return out


class SurvivorsChart(LiveChart):
    """Startups still training foundation models, pivoted and exited, month by month."""

    title = "Startups still training foundation models"
    margins = {**LiveChart.margins, "left": 0.09}
    LINES = (("n_foundation", STRATEGY_COLOURS["foundation"], "foundation"),
             ("n_pivoted", STRATEGY_COLOURS["vertical"], "pivoted (vertical\nor integrator)"),
             ("n_exited", "#888888", "exited"))

    def frame_key(self, model: MarketModel) -> Any:
        m = model.recorder.model
        n_start = sum(1 for f in model.firms if f.kind == "startup")
        return max([n_start, *m["n_alive"], *m["n_exited"]])

    def frame(self, model: MarketModel, ax: Axes) -> None:
        top = self.frame_key(model)
        end = model.calendar.n_steps - 1
        ax.fill_between([end - 1.5, end + 0.5], *SEATS_AT_PROJECTION, color=ARTICLE_COLOUR, alpha=0.25, lw=0)
        ax.set_ylim(-0.3, top + 0.5)
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.set_ylabel("startups")
        handles: list[Any] = [Line2D([], [], color=c, lw=2.2, label=label) for _, c, label in self.LINES]
        lo, hi = SEATS_AT_PROJECTION
        handles += [Patch(color=ARTICLE_COLOUR, alpha=0.25,
                          label=f"article: {lo}-{hi} keep\na seat ({PROJECTION_DATE})"),
                    _article_handle()]
        _legend(ax, handles)

    def data(self, model: MarketModel, ax: Axes) -> list[Artist]:
        m = model.recorder.model
        out: list[Artist] = []
        for col, colour, _ in self.LINES:
            out += ax.step(m["step"], m[col], where="mid", color=colour, lw=2.2)
        return out


class CapabilityChart(LiveChart):
    """Frontier, open-weight floor and each firm's best model (doublings of effective compute)."""

    title = "Capability against the open-weight floor"

    def frame_key(self, model: MarketModel) -> Any:
        # the y axis grows in steps of 4 doublings as the frontier moves up
        m = model.recorder.model
        values = [v for v in (*model.recorder.firms["capability"], *m["frontier_capability"],
                              *m["open_floor_capability"], model.open_floor, 0.0) if math.isfinite(v)]
        lo, hi = min(values), max(values)
        return 2 * math.floor(lo / 2) - 0.5, 4 * math.ceil((hi + 0.5) / 4) + 0.5, tuple(shown_startups(model)[:8])

    def frame(self, model: MarketModel, ax: Axes) -> None:
        lo, hi, named = self.frame_key(model)
        ax.set_ylim(lo, hi)
        ax.set_ylabel(f"doublings vs {HISTORY_START} frontier", fontsize=9)
        handles: list[Any] = [Line2D([], [], color=self.colours.get(n), lw=1.4, label=n) for n in named]
        handles += [Line2D([], [], color="black", ls="--", lw=1.3, label="global frontier"),
                    Line2D([], [], color=OPEN_FLOOR_COLOUR, lw=3.0, alpha=0.85, label="open-weight floor"),
                    Line2D([], [], color="#777777", lw=0.8, label="giants, open labs"),
                    _article_handle()]
        _legend(ax, handles)

    def data(self, model: MarketModel, ax: Axes) -> list[Artist]:
        m = model.recorder.model
        cap = firm_series(model, "capability")
        strat = firm_strategies(model)
        kinds = {f.name: f.kind for f in model.firms}
        out: list[Artist] = []
        for name, series in cap.items():
            if kinds.get(name) == "startup":
                # a startup's line stops when it stops training (pivot or exit)
                ss = strat.get(name, [])
                series = [v if i < len(ss) and ss[i] == "foundation" else math.nan for i, v in enumerate(series)]
                out += ax.plot(range(len(series)), series, color=self.colours.get(name), lw=1.4, zorder=3)
            else:
                out += ax.plot(range(len(series)), series, color=self.colours.get(name), lw=0.8, alpha=0.8, zorder=2)
        out += ax.plot(m["step"], m["frontier_capability"], color="black", ls="--", lw=1.3, zorder=4)
        out += ax.plot(m["step"], m["open_floor_capability"], color=OPEN_FLOOR_COLOUR, lw=3.0, alpha=0.85, zorder=4)
        return out


class RunwayChart(LiveChart):
    """Each startup's cash runway in months (clipped at :data:`RUNWAY_CLIP`)."""

    title = "Cash runway of each startup"

    def frame_key(self, model: MarketModel) -> Any:
        return tuple(shown_startups(model))

    def frame(self, model: MarketModel, ax: Axes) -> None:
        sc = model.sc
        ax.axhline(sc.talent.runway_alarm_months, color=ALARM_COLOUR, lw=1.0, ls="--")
        ax.axhline(sc.exits.exit_runway_months, color="black", lw=1.0, ls="--")
        ax.text(0.99, sc.talent.runway_alarm_months, "executives worry ", ha="right", va="bottom", fontsize=8.5,
                color=ALARM_TEXT_COLOUR, transform=ax.get_yaxis_transform())
        ax.text(0.99, sc.exits.exit_runway_months, "exit unless it raises ", ha="right", va="bottom",
                fontsize=8.5, transform=ax.get_yaxis_transform())
        ax.set_ylim(0, RUNWAY_CLIP + 2)
        ax.set_ylabel(f"months of cash (≥{RUNWAY_CLIP:.0f} drawn at {RUNWAY_CLIP:.0f})", fontsize=9)
        names = shown_startups(model)
        handles: list[Any] = [Line2D([], [], color=self.colours.get(n), lw=1.6, label=n) for n in names[:8]]
        if len(names) > 8:
            handles.append(Line2D([], [], ls="none", label=f"+ {len(names) - 8} more"))
        _legend(ax, [*handles, _article_handle()])

    def data(self, model: MarketModel, ax: Axes) -> list[Artist]:
        runway = firm_series(model, "runway_months")
        out: list[Artist] = []
        for name in shown_startups(model):
            series = [min(v, RUNWAY_CLIP) if not math.isnan(v) else math.nan for v in runway.get(name, [])]
            out += ax.plot(range(len(series)), series, color=self.colours.get(name), lw=1.6)
        return out


class MauShareChart(LiveChart):
    """Consumer monthly active users: each firm's share of all firms' MAU (stacked)."""

    title = "Consumer MAU shares (all firms' apps)"
    margins = {**LiveChart.margins, "left": 0.12}

    def _shares(self, model: MarketModel) -> tuple[list[str], list[list[float]], bool]:
        mau = firm_series(model, "mau")
        n = model.t
        padded = {k: [0.0 if (i >= len(v) or math.isnan(v[i])) else v[i] for i in range(n)] for k, v in mau.items()}
        totals = [sum(s[i] for s in padded.values()) for i in range(n)]
        peak = sorted(padded, key=lambda k: -max(padded[k], default=0.0))
        named = [k for k in peak if max(padded[k], default=0.0) > 0][:MAX_SHARE_FIRMS]
        others = [k for k in padded if k not in named]
        layers = [[padded[k][i] / totals[i] if totals[i] > 0 else 0.0 for i in range(n)] for k in named]
        labels = list(named)
        if others and any(any(padded[k]) for k in others):
            layers.append([sum(padded[k][i] for k in others) / totals[i] if totals[i] > 0 else 0.0
                           for i in range(n)])
            labels.append("others")
        return labels, layers, any(totals)

    def frame_key(self, model: MarketModel) -> Any:
        labels, _, _ = self._shares(model)
        return tuple(sorted(labels))

    def _build(self, model: MarketModel) -> None:
        self.stack_order = self._shares(model)[0]  # largest first, fixed until the set of firms changes
        super()._build(model)

    def _colour(self, name: str) -> Any:
        return "#DDDDDD" if name == "others" else self.colours.get(name, "#BBBBBB")

    def frame(self, model: MarketModel, ax: Axes) -> None:
        ax.set_ylim(0, 1)
        ax.yaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0))
        ax.set_ylabel("share of consumer MAU")
        if not self.stack_order:
            ax.text(0.5, 0.5, "press Step or ▶ to start the story", ha="center", va="center",
                    transform=ax.transAxes, fontsize=10, color="#666666")
        handles: list[Any] = [Patch(color=self._colour(k), label=k) for k in reversed(self.stack_order)]
        _legend(ax, [*handles, _article_handle()])

    def data(self, model: MarketModel, ax: Axes) -> list[Artist]:
        labels, layers, any_users = self._shares(model)
        if not layers or not any_users:
            return []
        by_label = dict(zip(labels, layers, strict=True))
        stack = [by_label.get(k, [0.0] * model.t) for k in self.stack_order]
        return list(ax.stackplot(range(model.t), stack, colors=[self._colour(k) for k in self.stack_order],
                                 alpha=0.9))


def departures_so_far(model: MarketModel, until: str | None = None) -> tuple[list[int], list[int], str]:
    """Steps, cumulative core-executive departures since 2024-01 (to ``until``, ``YYYY-MM``, if
    given, else to the month simulated last), and whose (the six, or all startups)."""
    ev = model.recorder.events
    names = {f.name for f in model.firms if f.kind == "startup"}
    six = [n for n in SIX if n in names]
    whose = set(six) if six else names
    start = model.calendar.step_of(DEPARTURES_START)
    stop = model.t if until is None else min(model.t, model.calendar.step_of(until) + 1)
    per_step = [0] * model.t
    for firm, typ, step in zip(ev["firm"], ev["type"], ev["step"], strict=False):
        if typ == EventType.DEPARTURE and firm in whose and start <= step < stop:
            per_step[step] += 1
    steps, cum, total = [], [], 0
    for t in range(max(start, 0), stop):
        total += per_step[t]
        steps.append(t)
        cum.append(total)
    return steps, cum, "the six" if six else "all startups"


class DeparturesChart(LiveChart):
    """Cumulative core-executive departures since 2024-01 against the article's 'at least 22 by 2025-06'."""

    margins = {**LiveChart.margins, "left": 0.1}

    def title_for(self, model: MarketModel) -> str:
        return f"Core-executive departures from {departures_so_far(model)[2]} since {DEPARTURES_START}"

    def frame_key(self, model: MarketModel) -> Any:
        _, cum, _ = departures_so_far(model)
        top = max([ARTICLE_DEPARTURES_HIGH + 4, *cum])
        return 10 * math.ceil(top * 1.05 / 10)

    def frame(self, model: MarketModel, ax: Axes) -> None:
        t_art = model.calendar.step_of(ARTICLE_DATE)
        lo, hi = ARTICLE_DEPARTURES, ARTICLE_DEPARTURES_HIGH
        ax.errorbar([t_art], [lo], yerr=[[0], [hi - lo]], fmt="o", color=ARTICLE_COLOUR, ms=7, capsize=4, lw=1.4,
                    zorder=6)
        ax.annotate(f"≥{lo}", (t_art, lo), xytext=(-24, -4), textcoords="offset points", color=ARTICLE_COLOUR,
                    fontsize=9, fontweight="bold")
        ax.set_ylim(0, self.frame_key(model))
        ax.set_ylabel("departures")
        handles = [Line2D([], [], color=EVENT_COLOURS[EventType.DEPARTURE], lw=2.4, label="simulated\n(cumulative)"),
                   Line2D([], [], ls="none", marker="o", color=ARTICLE_COLOUR,
                          label=f"article: at least {lo}\nby {ARTICLE_DATE}\n(T1 accepts {lo}-{hi})"),
                   _article_handle()]
        _legend(ax, handles)

    def data(self, model: MarketModel, ax: Axes) -> list[Artist]:
        steps, cum, _ = departures_so_far(model)
        if not steps:
            return []
        return list(ax.step(steps, cum, where="post", color=EVENT_COLOURS[EventType.DEPARTURE], lw=2.4, zorder=4))


#: The charts of the page, in order: (key, title for people, class).
CHARTS: list[tuple[str, str, type[LiveChart]]] = [
    ("strategies", "Each startup's strategy", StrategyChart),
    ("survivors", "Foundation-model survivors", SurvivorsChart),
    ("capability", "Capability against the open floor", CapabilityChart),
    ("runway", "Cash runway", RunwayChart),
    ("mau", "Consumer MAU shares", MauShareChart),
    ("departures", "Executive departures", DeparturesChart),
]

#: What each chart shows, with its units, in a student's words (the caption under it on the page).
CAPTIONS: dict[str, str] = {
    "strategies": "One row per startup, one column per month. Foundation: trains its own models. "
                  "Vertical: sells a product for one sector (medicine, coding...). Integrator: deploys "
                  "other firms' (often free) models for companies. A pivot is one-way.",
    "survivors": "Number of startups in each state, month by month. The article expects "
                 f"{SEATS_AT_PROJECTION[0]} or {SEATS_AT_PROJECTION[1]} still training foundation models by "
                 f"{PROJECTION_DATE} (pattern T17).",
    "capability": "Capability in doublings of effective compute relative to the best model of "
                  f"{HISTORY_START}: one doubling = twice the compute (or smarter training worth as much). \"Doublings "
                  "behind the frontier\" says how far a model trails the best one; the green floor is the "
                  "best model anyone can use for free (open weights).",
    "runway": "Months a startup can keep spending at its current rate with the cash it has (cash ÷ "
              f"monthly spending, training included), drawn at {RUNWAY_CLIP:g} when longer. Below the yellow "
              "dashed line "
              "executives start to worry; below the black one a firm that cannot raise money exits.",
    "mau": "Each firm's share of all monthly active users (MAU) of chatbot apps, in percent.",
    "departures": "Core executives (founders, CTOs, heads of product) who left the six leading "
                  f"startups since {DEPARTURES_START}, summed. The article counts at least {DEPARTURES_BY_ARTICLE} by "
                  f"{ARTICLE_DATE}.",
}


def render_chart(key: str, model: MarketModel) -> bytes:
    """One chart of the page, drawn afresh (for tests and scripts; the page keeps its charts)."""
    cls = {k: c for k, _, c in CHARTS}[key]
    return cls(model).render(model)

# ------------------------------------------------------------------------------------ event feed
def describe(event: dict[str, Any]) -> str:
    """One event in words, e.g. 'pivots to medicine' or 'releases DeepSeek-R1 (open weights)'."""
    typ, detail = event["type"], event.get("detail") or ""
    amount = event.get("amount_usd")
    if typ == EventType.RELEASE:
        if event.get("release_name"):
            return f"releases {event['release_name']} (open weights)"
        number, gap = event.get("model_number") or 0, event.get("gap_doublings")
        words = f"its model #{number}" if number else "a model"
        behind = f" ({gap:.2f} doublings behind the frontier)" if gap is not None and math.isfinite(gap) else ""
        return f"releases {words}{behind}"
    if typ == EventType.PRICE_CUT:
        was, now = event.get("price_from"), event.get("price_to")
        if was is None or now is None or not (math.isfinite(was) and math.isfinite(now)):
            return "cuts its API price"
        return f"cuts its API price: {was:.3f} → {now:.3f} USD/Mtok"
    if typ == EventType.FUNDING_ROUND:
        return f"raises {money(amount)}" + (f" ({detail})" if detail else "")
    if typ == EventType.DEPARTURE:
        role = event.get("role") or "core"
        dest = event.get("destination") or ""
        if dest.startswith("giant:"):
            return f"a {role} executive leaves for {dest[6:]}"
        if dest.startswith("founded:"):
            return f"a {role} executive leaves to found a {dest[8:]} startup"
        return f"a {role} executive leaves" + (f" ({dest})" if dest else "")
    if typ == EventType.IPO:
        if event.get("stage") == IPO_LISTING:
            return "lists its shares" + (f", raising {money(amount)}" if amount and math.isfinite(amount) else "")
        return "starts an IPO process" if event.get("stage") == IPO_FILING else detail
    if typ == EventType.ENTRY:
        return f"enters the market with {money(amount)}" if amount and math.isfinite(amount) else "enters the market"
    if typ == EventType.EXIT:
        return f"is absorbed by {event['acquirer']}" if event.get("acquirer") else "shuts down"
    return detail or typ.replace("_", " ")


@dataclass(frozen=True)
class FeedLine:
    """One event: when, who, what (``text``), why (``cause``) and, for a real dated event, ``history``."""

    date: str
    firm: str
    type: str
    text: str
    cause: str = ""
    history: str = ""

    def __str__(self) -> str:
        return f"{self.date} {self.firm}: {self.text}" + (f" — {self.cause}" if self.cause else "")


def feed(model: MarketModel, limit: int = 200, causes: list[str] | None = None) -> list[FeedLine]:
    """The newest ``limit`` events so far, newest first; ``causes[i]`` explains event ``i``."""
    ev = model.recorder.events
    n = len(ev["date"])
    causes = causes or []
    out = []
    for i in range(n - 1, max(n - limit, 0) - 1, -1):
        row = event_row(ev, i)
        why = causes[i] if i < len(causes) else ""
        out.append(FeedLine(row["date"], row["firm"], row["type"], describe(row), why, history_mark(model, row)))
    return out


def feed_html(lines: list[FeedLine]) -> str:
    """The feed as HTML (a list; each line a coloured type dot, the date, the firm and the words)."""
    if not lines:
        return '<div style="color:#777">No events yet: press Step or ▶.</div>'
    rows = []
    for ln in lines:
        colour = EVENT_COLOURS.get(ln.type, "#777777")
        rows.append(
            f'<div class="sim-event sim-event-{html.escape(ln.type)}" style="padding:1px 0;line-height:1.35">'
            f'<span style="color:{colour}" title="{html.escape(ln.type)}">●</span> '
            f'<span style="font-family:monospace">{html.escape(ln.date)}</span> '
            f'<b>{html.escape(ln.firm)}</b>: {html.escape(ln.text)}'
            + (' <span class="sim-history" style="background:#FFF3C4;border-radius:3px;padding:0 3px;'
               f'font-size:11px" title="a dated event of real history">{html.escape(ln.history)}</span>'
               if ln.history else ' <span class="sim-simulated" style="color:#999;font-size:11px" '
               'title="simulated by the model">simulated</span>')
            + (f'<div class="sim-cause" style="color:#555;font-size:12px;margin-left:14px">why: '
               f'{html.escape(ln.cause)}</div>' if ln.cause else "")
            + '</div>')
    return "".join(rows)


# ------------------------------------------------------------------------------------ scorecard
HOLDS, MISSES, WAITING, NOT_APPLICABLE = "holds", "misses", "waiting", "n/a"


@dataclass(frozen=True)
class ScoreRow:
    id: str
    name: str
    status: str  # holds | misses | waiting | n/a
    detail: str


def scorecard(model: MarketModel) -> tuple[list[ScoreRow], str]:
    """The article's patterns for the run so far, and a one-line error when evaluating them failed."""
    if model.t == 0:
        return [], ""
    try:
        results = evaluate(model.recorder.result(model))
    except Exception as exc:  # noqa: BLE001 - a pattern bug must not take the page down
        return [], f"the scorecard failed: {type(exc).__name__}: {exc}"
    rows = []
    for r in results:
        if r.passed:
            status = HOLDS
        elif r.applicable == Applicability.OUTSIDE_WINDOW:
            status = WAITING
        elif r.applicable == Applicability.FIRM_ABSENT:
            status = NOT_APPLICABLE
        else:
            status = MISSES
        rows.append(ScoreRow(r.id, r.name, status, r.detail))
    return rows, ""


STATUS_STYLE = {status: (mark, STATUS_COLOURS[status]) for status, mark in
                ((HOLDS, "✔"), (MISSES, "✘"), (WAITING, "…"), (NOT_APPLICABLE, "–"))}


def scorecard_summary(rows: list[ScoreRow]) -> str:
    """'3 hold · 2 miss · 12 not yet decidable'."""
    count = {s: sum(1 for r in rows if r.status == s) for s in STATUS_STYLE}
    parts = [f"{count[HOLDS]} hold", f"{count[MISSES]} miss"]
    if count[WAITING]:
        parts.append(f"{count[WAITING]} not yet decidable")
    if count[NOT_APPLICABLE]:
        parts.append(f"{count[NOT_APPLICABLE]} not applicable")
    return " · ".join(parts)


def scorecard_html(rows: list[ScoreRow]) -> str:
    """The scorecard as an HTML table: status, id, pattern, and what the run did."""
    out = ['<table style="border-collapse:collapse;width:100%;font-size:12.5px">']
    for r in rows:
        mark, colour = STATUS_STYLE[r.status]
        detail = "decided once the run reaches the pattern's months" if r.status == WAITING else r.detail
        out.append(
            f'<tr class="sim-pattern sim-pattern-{r.status.replace("/", "")}" style="border-bottom:1px solid #EEE">'
            f'<td style="color:{colour};font-weight:bold;padding:2px 6px 2px 0;vertical-align:top" '
            f'title="{r.status}">{mark}</td>'
            f'<td style="padding:2px 6px 2px 0;vertical-align:top;color:#555">{html.escape(r.id)}</td>'
            f'<td style="padding:2px 0;vertical-align:top"><b>{html.escape(r.name)}</b><br>'
            f'<span style="color:#666;font-size:11.5px">{html.escape(detail)}</span></td></tr>')
    out.append("</table>")
    return "".join(out)
