"""Experiment specs: a TOML file that says what to vary, how, how often, and what to keep.

A spec is validated as strictly as a scenario: an unknown key, a parameter path the scenario
does not have, a range outside the parameter's valid range, a design that lacks what it needs
or an unknown metric is one :class:`sim.errors.InputError` naming the file, the key and what was
expected. See ``docs/experiments.md`` for the format; in short::

    name = "os_x_capital"
    scenario = "../scenarios/baseline.toml"    # or: model = "sim.testfunctions:ishigami"
    replications = 10
    seed = 20250601
    [design]
    method = "grid"                              # grid | list | oat | lhs | sobol | morris | scenarios
    [[parameters]]
    key = "open_source.release_gap_scale"
    values = [0.5, 1.0, 2.0]
    [outputs]
    metrics = ["foundation_2027_12", "alive_end"]
    monthly = false
    events = false
"""

from __future__ import annotations

import copy
import glob
import importlib
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import Field

from .. import MODEL_VERSION
from ..config import Loaded, Strict, canonical_hash, did_you_mean, get_path, load_toml, valid_range, validate
from ..errors import InputError
from .metrics import DEFAULT_METRICS, METRICS
from .relative import Relative
from .store import RESERVED

Method = Literal["grid", "list", "oat", "lhs", "sobol", "morris", "scenarios"]
#: Designs that sample a box of continuous ranges (each parameter needs ``range``).
SAMPLED = ("lhs", "sobol", "morris")
#: Name of the runs-table column that holds the scenario of a ``scenarios`` design.
SCENARIO_COLUMN = "scenario"
#: Name of the runs-table column that says which parameter a one-at-a-time point varies.
OAT_COLUMN = "oat_parameter"
#: Name of the runs-table column that holds the draw (0-based) of a ``scenarios`` design with ``draws``.
DRAW_COLUMN = "draw"
#: Runs-table columns a design adds beside its parameters (never scenario overrides).
DESIGN_COLUMNS = frozenset({SCENARIO_COLUMN, OAT_COLUMN, DRAW_COLUMN})
#: Appended to a spec's name when ``--posterior`` narrows its ranges (another experiment, so
#: another default results folder).
POSTERIOR_SUFFIX = "_posterior"


class ParameterSpec(Strict):
    """One varied parameter: a scenario key path (or a test-function argument) and its values."""

    key: str = Field(description="Scenario key path, e.g. 'capital.sentiment_base' (or a function argument).")
    name: str = Field("", description="Short label for tables and figures (default: the key).")
    values: list[float | int | bool | str] | None = Field(None, description="Explicit values (grid, oat).")
    range: list[float] | None = Field(None, min_length=2, max_length=2,
                                      description="[low, high] in the parameter's unit.")
    relative: list[float] | None = Field(
        None, min_length=2, max_length=2,
        description="Range as multiples of the base scenario's value, e.g. [0.5, 2.0]; follows the baseline "
                    "when it is retuned.")
    steps: int | None = Field(None, ge=2, le=10000, description="Evenly spaced values over range (grid, oat).")
    log: bool = Field(False, description="Space values / sample uniformly in log10 of the range.")
    base: float | int | bool | str | None = Field(
        None, description="Value at the base point (oat with a test function; default: the scenario's value).")

    @property
    def label(self) -> str:
        return self.name or self.key


class DesignSpec(Strict):
    method: Method = Field(description="grid, list, oat, lhs, sobol, morris or scenarios.")
    samples: int | None = Field(None, ge=1, le=10_000_000,
                                description="lhs: points; sobol: base samples N (N*(D+2) points); "
                                            "morris: trajectories (r*(D+1) points).")
    second_order: bool = Field(False, description="sobol: also second-order indices (N*(2D+2) points).")
    levels: int = Field(4, ge=2, le=100, description="morris: grid levels.")
    points: list[dict[str, float | int | bool | str]] = Field(
        [], description="list: explicit points, each a table of key path -> value.")
    scenarios: list[str] = Field([], description="scenarios: scenario files (globs allowed), relative to the spec.")
    draws: list[dict[str, float | int]] = Field(
        [], description="scenarios: parameter draws (e.g. resampled from a posterior), each a table of key path -> "
                        "value; every scenario runs at every draw, a scenario that sets a drawn key to another "
                        "value than the first scenario's applies it relative to the draw (see draw_rules).")


#: Per-run wall-time limit when a spec sets none (seconds): 1000x a market-model run of 2023-2027
#: (about 1-4 s), so only a hung run reaches it; ``time_limit_seconds = 0`` disables it.
DEFAULT_TIME_LIMIT_S = 3600.0


class OutputSpec(Strict):
    metrics: list[str] | None = Field(None, description="Scalar metrics per run (default: all).")
    monthly: bool = Field(False, description="Keep the monthly model table of every run.")
    events: bool = Field(False, description="Keep the event log of every run.")


class EffectsFile(Strict):
    """``[effects]``: sensitivity of counterfactual effects (see :mod:`.effects`)."""

    reference: str = Field(description="Reference scenario file, relative to the spec (the base of the design).")
    counterfactuals: list[str] = Field(min_length=1, description="Counterfactual scenario files, relative to the spec.")
    outcomes: list[str] = Field(min_length=1, description="Metrics whose effect (counterfactual - reference) is "
                                                          "analysed.")


class SpecFile(Strict):
    """The file's schema (before paths are resolved)."""

    name: str = ""
    description: str = ""
    scenario: str = ""
    model: str = ""
    parameters_from: str = Field("", description="Calibration spec whose [[parameters]] priors are the sampled "
                                                 "ranges (sampled designs; instead of [[parameters]]).")
    effects: EffectsFile | None = None
    replications: int = Field(1, ge=1, le=1_000_000)
    seed: int = Field(0, ge=0, le=2**63 - 1)
    crn: bool = Field(False, description="Common random numbers: replication r has the same seed at every point.")
    time_limit_seconds: float = Field(DEFAULT_TIME_LIMIT_S, ge=0.0,
                                      description="Per-run wall-time limit in seconds (0 = none).")
    fixed: dict[str, float | int | bool | str | list[str]] = {}  # a list: e.g. schedule.order
    design: DesignSpec
    parameters: list[ParameterSpec] = []
    outputs: OutputSpec = OutputSpec()


DrawKind = Literal["draw", "ratio", "share", "fixed"]


@dataclass(frozen=True)
class DrawRule:
    """How one scenario applies one drawn parameter (see :func:`draw_rules`).

    ``kind`` is ``"draw"`` (the scenario has the reference's value: the drawn value is used),
    ``"ratio"`` or ``"share"`` (the scenario sets another value, applied relative to the draw by
    the rule ``relative`` of :mod:`sim.experiments.relative`, the one an ``[effects]`` design
    uses: a lowered key keeps its ratio above the key's lowest valid value, a raised one moves
    the same share of the way up to its highest; the value stays valid, nothing is clipped) or
    ``"fixed"`` (the reference's value is the key's floor and the scenario's leaves no share to
    move: no ratio exists, so the scenario's own value is used). ``low``/``high`` are the key's
    valid range (None where unbounded). Values are in the parameter's unit.
    """

    kind: DrawKind
    scenario_value: float | int
    reference_value: float | int
    low: float | int | None = None
    high: float | int | None = None
    relative: Relative | None = None

    @property
    def ratio_above_floor(self) -> float | None:
        """(scenario - floor) / (reference - floor), dimensionless (None unless ``kind == "ratio"``)."""
        return self.relative.factor if self.kind == "ratio" and self.relative is not None else None

    @property
    def share_of_way_up(self) -> float | None:
        """(scenario - reference) / (ceiling - reference), dimensionless (None unless ``kind == "share"``)."""
        return self.relative.factor if self.kind == "share" and self.relative is not None else None

    def apply(self, drawn: float | int) -> float | int:
        """The value this scenario runs at for a draw's ``drawn`` value (integers are rounded)."""
        if self.kind == "draw":
            value: float | int = drawn
        elif self.relative is not None:
            value = self.relative.at(drawn)
        else:
            value = self.scenario_value
        return coerce(value, self.scenario_value)


def draw_rules(scenarios: dict[str, Any], keys: list[str], origin: str) -> dict[str, dict[str, DrawRule]]:
    """Per scenario and drawn key, the rule that turns a draw's value into the scenario's value.

    The first scenario is the reference; every drawn key must be a numeric parameter of it.
    A scenario with the reference's value takes the draw; one that sets another value applies it
    relative to the draw (:mod:`sim.experiments.relative`: ``talent_retention`` sets a third of
    the baseline's departure hazard, so under every draw it runs at a third of the draw's); one
    for which no ratio exists keeps its own value. Raises :class:`InputError` naming ``origin``
    and the key for a key that is not a numeric parameter of the reference.
    """
    ref = next(iter(scenarios.values()))
    ref_values = ref.to_dict()
    rules: dict[str, dict[str, DrawRule]] = {}
    for k in keys:
        rv = get_path(ref_values, k)
        if rv is None:
            ref.with_overrides({k: 0}, origin=origin)  # raises: unknown key, with a suggestion
        if isinstance(rv, bool) or not isinstance(rv, (int, float)):
            raise InputError(origin, k, f"expected a numeric parameter of scenario '{ref.name}', got {rv!r}")
    bounds = {k: valid_range(ref, k) for k in keys}
    for name, sc in scenarios.items():
        values = sc.to_dict()
        rules[name] = {}
        for k in keys:
            rv, sv = get_path(ref_values, k), get_path(values, k)
            rel = None if sv == rv else Relative.of(rv, sv, *bounds[k])
            kind: DrawKind = "draw" if sv == rv else ("fixed" if rel is None else rel.kind)
            rules[name][k] = DrawRule(kind, sv, rv, *bounds[k], relative=rel)
    return rules


def _check_draws(draws: list[dict[str, Any]], scenarios: dict[str, Any], origin: str) -> dict[str, dict[str, DrawRule]]:
    """Every draw names the same keys and gives every scenario valid values; returns the rules."""
    keys = list(draws[0])
    if not keys:
        raise InputError(origin, "design.draws.0", "expected at least one key path = value")
    for j, d in enumerate(draws):
        if list(d) != keys:
            raise InputError(origin, f"design.draws.{j}", f"expected the keys of the first draw {keys}, got {list(d)}")
    reserved = RESERVED | DESIGN_COLUMNS
    for k in keys:
        if k in reserved:
            raise InputError(origin, "design.draws", f"'{k}' is reserved for a runs-table column")
    rules = draw_rules(scenarios, keys, origin)
    for j, d in enumerate(draws):
        for name, sc in scenarios.items():
            try:
                sc.with_overrides({k: rules[name][k].apply(v) for k, v in d.items()}, origin=origin)
            except InputError as exc:
                raise InputError(origin, f"design.draws.{j}", f"scenario '{name}': {exc.key}: {exc.expected}") from None
    return rules


@dataclass(frozen=True)
class ExperimentSpec:
    """A validated experiment: the file's content with paths resolved and scenarios loaded."""

    file: str
    name: str
    description: str
    model: str                              # "" = the market model, else "module:function"
    replications: int
    seed: int
    crn: bool
    time_limit_seconds: float
    fixed: dict[str, Any]
    design: DesignSpec
    parameters: list[ParameterSpec]
    metrics: list[str]
    monthly: bool
    events: bool
    base: Any = None                        # sim.scenario.Scenario for the market model
    scenarios: dict[str, Any] = field(default_factory=dict)  # label -> Scenario (method "scenarios")
    draw_rules: dict[str, dict[str, DrawRule]] = field(default_factory=dict)  # scenario -> key -> rule (draws)
    raw: dict[str, Any] = field(default_factory=dict)
    effects: Any = None                     # sim.experiments.effects.Effects ([effects] table), else None

    # ------------------------------------------------------------------ identity
    def identity(self) -> dict[str, Any]:
        """What determines the results: changes here make a results folder incompatible."""
        from .design import SEED_SCHEME  # design imports this module

        d = self.design.model_dump(mode="json")
        d.pop("scenarios", None)
        return {
            "model": self.model or "sim.model:run",
            "model_version": MODEL_VERSION,
            "base_scenario": self.base.hash() if self.base is not None else None,
            "scenarios": {k: v.hash() for k, v in self.scenarios.items()},
            "fixed": self.fixed,
            "design": d,
            "parameters": [p.model_dump(mode="json", exclude={"name"}) for p in self.parameters],
            "replications": self.replications,
            "seed": self.seed,
            "crn": self.crn,
            "seed_scheme": SEED_SCHEME,
            "outputs": {"metrics": self.metrics, "monthly": self.monthly, "events": self.events},
            **({"effects": self.effects.identity()} if self.effects is not None else {}),
            **({"draw_rules": self.draw_rules_identity()} if self.draw_rules else {}),
        }

    def draw_rules_identity(self) -> dict[str, dict[str, Any]]:
        """The rules of the drawn keys a scenario does not simply take (kind and factor): the values
        its runs get, so a change of rule makes a results folder incompatible."""
        return {s: {k: [r.kind, r.relative.factor if r.relative is not None else r.scenario_value]
                    for k, r in rules.items() if r.kind != "draw"} for s, rules in self.draw_rules.items()}

    def hash(self) -> str:
        """SHA-256 (first 16 hex digits) of :meth:`identity`."""
        return canonical_hash(self.identity())

    def model_id(self) -> str:
        """Identity of the model being swept (function path, or base scenario hash)."""
        if "_model_id" not in self.__dict__:  # cached: a scenario hash costs half a millisecond
            mid = self.model or f"market:{self.base.hash() if self.base is not None else ''}"
            object.__setattr__(self, "_model_id", mid)
        return self.__dict__["_model_id"]

    def function(self) -> Callable[[dict[str, Any], int], dict[str, float]]:
        """The swept test function (only when ``model`` is set)."""
        return resolve_function(self.model, self.file)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready spec (for the manifest): the file content plus resolved identity."""
        return {"file": self.file, "name": self.name, "description": self.description,
                "raw": self.raw, "identity": self.identity(), "hash": self.hash()}


def resolve_function(target: str, origin: str = "spec") -> Callable[[dict[str, Any], int], dict[str, float]]:
    """Import ``"module:function"``; raise :class:`InputError` naming ``origin`` if it cannot."""
    mod_name, sep, fn_name = target.partition(":")
    if not sep or not mod_name or not fn_name:
        raise InputError(origin, "model", f"expected 'module:function', got '{target}'")
    try:
        mod = importlib.import_module(mod_name)
    except ImportError as exc:
        raise InputError(origin, "model", f"cannot import module '{mod_name}' ({exc})") from None
    fn = getattr(mod, fn_name, None)
    if not callable(fn):
        raise InputError(origin, "model", f"module '{mod_name}' has no function '{fn_name}'")
    return fn


# ---------------------------------------------------------------------- loading
def load_spec(path: str | Path, posterior: Path | None = None) -> ExperimentSpec:
    """Load and validate an experiment spec. Raises :class:`InputError` on any problem.

    ``posterior`` (a calibration output folder) narrows every sampled range to the posterior's
    5-95% weighted quantiles (:func:`sim.experiments.effects.narrow_to_posterior`)."""
    p = Path(path)
    folder = p.resolve().parent

    def rebase(data: dict[str, Any], at: Path) -> None:
        """A parent spec in another folder names its scenario files relative to itself: make them absolute."""
        if at.resolve() == folder:
            return
        if isinstance(data.get("scenario"), str):
            data["scenario"] = str((at / data["scenario"]).resolve())
        entries = data.get("design", {}).get("scenarios") if isinstance(data.get("design"), dict) else None
        if isinstance(entries, list):
            data["design"]["scenarios"] = [str((at / e).resolve()) if isinstance(e, str) else e for e in entries]
        if isinstance(data.get("parameters_from"), str):
            data["parameters_from"] = str((at / data["parameters_from"]).resolve())
        eff = data.get("effects")
        if isinstance(eff, dict):
            if isinstance(eff.get("reference"), str):
                eff["reference"] = str((at / eff["reference"]).resolve())
            if isinstance(eff.get("counterfactuals"), list):
                eff["counterfactuals"] = [str((at / e).resolve()) if isinstance(e, str) else e
                                          for e in eff["counterfactuals"]]

    loaded = load_toml(p, rebase=rebase)
    return spec_from_dict(loaded.data, origin=str(path), folder=folder, default_name=p.stem, loaded=loaded,
                          posterior=posterior)


def spec_from_dict(data: dict[str, Any], origin: str, folder: Path, default_name: str = "experiment",
                   loaded: Loaded | None = None, posterior: Path | None = None) -> ExperimentSpec:
    """Validate a spec given as a dict; relative paths are resolved against ``folder``. ``loaded`` (from
    :func:`sim.config.load_toml`) lets errors name the file of the ``extends`` chain that set a key;
    ``posterior`` as in :func:`load_spec`."""
    from ..scenario import load_scenario
    from . import effects as fx

    raw = copy.deepcopy(data)
    sf = validate(SpecFile, data, loaded or origin)
    if sf.effects is not None:
        fx.check_effects_file(sf, origin)
        _check_metric_names(sf.effects.outcomes, origin, "effects.outcomes")
        sf = sf.model_copy(update={"scenario": str(fx.resolve(sf.effects.reference, folder)),
                                   "outputs": sf.outputs.model_copy(update={"metrics": list(sf.effects.outcomes)})})
    if sf.parameters_from:
        sf = fx.parameters_from_calibration(sf, origin, folder)
    if posterior is not None:
        sf = fx.narrow_to_posterior(sf, posterior, origin)
    d = sf.design
    if sf.model and sf.scenario:
        raise InputError(origin, "model", "expected either 'scenario' or 'model', not both")
    if sf.model:
        resolve_function(sf.model, origin)
    base = None
    scenarios: dict[str, Any] = {}
    rules: dict[str, dict[str, DrawRule]] = {}
    if d.method == "scenarios":
        if sf.model:
            raise InputError(origin, "design.method", "method 'scenarios' needs the market model, not 'model'")
        if sf.parameters:
            raise InputError(origin, "parameters", "method 'scenarios' varies whole scenario files; "
                                                   "expected no [[parameters]] (use 'fixed' for common overrides)")
        if not d.scenarios:
            raise InputError(origin, "design.scenarios", "expected a non-empty list of scenario files")
        for entry in d.scenarios:
            pattern = entry if Path(entry).is_absolute() else str(folder / entry)
            matches = sorted(glob.glob(pattern)) if any(c in entry for c in "*?[") else [pattern]
            if not matches:
                raise InputError(origin, "design.scenarios", f"no scenario file matches '{entry}'")
            for m in matches:
                sc = load_scenario(m)
                if sf.fixed:
                    sc = sc.with_overrides(dict(sf.fixed), origin=f"{origin} [fixed]")
                if sc.name in scenarios:
                    if scenarios[sc.name].hash() == sc.hash():
                        continue
                    raise InputError(origin, "design.scenarios", f"two scenarios are named '{sc.name}'")
                scenarios[sc.name] = sc
        if d.draws:
            rules = _check_draws(d.draws, scenarios, origin)
    elif not sf.model:
        if not sf.scenario:
            raise InputError(origin, "scenario", "expected a base scenario file (or 'model = \"module:function\"')")
        sc_path = Path(sf.scenario) if Path(sf.scenario).is_absolute() else folder / sf.scenario
        base = load_scenario(sc_path)
        if sf.fixed:
            base = base.with_overrides(dict(sf.fixed), origin=origin)
    elif sf.fixed:
        pass  # fixed arguments are passed to the function with every point
    if any(p.relative is not None for p in sf.parameters):
        sf = sf.model_copy(update={"parameters": [_resolve_relative(p, i, base, origin)
                                                  for i, p in enumerate(sf.parameters)]})
    _check_design(sf, origin, base)
    metrics = _check_metrics(sf, origin)
    if (sf.outputs.monthly or sf.outputs.events) and sf.model:
        raise InputError(origin, "outputs", "monthly and events tables exist only for the market model")
    effects = None
    if sf.effects is not None:
        effects, scenarios = fx.build_effects(sf, base, origin, folder)
    return ExperimentSpec(
        file=origin, name=(sf.name or default_name) + (POSTERIOR_SUFFIX if posterior is not None else ""),
        description=sf.description, model=sf.model,
        replications=sf.replications, seed=sf.seed, crn=sf.crn, time_limit_seconds=sf.time_limit_seconds,
        fixed=dict(sf.fixed), design=d, parameters=list(sf.parameters), metrics=metrics,
        monthly=sf.outputs.monthly, events=sf.outputs.events, base=base, scenarios=scenarios,
        draw_rules=rules, raw=raw, effects=effects)


def _check_metrics(sf: SpecFile, origin: str) -> list[str]:
    names = sf.outputs.metrics
    if sf.model:
        if not names:
            raise InputError(origin, "outputs.metrics", "expected the list of outputs the function returns, "
                                                        "e.g. metrics = [\"y\"]")
        return list(names)
    if names is None:
        return list(DEFAULT_METRICS)
    _check_metric_names(names, origin, "outputs.metrics")
    return list(names)


def _check_metric_names(names: list[str], origin: str, where: str) -> None:
    """Known metrics, at least one, each once; errors name ``where`` (e.g. ``outputs.metrics``)."""
    if not names:
        raise InputError(origin, where, "expected at least one metric")
    for i, n in enumerate(names):
        if n not in METRICS:
            raise InputError(origin, f"{where}.{i}",
                             f"unknown metric '{n}'{did_you_mean(n, list(METRICS))}; known: {', '.join(METRICS)}")
    if len(set(names)) != len(names):
        raise InputError(origin, where, "expected each metric once")


def _check_design(sf: SpecFile, origin: str, base: Any) -> None:
    d = sf.design
    m = d.method
    keys = [p.key for p in sf.parameters]
    if len(set(keys)) != len(keys):
        dup = next(k for k in keys if keys.count(k) > 1)
        raise InputError(origin, "parameters", f"parameter '{dup}' is listed twice")
    if m not in ("scenarios", "list") and not sf.parameters:
        raise InputError(origin, "parameters", f"method '{m}' needs at least one [[parameters]] entry")
    if m in SAMPLED and d.samples is None:
        raise InputError(origin, "design.samples", f"method '{m}' needs 'samples' "
                                                   "(lhs: points, sobol: base samples N, morris: trajectories)")
    if m == "sobol" and d.samples is not None and d.samples & (d.samples - 1):
        raise InputError(origin, "design.samples", f"sobol needs a power of 2 (Saltelli/Sobol' sequence), "
                                                   f"got {d.samples}")
    if m == "list" and not d.points:
        raise InputError(origin, "design.points", "method 'list' needs [[design.points]] tables")
    if m != "list" and d.points:
        raise InputError(origin, "design.points", f"points are only for method 'list', not '{m}'")
    if m != "scenarios" and d.scenarios:
        raise InputError(origin, "design.scenarios", f"scenarios are only for method 'scenarios', not '{m}'")
    if m != "scenarios" and d.draws:
        raise InputError(origin, "design.draws", f"draws are only for method 'scenarios', not '{m}'")
    if m in SAMPLED and len(sf.parameters) < 2 and m != "lhs":
        raise InputError(origin, "parameters", f"method '{m}' needs at least two parameters")
    reserved = RESERVED | DESIGN_COLUMNS
    for i, name in enumerate(sf.outputs.metrics or []):
        if name in reserved or name in keys:
            raise InputError(origin, f"outputs.metrics.{i}", f"'{name}' is reserved for a runs-table column")
    for i, p in enumerate(sf.parameters):
        where = f"parameters.{i}"
        if p.key in reserved:
            raise InputError(origin, f"{where}.key", f"'{p.key}' is reserved for a runs-table column; rename it")
        if p.range is not None:
            lo, hi = p.range
            if not lo < hi:
                raise InputError(origin, f"{where}.range", f"expected low < high, got [{lo}, {hi}]")
            if p.log and lo <= 0:
                raise InputError(origin, f"{where}.range", f"log scale needs a positive range, got [{lo}, {hi}]")
        if m in SAMPLED:
            if p.range is None:
                raise InputError(origin, f"{where}.range", f"method '{m}' samples ranges: expected range = [low, high]")
            if p.values is not None:
                raise InputError(origin, f"{where}.values", f"method '{m}' samples ranges; expected no 'values'")
        elif m in ("grid", "oat"):
            if p.values is None and (p.range is None or p.steps is None):
                raise InputError(origin, where, f"method '{m}' needs 'values', or 'range' with 'steps'")
            if p.values is not None and (p.range is not None or p.steps is not None):
                raise InputError(origin, where, "expected either 'values' or 'range' with 'steps', not both")
            if p.values is not None and not p.values:
                raise InputError(origin, f"{where}.values", "expected at least one value")
        if m == "oat" and base is None and p.base is None:
            raise InputError(origin, f"{where}.base", "oat on a test function needs the base value of each parameter")
        if base is not None:
            _check_against_scenario(base, p, i, origin)
    if m == "list":
        for j, point in enumerate(d.points):
            if not point:
                raise InputError(origin, f"design.points.{j}", "expected at least one key path = value")
            if base is not None:
                try:
                    base.with_overrides(dict(point), origin=origin)
                except InputError as exc:
                    raise InputError(origin, f"design.points.{j}", f"{exc.key}: {exc.expected}") from None


def _resolve_relative(p: ParameterSpec, i: int, base: Any, origin: str) -> ParameterSpec:
    """Turn ``relative = [a, b]`` into ``range`` around the base value (base scenario or ``base``)."""
    if p.relative is None:
        return p
    where = f"parameters.{i}.relative"
    if p.range is not None or p.values is not None:
        raise InputError(origin, where, "expected 'relative' instead of 'range' or 'values', not with them")
    b = scenario_value(base, p.key) if base is not None else p.base
    if b is None and base is not None:
        base.with_overrides({p.key: 0}, origin=origin)  # raises: unknown key, with a suggestion
    if isinstance(b, bool) or not isinstance(b, (int, float)) or b == 0:
        raise InputError(origin, where, f"needs a non-zero numeric base value for '{p.key}', got {b!r}")
    lo, hi = sorted((b * p.relative[0], b * p.relative[1]))
    return p.model_copy(update={"range": [float(lo), float(hi)], "relative": None})


def scenario_value(base: Any, key: str) -> Any:
    """The base scenario's value at dotted ``key`` (None if the path does not exist)."""
    return get_path(base.to_dict(), key)


def coerce(value: Any, like: Any) -> Any:
    """Cast a sampled ``value`` to the type of the scenario's value ``like`` (int fields are rounded)."""
    if isinstance(like, bool) or isinstance(value, (bool, str)):
        return value
    if isinstance(like, int):
        return int(round(float(value)))
    if isinstance(like, float):
        return float(value)
    return value


def _check_integral(p: ParameterSpec, i: int, origin: str) -> None:
    """An integer parameter's listed values, range ends and base must be whole numbers (never rounded)."""
    where = f"parameters.{i}"
    given = [("values", v) for v in p.values or []] + [("range", v) for v in p.range or []] + \
        ([("base", p.base)] if p.base is not None else [])
    if p.range is not None and p.steps is not None:
        lo, hi = p.range
        steps = np.logspace(math.log10(lo), math.log10(hi), p.steps) if p.log else np.linspace(lo, hi, p.steps)
        given += [("steps", float(v)) for v in steps]
    for field_, v in given:
        if isinstance(v, float) and not math.isclose(v, round(v), abs_tol=1e-9):
            raise InputError(origin, f"{where}.{field_}",
                             f"'{p.key}' is an integer parameter: expected whole numbers, got {v:g}")


def _check_against_scenario(base: Any, p: ParameterSpec, i: int, origin: str) -> None:
    where = f"parameters.{i}"
    like = scenario_value(base, p.key)
    try:
        if like is None:
            base.with_overrides({p.key: 0}, origin=origin)  # raises with a suggestion
        if isinstance(like, (dict, list)):
            raise InputError(origin, p.key, "expected a single parameter, got a whole table or list")
        if p.range is not None:
            for v in p.range:
                base.with_overrides({p.key: coerce(v, like)}, origin=origin)
        for v in p.values or []:
            base.with_overrides({p.key: coerce(v, like)}, origin=origin)
        if p.base is not None:
            base.with_overrides({p.key: coerce(p.base, like)}, origin=origin)
    except InputError as exc:
        raise InputError(origin, f"{where}.key", f"{exc.key}: {exc.expected}") from None
    if isinstance(like, int) and not isinstance(like, bool):
        _check_integral(p, i, origin)
