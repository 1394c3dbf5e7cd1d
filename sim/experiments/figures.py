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


def _grid(n: int, most: int = 4) -> tuple[int, int]:
    cols = min(n, most)
    return math.ceil(n / cols), cols


def response_curves(df: Any, x_columns: list[str], metric: str, path: Path, oat_column: str | None = None,
                    base: dict[str, Any] | None = None, title: str = "") -> Path:
    """One panel per parameter: the mean of ``metric`` with its 95% band against the parameter.

    With ``oat_column`` each panel uses the points that vary that parameter (plus the base point).
    """
    plt = _plt()
    rows, cols = _grid(len(x_columns))
    fig, axes = plt.subplots(rows, cols, figsize=(3.4 * cols, 2.8 * rows), squeeze=False)
    for ax, col in zip(axes.flat, x_columns, strict=False):
        d = df if oat_column is None else df[(df[oat_column] == col) | (df[oat_column] == "")]
        xs, ms, hs = [], [], []
        for x, g in d.groupby(col):
            m, h = _mean_ci(g[metric].to_numpy(dtype=float))
            xs.append(x)
            ms.append(m)
            hs.append(h)
        xs_a, ms_a, hs_a = np.array(xs, dtype=float), np.array(ms), np.array(hs)
        ax.fill_between(xs_a, ms_a - hs_a, ms_a + hs_a, alpha=0.25, color="C0", linewidth=0)
        ax.plot(xs_a, ms_a, "o-", color="C0", ms=3)
        if base and col in base and isinstance(base[col], (int, float)):
            ax.axvline(float(base[col]), color="0.5", ls=":", lw=1)
        ax.set_xlabel(col, fontsize=8)
        ax.set_ylabel(_label(metric), fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(x_columns):]:
        ax.set_visible(False)
    fig.suptitle(title or f"{_label(metric)}: mean and 95% interval over replications", fontsize=10)
    fig.tight_layout()
    return _save(fig, path)


def heatmap(df: Any, x: str, y: str, metric: str, path: Path, title: str = "") -> Path:
    """Mean of ``metric`` over a 2-D grid of two swept parameters (cells annotated)."""
    plt = _plt()
    table = df.pivot_table(index=y, columns=x, values=metric, aggfunc="mean")
    fig, ax = plt.subplots(figsize=(1.0 + 0.9 * table.shape[1], 0.8 + 0.6 * table.shape[0]))
    im = ax.imshow(table.to_numpy(dtype=float), origin="lower", aspect="auto", cmap="viridis")
    ax.set_xticks(range(table.shape[1]), [f"{v:g}" if isinstance(v, float) else str(v) for v in table.columns],
                  fontsize=8)
    ax.set_yticks(range(table.shape[0]), [f"{v:g}" if isinstance(v, float) else str(v) for v in table.index],
                  fontsize=8)
    vals = table.to_numpy(dtype=float)
    finite = vals[np.isfinite(vals)]
    mid = float(np.mean([finite.min(), finite.max()])) if finite.size else 0.0
    for (i, j), v in np.ndenumerate(vals):
        if np.isfinite(v):
            ax.text(j, i, f"{v:.2g}", ha="center", va="center", fontsize=7, color="white" if v < mid else "black")
    ax.set_xlabel(x, fontsize=9)
    ax.set_ylabel(y, fontsize=9)
    fig.colorbar(im, ax=ax, label=_label(metric) + " (mean)")
    ax.set_title(title or f"{_label(metric)}", fontsize=10)
    return _save(fig, path)


def sensitivity_bars(result: dict[str, Any], path: Path) -> Path:
    """Sobol' S1 and ST (or Morris mu* with sigma) per parameter and output, with their intervals."""
    plt = _plt()
    outs = list(result["outputs"])
    if not outs:
        fig, ax = plt.subplots(figsize=(5, 2))
        ax.text(0.5, 0.5, "no output could be analysed\n" + "\n".join(result["warnings"][:4]), ha="center",
                va="center", fontsize=8, wrap=True)
        ax.set_axis_off()
        return _save(fig, path)
    names = result["parameters"]
    rows, cols = _grid(len(outs), most=2)
    fig, axes = plt.subplots(rows, cols, figsize=(max(4.5, 0.45 * len(names) + 2.0) * cols, 4.2 * rows),
                             squeeze=False)
    pos = np.arange(len(names))
    for ax, out in zip(axes.flat, outs, strict=False):
        r = result["outputs"][out]
        if result["method"] == "sobol":
            w = 0.4
            for k, (key, color) in enumerate((("S1", "C0"), ("ST", "C1"))):
                ax.bar(pos + (k - 0.5) * w, [r[p][key] for p in names], w, yerr=[r[p][key + "_conf"] for p in names],
                       color=color, capsize=2, label=key, error_kw={"lw": 0.8})
            ax.set_ylabel("Sobol' index")
            ax.axhline(0, color="0.3", lw=0.5)
        else:
            ax.bar(pos, [r[p]["mu_star"] for p in names], 0.6, yerr=[r[p]["mu_star_conf"] for p in names],
                   color="C0", capsize=2, label="mu*", error_kw={"lw": 0.8})
            ax.plot(pos, [r[p]["sigma"] for p in names], "D", color="C3", ms=4, label="sigma")
            ax.set_ylabel("elementary effect")
        ns = result["noise_share"].get(out)
        ax.set_title(_label(out) + (f"  (noise {ns:.0%} of variance)" if ns is not None else ""), fontsize=9)
        ax.set_xticks(pos, [n.split(".")[-1] for n in names], rotation=60, ha="right", fontsize=7)
        ax.legend(fontsize=7)
    for ax in list(axes.flat)[len(outs):]:
        ax.set_visible(False)
    fig.suptitle(f"{'Sobol' if result['method'] == 'sobol' else 'Morris'} indices with "
                 f"{result['conf_level']:.0%} bootstrap intervals", fontsize=10)
    fig.tight_layout()
    return _save(fig, path)


def compare_figure(table: dict[str, Any], df: Any, path: Path) -> Path:
    """Per metric: each scenario's runs (dots), mean and its confidence interval (bar)."""
    plt = _plt()
    metrics, scen = table["metrics"], table["scenarios"]
    rows, cols = _grid(len(metrics), most=3)
    fig, axes = plt.subplots(rows, cols, figsize=(max(3.5, 0.38 * len(scen) + 1.2) * cols, 3.4 * rows),
                             squeeze=False)
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
        ax.set_xticks(range(len(scen)), scen, rotation=45, ha="right", fontsize=7)
        ax.set_title(_label(m), fontsize=9)
        ax.tick_params(axis="y", labelsize=7)
    for ax in list(axes.flat)[len(metrics):]:
        ax.set_visible(False)
    fig.suptitle(f"Scenarios with common random numbers ({table['replications']} seeds): runs, mean and "
                 f"{table['level']:.0%} interval", fontsize=10)
    fig.tight_layout()
    return _save(fig, path)


def prim_figure(result: dict[str, Any], path: Path) -> Path:
    """Left: each box's peeling trajectory (coverage vs density); right: the boxes' limits on the
    restricted parameters, as a share of each parameter's swept range."""
    plt = _plt()
    boxes = result["boxes"]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 3.6), gridspec_kw={"width_ratios": [1, 1.3]})
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
            labels.append(f"box {k + 1}: {name}")
            y += 1
    a2.set_yticks(range(len(labels)), labels, fontsize=7)
    a2.set_xlim(-0.05, 1.05)
    a2.set_ylim(-0.7, max(len(labels), 1) - 0.3)
    a2.invert_yaxis()
    a2.set_xlabel("share of the swept range")
    a2.set_title("box limits (grey: swept range)", fontsize=9)
    if not labels:
        a2.text(0.5, 0.5, result.get("note", "no box found"), ha="center", va="center", fontsize=9)
    fig.tight_layout()
    return _save(fig, path)


def scatter_panels(df: Any, x_columns: list[str], metric: str, path: Path, bins: int = 10) -> Path:
    """For sampled designs: ``metric`` of every run against each parameter, with binned means and bands."""
    plt = _plt()
    rows, cols = _grid(len(x_columns))
    fig, axes = plt.subplots(rows, cols, figsize=(3.4 * cols, 2.8 * rows), squeeze=False)
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
        ax.set_xlabel(col, fontsize=8)
        ax.set_ylabel(_label(metric), fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(x_columns):]:
        ax.set_visible(False)
    fig.suptitle(f"{_label(metric)}: runs, binned mean and 95% interval", fontsize=10)
    fig.tight_layout()
    return _save(fig, path)
