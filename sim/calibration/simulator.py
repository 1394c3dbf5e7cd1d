"""The bridge from the sampler to the model: parameters -> scenario -> run -> summaries -> distance.

:class:`ModelSimulator` is the ``simulate(params, seed)`` of :mod:`sim.calibration.abc` for the
market model. It sets the calibrated parameters by key path on the base scenario
(:meth:`sim.scenario.Scenario.with_overrides`), runs :func:`sim.model.run`, and returns

- ``d:<id>`` and ``p:<id>``: each pattern's distance and pass (1/0) from
  :func:`sim.patterns.evaluate` (when ``patterns`` is on), and each quantitative target's distance
  (its deviance residual, :mod:`sim.targets`) and whether it holds, under the target's id (when
  ``targets`` is on; a skipped or not-applicable target has no key);
- ``s:<id>``: each such target's statistic on one numeric scale (:func:`sim.targets.as_number`: a
  month as its count, a date that never came as +inf), when ``target_statistics`` is on (the
  posterior predictive's intervals; the sampler does not ask for them);
- ``x:<name>``: the recovery statistics of :mod:`sim.calibration.recovery` (when asked for);
- ``error``: 1.0 if the model raised (the failure is recorded as data; its distance is infinite).

A *distance* is any callable from one replication's summaries to a non-negative float (the
sampler, :mod:`sim.calibration.abc`, combines replications itself, through the share within
the tolerance). Two are defined here:

- :class:`StandardisedDistance` (the continuous default, used by ``recover`` and ``sbc``): the
  root mean square of ``(summary - observed) / scale`` over the named summaries;
- :class:`PatternDistance` (``calibrate`` against the article and the period's numbers): the
  weighted mean over the fitting entries (patterns and targets) of each entry's distance divided
  by its scale, capped at ``cap``; an entry without a distance in a run counts as ``cap``. A
  pattern's distance is 0 anywhere inside its band (flat there); a target's is its deviance
  residual, continuous everywhere (0 only at the observed value), so with targets in the fitting
  set the distance ranks runs inside the bands.
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
    targets: bool = False
    statistics: Sequence[str] = ()
    target_statistics: bool = False
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
        if self.targets:
            from ..targets import as_number, evaluate_targets

            for tr in evaluate_targets(result):
                if tr.distance is not None:
                    out[f"d:{tr.id}"] = float(tr.distance)
                    out[f"p:{tr.id}"] = 1.0 if tr.holds else 0.0
                    if self.target_statistics:
                        out[f"s:{tr.id}"] = as_number(tr.statistic)
        if self.statistics:
            from .recovery import compute_statistics

            for name, value in compute_statistics(result, self.statistics).items():
                out[f"x:{name}"] = float(value)
        return out


@dataclass(frozen=True)
class PatternDistance:
    """Weighted mean over the fitting entries of one run's distances over their scales, each capped at ``cap``.

    ``scales`` maps an entry id to the distance that counts as one unit (default 1: a target's
    deviance residual is already in standard errors; a pattern's relative miss is divided by the
    spec's ``pattern_scale``)."""

    weights: dict[str, float]
    cap: float = math.inf
    scales: dict[str, float] = field(default_factory=dict)

    def per_pattern(self, summaries: dict[str, float]) -> dict[str, float]:
        out = {}
        for pid in self.weights:
            v = summaries.get(f"d:{pid}", math.nan) / self.scales.get(pid, 1.0)
            out[pid] = min(v, self.cap) if not math.isnan(v) else self.cap
        return out

    def __call__(self, summaries: dict[str, float]) -> float:
        if summaries.get("error", 0.0):
            return math.inf
        per = self.per_pattern(summaries)
        total = sum(self.weights.values())
        return sum(self.weights[p] * per[p] for p in per) / total


@dataclass(frozen=True)
class StandardisedDistance:
    """``sqrt(mean_k ((summary_k - observed_k) / scale_k)**2)`` over the observed summaries.

    ``observed`` and ``scales`` are keyed by summary name as :class:`ModelSimulator` (``x:NAME``)
    or the toy models return them; ``prefix`` is prepended to the keys (``"x:"`` for recovery
    statistics). A scale is the size of one meaningful difference, ideally the summary's
    seed-to-seed spread. Continuous: it ranks runs inside any band.
    """

    observed: dict[str, float]
    scales: dict[str, float]
    prefix: str = ""

    def __post_init__(self) -> None:
        for k in self.observed:
            if not self.scales.get(k, 0) > 0:
                raise ValueError(f"StandardisedDistance: summary {k!r} needs a positive scale")

    def __call__(self, summaries: dict[str, float]) -> float:
        if summaries.get("error", 0.0):
            return math.inf
        total = 0.0
        for name, obs in self.observed.items():
            total += ((summaries[self.prefix + name] - obs) / self.scales[name]) ** 2
        return math.sqrt(total / len(self.observed))
