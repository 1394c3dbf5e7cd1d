"""ABC-SMC on numpy/scipy: population Monte Carlo with an adaptive tolerance, resumable by generation.

The algorithm (Beaumont, Cornuet, Marin & Robert 2009, "Adaptive approximate Bayesian
computation", Biometrika 96(4); several pseudo-samples per particle and the tolerance schedule
as in Del Moral, Doucet & Jasra 2012, "An adaptive sequential Monte Carlo method for
approximate Bayesian computation", Statistics and Computing 22(5)):

Each particle ``theta`` is run on ``R`` seeds (``replications``), giving summaries
``s_1 .. s_R`` and one distance per replication, ``d_r = distance(s_r)``. Its *ABC likelihood
estimate* at tolerance ``eps`` is the share of replications within the tolerance,

    L_hat(theta) = (1/R) * #{r : d_r <= eps},

an unbiased estimate of ``P(distance(s) <= eps | theta)``. The target is the ABC posterior
``pi_eps(theta) ∝ prior(theta) * P(distance(s) <= eps | theta)`` whatever ``R``; more
replications only lower the variance of the weights. (Averaging the replications first and
accepting on the average, as this module once did, targets
``prior(theta) * P(distance(mean of R summaries) <= eps | theta)``: a posterior about
``sqrt(R)`` times too narrow for a Gaussian summary; see :mod:`sim.calibration.toy`.)

1. Generation 0: draw particles from the prior, simulate each ``R`` times; the tolerance is
   infinite, so every particle with at least one finite distance is kept, with weight
   ``∝ L_hat`` (the share of its runs that did not fail), until ``N`` are kept.
2. Generation ``t >= 1``: the tolerance ``eps_t`` is the ``alpha``-quantile of the distances
   of generation ``t-1`` that were within ``eps_{t-1}``, each replication weighted
   ``W_i / k_i`` (``k_i`` the number of particle ``i``'s replications within ``eps_{t-1}``):
   the distribution of the distance under the previous ABC posterior. Propose a particle by
   drawing one of generation ``t-1`` by weight and moving it with a Gaussian kernel whose
   covariance is ``kernel_scale`` (2 by default, Beaumont et al.) times the weighted covariance
   of generation ``t-1``; proposals outside the prior's support are redrawn without
   simulating. Simulate it ``R`` times; keep it when ``L_hat > 0`` (a proposal with
   ``L_hat = 0`` would have weight 0). Repeat until ``N`` particles are kept. The weight of a
   kept particle is

       W_i ∝ L_hat(theta_i) * prior(theta_i) / sum_j W_j^{t-1} K(theta_i | theta_j),

   normalised. With ``R = 1`` this is the usual ABC-SMC of Beaumont et al.
3. Stop when a rule of the :class:`StoppingRule` fires (number of generations, tolerance reached,
   acceptance rate too low, simulation budget spent).

The *acceptance rate* is the share of proposals kept (``L_hat > 0``).

Parameters live in a *sampling space* ``z``: the value itself for uniform and normal priors, its
logarithm for log-uniform priors (a kernel step then means the same relative change at any
scale). Prior densities, kernels and weights are all computed in ``z``; the importance weights
are therefore exact for the prior as stated. Integer parameters are sampled as real numbers and
rounded when the model is run (the rounding is part of the model, not of the sampler).

Parallelism and reproducibility: proposals are made in *batches* whose sizes depend only on the
spec and on earlier results, each batch from its own random stream
``SeedSequence(master_seed, spawn_key=(generation, batch))``; every simulation gets its own model
seed from that stream; the batch is run on any ``concurrent.futures`` executor (those of
:mod:`sim.experiments.executors`: serial, processes or Dask) and its results are taken in
proposal order. A calibration is therefore the same on one process, many, or a cluster; and the
first ``N`` kept proposals are an unbiased draw because the proposal order does not depend
on the results.

Resuming: after each generation its particles, weights, distances (one column per replication)
and summaries are written to ``DIR/generations/gen_XXX.parquet`` and ``DIR/state.json`` (each
written to a temporary file and moved into place with :func:`os.replace`, so a crash leaves
either the old or the new file). A rerun reads them and continues after the last complete
generation; because every random stream depends only on ``(master_seed, generation, batch)``
and the next generation depends only on the stored population, an interrupted-then-resumed
calibration gives exactly the result of an uninterrupted one. Work inside an unfinished
generation is lost.
"""

from __future__ import annotations

import functools
import json
import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import logsumexp
from tqdm import tqdm

from ..config import canonical_hash, json_default
from ..errors import InputError
from ..experiments.executors import SerialExecutor

PRIOR_KINDS = ("uniform", "loguniform", "normal")

#: Smallest number of kernel moves drawn at once when proposing (candidates outside the prior are
#: dropped; the first ones inside are kept, so results depend only on the random stream).
PROPOSAL_BLOCK = 4096

#: Identifies the sampling scheme in a calibration's identity: folders of another scheme are not resumed.
SCHEME = "abc-smc/per-replication-likelihood/1"

#: Simulate one parameter set with one seed; return named summaries (e.g. pattern distances).
Simulate = Callable[[dict[str, float], int], dict[str, float]]
#: Turn the summaries of *one* replication into a non-negative distance (smaller is closer;
#: ``inf`` or ``nan`` means never within any tolerance, e.g. a failed run).
Distance = Callable[[dict[str, float]], float]


# --------------------------------------------------------------------------- priors
@dataclass(frozen=True)
class Prior:
    """Prior of one parameter, by its scenario key path.

    ``uniform(low, high)``, ``loguniform(low, high)`` (uniform in the logarithm), or
    ``normal(mean, sd)`` truncated to ``[low, high]`` (either bound may be infinite).
    """

    name: str
    kind: str
    low: float = -math.inf
    high: float = math.inf
    mean: float = 0.0
    sd: float = 1.0
    integer: bool = False

    def __post_init__(self) -> None:
        if self.kind not in PRIOR_KINDS:
            raise ValueError(f"prior kind must be one of {PRIOR_KINDS}, got {self.kind!r}")
        if self.kind in ("uniform", "loguniform") and not (math.isfinite(self.low) and math.isfinite(self.high)):
            raise ValueError(f"{self.kind} prior of {self.name} needs finite low and high")
        if not self.low < self.high:
            raise ValueError(f"prior of {self.name}: low must be below high")
        if self.kind == "loguniform" and self.low <= 0:
            raise ValueError(f"loguniform prior of {self.name} needs low > 0")
        if self.kind == "normal" and not self.sd > 0:
            raise ValueError(f"normal prior of {self.name} needs sd > 0")

    # sampling space -------------------------------------------------------
    @property
    def z_bounds(self) -> tuple[float, float]:
        if self.kind == "loguniform":
            return math.log(self.low), math.log(self.high)
        return self.low, self.high

    def _dist(self) -> Any:
        if self.kind == "normal":
            a, b = (self.low - self.mean) / self.sd, (self.high - self.mean) / self.sd
            return stats.truncnorm(a, b, loc=self.mean, scale=self.sd)
        lo, hi = self.z_bounds
        return stats.uniform(loc=lo, scale=hi - lo)

    def sample_z(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return np.asarray(self._dist().rvs(size=n, random_state=rng), dtype=float)

    def logpdf_z(self, z: np.ndarray) -> np.ndarray:
        lo, hi = self.z_bounds
        z = np.asarray(z, dtype=float)
        out = np.asarray(self._dist().logpdf(z), dtype=float)
        return np.where((z >= lo) & (z <= hi), out, -np.inf)

    def to_value(self, z: float) -> float | int:
        v = math.exp(z) if self.kind == "loguniform" else float(z)
        v = min(max(v, self.low), self.high)  # exp/log round-off only; z is inside the support
        return int(round(v)) if self.integer else v

    def to_z(self, value: float) -> float:
        return math.log(value) if self.kind == "loguniform" else float(value)

    def variance_z(self) -> float:
        """Prior variance in the sampling space (for the contraction of ``sbc``)."""
        return float(self._dist().var())

    def quantile(self, q: float) -> float:
        """Value at prior quantile ``q`` (for plots and the parameter-recovery truth)."""
        z = float(self._dist().ppf(q))
        return math.exp(z) if self.kind == "loguniform" else z

    def pdf_value(self, v: np.ndarray) -> np.ndarray:
        """Prior density in the parameter's own units (for plots)."""
        v = np.asarray(v, dtype=float)
        if self.kind == "loguniform":
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.where(v > 0, np.exp(self.logpdf_z(np.log(np.where(v > 0, v, 1.0)))) / v, 0.0)
        return np.exp(self.logpdf_z(v))


def joint_logpdf(priors: Sequence[Prior], Z: np.ndarray) -> np.ndarray:
    """Log prior density of each row of ``Z`` (independent priors)."""
    Z = np.atleast_2d(Z)
    return np.sum([p.logpdf_z(Z[:, k]) for k, p in enumerate(priors)], axis=0)


# --------------------------------------------------------------------------- settings
@dataclass(frozen=True)
class StoppingRule:
    """When to stop: whichever fires first.

    - ``max_generations``: generations including generation 0;
    - ``min_epsilon``: stop after the generation whose tolerance is at most this;
    - ``min_acceptance_rate``: stop after a generation whose acceptance rate is below this, and
      abandon a generation (keep the previous one) whose proposals exceed
      ``population / min_acceptance_rate`` before it fills;
    - ``max_simulations``: do not start a generation once this many model runs are spent;
    - ``min_epsilon_drop``: stop when the tolerance fell by less than this share from the
      previous generation (the posterior no longer moves).
    """

    max_generations: int = 6
    min_epsilon: float = 0.0
    min_acceptance_rate: float = 0.02
    max_simulations: int = 50_000
    min_epsilon_drop: float = 0.0


@dataclass(frozen=True)
class SMCSettings:
    """What defines a calibration's generations (and so its identity, with the model)."""

    population: int = 200
    replications: int = 1
    epsilon_quantile: float = 0.5
    kernel_scale: float = 2.0
    master_seed: int = 0
    min_batch: int = 20

    def __post_init__(self) -> None:
        if self.population < 2:
            raise ValueError("population must be at least 2")
        if self.replications < 1:
            raise ValueError("replications must be at least 1")
        if not 0 < self.epsilon_quantile < 1:
            raise ValueError("epsilon_quantile must be in (0, 1)")


# --------------------------------------------------------------------------- populations
@dataclass
class Population:
    """One generation: particles (sampling space ``z`` and values), weights, distances, summaries."""

    generation: int
    epsilon: float
    z: np.ndarray                       # (N, d)
    weights: np.ndarray                 # (N,), sum 1
    rep_distances: np.ndarray           # (N, R): distance of each replication (inf: failed)
    seeds: np.ndarray                   # (N, R) model seeds
    summaries: dict[str, np.ndarray] = field(default_factory=dict)  # name -> (N,) mean over replications
    stats: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rep_distances = np.asarray(self.rep_distances, dtype=float).reshape(len(self.weights), -1)

    @property
    def ess(self) -> float:
        return float(1.0 / np.sum(self.weights ** 2))

    @property
    def distances(self) -> np.ndarray:
        """Each particle's mean distance over its replications (inf if one failed); for ranking particles."""
        return np.mean(self.rep_distances, axis=1)

    @property
    def likelihood(self) -> np.ndarray:
        """Each particle's ABC likelihood estimate at this generation's tolerance (share of replications within)."""
        return within(self.rep_distances, self.epsilon).mean(axis=1)

    def within_distances(self) -> tuple[np.ndarray, np.ndarray]:
        """The replications within the tolerance and their weights ``W_i / k_i`` (module docstring)."""
        ok = within(self.rep_distances, self.epsilon)
        k = ok.sum(axis=1)
        w = np.where(ok, (self.weights / np.maximum(k, 1))[:, None], 0.0)
        return self.rep_distances[ok], w[ok]

    def values(self, priors: Sequence[Prior]) -> dict[str, np.ndarray]:
        return {p.name: np.array([p.to_value(z) for z in self.z[:, k]]) for k, p in enumerate(priors)}

    def to_frame(self, priors: Sequence[Prior]) -> pd.DataFrame:
        data: dict[str, Any] = {"particle": np.arange(len(self.weights)), "weight": self.weights,
                                "distance": self.distances, "abc_likelihood": self.likelihood}
        data.update(self.values(priors))
        for k, p in enumerate(priors):
            data[f"z:{p.name}"] = self.z[:, k]
        for r in range(self.seeds.shape[1]):
            data[f"seed:{r}"] = self.seeds[:, r]
        for r in range(self.rep_distances.shape[1]):
            data[f"distance:{r}"] = self.rep_distances[:, r]
        for name, col in self.summaries.items():
            data[f"s:{name}"] = col
        return pd.DataFrame(data)

    @classmethod
    def from_frame(cls, df: pd.DataFrame, priors: Sequence[Prior], generation: int, epsilon: float,
                   stats_: dict[str, Any]) -> Population:
        z = np.column_stack([df[f"z:{p.name}"].to_numpy(float) for p in priors])
        seed_cols = sorted((c for c in df.columns if c.startswith("seed:")), key=lambda c: int(c[5:]))
        dist_cols = sorted((c for c in df.columns if c.startswith("distance:")), key=lambda c: int(c[9:]))
        summaries = {c[2:]: df[c].to_numpy(float) for c in df.columns if c.startswith("s:")}
        return cls(generation, epsilon, z, df["weight"].to_numpy(float), df[dist_cols].to_numpy(float),
                   df[seed_cols].to_numpy(np.int64), summaries, dict(stats_))


def params_of(priors: Sequence[Prior], z: np.ndarray) -> dict[str, Any]:
    """The model's parameter dict (scenario key path -> value) of one particle ``z`` in sampling space."""
    return {p.name: p.to_value(z[k]) for k, p in enumerate(priors)}


def within(d: np.ndarray, eps: float) -> np.ndarray:
    """``d <= eps`` for finite distances; a non-finite distance (a failed run) is never within."""
    d = np.asarray(d, dtype=float)
    return np.isfinite(d) & (d <= eps)


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    """The smallest ``x`` whose cumulative weight reaches ``q`` (weights need not sum to 1)."""
    order = np.argsort(x, kind="stable")
    cw = np.cumsum(w[order]) / np.sum(w)
    i = int(np.searchsorted(cw, q - 1e-12))
    return float(x[order][min(i, len(x) - 1)])


def weighted_cov(z: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted covariance of the rows of ``z``, made positive definite.

    The diagonal is raised by 0.1% (a ridge that changes a well-estimated kernel negligibly), so
    the matrix stays invertible when the population is smaller than the number of parameters or
    has collapsed in some direction; a dimension with no spread at all gets a tiny width.
    """
    d = z.shape[1]
    if len(z) < 2:
        return np.eye(d)
    cov = np.atleast_2d(np.cov(z.T, aweights=w, ddof=0))
    diag = np.diag(cov).copy()
    scale = float(np.max(diag)) if np.max(diag) > 0 else 1.0
    diag = np.where(diag > 1e-12 * scale, diag, 1e-8 * scale)
    np.fill_diagonal(cov, diag * 1.001)
    return cov


# --------------------------------------------------------------------------- executors
def _run_chunk(simulate: Simulate, chunk: list[tuple[dict[str, float], int]]) -> list[dict[str, float]]:
    return [simulate(params, seed) for params, seed in chunk]


def run_many(simulate: Simulate, tasks: list[tuple[dict[str, Any], int]], executor: Any = None, n_workers: int = 1,
             bar: tqdm | None = None) -> list[dict[str, float]]:
    """``simulate`` over ``(params, seed)`` tasks on ``executor``, in task order, in chunks of a few per worker."""
    executor = executor or SerialExecutor()
    if not tasks:
        return []
    n_chunks = min(len(tasks), max(1, n_workers) * 4)
    size = math.ceil(len(tasks) / n_chunks)
    chunks = [tasks[i:i + size] for i in range(0, len(tasks), size)]
    out: list[dict[str, float]] = []
    for res in executor.map(functools.partial(_run_chunk, simulate), chunks):
        out.extend(res)
        if bar is not None:
            bar.update(len(res))
    return out


# --------------------------------------------------------------------------- store
class GenerationStore:
    """A calibration folder: ``generations/gen_XXX.parquet``, ``state.json``, ``generations.csv``."""

    def __init__(self, folder: Path, identity: dict[str, Any]) -> None:
        self.folder = Path(folder)
        self.identity = identity
        self.identity_hash = canonical_hash(identity)
        self.state_path = self.folder / "state.json"

    def gen_path(self, t: int) -> Path:
        return self.folder / "generations" / f"gen_{t:03d}.parquet"

    def load_state(self) -> dict[str, Any] | None:
        if not self.state_path.exists():
            return None
        try:
            state = json.loads(self.state_path.read_text())
        except json.JSONDecodeError:
            raise InputError(str(self.state_path), "", "expected the JSON state of a calibration; "
                             "the file is damaged (delete the folder to start again)") from None
        if state.get("identity_hash") != self.identity_hash:
            raise InputError(str(self.folder), "state.json",
                             f"this folder holds a calibration of a different spec, model or scenario "
                             f"(identity {state.get('identity_hash')}, this spec {self.identity_hash}); "
                             "use another --out folder, or delete this one to start again")
        return state

    def _write_population(self, pop: Population, priors: Sequence[Prior], path: Path) -> None:
        """``pop`` as Parquet at ``path`` (a temporary file moved into place)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".parquet.tmp")
        pop.to_frame(priors).to_parquet(tmp, index=False)
        os.replace(tmp, path)

    def save_generation(self, pop: Population, priors: Sequence[Prior], history: list[dict[str, Any]],
                        extra_state: dict[str, Any]) -> None:
        self._write_population(pop, priors, self.gen_path(pop.generation))
        self.save_state(history, extra_state)

    def save_state(self, history: list[dict[str, Any]], extra_state: dict[str, Any]) -> None:
        state = {"identity_hash": self.identity_hash, "identity": self.identity,
                 "generations_done": len(history), "history": history, **extra_state}
        old = self.load_state()
        if old and "moved" in old:  # the moved final population stays on record (load_moved checks it still fits)
            state.setdefault("moved", old["moved"])
        atomic_write_text(self.state_path, json.dumps(state, indent=2, default=json_default))
        atomic_write_text(self.folder / "generations.csv", pd.DataFrame(history).to_csv(index=False))

    def save_moved(self, pop: Population, priors: Sequence[Prior], settings: dict[str, Any]) -> None:
        """Write the moved final population (:mod:`sim.calibration.moves`) and record its settings and statistics
        in ``state.json``."""
        state = self.load_state() or {}
        state.pop("moved", None)  # first forget the old moves, so a crash before the end leaves none on record
        atomic_write_text(self.state_path, json.dumps(state, indent=2, default=json_default))
        self._write_population(pop, priors, self.moved_path)
        state["moved"] = {"settings": settings, "stats": pop.stats}
        atomic_write_text(self.state_path, json.dumps(state, indent=2, default=json_default))

    def load_moved(self, priors: Sequence[Prior], settings: dict[str, Any], generation: int) -> Population | None:
        """The moved final population saved for these move ``settings`` and this final ``generation``, or None."""
        state = self.load_state() or {}
        moved = state.get("moved")
        if not isinstance(moved, dict) or moved.get("settings") != settings or not self.moved_path.exists() \
                or moved.get("stats", {}).get("generation") != generation:
            return None
        stats_ = moved["stats"]
        return Population.from_frame(pd.read_parquet(self.moved_path), priors, generation, float(stats_["epsilon"]),
                                     stats_)

    @property
    def moved_path(self) -> Path:
        return self.folder / "generations" / "moved.parquet"

    def load_population(self, t: int, priors: Sequence[Prior], row: dict[str, Any]) -> Population:
        path = self.gen_path(t)
        if not path.exists():
            raise InputError(str(path), "", "expected the generation file named in state.json; "
                             "the folder is incomplete (delete it to start again)")
        return Population.from_frame(pd.read_parquet(path), priors, t, float(row["epsilon"]), row)


def atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


# --------------------------------------------------------------------------- the sampler
@dataclass
class ABCResult:
    """The final population, every generation's statistics, and why the sampler stopped."""

    population: Population
    history: list[dict[str, Any]]
    stop_reason: str
    priors: list[Prior]
    finished: bool = True

    def posterior_frame(self) -> pd.DataFrame:
        return self.population.to_frame(self.priors)


class ABCSMC:
    """ABC-SMC sampler; see the module docstring for the algorithm.

    ``simulate(params, seed) -> summaries`` must be picklable (a module-level function, a
    ``functools.partial`` of one, or an instance of a module-level class) to run on processes.
    ``distance(summaries) -> float`` is the distance of one replication (non-negative; smaller is
    closer); it runs in the calling process.
    """

    def __init__(self, priors: Sequence[Prior], simulate: Simulate, distance: Distance,
                 settings: SMCSettings, stopping: StoppingRule | None = None,
                 store: GenerationStore | None = None, executor: Any = None, n_workers: int = 1,
                 progress: bool = True, log: Callable[[str], None] | None = None) -> None:
        self.priors = list(priors)
        self.simulate = simulate
        self.distance = distance
        self.s = settings
        self.stop = stopping or StoppingRule()
        self.store = store
        self.executor = executor or SerialExecutor()
        self.n_workers = max(1, n_workers)
        self.progress = progress
        self.log = log or (lambda msg: None)
        self.history: list[dict[str, Any]] = []
        self.sims_total = 0

    # -- public -------------------------------------------------------------
    def run(self, max_generations: int | None = None) -> ABCResult:
        """Run (or resume) until the stopping rule fires.

        ``max_generations`` stops after that many generations in total *without* finishing (to
        interrupt on purpose); a later call resumes.
        """
        pop, stop_reason = self._resume()
        while stop_reason is None:
            if pop is not None:
                stop_reason = self._should_stop(pop)
                if stop_reason:
                    break
            t = 0 if pop is None else pop.generation + 1
            if max_generations is not None and t >= max_generations:
                break
            new = self._generation(t, pop)
            if new is None:
                cap = math.ceil(self.s.population / self.stop.min_acceptance_rate)
                stop_reason = (f"generation {t} abandoned after {cap} proposals: acceptance rate below "
                               f"min_acceptance_rate = {self.stop.min_acceptance_rate}; "
                               f"the posterior is generation {t - 1}")
                break
            pop = new
            self.history.append(new.stats)
            if self.store:
                self.store.save_generation(new, self.priors, self.history, {"finished": False})
            self.log(f"generation {t}: epsilon {new.epsilon:.4g}, ESS {new.ess:.0f}, "
                     f"acceptance {new.stats['acceptance_rate']:.3f}, {new.stats['n_sims']} runs, "
                     f"{new.stats['seconds']:.0f} s")
        if pop is None:
            raise RuntimeError("no generation was run (max_generations is 0)")
        finished = stop_reason is not None
        if self.store:
            self.store.save_state(self.history, {"finished": finished, "stop_reason": stop_reason,
                                                 "stopping": asdict(self.stop)})
        return ABCResult(pop, list(self.history), stop_reason or "interrupted (max_generations argument)",
                         self.priors, finished)

    # -- internals ----------------------------------------------------------
    def _resume(self) -> tuple[Population | None, str | None]:
        if not self.store:
            return None, None
        state = self.store.load_state()
        if not state or not state.get("history"):
            return None, None
        self.history = list(state["history"])
        self.sims_total = int(sum(h["n_sims"] for h in self.history))
        last = self.history[-1]
        pop = self.store.load_population(int(last["generation"]), self.priors, last)
        if state.get("finished") and state.get("stopping") == asdict(self.stop):
            return pop, state["stop_reason"]
        self.log(f"resuming after generation {pop.generation} ({self.sims_total} runs done)")
        return pop, None

    def _should_stop(self, pop: Population) -> str | None:
        st = pop.stats
        if pop.generation + 1 >= self.stop.max_generations:
            return f"reached max_generations = {self.stop.max_generations}"
        if pop.generation > 0 and pop.epsilon <= self.stop.min_epsilon:
            return f"tolerance {pop.epsilon:.4g} reached min_epsilon = {self.stop.min_epsilon}"
        if pop.generation > 0 and st["acceptance_rate"] < self.stop.min_acceptance_rate:
            return f"acceptance rate {st['acceptance_rate']:.4f} below min_acceptance_rate"
        if self.sims_total >= self.stop.max_simulations:
            return f"simulation budget spent ({self.sims_total} >= max_simulations = {self.stop.max_simulations})"
        if pop.generation > 1 and self.stop.min_epsilon_drop > 0:
            prev = self.history[pop.generation - 1]["epsilon"]
            if prev > 0 and (prev - pop.epsilon) / prev < self.stop.min_epsilon_drop:
                return f"tolerance fell by less than min_epsilon_drop = {self.stop.min_epsilon_drop}"
        return None

    def _generation(self, t: int, prev: Population | None) -> Population | None:
        s, N, R = self.s, self.s.population, self.s.replications
        t0 = time.perf_counter()
        if prev is None:
            eps = math.inf
            rate_guess = 1.0
            chol = None
        else:
            eps = weighted_quantile(*prev.within_distances(), s.epsilon_quantile)
            rate_guess = max(prev.stats["acceptance_rate"] * 0.8, self.stop.min_acceptance_rate)
            cov = s.kernel_scale * weighted_cov(prev.z, prev.weights)
            chol = np.linalg.cholesky(cov)
        max_props = math.ceil(N / self.stop.min_acceptance_rate)
        acc_z: list[np.ndarray] = []
        acc_d: list[np.ndarray] = []
        acc_seeds: list[np.ndarray] = []
        acc_sum: list[dict[str, float]] = []
        n_props = n_acc_all = 0
        bar = tqdm(total=N, desc=f"generation {t} (eps {eps:.3g})", unit="particle", disable=not self.progress,
                   leave=False)
        try:
            batch = 0
            while len(acc_d) < N:
                need = N - len(acc_d)
                size = need if batch == 0 and prev is None else max(s.min_batch, math.ceil(need / rate_guess))
                size = min(size, max_props - n_props)
                if size <= 0:
                    if prev is None:
                        raise RuntimeError(f"fewer than {N} of {n_props} prior draws gave a finite distance "
                                           "(failed runs or a distance that is never finite)")
                    return None
                rng = np.random.default_rng(np.random.SeedSequence(s.master_seed, spawn_key=(t, batch)))
                Z = self._propose(rng, size, prev, chol)
                seeds = rng.integers(0, 2**31 - 1, size=(size, R), dtype=np.int64)
                summaries = self._simulate_batch(Z, seeds, bar)
                if summaries and all(sm.get("error", 0.0) for sm in summaries) and t == 0 and batch == 0:
                    raise RuntimeError(f"all {len(summaries)} model runs of the first batch failed; "
                                       "the first failure is printed above")
                for i in range(size):
                    reps = summaries[i * R:(i + 1) * R]
                    d = np.array([distance_of(self.distance, r) for r in reps])
                    if within(d, eps).any():
                        n_acc_all += 1
                        if len(acc_d) < N:
                            acc_z.append(Z[i])
                            acc_d.append(d)
                            acc_seeds.append(seeds[i])
                            acc_sum.append(mean_summaries(reps))
                            bar.update()
                n_props += size
                self.sims_total += size * R
                rate_guess = max(n_acc_all / n_props, self.stop.min_acceptance_rate)
                batch += 1
        finally:
            bar.close()
        Z = np.array(acc_z)
        D = np.array(acc_d)
        lik = within(D, eps).mean(axis=1)
        w = lik / lik.sum() if prev is None else self._weights(Z, prev, chol, lik)
        keys = sorted({k for sm in acc_sum for k in sm})
        summaries_arr = {k: np.array([sm.get(k, math.nan) for sm in acc_sum]) for k in keys}
        pop = Population(t, eps, Z, w, D, np.array(acc_seeds, dtype=np.int64), summaries_arr)
        inside = D[within(D, eps)]
        pop.stats = {"generation": t, "epsilon": eps if math.isfinite(eps) else float("inf"), "ess": pop.ess,
                     "acceptance_rate": n_acc_all / n_props, "n_proposals": n_props, "n_sims": n_props * R,
                     "n_sims_total": self.sims_total, "distance_median": float(np.median(inside)),
                     "distance_min": float(np.min(inside)), "mean_abc_likelihood": float(np.mean(lik)),
                     "seconds": round(time.perf_counter() - t0, 2)}
        return pop

    def _propose(self, rng: np.random.Generator, size: int, prev: Population | None,
                 chol: np.ndarray | None) -> np.ndarray:
        d = len(self.priors)
        if prev is None:
            return np.column_stack([p.sample_z(rng, size) for p in self.priors]).reshape(size, d)
        # Candidates are drawn in blocks of at least PROPOSAL_BLOCK: with many parameters only a
        # small share of kernel moves lands inside every prior bound at once (each bound cuts a
        # share), and drawing one candidate per missing particle would take thousands of rounds.
        out = np.empty((size, d))
        filled = 0
        tries = 0
        while filled < size:
            m = max(size - filled, PROPOSAL_BLOCK)
            idx = rng.choice(len(prev.weights), size=m, p=prev.weights)
            cand = prev.z[idx] + rng.standard_normal((m, d)) @ chol.T
            cand = cand[np.isfinite(joint_logpdf(self.priors, cand))][:size - filled]
            out[filled:filled + len(cand)] = cand
            filled += len(cand)
            tries += 1
            if tries > 10_000:
                raise RuntimeError("could not propose inside the prior's support (kernel far too wide?)")
        return out

    def _simulate_batch(self, Z: np.ndarray, seeds: np.ndarray, bar: tqdm) -> list[dict[str, float]]:
        R = seeds.shape[1]
        tasks = []
        for i in range(len(Z)):
            params = self.params_of(Z[i])
            tasks.extend((params, int(seeds[i, r])) for r in range(R))
        out = run_many(self.simulate, tasks, self.executor, self.n_workers)
        bar.set_postfix_str(f"{self.sims_total + len(out)} runs", refresh=True)
        return out

    def params_of(self, z: np.ndarray) -> dict[str, Any]:
        """The model's parameter dict for one particle in sampling space."""
        return params_of(self.priors, z)

    def _weights(self, Z: np.ndarray, prev: Population, chol: np.ndarray, lik: np.ndarray) -> np.ndarray:
        """``lik * prior / sum_j W_j K(z | z_j)``, normalised (module docstring)."""
        cov = chol @ chol.T
        logprior = joint_logpdf(self.priors, Z)
        # log sum_j W_j N(z_i; z_j, cov), for every i
        diff = Z[:, None, :] - prev.z[None, :, :]
        mvn = stats.multivariate_normal(mean=np.zeros(Z.shape[1]), cov=cov)
        logk = mvn.logpdf(diff.reshape(-1, Z.shape[1])).reshape(len(Z), len(prev.z))
        logq = logsumexp(logk + np.log(prev.weights)[None, :], axis=1)
        logw = logprior - logq + np.log(lik)
        w = np.exp(logw - logw.max())
        return w / w.sum()


def distance_of(distance: Distance, summaries: dict[str, float]) -> float:
    """One replication's distance; a failed run (``error``) or a non-finite value is ``inf``."""
    if summaries.get("error", 0.0):
        return math.inf
    d = float(distance(summaries))
    if d < 0:
        raise ValueError(f"a distance must be non-negative, got {d} (distance {distance!r})")
    return d if math.isfinite(d) else math.inf


def mean_distance(distance: Distance, reps: list[dict[str, float]]) -> float:
    """Mean of the replications' distances (inf if one failed): how the point estimate ranks candidates."""
    return float(np.mean([distance_of(distance, r) for r in reps])) if reps else math.inf


def mean_summaries(reps: list[dict[str, float]]) -> dict[str, float]:
    keys = {k for r in reps for k in r}
    out = {}
    for k in sorted(keys):
        vals = [float(r[k]) for r in reps if k in r]
        out[k] = float(np.mean(vals)) if vals else math.nan
    return out
