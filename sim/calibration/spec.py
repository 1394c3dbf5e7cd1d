"""The calibration spec: a TOML file that says what is calibrated, against what, and how hard.

The schema below (:class:`SpecFile` and its sections) is the one statement of every key, its
default and its valid range; ``experiments/calibration.toml`` is the documented example and
``docs/calibration.md`` the reference. In short: ``[calibration]`` (base scenario, master seed),
one ``[[parameters]]`` table per calibrated parameter (its scenario ``key``, its prior and why),
``[patterns]`` (fit and validate), ``[distance]``, ``[smc]``, ``[stopping]``, ``[predictive]``
and, in a parameter-recovery spec, ``[recovery]``.

``[calibration] simulator = "toy"`` makes a *toy spec*: the parameters are those of
:class:`sim.calibration.toy.LinearGaussian` (``a`` and ``b``, with ``[toy]`` setting its size and
noise) instead of scenario keys, for checking the sampler with ``sbc`` where the answer is known;
the base scenario, patterns and predictive settings are then read but not used.

A spec may say ``extends = "other.toml"`` and override only what differs, as scenario files do
(:mod:`sim.config`: tables merge key by key; ``[[parameters]]`` has no names, so a child's list
replaces the parent's). It is read and validated as strictly as a scenario: every error is one
:class:`InputError` naming the file that set the key, the key and what was expected.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field

from ..config import Strict, did_you_mean, load_toml, resolve_path, validate
from ..errors import InputError
from ..patterns import PATTERN_BY_ID
from ..scenario import Scenario, load_scenario
from ..targets import TARGET_BY_ID
from .abc import PRIOR_KINDS, Prior, SMCSettings, StoppingRule
from .moves import MoveSettings

PriorKind = Literal[PRIOR_KINDS]  # type: ignore[valid-type]
NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]


class CalibrationSection(Strict):
    scenario: str = Field(description="Base scenario file, relative to the spec.")
    master_seed: int = Field(0, ge=0, description="Every random stream of the calibration derives from it.")
    description: str = Field("", description="What the calibration is for.")
    simulator: Literal["model", "toy"] = Field("model", description="model (the market model) or toy (sbc checks).")


class ToySection(Strict):
    n: int = Field(10, ge=3, description="Observations of the toy (LinearGaussian).")
    sigma: float = Field(1.0, gt=0, allow_inf_nan=False, description="Noise standard deviation of the toy.")


class ParameterEntry(Strict):
    """One calibrated parameter: its scenario key path, its prior and why."""

    key: str = Field(description="Scenario key path, e.g. 'talent.base_hazard_per_month'.")
    prior: PriorKind = Field(description="uniform, loguniform or normal (truncated to [low, high]).")
    low: float | None = Field(None, description="Lower bound (required but for normal: -inf).")
    high: float | None = Field(None, description="Upper bound (required but for normal: +inf).")
    mean: float | None = Field(None, allow_inf_nan=False, description="Mean of a normal prior.")
    sd: float | None = Field(None, gt=0, allow_inf_nan=False, description="Standard deviation of a normal prior.")
    rationale: str = Field(description="Why this prior (required).")


class PatternsSection(Strict):
    holdout: str | None = Field(None, description="A hold-out file (experiments/holdout.toml): its 'fit' and "
                                                  "'validate' entries, patterns and targets, are the two sets.")
    fit: list[str] = Field([], description="Pattern or target ids used in the distance (unless holdout is given).")
    validate_: list[str] = Field([], alias="validate", description="Held-out ids (disjoint from fit).")
    also_fit: list[str] = Field([], description="With holdout only: validation entries of the hold-out that this "
                                                "calibration fits as well, so they leave its validation set (a "
                                                "sensitivity of the fit to its fitting set, reported apart).")
    split_reason: str = Field("", description="One line on why the patterns are split so.")


class DistanceSection(Strict):
    weights: dict[str, NonNegative] = Field({}, description="Fitting id -> weight (default 1).")
    cap: float = Field(math.inf, gt=0, description="Cap of each entry's scaled distance in one run.")
    pattern_scale: float = Field(1.0, gt=0, allow_inf_nan=False,
                                 description="A pattern's relative miss that counts as one unit, as one standard "
                                             "error of a target does.")


class SMCSection(Strict):
    population: int = Field(200, ge=2, description="Particles per generation.")
    replications: int = Field(2, ge=1,
                              description="Seeds per particle (weight = share of its runs within the tolerance).")
    epsilon_quantile: float = Field(0.5, gt=0, le=0.99,
                                    description="Tolerance = this weighted quantile of the previous distances.")
    kernel_scale: float = Field(2.0, gt=0, allow_inf_nan=False,
                                description="Kernel covariance = this x the weighted covariance.")
    min_batch: int = Field(20, ge=1, description="Smallest batch of proposals (keeps the workers busy).")


class MovesSection(Strict):
    steps: int = Field(MoveSettings.steps, ge=0, le=1000,
                       description="Metropolis-Hastings moves per particle after the sampler stops "
                                   "(resample-move, sim/calibration/moves.py; 0: none).")
    kernel_scale: float = Field(MoveSettings.kernel_scale, gt=0, le=10, allow_inf_nan=False,
                                description="Move proposal covariance = this x the covariance of the final "
                                            "population's particles.")


class StoppingSection(Strict):
    max_generations: int = Field(6, ge=1, description="Generations including generation 0.")
    min_epsilon: float = Field(0.0, ge=0, allow_inf_nan=False,
                               description="Stop after a generation whose tolerance is at most this.")
    min_acceptance_rate: float = Field(0.02, gt=0, le=1, description="Stop below this acceptance rate.")
    max_simulations: int = Field(50_000, ge=1, description="Do not start a generation once this many runs are spent.")
    min_epsilon_drop: float = Field(0.0, ge=0, le=1,
                                    description="Stop when the tolerance fell by less than this share.")


class PredictiveSpec(Strict):
    draws: int = Field(100, ge=1, description="Posterior-predictive draws.")
    seeds: int = Field(4, ge=1, description="Seeds per posterior-predictive draw.")
    point_estimate: Literal["best", "median", "mean"] = Field("best", description="best, median or mean.")
    candidates: int = Field(10, ge=1, description="Candidates of the 'best' point estimate.")
    point_seeds: int = Field(40, ge=1, description="Common seeds of the candidates (and of the point's scorecard).")
    refine_rounds: int = Field(0, ge=0, description="Rounds of the local search after 'best' (0: none).")
    refine_batch: int = Field(8, ge=1, description="Points per round of the local search.")
    point_within: float = Field(1.0, gt=0, le=1, description="'best' keeps its point inside each parameter's central "
                                "posterior interval of this mass (weighted quantiles (1-p)/2 and (1+p)/2, in the "
                                "sampling space): candidates are moved into it and the local search stays in it. "
                                "1: the prior's bounds only.")


class RecoverySection(Strict):
    description: str = Field("", description="What the true values are.")
    truth: Literal["prior_median"] | dict[str, float] = Field(
        "prior_median", description="\"prior_median\", or a table of key path -> true value.")
    history_seeds: int = Field(1, ge=1, description="Seeds of the synthetic history.")
    statistics: list[str] | None = Field(None, min_length=1, description="Recovery statistics (default: all).")
    scales: dict[str, Positive] = Field({}, description="Statistic -> scale (default: sim.calibration.recovery's).")
    noise_seeds: int = Field(20, ge=2, description="Seeds at the truth to measure each statistic's spread.")


class SpecFile(Strict):
    """The file's schema (after ``extends``)."""

    calibration: CalibrationSection
    parameters: list[ParameterEntry] = Field(min_length=1)
    patterns: PatternsSection
    distance: DistanceSection = DistanceSection()
    smc: SMCSection = SMCSection()
    stopping: StoppingSection = StoppingSection()
    moves: MovesSection = MovesSection()
    predictive: PredictiveSpec = PredictiveSpec()
    recovery: RecoverySection | None = None
    toy: ToySection = ToySection()


@dataclass(frozen=True)
class ParameterSpec:
    key: str
    prior: Prior
    rationale: str


@dataclass(frozen=True)
class RecoverySpec:
    truth: dict[str, float]
    truth_rule: str
    history_seeds: int
    statistics: list[str]
    scales: dict[str, float]
    noise_seeds: int


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
    simulator: str = "model"
    toy: ToySection = field(default_factory=ToySection)
    pattern_scale: float = 1.0
    moves: MoveSettings = field(default_factory=MoveSettings)

    @property
    def priors(self) -> list[Prior]:
        return [p.prior for p in self.parameters]

    @property
    def uses_targets(self) -> bool:
        """Whether a quantitative target (not only patterns) is fitted or validated."""
        return any(i in TARGET_BY_ID for i in self.fit + self.validate)

    def simulator_of(self, target_statistics: bool = False) -> Any:
        """The :class:`ModelSimulator` that returns every fitted and validated entry (and, with
        ``target_statistics``, each target's statistic, for the posterior-predictive intervals)."""
        from .simulator import ModelSimulator

        return ModelSimulator(self.scenario, targets=self.uses_targets, target_statistics=target_statistics)

    def distance(self) -> Any:
        """The one-run :class:`PatternDistance` over the fitting entries."""
        from .simulator import PatternDistance

        return PatternDistance(self.weights, self.cap,
                               {i: self.pattern_scale for i in self.weights if i in PATTERN_BY_ID})

    def identity(self) -> dict[str, Any]:
        """What defines the generations: a resumed calibration must match it exactly.

        The stopping rule, the move step (``[moves]``, run after the sampler on its final population) and the
        predictive settings are left out, so a finished calibration can
        be extended (raise ``max_generations``) or re-checked without starting again.
        """
        from .. import MODEL_VERSION
        from .abc import SCHEME

        ident = copy.deepcopy({k: self.raw.get(k) for k in ("parameters", "patterns", "distance", "smc")})
        ident["master_seed"] = self.master_seed
        ident["sampler"] = SCHEME
        if self.simulator == "toy":
            for p in ident["parameters"] or []:
                p.pop("rationale", None)
            ident["toy"] = self.toy.model_dump()
            ident.pop("patterns")
            ident.pop("distance")
            return ident
        # the calibrated parameters' own values in the base scenario do not matter (every particle
        # sets them), so they are neutralised: writing the point estimate into the base scenario
        # (--apply-to) keeps the identity, and the same command still resumes the same folder
        neutral = {}
        for p in self.parameters:
            v = p.prior.low if math.isfinite(p.prior.low) else p.prior.mean
            neutral[p.key] = int(round(v)) if p.prior.integer else float(v)
        ident["scenario_hash"] = self.scenario.with_overrides(neutral, origin=self.file).hash()
        ident["model_version"] = MODEL_VERSION
        if self.recovery is not None:
            ident["recovery"] = {"truth": self.recovery.truth, "history_seeds": self.recovery.history_seeds,
                                 "statistics": self.recovery.statistics, "scales": self.recovery.scales}
        for p in ident["parameters"] or []:
            p.pop("rationale", None)
            # a parameter's key was once spelled 'path': the identity keeps that spelling, so that
            # calibration folders made before the rename still resume
            p["path"] = p.pop("key", None)
        # the sets themselves, not how they were named (a hold-out file's path depends on the clone's folder)
        ident["patterns"] = {"fit": list(self.fit), "validate": list(self.validate)}
        return ident


# --------------------------------------------------------------------------- loading
def _rebase(data: dict[str, Any], folder: Path) -> None:
    """Make ``calibration.scenario`` and ``patterns.holdout`` absolute, relative to the file that names them."""
    for section, key in (("calibration", "scenario"), ("patterns", "holdout")):
        table = data.get(section)
        value = table.get(key) if isinstance(table, dict) else None
        if isinstance(value, str) and not Path(value).is_absolute():
            table[key] = str((folder / value).resolve())


def load_spec(path: str | Path, require_recovery: bool = False) -> CalibrationSpec:
    """Read and validate a calibration (or parameter-recovery) spec."""
    file = str(path)
    loaded = load_toml(path, rebase=_rebase)
    sf: SpecFile = validate(SpecFile, loaded.data, loaded)

    def err(key: str, expected: str) -> InputError:
        return InputError(loaded.file_of(key), key, expected)

    scenario_file = Path(sf.calibration.scenario)
    if not scenario_file.exists():
        raise err("calibration.scenario", f"file not found: {scenario_file}")
    scenario = load_scenario(scenario_file)
    toy = sf.calibration.simulator == "toy"
    parameters = [(_toy_parameter if toy else _parameter)(i, pe, scenario, err, file)
                  for i, pe in enumerate(sf.parameters)]
    if toy:
        from .toy import LinearGaussian

        missing = [k for k in LinearGaussian.PARAMETERS if k not in [p.key for p in parameters]]
        if missing:
            raise err("parameters", f"a toy spec calibrates {list(LinearGaussian.PARAMETERS)}; missing {missing}")
    keys = [p.key for p in parameters]
    for i, k in enumerate(keys):
        if k in keys[:i]:
            raise err(f"parameters.{i}.key", f"parameter '{k}' is listed twice")

    fit, validate_ = sf.patterns.fit, sf.patterns.validate_
    if sf.patterns.holdout is not None:
        if fit or validate_:
            raise err("patterns.holdout", "expected either a hold-out file or fit/validate lists, not both")
        from ..holdout import load_holdout

        ho_file = Path(sf.patterns.holdout)
        if not ho_file.exists():
            raise err("patterns.holdout", f"file not found: {ho_file}")
        holdout = load_holdout(ho_file)
        fit, validate_ = holdout.ids("fit"), holdout.ids("validate")
        for j, pid in enumerate(sf.patterns.also_fit):
            if pid not in validate_:
                raise err(f"patterns.also_fit.{j}", f"expected a validation entry of {ho_file.name} "
                                                    f"({', '.join(validate_)}), got '{pid}'")
            if pid in sf.patterns.also_fit[:j]:
                raise err(f"patterns.also_fit.{j}", f"expected each id once, got '{pid}' again")
        fit = fit + list(sf.patterns.also_fit)
        validate_ = [pid for pid in validate_ if pid not in sf.patterns.also_fit]
    elif sf.patterns.also_fit:
        raise err("patterns.also_fit", "expected also_fit only with patterns.holdout (it moves a hold-out's "
                                       "validation entries into the fitting set)")
    if not fit:
        raise err("patterns.fit", "expected at least one fitting pattern or target id (or patterns.holdout)")
    for name, ids in (("fit", fit), ("validate", validate_)):
        if not all(ids) or len(set(ids)) != len(ids):
            raise err(f"patterns.{name}", f"expected each pattern id once, such as [\"T1\", \"T2\"], got {ids!r}")
    both = sorted(set(fit) & set(validate_))
    if both:
        raise err("patterns.validate", f"expected patterns disjoint from patterns.fit; both hold {both}")
    known = list(PATTERN_BY_ID) + list(TARGET_BY_ID)
    for name, ids in (("fit", fit), ("validate", validate_)):
        for j, pid in enumerate(ids):
            if pid not in known:
                raise err(f"patterns.{name}.{j}", f"unknown pattern or target '{pid}'{did_you_mean(pid, known)}; "
                                                  f"known: {', '.join(known)}")
    for pid in sf.distance.weights:
        if pid not in fit:
            raise err(f"distance.weights.{pid}", "expected a weight only for a fitting pattern or target")
    weights = {pid: float(sf.distance.weights.get(pid, 1.0)) for pid in fit}
    if sum(weights.values()) <= 0:
        raise err("distance.weights", "expected at least one positive weight")

    smc = SMCSettings(master_seed=sf.calibration.master_seed, **sf.smc.model_dump())
    stopping = StoppingRule(**sf.stopping.model_dump())
    recovery = None
    if toy and sf.recovery is not None:
        raise err("recovery", "expected no [recovery] section in a toy spec (simulator = \"toy\")")
    if sf.recovery is not None:
        recovery = _recovery(sf.recovery, parameters, scenario, err, file)
    elif require_recovery:
        raise err("recovery", "expected a [recovery] section (truth, history_seeds, statistics) in a "
                  "parameter-recovery spec")
    raw = _jsonable({k: loaded.data.get(k) for k in ("parameters", "patterns", "distance", "smc")})
    return CalibrationSpec(file, scenario_file, scenario, sf.calibration.description, sf.calibration.master_seed,
                           parameters, list(fit), list(validate_), sf.patterns.split_reason, weights,
                           float(sf.distance.cap), smc, stopping, sf.predictive, recovery, raw,
                           sf.calibration.simulator, sf.toy, float(sf.distance.pattern_scale),
                           MoveSettings(**sf.moves.model_dump()))


def _toy_parameter(i: int, pe: ParameterEntry, scenario: Scenario, err: Any, file: str) -> ParameterSpec:
    """One ``[[parameters]]`` entry of a toy spec: ``a`` or ``b`` with a uniform prior."""
    from .toy import LinearGaussian

    where = f"parameters.{i}"
    if pe.key not in LinearGaussian.PARAMETERS:
        raise err(f"{where}.key", f"expected a toy parameter ({', '.join(LinearGaussian.PARAMETERS)}), "
                                  f"got '{pe.key}'")
    if pe.prior != "uniform":
        raise err(f"{where}.prior", "expected \"uniform\" (the toy's posterior is computed for uniform priors)")
    for name in ("low", "high"):
        v = getattr(pe, name)
        if v is None or not math.isfinite(v):
            raise err(f"{where}.{name}", f"expected a finite number, got {v!r}")
    if not pe.low < pe.high:  # type: ignore[operator]
        raise err(f"{where}.high", f"expected high > low ({pe.low}), got {pe.high}")
    return ParameterSpec(pe.key, Prior(pe.key, "uniform", float(pe.low), float(pe.high)), pe.rationale)  # type: ignore[arg-type]


def _parameter(i: int, pe: ParameterEntry, scenario: Scenario, err: Any, file: str) -> ParameterSpec:
    """Check one ``[[parameters]]`` entry against its prior's needs and the base scenario."""
    where = f"parameters.{i}"
    try:
        steps = resolve_path(scenario.to_dict(), pe.key, file)
    except InputError as exc:
        raise err(f"{where}.key", f"unknown scenario parameter '{pe.key}': {exc.key}: {exc.expected} "
                                  "(see 'python -m sim params')") from None
    current: Any = scenario.to_dict()
    for s in steps:
        current = current[s]
    if isinstance(current, bool) or not isinstance(current, (int, float)):
        raise err(f"{where}.key", f"expected a numeric scenario parameter, '{pe.key}' is {current!r}")
    if not pe.rationale.strip():
        raise err(f"{where}.rationale", "expected a non-empty reason for this prior")
    if pe.prior == "normal":
        for name in ("mean", "sd"):
            if getattr(pe, name) is None:
                raise err(f"{where}.{name}", "missing required key (a normal prior needs mean and sd)")
        low = -math.inf if pe.low is None else pe.low
        high = math.inf if pe.high is None else pe.high
        mean, sd = float(pe.mean), float(pe.sd)  # type: ignore[arg-type]
    else:
        for name in ("low", "high"):
            v = getattr(pe, name)
            if v is None:
                raise err(f"{where}.{name}", f"missing required key (a {pe.prior} prior needs low and high)")
            if not math.isfinite(v):
                raise err(f"{where}.{name}", f"expected a finite number, got {v!r}")
        low, high = float(pe.low), float(pe.high)  # type: ignore[arg-type]
        if pe.prior == "loguniform" and low <= 0:
            raise err(f"{where}.low", f"expected a value > 0 (log-uniform), got {low!r}")
        mean, sd = 0.0, 1.0
    if not low < high:
        raise err(f"{where}.high", f"expected high > low ({low}), got {high}")
    integer = isinstance(current, int)
    # both ends of the prior must be valid scenario values (names the scenario's own range)
    for name, end in (("low", low), ("high", high)):
        if math.isfinite(end):
            try:
                scenario.with_overrides({pe.key: int(round(end)) if integer else float(end)}, origin=file)
            except InputError as exc:
                raise err(f"{where}.{name}", f"prior reaches a value the scenario rejects: {exc.expected}") from None
    return ParameterSpec(pe.key, Prior(pe.key, pe.prior, low, high, mean, sd, integer), pe.rationale)


def _recovery(rec: RecoverySection, parameters: list[ParameterSpec], scenario: Scenario, err: Any,
              file: str) -> RecoverySpec:
    from .recovery import STATISTICS

    truth: dict[str, float] = {}
    if rec.truth == "prior_median":
        for ps in parameters:
            q = ps.prior.quantile(0.5)
            truth[ps.key] = int(round(q)) if ps.prior.integer else float(q)
        rule = "prior_median"
    else:
        assert isinstance(rec.truth, dict)
        for ps in parameters:
            if ps.key not in rec.truth:
                raise err(f"recovery.truth.{ps.key}", "missing: give a true value for every calibrated parameter")
            v = rec.truth[ps.key]
            if not ps.prior.low <= v <= ps.prior.high:
                raise err(f"recovery.truth.{ps.key}",
                          f"expected a value inside the prior [{ps.prior.low}, {ps.prior.high}], got {v}")
            truth[ps.key] = int(round(v)) if ps.prior.integer else float(v)
        for k in rec.truth:
            if k not in truth:
                raise err(f"recovery.truth.{k}", "expected only calibrated parameters")
        rule = "given"
    stats_list = list(rec.statistics) if rec.statistics is not None else list(STATISTICS)
    for j, s in enumerate(stats_list):
        if s not in STATISTICS:
            raise err(f"recovery.statistics.{j}", f"unknown statistic '{s}'; known: {', '.join(STATISTICS)}")
    for k in rec.scales:
        if k not in stats_list:
            raise err(f"recovery.scales.{k}", "expected a scale only for a statistic in recovery.statistics")
    scales = {s: float(rec.scales.get(s, STATISTICS[s][1])) for s in stats_list}
    scenario.with_overrides(truth, origin=file)
    return RecoverySpec(truth, rule, rec.history_seeds, stats_list, scales, rec.noise_seeds)


def _jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _jsonable(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_jsonable(v) for v in x]
    if isinstance(x, float) and math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x
