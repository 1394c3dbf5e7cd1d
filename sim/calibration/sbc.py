"""Simulation-based calibration (SBC) of the sampler: ``python -m sim sbc SPEC --truths N --out DIR``.

The check (Talts, Betancourt, Simpson, Vehtari & Gelman 2018, "Validating Bayesian inference
algorithms with simulation-based calibration", arXiv:1804.06788): if a sampler's posterior is
right, then for parameters drawn from the prior and data simulated from them, the truth is a
draw from the posterior. So, for each of ``N`` truths ``i = 0 .. N-1``:

1. draw ``theta_i`` from the spec's prior (random stream ``SeedSequence(master_seed,
   spawn_key=(SBC_STREAM, i))``, which also gives the synthetic history's seeds, the sampler's
   master seed and the stream of the posterior draws below);
2. simulate a synthetic history at ``theta_i``: the mean over ``history_seeds`` runs (the spec's
   ``[recovery] history_seeds``; 1 otherwise) of the summaries the spec's recovery fits (its
   ``[recovery] statistics`` and ``scales``; all recovery statistics and their default scales
   without a ``[recovery]`` section), or the toy's ``mean`` and ``slope`` for a toy spec;
3. calibrate against it with the spec's sampler (its ``[smc]`` and ``[stopping]``, with the
   population and the number of generations of the *budget*, usually cheaper than a real
   calibration) and the continuous distance
   :class:`sim.calibration.simulator.StandardisedDistance`;
4. record, per parameter (in the sampling space, i.e. the logarithm for log-uniform priors):
   the rank of the truth among ``L`` draws from the weighted posterior (the number of draws
   below it, ties broken at random: uniform on ``0..L`` if the posterior is right), whether the
   central 50% and 90% credible intervals (weighted quantiles) cover it, and the contraction
   ``1 - posterior variance / prior variance``.

Over the truths: the coverage of each interval (nominal 50% and 90%), the rank histogram in
``bins`` bins with a chi-square test of uniformity (a small p-value: the posterior is too narrow,
too wide or shifted; a U shape is too narrow, a hump too wide), and the mean contraction.

A sampler that stops at a finite tolerance returns an ABC posterior, wider than the exact one:
its intervals over-cover and its ranks hump in the middle. A cheaper budget per truth therefore
shows up as over-coverage and less contraction, not as bias (docs/calibration.md, "SBC").

Outputs in ``DIR``: ``sbc_identity.json`` (spec identity and budget: a folder of another spec or
budget is refused), ``truths/truth_XXXX.json`` (one per finished truth, written atomically, so a
rerun continues with the missing ones and a larger ``--truths`` extends a finished check),
``sbc.json`` (every number), ``sbc.md`` (tables) and ``sbc_ranks.png`` (rank histograms).
Each truth depends only on the master seed, its index and the budget, so the result is the same
on any executor, in any order, interrupted or not. Truths run one per task on the executor.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats
from tqdm import tqdm

from ..config import canonical_hash, json_default
from ..errors import InputError
from .abc import ABCSMC, Prior, Simulate, SMCSettings, StoppingRule, atomic_write_text
from .recovery import weighted_quantiles
from .simulator import StandardisedDistance
from .spec import CalibrationSpec

#: spawn_key[0] of the truths' random streams (generations use 0, 1, ...; the predictive 1_000_000..2).
SBC_STREAM = 1_000_003
#: Posterior draws per truth for the rank statistic (L; ranks are 0..L, so L + 1 = 100 values).
DEFAULT_DRAWS = 99
#: Central credible intervals whose coverage is reported.
LEVELS = (0.5, 0.9)
#: Probability of the band drawn around the uniform expectation in the rank histograms.
BAND = 0.99
#: Smallest expected number of truths per bin of the chi-square test.
MIN_EXPECTED = 5
#: Bin counts tried for the rank histogram, largest first (each must divide L + 1).
BIN_CHOICES = (20, 10, 5, 4, 2)
#: Output files and folders of ``sbc`` (the output-folder rule of ``sim.commands.outputs``; ``table``:
#: the reference table of :mod:`sim.calibration.sbc_table`).
SBC_OUTPUTS = ("sbc_identity.json", "truths", "table", "sbc.json", "sbc.md", "sbc_ranks.png")
#: A parameter is reported **identified** when its mean contraction is at least this and the coverage of
#: both intervals is within :data:`COVERAGE_TOLERANCE` of nominal.
IDENTIFIED_CONTRACTION = 0.1
COVERAGE_TOLERANCE = 0.1


@dataclass(frozen=True)
class Budget:
    """What each truth's calibration may spend: particles, generations, model runs, posterior draws."""

    population: int
    max_generations: int
    max_simulations: int
    draws: int = DEFAULT_DRAWS

    def __post_init__(self) -> None:
        for name, least in (("population", 2), ("max_generations", 1), ("max_simulations", 1), ("draws", 1)):
            if getattr(self, name) < least:
                raise InputError(f"--{name.replace('_', '-')}", "", f"expected at least {least}, "
                                 f"got {getattr(self, name)}")


@dataclass(frozen=True)
class Problem:
    """Everything one truth needs (picklable, so a truth runs on any executor)."""

    priors: list[Prior]
    simulate: Simulate
    scales: dict[str, float]
    prefix: str
    history_seeds: int
    smc: SMCSettings
    stopping: StoppingRule
    master_seed: int
    draws: int
    #: Simulator of the synthetic histories, if not ``simulate`` (e.g. to check a sampler that
    #: transforms its simulator, as the old averaging scheme did, against one-run histories).
    history: Simulate | None = None


def problem_of(spec: CalibrationSpec, budget: Budget) -> Problem:
    """The SBC problem of ``spec`` (module docstring, steps 2-3) under ``budget``."""
    smc = replace(spec.smc, population=budget.population)
    stopping = replace(spec.stopping, max_generations=budget.max_generations,
                       max_simulations=budget.max_simulations)
    if spec.simulator == "toy":
        from .toy import LinearGaussian

        toy = LinearGaussian(spec.toy.n, spec.toy.sigma)
        return Problem(spec.priors, toy, toy.scales(), "", 1, smc, stopping, spec.master_seed, budget.draws)
    from .recovery import STATISTICS
    from .simulator import ModelSimulator

    if spec.recovery is not None:
        names, scales, hseeds = spec.recovery.statistics, spec.recovery.scales, spec.recovery.history_seeds
    else:
        names, hseeds = list(STATISTICS), 1
        scales = {n: STATISTICS[n][1] for n in names}
    sim = ModelSimulator(spec.scenario, patterns=False, statistics=tuple(names))
    return Problem(spec.priors, sim, dict(scales), "x:", hseeds, smc, stopping, spec.master_seed, budget.draws)


def run_truth(problem: Problem, i: int) -> dict[str, Any]:
    """Draw truth ``i``, simulate its history, calibrate against it; ranks, coverage, contraction."""
    t0 = time.perf_counter()
    pr = problem
    rng = np.random.default_rng(np.random.SeedSequence(pr.master_seed, spawn_key=(SBC_STREAM, i)))
    z_true = np.array([p.sample_z(rng, 1)[0] for p in pr.priors])
    truth = {p.name: p.to_value(z_true[k]) for k, p in enumerate(pr.priors)}
    hseeds = [int(s) for s in rng.integers(0, 2**31 - 1, size=pr.history_seeds)]
    abc_seed = int(rng.integers(0, 2**31 - 1))
    draw_rng = np.random.default_rng(int(rng.integers(0, 2**63 - 1)))
    record: dict[str, Any] = {"index": i, "truth": truth, "history_seeds": hseeds}
    hist = [(pr.history or pr.simulate)(truth, s) for s in hseeds]
    if any(h.get("error") for h in hist):
        return record | {"error": "the model failed at this truth", "seconds": round(time.perf_counter() - t0, 2)}
    observed = {k: float(np.mean([h[pr.prefix + k] for h in hist])) for k in pr.scales}
    dist = StandardisedDistance(observed, pr.scales, pr.prefix)
    res = ABCSMC(pr.priors, pr.simulate, dist, replace(pr.smc, master_seed=abc_seed), pr.stopping,
                 progress=False).run()
    pop = res.population
    idx = draw_rng.choice(len(pop.weights), size=pr.draws, p=pop.weights)
    params = {}
    for k, p in enumerate(pr.priors):
        zk, tz = pop.z[:, k], float(z_true[k])
        draws = zk[idx]
        ties = int(np.sum(draws == tz))
        rank = int(np.sum(draws < tz)) + int(draw_rng.integers(0, ties + 1))
        qs = weighted_quantiles(zk, pop.weights, [q for lev in LEVELS for q in ((1 - lev) / 2, (1 + lev) / 2)])
        mean = float(np.average(zk, weights=pop.weights))
        var = float(np.average((zk - mean) ** 2, weights=pop.weights))
        prior_var = p.variance_z()
        params[p.name] = {
            "truth_z": tz, "rank": rank, "posterior_mean_z": mean, "posterior_sd_z": math.sqrt(var),
            "contraction": 1.0 - var / prior_var,
            **{f"covered_{round(lev * 100)}": bool(qs[2 * j] <= tz <= qs[2 * j + 1]) for j, lev in enumerate(LEVELS)},
        }
        exact = getattr(pr.simulate, "exact_marginal", None)
        if exact is not None:  # a toy: the exact posterior's coverage of the same history, for reference
            post = exact(observed, p.name, p.low, p.high)
            for lev in LEVELS:
                lo_, hi_ = post.ppf((1 - lev) / 2), post.ppf((1 + lev) / 2)
                params[p.name][f"exact_covered_{round(lev * 100)}"] = bool(lo_ <= tz <= hi_)
    return record | {
        "observed": observed, "parameters": params, "generations": len(res.history),
        "final_epsilon": pop.epsilon, "ess": pop.ess, "stop_reason": res.stop_reason,
        "model_runs": int(sum(h["n_sims"] for h in res.history)) + len(hseeds),
        "seconds": round(time.perf_counter() - t0, 2),
    }


# --------------------------------------------------------------------------- the experiment
def identity(spec: CalibrationSpec, budget: Budget) -> dict[str, Any]:
    """What defines every truth's result (the number of truths does not: more truths extend a check)."""
    return {"spec": spec.identity(), "budget": asdict(budget), "stream": SBC_STREAM}


def truth_path(out: Path, i: int) -> Path:
    return out / "truths" / f"truth_{i:04d}.json"


def run_sbc(spec: CalibrationSpec, out: Path, truths: int, budget: Budget, executor: Any, n_workers: int = 1,
            bins: int | None = None, progress: bool = True, stop_after: int | None = None,
            log: Callable[[str], None] = print) -> dict[str, Any]:
    """Run (or continue) the SBC of ``spec`` with ``truths`` truths into ``out``; write and return the summary.

    ``stop_after`` runs at most that many missing truths and returns without a summary (to
    interrupt on purpose; a rerun continues). The folder must have been prepared by
    :func:`sim.commands.outputs.prepare_sbc_folder`.
    """
    if truths < 1:
        raise InputError("--truths", "", f"expected at least 1, got {truths}")
    out = Path(out)
    ident = identity(spec, budget)
    atomic_write_text(out / "sbc_identity.json",
                      json.dumps({"identity_hash": canonical_hash(ident), "identity": ident}, indent=2,
                                 default=json_default))
    problem = problem_of(spec, budget)
    missing = [i for i in range(truths) if not truth_path(out, i).exists()]
    if missing and len(missing) < truths:
        log(f"continuing: {truths - len(missing)} of {truths} truths are done")
    todo = missing if stop_after is None else missing[:stop_after]
    t0 = time.perf_counter()
    bar = tqdm(total=len(todo), desc="SBC truths", unit="truth", disable=not progress)
    try:
        for rec in _completed(executor, problem, todo, max(1, n_workers) * 2):
            atomic_write_text(truth_path(out, rec["index"]), json.dumps(rec, indent=2, default=json_default))
            bar.update()
    finally:
        bar.close()
    wall = time.perf_counter() - t0
    if len(todo) < len(missing):
        log(f"stopped after {len(todo)} truths on request; run the same command again to continue")
        return {"finished": False, "done": truths - len(missing) + len(todo)}
    records = [json.loads(truth_path(out, i).read_text()) for i in range(truths)]
    summary = summarise(spec, problem, records, budget, bins)
    summary["wall_seconds_this_call"] = round(wall, 1)
    atomic_write_text(out / "sbc.json", json.dumps(summary, indent=2, default=json_default))
    atomic_write_text(out / "sbc.md", sbc_md(summary))
    from .figures import sbc_ranks

    sbc_ranks(summary, out / "sbc_ranks.png")
    return summary


def _completed(executor: Any, problem: Problem, todo: list[int], window: int) -> Iterator[dict[str, Any]]:
    """Each truth's record as soon as it is done, with at most ``window`` truths in flight."""
    pending: set[Future] = set()
    queue = list(todo)
    while queue or pending:
        while queue and len(pending) < window:
            pending.add(executor.submit(run_truth, problem, queue.pop(0)))
        done, pending = wait(pending, return_when=FIRST_COMPLETED)
        for fut in done:
            yield fut.result()


def choose_bins(n: int, draws: int, bins: int | None = None) -> int:
    """Bins of the rank histogram: ``bins`` if given, else the most of :data:`BIN_CHOICES` that
    divide ``draws + 1`` and leave at least :data:`MIN_EXPECTED` truths per bin (at least 1)."""
    if bins is not None:
        if bins < 1 or (draws + 1) % bins:
            raise InputError("--bins", "", f"expected a divisor of draws + 1 = {draws + 1}, got {bins}")
        return bins
    for b in BIN_CHOICES:
        if (draws + 1) % b == 0 and n / b >= MIN_EXPECTED:
            return b
    return 1


def parameter_rows(priors: list[Prior], records: list[dict[str, Any]], draws: int,
                   bins: int | None = None) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Per parameter over the truths' ``records`` (those without an error): coverage, the rank histogram
    with a chi-square test, and contraction; and the binning (bins, expected per bin, band)."""
    ok = [r for r in records if "error" not in r]
    n, L = len(ok), draws
    B = choose_bins(n, L, bins)
    lo, hi = (stats.binom.ppf((1 - BAND) / 2, n, 1 / B), stats.binom.ppf((1 + BAND) / 2, n, 1 / B)) if n else (0, 0)
    rows = []
    for p in priors:
        ranks = np.array([r["parameters"][p.name]["rank"] for r in ok], dtype=int)
        counts = np.bincount(ranks * B // (L + 1), minlength=B) if n else np.zeros(B, int)
        chi2, pval = (stats.chisquare(counts) if B > 1 and n else (math.nan, math.nan))
        row: dict[str, Any] = {"parameter": p.name, "prior": p.kind, "rank_counts": counts.tolist(),
                               "chi2": float(chi2), "chi2_df": B - 1, "chi2_p": float(pval)}
        for lev in LEVELS:
            key = f"covered_{round(lev * 100)}"
            c = float(np.mean([r["parameters"][p.name][key] for r in ok])) if n else math.nan
            row[f"coverage_{round(lev * 100)}"] = c
            row[f"coverage_{round(lev * 100)}_se"] = math.sqrt(lev * (1 - lev) / n) if n else math.nan
            if n and "exact_" + key in ok[0]["parameters"][p.name]:
                row[f"exact_coverage_{round(lev * 100)}"] = float(np.mean([r["parameters"][p.name]["exact_" + key]
                                                                          for r in ok]))
        contr = [r["parameters"][p.name]["contraction"] for r in ok]
        row["contraction_mean"] = float(np.mean(contr)) if n else math.nan
        row["contraction_median"] = float(np.median(contr)) if n else math.nan
        row["identified"] = bool(n and row["contraction_mean"] >= IDENTIFIED_CONTRACTION
                                 and all(abs(row[f"coverage_{round(lev * 100)}"] - lev) <= COVERAGE_TOLERANCE
                                         for lev in LEVELS))
        rows.append(row)
    binning = {"draws": L, "bins": B, "expected_per_bin": n / B if B else math.nan, "band": BAND,
               "band_counts": [float(lo), float(hi)]}
    return rows, binning


def summarise(spec: CalibrationSpec, problem: Problem, records: list[dict[str, Any]], budget: Budget,
              bins: int | None = None) -> dict[str, Any]:
    """Coverage, rank histograms with a chi-square test, and contraction per parameter (module docstring)."""
    ok = [r for r in records if "error" not in r]
    n = len(ok)
    rows, binning = parameter_rows(problem.priors, records, budget.draws, bins)
    return {
        "spec": spec.file, "simulator": spec.simulator, "method": "smc", "truths": len(records),
        "failed_truths": len(records) - n,
        "method_text": (f"each truth: population {budget.population}, <= {budget.max_generations} generations, "
                        f"{problem.smc.replications} replications per particle"),
        "budget": asdict(budget), "replications": problem.smc.replications,
        "epsilon_quantile": problem.smc.epsilon_quantile, "kernel_scale": problem.smc.kernel_scale,
        "summaries": sorted(problem.scales), "scales": problem.scales, "history_seeds": problem.history_seeds,
        **binning, "parameters": rows,
        "generations_mean": float(np.mean([r["generations"] for r in ok])) if n else math.nan,
        "final_epsilon_median": float(np.median([r["final_epsilon"] for r in ok])) if n else math.nan,
        "model_runs_total": int(sum(r.get("model_runs", 0) for r in ok)),
        "truth_seconds_total": round(float(sum(r["seconds"] for r in records)), 1),
        "truth_seconds_mean": round(float(np.mean([r["seconds"] for r in records])), 2) if records else math.nan,
    }


def _smc_head(s: dict[str, Any]) -> str:
    b = s["budget"]
    return (f"{s['truths']} truths drawn from the prior ({s['failed_truths']} failed at the truth and are left out); "
            f"each calibrated with population {b['population']}, at most {b['max_generations']} generations and "
            f"{b['max_simulations']} model runs, {s['replications']} replications per particle "
            f"(kernel scale {s['kernel_scale']}, tolerance quantile {s['epsilon_quantile']}), against "
            f"{len(s['summaries'])} summaries ({', '.join(s['summaries'])}) with the standardised distance. "
            f"Mean generations {s['generations_mean']:.1f}, median final tolerance {s['final_epsilon_median']:.3g}; "
            f"{s['model_runs_total']} model runs, {s['truth_seconds_total']:.0f} s of work "
            f"({s['truth_seconds_mean']:.1f} s per truth).")


def sbc_md(s: dict[str, Any]) -> str:
    """``sbc.md``: the summary as tables."""
    if s.get("method") == "reference-table":
        head = (f"{s['truths']} truths drawn from the prior, each one model run; posterior of each = the "
                f"{s['draws']} nearest of {s['reference_table']} prior runs (rejection ABC on a reference table) by "
                f"the calibration's distance over its {len(s['targets'])} fitting targets ({', '.join(s['targets'])}), "
                f"capped at {s['cap']:g}; median tolerance {s['tolerance_median']:.3g}. The rejection posterior is "
                "wider than the sequential sampler's: its contraction is a lower bound on what a calibration learns.")
    else:
        head = _smc_head(s)
    lines = [f"# Simulation-based calibration: {Path(s['spec']).name}", "", head, "",
             f"Ranks: the truth among {s['draws']} posterior draws, in {s['bins']} bins "
             f"({s['expected_per_bin']:.1f} truths expected per bin; {s['band']:.0%} band "
             f"{s['band_counts'][0]:.0f}-{s['band_counts'][1]:.0f}). Coverage: share of truths inside the central "
             "credible interval (± one binomial standard error at the nominal level). Contraction: "
             "1 - posterior variance / prior variance, mean over truths (sampling space). Identified: contraction "
             f">= {IDENTIFIED_CONTRACTION:g} and both coverages within {COVERAGE_TOLERANCE:.0%} of nominal.", "",
             "| parameter | coverage 50% | coverage 90% | rank chi-square (df) | p-value | contraction | identified |",
             "|---|---|---|---|---|---|---|"]
    for r in s["parameters"]:
        lines.append(f"| `{r['parameter']}` | {r['coverage_50']:.0%} ± {r['coverage_50_se']:.0%} | "
                     f"{r['coverage_90']:.0%} ± {r['coverage_90_se']:.0%} | {r['chi2']:.1f} ({r['chi2_df']}) | "
                     f"{r['chi2_p']:.3f} | {r['contraction_mean']:.2f} | {'yes' if r['identified'] else 'no'} |")
    if "exact_coverage_50" in s["parameters"][0]:
        lines += ["", "The exact posterior (known for the toy) on the same synthetic histories covers: "
                  + "; ".join(f"`{r['parameter']}` {r['exact_coverage_50']:.0%} (50%), "
                              f"{r['exact_coverage_90']:.0%} (90%)" for r in s["parameters"])
                  + ". The gap between these and the nominal levels is the check's own noise (one history per truth); "
                  "the gap between them and the sampler's coverage is the sampler's error."]
    lines += ["", "Over-coverage with ranks humped in the middle: the posterior is too wide (a finite tolerance "
              "does this; a larger budget narrows it). Under-coverage with a U shape: too narrow. A slope: biased.", ""]
    return "\n".join(lines)
