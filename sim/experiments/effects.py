"""Sensitivity of counterfactual *effects*: which uncertain parameters a conclusion hangs on.

A spec with an ``[effects]`` table samples a ``sobol`` or ``morris`` design over uncertain
parameters and runs, at every sampled point ``x``, the reference scenario and each
counterfactual scenario with the same seeds (common random numbers within the point). The
effect of counterfactual ``c`` on outcome ``y`` at ``x`` is

    effect_c(x) = mean over replications r of [y(c, x, seed_r) - y(reference, x, seed_r)],

and :func:`sim.experiments.analysis.effects_sensitivity` gives its Sobol' (or Morris) indices:
the parameters whose uncertainty moves the *size of the effect*, not the baseline's outcome.

Layout in the sweep store (the ordinary resumable, shardable store, no runner of its own): the
design has ``n_sampled x S`` points, ``S = 1 + len(counterfactuals)``; point ``k`` is sampled row
``k // S`` run under scenario ``k % S`` (0 the reference), named in the runs table's
``scenario`` column. Every scenario of a sampled row gets the row's seeds (:mod:`.design`).

*A counterfactual that sets a varied key.* ``scenarios/talent_retention.toml`` sets the
calibrated ``talent.base_hazard_per_month`` to a third of the baseline's. Setting it to that
constant at every point would make its "effect" depend on where the point's own value is; so a
counterfactual's value of a varied key is applied relative to the reference's by the one rule
of :mod:`.relative` (shared with ``compare --posterior``): a key it *lowers* keeps its ratio
above the key's lowest valid value (a third of the point's hazard; a tenth of a multiplier's
excess over 1), a key it *raises* that has a highest valid value moves the same share of the way
up (``capital_boom``'s sentiment base 0.8, against the baseline's 0.678 of at most 1.0, moves
every point 38% of the way to 1.0). Either way the value stays valid at every point; a reference value
at the floor (no ratio) is refused when the spec is loaded, and so is a value the scenario
refuses at an end of the sampled range.

``parameters_from = "calibration.toml"`` takes the sampled parameters from a calibration spec's
priors (uniform: the range; loguniform: the range, sampled in log10), and ``--posterior DIR``
narrows each range to the 5-95% weighted quantiles of a calibration's ``DIR/posterior.parquet``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError
from .relative import Relative, floor_of

#: Weighted quantiles of the posterior that bound a parameter's range under ``--posterior``:
#: the central 90% of the posterior mass (the interval docs/calibration.md reports).
POSTERIOR_QUANTILES = (0.05, 0.95)
#: Designs an ``[effects]`` table can use (the indices need a Sobol' or Morris sample).
EFFECT_METHODS = ("sobol", "morris")


@dataclass(frozen=True)
class Effects:
    """A resolved ``[effects]`` table: scenario names, and how each counterfactual sets varied keys."""

    reference: str
    counterfactuals: list[str]
    outcomes: list[str]
    rules: dict[str, dict[str, Relative]]   # counterfactual -> {varied key it sets: its rule}

    @property
    def scenario_names(self) -> list[str]:
        """Reference first, then the counterfactuals: scenario ``k % S`` of design point ``k``."""
        return [self.reference, *self.counterfactuals]

    def _of(self, kind: str) -> dict[str, dict[str, Relative]]:
        return {c: {k: r for k, r in self.rules.get(c, {}).items() if r.kind == kind} for c in self.counterfactuals}

    @property
    def ratios(self) -> dict[str, dict[str, float]]:
        """Counterfactual -> {varied key it lowers: its ratio above the floor} (every counterfactual)."""
        return {c: {k: r.factor for k, r in rules.items()} for c, rules in self._of("ratio").items()}

    @property
    def floors(self) -> dict[str, float]:
        """Varied key some counterfactual lowers -> its lowest valid value (its unit)."""
        return {k: r.floor for rules in self._of("ratio").values() for k, r in rules.items()}

    @property
    def shares(self) -> dict[str, dict[str, float]]:
        """Counterfactual that raises a key with a ceiling -> {that key: its share of the way up}."""
        return {c: {k: r.factor for k, r in rules.items()} for c, rules in self._of("share").items() if rules}

    @property
    def ceilings(self) -> dict[str, float | None]:
        """Varied key some counterfactual raises by a share -> its highest valid value (its unit)."""
        return {k: r.ceiling for rules in self._of("share").values() for k, r in rules.items()}

    def identity(self) -> dict[str, Any]:
        out = {"reference": self.reference, "counterfactuals": self.counterfactuals, "ratios": self.ratios,
               "floors": self.floors}
        return {**out, "shares": self.shares, "ceilings": self.ceilings} if self.shares else out

    def overrides(self, scenario: str, params: dict[str, Any]) -> dict[str, Any]:
        """A point's overrides under ``scenario``: a varied key the counterfactual sets is applied by
        its :class:`~.relative.Relative` rule (an integer key stays an integer, rounded)."""
        from .spec import coerce

        rules = self.rules.get(scenario, {})
        return {k: coerce(rules[k].at(v), v) if k in rules else v for k, v in params.items()}


# ---------------------------------------------------------------------- loading
def check_effects_file(sf: Any, origin: str) -> None:
    """What an ``[effects]`` spec may not have (before anything is loaded)."""
    if sf.model:
        raise InputError(origin, "model", "an [effects] spec runs the market model; expected no 'model'")
    if sf.scenario:
        raise InputError(origin, "scenario", "an [effects] spec's base is effects.reference; expected no 'scenario'")
    if sf.outputs.metrics is not None:
        raise InputError(origin, "outputs.metrics", "an [effects] spec keeps effects.outcomes; expected no "
                                                    "outputs.metrics")
    if sf.design.method not in EFFECT_METHODS:
        raise InputError(origin, "design.method", f"an [effects] spec needs 'sobol' or 'morris', got "
                                                  f"'{sf.design.method}'")


def resolve(entry: str, folder: Path) -> Path:
    """A file named in a spec: absolute, or relative to the spec's folder."""
    return Path(entry) if Path(entry).is_absolute() else folder / entry


def build_effects(sf: Any, base: Any, origin: str, folder: Path) -> tuple[Effects, dict[str, Any]]:
    """Load the counterfactual scenarios (with ``fixed``) and the rules of the varied keys they set
    relative to ``base`` (the reference)."""
    from ..config import valid_range
    from ..scenario import load_scenario
    from .spec import coerce, scenario_value

    e = sf.effects
    scenarios: dict[str, Any] = {base.name: base}
    rules: dict[str, dict[str, Relative]] = {}
    for j, entry in enumerate(e.counterfactuals):
        where = f"effects.counterfactuals.{j}"
        p = resolve(entry, folder)
        if not p.is_file():
            raise InputError(origin, where, f"no scenario file '{entry}'")
        sc = load_scenario(p)
        if sf.fixed:
            sc = sc.with_overrides(dict(sf.fixed), origin=f"{origin} [fixed]")
        if sc.name in scenarios:
            what = "the reference's" if sc.name == base.name else "another counterfactual's"
            raise InputError(origin, where, f"scenario name '{sc.name}' is {what}; expected distinct scenarios")
        sets: dict[str, Relative] = {}
        for par in sf.parameters:
            ref_v, cf_v = scenario_value(base, par.key), scenario_value(sc, par.key)
            if cf_v == ref_v:
                continue
            lo, hi = valid_range(base, par.key)
            numeric = not isinstance(ref_v, bool) and isinstance(ref_v, (int, float)) and isinstance(cf_v, (int, float))
            rule = Relative.of(ref_v, cf_v, lo, hi) if numeric else None
            if rule is None:
                raise InputError(origin, where, (
                    f"{sc.name} sets the varied key '{par.key}' to {cf_v!r}; a counterfactual's value of a varied "
                    f"key is applied relative to the reference's, which is {ref_v!r} (expected a number above the "
                    f"key's lowest valid value {floor_of(lo):g})"))
            how = (f"the share {rule.factor:.4g} of the way from the reference's value up to {rule.ceiling:g}"
                   if rule.kind == "share" else
                   f"the ratio {rule.factor:.4g} to the reference's value above {rule.floor:g}")
            for end in par.range or []:
                value = coerce(rule.at(coerce(end, ref_v)), ref_v)
                try:
                    sc.with_overrides({par.key: value}, origin=str(p))
                except InputError as exc:
                    raise InputError(origin, where, (
                        f"{sc.name} sets '{par.key}' to {cf_v!r}, applied at each point as {how}; at the end "
                        f"{end:g} of its range that is {value:g}, which the scenario refuses ({exc.expected}); "
                        "narrow the range")) from None
            sets[par.key] = rule
        rules[sc.name] = sets
        scenarios[sc.name] = sc
    eff = Effects(reference=base.name, counterfactuals=[n for n in scenarios if n != base.name],
                  outcomes=list(e.outcomes), rules=rules)
    return eff, scenarios


def parameters_from_calibration(sf: Any, origin: str, folder: Path) -> Any:
    """``sf`` with ``parameters`` taken from the priors of the calibration spec ``sf.parameters_from``."""
    from ..calibration.spec import load_spec as load_calibration
    from .spec import ParameterSpec

    if sf.parameters:
        raise InputError(origin, "parameters", "expected either [[parameters]] or 'parameters_from', not both")
    if sf.design.method not in ("lhs", "sobol", "morris"):
        raise InputError(origin, "parameters_from", f"takes ranges for a sampled design (lhs, sobol, morris), not "
                                                    f"'{sf.design.method}'")
    path = resolve(sf.parameters_from, folder)
    if not path.is_file():
        raise InputError(origin, "parameters_from", f"no calibration spec '{sf.parameters_from}'")
    cal = load_calibration(path)
    params = []
    for i, p in enumerate(cal.parameters):
        prior = p.prior
        if prior.kind not in ("uniform", "loguniform"):
            raise InputError(str(path), f"parameters.{i}.prior", f"'{p.key}' has a {prior.kind} prior; a sampled "
                                                                 "design needs a box (uniform or loguniform)")
        params.append(ParameterSpec(key=p.key, range=[float(prior.low), float(prior.high)],
                                    log=prior.kind == "loguniform"))
    return sf.model_copy(update={"parameters": params})


def narrow_to_posterior(sf: Any, posterior: Path, origin: str) -> Any:
    """``sf`` with every sampled range narrowed to the :data:`POSTERIOR_QUANTILES` of ``posterior``
    (a calibration output folder holding ``posterior.parquet``, or the file itself)."""
    from ..calibration.counterfactuals import read_particles
    from ..calibration.recovery import weighted_quantiles

    file = posterior / "posterior.parquet" if posterior.is_dir() else posterior
    shown = str(file)
    if not file.is_file():
        raise InputError(shown, "", "no calibration posterior here (expected a calibration output folder holding "
                                    "posterior.parquet)")
    if sf.design.method not in ("lhs", "sobol", "morris"):
        raise InputError(origin, "design.method", f"--posterior narrows sampled ranges (lhs, sobol, morris), not "
                                                  f"'{sf.design.method}'")
    _, values, w, _ = read_particles(file, [p.key for p in sf.parameters])
    params = []
    for j, p in enumerate(sf.parameters):
        lo, hi = weighted_quantiles(values[:, j], w, POSTERIOR_QUANTILES)
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise InputError(shown, p.key, f"its {POSTERIOR_QUANTILES[0]:.0%}-{POSTERIOR_QUANTILES[1]:.0%} weighted "
                                           f"quantiles [{lo:g}, {hi:g}] are not a range to sample")
        params.append(p.model_copy(update={"range": [float(lo), float(hi)], "relative": None}))
    return sf.model_copy(update={"parameters": params})
