"""The calibration spec: a TOML file that says what is calibrated, against what, and how hard.

Sections (``experiments/calibration.toml`` is the documented example; ``docs/calibration.md`` the
reference):

``[calibration]``  ``scenario`` (base scenario file, relative to the spec), ``master_seed``,
                   ``description``.
``[[parameters]]`` one per uncertain parameter: ``path`` (scenario key path), ``prior``
                   (``uniform``, ``loguniform`` or ``normal``), ``low``/``high`` (and ``mean``/``sd``
                   for ``normal``), ``rationale`` (required: why this prior).
``[patterns]``     ``fit`` and ``validate`` (pattern ids; disjoint), ``split_reason``.
``[distance]``     ``weights`` (pattern id -> weight, default 1), ``cap`` (each pattern's distance
                   is capped at this before averaging).
``[smc]``          ``population``, ``replications``, ``epsilon_quantile``, ``kernel_scale``,
                   ``min_batch``.
``[stopping]``     ``max_generations``, ``min_epsilon``, ``min_acceptance_rate``,
                   ``max_simulations``, ``min_epsilon_drop``.
``[predictive]``   ``draws``, ``seeds`` (posterior-predictive check), ``point_estimate``
                   (``best``, ``median`` or ``mean``), ``candidates``, ``point_seeds``,
                   ``refine_rounds``, ``refine_batch`` (local search from the best candidate).
``[recovery]``     (parameter-recovery specs only) ``truth`` (``"prior_median"`` or a table of
                   path -> value), ``history_seeds``, ``statistics``, ``scales`` and
                   ``noise_seeds`` (seeds at the truth to measure each statistic's spread).

A spec may say ``extends = "other.toml"`` and override only what differs (tables merge key by
key), as scenario files do. Every error is an :class:`InputError` naming the file, the key and
what was expected.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..scenario import Scenario, load_scenario, merge, read_toml_file
from .abc import PRIOR_KINDS, Prior, SMCSettings, StoppingRule

POINT_ESTIMATES = ("best", "median", "mean")

_SECTIONS = {
    "calibration": {"scenario", "master_seed", "description"},
    "parameters": None,
    "patterns": {"fit", "validate", "split_reason"},
    "distance": {"weights", "cap"},
    "smc": {"population", "replications", "epsilon_quantile", "kernel_scale", "min_batch"},
    "stopping": {"max_generations", "min_epsilon", "min_acceptance_rate", "max_simulations", "min_epsilon_drop"},
    "predictive": {"draws", "seeds", "point_estimate", "candidates", "point_seeds", "refine_rounds", "refine_batch"},
    "recovery": {"truth", "history_seeds", "statistics", "scales", "noise_seeds", "description"},
}
_PARAM_KEYS = {"path", "prior", "low", "high", "mean", "sd", "rationale"}


@dataclass(frozen=True)
class ParameterSpec:
    path: str
    prior: Prior
    rationale: str


@dataclass(frozen=True)
class PredictiveSpec:
    draws: int = 100
    seeds: int = 4
    point_estimate: str = "best"
    candidates: int = 10
    point_seeds: int = 40
    refine_rounds: int = 0
    refine_batch: int = 8


@dataclass(frozen=True)
class RecoverySpec:
    truth: dict[str, float]
    truth_rule: str
    history_seeds: int
    statistics: list[str]
    scales: dict[str, float]
    noise_seeds: int = 20


@dataclass(frozen=True)
class CalibrationSpec:
    """A validated calibration spec (see the module docstring)."""

    file: str
    scenario_file: Path
    scenario: Scenario
    description: str
    master_seed: int
    parameters: list[ParameterSpec]
    fit: list[str]
    validate: list[str]
    split_reason: str
    weights: dict[str, float]
    cap: float
    smc: SMCSettings
    stopping: StoppingRule
    predictive: PredictiveSpec
    recovery: RecoverySpec | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def priors(self) -> list[Prior]:
        return [p.prior for p in self.parameters]

    def identity(self) -> dict[str, Any]:
        """What defines the generations: a resumed calibration must match it exactly.

        The stopping rule and the predictive settings are left out, so a finished calibration can
        be extended (raise ``max_generations``) or re-checked without starting again.
        """
        import copy

        from .. import MODEL_VERSION

        ident = copy.deepcopy({k: self.raw.get(k) for k in ("parameters", "patterns", "distance", "smc")})
        ident["master_seed"] = self.master_seed
        # the calibrated parameters' own values in the base scenario do not matter (every particle
        # sets them), so they are neutralised: writing the point estimate into the base scenario
        # (--apply-to) keeps the identity, and the same command still resumes the same folder
        neutral = {}
        for p in self.parameters:
            v = p.prior.low if math.isfinite(p.prior.low) else p.prior.mean
            neutral[p.path] = int(round(v)) if p.prior.integer else float(v)
        ident["scenario_hash"] = self.scenario.with_overrides(neutral, origin=self.file).hash()
        ident["model_version"] = MODEL_VERSION
        if self.recovery is not None:
            ident["recovery"] = {"truth": self.recovery.truth, "history_seeds": self.recovery.history_seeds,
                                 "statistics": self.recovery.statistics, "scales": self.recovery.scales}
        for p in ident["parameters"] or []:
            p.pop("rationale", None)
        ident["patterns"] = {k: v for k, v in (ident["patterns"] or {}).items() if k != "split_reason"}
        return ident


# --------------------------------------------------------------------------- reading
def _read(path: Path, chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    if path in chain:
        raise InputError(str(chain[-1]), "extends", "expected no cycle of extends")
    data = read_toml_file(path, str(path), referrer=(str(chain[-1]), "extends") if chain else None)
    parent = data.pop("extends", None)
    if parent is None:
        _rebase(data, path.parent)
        return data
    if not isinstance(parent, str):
        raise InputError(str(path), "extends", f"expected a file path string, got {parent!r}")
    ppath = Path(parent) if Path(parent).is_absolute() else path.parent / parent
    base = _read(ppath.resolve(), (*chain, path))
    _rebase(data, path.parent)
    return merge(base, data)


def _rebase(data: dict[str, Any], folder: Path) -> None:
    """Make ``calibration.scenario`` absolute, relative to the file that names it."""
    sc = data.get("calibration", {}).get("scenario") if isinstance(data.get("calibration"), dict) else None
    if isinstance(sc, str) and not Path(sc).is_absolute():
        data["calibration"]["scenario"] = str((folder / sc).resolve())


class _Checker:
    def __init__(self, file: str) -> None:
        self.file = file

    def err(self, key: str, expected: str) -> InputError:
        return InputError(self.file, key, expected)

    def table(self, data: dict[str, Any], key: str, allowed: set[str] | None) -> dict[str, Any]:
        v = data.get(key, {})
        if not isinstance(v, dict):
            raise self.err(key, f"expected a table [{key}]")
        if allowed is not None:
            for k in v:
                if k not in allowed:
                    import difflib
                    near = difflib.get_close_matches(k, sorted(allowed), n=1)
                    hint = f" (did you mean '{near[0]}'?)" if near else ""
                    raise self.err(f"{key}.{k}", f"unknown key{hint}; valid keys: {', '.join(sorted(allowed))}")
        return v

    def number(self, d: dict[str, Any], key: str, where: str, default: Any = None, lo: float | None = None,
               hi: float | None = None, integer: bool = False, lo_open: bool = False) -> Any:
        full = f"{where}.{key}"
        if key not in d:
            if default is None:
                raise self.err(full, "missing required key")
            return default
        v = d[key]
        ok = isinstance(v, int) if integer else isinstance(v, (int, float))
        if isinstance(v, bool) or not ok:
            raise self.err(full, f"expected {'an integer' if integer else 'a number'}, got {v!r}")
        if isinstance(v, float) and not math.isfinite(v) and not (key in ("low", "high") and math.isinf(v)):
            raise self.err(full, f"expected a finite number, got {v!r}")
        if lo is not None and (v <= lo if lo_open else v < lo):
            raise self.err(full, f"expected a value {'>' if lo_open else '>='} {lo}, got {v!r}")
        if hi is not None and v > hi:
            raise self.err(full, f"expected a value <= {hi}, got {v!r}")
        return int(v) if integer else float(v)

    def string(self, d: dict[str, Any], key: str, where: str, default: str | None = None) -> str:
        if key not in d:
            if default is None:
                raise self.err(f"{where}.{key}", "missing required key")
            return default
        if not isinstance(d[key], str):
            raise self.err(f"{where}.{key}", f"expected a string, got {d[key]!r}")
        return d[key]

    def id_list(self, d: dict[str, Any], key: str, where: str) -> list[str]:
        v = d.get(key)
        if not isinstance(v, list) or not all(isinstance(x, str) and x for x in v):
            raise self.err(f"{where}.{key}", f"expected a list of pattern ids such as [\"T1\", \"T2\"], got {v!r}")
        if len(set(v)) != len(v):
            raise self.err(f"{where}.{key}", "expected each pattern id once")
        return list(v)


def load_spec(path: str | Path, require_recovery: bool = False) -> CalibrationSpec:
    """Read and validate a calibration (or parameter-recovery) spec."""
    p = Path(path)
    file = str(path)
    data = _read(p.resolve())
    c = _Checker(file)
    for key in data:
        if key not in _SECTIONS:
            raise c.err(key, f"unknown section; valid sections: {', '.join(_SECTIONS)}")
    cal = c.table(data, "calibration", _SECTIONS["calibration"])
    if "scenario" not in cal:
        raise c.err("calibration.scenario", "missing required key: the base scenario file")
    scenario_file = Path(c.string(cal, "scenario", "calibration"))
    if not scenario_file.exists():
        raise c.err("calibration.scenario", f"file not found: {scenario_file}")
    scenario = load_scenario(scenario_file)
    master_seed = c.number(cal, "master_seed", "calibration", 0, lo=0, integer=True)

    # parameters
    params_raw = data.get("parameters")
    if not isinstance(params_raw, list) or not params_raw or not all(isinstance(x, dict) for x in params_raw):
        raise c.err("parameters", "expected at least one [[parameters]] table")
    parameters: list[ParameterSpec] = []
    seen: set[str] = set()
    base = scenario.to_dict()
    for i, pr in enumerate(params_raw):
        where = f"parameters.{i}"
        for k in pr:
            if k not in _PARAM_KEYS:
                raise c.err(f"{where}.{k}", f"unknown key; valid keys: {', '.join(sorted(_PARAM_KEYS))}")
        ppath = c.string(pr, "path", where)
        if ppath in seen:
            raise c.err(f"{where}.path", f"parameter '{ppath}' is listed twice")
        seen.add(ppath)
        current = _lookup(base, ppath, file, f"{where}.path")
        if isinstance(current, bool) or not isinstance(current, (int, float)):
            raise c.err(f"{where}.path", f"expected a numeric scenario parameter, '{ppath}' is {current!r}")
        kind = c.string(pr, "prior", where)
        if kind not in PRIOR_KINDS:
            raise c.err(f"{where}.prior", f"expected one of {', '.join(PRIOR_KINDS)}, got {kind!r}")
        rationale = c.string(pr, "rationale", where)
        if not rationale.strip():
            raise c.err(f"{where}.rationale", "expected a non-empty reason for this prior")
        if kind == "normal":
            mean = c.number(pr, "mean", where)
            sd = c.number(pr, "sd", where, lo=0, lo_open=True)
            low = c.number(pr, "low", where, -math.inf)
            high = c.number(pr, "high", where, math.inf)
        else:
            low = c.number(pr, "low", where, lo=0, lo_open=True) if kind == "loguniform" else c.number(pr, "low", where)
            high = c.number(pr, "high", where)
            mean, sd = 0.0, 1.0
        if not low < high:
            raise c.err(f"{where}.high", f"expected high > low ({low}), got {high}")
        integer = isinstance(current, int)
        prior = Prior(ppath, kind, low, high, mean, sd, integer)
        # both ends of the prior must be valid scenario values (names the scenario's own range)
        for end in (low, high):
            if math.isfinite(end):
                v = int(round(end)) if integer else float(end)
                try:
                    scenario.with_overrides({ppath: v}, origin=file)
                except InputError as exc:
                    raise c.err(f"{where}.{'low' if end == low else 'high'}",
                                f"prior reaches a value the scenario rejects: {exc.expected}") from None
        parameters.append(ParameterSpec(ppath, prior, rationale))

    # patterns and distance
    pat = c.table(data, "patterns", _SECTIONS["patterns"])
    if "fit" not in pat:
        raise c.err("patterns.fit", "missing required key: the pattern ids used for fitting")
    fit = c.id_list(pat, "fit", "patterns")
    if not fit:
        raise c.err("patterns.fit", "expected at least one pattern to fit")
    validate = c.id_list(pat, "validate", "patterns") if "validate" in pat else []
    both = sorted(set(fit) & set(validate))
    if both:
        raise c.err("patterns.validate", f"expected patterns disjoint from patterns.fit; both hold {both}")
    known = _known_pattern_ids()
    if known is not None:
        for key, ids in (("fit", fit), ("validate", validate)):
            for j, pid in enumerate(ids):
                if pid not in known:
                    raise c.err(f"patterns.{key}.{j}", f"unknown pattern '{pid}'; known: {', '.join(known)}")
    split_reason = c.string(pat, "split_reason", "patterns", "")
    dist = c.table(data, "distance", _SECTIONS["distance"])
    weights_raw = dist.get("weights", {})
    if not isinstance(weights_raw, dict):
        raise c.err("distance.weights", "expected a table of pattern id -> weight")
    weights = {}
    for pid in fit:
        weights[pid] = c.number(weights_raw, pid, "distance.weights", 1.0, lo=0)
    for pid in weights_raw:
        if pid not in fit:
            raise c.err(f"distance.weights.{pid}", "expected a weight only for a pattern in patterns.fit")
    if sum(weights.values()) <= 0:
        raise c.err("distance.weights", "expected at least one positive weight")
    cap = c.number(dist, "cap", "distance", math.inf, lo=0, lo_open=True)

    smc_t = c.table(data, "smc", _SECTIONS["smc"])
    try:
        smc = SMCSettings(
            population=c.number(smc_t, "population", "smc", 200, lo=2, integer=True),
            replications=c.number(smc_t, "replications", "smc", 2, lo=1, integer=True),
            epsilon_quantile=c.number(smc_t, "epsilon_quantile", "smc", 0.5, lo=0, hi=0.99, lo_open=True),
            kernel_scale=c.number(smc_t, "kernel_scale", "smc", 2.0, lo=0, lo_open=True),
            master_seed=master_seed,
            min_batch=c.number(smc_t, "min_batch", "smc", 20, lo=1, integer=True))
    except ValueError as exc:  # pragma: no cover - the checks above come first
        raise c.err("smc", str(exc)) from None
    st = c.table(data, "stopping", _SECTIONS["stopping"])
    stopping = StoppingRule(
        max_generations=c.number(st, "max_generations", "stopping", 6, lo=1, integer=True),
        min_epsilon=c.number(st, "min_epsilon", "stopping", 0.0, lo=0),
        min_acceptance_rate=c.number(st, "min_acceptance_rate", "stopping", 0.02, lo=0, hi=1, lo_open=True),
        max_simulations=c.number(st, "max_simulations", "stopping", 50_000, lo=1, integer=True),
        min_epsilon_drop=c.number(st, "min_epsilon_drop", "stopping", 0.0, lo=0, hi=1))
    pr_t = c.table(data, "predictive", _SECTIONS["predictive"])
    point = c.string(pr_t, "point_estimate", "predictive", "best")
    if point not in POINT_ESTIMATES:
        raise c.err("predictive.point_estimate", f"expected one of {', '.join(POINT_ESTIMATES)}, got {point!r}")
    predictive = PredictiveSpec(
        draws=c.number(pr_t, "draws", "predictive", 100, lo=1, integer=True),
        seeds=c.number(pr_t, "seeds", "predictive", 4, lo=1, integer=True),
        point_estimate=point,
        candidates=c.number(pr_t, "candidates", "predictive", 10, lo=1, integer=True),
        point_seeds=c.number(pr_t, "point_seeds", "predictive", 40, lo=1, integer=True),
        refine_rounds=c.number(pr_t, "refine_rounds", "predictive", 0, lo=0, integer=True),
        refine_batch=c.number(pr_t, "refine_batch", "predictive", 8, lo=1, integer=True))

    recovery = None
    if "recovery" in data:
        recovery = _recovery(c, data, parameters, scenario)
    elif require_recovery:
        raise c.err("recovery", "expected a [recovery] section (truth, history_seeds, statistics) in a "
                    "parameter-recovery spec")
    raw = {k: data.get(k) for k in ("parameters", "patterns", "distance", "smc")}
    raw = _jsonable(raw)
    return CalibrationSpec(file, scenario_file, scenario, c.string(cal, "description", "calibration", ""),
                           master_seed, parameters, fit, validate, split_reason, weights, cap, smc, stopping,
                           predictive, recovery, raw)


def _recovery(c: _Checker, data: dict[str, Any], parameters: list[ParameterSpec], scenario: Scenario) -> RecoverySpec:
    from .recovery import STATISTICS

    rec = c.table(data, "recovery", _SECTIONS["recovery"])
    truth_raw = rec.get("truth", "prior_median")
    truth: dict[str, float] = {}
    if isinstance(truth_raw, str):
        if truth_raw != "prior_median":
            raise c.err("recovery.truth", f"expected \"prior_median\" or a table of path -> value, got {truth_raw!r}")
        for ps in parameters:
            q = ps.prior.quantile(0.5)
            truth[ps.path] = int(round(q)) if ps.prior.integer else float(q)
        rule = "prior_median"
    elif isinstance(truth_raw, dict):
        for ps in parameters:
            if ps.path not in truth_raw:
                raise c.err(f"recovery.truth.{ps.path}", "missing: give a true value for every calibrated parameter")
            v = c.number(truth_raw, ps.path, "recovery.truth")
            if not ps.prior.low <= v <= ps.prior.high:
                raise c.err(f"recovery.truth.{ps.path}",
                            f"expected a value inside the prior [{ps.prior.low}, {ps.prior.high}], got {v}")
            truth[ps.path] = int(round(v)) if ps.prior.integer else v
        for k in truth_raw:
            if k not in truth:
                raise c.err(f"recovery.truth.{k}", "expected only calibrated parameters")
        rule = "given"
    else:
        raise c.err("recovery.truth", f"expected \"prior_median\" or a table of path -> value, got {truth_raw!r}")
    history_seeds = c.number(rec, "history_seeds", "recovery", 1, lo=1, integer=True)
    stats_list = rec.get("statistics", list(STATISTICS))
    if not isinstance(stats_list, list) or not stats_list or not all(isinstance(s, str) for s in stats_list):
        raise c.err("recovery.statistics", "expected a non-empty list of statistic names")
    for j, s in enumerate(stats_list):
        if s not in STATISTICS:
            raise c.err(f"recovery.statistics.{j}", f"unknown statistic '{s}'; known: {', '.join(STATISTICS)}")
    scales_raw = rec.get("scales", {})
    if not isinstance(scales_raw, dict):
        raise c.err("recovery.scales", "expected a table of statistic -> scale")
    scales = {s: c.number(scales_raw, s, "recovery.scales", STATISTICS[s][1], lo=0, lo_open=True) for s in stats_list}
    for k in scales_raw:
        if k not in stats_list:
            raise c.err(f"recovery.scales.{k}", "expected a scale only for a statistic in recovery.statistics")
    scenario.with_overrides(truth, origin=c.file)
    noise_seeds = c.number(rec, "noise_seeds", "recovery", 20, lo=2, integer=True)
    return RecoverySpec(truth, rule, history_seeds, list(stats_list), scales, noise_seeds)


def _lookup(data: Any, path: str, file: str, key: str) -> Any:
    node = data
    for part in path.split("."):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise InputError(file, key, f"unknown scenario parameter '{path}' (see 'python -m sim params')")
    return node


def _known_pattern_ids() -> list[str] | None:
    """Ids of the patterns :mod:`sim.patterns` defines, or ``None`` if it cannot say."""
    try:
        from .. import patterns
    except ImportError:
        return None
    for name in ("PATTERN_IDS", "PATTERNS"):
        reg = getattr(patterns, name, None)
        if isinstance(reg, dict):
            return [str(k) for k in reg]
        if isinstance(reg, (list, tuple)) and reg:
            return [str(getattr(x, "id", x)) for x in reg]
    return None


def _jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _jsonable(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_jsonable(v) for v in x]
    if isinstance(x, float) and math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x
