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


def _salib_seed(seed: int) -> int:
    """SALib seeds its bootstrap only when the seed is truthy (``if seed:``): a seed of 0 would
    leave the confidence intervals to chance, so the seed handed to it is shifted to >= 1."""
    return int(seed) % (2**32 - 1) + 1


def _indices(method: str, problem: dict[str, Any], X: np.ndarray, y: np.ndarray, design: dict[str, Any], out: str,
             num_resamples: int, conf_level: float, seed: int) -> tuple[dict[str, dict[str, float]], list[str]]:
    """(parameter -> indices, warnings) of one output ``y`` (one value per sampled point)."""
    names = problem["names"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if method == "sobol":
            from SALib.analyze import sobol

            res = sobol.analyze(problem, y, calc_second_order=design["second_order"],
                                num_resamples=num_resamples, conf_level=conf_level, seed=seed)
            rows = {p: {"S1": float(res["S1"][k]), "S1_conf": float(res["S1_conf"][k]),
                        "ST": float(res["ST"][k]), "ST_conf": float(res["ST_conf"][k])}
                    for k, p in enumerate(names)}
            return rows, _ranking_warnings(out, rows, "ST", "ST_conf", 0.05)
        from SALib.analyze import morris

        res = morris.analyze(problem, X, y, num_resamples=num_resamples, conf_level=conf_level,
                             num_levels=design["levels"], seed=seed)
        rows = {p: {"mu_star": float(res["mu_star"][k]), "mu_star_conf": float(res["mu_star_conf"][k]),
                    "sigma": float(res["sigma"][k]), "mu": float(res["mu"][k])}
                for k, p in enumerate(names)}
        top = max(r["mu_star"] for r in rows.values())
        return rows, _ranking_warnings(out, rows, "mu_star", "mu_star_conf", 0.05 * top)


def _sampled(folder: str | Path, man: dict[str, Any]) -> tuple[str, dict[str, Any], dict[str, Any], np.ndarray]:
    """(method, design, problem, X) of a sobol/morris results folder; :class:`InputError` for another design."""
    method = man["method"]
    if method not in ("sobol", "morris"):
        raise InputError(str(folder), "method", f"sensitivity needs a sobol or morris design, this one is '{method}'")
    ident = man["spec"]["identity"]
    design = ident["design"]
    problem = man["problem"]
    X = sample_matrix(method, problem, design["samples"], ident["seed"], second_order=design["second_order"],
                      levels=design["levels"])
    return method, design, problem, X


def _check_complete(folder: str | Path, counts: np.ndarray, what: str = "design points") -> None:
    missing = int((counts == 0).sum())
    if missing:
        raise InputError(str(folder), "", f"{missing} of {len(counts)} {what} have no successful run; "
                                          "finish the sweep (python -m sim status DIR; --retry-failed) first")


def _skip_reason(y: np.ndarray) -> str:
    """Why an output cannot be analysed ("" if it can)."""
    if np.isnan(y).any():
        return f"undefined (NaN) at {int(np.isnan(y).sum())} points (e.g. an event that never happens); skipped"
    if not np.nanstd(y) > 0:
        return "constant over the design; skipped"
    return ""


def sensitivity(folder: str | Path, metrics: list[str] | None = None, num_resamples: int = 1000,
                conf_level: float = 0.95, seed: int = 0) -> dict[str, Any]:
    """Sobol' (S1, ST with intervals) or Morris (mu*, its interval, sigma) indices of a sweep.

    Returns ``{"method", "parameters", "outputs": {metric: {parameter: {...}}}, "noise_share":
    {metric: share or None}, "warnings": [...], "n_points", "n_runs"}``. For an ``[effects]``
    folder these are the indices of the reference scenario's outputs (``"scenario"`` names it;
    :func:`effects_sensitivity` gives those of the effects).
    """
    man, df = ok_runs(folder)
    method, design, problem, X = _sampled(folder, man)
    names = problem["names"]
    metrics = metrics or man["metrics"]
    unknown = [m for m in metrics if m not in man["metrics"]]
    if unknown:
        raise InputError(str(folder), "metric", f"unknown metric {unknown[0]!r}; this sweep kept {man['metrics']}")
    n_points = man["n_points"]
    eff = man["spec"]["identity"].get("effects")
    if eff is not None:  # the reference's runs, numbered by their sampled row
        group = 1 + len(eff["counterfactuals"])
        df = df[df["scenario"] == eff["reference"]].assign(point=lambda d: d["point"] // group)
        n_points //= group
    seed = _salib_seed(seed)
    means, counts = point_means(df, metrics, n_points)
    _check_complete(folder, counts)
    result: dict[str, Any] = {"method": method, "parameters": names, "outputs": {}, "noise_share": {},
                              "warnings": [], "n_points": n_points, "n_runs": int(len(df)),
                              "replications": man["replications"], "samples": design["samples"],
                              "conf_level": conf_level, "num_resamples": num_resamples}
    if eff is not None:
        result["scenario"] = eff["reference"]
    for j, metric in enumerate(metrics):
        y = means[:, j]
        why = _skip_reason(y)
        if why:
            result["warnings"].append(f"{metric}: {why}")
            continue
        rows, warns = _indices(method, problem, X, y, design, metric, num_resamples, conf_level, seed)
        result["warnings"] += warns
        result["outputs"][metric] = rows
        result["noise_share"][metric] = noise_share(df, metric)
    return result


#: An interval this wide (half-width, in index units: a share of the effect's variance for
#: Sobol'; a share of the largest mu* for Morris) is "wide": the index is known only to within
#: +-0.1, too loose to say whether a parameter matters a little or not at all. Reporting rule.
WIDE_INTERVAL = 0.1


def _wide_warnings(label: str, rows: dict[str, dict[str, float]], method: str) -> list[str]:
    key, conf = ("ST", "ST_conf") if method == "sobol" else ("mu_star", "mu_star_conf")
    scale = 1.0 if method == "sobol" else max((r[key] for r in rows.values()), default=0.0) or 1.0
    widest = max(rows, key=lambda p: rows[p][conf] if math.isfinite(rows[p][conf]) else math.inf)
    w = rows[widest][conf] / scale
    if not w > WIDE_INTERVAL:
        return []
    unit = "" if method == "sobol" else " of the largest mu*"
    return [f"{label}: wide intervals ({key} of {widest} ± {w:.2f}{unit}, more than ± {WIDE_INTERVAL:g}); "
            "increase design.samples or replications"]


def st_noise_floor(runs: Any, out: str, y: np.ndarray) -> float | None:
    """What seed noise adds to every Sobol' ST of the point means ``y`` of ``runs[out]``.

    With independent noise of variance ``s2`` in each run and ``n`` replications per point, the
    Jansen estimator of every ST gains ``(s2 / n) / var(y)`` in expectation (a parameter whose ST
    is not above it is indistinguishable from seeds). ``s2``: the mean within-point variance;
    None with one replication per point or a constant ``y``.
    """
    d = runs[["point", out]].dropna()
    g = d.groupby("point")[out]
    if d.empty or g.size().max() < 2:
        return None
    var_y = float(np.var(y, ddof=1))
    if not var_y > 0:
        return None
    return min(1.0, float(g.var(ddof=1).dropna().mean()) / float(g.size().mean()) / var_y)


def paired_effects(df: Any, outcomes: list[str], reference: str, counterfactuals: list[str],
                   group: int) -> dict[str, Any]:
    """Per counterfactual: a DataFrame of paired differences ``counterfactual - reference`` by
    sampled row (``point``) and replication, one column per outcome (NaN where either run is
    missing, failed or undefined). Pairs are matched on (row, replication) and their seeds must
    agree (common random numbers); a mismatch is an error, not a silent unpaired difference."""
    import pandas as pd

    cols = ["row", "replication", "seed", *outcomes]
    d = df.assign(row=df["point"] // group)
    ref = d.loc[d["scenario"] == reference, cols]
    out = {}
    for cf in counterfactuals:
        both = ref.merge(d.loc[d["scenario"] == cf, cols], on=["row", "replication"], suffixes=("_ref", "_cf"))
        if (both["seed_ref"] != both["seed_cf"]).any():
            raise ValueError(f"{cf}: runs paired with the reference by row and replication have other seeds")
        out[cf] = pd.DataFrame({"point": both["row"], "replication": both["replication"],
                                **{m: both[f"{m}_cf"] - both[f"{m}_ref"] for m in outcomes}})
    return out


def effects_sensitivity(folder: str | Path, outcomes: list[str] | None = None, num_resamples: int = 1000,
                        conf_level: float = 0.95, seed: int = 0) -> dict[str, Any]:
    """Sobol' or Morris indices of each counterfactual's effect on each outcome (:mod:`.effects`).

    The effect at a sampled point is the mean over replications of the paired difference
    (counterfactual - reference, same seed). Returns ``{"method", "parameters", "reference",
    "counterfactuals", "outcomes", "effects": {counterfactual: {outcome: {"mean", "sd", "min", "max",
    "noise_share", "indices": {parameter: {...}}}}}, "warnings", ...}``; an effect that is
    undefined somewhere or constant has no ``indices`` and a warning says why.
    """
    man, df = ok_runs(folder)
    eff = man["spec"]["identity"].get("effects")
    if eff is None:
        raise InputError(str(folder), "effects", "this results folder's spec has no [effects] table (analyse it "
                                                 "without --effects)")
    method, design, problem, X = _sampled(folder, man)
    outcomes = outcomes or man["metrics"]
    unknown = [m for m in outcomes if m not in man["metrics"]]
    if unknown:
        raise InputError(str(folder), "metric", f"unknown outcome {unknown[0]!r}; this sweep kept {man['metrics']}")
    cfs = list(eff["counterfactuals"])
    group = 1 + len(cfs)
    n_rows = man["n_points"] // group
    seed = _salib_seed(seed)
    result: dict[str, Any] = {"method": method, "parameters": problem["names"], "reference": eff["reference"],
                              "counterfactuals": cfs, "outcomes": outcomes, "ratios": eff["ratios"],
                              "effects": {}, "warnings": [], "n_points": n_rows, "n_runs": int(len(df)),
                              "replications": man["replications"], "samples": design["samples"],
                              "conf_level": conf_level, "num_resamples": num_resamples}
    for cf, diff in paired_effects(df, outcomes, eff["reference"], cfs, group).items():
        means, counts = point_means(diff, outcomes, n_rows)
        _check_complete(folder, counts, f"sampled points of '{cf}' (paired with '{eff['reference']}')")
        per: dict[str, Any] = {}
        for j, out in enumerate(outcomes):
            y = means[:, j]
            label = f"{cf} - {eff['reference']}: {out}"
            entry: dict[str, Any] = {"mean": float(np.nanmean(y)), "sd": float(np.nanstd(y, ddof=1)),
                                     "min": float(np.nanmin(y)), "max": float(np.nanmax(y)),
                                     "noise_share": noise_share(diff, out),
                                     "st_noise_floor": st_noise_floor(diff, out, y) if method == "sobol" else None}
            why = _skip_reason(y)
            if why:
                result["warnings"].append(f"{label}: effect {why}")
            else:
                rows, warns = _indices(method, problem, X, y, design, label, num_resamples, conf_level, seed)
                entry["indices"] = rows
                result["warnings"] += _wide_warnings(label, rows, method) + warns
            per[out] = entry
        result["effects"][cf] = per
    return result


def effects_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The indices of :func:`effects_sensitivity` as flat rows (counterfactual, outcome, parameter, ...)."""
    rows = []
    for cf, per in result["effects"].items():
        for out, e in per.items():
            for p, r in e.get("indices", {}).items():
                rows.append({"counterfactual": cf, "outcome": out, "parameter": p, **r,
                             "effect_mean": e["mean"], "effect_sd": e["sd"], "noise_share": e["noise_share"],
                             "st_noise_floor": e["st_noise_floor"]})
    return rows


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
