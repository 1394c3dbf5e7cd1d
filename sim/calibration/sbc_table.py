"""Amortised simulation-based calibration on the real model: ``sbc SPEC --truths N --reference-table M``.

Running a full ABC-SMC per truth (:mod:`sim.calibration.sbc`) costs thousands of model runs a
truth: 50 truths of the model-3 calibration would take hours on two cores. This check amortises
the simulations (rejection ABC on a reference table, Pritchard et al. 1999; the same
nearest-neighbour form as the "abc" package's rejection method, Csillery, Francois & Blum 2012):

1. **reference table**: ``M`` parameter sets drawn from the spec's prior, one model run each
   (seeds from ``SeedSequence(master_seed, spawn_key=(TABLE_STREAM, chunk))``); each run keeps
   the statistic of every *fitting target* of the spec (:mod:`sim.targets`);
2. **truths**: ``N`` further prior draws, one run each (``TRUTH_STREAM``): each run's target
   statistics are the synthetic history's observations ``y``;
3. for each truth, the **same distance** as the calibration (:meth:`CalibrationSpec.distance`'s
   form: the weighted mean over the fitting targets of each target's deviance residual under its
   observation model, capped at the spec's cap), with the truth's statistics as the observed values;
   the posterior is the ``L`` reference runs nearest to it (``--draws``, default 99);
4. per parameter, in the sampling space: the truth's rank among the ``L`` draws (uniform on
   ``0..L`` if the posterior is calibrated), whether the central 50% and 90% intervals cover it,
   and the contraction ``1 - posterior variance / prior variance``; summarised as in
   :func:`sim.calibration.sbc.summarise` (coverage, rank histogram with a chi-square test).

What it costs in accuracy: the posterior is the rejection-ABC posterior at the tolerance of the
``L``-th nearest of ``M`` runs (about ``L / M`` of the prior predictive), wider than the
sequential sampler's; its contraction is therefore a *lower bound* on what a full calibration
can learn, while its coverage is still that of a proper (ABC) posterior. The article's patterns
are left out: they are defined against the article's text, so a synthetic history has no
pattern to fit; only the quantitative targets are. A synthetic observation that is undefined (a
date that never happens, a level of 0 under a log-normal model) scores 0 against a run where it
is undefined too and the largest distance otherwise.

Resumable: the table and the truths are written in chunks of 100 runs (``table/table_XXXX.json``,
``table/truths_XXXX.json``; a last chunk runs whole, so sizes are best multiples of 100); a rerun
runs only the missing chunks; a larger ``M`` or ``N`` extends (chunks depend only on the master
seed and their index). Same results on any executor.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from ..config import canonical_hash, json_default
from ..errors import InputError
from ..targets import MAX_DISTANCE, TARGET_BY_ID, DateWindow, LogNormal, Target
from .abc import Prior, atomic_write_text, run_many
from .sbc import LEVELS, parameter_rows, sbc_md
from .spec import CalibrationSpec

#: spawn_key[0] of the reference table's and the truths' random streams.
TABLE_STREAM, TRUTH_STREAM = 1_000_004, 1_000_005
#: Model runs per chunk written to disk (the unit of resumption).
CHUNK = 100
#: Key of a run that failed (its statistics are absent; it is left out and counted).
FAILED = "__failed__"


@dataclass(frozen=True)
class TableSimulator:
    """Picklable ``simulate(params, seed)``: the fitting targets' statistics of one run (``None`` if undefined)."""

    spec: CalibrationSpec
    targets: tuple[str, ...]

    def __call__(self, params: dict[str, Any], seed: int) -> dict[str, Any]:
        from ..model import run
        from ..targets import evaluate_targets_tables

        sc = self.spec.scenario.with_overrides(params, origin="sbc") if params else self.spec.scenario
        try:
            result = run(sc, int(seed))
        except Exception:  # noqa: BLE001 - a failed run is data: it is left out of the table, counted
            return {FAILED: True}
        chosen = tuple(TARGET_BY_ID[t] for t in self.targets)
        return {r.id: _jsonable(r.statistic) for r in
                evaluate_targets_tables(result.model, result.firms, result.events, chosen)}


def _jsonable(x: Any) -> Any:
    if isinstance(x, (np.floating, np.integer)):
        return float(x)
    return x


def synthetic_distance(target: Target, s: Any, y: Any) -> float:
    """A target's deviance residual of a run's statistic ``s`` against a synthetic observation ``y``."""
    model = target.model
    undefined_y = y is None or (isinstance(model, LogNormal) and not (isinstance(y, (int, float)) and y > 0))
    if undefined_y:
        undefined_s = s is None or (isinstance(model, LogNormal) and not (isinstance(s, (int, float)) and s > 0))
        return 0.0 if undefined_s else MAX_DISTANCE
    if isinstance(model, DateWindow) or isinstance(y, str):
        return model.distance(s, y)
    return model.distance(s if s is not None else math.nan, float(y))


def fitting_targets(spec: CalibrationSpec) -> tuple[str, ...]:
    """The spec's fitting entries that are quantitative targets (the patterns are left out: module docstring)."""
    ids = tuple(i for i in spec.fit if i in TARGET_BY_ID)
    if not ids:
        raise InputError(spec.file, "patterns.fit", "expected at least one quantitative target (sim/targets.py) "
                                                    "in the fitting set for an SBC with --reference-table")
    return ids


def identity(spec: CalibrationSpec, draws: int, chunk: int = CHUNK) -> dict[str, Any]:
    """What defines the check's results (the sizes M and N do not: more extend it)."""
    return {"spec": spec.identity(), "method": "reference-table", "draws": draws,
            "streams": [TABLE_STREAM, TRUTH_STREAM], "chunk": chunk}


def _draws(priors: list[Prior], stream: int, master_seed: int, index: int, size: int) -> tuple[np.ndarray, list[int]]:
    rng = np.random.default_rng(np.random.SeedSequence(master_seed, spawn_key=(stream, index)))
    z = np.column_stack([p.sample_z(rng, size) for p in priors])
    return z, [int(s) for s in rng.integers(0, 2**31 - 1, size=size)]


def _chunks(spec: CalibrationSpec, out: Path, name: str, stream: int, n: int, size: int, sim: TableSimulator,
            executor: Any, n_workers: int, bar: tqdm) -> list[dict[str, Any]]:
    """Rows (z, statistics) of ``n`` runs of one stream in chunks of ``size``, running and saving the missing ones."""
    priors = spec.priors
    rows: list[dict[str, Any]] = []
    for c in range(math.ceil(n / size)):
        path = out / "table" / f"{name}_{c:04d}.json"
        if path.exists():
            chunk = json.loads(path.read_text())
        else:
            z, seeds = _draws(priors, stream, spec.master_seed, c, size)
            tasks = [({p.name: p.to_value(z[i, k]) for k, p in enumerate(priors)}, seeds[i]) for i in range(size)]
            stats = run_many(sim, tasks, executor, n_workers, bar)
            chunk = [{"z": z[i].tolist(), "seed": seeds[i], "statistics": stats[i]} for i in range(size)]
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(path, json.dumps(chunk, default=json_default))
        rows.extend(chunk)
    return rows[:n]


def truth_record(spec: CalibrationSpec, targets: tuple[str, ...], table: list[dict[str, Any]],
                 z_table: np.ndarray, truth: dict[str, Any], index: int, draws: int) -> dict[str, Any]:
    """One truth's nearest-``draws`` posterior: ranks, coverage and contraction per parameter."""
    weights = {t: spec.weights.get(t, 1.0) for t in targets}
    total = sum(weights.values())
    y = truth["statistics"]
    def dist(stats: dict[str, Any]) -> float:
        return sum(weights[t] * min(spec.cap, synthetic_distance(TARGET_BY_ID[t], stats.get(t), y.get(t)))
                   for t in targets) / total

    d = np.array([dist(row["statistics"]) for row in table])
    order = np.argsort(d, kind="stable")[:draws]
    rng = np.random.default_rng(np.random.SeedSequence(spec.master_seed, spawn_key=(TRUTH_STREAM, 10**6 + index)))
    params = {}
    for k, p in enumerate(spec.priors):
        post, tz = z_table[order, k], float(truth["z"][k])
        ties = int(np.sum(post == tz))
        rank = int(np.sum(post < tz)) + int(rng.integers(0, ties + 1))
        qs = np.quantile(post, [q for lev in LEVELS for q in ((1 - lev) / 2, (1 + lev) / 2)])
        var = float(np.var(post))
        params[p.name] = {
            "truth_z": tz, "rank": rank, "posterior_mean_z": float(np.mean(post)), "posterior_sd_z": math.sqrt(var),
            "contraction": 1.0 - var / p.variance_z(),
            **{f"covered_{round(lev * 100)}": bool(qs[2 * j] <= tz <= qs[2 * j + 1]) for j, lev in enumerate(LEVELS)},
        }
    return {"index": index, "parameters": params, "tolerance": float(d[order[-1]]),
            "distance_median": float(np.median(d))}


def run_table_sbc(spec: CalibrationSpec, out: Path, truths: int, table_size: int, draws: int, executor: Any,
                  n_workers: int = 1, bins: int | None = None, progress: bool = True, chunk: int = CHUNK,
                  log: Callable[[str], None] = print) -> dict[str, Any]:
    """Run (or continue) the amortised SBC (module docstring); write sbc.json, sbc.md, sbc_ranks.png."""
    if truths < 1:
        raise InputError("--truths", "", f"expected at least 1, got {truths}")
    if table_size <= draws:
        raise InputError("--reference-table", "", f"expected more runs than --draws ({draws}), got {table_size}")
    out = Path(out)
    ident = identity(spec, draws, chunk)
    atomic_write_text(out / "sbc_identity.json", json.dumps(
        {"identity_hash": canonical_hash(ident), "identity": ident}, indent=2, default=json_default))
    targets = fitting_targets(spec)
    sim = TableSimulator(spec, targets)
    n_runs = chunk * (math.ceil(table_size / chunk) + math.ceil(truths / chunk))
    t0 = time.perf_counter()
    bar = tqdm(total=n_runs, desc="SBC reference table and truths", unit="run", disable=not progress)
    try:
        table = _chunks(spec, out, "table", TABLE_STREAM, table_size, chunk, sim, executor, n_workers, bar)
        truth_rows = _chunks(spec, out, "truths", TRUTH_STREAM, truths, chunk, sim, executor, n_workers, bar)
    finally:
        bar.close()
    failed_table = sum(1 for row in table if FAILED in row["statistics"])
    table = [row for row in table if FAILED not in row["statistics"]]
    z_table = np.array([row["z"] for row in table])
    records = [truth_record(spec, targets, table, z_table, t, i, draws) if FAILED not in t["statistics"]
               else {"index": i, "error": "the model failed at this truth"} for i, t in enumerate(truth_rows)]
    ok = [r for r in records if "error" not in r]
    rows, binning = parameter_rows(spec.priors, records, draws, bins)
    tol = [r["tolerance"] for r in ok]
    summary = {
        "spec": spec.file, "simulator": spec.simulator, "method": "reference-table", "truths": truths,
        "failed_truths": truths - len(ok), "reference_table": table_size, "failed_table_runs": failed_table,
        "method_text": f"posterior of each truth: the {draws} nearest of {table_size} prior runs (rejection ABC)",
        "draws": draws, "targets": list(targets),
        "cap": spec.cap, **binning, "parameters": rows,
        "tolerance_median": float(np.median(tol)) if tol else math.nan, "model_runs_total": table_size + truths,
        "wall_seconds_this_call": round(time.perf_counter() - t0, 1),
    }
    atomic_write_text(out / "sbc.json", json.dumps(summary, indent=2, default=json_default))
    atomic_write_text(out / "sbc.md", sbc_md(summary))
    from .figures import sbc_ranks

    sbc_ranks(summary, out / "sbc_ranks.png")
    log(f"{table_size} reference runs, {truths} truths; posterior = the {draws} nearest runs "
        f"(median tolerance {summary['tolerance_median']:.3g})")
    return summary
