"""Counterfactuals over the posterior: ``python -m sim compare SCENARIO... --posterior DIR``.

A calibration folder ``DIR`` (``python -m sim calibrate SPEC --out DIR``) holds the final ABC-SMC
population in ``posterior.parquet``: one row per particle, one column per calibrated parameter
(its dotted key), a ``weight`` column (importance weights) and bookkeeping columns that are
ignored (:data:`NOT_PARAMETERS`). :func:`load_posterior` reads it; :meth:`Posterior.resample`
draws N particles by weight (multinomial, from a generator seeded by the master seed, so the same
command gives the same draws; the first m of N draws are the m draws of a smaller N).

Every scenario runs at every draw with K seeds per draw, the same (draw, seed) pairs in every
scenario (common random numbers; :mod:`sim.experiments.design`), as one resumable sweep. A
scenario that sets a drawn key to another value than the reference's (the first scenario) applies
it relative to each draw by the rule an ``[effects]`` design uses (:mod:`sim.experiments.relative`,
:func:`sim.experiments.spec.draw_rules`): a lowered key keeps its ratio above the key's lowest
valid value, a raised one moves the same share of the way up to its highest.

:func:`posterior_effects` then gives, per metric and scenario, the paired effect against the
reference: per draw the mean over its seeds of (scenario - reference) on the same seed, then over
draws the mean, the 5-95% credible interval (:data:`CREDIBLE`), P(effect > 0) and P(effect < 0),
and a *finding* flag (one sign in at least :data:`FINDING_SHARE` of the draws); and per metric
the probability of each ranking of the scenarios by their per-draw mean (highest first; means
within :data:`TIE_RTOL` of each other are tied). The JSON shape is documented in
``docs/calibration.md`` ("Counterfactuals over the posterior").
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from .moves import distinct_particles

#: Draws resampled from the posterior when ``--draws`` is not given.
DEFAULT_DRAWS = 100
#: Seeds per draw (in each scenario) when ``--seeds`` is not given with ``--posterior``.
DEFAULT_SEEDS_PER_DRAW = 4
#: The credible interval of an effect over draws: its 5% and 95% quantiles (shares of draws).
CREDIBLE = (0.05, 0.95)
#: An effect is a *finding* when it has one sign in at least this share of the draws (P(>0) or
#: P(<0) >= 0.9); a draw with an effect of exactly 0 counts for neither sign.
FINDING_SHARE = 0.9
#: Two scenarios' per-draw means within this relative difference of each other are tied in a ranking
#: (floating-point noise of equal means, not a modelling tolerance).
TIE_RTOL = 1e-9
#: Spawn key of the resampling stream (the model seeds of draw j use spawn key (j,), far below it).
RESAMPLE_STREAM = 1_000_003
#: Columns of posterior.parquet that are not parameters (and prefixes of such columns).
NOT_PARAMETERS = ("particle", "weight", "distance", "abc_likelihood")
NOT_PARAMETER_PREFIXES = ("s:", "z:", "seed:", "distance:")


@dataclass(frozen=True)
class Posterior:
    """The particles of a calibration folder: values (particles x parameters) and normalised weights."""

    folder: Path
    keys: list[str]
    values: np.ndarray
    weights: np.ndarray
    particles: list[int]
    identity_hash: str | None

    @property
    def ess(self) -> float:
        """Effective sample size of the weights, 1 / sum(w^2) (particles)."""
        return float(1.0 / np.sum(self.weights**2))

    @property
    def distinct(self) -> int:
        """Particles that are not copies of one another (a moved population's equal weights hide its copies)."""
        return distinct_particles(self.values)

    def resample(self, n: int, seed: int) -> list[int]:
        """Row indices of ``n`` draws by weight (multinomial; prefix-stable in ``n``; deterministic in ``seed``)."""
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(RESAMPLE_STREAM,)))
        u = rng.random(n)
        rows = np.searchsorted(np.cumsum(self.weights), u * float(np.sum(self.weights)), side="right")
        return [int(r) for r in np.minimum(rows, len(self.weights) - 1)]

    def draw(self, row: int) -> dict[str, float]:
        """The parameter values of particle row ``row`` (key -> value)."""
        return {k: float(v) for k, v in zip(self.keys, self.values[row], strict=True)}


def _calibrated_keys(state: dict[str, Any]) -> list[str] | None:
    """The calibrated keys named by state.json's identity (None if it names none)."""
    params = (state.get("identity") or {}).get("parameters") if isinstance(state.get("identity"), dict) else None
    if not isinstance(params, list) or not params:
        return None
    keys = [p.get("path") or p.get("key") for p in params if isinstance(p, dict)]
    return [k for k in keys if isinstance(k, str)] or None


def read_particles(post_path: Path, keys: list[str] | None = None
                   ) -> tuple[list[str], np.ndarray, np.ndarray, list[int]]:
    """(keys, values: particles x keys, weights summing to 1, particle ids) of a ``posterior.parquet``.

    ``keys`` are the parameter columns to read (each must be there); None takes every column that is
    not bookkeeping (:data:`NOT_PARAMETERS`). :class:`InputError` naming the file and the column for
    an unreadable file, no particle, no or bad weights, a missing column or a non-finite value."""
    import pandas as pd

    try:
        frame = pd.read_parquet(post_path)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is bad input
        raise InputError(str(post_path), "", f"expected a Parquet table ({type(exc).__name__}: {exc})") from None
    if "weight" not in frame.columns:
        raise InputError(str(post_path), "weight", "expected a 'weight' column (the particles' importance weights)")
    if frame.empty:
        raise InputError(str(post_path), "", "expected at least one particle, found none")
    keys = keys or [c for c in frame.columns if c not in NOT_PARAMETERS and not c.startswith(NOT_PARAMETER_PREFIXES)]
    if not keys:
        raise InputError(str(post_path), "", "expected one column per calibrated parameter, found none")
    for k in keys:
        if k not in frame.columns:
            raise InputError(str(post_path), k, "expected a column of this parameter; columns: "
                                                + ", ".join(c for c in frame.columns if c != "weight"))
    weights = pd.to_numeric(frame["weight"], errors="coerce").to_numpy(dtype=float)
    if not np.isfinite(weights).all() or (weights < 0).any() or not weights.sum() > 0:
        raise InputError(str(post_path), "weight", "expected finite, non-negative weights with a positive sum")
    values = np.column_stack([pd.to_numeric(frame[k], errors="coerce").to_numpy(dtype=float) for k in keys])
    bad = [k for j, k in enumerate(keys) if not np.isfinite(values[:, j]).all()]
    if bad:
        raise InputError(str(post_path), bad[0], "expected a finite number for every particle")
    particles = (frame["particle"].astype(int).tolist() if "particle" in frame.columns
                 else list(range(len(frame))))
    return keys, values, weights / weights.sum(), particles


def load_posterior(folder: str | Path) -> Posterior:
    """Read ``folder``'s ``posterior.parquet`` and ``state.json``; :class:`InputError` if it is not a calibration."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(str(folder), "--posterior", "expected a calibration output folder "
                                                     "('python -m sim calibrate SPEC --out DIR'), found none")
    state_path, post_path = folder / "state.json", folder / "posterior.parquet"
    if not state_path.is_file():
        raise InputError(str(folder), "state.json", "expected the calibration's state.json: this is not a "
                                                    "calibration output folder")
    try:
        state = json.loads(state_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(str(state_path), "", f"expected the JSON state of a calibration ({exc})") from None
    if not isinstance(state, dict):
        raise InputError(str(state_path), "", "expected a JSON object")
    if not post_path.is_file():
        raise InputError(str(folder), "posterior.parquet", "expected the posterior of a calibration (written when "
                                                           "its sampler finishes or is stopped); found none")
    keys, values, weights, particles = read_particles(post_path, _calibrated_keys(state))
    return Posterior(folder, keys, values, weights, particles,
                     state.get("identity_hash") if isinstance(state.get("identity_hash"), str) else None)


def check_keys(posterior: Posterior, reference: Any, reference_file: str) -> None:
    """Every calibrated key is a numeric parameter of the reference scenario; :class:`InputError` if not."""
    from ..config import get_path

    values = reference.to_dict()
    for k in posterior.keys:
        v = get_path(values, k)
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise InputError(str(posterior.folder / "posterior.parquet"), k, (
                f"this calibrated parameter is not a numeric parameter of the scenarios (scenario "
                f"'{reference.name}' in {reference_file} has {v!r}); is DIR a calibration of this model?"))


# ---------------------------------------------------------------------- analysis
def rank(means: dict[str, float], order: list[str]) -> list[list[str]]:
    """The scenarios by ``means``, highest first, as groups of ties (within :data:`TIE_RTOL`);
    within a group (and between equal ones) scenarios keep their ``order``."""
    ranked = sorted(order, key=lambda s: (-means[s], order.index(s)))
    groups: list[list[str]] = []
    for s in ranked:
        if groups and math.isclose(means[s], means[groups[-1][0]], rel_tol=TIE_RTOL, abs_tol=0.0):
            groups[-1].append(s)
        else:
            groups.append([s])
    return [sorted(g, key=order.index) for g in groups]


def ranking_text(groups: list[list[str]]) -> str:
    """``"a > b = c"`` for groups ``[["a"], ["b", "c"]]``."""
    return " > ".join(" = ".join(g) for g in groups)


def _summary(effects: np.ndarray) -> dict[str, Any]:
    """Mean, credible interval, sign probabilities and the finding flag of per-draw effects (NaN dropped)."""
    e = effects[~np.isnan(effects)]
    if not len(e):
        return {"n_draws": 0, "mean": math.nan, "q05": math.nan, "q95": math.nan, "p_positive": math.nan,
                "p_negative": math.nan, "finding": False, "sign": ""}
    p_pos, p_neg = float(np.mean(e > 0)), float(np.mean(e < 0))
    finding = max(p_pos, p_neg) >= FINDING_SHARE
    lo, hi = np.quantile(e, CREDIBLE)
    return {"n_draws": int(len(e)), "mean": float(e.mean()), "q05": float(lo), "q95": float(hi),
            "p_positive": p_pos, "p_negative": p_neg, "finding": bool(finding),
            "sign": ("+" if p_pos >= p_neg else "-") if finding else ""}


def posterior_effects(folder: str | Path, metrics: list[str] | None = None) -> dict[str, Any]:
    """Effects and rankings of a results folder of a ``scenarios`` design with ``draws`` (module docstring).

    Returns ``{"reference", "scenarios", "metrics", "draws", "seeds_per_draw", "credible_interval",
    "finding_share", "effects": [row per metric and non-reference scenario], "rankings": {metric:
    {"n_draws", "orders": [{"order", "text", "probability"}]}}, "runs": {"total", "ok", "failed"}}``.
    """
    from ..experiments.analysis import ok_runs
    from ..experiments.store import Store

    man, df = ok_runs(folder)
    ident = man["spec"]["identity"]
    draws = ident["design"].get("draws") or []
    if man["method"] != "scenarios" or not draws:
        raise InputError(str(folder), "method", "expected the results of 'compare --posterior' (a scenarios "
                                                "design with draws)")
    metrics = metrics or man["metrics"]
    unknown = [m for m in metrics if m not in man["metrics"]]
    if unknown:
        raise InputError(str(folder), "metric", f"unknown metric '{unknown[0]}'; this comparison kept {man['metrics']}")
    order = list(ident["scenarios"])
    ref = order[0]
    n_draws = len(draws)
    effects: list[dict[str, Any]] = []
    rankings: dict[str, Any] = {}
    for m in metrics:
        # (draw, replication) x scenario; a failed run or an undefined value (NaN) drops its pair
        wide = df.pivot_table(index=["draw", "replication"], columns="scenario", values=m, aggfunc="first",
                              dropna=False).reindex(columns=order)
        for s in order[1:]:
            per_draw = (wide[s] - wide[ref]).groupby(level="draw").mean()  # pandas skips NaN pairs
            e = per_draw.reindex(range(n_draws)).to_numpy(dtype=float)
            effects.append({"metric": m, "scenario": s, **_summary(e)})
        means = wide.groupby(level="draw").mean().reindex(range(n_draws)).dropna()
        counts = Counter(tuple(tuple(g) for g in rank(dict(zip(order, row, strict=True)), order))
                         for row in means.to_numpy(dtype=float))
        n = sum(counts.values())
        orders = [{"order": [list(g) for g in key], "text": ranking_text([list(g) for g in key]),
                   "probability": c / n} for key, c in counts.items()]
        orders.sort(key=lambda o: (-o["probability"], o["text"]))
        rankings[m] = {"n_draws": n, "orders": orders}
    statuses = Store(folder).count_statuses()
    ok = statuses.get("ok", 0)
    return {"reference": ref, "scenarios": order, "metrics": metrics, "draws": n_draws,
            "seeds_per_draw": man["replications"], "credible_interval": list(CREDIBLE),
            "finding_share": FINDING_SHARE, "effects": effects, "rankings": rankings,
            "runs": {"total": man["n_runs"], "ok": ok, "failed": sum(statuses.values()) - ok}}


def rules_table(draw_rules: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The scenarios' drawn keys that do not simply take the draw (ratio, share or fixed), as JSON rows
    (:class:`sim.experiments.spec.DrawRule`; the fields are documented in ``docs/calibration.md``)."""
    return [{"scenario": s, "parameter": k, "rule": r.kind, "scenario_value": r.scenario_value,
             "reference_value": r.reference_value, "ratio_above_floor": r.ratio_above_floor,
             "share_of_way_up": r.share_of_way_up, "valid_range": [r.low, r.high]}
            for s, rules in draw_rules.items() for k, r in rules.items() if r.kind != "draw"]
