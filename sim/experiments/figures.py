"""Figures of experiments: response curves with bands, heatmaps, index bars, comparisons, PRIM boxes.

Every function writes one PNG (150 dpi) and returns its path. Bands and error bars are 95%
confidence intervals of the mean over replications (t intervals) unless a caption says
otherwise; sensitivity bars carry SALib's bootstrap intervals.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .discovery import SIGNIFICANCE
from .store import POINT_COLUMN


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=150, bbox_inches="tight")
    _plt().close(fig)
    return path


def _mean_ci(values: np.ndarray) -> tuple[float, float]:
    """(mean, half-width of the 95% t interval) of the non-NaN values."""
    from scipy.stats import t

    v = values[~np.isnan(values)]
    if len(v) == 0:
        return math.nan, math.nan
    if len(v) == 1:
        return float(v[0]), 0.0
    return float(v.mean()), float(t.ppf(0.975, len(v) - 1) * v.std(ddof=1) / math.sqrt(len(v)))


def _label(metric: str) -> str:
    from .metrics import LABELS

    return LABELS.get(metric, metric)


def _param_label(key: str) -> str:
    """A swept parameter's axis label: its key path, with its unit from the scenario schema when it has one
    (a test function's arguments, or keys the schema does not know, stay bare)."""
    from ..config import schema_field
    from ..params import ScenarioSections

    field = schema_field(ScenarioSections, key)
    unit = (field.json_schema_extra or {}).get("unit", "") if field is not None else ""
    return f"{key} [{unit}]" if isinstance(unit, str) and unit else key


#: The smallest difference in each metric worth showing as a change (in the metric's unit):
#: a y-range or colour range narrower than this is widened to it, so that noise of 1e-5 is not
#: drawn as a trend. Display constants, not model parameters.
RESOLUTION: dict[str, float] = {
    "foundation_2027_12": 1.0, "alive_end": 1.0, "pivoted_end": 1.0, "exited_end": 1.0,  # one firm
    "foundation_share_end": 0.05, "alive_share_end": 0.05, "exited_share_end": 0.05,  # one firm in twenty
    "first_abandonment_step": 3.0, "first_abandonment_year": 0.25, "last_foundation_year": 0.25,  # a quarter
    "departures_to_2025_06": 5.0, "departures_total": 5.0,  # a few executives
    "hhi_consumer_end": 0.05, "hhi_enterprise_end": 0.05,  # 0.05 of HHI: from 20 to 19 equal firms is 0.003
    "mean_sentiment_2025": 0.05, "funding_rounds_total": 2.0, "ipos_total": 1.0, "patterns_passed": 1.0,
}
#: For metrics without an entry: a range narrower than this share of the values' magnitude is widened.
RELATIVE_RESOLUTION = 0.05


def value_range(metric: str, lo: float, hi: float) -> tuple[float, float]:
    """Limits that show [lo, hi] but span at least the metric's :data:`RESOLUTION`, centred on the data."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return (0.0, 1.0)
    need = RESOLUTION.get(metric, RELATIVE_RESOLUTION * max(abs(lo), abs(hi)) or 1.0)
    if hi - lo >= need:
        pad = 0.05 * (hi - lo)
        return lo - pad, hi + pad
    mid = (lo + hi) / 2
    return mid - 0.55 * need, mid + 0.55 * need


#: Axis values from this magnitude on are written with SI prefixes (50 M, 400 M): written out in full they
#: overlap. A display constant.
SI_TICKS_FROM = 1e5


def _plain(ax: Any) -> None:
    """No offset or scientific notation on either axis (years read 2024.5, not 0.5 + 2.024e3); large values
    (from :data:`SI_TICKS_FROM`, e.g. USD) with SI prefixes, not in full."""
    from matplotlib.ticker import EngFormatter, ScalarFormatter

    for axis in (ax.xaxis, ax.yaxis):
        fmt = axis.get_major_formatter()
        if not isinstance(fmt, ScalarFormatter):
            continue
        if max(abs(v) for v in axis.get_view_interval()) >= SI_TICKS_FROM:
            axis.set_major_formatter(EngFormatter(sep=" "))
        else:
            fmt.set_useOffset(False)
            fmt.set_scientific(False)


def _cell_text(values: np.ndarray) -> str:
    """A format for annotating cells that tells neighbouring values apart (e.g. 2024.45, 1.3, 31)."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return "{:.2f}"
    span = float(finite.max() - finite.min()) or abs(float(finite.max())) or 1.0
    decimals = int(min(4, max(0, 1 - math.floor(math.log10(span)))))
    return "{:." + str(decimals) + "f}"


def _grid(n: int, most: int = 4) -> tuple[int, int]:
    cols = min(n, most)
    return math.ceil(n / cols), cols


def response_curves(df: Any, x_columns: list[str], metric: str, path: Path, oat_column: str | None = None,
                    base: dict[str, Any] | None = None, title: str = "") -> Path:
    """One panel per parameter: the mean of ``metric`` with its 95% band against the parameter.

    With ``oat_column`` each panel uses the points that vary that parameter (plus the base point).
    All panels share one y-scale (they are compared with each other), at least
    :data:`RESOLUTION` wide, so a flat response looks flat.
    """
    plt = _plt()
    rows, cols = _grid(len(x_columns))
    fig, axes = plt.subplots(rows, cols, figsize=(3.4 * cols, 2.8 * rows), squeeze=False, sharey=True,
                             layout="constrained")
    lo, hi = math.inf, -math.inf
    for ax, col in zip(axes.flat, x_columns, strict=False):
        d = df if oat_column is None else df[(df[oat_column] == col) | (df[oat_column] == "")]
        xs, ms, hs = [], [], []
        for x, g in d.groupby(col):
            m, h = _mean_ci(g[metric].to_numpy(dtype=float))
            xs.append(x)
            ms.append(m)
            hs.append(h)
        xs_a, ms_a, hs_a = np.array(xs, dtype=float), np.array(ms), np.array(hs)
        if np.isfinite(ms_a).any():
            lo, hi = min(lo, float(np.nanmin(ms_a - hs_a))), max(hi, float(np.nanmax(ms_a + hs_a)))
        ax.fill_between(xs_a, ms_a - hs_a, ms_a + hs_a, alpha=0.25, color="C0", linewidth=0)
        ax.plot(xs_a, ms_a, "o-", color="C0", ms=3)
        if base and col in base and isinstance(base[col], (int, float)):
            ax.axvline(float(base[col]), color="0.5", ls=":", lw=1)
        ax.set_xlabel(_param_label(col), fontsize=8)
        ax.tick_params(labelsize=7)
        _plain(ax)
    axes[0, 0].set_ylim(*value_range(metric, lo, hi))
    fig.supylabel(_label(metric), fontsize=8)  # one label for the shared scale (per row they overlap)
    for ax in list(axes.flat)[len(x_columns):]:
        ax.set_visible(False)
    fig.suptitle(title or f"{_label(metric)}: mean and 95% interval over replications (one y-scale; dotted: "
                 "baseline value)", fontsize=10)
    return _save(fig, path)


def _tick(v: Any) -> str:
    return f"{v:.3g}" if isinstance(v, float) else str(v)


def _heat_axis(ax: Any, table: Any, vmin: float, vmax: float) -> Any:
    """Draw ``table`` (rows: y values, columns: x values) as annotated cells on ``ax``; returns the image."""
    vals = table.to_numpy(dtype=float)
    im = ax.imshow(vals, origin="lower", aspect="auto", cmap="viridis", vmin=vmin, vmax=vmax)
    ax.set_xticks(range(table.shape[1]), [_tick(v) for v in table.columns], fontsize=8)
    ax.set_yticks(range(table.shape[0]), [_tick(v) for v in table.index], fontsize=8)
    fmt = _cell_text(vals)
    mid = (vmin + vmax) / 2
    for (i, j), v in np.ndenumerate(vals):
        if np.isfinite(v):
            ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=7, color="white" if v < mid else "black")
    return im


def _colour_range(metric: str, tables: list[Any]) -> tuple[float, float]:
    """One colour range for every table compared (at least the metric's :data:`RESOLUTION` wide; not below 0 when no
    value is)."""
    vals = np.concatenate([t.to_numpy(dtype=float).ravel() for t in tables])
    finite = vals[np.isfinite(vals)]
    if not finite.size:
        return (0.0, 1.0)
    lo, hi = value_range(metric, float(finite.min()), float(finite.max()))
    if lo < 0.0 <= finite.min():  # a count or a share is never shown below 0: the range moves up, its width kept
        lo, hi = 0.0, hi - lo
    return lo, hi


def _colourbar(fig: Any, im: Any, axes: Any, metric: str) -> None:
    cbar = fig.colorbar(im, ax=axes, label=_label(metric) + " (mean)")
    cbar.formatter.set_useOffset(False)
    cbar.update_ticks()


def heatmap(df: Any, x: str, y: str, metric: str, path: Path, title: str = "") -> Path:
    """Mean of ``metric`` over a 2-D grid of two swept parameters (cells annotated).

    The colour range spans at least the metric's :data:`RESOLUTION`, so cells that differ by
    noise share one colour; annotations carry as many decimals as tell the cells apart.
    """
    plt = _plt()
    table = df.pivot_table(index=y, columns=x, values=metric, aggfunc="mean")
    vmin, vmax = _colour_range(metric, [table])
    fig, ax = plt.subplots(figsize=(1.6 + 0.9 * table.shape[1], 0.8 + 0.6 * table.shape[0]))
    im = _heat_axis(ax, table, vmin, vmax)
    ax.set_xlabel(_param_label(x), fontsize=9)
    ax.set_ylabel(_param_label(y), fontsize=9)
    _colourbar(fig, im, ax, metric)
    ax.set_title(title or f"{_label(metric)}", fontsize=10)
    return _save(fig, path)


def faceted_heatmaps(df: Any, facet: str, x: str, y: str, metric: str, path: Path) -> Path:
    """A grid of three swept parameters: one :func:`heatmap` of ``x`` by ``y`` per value of ``facet``, side by side
    on one colour scale, so that an interaction (an effect of ``x`` that depends on ``facet``) shows. The panels
    come in the design's order (the spec's) when the runs carry their point index, else as listed; every panel
    has every row and column of the grid (a cell with no run is left blank)."""
    plt = _plt()
    in_order = df.sort_values(POINT_COLUMN, kind="stable") if POINT_COLUMN in df else df  # a sweep's design order
    levels = list(pd.unique(in_order[facet]))
    rows, cols = sorted(df[y].unique()), sorted(df[x].unique())
    tables = [df[df[facet] == v].pivot_table(index=y, columns=x, values=metric, aggfunc="mean")
              .reindex(index=rows, columns=cols) for v in levels]
    vmin, vmax = _colour_range(metric, tables)
    shape = tables[0].shape
    fig, axes = plt.subplots(1, len(levels), figsize=(1.6 + (0.9 * shape[1] + 1.0) * len(levels),
                                                      2.4 + 0.6 * shape[0]), squeeze=False, sharey=True,
                             layout="constrained")
    im = None
    for ax, v, table in zip(axes.flat, levels, tables, strict=True):
        im = _heat_axis(ax, table, vmin, vmax)
        ax.set_title(f"{facet} = {_tick(v)}", fontsize=9)
        ax.set_xlabel(_param_label(x), fontsize=8)
    axes[0, 0].set_ylabel(_param_label(y), fontsize=8)
    _colourbar(fig, im, axes, metric)
    fig.suptitle(f"{_label(metric)}: mean over replications\none panel per value of {facet} (one colour scale)",
                 fontsize=10)
    return _save(fig, path)


def _short_names(names: list[str]) -> list[str]:
    """Parameter labels: the last part of each key path, or the whole path where that is ambiguous."""
    last = [n.split(".")[-1] for n in names]
    return [s if last.count(s) == 1 else n for s, n in zip(last, names, strict=True)]


def _informative(r: dict[str, Any], keys: tuple[str, ...]) -> bool:
    """Whether an output's indices say anything (not all zero or undefined)."""
    vals = [r[p][k] for p in r for k in keys]
    return any(v is not None and math.isfinite(v) and abs(v) > 1e-12 for v in vals)


def sensitivity_bars(result: dict[str, Any], path: Path) -> Path:
    """Sobol' S1 and ST (or Morris mu* with sigma) per parameter and output, with their intervals.

    Horizontal bars, each panel sorted by the leading index (ST or mu*), largest on top. An output
    whose indices are all zero (it does not vary between parameter points) gets no panel; the
    figure names it instead.
    """
    plt = _plt()
    sobol = result["method"] == "sobol"
    keys = ("S1", "ST") if sobol else ("mu_star", "sigma")
    outs = [o for o in result["outputs"] if _informative(result["outputs"][o], keys)]
    dropped = [o for o in result["outputs"] if o not in outs]
    if not outs:
        fig, ax = plt.subplots(figsize=(5, 2))
        why = result["warnings"][:4] or [f"no parameter moves {', '.join(map(_label, dropped))}"]
        ax.text(0.5, 0.5, "no output could be analysed\n" + "\n".join(why), ha="center",
                va="center", fontsize=8, wrap=True)
        ax.set_axis_off()
        return _save(fig, path)
    names = list(result["parameters"])
    labels = dict(zip(names, _short_names(names), strict=True))
    rows, cols = _grid(len(outs), most=2 if len(names) > 8 else 3)
    # Sobol' indices are shares of variance in every panel, so they share one scale; Morris mu* is in
    # each output's own unit, so each panel keeps its own.
    fig, axes = plt.subplots(rows, cols, figsize=(5.2 * cols, (0.24 * len(names) + 1.3) * rows), squeeze=False,
                             layout="constrained", sharex=sobol)
    pos = np.arange(len(names))
    for ax, out in zip(axes.flat, outs, strict=False):
        r = result["outputs"][out]
        lead = "ST" if sobol else "mu_star"
        order = sorted(names, key=lambda p: -(r[p][lead] if math.isfinite(r[p][lead]) else -math.inf))
        if sobol:
            h = 0.4
            for k, (key, color) in enumerate((("ST", "C1"), ("S1", "C0"))):
                ax.barh(pos + (k - 0.5) * h, [r[p][key] for p in order], h, xerr=[r[p][key + "_conf"] for p in order],
                        color=color, capsize=2, label=key, error_kw={"lw": 0.8})
            ax.set_xlabel("Sobol' index (share of variance)", fontsize=8)
            ax.axvline(0, color="0.3", lw=0.5)
        else:
            ax.barh(pos, [r[p]["mu_star"] for p in order], 0.6, xerr=[r[p]["mu_star_conf"] for p in order],
                    color="C0", capsize=2, label="mu* (mean |effect|)", error_kw={"lw": 0.8})
            ax.plot([r[p]["sigma"] for p in order], pos, "D", color="C3", ms=4, label="sigma (spread of effects)")
            ax.set_xlabel(f"elementary effect on {_label(out)}\n(output units per swept range)", fontsize=8)
        ns = result["noise_share"].get(out)
        ax.set_title(_label(out) + (f"  (seed noise {ns:.0%} of variance)" if ns is not None else ""), fontsize=9)
        ax.set_yticks(pos, [labels[p] for p in order], fontsize=8)
        ax.invert_yaxis()
        ax.tick_params(axis="x", labelsize=8, labelbottom=True)
        _plain(ax)
        ax.legend(fontsize=7, loc="lower right")
    for ax in list(axes.flat)[len(outs):]:
        ax.set_visible(False)
    note = f"; not shown (no variance between points): {', '.join(map(_label, dropped))}" if dropped else ""
    fig.suptitle(f"{'Sobol' if sobol else 'Morris'} indices with {result['conf_level']:.0%} bootstrap "
                 f"intervals, sorted{'; one scale' if sobol else ''}{note}", fontsize=10)
    return _save(fig, path)


#: Right end of the ST axis of :func:`effects_bars`: ST is a share of variance (at most 1); a
#: larger estimate is a small sample's noise and is marked at the edge. Display constant.
ST_AXIS_MAX = 1.2
#: Left end of that axis (an estimate below 0 is sampling noise around 0). Display constant.
AXIS_MIN = -0.05


def effects_bars(result: dict[str, Any], path: Path) -> Path:
    """Per counterfactual a panel of total-order indices (Sobol' ST, or Morris mu*) of its effect on
    each outcome, per parameter, with bootstrap intervals; one x scale for every panel.

    Parameters are in one order in every panel (by their largest index anywhere), so panels
    compare row by row. For Sobol' a dotted line per outcome marks the ST that seed noise alone
    gives (``st_noise_floor``). An effect that could not be analysed (constant or undefined) is
    named in the legend instead of drawn.
    """
    from ..palette import OUTCOME_COLOURS

    plt = _plt()
    sobol = result["method"] == "sobol"
    key = "ST" if sobol else "mu_star"
    names = list(result["parameters"])
    labels = dict(zip(names, _short_names(names), strict=True))
    cfs, outs = result["counterfactuals"], result["outcomes"]
    eff = result["effects"]

    def best(p: str) -> float:
        vals = [eff[c][o]["indices"][p][key] for c in cfs for o in outs if "indices" in eff[c][o]]
        vals = [v for v in vals if math.isfinite(v)]
        return max(vals) if vals else -math.inf

    order = sorted(names, key=lambda p: -best(p))
    rows, cols = _grid(len(cfs), most=2)
    height = 0.12 * len(names) * max(2, len(outs)) + 1.6
    fig, axes = plt.subplots(rows, cols, figsize=(5.6 * cols, height * rows), squeeze=False, sharex=True,
                             layout="constrained")
    pos = np.arange(len(names))
    h = 0.8 / max(1, len(outs))
    for ax, cf in zip(axes.flat, cfs, strict=False):
        for k, out in enumerate(outs):
            e, colour = eff[cf][out], OUTCOME_COLOURS[k % len(OUTCOME_COLOURS)]
            text = f"{_label(out)}: effect {e['mean']:+.2f} (sd {e['sd']:.2f})"
            if "indices" not in e:
                ax.plot([], [], " ", label=text + ", not analysed (constant or undefined)")
                continue
            r = e["indices"]
            y = pos + (k - (len(outs) - 1) / 2) * h
            v = np.array([r[p][key] for p in order], dtype=float)
            c = np.array([r[p][key + "_conf"] for p in order], dtype=float)
            hi = np.full_like(v, np.inf)
            if sobol:  # drawn within the axis; an estimate beyond it (a small sample's noise) is marked at the edge
                hi[:] = ST_AXIS_MAX
                over = np.flatnonzero(v > ST_AXIS_MAX)
                ax.plot(np.full(len(over), 0.97 * ST_AXIS_MAX), y[over], ">", color="black", ms=3, zorder=4)
            shown = np.minimum(v, hi)
            c = np.where(v > hi, 0.0, c)  # no interval on a bar cut at the edge
            ax.barh(y, shown, h, xerr=[np.minimum(c, np.maximum(shown - AXIS_MIN, 0)), np.minimum(c, hi - shown)],
                    color=colour, capsize=1.5, error_kw={"lw": 0.6},
                    label=text + (f", seeds {e['noise_share']:.0%}" if e.get("noise_share") is not None else ""))
            if sobol and e.get("st_noise_floor") is not None:
                ax.axvline(e["st_noise_floor"], color=colour, ls=":", lw=1)
        ax.set_yticks(pos, [labels[p] for p in order], fontsize=7)
        ax.invert_yaxis()
        ax.axvline(0, color="0.3", lw=0.5)
        ax.tick_params(axis="x", labelsize=8, labelbottom=True)
        ax.set_xlabel("total-order Sobol' index ST of the effect (share of its variance)" if sobol else
                      "Morris mu* of the effect (outcome units per swept range)", fontsize=8)
        ax.set_title(f"{cf} − {result['reference']}", fontsize=9)
        _plain(ax)
        ax.legend(fontsize=6.5, loc="upper center", bbox_to_anchor=(0.5, -0.09), frameon=False)
    for ax in list(axes.flat)[len(cfs):]:
        ax.set_visible(False)
    if sobol:
        axes.flat[0].set_xlim(AXIS_MIN, ST_AXIS_MAX)
    floor = f"; dotted: the ST seed noise alone gives; > : beyond {ST_AXIS_MAX:g}" if sobol else ""
    fig.suptitle(f"Which parameters each counterfactual's effect hangs on: {'Sobol' if sobol else 'Morris'} "
                 f"indices of the paired effect over {result['n_points']} sampled points x {result['replications']} "
                 f"common seeds\n(effect: mean and sd over the points, in outcome units; "
                 f"{result['conf_level']:.0%} bootstrap intervals{floor})", fontsize=9)
    return _save(fig, path)


def _needs_log(means: list[float], metric: str) -> bool:
    """Whether one scenario's mean dwarfs the others (largest over 20x the median, e.g. a market of
    300 startups among markets of 6), so that a linear axis would squash every other scenario."""
    m = sorted(abs(v) for v in means if math.isfinite(v))
    if len(m) < 3:
        return False
    floor = RESOLUTION.get(metric, RELATIVE_RESOLUTION * m[-1] or 1.0)
    return m[-1] > 20 * max(m[len(m) // 2], floor)


def compare_figure(table: dict[str, Any], df: Any, path: Path) -> Path:
    """Per metric: each scenario's runs (dots), mean and its confidence interval (bar).

    A metric where one scenario's mean is over 20 times the median scenario's (counts in a much
    larger market) gets a symmetric-log y-axis, linear up to the metric's :data:`RESOLUTION`,
    so the small markets stay readable beside the large one.
    """
    plt = _plt()
    metrics, scen = table["metrics"], table["scenarios"]
    rows, cols = _grid(len(metrics), most=3)
    fig, axes = plt.subplots(rows, cols, figsize=(max(3.5, 0.38 * len(scen) + 1.2) * cols, 3.4 * rows),
                             squeeze=False, layout="constrained")
    rng = np.random.default_rng(0)
    by = {(r["scenario"], r["metric"]): r for r in table["rows"]}
    for ax, m in zip(axes.flat, metrics, strict=False):
        for k, sc in enumerate(scen):
            v = df.loc[df["scenario"] == sc, m].to_numpy(dtype=float)
            v = v[~np.isnan(v)]
            ax.scatter(k + rng.uniform(-0.22, 0.22, len(v)), v, s=9, alpha=0.45, color=f"C{k % 10}", linewidths=0)
            r = by[(sc, m)]
            if not math.isnan(r["mean"]):
                err = 0.0 if math.isnan(r["ci_high"]) else r["ci_high"] - r["mean"]
                ax.errorbar(k, r["mean"], yerr=err, fmt="o", color="black", ms=4, capsize=3, lw=1)
        title = _label(m)
        if _needs_log([by[(sc, m)]["mean"] for sc in scen], m):
            lin = RESOLUTION.get(m, 1.0)
            ax.set_yscale("symlog", linthresh=lin)
            title += f"\n(log scale above {lin:g})"
        ax.set_xticks(range(len(scen)), scen, rotation=45, ha="right", fontsize=7)
        ax.set_title(title, fontsize=9)
        ax.tick_params(axis="y", labelsize=7)
        _plain(ax)
    for ax in list(axes.flat)[len(metrics):]:
        ax.set_visible(False)
    fig.suptitle(f"Scenarios with common random numbers ({table['replications']} seeds): runs, mean and "
                 f"{table['level']:.0%} interval", fontsize=10)
    return _save(fig, path)


#: At most this many intervals between x ticks of a panel of :func:`posterior_forest` (about 4 cm wide each).
FOREST_TICKS = 6


def posterior_forest(result: dict[str, Any], path: Path) -> Path:
    """Per metric a panel: each scenario's effect against the reference over posterior draws.

    ``result`` is :func:`sim.calibration.counterfactuals.posterior_effects`'s. A dot at the mean
    over draws, a line over the 5-95% credible interval, a vertical line at zero; a filled dot is a
    *finding* (one sign in at least the finding share of draws), an open one is not. The x-range
    spans at least the metric's :data:`RESOLUTION` (so seed noise is not drawn as an effect).
    """
    from .metrics import EFFECT_UNITS

    plt = _plt()
    metrics, scen = result["metrics"], result["scenarios"][1:]
    rows, cols = _grid(len(metrics), most=3)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, (0.35 * len(scen) + 1.4) * rows), squeeze=False,
                             layout="constrained")
    by = {(r["scenario"], r["metric"]): r for r in result["effects"]}
    pos = np.arange(len(scen))
    for ax, m in zip(axes.flat, metrics, strict=False):
        ax.axvline(0, color="0.4", lw=0.8, ls="--")
        ends = [0.0]
        for k, sc in enumerate(scen):
            r = by[(sc, m)]
            if not math.isfinite(r["mean"]):
                ax.text(0, k, "undefined in every draw", fontsize=7, ha="center", va="center", color="0.4",
                        bbox={"facecolor": "white", "edgecolor": "none"})
                continue
            ax.plot([r["q05"], r["q95"]], [k, k], color=f"C{k % 10}", lw=2, solid_capstyle="butt")
            ax.plot(r["mean"], k, "o", ms=6, color=f"C{k % 10}", mfc=f"C{k % 10}" if r["finding"] else "white")
            ends += [r["q05"], r["q95"]]
        ax.set_xlim(*value_range(m, min(ends), max(ends)))
        ax.set_yticks(pos, scen, fontsize=8)
        ax.set_ylim(len(scen) - 0.5, -0.5)
        ax.set_xlabel(f"effect vs {result['reference']} ({EFFECT_UNITS.get(m, 'metric units')})", fontsize=8)
        ax.set_title(_label(m), fontsize=9)
        ax.tick_params(axis="x", labelsize=7)
        ax.locator_params(axis="x", nbins=FOREST_TICKS)  # long tick labels (-0.125) must not run together
        _plain(ax)
    for ax in list(axes.flat)[len(metrics):]:
        ax.set_visible(False)
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color="0.2", lw=2, label=f"{result['credible_interval'][0]:.0%}-"
                                                        f"{result['credible_interval'][1]:.0%} credible interval"),
               Line2D([], [], marker="o", color="0.2", lw=0, label=f"mean, finding (one sign in >= "
                                                                   f"{result['finding_share']:.0%} of draws)"),
               Line2D([], [], marker="o", color="0.2", mfc="white", lw=0, label="mean, not a finding"),
               Line2D([], [], color="0.4", ls="--", lw=0.8, label="no effect")]
    fig.legend(handles=handles, loc="outside lower center", ncol=4, fontsize=7, frameon=False)
    fig.suptitle(f"Effects against '{result['reference']}' over {result['draws']} posterior draws x "
                 f"{result['seeds_per_draw']} common seeds per draw (per draw: mean paired difference)", fontsize=10)
    return _save(fig, path)


def _significant(qp: list[float | None] | None) -> bool:
    """Whether every restricted side of a box limit has a quasi-p-value below :data:`SIGNIFICANCE`."""
    sides = [q for q in (qp or []) if q is not None]
    return bool(sides) and max(sides) < SIGNIFICANCE


def prim_figure(result: dict[str, Any], path: Path) -> Path:
    """Left: each box's peeling trajectory (coverage vs density); right: the boxes' limits on the
    restricted parameters, as a share of each parameter's swept range."""
    plt = _plt()
    boxes = result["boxes"]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 3.6), gridspec_kw={"width_ratios": [1, 1.3]},
                                 layout="constrained")
    for k, (traj, box) in enumerate(zip(result["trajectories"], boxes, strict=False)):
        a1.plot(traj["coverage"], traj["density"], "-", color=f"C{k}", lw=1, alpha=0.7)
        sc = a1.scatter(traj["coverage"], traj["density"], c=traj["res_dim"], cmap="viridis", s=10, zorder=3)
        a1.scatter([box["coverage"]], [box["density"]], s=80, facecolors="none", edgecolors="red", zorder=4)
        a1.annotate(f"box {k + 1}", (box["coverage"], box["density"]), fontsize=8, xytext=(4, 4),
                    textcoords="offset points")
        if k == 0:
            fig.colorbar(sc, ax=a1, label="restricted dimensions")
    a1.axhline(result["density_threshold"], color="0.5", ls=":", lw=1)
    a1.set_xlabel("coverage")
    a1.set_ylabel("density")
    a1.set_title(f"{result['metric']} {result['op']} {result['threshold']:g}: base rate {result['base_rate']:.0%}",
                 fontsize=9)
    labels, y = [], 0
    for k, box in enumerate(boxes):
        for name, lim in box["limits"].items():
            if "low" not in lim:
                continue
            span = lim["max"] - lim["min"] or 1.0
            lo, hi = (lim["low"] - lim["min"]) / span, (lim["high"] - lim["min"]) / span
            a2.plot([0, 1], [y, y], color="0.85", lw=6, solid_capstyle="butt")
            a2.plot([lo, hi], [y, y], color=f"C{k}", lw=6, solid_capstyle="butt")
            a2.text(lo, y + 0.25, f"{lim['low']:.3g}", fontsize=6, ha="center")
            a2.text(hi, y + 0.25, f"{lim['high']:.3g}", fontsize=6, ha="center")
            labels.append(f"box {k + 1}: {name}" + ("" if _significant(lim.get("qp")) else " (n.s.)"))
            y += 1
    a2.set_yticks(range(len(labels)), labels, fontsize=7)
    a2.set_xlim(-0.05, 1.05)
    a2.set_ylim(-0.7, max(len(labels), 1) - 0.3)
    a2.invert_yaxis()
    a2.set_xlabel("share of the swept range")
    a2.set_title(f"box limits (grey: swept range; n.s.: quasi-p >= {SIGNIFICANCE:g})", fontsize=9)
    if not labels:
        a2.text(0.5, 0.5, result.get("note", "no box found"), ha="center", va="center", fontsize=9)
    return _save(fig, path)


def scatter_panels(df: Any, x_columns: list[str], metric: str, path: Path, bins: int = 10) -> Path:
    """For sampled designs: ``metric`` of every run against each parameter, with binned means and bands."""
    plt = _plt()
    rows, cols = _grid(len(x_columns))
    fig, axes = plt.subplots(rows, cols, figsize=(3.4 * cols, 2.8 * rows), squeeze=False, sharey=True,
                             layout="constrained")
    for ax, col in zip(axes.flat, x_columns, strict=False):
        x = df[col].to_numpy(dtype=float)
        yv = df[metric].to_numpy(dtype=float)
        ax.scatter(x, yv, s=3, alpha=0.25, color="0.4", linewidths=0)
        edges = np.quantile(x, np.linspace(0, 1, bins + 1))
        mids, ms, hs = [], [], []
        for lo, hi in zip(edges[:-1], edges[1:], strict=False):
            sel = (x >= lo) & (x <= hi)
            m, h = _mean_ci(yv[sel])
            mids.append((lo + hi) / 2)
            ms.append(m)
            hs.append(h)
        mids_a, ms_a, hs_a = np.array(mids), np.array(ms), np.array(hs)
        ax.fill_between(mids_a, ms_a - hs_a, ms_a + hs_a, alpha=0.3, color="C0", linewidth=0)
        ax.plot(mids_a, ms_a, "-", color="C0")
        ax.set_xlabel(_param_label(col), fontsize=8)
        ax.tick_params(labelsize=7)
        _plain(ax)
    yv_all = df[metric].to_numpy(dtype=float)
    if np.isfinite(yv_all).any():
        axes[0, 0].set_ylim(*value_range(metric, float(np.nanmin(yv_all)), float(np.nanmax(yv_all))))
    for r in range(rows):
        axes[r, 0].set_ylabel(_label(metric), fontsize=8)
    for ax in list(axes.flat)[len(x_columns):]:
        ax.set_visible(False)
    fig.suptitle(f"{_label(metric)}: runs, binned mean and 95% interval (one y-scale)", fontsize=10)
    return _save(fig, path)


def robustness_figure(summary: dict[str, Any], path: Path,
                      sentiment: dict[str, tuple[list[str], list[float]]] | None = None) -> Path:
    """Per metric: each counterfactual's paired difference to the reference scenario (mean and interval),
    one marker per structural variant side by side; a last panel with the reference scenario's mean
    sentiment path per variant when ``sentiment`` holds any (:mod:`sim.experiments.robustness`)."""
    plt = _plt()
    metrics, cfs = summary["metrics"], summary["counterfactuals"]
    variants = [v["name"] for v in summary["variants"]]
    panels = len(metrics) + (1 if sentiment else 0)
    rows, cols = _grid(panels, most=3)
    fig, axes = plt.subplots(rows, cols, figsize=(max(4.0, 0.9 * len(cfs) + 1.5) * cols, 3.6 * rows),
                             squeeze=False, layout="constrained")
    by = {(r["variant"], r["scenario"], r["metric"]): r for r in summary["rows"]}
    width = 0.8 / max(1, len(variants))
    for ax, m in zip(axes.flat, metrics, strict=False):
        for j, vn in enumerate(variants):
            xs = [k - 0.4 + width * (j + 0.5) for k in range(len(cfs))]
            rs = [by[(vn, sc, m)] for sc in cfs]
            ys = [r["diff_mean"] for r in rs]
            err = [[r["diff_mean"] - r["diff_low"] for r in rs], [r["diff_high"] - r["diff_mean"] for r in rs]]
            ax.errorbar(xs, ys, yerr=err, fmt="o", ms=3.5, capsize=2, lw=1, color=f"C{j % 10}",
                        label=vn if m == metrics[0] else None)
        ax.axhline(0.0, color="grey", lw=0.8, ls="--")
        ax.set_xticks(range(len(cfs)), cfs, rotation=30, ha="right", fontsize=7)
        ax.set_ylabel(f"difference to {summary['reference_scenario']}", fontsize=7)
        ax.set_title(_label(m), fontsize=9)
        ax.tick_params(axis="y", labelsize=7)
        _plain(ax)
    if sentiment:
        ax = list(axes.flat)[len(metrics)]
        for j, vn in enumerate(variants):
            if vn in sentiment:
                dates, values = sentiment[vn]
                ax.plot(range(len(dates)), values, color=f"C{j % 10}", lw=1.2)  # colours as the legend's
        first = next(iter(sentiment.values()))[0]
        ticks = [i for i, d in enumerate(first) if d.endswith("-01")]
        ax.set_xticks(ticks, [first[i][:4] for i in ticks], fontsize=7)
        ax.set_xlabel("month", fontsize=7)
        ax.set_ylabel("investor sentiment (0-1)", fontsize=7)
        ax.set_title(f"mean sentiment, {summary['reference_scenario']}", fontsize=9)
        ax.tick_params(axis="y", labelsize=7)
    for ax in list(axes.flat)[panels:]:
        ax.set_visible(False)
    fig.legend(loc="outside lower center", ncols=min(len(variants), 5), fontsize=7, title="structural variant",
               title_fontsize=7)
    fig.suptitle(f"{summary['name']}: counterfactual effects under each structural variant "
                 f"({summary['replications']} common seeds; mean and 95% interval)", fontsize=10)
    return _save(fig, path)
