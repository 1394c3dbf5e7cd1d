"""The industry life cycle of a run: producers, entry, exit, output and concentration by month, and
whether the run shows a *shakeout* ([Klepper1996], [KlepperSimons2005], [Gort1982]).

Read from the results tables only (``model``, ``firms``, ``events``; ``docs/outputs.md``), of a
:class:`sim.results.RunResult` list or a folder written by ``python -m sim run``, so that the same
analysis reruns unchanged on a later model version; columns it does not read may come and go.

Per seed and month (:func:`monthly`):

* **producers**: firms of :data:`PRODUCER_KINDS` (kind ``startup``) that *produce foundation models*:
  strategy :data:`PRODUCING`. The industry's product is the foundation model, as Klepper's was the
  car or the tyre: a startup that pivots to a vertical or to integrating others' models has left
  that industry, like one that exits (it goes on as a customer of the producers). Giants and open
  labs are a fixed set that would only add a constant. producers(t) = producers(t-1) + entries(t)
  - exits(t).
* **entries, exits**: ``entry`` events, and a producer's ``pivot`` or its ``exit`` when it had not
  pivoted before (it stops producing) that month.
* **output**: the industry's total of :data:`TOKENS_COLUMN` (million tokens served a month, by every
  live startup) if the firms table has that column, else their total ``revenue_usd`` (USD a month);
  their total consumer users (``mau``) is kept as a second output series.
  ``Lifecycle.output_metric`` names the one used.
* **concentration**: the share of the live startups' revenue earned by their top decile (the
  ``ceil(0.1 n)`` largest of ``n``, at least one), and the Gini coefficient of their revenues. NaN
  in a month where they earn nothing.

The four regularities (:func:`check`), each a named criterion with its thresholds in
:class:`Criteria`; a run *shows a shakeout* when all four hold:

1. ``rise_and_fall``: the number of producers rises above its first month's, peaks, and by the
   run's end has fallen by at least ``Criteria.fall_from_peak`` of the peak.
2. ``output_grows``: output over the last ``window_months`` months exceeds ``output_growth``
   times output over the ``window_months`` months centred on the producer peak.
3. ``entry_collapses_first``: the first month after its peak at which the rolling
   ``window_months``-month entry count falls below ``entry_collapse_fraction`` of that peak comes
   before the month of peak rolling exits.
4. ``sizes_skew``: the top decile's revenue share at the end is at least ``top_decile_end`` and
   above its value at the producer peak.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..outputs import EventType
from ..palette import LIFECYCLE_COLOURS

#: Kinds of firm counted as producers (see the module docstring for why only startups).
PRODUCER_KINDS: tuple[str, ...] = ("startup",)
#: The strategy of a firm that has left the market.
EXITED = "exited"
#: The strategy of a producer: a startup that still trains foundation models.
PRODUCING = "foundation"
#: Firms-table column of output in tokens (model 3); used when present.
TOKENS_COLUMN = "tokens_mtok"
#: Output metrics: column -> (label, unit).
OUTPUT_METRICS: dict[str, tuple[str, str]] = {
    TOKENS_COLUMN: ("tokens served", "million tokens per month"),
    "revenue_usd": ("revenue", "USD per month"),
    "mau": ("consumer users", "MAU"),
}
#: Columns read, per table (``tokens_mtok`` is optional).
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "model": ("date",),
    "firms": ("date", "firm", "kind", "strategy", "revenue_usd", "mau"),
    "events": ("date", "firm", "type"),
}
#: The criteria, in order.
CRITERIA = ("rise_and_fall", "output_grows", "entry_collapses_first", "sizes_skew")
#: What each criterion means, for reports.
CRITERIA_TEXT = {
    "rise_and_fall": "producers rise, then fall by at least {fall_from_peak:.0%} from their peak by the end",
    "output_grows": "output in the last {window_months} months > {output_growth:g} x output in the "
                    "{window_months} months around the producer peak",
    "entry_collapses_first": "rolling {window_months}-month entries fall below {entry_collapse_fraction:.0%} "
                             "of their peak before rolling exits peak",
    "sizes_skew": "top-decile revenue share at the end >= {top_decile_end:.0%} and above its value at the "
                  "producer peak",
}


@dataclass(frozen=True)
class Criteria:
    """Thresholds of the four criteria (module docstring)."""

    fall_from_peak: float = 0.5  # share of the peak producer count lost by the end (Klepper: "shakeout")
    window_months: int = 12  # months of the output windows and of the rolling entry and exit counts
    output_growth: float = 1.0  # last-window output / peak-window output must exceed this
    entry_collapse_fraction: float = 0.25  # rolling entries below this share of their peak = collapsed
    top_decile_end: float = 0.5  # least top-decile revenue share at the end
    top_decile: float = 0.1  # the top "decile": this share of live startups (rounded up, at least one)

    def describe(self) -> dict[str, str]:
        """Each criterion's meaning with these thresholds."""
        return {c: CRITERIA_TEXT[c].format(**asdict(self)) for c in CRITERIA}


@dataclass
class Lifecycle:
    """One seed's monthly series (arrays over ``dates``) and the output metric used."""

    seed: int
    dates: list[str]
    producers: np.ndarray
    entries: np.ndarray
    exits: np.ndarray
    output: np.ndarray
    output_metric: str
    users: np.ndarray
    top_decile_share: np.ndarray
    gini: np.ndarray


@dataclass(frozen=True)
class Verdict:
    """One criterion in one seed: holds?, and what the run did."""

    ok: bool
    detail: str


@dataclass
class SeedCheck:
    """The criteria of one seed and its headline numbers."""

    seed: int
    criteria: dict[str, Verdict]
    peak_producers: int
    peak_month: str
    start: str
    fall_from_peak: float
    top_decile_end: float
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def shakeout(self) -> bool:
        return all(v.ok for v in self.criteria.values())


# ---------------------------------------------------------------------------------------------- monthly series
def frames_from_results(results: Sequence[Any]) -> dict[str, pd.DataFrame]:
    """The tables of :class:`sim.results.RunResult` objects as data frames (all seeds)."""
    return {name: pd.concat([pd.DataFrame(getattr(r, name)) for r in results], ignore_index=True)
            for name in REQUIRED_COLUMNS}


def top_share(values: np.ndarray, share: float) -> float:
    """Share of ``values``' total held by the largest ``ceil(share * n)`` of them (at least one); NaN if none."""
    v = np.sort(np.asarray(values, dtype=float))[::-1]
    total = v.sum()
    if len(v) == 0 or total <= 0:
        return math.nan
    k = max(1, math.ceil(share * len(v) - 1e-9))
    return float(v[:k].sum() / total)


def gini(values: np.ndarray) -> float:
    """Gini coefficient of non-negative ``values`` (0 = equal, (n-1)/n = one holds all); NaN if their total is 0."""
    v = np.sort(np.asarray(values, dtype=float))
    n, total = len(v), v.sum()
    if n == 0 or total <= 0:
        return math.nan
    ranks = np.arange(1, n + 1)
    return float((2 * (ranks * v).sum()) / (n * total) - (n + 1) / n)


def monthly(tables: dict[str, pd.DataFrame], criteria: Criteria = Criteria(),
            kinds: tuple[str, ...] = PRODUCER_KINDS) -> list[Lifecycle]:
    """Every seed's monthly series (module docstring), seeds in ascending order."""
    model, firms, events = tables["model"], tables["firms"], tables["events"]
    metric = TOKENS_COLUMN if TOKENS_COLUMN in firms.columns else "revenue_usd"
    live = firms[firms["kind"].isin(kinds) & (firms["strategy"] != EXITED)]
    producing = live[live["strategy"] == PRODUCING]
    producer_names = set(firms.loc[firms["kind"].isin(kinds), "firm"])
    ev = events[events["firm"].isin(producer_names)]
    live_by_seed = dict(tuple(live.groupby("seed")))
    producing_by_seed = dict(tuple(producing.groupby("seed")))
    ev_by_seed = dict(tuple(ev.groupby("seed")))
    empty_firms, empty_events, nothing = live.iloc[:0], ev.iloc[:0], np.zeros(0)
    out = []
    for seed, m in model.groupby("seed", sort=True):
        dates = sorted(set(m["date"]))
        grouped = live_by_seed.get(seed, empty_firms).groupby("date")
        count = producing_by_seed.get(seed, empty_firms).groupby("date").size().reindex(dates, fill_value=0)
        output = grouped[metric].sum().reindex(dates, fill_value=0.0)
        users = grouped["mau"].sum().reindex(dates, fill_value=0.0)
        revs = {d: g.to_numpy(dtype=float) for d, g in grouped["revenue_usd"]}
        es = ev_by_seed.get(seed, empty_events)
        pivoted = set(es.loc[es["type"] == EventType.PIVOT.value, "firm"])
        leaving = es[(es["type"] == EventType.PIVOT.value)
                     | ((es["type"] == EventType.EXIT.value) & ~es["firm"].isin(pivoted))]
        entries = es[es["type"] == EventType.ENTRY.value].groupby("date").size().reindex(dates, fill_value=0)
        exits = leaving.groupby("date").size().reindex(dates, fill_value=0)
        out.append(Lifecycle(
            seed=int(seed), dates=dates, producers=count.to_numpy(dtype=int),
            entries=entries.to_numpy(dtype=int), exits=exits.to_numpy(dtype=int),
            output=output.to_numpy(dtype=float), output_metric=metric, users=users.to_numpy(dtype=float),
            top_decile_share=np.array([top_share(revs.get(d, nothing), criteria.top_decile) for d in dates]),
            gini=np.array([gini(revs.get(d, nothing)) for d in dates])))
    return out


def rolling(x: np.ndarray, window: int) -> np.ndarray:
    """Trailing sums over ``window`` months (the current one included; shorter at the start)."""
    c = np.cumsum(np.asarray(x, dtype=float))
    return c - np.concatenate([np.zeros(window), c[:-window]])[: len(c)]


def centred_window(peak: int, n: int, window: int) -> slice:
    """``window`` months centred on index ``peak`` (``window // 2`` before it), shifted to lie within ``0..n-1``."""
    start = max(0, min(peak - window // 2, n - window))
    return slice(start, min(n, start + window))


# ---------------------------------------------------------------------------------------------- criteria
def check(lc: Lifecycle, criteria: Criteria = Criteria()) -> SeedCheck:
    """The four criteria (module docstring) on one seed's series."""
    c, n, d = criteria, len(lc.dates), lc.dates
    if n == 0:
        raise ValueError(f"seed {lc.seed}: no months")
    peak_i = int(np.argmax(lc.producers))
    peak, first, end = int(lc.producers[peak_i]), int(lc.producers[0]), int(lc.producers[-1])
    fall = 1.0 - end / peak if peak > 0 else 0.0
    verdicts = {"rise_and_fall": Verdict(
        peak > first and fall >= c.fall_from_peak,
        f"{first} producers at {d[0]}, peak {peak} at {d[peak_i]}, {end} at {d[-1]} (fall {fall:.0%}; "
        f"target a rise, then a fall >= {c.fall_from_peak:.0%})")}

    around = float(lc.output[centred_window(peak_i, n, c.window_months)].sum())
    last = float(lc.output[max(0, n - c.window_months):].sum())
    ratio = last / around if around > 0 else (math.inf if last > 0 else math.nan)
    verdicts["output_grows"] = Verdict(
        last > c.output_growth * around,
        f"{lc.output_metric}: last {c.window_months} months {last:.4g} vs {around:.4g} around the peak "
        f"(x{ratio:.2f}; target > x{c.output_growth:g})")

    ent, ex = rolling(lc.entries, c.window_months), rolling(lc.exits, c.window_months)
    ent_i, ex_i = int(np.argmax(ent)), int(np.argmax(ex))
    below = np.flatnonzero(ent[ent_i:] < c.entry_collapse_fraction * ent[ent_i]) + ent_i
    collapse = int(below[0]) if ent[ent_i] > 0 and len(below) else None
    if ent[ent_i] <= 0 or ex[ex_i] <= 0:
        ok, text = False, f"{int(lc.entries.sum())} entries and {int(lc.exits.sum())} exits in the run"
    else:
        ok = collapse is not None and collapse < ex_i
        when = d[collapse] if collapse is not None else "never"
        text = (f"rolling entries peak {ent[ent_i]:.0f} at {d[ent_i]}, below {c.entry_collapse_fraction:.0%} "
                f"of it from {when}; rolling exits peak {ex[ex_i]:.0f} at {d[ex_i]} (target: collapse first)")
    verdicts["entry_collapses_first"] = Verdict(ok, text)

    s_end, s_peak = float(lc.top_decile_share[-1]), float(lc.top_decile_share[peak_i])
    verdicts["sizes_skew"] = Verdict(
        bool(s_end >= c.top_decile_end and s_end > s_peak),
        f"top-decile revenue share {s_peak:.2f} at the peak, {s_end:.2f} at the end "
        f"(target >= {c.top_decile_end:.2f} and higher)")
    stats = {"first_producers": first, "end_producers": end, "output_ratio": ratio,
             "entry_peak_month": d[ent_i] if ent[ent_i] > 0 else None,
             "entry_collapse_month": d[collapse] if collapse is not None else None,
             "exit_peak_month": d[ex_i] if ex[ex_i] > 0 else None, "entries": int(lc.entries.sum()),
             "exits": int(lc.exits.sum()), "top_decile_at_peak": s_peak, "gini_end": float(lc.gini[-1])}
    return SeedCheck(lc.seed, verdicts, peak, d[peak_i], d[0], fall, s_end, stats)


# ---------------------------------------------------------------------------------------------- over seeds
#: The quantiles of the reported ranges and bands (5-95%), and the median.
LOW, MID, HIGH = 0.05, 0.5, 0.95


def _range(values: Sequence[float]) -> dict[str, float | None]:
    v = np.asarray([x for x in values if x is not None and math.isfinite(x)], dtype=float)
    if len(v) == 0:
        return {"p05": None, "median": None, "p95": None}
    q = np.quantile(v, [LOW, MID, HIGH])
    return {"p05": float(q[0]), "median": float(q[1]), "p95": float(q[2])}


def bands(series: list[Lifecycle]) -> dict[str, Any]:
    """Median and 5-95% band over seeds, by month, of every monthly series (seeds aligned on their dates)."""
    dates = sorted({x for lc in series for x in lc.dates})
    idx = {x: i for i, x in enumerate(dates)}
    out: dict[str, Any] = {"dates": dates}
    for name in ("producers", "entries", "exits", "output", "users", "top_decile_share", "gini"):
        mat = np.full((len(series), len(dates)), np.nan)
        for r, lc in enumerate(series):
            mat[r, [idx[x] for x in lc.dates]] = getattr(lc, name)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a month with no value in any seed stays NaN
            q = np.nanquantile(mat, [LOW, MID, HIGH], axis=0)
        out[name] = {"p05": q[0].tolist(), "median": q[1].tolist(), "p95": q[2].tolist()}
    return out


def summarise(checks: list[SeedCheck], criteria: Criteria = Criteria()) -> dict[str, Any]:
    """Shares of seeds meeting each criterion and all of them; 5-95% ranges of the headline numbers."""
    n = len(checks)
    share = {c: sum(ch.criteria[c].ok for ch in checks) / n if n else 0.0 for c in CRITERIA}
    share["shakeout"] = sum(ch.shakeout for ch in checks) / n if n else 0.0
    first = min((ch.start for ch in checks), default=None)
    steps = [_months(ch.start, ch.peak_month) for ch in checks]
    return {
        "seeds": n,
        "share": share,
        "criteria": criteria.describe(),
        "thresholds": asdict(criteria),
        "peak_producers": _range([ch.peak_producers for ch in checks]),
        "peak_month": _range(steps) | {"start": first},
        "fall_from_peak": _range([ch.fall_from_peak for ch in checks]),
        "top_decile_end": _range([ch.top_decile_end for ch in checks]),
    }


def _months(a: str, b: str) -> int:
    from ..calendar import parse_month

    return parse_month(b) - parse_month(a)


def month_label(first: str | None, offset: float | None) -> str:
    """The month ``offset`` months (rounded) after ``first``, or '-'."""
    if first is None or offset is None:
        return "-"
    from ..calendar import format_month, parse_month

    return format_month(parse_month(first) + round(offset))


# ---------------------------------------------------------------------------------------------- figure
#: Axes whose values reach this are drawn in units of a million, marked "×10⁶" on the axis (a display rule).
MILLION = 1e6


def figure(b: dict[str, Any], path: Any, title: str, output_metric: str) -> Any:
    """Four panels over one time axis (producers; entries and exits; output; top-decile share), each the
    median over seeds with its 5-95% band; writes ``path`` (PNG, 150 dpi) and returns it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    x = pd.to_datetime(b["dates"], format="%Y-%m")
    label, unit = OUTPUT_METRICS[output_metric]
    panels = [
        ("Producers (startups training foundation models)", "firms", [("producers", "producers")]),
        ("Entries, and exits from production (pivots and exits)", "firms per month",
         [("entries", "entries"), ("exits", "exits")]),
        (f"Output: all live startups' total {label}", unit, [("output", label)]),
        ("Concentration: top decile's share of revenue", "share of live startups' revenue (0-1)",
         [("top_decile_share", "top-decile share")]),
    ]
    fig, axes = plt.subplots(len(panels), 1, figsize=(9, 11), sharex=True)
    for ax, (heading, ylabel, series) in zip(axes, panels, strict=True):
        top = max((v for key, _ in series for v in b[key]["p95"] if v is not None and math.isfinite(v)), default=0)
        scale = MILLION if top >= MILLION else 1.0
        ylabel = f"{ylabel}, ×10⁶" if scale > 1 else ylabel
        for key, name in series:
            q = {k: np.asarray(v, dtype=float) / scale for k, v in b[key].items()}
            ax.fill_between(x, q["p05"], q["p95"], color=LIFECYCLE_COLOURS[key], alpha=0.2, linewidth=0,
                            label=f"{name}: 5-95% of seeds")
            ax.plot(x, q["median"], color=LIFECYCLE_COLOURS[key], linewidth=1.8, label=f"{name}: median")
        ax.set_title(heading, fontsize=10, loc="left")
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="best")
    axes[-1].set_ylim(0, 1)
    axes[-1].set_xlabel("month")
    axes[-1].xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    from pathlib import Path

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=150, bbox_inches="tight")
    plt.close(fig)
    return path
