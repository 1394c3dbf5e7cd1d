"""Parameter recovery: can the calibration find parameters it was given? (identifiability check)

The experiment (``python -m sim recover experiments/recovery.toml --out DIR``):

1. Fix "true" values of the calibrated parameters (``[recovery] truth``: the prior medians by
   default, or given values).
2. Run the model at the truth on ``history_seeds`` seeds (one by default: like the real world, the
   synthetic world has one history) and measure the *statistics* below: the continuous quantities
   the article's patterns are about (departure counts, the month of the first abandonment, the
   number of firms still training, ...). These numbers are the synthetic "history".
3. Calibrate against that history with the same sampler, priors, population settings and
   stopping rule as the real calibration; the distance is the mean over statistics of
   ``|simulated - observed| / scale`` (``[recovery] scales``: about one "meaningful difference" of
   each statistic, e.g. 3 departures or 3 months).
4. For each parameter report whether the 90% posterior interval covers the truth and how much it
   narrowed from the prior: ``contraction = 1 - width90(posterior) / width90(prior)``, widths in
   the sampling space (log scale for log-uniform priors).

Verdicts: *recovered* (covered, contraction >= 0.5), *weakly identified* (covered, 0.2 to 0.5),
*not identified* (contraction < 0.2: the data say little about it beyond the prior), *biased* (not
covered). One synthetic history is one draw: a single miss of a 90% interval is expected in one
parameter out of ten.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..facts import ARTICLE_DATE, DEPARTURES_START, H1_2025, YEAR_2024
from ..outputs import IPO_FILING, EventType
from ..results import RunResult

# --------------------------------------------------------------------------- statistics


def _startups(run: RunResult) -> set[str]:
    return {f for f, k in run.firm_kinds.items() if k == "startup"}


#: Open bounds for :func:`_events` (any YYYY-MM date sorts between them).
EARLIEST, LATEST = "", "~"


def _events(run: RunResult, types: Sequence[str], start: str = EARLIEST, end: str = LATEST) -> list[int]:
    """Row indices of events of ``types`` by startups, dated in ``[start, end]`` (YYYY-MM strings)."""
    ev = run.events
    st = _startups(run)
    return [i for i, (d, f, t) in enumerate(zip(ev["date"], ev["firm"], ev["type"], strict=True))
            if t in types and f in st and start <= d <= end]


def _model_at(run: RunResult, col: str, date: str) -> float:
    m = run.model
    for d, v in zip(m["date"], m[col], strict=True):
        if d == date:
            return float(v)
    return float(m[col][-1]) if m[col] else math.nan


def departures_2024_2025h1(run: RunResult) -> float:
    """T1: core-executive departures from the startups, 2024-01 to 2025-06."""
    return float(len(_events(run, (EventType.DEPARTURE,), DEPARTURES_START, ARTICLE_DATE)))


def departures_2025h1(run: RunResult) -> float:
    """T2: departures in 2025-01 to 2025-06 (the acceleration)."""
    return float(len(_events(run, (EventType.DEPARTURE,), *H1_2025)))


def departures_top_firm(run: RunResult) -> float:
    """T3/T4: departures from the startup that lost the most, 2024-01 to 2025-06."""
    counts: dict[str, int] = {}
    for i in _events(run, (EventType.DEPARTURE,), DEPARTURES_START, ARTICLE_DATE):
        f = run.events["firm"][i]
        counts[f] = counts.get(f, 0) + 1
    return float(max(counts.values(), default=0))


def first_abandonment_month(run: RunResult) -> float:
    """T7: months from 2023-01 to the first startup's pivot or exit (the run's length if none)."""
    idx = _events(run, (EventType.PIVOT, EventType.EXIT))
    steps = [run.events["step"][i] for i in idx]
    return float(min(steps)) if steps else float(len(run.model["step"]))


def first_ipo_month(run: RunResult) -> float:
    """T10: months from 2023-01 to the first startup's start of an IPO process (the run's length if none)."""
    ev = run.events
    steps = [ev["step"][i] for i in _events(run, (EventType.IPO,)) if ev["stage"][i] == IPO_FILING]
    return float(min(steps)) if steps else float(len(run.model["step"]))


def foundation_2025_06(run: RunResult) -> float:
    """T6/T17: startups still training foundation models at 2025-06."""
    return _model_at(run, "n_foundation", ARTICLE_DATE)


def foundation_end(run: RunResult) -> float:
    """T17: startups still training foundation models at the end of the run (2027-12 in the baseline)."""
    return float(run.model["n_foundation"][-1])


def raising_2025h1(run: RunResult) -> float:
    """T10: startups that close a funding round in 2025-01 to 2025-06."""
    return float(len({run.events["firm"][i] for i in _events(run, (EventType.FUNDING_ROUND,), *H1_2025)}))


def pivots_by_2025_06(run: RunResult) -> float:
    """T8: pivot events by 2025-06."""
    return float(len(_events(run, (EventType.PIVOT,), end=ARTICLE_DATE)))


def log10_top_revenue_2024(run: RunResult) -> float:
    """T11: log10 of the highest 2024 revenue (USD) among the startups."""
    fi = run.firms
    st = _startups(run)
    rev: dict[str, float] = {}
    for d, f, r in zip(fi["date"], fi["firm"], fi["revenue_usd"], strict=True):
        if f in st and YEAR_2024[0] <= d <= YEAR_2024[1] and r == r:
            rev[f] = rev.get(f, 0.0) + float(r)
    top = max(rev.values(), default=0.0)
    return math.log10(max(top, 1e5))


def sentiment_2025_06(run: RunResult) -> float:
    """T15: investor sentiment for foundation-model startups at 2025-06."""
    return _model_at(run, "vc_sentiment", ARTICLE_DATE)


def log10_mau_gap_2025_06(run: RunResult) -> float:
    """T12: log10 of (third-largest non-startup app's MAU / largest startup app's MAU) at 2025-06."""
    fi = run.firms
    st = _startups(run)
    best_st = 0.0
    others = []
    for d, f, m in zip(fi["date"], fi["firm"], fi["mau"], strict=True):
        if d != ARTICLE_DATE or m != m:
            continue
        if f in st:
            best_st = max(best_st, float(m))
        else:
            others.append(float(m))
    others.sort(reverse=True)
    third = others[2] if len(others) >= 3 else (others[-1] if others else 0.0)
    return math.log10(max(third, 1e3) / max(best_st, 1e3))


#: name -> (function, default scale: about one meaningful difference of the statistic)
STATISTICS: dict[str, tuple[Callable[[RunResult], float], float]] = {
    "departures_2024_2025h1": (departures_2024_2025h1, 4.0),
    "departures_2025h1": (departures_2025h1, 3.0),
    "departures_top_firm": (departures_top_firm, 2.0),
    "first_abandonment_month": (first_abandonment_month, 3.0),
    "first_ipo_month": (first_ipo_month, 3.0),
    "foundation_2025_06": (foundation_2025_06, 1.0),
    "foundation_end": (foundation_end, 1.0),
    "raising_2025h1": (raising_2025h1, 1.0),
    "pivots_by_2025_06": (pivots_by_2025_06, 1.0),
    "log10_top_revenue_2024": (log10_top_revenue_2024, 0.25),
    "sentiment_2025_06": (sentiment_2025_06, 0.05),
    "log10_mau_gap_2025_06": (log10_mau_gap_2025_06, 0.25),
}


def compute_statistics(run: RunResult, names: Sequence[str]) -> dict[str, float]:
    return {n: STATISTICS[n][0](run) for n in names}


# --------------------------------------------------------------------------- the verdicts
def weighted_quantiles(x: np.ndarray, w: np.ndarray, qs: Sequence[float]) -> list[float]:
    order = np.argsort(x, kind="stable")
    xs, cw = x[order], np.cumsum(w[order]) / np.sum(w)
    return [float(xs[min(int(np.searchsorted(cw, q - 1e-12)), len(xs) - 1)]) for q in qs]


def verdict(covered: bool, contraction: float) -> str:
    if not covered:
        return "biased"
    if contraction >= 0.5:
        return "recovered"
    if contraction >= 0.2:
        return "weakly identified"
    return "not identified"


def recovery_table(priors: Sequence[Any], z: np.ndarray, weights: np.ndarray, truth: dict[str, float],
                   level: float = 0.9) -> list[dict[str, Any]]:
    """One row per parameter: truth, prior and posterior intervals, coverage, contraction, verdict."""
    lo_q, hi_q = (1 - level) / 2, 1 - (1 - level) / 2
    rows = []
    for k, p in enumerate(priors):
        zk = z[:, k]
        post_lo, post_med, post_hi = weighted_quantiles(zk, weights, (lo_q, 0.5, hi_q))
        prior_lo, prior_hi = p.to_z(p.quantile(lo_q)), p.to_z(p.quantile(hi_q))
        t = truth[p.name]
        tz = p.to_z(t)
        # integer parameters: the model sees round(z); widen by half a unit for coverage
        slack = 0.5 if p.integer else 0.0
        covered = post_lo - slack <= tz <= post_hi + slack
        width_prior = prior_hi - prior_lo
        contraction = 1.0 - (post_hi - post_lo) / width_prior if width_prior > 0 else math.nan
        rows.append({
            "parameter": p.name, "prior": p.kind, "truth": t,
            "prior_interval": [p.quantile(lo_q), p.quantile(hi_q)],
            "posterior_median": _val(p, post_med),
            "posterior_interval": [_val(p, post_lo), _val(p, post_hi)],
            "covered": bool(covered), "contraction": float(contraction),
            "verdict": verdict(bool(covered), float(contraction)),
        })
    return rows


def prior_sensitivity(priors: Sequence[Any], z: np.ndarray, summaries: dict[str, np.ndarray],
                      statistics: Sequence[str]) -> dict[str, dict[str, float]]:
    """Spearman rank correlation of each parameter with each statistic over generation 0 (prior draws).

    A diagnostic for the verdicts: a parameter that no statistic responds to cannot be identified
    by them whatever the budget; one that moves a statistic strongly but is still not identified
    is traded off against other parameters or drowned by the noise of one history.
    """
    from scipy.stats import spearmanr

    out: dict[str, dict[str, float]] = {}
    for k, p in enumerate(priors):
        row = {}
        for name in statistics:
            y = summaries.get(f"x:{name}")
            if y is None or np.nanstd(y) == 0 or np.std(z[:, k]) == 0:
                row[name] = 0.0
                continue
            row[name] = round(float(spearmanr(z[:, k], y, nan_policy="omit").statistic), 3)
        out[p.name] = row
    return out


def _val(p: Any, z: float) -> float:
    return float(math.exp(z)) if p.kind == "loguniform" else float(z)
