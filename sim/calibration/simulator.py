"""The bridge from the sampler to the model: parameters -> scenario -> run -> summaries -> distance.

:class:`ModelSimulator` is the ``simulate(params, seed)`` of :mod:`sim.calibration.abc` for the
market model. It sets the calibrated parameters by key path on the base scenario
(:meth:`sim.scenario.Scenario.with_overrides`), runs :func:`sim.model.run`, and returns

- ``d:<id>`` and ``p:<id>``: each pattern's distance and pass (1/0) from
  :func:`sim.patterns.evaluate` (when ``patterns`` is on);
- ``x:<name>``: the recovery statistics of :mod:`sim.calibration.recovery` (when asked for);
- ``error``: 1.0 if the model raised (the failure is recorded as data; its distance is infinite).

:class:`PatternDistance` turns one particle's replications into the calibration distance: the
weighted mean, over the fitting patterns, of each pattern's distance averaged over replications
and capped at ``cap``. :class:`StatisticDistance` is the parameter-recovery distance: the weighted
mean of ``|mean statistic - observed| / scale``.
"""

from __future__ import annotations

import math
import sys
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..scenario import Scenario

_REPORTED = False


@dataclass
class ModelSimulator:
    """Picklable ``simulate(params, seed) -> summaries`` for the market model."""

    scenario: Scenario
    patterns: bool = True
    statistics: Sequence[str] = ()
    _last_error: str = field(default="", repr=False)

    def __call__(self, params: dict[str, Any], seed: int) -> dict[str, float]:
        from ..model import run

        try:
            sc = self.scenario.with_overrides(params, origin="calibration") if params else self.scenario
            result = run(sc, int(seed))
        except Exception:  # noqa: BLE001 - a failed run is data, not a crash of the calibration
            self._last_error = traceback.format_exc(limit=6)
            global _REPORTED
            if not _REPORTED:  # once per process: say why, without stopping the calibration
                _REPORTED = True
                print(f"warning: a model run failed (params {params}, seed {seed}); it counts as infinitely far. "
                      f"First failure in this process:\n{self._last_error}", file=sys.stderr, flush=True)
            return {"error": 1.0}
        out: dict[str, float] = {"error": 0.0}
        if self.patterns:
            from ..patterns import evaluate

            for pr in evaluate(result):
                out[f"d:{pr.id}"] = float(pr.distance)
                out[f"p:{pr.id}"] = 1.0 if pr.passed else 0.0
        if self.statistics:
            from .recovery import compute_statistics

            for name, value in compute_statistics(result, self.statistics).items():
                out[f"x:{name}"] = float(value)
        return out


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else math.nan


@dataclass(frozen=True)
class PatternDistance:
    """Weighted mean over the fitting patterns of their replication-averaged distances, each capped."""

    weights: dict[str, float]
    cap: float = math.inf

    def per_pattern(self, reps: list[dict[str, float]]) -> dict[str, float]:
        out = {}
        for pid in self.weights:
            vals = [r.get(f"d:{pid}", math.nan) for r in reps]
            d = _mean([v if math.isfinite(v) else math.inf for v in vals])
            out[pid] = min(d, self.cap) if not math.isnan(d) else self.cap
        return out

    def __call__(self, reps: list[dict[str, float]]) -> float:
        if any(r.get("error", 0.0) for r in reps):
            return math.inf
        per = self.per_pattern(reps)
        total = sum(self.weights.values())
        return sum(self.weights[p] * per[p] for p in per) / total


@dataclass(frozen=True)
class StatisticDistance:
    """Weighted mean of ``|replication mean of statistic - observed| / scale`` (parameter recovery)."""

    observed: dict[str, float]
    scales: dict[str, float]

    def __call__(self, reps: list[dict[str, float]]) -> float:
        if any(r.get("error", 0.0) for r in reps):
            return math.inf
        total = 0.0
        for name, obs in self.observed.items():
            sim = _mean([r[f"x:{name}"] for r in reps])
            total += abs(sim - obs) / self.scales[name]
        return total / len(self.observed)
