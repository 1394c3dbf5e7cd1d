"""Figures of a calibration (PNG, in ``DIR/figures/``); how to read them is in ``docs/calibration.md``.

==========================  ===================================================================
file                        what it shows
==========================  ===================================================================
posterior_marginals.png     each parameter: weighted posterior histogram against the prior
                            density, the point estimate (and the truth, in a recovery run)
posterior_pairs.png         every pair of parameters: posterior particles (shade = weight) on
                            the prior's box; the diagonal repeats the marginals
epsilon_ess.png             per generation: tolerance (log scale), effective sample size,
                            acceptance rate and model runs
predictive.png              posterior-predictive pass rate of each pattern, fitted and validation
                            apart, with the aims (80% / 70%)
recovery.png                (recovery runs) prior and posterior 90% intervals and the truth, on
                            the prior's quantile scale, with each parameter's verdict
==========================  ===================================================================
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullLocator

from .abc import Population, Prior

mpl.rcParams.update({"figure.dpi": 110, "savefig.dpi": 130, "font.size": 9, "axes.titlesize": 9.5})

_POST = "#1f5f99"
_PRIOR = "#9a9a9a"
_POINT = "#d1495b"
_TRUTH = "#2a9d4b"


def _g(v: float, _pos: Any = None) -> str:
    return f"{v:.3g}"


def _log_axis(ax: Any, which: str, lo: float, hi: float, n: int = 4) -> None:
    """A log axis with a few plainly labelled ticks (no 2x10^0 clutter)."""
    (ax.set_xscale if which == "x" else ax.set_yscale)("log")
    ticks = np.geomspace(lo, hi, n)
    axis = ax.xaxis if which == "x" else ax.yaxis
    axis.set_major_locator(FixedLocator(ticks))
    axis.set_major_formatter(FuncFormatter(_g))
    axis.set_minor_locator(NullLocator())


def _unit(name: str, units: dict[str, str]) -> str:
    u = units.get(name, "")
    return f"{name}\n[{u}]" if u else name


def _edges(p: Prior, n: int = 30) -> np.ndarray:
    lo, hi = p.quantile(0.001), p.quantile(0.999)
    if p.kind == "loguniform":
        return np.geomspace(p.low, p.high, n + 1)
    if p.kind == "uniform":
        return np.linspace(p.low, p.high, n + 1)
    return np.linspace(lo, hi, n + 1)


def posterior_marginals(pop: Population, priors: list[Prior], out: Path, title: str,
                        point: dict[str, float] | None = None, truth: dict[str, float] | None = None,
                        units: dict[str, str] | None = None) -> Path:
    units = units or {}
    d = len(priors)
    ncol = min(3, d)
    nrow = math.ceil(d / ncol)
    fig = Figure(figsize=(3.6 * ncol, 2.7 * nrow + 0.6), layout="constrained")
    vals = pop.values(priors)
    axes = fig.subplots(nrow, ncol, squeeze=False)
    for k, p in enumerate(priors):
        ax = axes[k // ncol][k % ncol]
        edges = _edges(p)
        x = np.asarray(vals[p.name], dtype=float)
        if p.kind == "loguniform":
            # density per log10 unit, so that the log-uniform prior is flat
            counts, _ = np.histogram(x, bins=edges, weights=pop.weights)
            dens = counts / np.sum(pop.weights) / np.diff(np.log10(edges))
            ax.stairs(dens, edges, fill=True, color=_POST, alpha=0.75, label="posterior")
            flat = 1.0 / (math.log10(p.high) - math.log10(p.low))
            ax.plot([p.low, p.high], [flat, flat], color=_PRIOR, lw=1.6, ls="--", label="prior")
            _log_axis(ax, "x", p.low, p.high, 5)
            ax.set_ylabel("density (per log10 unit)")
        else:
            ax.hist(x, bins=edges, weights=pop.weights, density=True, color=_POST, alpha=0.75, label="posterior")
            grid = np.linspace(edges[0], edges[-1], 200)
            ax.plot(grid, p.pdf_value(grid), color=_PRIOR, lw=1.6, ls="--", label="prior")
            ax.set_ylabel("density (per unit)")
        if point and p.name in point:
            ax.axvline(point[p.name], color=_POINT, lw=1.8, label="point estimate")
        if truth and p.name in truth:
            ax.axvline(truth[p.name], color=_TRUTH, lw=1.8, ls=":", label="truth")
        ax.set_xlabel(_unit(p.name, units))
        ax.set_title(f"{p.kind} prior [{p.low:g}, {p.high:g}]" if p.kind != "normal"
                     else f"normal prior ({p.mean:g}, sd {p.sd:g})")
        if k == 0:
            ax.legend(fontsize=7, loc="best", frameon=False)
    for k in range(d, nrow * ncol):
        axes[k // ncol][k % ncol].set_visible(False)
    sample = (f"{len(pop.weights)} particles after {pop.stats['move_steps']} moves "
              f"({pop.stats['distinct_particles']} distinct, from {pop.stats['distinct_before']} ancestors; "
              f"sampler ESS {pop.stats['ess_before']:.0f})" if "move_steps" in pop.stats
              else f"{len(pop.weights)} particles, ESS {pop.ess:.0f}")
    fig.suptitle(title + f"\nposterior marginals: generation {pop.generation}, {sample}, tolerance {pop.epsilon:.3g}",
                 fontsize=10)
    path = out / "posterior_marginals.png"
    fig.savefig(path)
    return path


def posterior_pairs(pop: Population, priors: list[Prior], out: Path, title: str,
                    point: dict[str, float] | None = None, truth: dict[str, float] | None = None) -> Path:
    d = len(priors)
    size = max(1.45, min(2.2, 14.0 / d))
    w_in, h_in = size * d + 1.2, size * d + 1.3
    fig = Figure(figsize=(w_in, h_in))  # fixed margins: constrained layout is slow on d x d axes
    fig.subplots_adjust(left=1.0 / w_in, right=1 - 0.15 / w_in, bottom=0.85 / h_in, top=1 - 0.55 / h_in,
                        wspace=0.1, hspace=0.1)
    axes = fig.subplots(d, d, squeeze=False)
    vals = pop.values(priors)
    order = np.argsort(pop.weights)
    w = pop.weights / pop.weights.max()
    for i, pi in enumerate(priors):
        for j, pj in enumerate(priors):
            ax = axes[i][j]
            if j > i:
                ax.set_visible(False)
                continue
            if i == j:
                ax.hist(np.asarray(vals[pi.name], float), bins=_edges(pi, 20), weights=pop.weights, color=_POST,
                        alpha=0.75)
                ax.set_xlim(_edges(pi)[0], _edges(pi)[-1])
                if pi.kind == "loguniform":
                    _log_axis(ax, "x", pi.low, pi.high, 3)
                else:
                    ax.xaxis.set_major_locator(MaxNLocator(3))
                ax.set_yticks([])
            else:
                x = np.asarray(vals[pj.name], float)[order]
                y = np.asarray(vals[pi.name], float)[order]
                ax.scatter(x, y, c=w[order], cmap="Blues", vmin=-0.3, vmax=1.0, s=7, lw=0)
                if point:
                    ax.plot(point[pj.name], point[pi.name], marker="x", color=_POINT, ms=7, mew=2)
                if truth:
                    ax.plot(truth[pj.name], truth[pi.name], marker="+", color=_TRUTH, ms=9, mew=2)
                ax.set_xlim(_edges(pj)[0], _edges(pj)[-1])
                ax.set_ylim(_edges(pi)[0], _edges(pi)[-1])
                if pj.kind == "loguniform":
                    _log_axis(ax, "x", pj.low, pj.high, 3)
                else:
                    ax.xaxis.set_major_locator(MaxNLocator(3))
                if pi.kind == "loguniform":
                    _log_axis(ax, "y", pi.low, pi.high, 3)
                else:
                    ax.yaxis.set_major_locator(MaxNLocator(3))
            ax.tick_params(labelsize=6)
            if i == d - 1:
                ax.set_xlabel(_short(pj.name), fontsize=7)
            else:
                ax.set_xticklabels([])
            if j == 0 and i > 0:
                ax.set_ylabel(_short(pi.name), fontsize=7)
            elif j > 0:
                ax.set_yticklabels([])
    legend = "darker = heavier particle"
    if point:
        legend += "; red x = point estimate"
    if truth:
        legend += "; green + = truth"
    fig.suptitle(f"{title}\nposterior pairs (generation {pop.generation}; axes span the prior; {legend})",
                 fontsize=9.5)
    path = out / "posterior_pairs.png"
    fig.savefig(path)
    return path


def _short(name: str) -> str:
    return name.replace(".", ".\n", 1)


def epsilon_ess(history: list[dict[str, Any]], out: Path, title: str, population: int) -> Path:
    gens = [h["generation"] for h in history]
    fig = Figure(figsize=(9.5, 3.3), layout="constrained")
    a1, a2, a3 = fig.subplots(1, 3)
    eps = [h["epsilon"] for h in history]
    fin = [(g, e) for g, e in zip(gens, eps, strict=True) if isinstance(e, (int, float)) and math.isfinite(e)]
    if fin:
        a1.plot([g for g, _ in fin], [max(e, 1e-6) for _, e in fin], "o-", color=_POST, label="tolerance eps")
    a1.plot(gens, [max(h["distance_median"], 1e-6) for h in history], "s--", color=_PRIOR, ms=4,
            label="median accepted distance")
    a1.set_yscale("log")
    a1.yaxis.set_major_formatter(FuncFormatter(_g))
    a1.yaxis.set_minor_formatter(FuncFormatter(_g))
    a1.tick_params(axis="y", which="minor", labelsize=7)
    a1.set_xlabel("generation")
    a1.set_ylabel("distance (weighted pattern miss)")
    a1.set_title("tolerance per generation\n(generation 0: prior, no tolerance)")
    a1.legend(fontsize=7, frameon=False)
    a2.plot(gens, [h["ess"] for h in history], "o-", color=_POST)
    a2.axhline(population, color=_PRIOR, ls="--", lw=1)
    a2.text(gens[0], population, " population", va="bottom", fontsize=7, color="#555")
    a2.set_ylim(0, population * 1.12)
    a2.set_xlabel("generation")
    a2.set_ylabel("effective sample size (particles)")
    a2.set_title("effective sample size 1 / sum w^2")
    a3.bar(gens, [h["n_sims"] for h in history], color=_PRIOR, label="model runs")
    a3.set_xlabel("generation")
    a3.set_ylabel("model runs in the generation")
    a3b = a3.twinx()
    a3b.plot(gens, [h["acceptance_rate"] for h in history], "o-", color=_POINT, label="acceptance rate")
    a3b.set_ylim(0, 1.05)
    a3b.set_ylabel("acceptance rate (accepted / proposed)", color=_POINT)
    a3.set_title("cost and acceptance per generation")
    for a in (a1, a2, a3):
        a.set_xticks(gens)
    fig.suptitle(title, fontsize=10)
    path = out / "epsilon_ess.png"
    fig.savefig(path)
    return path


def predictive(card: dict[str, Any], out: Path, title: str) -> Path:
    groups = [("fitted (aim 80%)", card["fitted"], card["summary"]["aim_fit"]),
              ("validation, held out of the fit (aim 70%)", card["validation"], card["summary"]["aim_validate"]),
              ("not used (structural)", card["not_used"], None)]
    groups = [g for g in groups if g[1]]
    n = sum(len(g[1]) + 1 for g in groups)
    fig = Figure(figsize=(9.0, 0.27 * n + 1.4), layout="constrained")
    ax = fig.subplots()
    y = 0.0
    ticks, labels = [], []
    for gname, rows, aim in groups:
        ticks.append(y)
        labels.append(gname)
        y += 1
        for r in rows:
            rate = r["pass_rate"]
            color = _PRIOR if aim is None else (_POST if rate >= aim else _POINT)
            ax.barh(y, rate, color=color, height=0.7)
            ax.text(rate + 0.01 if rate < 0.9 else rate - 0.01, y, f"{rate:.0%}", va="center",
                    ha="left" if rate < 0.9 else "right", fontsize=7, color="k" if rate < 0.9 else "white")
            if aim is not None:
                ax.plot([aim, aim], [y - 0.45, y + 0.45], color="k", lw=1.2)
            ticks.append(y)
            labels.append(f"{r['id']}  {r['name']}")
            y += 1
    ax.set_yticks(ticks, labels, fontsize=7.5)
    heads = {g[0] for g in groups}
    for t, lab in zip(ax.get_yticklabels(), labels, strict=True):
        if lab in heads:
            t.set_fontweight("bold")
    ax.tick_params(axis="y", length=0)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:.0%}"))
    ax.set_xlabel("share of posterior draws x seeds in which the pattern holds (black tick: the aim)")
    fig.suptitle(f"{title}\nposterior-predictive scorecard: {card['draws']} draws x {card['seeds_per_draw']} seeds "
                 f"= {card['runs']} runs; blue meets the aim, red does not", fontsize=9.5)
    path = out / "predictive.png"
    fig.savefig(path)
    return path


def recovery(rows: list[dict[str, Any]], priors: list[Prior], out: Path, title: str) -> Path:
    d = len(rows)
    fig = Figure(figsize=(8.5, 0.5 * d + 2.0), layout="constrained")
    ax = fig.subplots()
    by = {p.name: p for p in priors}
    colors = {"recovered": _POST, "weakly identified": "#e0a030", "not identified": "#8c6bb1", "biased": _POINT}

    def q(p: Prior, v: float) -> float:
        z = p.to_z(v)
        return float(p._dist().cdf(z))

    for i, r in enumerate(rows):
        p = by[r["parameter"]]
        ax.plot([0.05, 0.95], [i + 0.18, i + 0.18], color=_PRIOR, lw=5, solid_capstyle="butt")
        lo, hi = (q(p, v) for v in r["posterior_interval"])
        ax.plot([lo, hi], [i - 0.12, i - 0.12], color=colors[r["verdict"]], lw=5, solid_capstyle="butt")
        ax.plot(q(p, r["posterior_median"]), i - 0.12, "o", color="white", mec="k", ms=5)
        ax.plot(q(p, r["truth"]), i, marker="|", color=_TRUTH, ms=22, mew=2.5)
        ax.text(1.02, i, f"{r['verdict']}\ncontraction {r['contraction']:.0%}", va="center", fontsize=7,
                transform=ax.get_yaxis_transform())
    ax.set_yticks(range(d), [r["parameter"] for r in rows], fontsize=7.5)
    handles = [Line2D([], [], color=_PRIOR, lw=5, label="prior 90%")]
    handles += [Line2D([], [], color=c, lw=5, label=f"posterior 90%: {v}") for v, c in colors.items()]
    handles.append(Line2D([], [], color=_TRUTH, marker="|", ls="", ms=12, mew=2.5, label="truth"))
    fig.legend(handles=handles, loc="outside lower center", ncol=3, fontsize=7, frameon=False)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("prior quantile (0 = prior's lower end, 1 = upper end)")
    ax.set_title(f"{title}\nfor each parameter: prior 90% interval (lower bar), posterior 90% interval (upper bar, "
                 "dot = median), truth", fontsize=9)
    path = out / "recovery.png"
    fig.savefig(path)
    return path


def sbc_ranks(summary: dict[str, Any], path: Path) -> Path:
    """``sbc_ranks.png``: per parameter, the histogram of the truth's rank among the posterior draws.

    The black line is the uniform expectation (truths / bins), the grey band its central
    ``band`` interval (binomial); bars outside the band in a U shape mean a posterior too narrow,
    a hump too wide, a slope a bias.
    """
    rows = summary["parameters"]
    d, B, L = len(rows), summary["bins"], summary["draws"]
    n = summary["truths"] - summary["failed_truths"]
    ncol = min(4, d)
    nrow = math.ceil(d / ncol)
    fig = Figure(figsize=(3.3 * ncol, 2.6 * nrow + 0.8), layout="constrained")
    axes = fig.subplots(nrow, ncol, squeeze=False)
    width = (L + 1) / B
    left = np.arange(B) * width
    lo, hi = summary["band_counts"]
    for k, r in enumerate(rows):
        ax = axes[k // ncol][k % ncol]
        ax.axhspan(lo, hi, color=_PRIOR, alpha=0.3, lw=0, label=f"{summary['band']:.0%} band if uniform")
        ax.bar(left, r["rank_counts"], width=width, align="edge", color=_POST, alpha=0.8, edgecolor="white",
               label="truths per bin")
        for edge in (lo, hi):  # the band's edges stay visible above the bars
            ax.axhline(edge, color="#555555", lw=0.9, ls=":")
        ax.axhline(n / B, color="black", lw=1.2, label="uniform expectation")
        ax.set_xlim(0, L + 1)
        ax.set_xlabel(f"rank of the truth among {L} posterior draws")
        ax.set_ylabel("truths (count)")
        ax.set_title(f"{r['parameter']}\ncover 50%: {r['coverage_50']:.0%}, 90%: {r['coverage_90']:.0%}; "
                     f"chi-square p = {r['chi2_p']:.2f}", fontsize=8.5)
        ax.set_ylim(0, max(hi, max(r["rank_counts"], default=0)) * 1.15 + 0.5)
    for k in range(d, nrow * ncol):
        axes[k // ncol][k % ncol].set_visible(False)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=3, fontsize=8, frameon=False)
    fig.suptitle(f"Simulation-based calibration: {Path(summary['spec']).name}, {n} truths in {B} bins\n"
                 f"{summary['method_text']}", fontsize=10)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.png")
    fig.savefig(tmp)
    tmp.replace(path)
    return path
