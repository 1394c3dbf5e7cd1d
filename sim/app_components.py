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
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import matplotlib as mpl
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .model import MarketModel

# Same palette and words as the report figures (sim/figures.py), so the page and the PNGs agree.
STRATEGY_COLOURS = {"foundation": "#0072B2", "vertical": "#009E73", "integrator": "#E69F00", "exited": "#CCCCCC"}
STRATEGY_LABELS = {"foundation": "foundation (trains own models)", "vertical": "vertical (sector product)",
                   "integrator": "integrator (deploys others' models)", "exited": "exited"}
ARTICLE_COLOUR = "#CC0000"
ARTICLE_DATE = "2025-06"  # the article was written in June 2025
DEPARTURES_START = "2024-01"  # the article counts departures "since 2024"
ARTICLE_DEPARTURES = 22  # "at least 22" core executives by 2025-06
ARTICLE_DEPARTURES_HIGH = 33  # the pattern's upper tolerance (docs/patterns.md, T1)
SIX = ("Zhipu", "MiniMax", "Moonshot", "StepFun", "Baichuan", "01.AI")
RUNWAY_CLIP = 60.0  # months; longer (or infinite) runways are drawn at the clip
MAX_ROWS = 16  # startups shown on the strategy timeline
MAX_SHARE_FIRMS = 8  # firms named on the MAU-share chart; the rest are "others"

FIG_SIZE = (6.4, 3.7)  # inches; the page shows charts in a two-column grid
DPI = 110
STYLE = {
    "font.size": 9.5, "axes.titlesize": 11, "axes.titleweight": "bold", "axes.labelsize": 9.5,
    "legend.fontsize": 8, "xtick.labelsize": 8.5, "ytick.labelsize": 8.5, "axes.grid": True,
    "grid.alpha": 0.3, "grid.linewidth": 0.6, "axes.spines.top": False, "axes.spines.right": False,
}
EVENT_COLOURS = {
    "release": "#0072B2", "price_cut": "#999999", "funding_round": "#56B4E9", "departure": "#D55E00",
    "pivot": "#009E73", "product_cut": "#CC79A7", "ipo": "#B8A000", "exit": "#000000", "entry": "#E69F00",
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
    greys = ["#555555", "#777777", "#999999", "#BBBBBB"]
    greens = ["#1B7837", "#5AAE61", "#A6DBA0"]
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
def _new_figure(left: float = 0.1, right: float = 0.74, bottom: float = 0.09, top: float = 0.9
                ) -> tuple[Figure, Axes]:
    """A chart with fixed margins (a layout engine would cost more than the drawing); by default
    room on the right for the legend (:func:`_legend_right`)."""
    with mpl.rc_context(STYLE):
        fig = Figure(figsize=FIG_SIZE, dpi=DPI)
        fig.subplots_adjust(left=left, right=right, bottom=bottom, top=top)
        ax = fig.add_subplot()
    return fig, ax


def _legend_right(ax: Axes, **kw: Any) -> None:
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=7.5, borderaxespad=0.0,
              handlelength=1.6, **kw)


def _title(fig: Figure, text: str) -> None:
    fig.suptitle(text, x=0.01, y=0.985, ha="left", va="top", fontsize=11, fontweight="bold")


def _time_axis(ax: Axes, model: MarketModel, article: bool = True) -> None:
    """x in months since the start, labelled by year, spanning the whole horizon; the article's date marked."""
    cal = model.calendar
    n = cal.n_steps
    ticks = [t for t in range(n) if cal.labels[t].endswith("-01")]
    ax.set_xlim(-0.5, n - 0.5)
    ax.set_xticks(ticks, [cal.labels[t][:4] for t in ticks])
    if article:
        t_art = cal.step_of(ARTICLE_DATE)
        if 0 <= t_art < n:
            ax.axvline(t_art, color=ARTICLE_COLOUR, lw=1.1, ls=":", zorder=1, label="article written\n(2025-06)")
    if model.t < n:  # the months still to come are shaded
        ax.axvspan(max(model.t - 0.5, -0.5), n - 0.5, color="#F2F2F2", lw=0, zorder=0)


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, facecolor="white", pil_kwargs={"compress_level": 1})
    return buf.getvalue()


def _note(ax: Axes, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, fontsize=10, color="#666666")


def chart_strategies(model: MarketModel) -> bytes:
    """Each startup's strategy month by month (a coloured strip per firm)."""
    fig, ax = _new_figure(left=0.14, right=0.98, bottom=0.17)
    names = shown_startups(model)
    strat = firm_strategies(model)
    total = sum(1 for f in model.firms if f.kind == "startup")
    more = f" (first {len(names)} of {total})" if total > len(names) else ""
    _title(fig, "Each startup's strategy" + more)
    _time_axis(ax, model)
    for row, name in enumerate(names):
        series = strat.get(name, [])
        start = 0
        for t in range(1, len(series) + 1):
            if t == len(series) or series[t] != series[start]:
                if series[start]:
                    ax.broken_barh([(start - 0.5, t - start)], (row - 0.35, 0.7),
                                   facecolors=STRATEGY_COLOURS.get(series[start], "#999999"), edgecolor="none")
                start = t
    ax.set_yticks(range(len(names)), names, fontsize=8.5 if len(names) <= 8 else 7)
    ax.set_ylim(len(names) - 0.5, -0.5)
    ax.grid(False, axis="y")
    handles = [Patch(color=c, label=s) for s, c in STRATEGY_COLOURS.items()]
    handles.append(Line2D([], [], color=ARTICLE_COLOUR, ls=":", label="article (2025-06)"))
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.43, -0.08), ncol=5, frameon=False,
              fontsize=7.5, handlelength=1.2, columnspacing=0.9)
    return _png(fig)


def chart_survivors(model: MarketModel) -> bytes:
    """Startups still training foundation models, pivoted and exited, month by month."""
    fig, ax = _new_figure(left=0.08)
    _title(fig, "Startups still training foundation models")
    _time_axis(ax, model)
    m = model.recorder.model
    t = m["step"]
    for col, strat, label in (("n_foundation", "foundation", "still train foundation models"),
                              ("n_pivoted", "vertical", "pivoted (vertical\nor integrator)"),
                              ("n_exited", "exited", "exited")):
        colour = "#888888" if strat == "exited" else STRATEGY_COLOURS[strat]
        ax.step(t, m[col], where="mid", color=colour, lw=2.2, label=label)
    n_start = sum(1 for f in model.firms if f.kind == "startup")
    end = model.calendar.n_steps - 1
    ax.fill_between([end - 1.5, end + 0.5], 1, 2, color=ARTICLE_COLOUR, alpha=0.25, lw=0,
                    label="article's end state:\n1-2 keep a seat")
    ax.set_ylim(-0.3, max([n_start, *m["n_foundation"], *m["n_alive"]]) + 0.5)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_ylabel("startups")
    _legend_right(ax)
    return _png(fig)


def chart_capability(model: MarketModel) -> bytes:
    """Frontier, open-weight floor and each firm's best model (doublings of effective compute)."""
    fig, ax = _new_figure()
    _title(fig, "Capability against the open-weight floor")
    _time_axis(ax, model)
    m = model.recorder.model
    t = m["step"]
    colours = firm_colours(model)
    cap = firm_series(model, "capability")
    strat = firm_strategies(model)
    kinds = {f.name: f.kind for f in model.firms}
    labelled = shown_startups(model)[:8]
    for name, series in cap.items():
        if kinds.get(name) == "startup":
            # a startup's line stops when it stops training (pivot or exit)
            ss = strat.get(name, [])
            series = [v if i < len(ss) and ss[i] == "foundation" else math.nan for i, v in enumerate(series)]
            ax.plot(range(len(series)), series, color=colours.get(name), lw=1.4,
                    label=name if name in labelled else None)
        else:
            ax.plot(range(len(series)), series, color=colours.get(name), lw=0.8, alpha=0.8)
    ax.plot(t, m["frontier_capability"], color="black", ls="--", lw=1.3, label="global frontier")
    ax.plot(t, m["open_floor_capability"], color="#1B7837", lw=3.0, alpha=0.85, label="open-weight floor")
    ax.plot([], [], color="#777777", lw=0.8, label="giants, open labs")
    ax.set_ylabel("doublings vs 2023-01 frontier", fontsize=8.5)
    _legend_right(ax)
    return _png(fig)


def chart_runway(model: MarketModel) -> bytes:
    """Each startup's cash runway in months (clipped at :data:`RUNWAY_CLIP`)."""
    fig, ax = _new_figure()
    _title(fig, "Cash runway of each startup")
    _time_axis(ax, model)
    colours = firm_colours(model)
    runway = firm_series(model, "runway_months")
    for name in shown_startups(model):
        series = [min(v, RUNWAY_CLIP) if not math.isnan(v) else math.nan for v in runway.get(name, [])]
        ax.plot(range(len(series)), series, color=colours.get(name), lw=1.6, label=name)
    sc = model.sc
    ax.axhline(sc.talent.runway_alarm_months, color="#B8A000", lw=1.0, ls="--")
    ax.axhline(sc.strategy.exit_runway_months, color="black", lw=1.0, ls="--")
    ax.text(0.99, sc.talent.runway_alarm_months, "executives worry ", ha="right", va="bottom", fontsize=7.5,
            color="#8A7800", transform=ax.get_yaxis_transform())
    ax.text(0.99, sc.strategy.exit_runway_months, "exit unless it raises ", ha="right", va="bottom", fontsize=7.5,
            transform=ax.get_yaxis_transform())
    ax.set_ylim(0, RUNWAY_CLIP + 2)
    ax.set_ylabel(f"months of cash (≥{RUNWAY_CLIP:.0f} drawn at {RUNWAY_CLIP:.0f})", fontsize=8.5)
    _legend_right(ax)
    return _png(fig)


def chart_mau_shares(model: MarketModel) -> bytes:
    """Consumer monthly active users: each firm's share of all firms' MAU (stacked)."""
    fig, ax = _new_figure()
    _title(fig, "Consumer MAU shares (all firms' apps)")
    _time_axis(ax, model)
    mau = firm_series(model, "mau")
    n = model.t
    if n == 0 or not mau:
        _note(ax, "press Step or ▶ to start the story")
        return _png(fig)
    padded = {k: [0.0 if (i >= len(v) or math.isnan(v[i])) else v[i] for i in range(n)] for k, v in mau.items()}
    totals = [sum(s[i] for s in padded.values()) for i in range(n)]
    peak = sorted(padded, key=lambda k: -max(padded[k]))
    named = [k for k in peak if max(padded[k]) > 0][:MAX_SHARE_FIRMS]
    others = [k for k in padded if k not in named]
    colours = firm_colours(model)
    layers, labels, cols = [], [], []
    for k in named:
        layers.append([padded[k][i] / totals[i] if totals[i] > 0 else 0.0 for i in range(n)])
        labels.append(k)
        cols.append(colours.get(k))
    if others:
        layers.append([sum(padded[k][i] for k in others) / totals[i] if totals[i] > 0 else 0.0 for i in range(n)])
        labels.append("others")
        cols.append("#DDDDDD")
    if not any(totals):
        _note(ax, "no consumer users yet")
    else:
        ax.stackplot(range(n), layers, labels=labels, colors=cols, alpha=0.9)
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0))
    ax.set_ylabel("share of consumer MAU")
    if any(totals):
        _legend_right(ax, reverse=True)
    return _png(fig)


def departures_so_far(model: MarketModel) -> tuple[list[int], list[int], str]:
    """Steps, cumulative core-executive departures since 2024-01, and whose (the six, or all startups)."""
    ev = model.recorder.events
    names = {f.name for f in model.firms if f.kind == "startup"}
    six = [n for n in SIX if n in names]
    whose = set(six) if six else names
    start = model.calendar.step_of(DEPARTURES_START)
    per_step = [0] * model.t
    for firm, typ, step in zip(ev["firm"], ev["type"], ev["step"], strict=False):
        if typ == "departure" and firm in whose and start <= step < model.t:
            per_step[step] += 1
    steps, cum, total = [], [], 0
    for t in range(max(start, 0), model.t):
        total += per_step[t]
        steps.append(t)
        cum.append(total)
    return steps, cum, "the six" if six else "all startups"


def chart_departures(model: MarketModel) -> bytes:
    """Cumulative core-executive departures since 2024-01 against the article's 'at least 22 by 2025-06'."""
    fig, ax = _new_figure(left=0.08)
    steps, cum, whose = departures_so_far(model)
    _title(fig, f"Core-executive departures from {whose} since 2024")
    _time_axis(ax, model)
    if steps:
        ax.step(steps, cum, where="post", color="#D55E00", lw=2.4, label="simulated\n(cumulative)")
    t_art = model.calendar.step_of(ARTICLE_DATE)
    lo, hi = ARTICLE_DEPARTURES, ARTICLE_DEPARTURES_HIGH
    ax.errorbar([t_art], [lo], yerr=[[0], [hi - lo]], fmt="o", color=ARTICLE_COLOUR, ms=7, capsize=4, lw=1.4,
                label=f"article: at least {lo}\nby {ARTICLE_DATE}\n(pattern T1 accepts {lo}-{hi})")
    ax.annotate(f"≥{lo}", (t_art, lo), xytext=(-22, -4), textcoords="offset points", color=ARTICLE_COLOUR,
                fontsize=9, fontweight="bold")
    ax.set_ylim(0, max([hi + 4, *cum]) * 1.05)
    ax.set_ylabel("departures")
    _legend_right(ax)
    return _png(fig)


#: The charts of the page, in order: (key, title for people, function).
CHARTS: list[tuple[str, str, Callable[[MarketModel], bytes]]] = [
    ("strategies", "Each startup's strategy", chart_strategies),
    ("survivors", "Foundation-model survivors", chart_survivors),
    ("capability", "Capability against the open floor", chart_capability),
    ("runway", "Cash runway", chart_runway),
    ("mau", "Consumer MAU shares", chart_mau_shares),
    ("departures", "Executive departures", chart_departures),
]


# ------------------------------------------------------------------------------------ event feed
def money(usd: float) -> str:
    """'$1.2B', '$150M', '$576K'."""
    if usd is None or not math.isfinite(usd):
        return ""
    a = abs(usd)
    for div, unit in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if a >= div:
            return f"${usd / div:.1f}{unit}" if a < 10 * div else f"${usd / div:.0f}{unit}"
    return f"${usd:.0f}"


def describe(event: dict[str, Any]) -> str:
    """One event in words, e.g. 'pivots to medicine' or 'releases DeepSeek-R1 (open weights)'."""
    typ, detail = event["type"], event.get("detail") or ""
    amount = event.get("amount_usd")
    if typ == "release":
        if detail.startswith("open-weight "):
            name = detail[len("open-weight "):].split(",")[0]
            return f"releases {name} (open weights)"
        if detail.startswith("model #"):
            num, _, rest = detail.partition(",")
            gap = rest.strip().replace(" below frontier", " behind the frontier")
            return f"releases its {num}" + (f" ({gap})" if gap else "")
        return f"releases a model ({detail})" if detail else "releases a model"
    if typ == "price_cut":
        return "cuts its API price: " + detail.replace("API price ", "").replace("->", "→")
    if typ == "funding_round":
        return f"raises {money(amount)}" + (f" ({detail})" if detail else "")
    if typ == "departure":
        role = event.get("role") or "core"
        dest = event.get("destination") or ""
        if dest.startswith("giant:"):
            return f"a {role} executive leaves for {dest[6:]}"
        if dest.startswith("founded:"):
            return f"a {role} executive leaves to found a {dest[8:]} startup"
        return f"a {role} executive leaves" + (f" ({dest})" if dest else "")
    if typ == "ipo":
        if "lists" in detail:
            return "lists its shares" + (f", raising {money(amount)}" if amount and math.isfinite(amount) else "")
        return "starts an IPO process" if "starts" in detail else detail
    if typ == "entry":
        return f"enters the market with {money(amount)}" if amount and math.isfinite(amount) else "enters the market"
    if typ == "exit":
        return detail or "exits"
    return detail or typ.replace("_", " ")


@dataclass(frozen=True)
class FeedLine:
    date: str
    firm: str
    type: str
    text: str

    def __str__(self) -> str:
        return f"{self.date} {self.firm}: {self.text}"


def feed(model: MarketModel, limit: int = 200) -> list[FeedLine]:
    """The newest ``limit`` events so far, newest first."""
    ev = model.recorder.events
    n = len(ev["date"])
    out = []
    for i in range(n - 1, max(n - limit, 0) - 1, -1):
        row = {k: ev[k][i] for k in ("date", "firm", "type", "amount_usd", "role", "destination", "detail")}
        out.append(FeedLine(row["date"], row["firm"], row["type"], describe(row)))
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
            f'<b>{html.escape(ln.firm)}</b>: {html.escape(ln.text)}</div>')
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
    """The article's patterns for the run so far, and a one-line error when sim.patterns is unusable."""
    try:
        from .patterns import evaluate
    except ImportError as exc:  # the patterns module is optional for the page
        return [], f"the scorecard is unavailable ({exc})"
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
        elif r.detail.startswith("not applicable: run covers"):
            status = WAITING
        elif r.detail.startswith("not applicable"):
            status = NOT_APPLICABLE
        else:
            status = MISSES
        rows.append(ScoreRow(r.id, r.name, status, r.detail))
    return rows, ""


STATUS_STYLE = {HOLDS: ("✔", "#1B7837"), MISSES: ("✘", "#CC0000"), WAITING: ("…", "#888888"),
                NOT_APPLICABLE: ("–", "#888888")}


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
