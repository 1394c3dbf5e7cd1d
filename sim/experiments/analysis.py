"""Analysis of a results folder: Sobol' and Morris indices (SALib) and scenario comparison tables.

Sensitivity of a stochastic model (ten Broeke et al. 2016, JASSS 19(1):5): the indices are
those of the *mean over replications* at each design point; beside them we report the share of
the runs' variance that is noise (replications at the same point), so that a reader sees how
much of the output the parameters can explain at all. Confidence intervals are SALib's
bootstrap intervals (``num_resamples`` resamples, 95%). When the intervals of two parameters
next to each other in the ranking overlap, a warning says the ranking between them is not
supported by the sample and how to enlarge it.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from ..errors import InputError
from .design import sample_matrix
from .store import Store


def ok_runs(folder: str | Path) -> tuple[dict[str, Any], Any]:
    """(manifest, pandas DataFrame of the ok runs' last attempts)."""
    store = Store(folder)
    man = store.manifest()
    t = store.read("runs")
    t = t.filter(pa.compute.equal(t.column("status"), "ok"))
    return man, t.to_pandas()


def point_means(df: Any, metrics: list[str], n_points: int) -> tuple[np.ndarray, np.ndarray]:
    """(means, counts): per design point, the mean over ok replications of each metric (NaN-aware)."""
    means = np.full((n_points, len(metrics)), np.nan)
    counts = np.zeros(n_points, dtype=int)
    if len(df):
        g = df.groupby("point")
        m = g[metrics].mean()  # pandas skips NaN
        means[m.index.to_numpy(), :] = m.to_numpy(dtype=float)
        c = g.size()
        counts[c.index.to_numpy()] = c.to_numpy()
    return means, counts


def noise_share(df: Any, metric: str) -> float | None:
    """Share of the runs' variance of ``metric`` that lies between replications of the same point.

    ``mean_i var_r(y_ir) / var(y)``; None with one replication per point or a constant output.
    """
    d = df[["point", metric]].dropna()
    if d.empty or d.groupby("point").size().max() < 2:
        return None
    total = float(d[metric].var(ddof=1))
    if not total > 0:
        return None
    within = float(d.groupby("point")[metric].var(ddof=1).dropna().mean())
    return min(1.0, within / total)


def _ranking_warnings(out: str, rows: dict[str, dict[str, float]], key: str, conf: str, floor: float) -> list[str]:
    ranked = sorted(rows, key=lambda p: -rows[p][key])
    clash = []
    for a, b in zip(ranked, ranked[1:], strict=False):
        ra, rb = rows[a], rows[b]
        if ra[key] < floor:
            break
        if ra[key] - ra[conf] <= rb[key] + rb[conf]:
            clash.append(f"{a} vs {b}")
    if not clash:
        return []
    shown = ", ".join(clash[:3]) + (f" and {len(clash) - 3} more adjacent pairs" if len(clash) > 3 else "")
    return [f"{out}: intervals too wide to rank {shown} ({key} ± {conf} overlap); "
            "increase design.samples or replications"]


def sensitivity(folder: str | Path, metrics: list[str] | None = None, num_resamples: int = 1000,
                conf_level: float = 0.95, seed: int = 0) -> dict[str, Any]:
    """Sobol' (S1, ST with intervals) or Morris (mu*, its interval, sigma) indices of a sweep.

    Returns ``{"method", "parameters", "outputs": {metric: {parameter: {...}}}, "noise_share":
    {metric: share or None}, "warnings": [...], "n_points", "n_runs"}``.
    """
    man, df = ok_runs(folder)
    method = man["method"]
    if method not in ("sobol", "morris"):
        raise InputError(str(folder), "method", f"sensitivity needs a sobol or morris design, this one is '{method}'")
    ident = man["spec"]["identity"]
    design = ident["design"]
    problem = man["problem"]
    names = problem["names"]
    metrics = metrics or man["metrics"]
    unknown = [m for m in metrics if m not in man["metrics"]]
    if unknown:
        raise InputError(str(folder), "metric", f"unknown metric {unknown[0]!r}; this sweep kept {man['metrics']}")
    n_points = man["n_points"]
    # SALib seeds its bootstrap only when the seed is truthy (``if seed:``): a seed of 0 would
    # leave the confidence intervals to chance, so the seed handed to it is shifted to >= 1.
    seed = int(seed) % (2**32 - 1) + 1
    means, counts = point_means(df, metrics, n_points)
    missing = int((counts == 0).sum())
    if missing:
        raise InputError(str(folder), "", f"{missing} of {n_points} design points have no successful run; "
                                          "finish the sweep (python -m sim status DIR; --retry-failed) first")
    X = sample_matrix(method, problem, design["samples"], ident["seed"], second_order=design["second_order"],
                      levels=design["levels"])
    result: dict[str, Any] = {"method": method, "parameters": names, "outputs": {}, "noise_share": {},
                              "warnings": [], "n_points": n_points, "n_runs": int(len(df)),
                              "replications": man["replications"], "samples": design["samples"],
                              "conf_level": conf_level, "num_resamples": num_resamples}
    for j, metric in enumerate(metrics):
        y = means[:, j]
        if np.isnan(y).any():
            result["warnings"].append(f"{metric}: undefined (NaN) at {int(np.isnan(y).sum())} points "
                                      "(e.g. an event that never happens); skipped")
            continue
        if not np.nanstd(y) > 0:
            result["warnings"].append(f"{metric}: constant over the design; skipped")
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            if method == "sobol":
                from SALib.analyze import sobol

                res = sobol.analyze(problem, y, calc_second_order=design["second_order"],
                                    num_resamples=num_resamples, conf_level=conf_level, seed=seed)
                rows = {p: {"S1": float(res["S1"][k]), "S1_conf": float(res["S1_conf"][k]),
                            "ST": float(res["ST"][k]), "ST_conf": float(res["ST_conf"][k])}
                        for k, p in enumerate(names)}
                result["warnings"] += _ranking_warnings(metric, rows, "ST", "ST_conf", 0.05)
            else:
                from SALib.analyze import morris

                res = morris.analyze(problem, X, y, num_resamples=num_resamples, conf_level=conf_level,
                                     num_levels=design["levels"], seed=seed)
                rows = {p: {"mu_star": float(res["mu_star"][k]), "mu_star_conf": float(res["mu_star_conf"][k]),
                            "sigma": float(res["sigma"][k]), "mu": float(res["mu"][k])}
                        for k, p in enumerate(names)}
                top = max(r["mu_star"] for r in rows.values())
                result["warnings"] += _ranking_warnings(metric, rows, "mu_star", "mu_star_conf", 0.05 * top)
        result["outputs"][metric] = rows
        result["noise_share"][metric] = noise_share(df, metric)
    return result


# ---------------------------------------------------------------------- comparison
def _t95(n: int, level: float = 0.95) -> float:
    from scipy.stats import t

    return float(t.ppf(0.5 + level / 2, max(n - 1, 1)))


def compare_table(folder: str | Path, metrics: list[str] | None = None, reference: str | None = None,
                  level: float = 0.95) -> dict[str, Any]:
    """Per scenario and metric: n, mean with its confidence interval, sd, quantiles, share undefined;
    and the paired difference to ``reference`` (default: the first scenario) over common seeds."""
    man, df = ok_runs(folder)
    if man["method"] != "scenarios":
        raise InputError(str(folder), "method", f"compare needs a 'scenarios' design, this one is '{man['method']}'")
    if man["spec"]["identity"]["design"].get("draws"):
        raise InputError(str(folder), "design.draws", "these are runs over posterior draws: pairs are (draw, seed), "
                                                      "see sim.calibration.counterfactuals.posterior_effects")
    metrics = metrics or man["metrics"]
    order = list(man["spec"]["identity"]["scenarios"])
    reference = reference or order[0]
    rows = []
    for sc in order:
        d = df[df["scenario"] == sc]
        for m in metrics:
            v = d[m].to_numpy(dtype=float)
            ok = v[~np.isnan(v)]
            n = len(ok)
            mean = float(ok.mean()) if n else math.nan
            sd = float(ok.std(ddof=1)) if n > 1 else math.nan
            half = _t95(n, level) * sd / math.sqrt(n) if n > 1 else math.nan
            row = {"scenario": sc, "metric": m, "n": n, "mean": mean, "ci_low": mean - half, "ci_high": mean + half,
                   "sd": sd, "median": float(np.median(ok)) if n else math.nan,
                   "q10": float(np.quantile(ok, 0.1)) if n else math.nan,
                   "q90": float(np.quantile(ok, 0.9)) if n else math.nan,
                   "share_undefined": float(1 - n / len(v)) if len(v) else math.nan}
            ref = df[df["scenario"] == reference][["replication", m]].set_index("replication")[m]
            mine = d[["replication", m]].set_index("replication")[m]
            both = ref.to_frame("ref").join(mine.to_frame("x"), how="inner").dropna()
            if sc != reference and len(both) > 1:
                diff = (both["x"] - both["ref"]).to_numpy(dtype=float)
                dh = _t95(len(diff), level) * diff.std(ddof=1) / math.sqrt(len(diff))
                row.update(diff_mean=float(diff.mean()), diff_low=float(diff.mean() - dh),
                           diff_high=float(diff.mean() + dh))
            else:
                row.update(diff_mean=math.nan, diff_low=math.nan, diff_high=math.nan)
            rows.append(row)
    return {"reference": reference, "scenarios": order, "metrics": metrics, "level": level,
            "replications": man["replications"], "rows": rows}
