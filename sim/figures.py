"""Figures of a run, for people reading a report: PNGs in ``<run folder>/figures/``.

:func:`make_figures` reads the three tables that ``python -m sim run`` wrote (``model``, ``firms``,
``events``; any number of seeds) and draws one PNG per question a reader asks:

========================  ==========================================================================
file                      what it shows
========================  ==========================================================================
strategy_timeline.png     each startup's strategy month by month in one representative seed, with
                          the scenario's dated open-weight releases and the seed's own events
foundation_survivors.png  startups still training foundation models (median and bands over seeds),
                          against the article's end-state projection (T17)
departures.png            cumulative executive departures since 2024-01 against the article (T1, T2)
consumer_mau.png          consumer monthly active users by firm, log scale, with the Kimi gap (T12)
cash_runway.png           each startup's cash runway (months) and cash (USD)
capability_floor.png      frontier, open-weight floor and each startup's capability, and the gaps
prices.png                API prices by kind of firm, with the price-cut events
========================  ==========================================================================

Per-firm figures show the named startups of the scenario (the six) when there are any, otherwise
the 12 largest startups by peak cash; the title says which. Figures are drawn on
:class:`matplotlib.figure.Figure` objects (Agg canvas, no pyplot state). ``docs/figures.md``
explains how to read each one.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib as mpl
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

from .facts import (
    ARTICLE_DATE,
    CONSUMER_LEADERS,
    DEPARTURES_2024,
    DEPARTURES_BY_ARTICLE,
    DEPARTURES_H1_2025,
    DEPARTURES_START,
    FIRST_ABANDONMENT_WINDOW,
    HISTORY_START,
    KIMI_GAP_RANGE,
    MOONSHOT,
    PROJECTION_DATE,
    SEATS_AT_PROJECTION,
    YEAR_2024,
)
from .outputs import EventType
from .palette import (
    ALARM_COLOUR,
    ALARM_TEXT_COLOUR,
    ARTICLE_COLOUR,
    EVENT_COLOURS,
    GIANT_SHADES,
    KIND_COLOURS,
    KIND_LABELS,
    LAB_SHADES,
    MUTED_COLOUR,
    OPEN_FLOOR_COLOUR,
    RELEASE_COLOUR,
    RUNWAY_CLIP,
    STRATEGY_COLOURS,
    STRATEGY_LABELS,
    WINDOW_COLOUR,
)
from .results import read_table

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .scenario import Scenario

DPI = 150
MAX_FIRMS = 12  # per-firm figures of a generic scenario show this many startups
T17_DATE = PROJECTION_DATE
# markers of the simulated events on the strategy timeline: type -> (label, marker, face, size); the faces
# are the events' colours (sim.palette.EVENT_COLOURS) except the pivot's, white on the strategy's new colour
EVENT_MARKERS = {
    EventType.PIVOT: ("pivot", "D", "white", 55),
    EventType.PRODUCT_CUT: ("side product cut", "X", EVENT_COLOURS[EventType.PRODUCT_CUT], 80),
    EventType.FUNDING_ROUND: ("funding round", "^", EVENT_COLOURS[EventType.FUNDING_ROUND], 45),
    EventType.IPO: ("IPO process starts", "*", EVENT_COLOURS[EventType.IPO], 170),
    EventType.EXIT: ("exit", "s", EVENT_COLOURS[EventType.EXIT], 60),
}
QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)
STYLE = {
    "font.size": 11, "axes.titlesize": 12.5, "axes.labelsize": 11.5, "figure.titlesize": 14,
    "legend.fontsize": 9.5, "xtick.labelsize": 10.5, "ytick.labelsize": 10.5, "axes.grid": True,
    "grid.alpha": 0.3, "grid.linewidth": 0.6, "axes.spines.top": False, "axes.spines.right": False,
    "savefig.dpi": DPI,
}


# ------------------------------------------------------------------------------------ data


@dataclass
class RunData:
    """The tables of a run folder as pandas frames, plus what every figure needs to know."""

    model: pd.DataFrame
    firms: pd.DataFrame
    events: pd.DataFrame
    scenario: Scenario
    seeds: list[int]
    months: list[str]  # every month of the run, "YYYY-MM", in order

    @property
    def start(self) -> pd.Timestamp:
        return _ts(self.months[0])

    @property
    def end(self) -> pd.Timestamp:
        return _ts(self.months[-1])

    def has(self, month: str) -> bool:
        return self.months[0] <= month <= self.months[-1]


FIRM_COLUMNS = ["seed", "step", "date", "firm", "kind", "strategy", "cash_usd", "capability", "mau",
                "api_price_usd_per_mtok", "runway_months"]


def load(folder: Path, scenario: Scenario) -> RunData:
    """Read the three tables of ``folder`` into a :class:`RunData`."""
    model = read_table(folder, "model").to_pandas()
    firms = read_table(folder, "firms").select(FIRM_COLUMNS).to_pandas()
    events = read_table(folder, "events").to_pandas()
    for df in (model, firms, events):
        df["date"] = df["date"].astype(str)
    seeds = sorted(int(s) for s in model["seed"].unique())
    months = sorted(set(model["date"]) | set(firms["date"]))
    return RunData(model, firms, events, scenario, seeds, months)


def _ts(month: str) -> pd.Timestamp:
    return pd.Timestamp(f"{month}-01")


def _x(dates: pd.Series | pd.Index | list[str]) -> pd.DatetimeIndex:
    return pd.to_datetime(pd.Index(dates).astype(str), format="%Y-%m")


def _shift(month: str, months: int) -> str:
    return str(pd.Period(month, "M") + months)


def quantiles(df: pd.DataFrame, value: str, by: str = "date") -> pd.DataFrame:
    """Quantiles (columns 0.1 ... 0.9) of ``value`` over the rows of each ``by`` group, NaNs skipped."""
    if df.empty:
        return pd.DataFrame(columns=list(QUANTILES), dtype=float)
    return df.groupby(by)[value].quantile(list(QUANTILES)).unstack().sort_index()


@dataclass
class Focus:
    """The startups that per-firm figures show, and the words that say which they are."""

    firms: list[str]
    label: str  # e.g. "the six named startups"
    named: bool  # the scenario's named startups (else the largest generic ones)
    n_startups: int  # startups in the table


def focus_firms(data: RunData, seed: int | None = None) -> Focus:
    """The named startups of the scenario if any are in the table, else the largest by peak cash.

    With ``seed`` the generic choice is made within that seed (its firms), else over all seeds
    (mean of each firm's peak cash, a firm absent from a seed counting zero).
    """
    st = data.firms[data.firms["kind"] == "startup"]
    if seed is not None:
        st = st[st["seed"] == seed]
    present = set(st["firm"].unique())
    named = [s.name for s in data.scenario.startups if s.name in present]
    if named:
        word = {6: "six"}.get(len(named), str(len(named)))
        return Focus(named, f"the {word} named startups", True, len(present))
    if not present:
        return Focus([], "no startups", False, 0)
    peak = st.groupby(["seed", "firm"])["cash_usd"].max().clip(lower=0)
    n_seeds = max(1, st["seed"].nunique())
    score = peak.groupby("firm").sum() / n_seeds
    order = sorted(score.index, key=lambda f: (-score[f], f))
    if len(order) <= MAX_FIRMS:
        return Focus(order, f"all {len(order)} startups", False, len(order))
    return Focus(order[:MAX_FIRMS], f"the {MAX_FIRMS} largest of {len(order)} startups by peak cash", False,
                 len(order))


def representative_seed(data: RunData) -> tuple[int, float]:
    """The seed whose final ``n_foundation`` is closest to the median over seeds (lowest seed on ties)."""
    last = data.model[data.model["date"] == data.months[-1]].set_index("seed")["n_foundation"]
    if last.empty:
        return (data.seeds[0] if data.seeds else 0), float("nan")
    med = float(last.median())
    dist = (last - med).abs()
    best = min(dist.index, key=lambda s: (dist[s], s))
    return int(best), med


def releases(data: RunData) -> list[tuple[str, str]]:
    """The scenario's dated open-weight releases within the run: (month, label), one per month.

    Dates are shifted by ``open_source.shift_months``; releases in the same month share a label.
    None when ``open_source.enabled`` is false.
    """
    os_ = data.scenario.open_source
    if not os_.enabled:
        return []
    by_month: dict[str, list[str]] = {}
    for r in os_.releases:
        month = _shift(r.date, os_.shift_months)
        if data.has(month):
            by_month.setdefault(month, []).append(r.name or r.firm or "release")
    return sorted((m, "\n".join(names)) for m, names in by_month.items())


def simulated_open_releases(data: RunData, seed: int) -> list[str]:
    """Months of the open-weight releases that firms made on their own in ``seed`` (not dated inputs)."""
    ev = data.events[data.events["seed"] == seed]
    rel = ev[(ev["type"] == EventType.RELEASE) & ev["open_weights"]]
    os_ = data.scenario.open_source
    dated = {(_shift(r.date, os_.shift_months), r.firm) for r in os_.releases}
    return sorted({d for d, f in zip(rel["date"], rel["firm"], strict=True) if (d, f) not in dated})


# ------------------------------------------------------------------------------------ drawing helpers


def date_axis(ax: Axes, data: RunData, label: bool = True) -> None:
    """Calendar x axis over the run: YYYY ticks (YYYY-MM for runs under 3 years), quarters minor."""
    start, end = data.start, data.end + pd.offsets.MonthBegin(1)
    ax.set_xlim(start, end)
    n_months = len(data.months)
    if n_months > 36:
        ax.xaxis.set_major_locator(mdates.YearLocator())
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
        ax.xaxis.set_minor_locator(mdates.MonthLocator(bymonth=(4, 7, 10)))
        what = "date (year; minor ticks = quarters)"
    else:
        step = 3 if n_months > 12 else 1
        ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=range(1, 13, step)))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
        ax.xaxis.set_minor_locator(mdates.MonthLocator())
        what = "date (year-month)"
    ax.xaxis.set_minor_formatter(NullFormatter())
    if label:
        ax.set_xlabel(what)


def release_lines(ax: Axes, rels: list[tuple[str, str]]) -> None:
    """Dashed vertical lines at the release months."""
    for month, _name in rels:
        ax.axvline(_ts(month), color=RELEASE_COLOUR, ls="--", lw=0.9, alpha=0.8, zorder=1)


def release_strip(fig: Figure, spec: Any, main: Axes, data: RunData, rels: list[tuple[str, str]]) -> Axes:
    """A thin axes above ``main`` holding the release names (so they never cover data)."""
    strip = fig.add_subplot(spec, sharex=main)
    strip.set_ylim(0, 1)
    strip.axis("off")
    for month, name in rels:
        strip.text(_ts(month), 0.0, name, rotation=90, ha="center", va="bottom", fontsize=8.5, color="#333333",
                   linespacing=1.0)
    if not rels:
        why = "open-weight releases switched off" if not data.scenario.open_source.enabled else \
            "no dated open-weight releases in this scenario"
        strip.text(0.5, 0.1, why, ha="center", va="bottom", transform=strip.transAxes, fontsize=9, color="#666666")
    return strip


def article_line(ax: Axes, data: RunData, text: bool = True) -> None:
    """Vertical line at the month the article was written (2025-06)."""
    if not data.has(ARTICLE_DATE):
        return
    ax.axvline(_ts(ARTICLE_DATE), color=ARTICLE_COLOUR, lw=1.4, ls=":", zorder=2)
    if text:
        ax.text(_ts(ARTICLE_DATE), 0.98, f" article written\n ({ARTICLE_DATE})", color=ARTICLE_COLOUR, fontsize=9,
                va="top", ha="left", transform=ax.get_xaxis_transform())


def band(ax: Axes, q: pd.DataFrame, colour: str, label: str, step: bool = False, lw: float = 2.2,
         bands: bool = True) -> None:
    """Median line with 25-75% and 10-90% bands, as drawn over seeds."""
    if q.empty:
        return
    x = _x(q.index)
    if step:  # a step plot covers the whole last month
        q = pd.concat([q, q.iloc[[-1]]])
        x = x.append(pd.DatetimeIndex([x[-1] + pd.offsets.MonthBegin(1)]))
    kw: dict[str, Any] = {"step": "post"} if step else {}
    if bands:
        ax.fill_between(x, q[0.1], q[0.9], color=colour, alpha=0.13, lw=0, **kw)
        ax.fill_between(x, q[0.25], q[0.75], color=colour, alpha=0.28, lw=0, **kw)
    ax.plot(x, q[0.5], color=colour, lw=lw, label=label, drawstyle="steps-post" if step else "default")


def band_legend_handles(data: RunData, colour: str = "#555555") -> list[Any]:
    """Legend entries of the bands over seeds (none for a single seed, which has no bands)."""
    if len(data.seeds) < 2:
        return []
    return [Patch(color=colour, alpha=0.28, label="25–75% of seeds"),
            Patch(color=colour, alpha=0.13, label="10–90% of seeds")]


def seeds_note(data: RunData) -> str:
    n = len(data.seeds)
    return f"{n} seed" if n == 1 else f"{n} seeds"


def usd_formatter() -> FuncFormatter:
    def fmt(v: float, _pos: int) -> str:
        if v <= 0:
            return "0"
        for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
            if v >= div:
                return f"{v / div:g}{suffix}"
        return f"{v:g}"
    return FuncFormatter(fmt)


def count_formatter() -> FuncFormatter:
    def fmt(v: float, _pos: int) -> str:
        for div, suffix in ((1e9, " bn"), (1e6, " m"), (1e3, " k")):
            if v >= div:
                return f"{v / div:g}{suffix}"
        return f"{v:g}"
    return FuncFormatter(fmt)


def legend_below(fig: Figure, handles: list[Any], ncol: int | None = None) -> None:
    """The figure's legend in rows under the plot."""
    if handles:
        fig.legend(handles=handles, loc="outside lower center", ncol=ncol or min(4, len(handles)), frameon=False)


def usd_axis(ax: Axes) -> None:
    """Log axis in USD with 1M / 10M / 100M / 1B style labels (and 2, 5 in between over short ranges)."""
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(usd_formatter())
    lo, hi = ax.get_ylim()
    if lo > 0 and hi / lo < 300:
        ax.yaxis.set_minor_locator(LogLocator(base=10, subs=(2.0, 3.0, 5.0)))
        ax.yaxis.set_minor_formatter(usd_formatter())
    else:
        ax.yaxis.set_minor_formatter(NullFormatter())


def end_labels(ax: Axes, items: list[tuple[str, pd.Timestamp, float, Any]], gap: float = 0.04) -> None:
    """Name each line at its right end: in the right margin, spread so that no two names overlap.

    ``items`` are (name, x, y, colour) of each line's last point, in data coordinates; call after
    the axis limits are final. Lines that stop before the right edge are left to the legend.
    """
    to_axes = ax.transScale + ax.transLimits
    right = mdates.date2num(ax.get_xlim()[1]) if not isinstance(ax.get_xlim()[1], float) else ax.get_xlim()[1]
    margin = []
    for name, x, y, colour in items:
        xn = mdates.date2num(x)
        if xn >= right - 62:  # reaches (within two months) the right edge
            margin.append((float(to_axes.transform((xn, y))[1]), name, x, y, colour))
    margin.sort()
    pos = [min(max(m[0], 0.0), 1.0) for m in margin]
    for i in range(1, len(pos)):
        pos[i] = max(pos[i], pos[i - 1] + gap)
    if pos and pos[-1] > 1.0:
        pos[-1] = 1.0
        for i in range(len(pos) - 2, -1, -1):
            pos[i] = min(pos[i], pos[i + 1] - gap)
    for (_, name, x, y, colour), yf in zip(margin, pos, strict=True):
        ax.annotate(name, (x, y), xytext=(1.015, yf), textcoords="axes fraction", va="center", fontsize=10,
                    color=colour, fontweight="bold", annotation_clip=False,
                    arrowprops={"arrowstyle": "-", "color": colour, "lw": 0.7, "shrinkA": 0, "shrinkB": 2})


def alive_label(name: str, series: pd.Series, n_seeds: int) -> str:
    """``name``, plus when it stops being drawn (exited in most seeds) if that is before the end."""
    valid = series.dropna()
    where = "" if n_seeds == 1 else " in most seeds"
    if valid.empty:
        return f"{name} (exited at once{where})"
    if valid.index[-1] != series.index[-1]:
        return f"{name} (exited{where} by {_shift(str(valid.index[-1]), 1)})"
    return name


def no_data(ax: Axes, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, fontsize=12, color="#666666")


def firm_colours(names: list[str]) -> dict[str, Any]:
    """A colour per startup, the same in every figure; no greens or greys (those mark open weights, giants)."""
    palette = [mpl.colormaps["tab10"](i) for i in (0, 1, 3, 4, 5, 6, 8, 9)]
    palette += ["#393B79", "#8C6D31", "#843C39", "#7B4173", "#3182BD", "#E6550D"]
    return {n: palette[i % len(palette)] for i, n in enumerate(names)}


def save(fig: Figure, path: Path) -> Path:
    fig.savefig(path, dpi=DPI, facecolor="white")  # constrained layout already fits everything in
    return path


# ------------------------------------------------------------------------------------ the figures


def fig_strategy_timeline(data: RunData) -> Figure:
    """Strategy of each shown startup month by month in the representative seed, events marked."""
    seed, med = representative_seed(data)
    focus = focus_firms(data, seed)
    final = data.model[(data.model["seed"] == seed) & (data.model["date"] == data.months[-1])]["n_foundation"]
    last = float(final.iloc[0]) if len(final) else float("nan")
    rels = releases(data)
    firms = data.firms[(data.firms["seed"] == seed) & data.firms["firm"].isin(focus.firms)]
    events = data.events[(data.events["seed"] == seed) & data.events["firm"].isin(focus.firms)]
    n = max(1, len(focus.firms))
    fig = Figure(figsize=(13, 2.9 + 0.55 * n), layout="constrained")
    gs = fig.add_gridspec(2, 1, height_ratios=[1.15 if rels else 0.3, 0.55 * n])
    ax = fig.add_subplot(gs[1])
    release_strip(fig, gs[0], ax, data, rels)

    month_x = _x(data.months)
    edges = mdates.date2num(list(month_x) + [month_x[-1] + pd.offsets.MonthBegin(1)])
    half = pd.Timedelta(days=15)
    for row, name in enumerate(focus.firms):
        f = firms[firms["firm"] == name].sort_values("step")
        idx = [data.months.index(d) for d in f["date"]]
        strat = list(f["strategy"])
        i = 0
        while i < len(idx):
            j = i
            while j + 1 < len(idx) and strat[j + 1] == strat[i] and idx[j + 1] == idx[j] + 1:
                j += 1
            x0, x1 = edges[idx[i]], edges[idx[j] + 1]
            ax.broken_barh([(x0, x1 - x0)], (row - 0.26, 0.52), facecolors=STRATEGY_COLOURS.get(strat[i], "#999999"),
                           edgecolor="none")
            i = j + 1
        ev = events[events["firm"] == name]
        dep = ev[ev["type"] == EventType.DEPARTURE]
        if not dep.empty:
            tech = dep["role"] == "technical"
            for mask, colour in ((tech, "black"), (~tech, MUTED_COLOUR)):
                if mask.any():
                    ax.scatter(_x(dep.loc[mask, "date"]) + half, np.full(int(mask.sum()), row + 0.36), marker="|",
                               s=60, color=colour, lw=1.5, zorder=4)
        for typ, (_lab, marker, face, size) in EVENT_MARKERS.items():
            e = ev[ev["type"] == typ]
            if e.empty:
                continue
            y = row - 0.36 if typ == EventType.FUNDING_ROUND else row
            ax.scatter(_x(e["date"]) + half, np.full(len(e), y), marker=marker, s=size, facecolor=face,
                       edgecolor="black", lw=0.8, zorder=5)
    sim_rel = simulated_open_releases(data, seed)
    if len(sim_rel):
        ax.scatter(_x(sim_rel) + half, np.ones(len(sim_rel)), marker="v", s=60, color=OPEN_FLOOR_COLOUR,
                   edgecolor="black", lw=0.5, transform=ax.get_xaxis_transform(), clip_on=False, zorder=6)
    for row in range(1, len(focus.firms)):
        ax.axhline(row - 0.5, color="#DDDDDD", lw=0.8, zorder=0)
    release_lines(ax, rels)
    article_line(ax, data, text=False)
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_yticks(range(len(focus.firms)), focus.firms)
    ax.set_ylabel("startup")
    ax.grid(axis="y", visible=False)
    date_axis(ax, data)
    if not focus.firms:
        no_data(ax, "no startups in this run")

    handles: list[Any] = [Patch(color=c, label=STRATEGY_LABELS[s]) for s, c in STRATEGY_COLOURS.items()]
    handles += [Line2D([], [], ls="none", marker=m, markersize=np.sqrt(s), markerfacecolor=f, markeredgecolor="black",
                       label=lab) for lab, m, f, s in EVENT_MARKERS.values()]
    handles += [Line2D([], [], ls="none", marker="|", markersize=9, mew=1.5, color="black",
                       label="departure, technical"),
                Line2D([], [], ls="none", marker="|", markersize=9, mew=1.5, color=MUTED_COLOUR,
                       label="departure, commercial"),
                ]
    if rels:
        handles.append(Line2D([], [], color=RELEASE_COLOUR, ls="--", label="open-weight release (dated input)"))
    if data.has(ARTICLE_DATE):
        handles.append(Line2D([], [], color=ARTICLE_COLOUR, ls=":", lw=1.4, label=f"article written ({ARTICLE_DATE})"))
    if len(sim_rel):
        handles.append(Line2D([], [], ls="none", marker="v", markersize=8, markerfacecolor=OPEN_FLOOR_COLOUR,
                              markeredgecolor="black", label="simulated open-weight release"))
    fig.legend(handles=handles, loc="outside lower center", ncol=5, frameon=False)
    shift = data.scenario.open_source.shift_months
    shifted = f"; releases shifted {shift:+d} months" if shift and rels else ""
    fig.suptitle(f"Strategy of {focus.label}, month by month, in seed {seed} of {seeds_note(data)}\n"
                 f"(a representative seed: {last:g} still on foundation models at {data.months[-1]}; "
                 f"median over seeds {med:g}){shifted}")
    return fig


def _group_counts(data: RunData, focus: Focus) -> pd.DataFrame:
    """Per seed and month: startups of the group still on foundation models, and alive."""
    if not focus.named:
        return data.model[["seed", "date", "n_foundation", "n_alive"]]
    f = data.firms[data.firms["firm"].isin(focus.firms)]
    g = f.assign(found=f["strategy"] == "foundation", alive=f["strategy"] != "exited").groupby(["seed", "date"])
    out = g[["found", "alive"]].sum().rename(columns={"found": "n_foundation", "alive": "n_alive"}).reset_index()
    return out


def fig_foundation_survivors(data: RunData) -> Figure:
    """Startups still training foundation models, over seeds, against T17 and the article date."""
    focus = focus_firms(data)
    counts = _group_counts(data, focus)
    who = focus.label if focus.named else f"all {focus.n_startups} startups"
    fig = Figure(figsize=(11, 7), layout="constrained")
    ax = fig.add_subplot()
    rels = releases(data)
    release_lines(ax, rels)
    # T7: the first firm should give up after Qwen2-72B and before V3/R1 (the pattern's window, inclusive)
    t7_open, t7_close = FIRST_ABANDONMENT_WINDOW
    if focus.named and data.has(t7_open):
        ax.axvspan(_ts(t7_open), _ts(t7_close) + pd.offsets.MonthBegin(1), color=WINDOW_COLOUR, alpha=0.25, lw=0,
                   zorder=0)
    band(ax, quantiles(counts, "n_alive"), MUTED_COLOUR, "alive (not exited), median", step=True, lw=1.8, bands=False)
    band(ax, quantiles(counts, "n_foundation"), STRATEGY_COLOURS["foundation"],
         "still training foundation models, median", step=True)
    article_line(ax, data)
    handles, _ = ax.get_legend_handles_labels()
    handles += band_legend_handles(data, STRATEGY_COLOURS["foundation"])
    if rels:
        handles.append(Line2D([], [], color=RELEASE_COLOUR, ls="--", label="open-weight release (dated input)"))
    if focus.named and data.has(t7_open):
        handles.append(Patch(color=WINDOW_COLOUR, alpha=0.4, label="T7 window: first firm should give up here"))
    if focus.named and data.has(T17_DATE):
        x = _ts(T17_DATE)
        lo, hi = SEATS_AT_PROJECTION
        mid, half = (lo + hi) / 2, (hi - lo) / 2
        ax.errorbar([x], [mid], yerr=[[half], [half]], fmt="o", color=ARTICLE_COLOUR, capsize=6, lw=2.5, ms=7,
                    zorder=6)
        ax.annotate(f"T17: {lo}–{hi} left\nby {T17_DATE} (¶14)", (x, float(hi)), xytext=(-12, 18),
                    textcoords="offset points", ha="right", color=ARTICLE_COLOUR, fontsize=10,
                    arrowprops={"arrowstyle": "-", "color": ARTICLE_COLOUR, "lw": 0.8})
        handles.append(Line2D([], [], ls="none", marker="o", color=ARTICLE_COLOUR, label="article's projection (T17)"))
    top = max(focus.n_startups if focus.named else int(counts["n_alive"].max() if len(counts) else 1), 2)
    ax.set_ylim(-0.2, top + 0.6)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("startups (count)")
    date_axis(ax, data)
    legend_below(fig, handles, ncol=3)
    fig.suptitle(f"How many of {who} still train foundation models? ({seeds_note(data)})")
    return fig


def fig_departures(data: RunData) -> Figure:
    """Cumulative executive departures since 2024-01 over seeds, against the article's counts."""
    focus = focus_firms(data)
    group = focus.firms if focus.named else None
    since = DEPARTURES_START if data.has(DEPARTURES_START) else data.months[0]
    months = [m for m in data.months if m >= since]
    ev = data.events[(data.events["type"] == EventType.DEPARTURE) & (data.events["date"] >= since)]
    if group is not None:
        ev = ev[ev["firm"].isin(group)]
    per = ev.groupby(["seed", "date"]).size()
    grid = pd.MultiIndex.from_product([data.seeds, months], names=["seed", "date"])
    per = per.reindex(grid, fill_value=0)
    cum = per.groupby(level="seed").cumsum().rename("cum").reset_index()
    who = focus.label if focus.named else f"all {focus.n_startups} startups"
    fig = Figure(figsize=(11, 6.2), layout="constrained")
    ax = fig.add_subplot()
    colour = EVENT_COLOURS[EventType.DEPARTURE]
    band(ax, quantiles(cum, "cum"), colour, "simulated, median over seeds", step=True)
    article_line(ax, data)
    handles, _ = ax.get_legend_handles_labels()
    handles += band_legend_handles(data, colour)
    if focus.named and any(m in months for m in (YEAR_2024[1], ARTICLE_DATE)):
        pts = [(YEAR_2024[1], DEPARTURES_2024,
                f"{DEPARTURES_2024} by {YEAR_2024[1]}\n"
                f"({DEPARTURES_BY_ARTICLE} − {DEPARTURES_H1_2025} in H1 2025, T2)"),
               (ARTICLE_DATE, DEPARTURES_BY_ARTICLE, f"at least {DEPARTURES_BY_ARTICLE} by {ARTICLE_DATE} (T1, ¶3)")]
        for month, value, text in pts:
            if month not in months:
                continue
            x = _ts(month) + pd.Timedelta(days=15)  # on the month's step
            ax.scatter([x], [value], marker="^", s=110, color="black", zorder=6)
            ax.annotate(text, (x, value), xytext=(-10, 12), textcoords="offset points", ha="right",
                        fontsize=10, fontweight="bold")
        handles.append(Line2D([], [], ls="none", marker="^", color="black", ms=9,
                              label="article's count (a lower bound)"))
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(f"departures since {since} (executives, cumulative)")
    date_axis(ax, data)
    if since > data.months[0]:
        ax.set_xlim(left=_ts(since) - pd.offsets.MonthBegin(1))
    ax.legend(handles=handles, loc="upper left", framealpha=0.9)
    fig.suptitle(f"Core-executive departures from {who} since {since} ({seeds_note(data)})")
    return fig


def fig_consumer_mau(data: RunData) -> Figure:
    """Consumer MAU by firm (median over seeds), log scale, with the Kimi gap annotated."""
    focus = focus_firms(data)
    f = data.firms
    med = f.groupby(["firm", "date"])["mau"].median()
    peak = med.groupby(level="firm").max()
    giants = sorted(f.loc[f["kind"] == "giant", "firm"].unique(), key=lambda n: (-peak.get(n, 0), n))[:6]
    labs = sorted(f.loc[f["kind"] == "open_source", "firm"].unique(), key=lambda n: (-peak.get(n, 0), n))[:3]
    colours = firm_colours(focus.firms)
    colours.update({n: GIANT_SHADES[i % len(GIANT_SHADES)] for i, n in enumerate(giants)})
    colours.update({n: LAB_SHADES[i % len(LAB_SHADES)] for i, n in enumerate(labs)})
    fig = Figure(figsize=(12, 7.6), layout="constrained")
    ax = fig.add_subplot()
    ax.set_yscale("log")
    firms_in = set(med.index.get_level_values("firm"))
    positive = med[med >= 1]
    ends = []
    absent = []
    for name in giants + labs + focus.firms:
        # fewer than one user is no user (and would stretch the log axis down without end)
        s = med.loc[name].where(med.loc[name] >= 1) if name in firms_in else pd.Series(dtype=float)
        if s.notna().sum() == 0:
            absent.append(name)
            continue
        kind = "giant" if name in giants else "open_source" if name in labs else "startup"
        ls, lw = {"giant": ("-", 2.8), "open_source": ("--", 2.8), "startup": ("-", 1.8)}[kind]
        ax.plot(_x(s.index), s.values, ls=ls, lw=lw, color=colours[name])
        last = s.dropna()
        ends.append((name, _ts(str(last.index[-1])), float(last.iloc[-1]), colours[name]))
    article_line(ax, data)
    note = ""
    if MOONSHOT in focus.firms and data.has(ARTICLE_DATE):
        leaders = [n for n in CONSUMER_LEADERS if (n, ARTICLE_DATE) in med.index]
        kimi = float(med.get((MOONSHOT, ARTICLE_DATE), np.nan))
        lead = [float(med[(n, ARTICLE_DATE)]) for n in leaders]
        if leaders and kimi >= 1 and min(lead) >= 1:
            low = min(lead)
            x = _ts(ARTICLE_DATE) + pd.Timedelta(days=20)
            ax.annotate("", xy=(x, low), xytext=(x, kimi), arrowprops={"arrowstyle": "<->", "color": "black",
                                                                         "lw": 1.6})
            ax.text(x + pd.Timedelta(days=14), float(np.sqrt(low * kimi)),
                    f"Kimi (Moonshot) vs the smallest of\n{', '.join(leaders)} at {ARTICLE_DATE}:\n"
                    f"{low / kimi:,.0f}× fewer users (T12: {KIMI_GAP_RANGE[0]:.0f}-{KIMI_GAP_RANGE[1]:.0f}×)",
                    fontsize=10, va="center", ha="left",
                    bbox={"boxstyle": "round", "fc": "white", "ec": "#999999", "alpha": 0.92})
        elif leaders:
            note = f"\nMoonshot (Kimi) has no users at {ARTICLE_DATE} in most seeds, so the T12 gap cannot be shown"
    if positive.empty:
        no_data(ax, "no firm has consumer users in this run")
    else:
        lo = max(1.0, 10 ** np.floor(np.log10(float(positive.min()))))
        ax.set_ylim(bottom=lo, top=10 ** np.ceil(np.log10(float(positive.max()) * 1.5)))
    ax.yaxis.set_major_locator(LogLocator(base=10, numticks=12))
    ax.yaxis.set_major_formatter(count_formatter())
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_ylabel("consumer monthly active users\n(people, log scale; median over seeds)")
    date_axis(ax, data)
    end_labels(ax, ends)
    handles = [Line2D([], [], color=GIANT_SHADES[0], lw=2.8, label="giants (grey, named at right)"),
               Line2D([], [], color=LAB_SHADES[0], lw=2.8, ls="--", label="open-source labs (green, dashed)")]
    handles += [Line2D([], [], color=colours[n], lw=1.8, label=n + (" (no users: not drawn)" if n in absent else ""))
                for n in focus.firms]
    legend_below(fig, handles, ncol=4)
    fig.suptitle(f"Consumer users by firm: giants, open-source labs and {focus.label} ({seeds_note(data)}){note}")
    return fig


def _alive_median(data: RunData, names: list[str], value: str) -> dict[str, pd.Series]:
    """Per firm: median of ``value`` over the seeds in which it is alive, where at least half are."""
    f = data.firms[data.firms["firm"].isin(names)]
    out = {}
    n_seeds = max(1, len(data.seeds))
    for name, g in f.groupby("firm"):
        alive = g[g["strategy"] != "exited"]
        med = alive.groupby("date")[value].median()
        share = alive.groupby("date").size() / n_seeds
        med = med.where(share >= 0.5).reindex(data.months)
        out[str(name)] = med
    return out


def fig_cash_runway(data: RunData) -> Figure:
    """Runway (months, clipped) and cash (USD, log) of each shown startup over time."""
    focus = focus_firms(data)
    colours = firm_colours(focus.firms)
    rels = releases(data)
    runway = _alive_median(data, focus.firms, "runway_months")
    cash = _alive_median(data, focus.firms, "cash_usd")
    fig = Figure(figsize=(12, 9.4), layout="constrained")
    ax1, ax2 = fig.subplots(2, 1, sharex=True)
    handles = []
    for name in focus.firms:
        r = runway.get(name, pd.Series(np.nan, index=data.months))
        c = cash.get(name, pd.Series(np.nan, index=data.months))
        c = c.where(c > 0)
        ax1.plot(_x(r.index), r.clip(upper=RUNWAY_CLIP).values, color=colours[name], lw=2)
        ax2.plot(_x(c.index), c.values, color=colours[name], lw=2)
        handles.append(Line2D([], [], color=colours[name], lw=2, label=alive_label(name, c, len(data.seeds))))
    alarm = data.scenario.talent.runway_alarm_months
    ax1.axhline(alarm, color=ALARM_COLOUR, lw=1, ls=":")
    ax1.text(1.0, alarm, f" {alarm:g}\n months", va="center", ha="left", fontsize=9, color=ALARM_TEXT_COLOUR,
             transform=ax1.get_yaxis_transform())
    ax1.axhline(RUNWAY_CLIP, color="#999999", lw=0.8)
    ax1.text(1.0, RUNWAY_CLIP, f" {RUNWAY_CLIP:g}+", va="center", ha="left", fontsize=9,
             transform=ax1.get_yaxis_transform())
    ax1.set_ylim(0, RUNWAY_CLIP * 1.06)
    ax1.set_ylabel("cash runway (months)")
    ax1.set_title(f"Runway = cash ÷ monthly burn (gross: revenue not netted; training cost spread between runs); "
                  f"{RUNWAY_CLIP:g}+ months drawn at {RUNWAY_CLIP:g}", loc="left", fontsize=10.5)
    ax2.set_yscale("log")
    ax2.set_ylabel("cash (USD, log scale)")
    ax2.set_title("Cash in hand", loc="left", fontsize=10.5)
    for ax in (ax1, ax2):
        article_line(ax, data, text=ax is ax1)
        release_lines(ax, rels)
        date_axis(ax, data, label=ax is ax2)
    usd_axis(ax2)
    if not focus.firms:
        no_data(ax1, "no startups in this run")
    if rels:
        handles.append(Line2D([], [], color=RELEASE_COLOUR, ls="--", label="open-weight release (dated input)"))
    legend_below(fig, handles)
    fig.suptitle(f"Cash runway and cash of {focus.label} ({seeds_note(data)})\n"
                 "median over the seeds in which the firm is alive, drawn while at least half of them are",
                 fontsize=13)
    return fig


def fig_capability_floor(data: RunData) -> Figure:
    """Frontier, open floor and each shown startup's capability; and the gaps below the frontier."""
    focus = focus_firms(data)
    colours = firm_colours(focus.firms)
    rels = releases(data)
    fig = Figure(figsize=(12, 10.5), layout="constrained")
    gs = fig.add_gridspec(3, 1, height_ratios=[0.9 if rels else 0.2, 3, 2.4])
    ax1 = fig.add_subplot(gs[1])
    ax2 = fig.add_subplot(gs[2], sharex=ax1)
    strip = release_strip(fig, gs[0], ax1, data, rels)
    frontier = data.model.groupby("date")["frontier_capability"].median()
    gap = data.model.assign(g=data.model["open_floor_capability"] - data.model["frontier_capability"])
    ax1.plot(_x(frontier.index), frontier.values, color="black", lw=2.8, label="global frontier")
    band(ax1, quantiles(data.model, "open_floor_capability"), OPEN_FLOOR_COLOUR,
         "open-weight floor (best free model), median")
    band(ax2, quantiles(gap, "g"), OPEN_FLOOR_COLOUR, "open-weight floor, median")
    caps = _alive_median(data, focus.firms, "capability")
    handles: list[Any] = []
    for name in focus.firms:
        c = caps.get(name, pd.Series(np.nan, index=data.months))
        ax1.plot(_x(c.index), c.values, color=colours[name], lw=1.6)
        ax2.plot(_x(c.index), (c - frontier.reindex(c.index)).values, color=colours[name], lw=1.6)
        handles.append(Line2D([], [], color=colours[name], lw=1.6, label=alive_label(name, c, len(data.seeds))))
    ax2.axhline(0, color="black", lw=2.8)
    for ax in (ax1, ax2):
        release_lines(ax, rels)
        article_line(ax, data, text=ax is ax1)
    ax1.set_ylabel(f"capability (doublings of\neffective compute vs\nthe {HISTORY_START} frontier)")
    ax2.set_ylabel("distance to the frontier\n(doublings; 0 = frontier)")
    strip.set_title("Capability: frontier, open-weight floor and each startup (median over the seeds where alive)",
                    loc="left", fontsize=10.5)
    ax2.set_title("Gap below the frontier: a startup under the green line is outdone by free open weights",
                  loc="left", fontsize=10.5)
    ax1.tick_params(labelbottom=False)
    date_axis(ax1, data, label=False)
    date_axis(ax2, data)
    top, _ = ax1.get_legend_handles_labels()
    handles = top + band_legend_handles(data, OPEN_FLOOR_COLOUR) + handles
    if rels:
        handles.append(Line2D([], [], color=RELEASE_COLOUR, ls="--", label="open-weight release (dated input)"))
    legend_below(fig, handles, ncol=3)
    fig.suptitle(f"Capability of {focus.label} against the frontier and the open-weight floor "
                 f"({seeds_note(data)})")
    return fig


def fig_prices(data: RunData) -> Figure:
    """Median API price by kind of firm over seeds (log), and price-cut events per month."""
    f = data.firms[(data.firms["strategy"] != "exited") & (data.firms["api_price_usd_per_mtok"] > 0)]
    per_seed = f.groupby(["seed", "date", "kind"])["api_price_usd_per_mtok"].median().rename("p").reset_index()
    rels = releases(data)
    fig = Figure(figsize=(12, 8.8), layout="constrained")
    gs = fig.add_gridspec(3, 1, height_ratios=[0.8 if rels else 0.2, 3, 1.3])
    ax1 = fig.add_subplot(gs[1])
    ax2 = fig.add_subplot(gs[2], sharex=ax1)
    strip = release_strip(fig, gs[0], ax1, data, rels)
    ax1.set_yscale("log")
    for kind, colour in KIND_COLOURS.items():
        sub = per_seed[per_seed["kind"] == kind]
        if not sub.empty:
            band(ax1, quantiles(sub, "p"), colour, f"{KIND_LABELS[kind]}, median")
    mean = data.model.groupby("date")["mean_api_price_usd_per_mtok"].median()
    mean = mean.where(mean > 0)
    if mean.notna().any():
        ax1.plot(_x(mean.index), mean.values, color="black", lw=1.3, ls=(0, (4, 2)), label="market mean price")
    else:
        no_data(ax1, "no API prices in this run")
    ax1.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:g}"))
    ax1.set_ylabel("API price\n(USD per million tokens, log)")
    strip.set_title("Median API price of the live firms of each kind (median and bands over seeds)",
                    loc="left", fontsize=10.5)
    cuts = data.events[data.events["type"] == EventType.PRICE_CUT]
    kinds = data.firms.drop_duplicates("firm").set_index("firm")["kind"]
    cuts = cuts.assign(kind=cuts["firm"].map(kinds).fillna("startup"))
    n_seeds = max(1, len(data.seeds))
    month_x = _x(data.months)
    bottom = np.zeros(len(data.months))
    for kind, colour in KIND_COLOURS.items():
        counts = cuts[cuts["kind"] == kind].groupby("date").size().reindex(data.months, fill_value=0) / n_seeds
        if counts.sum() == 0:
            continue
        ax2.bar(month_x, counts.values, width=26, bottom=bottom, align="edge", color=colour, alpha=0.85,
                label=f"price cuts by {KIND_LABELS[kind]}")
        bottom += counts.values
    if bottom.sum() == 0:
        no_data(ax2, "no price cuts in this run")
    ax2.set_ylabel("price cuts\n(per month, per seed)")
    ax2.set_title(f"Price-cut events (a firm's price falls at least "
                  f"{data.scenario.pricing.price_cut_threshold:.0%} in a month), mean over seeds",
                  loc="left", fontsize=10.5)
    for ax in (ax1, ax2):
        release_lines(ax, rels)
        article_line(ax, data, text=ax is ax1)
    ax1.tick_params(labelbottom=False)
    date_axis(ax1, data, label=False)
    date_axis(ax2, data)
    handles, _ = ax1.get_legend_handles_labels()
    h2, _ = ax2.get_legend_handles_labels()
    legend_below(fig, handles + band_legend_handles(data) + h2, ncol=4)
    fig.suptitle(f"API prices and price cuts ({seeds_note(data)})")
    return fig


FIGURES: dict[str, Callable[[RunData], Figure]] = {
    "strategy_timeline": fig_strategy_timeline,
    "foundation_survivors": fig_foundation_survivors,
    "departures": fig_departures,
    "consumer_mau": fig_consumer_mau,
    "cash_runway": fig_cash_runway,
    "capability_floor": fig_capability_floor,
    "prices": fig_prices,
}


def make_figures(folder: Path, scenario: Scenario) -> list[Path]:
    """Draw every figure of the run in ``folder`` into ``folder/figures/``; return the PNG paths.

    A figure that fails is reported with a warning and skipped, so that one bad figure never
    loses the others (tests check that all are written).
    """
    folder = Path(folder)
    data = load(folder, scenario)
    out = folder / "figures"
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    with mpl.rc_context(STYLE):
        for name, draw in FIGURES.items():
            try:
                fig = draw(data)
                paths.append(save(fig, out / f"{name}.png"))
            except Exception as exc:  # one figure must not lose the others
                warnings.warn(f"figure {name} failed: {exc.__class__.__name__}: {exc}", stacklevel=2)
    return paths
