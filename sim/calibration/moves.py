"""Resample-move: ABC-MCMC moves that rejuvenate the final population of ABC-SMC.

In many dimensions the importance weights of ABC-SMC degenerate (:mod:`sim.calibration.abc`,
docs/calibration.md "Limits of the sampler"): model 3.9's calibration of 26 parameters ended with an
effective sample size of 2 of 300 particles, so its posterior rested on a handful of distinct
parameter sets. After the sampler stops, the final population is resampled by weight (systematic resampling:
``N`` equally weighted particles, many of them copies of one another) and every particle then takes
``steps`` Metropolis-Hastings moves that leave the ABC posterior at the final tolerance invariant
(resample-move, Gilks & Berzuini 2001; the MCMC kernel of the replenishment ABC-SMC of Drovandi &
Pettitt 2011):

    z' = z + L u,  u ~ N(0, I),  L L^T = kernel_scale x the covariance of the final population's particles;
    run z' on R fresh seeds; L_hat' = share of its replications within the final tolerance;
    accept with probability min(1, prior(z') L_hat' / (prior(z) L_hat)).

Each particle keeps the ``L_hat`` of the runs that put it where it is (it is not re-estimated),
which makes each chain pseudo-marginal (Andrieu & Roberts 2009): it leaves the ABC posterior
``prior(theta) P(distance <= eps | theta)`` invariant, for any number of replications ``R``;
resampling by weight starts the chains from the sampler's importance-sampling approximation of it
(the weights already carry ``L_hat``). The moves do not correct a poor start within ``steps``: with
a degenerate final population all chains descend from few *ancestors* (the distinct particles after
resampling, reported), and a particle that moved once is distinct without being an independent
draw. A proposal outside the prior's support is rejected without a run. The kernel is the same at
every step; its covariance is that of the final population's particles unweighted (the weighted
covariance of a degenerate population spans only the few directions its heavy particles define).
``kernel_scale`` 0.2 is close to ``2.38^2 / d`` for d = 26 parameters, the optimal scale of a
random-walk Metropolis kernel for a Gaussian target (Roberts, Gelman & Gilks 1997).

Randomness: the resampling draws from ``SeedSequence(master_seed, spawn_key=(MOVE_STREAM, 0))`` and
step ``k`` (1, 2, ...) from ``spawn_key=(MOVE_STREAM, k)``, apart from every generation's streams;
the proposals of a step are run in particle order on any executor, so the moves are the same on one
process or many. The moved population is saved with the calibration (:class:`sim.calibration.abc.GenerationStore`);
moves interrupted before the end are redone from the start (the same draws) on the next run.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from tqdm import tqdm

from .abc import Population, distance_of, joint_logpdf, mean_summaries, params_of, run_many, weighted_cov, within

if TYPE_CHECKING:
    from .abc import Distance, Prior, Simulate

#: First element of the move step's spawn keys: far above any generation index, so its random streams
#: never meet a generation's ``(t, batch)`` streams, and apart from the other streams of a calibration
#: (:mod:`sim.calibration.predictive`, :mod:`sim.calibration.counterfactuals`, :mod:`sim.calibration.sbc_table`).
MOVE_STREAM = 1_000_010
#: Identifies the move scheme in the saved moves' settings: moves of another scheme are redone, not read back.
MOVE_SCHEME = "resample-move/systematic/pseudo-marginal/unweighted-kernel/1"


@dataclass(frozen=True)
class MoveSettings:
    """The resample-move step after the sampler (``[moves]`` of a calibration spec; see the module docstring).

    ``steps``: Metropolis-Hastings moves per particle (0: no step, the final population as the sampler left it);
    ``kernel_scale``: the proposal's covariance in units of the covariance of the final population's particles
    (unweighted).
    """

    steps: int = 0
    kernel_scale: float = 0.2

    def key(self) -> dict[str, Any]:
        """What the saved moves must match to be read back: these settings and :data:`MOVE_SCHEME`."""
        return {"steps": self.steps, "kernel_scale": self.kernel_scale, "scheme": MOVE_SCHEME}

    def __post_init__(self) -> None:
        if self.steps < 0:
            raise ValueError("steps must be at least 0")
        if not self.kernel_scale > 0:
            raise ValueError("kernel_scale must be positive")


def distinct_particles(z: np.ndarray) -> int:
    """Number of distinct rows of ``z`` (particles that are not copies of one another)."""
    return int(len(np.unique(np.asarray(z), axis=0))) if len(z) else 0


def systematic_resample(weights: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Indices of ``len(weights)`` draws by ``weights`` (summing to 1), systematic: one uniform offset, evenly spaced
    points (lower variance than multinomial draws; Kitagawa 1996)."""
    n = len(weights)
    points = (rng.random() + np.arange(n)) / n
    return np.minimum(np.searchsorted(np.cumsum(weights), points, side="right"), n - 1)


def move(pop: Population, priors: Sequence[Prior], simulate: Simulate, distance: Distance,
         settings: MoveSettings, master_seed: int, executor: Any, n_workers: int = 1,
         progress: bool = True) -> Population:
    """The population after resampling ``pop`` by weight and ``settings.steps`` moves per particle (equal weights).

    Its ``stats`` are ``pop``'s (its ESS, distances and mean likelihood recomputed) plus the move step's: acceptance
    per step and its mean, the share of particles that moved at least once, the ancestors (distinct particles
    after resampling, ``distinct_before``) and the distinct particles after the moves, the sampler's ESS, the model
    runs and the seconds spent."""
    t0 = time.perf_counter()
    n, dims = pop.z.shape
    reps = pop.rep_distances.shape[1]
    eps = pop.epsilon
    rng = np.random.default_rng(np.random.SeedSequence(master_seed, spawn_key=(MOVE_STREAM, 0)))
    idx = systematic_resample(pop.weights, rng)
    z = pop.z[idx].copy()
    dist = pop.rep_distances[idx].copy()
    seeds = pop.seeds[idx].copy()
    summaries = {k: v[idx].copy() for k, v in pop.summaries.items()}
    lik = within(dist, eps).mean(axis=1)
    logprior = joint_logpdf(priors, z)
    chol = np.linalg.cholesky(settings.kernel_scale * weighted_cov(pop.z, np.full(n, 1.0 / n)))
    moved = np.zeros(n, dtype=bool)
    acceptance: list[float] = []
    runs = 0
    bar = tqdm(total=settings.steps, desc=f"moves (eps {eps:.3g})", unit="step", disable=not progress, leave=False)
    try:
        for k in range(1, settings.steps + 1):
            rng = np.random.default_rng(np.random.SeedSequence(master_seed, spawn_key=(MOVE_STREAM, k)))
            cand = z + rng.standard_normal((n, dims)) @ chol.T
            cand_logprior = joint_logpdf(priors, cand)
            inside = np.flatnonzero(np.isfinite(cand_logprior))
            cand_seeds = rng.integers(0, 2**31 - 1, size=(n, reps), dtype=np.int64)
            u = rng.random(n)
            tasks = []
            for i in inside:
                params = params_of(priors, cand[i])
                tasks.extend((params, int(cand_seeds[i, r])) for r in range(reps))
            out = run_many(simulate, tasks, executor, n_workers)
            runs += len(tasks)
            accepted = 0
            for m, i in enumerate(inside):
                rows = out[m * reps:(m + 1) * reps]
                d = np.array([distance_of(distance, r) for r in rows])
                cand_lik = float(within(d, eps).mean())
                if cand_lik <= 0.0:
                    continue
                log_ratio = cand_logprior[i] + math.log(cand_lik) - logprior[i] - math.log(lik[i])
                if log_ratio >= 0.0 or u[i] < math.exp(log_ratio):
                    z[i], dist[i], seeds[i], lik[i], logprior[i] = cand[i], d, cand_seeds[i], cand_lik, cand_logprior[i]
                    new = mean_summaries(rows)
                    for key, column in summaries.items():
                        column[i] = new.get(key, math.nan)
                    moved[i] = True
                    accepted += 1
            acceptance.append(accepted / n)
            bar.update()
            bar.set_postfix_str(f"accepted {accepted / n:.1%}, moved {moved.mean():.0%}", refresh=True)
    finally:
        bar.close()
    out_pop = Population(pop.generation, eps, z, np.full(n, 1.0 / n), dist, seeds, summaries)
    inside = dist[within(dist, eps)]
    out_pop.stats = dict(pop.stats) | {
        "ess": out_pop.ess, "distance_median": float(np.median(inside)), "distance_min": float(np.min(inside)),
        "mean_abc_likelihood": float(np.mean(lik)),
        "move_steps": settings.steps, "move_kernel_scale": settings.kernel_scale,
        "move_acceptance": [round(a, 4) for a in acceptance],
        "move_acceptance_mean": float(np.mean(acceptance)) if acceptance else 0.0, "moved_share": float(moved.mean()),
        "distinct_before": distinct_particles(pop.z[idx]), "distinct_particles": distinct_particles(z),
        "ess_before": pop.ess, "move_runs": runs, "move_seconds": round(time.perf_counter() - t0, 2)}
    return out_pop
