"""After the sampler: the point estimate, the calibrated scenario file, the posterior-predictive scorecard.

**Posterior-predictive scorecard.** ``draws`` particles are drawn from the final population by
weight (with replacement); each is run on ``seeds`` fresh seeds and every pattern is evaluated.
A pattern's *pass rate* is the share of those ``draws x seeds`` runs in which it holds: it mixes
parameter uncertainty (the posterior) and the model's own randomness (seeds). Fitted and
validation patterns are reported separately, against the aims (fitted >= 80%, validation >= 70%).

**Point estimate** (``[predictive] point_estimate``), written to ``calibrated.toml``:

- ``best`` (default): candidates are the weighted marginal median and the ``candidates - 1``
  particles of the final population with the smallest distance; each is re-run on ``point_seeds``
  common seeds and the one with the smallest mean distance over the *fitting* patterns wins.
  Why: the marginal median of a correlated posterior can fall where the joint posterior has
  little mass (each coordinate plausible, the combination not), while a particle is a jointly
  plausible point; the particle with the smallest distance in the population was measured on only
  ``replications`` seeds and so partly selected for luck, which re-running on many common seeds
  removes. Only fitting patterns choose, so the validation patterns stay held out.
- ``best`` with ``refine_rounds`` > 0: then a stochastic local search starts from the winning
  candidate (:func:`refine`): each round draws ``refine_batch`` points around the current one (a
  Gaussian step of each parameter's posterior standard deviation times a scale shrinking from
  0.5 to 0.1, clipped to the prior's bounds, or to the posterior's central box of ``point_within``),
  re-runs them on the same common seeds and moves to the best if it lowers the mean fitting distance.
  Why: ABC-SMC with a finite budget stops at a tolerance where the posterior is still wide, and its
  particles are measured on two seeds each; the search finds the point of the posterior's
  neighbourhood that fits best on many seeds (a simulated minimum-distance estimate), still
  choosing by the fitting patterns only.
  Its distance is measured on the seeds it was selected on, so it is optimistic; the point's
  scorecard uses other seeds.
- ``best`` with ``point_within`` < 1: every candidate is moved into, and the local search kept inside, each
  parameter's central weighted posterior interval of that mass (:func:`central_box`). Why: the search minimises
  the fitting distance on its own seeds and can walk an unidentified parameter to a prior edge the posterior
  calls implausible (the shipped calibration's point put the standing's sigma at 0, outside its 90% interval);
  the box keeps the point one no marginal of the posterior rules out.
- ``median``: the weighted marginal median of each parameter (in the sampling space, so the
  geometric median for log-uniform priors).
- ``mean``: the weighted mean in the sampling space.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import tomli_w

from ..config import NAME, get_path, resolve_path
from ..errors import InputError
from ..scenario import load_scenario
from .abc import ABCResult, Population, mean_distance, run_many
from .recovery import weighted_quantiles
from .spec import CalibrationSpec

#: The interval a quantitative target's observation is checked against: the 5% and 95% quantiles of its
#: statistic over the predictive runs (the "90% posterior-predictive interval" of docs/calibration.md, reported
#: under the key ``interval_90``; the run's statistic only, without the target's observation error).
PREDICTIVE_INTERVAL = (0.05, 0.95)
#: spawn_key[0] of the random streams used after the sampler (generations use 0, 1, 2, ...).
PREDICTIVE_STREAM = 1_000_000
POINT_STREAM = 1_000_001
REFINE_STREAM = 1_000_002

#: Step scale of the local search (:func:`refine`), in posterior standard deviations: first and last round.
REFINE_STEP = (0.5, 0.1)

AIM_FIT = 0.8
AIM_VALIDATE = 0.7


def pattern_meta(targets: bool = False) -> dict[str, dict[str, str]]:
    """id -> name, tolerance, given (what the inputs force), from :mod:`sim.patterns` and, with
    ``targets``, :mod:`sim.targets` (its observation model as the tolerance, the input set from the
    same number as what is given)."""
    from .. import patterns
    from ..targets import TARGETS

    meta = {p.id: {"name": p.name, "tolerance": p.tolerance, "given": p.given} for p in patterns.PATTERNS}
    if targets:
        meta |= {t.id: {"name": t.name, "tolerance": t.model.describe(), "given": t.input} for t in TARGETS}
    return meta


def _z_point(pop: Population, how: str) -> np.ndarray:
    if how == "mean":
        return np.average(pop.z, axis=0, weights=pop.weights)
    return np.array([weighted_quantiles(pop.z[:, k], pop.weights, [0.5])[0] for k in range(pop.z.shape[1])])


def choose_point(spec: CalibrationSpec, result: ABCResult, executor: Any, n_workers: int,
                 bar: Any = None) -> dict[str, Any]:
    """The point estimate and, for ``best``, every candidate's re-run score."""
    pop, priors = result.population, result.priors
    pp = spec.predictive

    def params(z: np.ndarray) -> dict[str, Any]:
        return {p.name: p.to_value(z[k]) for k, p in enumerate(priors)}

    if pp.point_estimate in ("median", "mean"):
        z = _z_point(pop, pp.point_estimate)
        return {"rule": pp.point_estimate, "params": params(z), "candidates": []}
    box = central_box(pop, priors, pp.point_within)
    cands: list[tuple[str, np.ndarray]] = [("weighted median", _z_point(pop, "median"))]
    seen: set[bytes] = set()
    for i in np.argsort(pop.distances, kind="stable"):
        if len(cands) >= pp.candidates:
            break
        if pop.z[i].tobytes() in seen:  # a copy (a moved population keeps copies of the particles that never moved)
            continue
        seen.add(pop.z[i].tobytes())
        cands.append((f"particle {int(i)} (distance {pop.distances[i]:.4g})", pop.z[i]))
    cands = [(label, np.clip(z, *box)) for label, z in cands]
    rng = np.random.default_rng(np.random.SeedSequence(spec.master_seed, spawn_key=(POINT_STREAM,)))
    seeds = [int(s) for s in rng.integers(0, 2**31 - 1, size=pp.point_seeds)]
    simulate = spec.simulator_of()
    tasks = [(params(z), s) for _, z in cands for s in seeds]
    out = run_many(simulate, tasks, executor, n_workers, bar)
    dist = spec.distance()
    rows = []
    for j, (label, z) in enumerate(cands):
        reps = out[j * len(seeds):(j + 1) * len(seeds)]
        rows.append({"candidate": label, "params": params(z), "distance": mean_distance(dist, reps),
                     "pass_rates": _pass_rates(reps)})
    best = min(range(len(rows)), key=lambda j: (rows[j]["distance"], j))
    chosen = rows[best]["candidate"]
    if pp.refine_rounds > 0:
        z, d, trace = refine(simulate, dist, pop, priors, cands[best][1], rows[best]["distance"], seeds,
                             rounds=pp.refine_rounds, batch=pp.refine_batch, master_seed=spec.master_seed,
                             executor=executor, n_workers=n_workers, bar=bar, box=box)
        if d < rows[best]["distance"]:
            chosen = f"local search from {chosen} ({pp.refine_rounds} rounds of {pp.refine_batch})"
            rows.append({"candidate": chosen, "params": params(z), "distance": d, "pass_rates": trace[-1]["pass_rates"],
                         "trace": [{k: v for k, v in t.items() if k != "pass_rates"} for t in trace]})
            best = len(rows) - 1
    return {"rule": "best", "params": rows[best]["params"], "chosen": chosen,
            "point_seeds": len(seeds), "candidates": rows}


def central_box(pop: Population, priors: list[Any], mass: float) -> tuple[np.ndarray, np.ndarray]:
    """(low, high) in the sampling space: each parameter's central weighted posterior interval of ``mass``, within
    its prior's bounds (``mass`` 1: the prior's bounds)."""
    lo = np.array([p.z_bounds[0] for p in priors], dtype=float)
    hi = np.array([p.z_bounds[1] for p in priors], dtype=float)
    if mass >= 1.0:
        return lo, hi
    q = [(1.0 - mass) / 2.0, (1.0 + mass) / 2.0]
    for k in range(len(priors)):
        a, b = weighted_quantiles(pop.z[:, k], pop.weights, q)
        lo[k], hi[k] = max(lo[k], a), min(hi[k], b)
    return lo, hi


def refine(simulate: Any, dist: Any, pop: Population, priors: list[Any], z0: np.ndarray, d0: float,
           seeds: list[int], *, rounds: int, batch: int, master_seed: int, executor: Any = None,
           n_workers: int = 1, bar: Any = None,
           box: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, float, list[dict[str, Any]]]:
    """Stochastic local search from ``z0`` (sampling space, distance ``d0``) on the common ``seeds``.

    ``dist`` is a one-run distance; a point's distance is its mean over the seeds.

    ``rounds`` rounds of ``batch`` points each, from the random stream of ``master_seed``; steps
    are scaled by each parameter's weighted standard deviation in ``pop`` (see the module
    docstring). Points stay inside ``box`` (low, high in the sampling space; default the prior's bounds,
    :func:`central_box`). Returns the best point, its mean distance and one record per round (step scale,
    best distance so far, pass rates of the current point)."""
    mean = np.average(pop.z, axis=0, weights=pop.weights)
    sd = np.sqrt(np.average((pop.z - mean) ** 2, axis=0, weights=pop.weights))
    lo, hi = box if box is not None else central_box(pop, priors, 1.0)
    rng = np.random.default_rng(np.random.SeedSequence(master_seed, spawn_key=(REFINE_STREAM,)))
    z, d, rates = np.asarray(z0, float), d0, {}
    trace: list[dict[str, Any]] = []
    first, last = REFINE_STEP
    for r in range(rounds):
        scale = first * (last / first) ** (r / max(1, rounds - 1))
        cands = np.clip(z + scale * sd * rng.standard_normal((batch, len(priors))), lo, hi)
        tasks = [({p.name: p.to_value(c[k]) for k, p in enumerate(priors)}, s) for c in cands for s in seeds]
        out = run_many(simulate, tasks, executor, n_workers, bar)
        n = len(seeds)
        dists = [mean_distance(dist, out[j * n:(j + 1) * n]) for j in range(len(cands))]
        j = int(np.argmin(dists))
        if dists[j] < d:
            z, d, rates = cands[j], float(dists[j]), _pass_rates(out[j * n:(j + 1) * n])
        trace.append({"round": r, "scale": scale, "distance": d, "pass_rates": rates})
    return z, d, trace


def _pass_rates(reps: list[dict[str, float]]) -> dict[str, float]:
    keys = sorted({k[2:] for r in reps for k in r if k.startswith("p:")}, key=_id_order)
    return {k: float(np.mean([r.get(f"p:{k}", 0.0) for r in reps])) for k in keys}


def _id_order(pid: str) -> tuple[int, str]:
    m = re.match(r"^[A-Za-z]*(\d+)", pid)
    return (int(m.group(1)) if m else 10**6, pid)


def posterior_predictive(spec: CalibrationSpec, result: ABCResult, executor: Any, n_workers: int,
                         bar: Any = None) -> dict[str, Any]:
    """Pass rate of every pattern over ``draws`` posterior draws x ``seeds`` seeds."""
    pop, priors = result.population, result.priors
    pp = spec.predictive
    rng = np.random.default_rng(np.random.SeedSequence(spec.master_seed, spawn_key=(PREDICTIVE_STREAM,)))
    idx = rng.choice(len(pop.weights), size=pp.draws, p=pop.weights)
    seeds = rng.integers(0, 2**31 - 1, size=(pp.draws, pp.seeds))
    tasks = []
    for d, i in enumerate(idx):
        prm = {p.name: p.to_value(pop.z[i, k]) for k, p in enumerate(priors)}
        tasks.extend((prm, int(seeds[d, s])) for s in range(pp.seeds))
    out = run_many(spec.simulator_of(target_statistics=True), tasks, executor, n_workers, bar)
    return scorecard_from(spec, out, {"draws": pp.draws, "seeds_per_draw": pp.seeds, "runs": len(out),
                                      "failed_runs": int(sum(r.get("error", 0.0) for r in out))})


def predictive_interval(target_id: str, reps: list[dict[str, float]]) -> dict[str, Any] | None:
    """The :data:`PREDICTIVE_INTERVAL` of a target's statistic over ``reps`` (``s:<id>`` keys, a month as its count,
    a date that never came as +inf), its median, the observation and whether it lies inside (bounds included);
    None without statistics. Quantiles are sample values (``inverted_cdf``), so "never" stays a bound."""
    from ..targets import TARGET_BY_ID, as_number, as_value

    xs = np.array([r[f"s:{target_id}"] for r in reps if f"s:{target_id}" in r], dtype=float)
    xs = xs[~np.isnan(xs)]
    target = TARGET_BY_ID.get(target_id)
    if target is None or xs.size == 0:
        return None
    lo, med, hi = np.quantile(xs, [PREDICTIVE_INTERVAL[0], 0.5, PREDICTIVE_INTERVAL[1]], method="inverted_cdf")
    y = as_number(target.observed)

    def shown(x: float) -> float | str | None:
        v = as_value(target, float(x))
        return round(v, 6) if isinstance(v, float) else v

    return {"observed": target.observed, "q05": shown(lo), "median": shown(med), "q95": shown(hi),
            "inside": bool(lo <= y <= hi), "runs": int(xs.size)}


def scorecard_from(spec: CalibrationSpec, reps: list[dict[str, float]], counts: dict[str, Any]) -> dict[str, Any]:
    """Pass rates and mean distances per pattern, grouped fitted / validation / not used; for a quantitative target
    with statistics in ``reps``, its :func:`predictive_interval` (``interval_90``)."""
    meta = pattern_meta(spec.uses_targets)
    ids = sorted({k[2:] for r in reps for k in r if k.startswith("p:")} | set(meta), key=_id_order)
    n = len(reps)

    def row(pid: str, aim: float | None) -> dict[str, Any]:
        ok = [r.get(f"p:{pid}", 0.0) for r in reps]
        ds = [r[f"d:{pid}"] for r in reps if f"d:{pid}" in r and math.isfinite(r[f"d:{pid}"])]
        rate = float(np.mean(ok)) if ok else 0.0
        out = {"id": pid, "name": meta.get(pid, {}).get("name", pid), "pass_rate": round(rate, 4),
               "mc_se": round(math.sqrt(rate * (1 - rate) / max(n, 1)), 4),
               "mean_distance": round(float(np.mean(ds)), 4) if ds else None}
        if aim is not None:
            out["aim"] = aim
            out["meets_aim"] = rate >= aim
        interval = predictive_interval(pid, reps)
        if interval is not None:
            out["interval_90"] = interval
        return out

    fitted = [row(p, AIM_FIT) for p in spec.fit]
    validation = [row(p, AIM_VALIDATE) for p in spec.validate]
    other = [row(p, None) | {"given": meta.get(p, {}).get("given", "")}
             for p in ids if p not in spec.fit and p not in spec.validate]
    return {
        **counts,
        "fitted": fitted, "validation": validation, "not_used": other,
        "summary": {
            "fitted_meeting_aim": sum(r["meets_aim"] for r in fitted), "fitted_total": len(fitted),
            "validation_meeting_aim": sum(r["meets_aim"] for r in validation), "validation_total": len(validation),
            "aim_fit": AIM_FIT, "aim_validate": AIM_VALIDATE,
            "targets_inside_90": sum(r["interval_90"]["inside"] for r in fitted + validation if "interval_90" in r),
            "targets_with_interval": sum("interval_90" in r for r in fitted + validation),
        },
    }


# --------------------------------------------------------------------------- scenario files
def _nest(flat: dict[str, Any], base: dict[str, Any], origin: str) -> dict[str, Any]:
    """Nested TOML tables of key paths, for a scenario file that ``extends`` the scenario ``base``.

    A key in an item of a list is written as ``{name = ..., key = value}``: ``extends`` merges it
    into the base's item of that name (every list of tables in a scenario is named).
    """
    out: dict[str, Any] = {}
    for path, value in flat.items():
        steps = resolve_path(base, path, origin)
        node, bnode = out, base
        for step in steps[:-1]:
            bchild = bnode[step]
            if isinstance(bnode, list):
                item = next((x for x in node if x[NAME] == bchild[NAME]), None)
                if item is None:
                    item = {NAME: bchild[NAME]}
                    node.append(item)
                node = item
            else:
                node = node.setdefault(step, [] if isinstance(bchild, list) else {})
            bnode = bchild
        node[steps[-1]] = value
    return out


def calibrated_toml(spec: CalibrationSpec, point: dict[str, Any], out_file: Path, header: str) -> str:
    """Text of a scenario file that extends the base scenario and sets the point estimate."""
    rel = os.path.relpath(spec.scenario_file.resolve(), out_file.parent.resolve())
    body = {"extends": rel, "name": f"{spec.scenario.name}-calibrated",
            "description": f"{spec.scenario.name} with the calibrated values of {Path(spec.file).name} "
                           f"({point['rule']} point estimate)"}
    body.update(_nest(point["params"], spec.scenario.to_dict(), spec.file))
    return header + tomli_w.dumps(body)


def write_calibrated(spec: CalibrationSpec, point: dict[str, Any], out_file: Path, header: str) -> Path:
    text = calibrated_toml(spec, point, out_file, header)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_text(text)
    sc = load_scenario(out_file)  # the file must load and hold the values
    check = sc.to_dict()
    for path, v in point["params"].items():
        node = get_path(check, path)
        if node != v:
            raise RuntimeError(f"{out_file}: {path} reads back as {node!r}, expected {v!r}")
    return out_file


_LINE = re.compile(r"^(\s*)([A-Za-z0-9_]+)(\s*=\s*)([^#\n]*?)(\s*(#.*)?)$")


def apply_to_scenario(file: Path, params: dict[str, Any], note: str) -> list[str]:
    """Write ``params`` into an existing scenario file in place, keeping its comments and layout.

    Each ``section.key`` is replaced where ``key = ...`` appears under ``[section]``, or added at the
    end of that section (the section is appended if absent). Paths into lists
    (``startups.0.cash_usd``) are refused. The file is checked by loading it; on any problem it is
    left as it was. Returns the changed lines, for the log.
    """
    file = Path(file)
    if not file.exists():
        raise InputError(str(file), "", "file not found (--apply-to)")
    old = file.read_text(encoding="utf-8")
    lines = old.splitlines()
    changes = []
    for path, value in params.items():
        keys = path.split(".")
        if len(keys) != 2:
            raise InputError(str(file), path, "expected a 'section.key' path to write in place; "
                             "write the calibrated.toml scenario instead")
        section, key = keys
        text_v = _toml_value(value)
        header = -1
        end = len(lines)
        for i, ln in enumerate(lines):
            s = ln.strip()
            if s == f"[{section}]":
                header = i
                continue
            if header >= 0 and i > header and s.startswith("["):
                end = i
                break
        if header < 0:
            lines += ["", f"[{section}]", f"{key} = {text_v}  # {note}"]
            changes.append(f"[{section}] {key} = {text_v} (new section)")
            continue
        for i in range(header + 1, end):
            m = _LINE.match(lines[i])
            if m and m.group(2) == key:
                lines[i] = f"{m.group(1)}{key}{m.group(3)}{text_v}  # {note}"
                changes.append(f"[{section}] {key} = {text_v}")
                break
        else:
            at = end
            while at - 1 > header and not lines[at - 1].strip():
                at -= 1
            lines.insert(at, f"{key} = {text_v}  # {note}")
            changes.append(f"[{section}] {key} = {text_v} (added)")
    new = "\n".join(lines) + "\n"
    file.write_text(new)
    try:
        sc = load_scenario(file)
        d = sc.to_dict()
        for path, value in params.items():
            got = get_path(d, path)
            if not (got == value or (isinstance(got, float) and math.isclose(got, value, rel_tol=1e-5))):
                raise InputError(str(file), path, f"reads back as {got!r}, expected {value!r}")
    except Exception:
        file.write_text(old)
        raise
    return changes


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    return repr(float(_round_sig(v)))


def _round_sig(v: float, sig: int = 6) -> float:
    if v == 0 or not math.isfinite(v):
        return v
    return round(v, sig - 1 - int(math.floor(math.log10(abs(v)))))


def rounded(params: dict[str, Any]) -> dict[str, Any]:
    """Point estimates to 6 significant digits (what the scenario files hold)."""
    return {k: v if isinstance(v, int) else _round_sig(float(v)) for k, v in params.items()}
