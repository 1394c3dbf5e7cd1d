"""Toy models with a known posterior, to check the sampler (tests, docs and ``sbc`` on a toy spec).

**NormalMean** (one parameter): ``n`` draws from ``Normal(mu, sigma)`` with ``sigma`` known; the
summary is their mean, sufficient for ``mu``. With a ``Normal(m0, s0)`` prior the exact posterior
of ``mu`` given an observed mean ``xbar`` is Normal with

    variance = 1 / (1 / s0**2 + n / sigma**2),   mean = variance * (m0 / s0**2 + n * xbar / sigma**2).

**LinearGaussian** (two parameters, bounded priors): ``n`` observations
``y_i = a + b * t_i + sigma * e_i`` at fixed design points ``t_i`` evenly spaced in ``[-1, 1]``
(so ``sum t_i = 0``), ``e_i`` standard normal. The summaries are the sample mean ``m`` and the
least-squares slope ``k = sum t_i y_i / sum t_i**2``: jointly sufficient for ``(a, b)`` and
independent, ``m ~ Normal(a, sigma**2 / n)`` and ``k ~ Normal(b, sigma**2 / sum t_i**2)``. With
the standardised distance ``d = sqrt(((m - m_obs) / sd_m)**2 / 2 + ((k - k_obs) / sd_k)**2 / 2)``
(:class:`sim.calibration.simulator.StandardisedDistance` with the summaries' own standard
deviations as scales) both the exact posterior and the ABC posterior at any tolerance are known
on a grid:

    exact:  p(a, b | obs)   ∝ prior(a, b) * N(m_obs; a, sd_m) * N(k_obs; b, sd_k)
    ABC:    p_eps(a, b | obs) ∝ prior(a, b) * P(d <= eps | a, b)
                            = prior(a, b) * F_ncx2(2 * eps**2; df=2, nc=((a - m_obs)/sd_m)**2 + ((b - k_obs)/sd_k)**2)

since ``2 d**2`` is a non-central chi-square with 2 degrees of freedom given ``(a, b)``.
:func:`grid_moments` computes either posterior's means and standard deviations.

**AveragedReplications** wraps a simulator so that one call returns the *mean* of ``R`` runs'
summaries: with ``replications = 1`` in the sampler this is exactly the scheme the sampler used
before (average the replications, accept on the average), kept so that a test can show that the
toy check has the power to see that scheme's too-narrow posterior.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

#: Grid points per parameter of :func:`grid_moments` (the posterior's moments converge far below this).
GRID_POINTS = 401


@dataclass(frozen=True)
class NormalMean:
    """``simulate(params, seed)``: the mean of ``n`` draws from ``Normal(params["mu"], sigma)``."""

    n: int = 10
    sigma: float = 1.0

    def __call__(self, params: dict[str, float], seed: int) -> dict[str, float]:
        rng = np.random.default_rng(seed)
        return {"xbar": float(rng.normal(params["mu"], self.sigma, size=self.n).mean())}

    def posterior(self, xbar: float, m0: float, s0: float) -> tuple[float, float]:
        """Exact posterior mean and standard deviation of ``mu``."""
        var = 1.0 / (1.0 / s0**2 + self.n / self.sigma**2)
        return var * (m0 / s0**2 + self.n * xbar / self.sigma**2), math.sqrt(var)


@dataclass(frozen=True)
class AbsDistance:
    """``|xbar - observed|`` of one replication."""

    observed: float

    def __call__(self, summaries: dict[str, float]) -> float:
        return abs(summaries["xbar"] - self.observed)


@dataclass(frozen=True)
class LinearGaussian:
    """``simulate(params, seed)`` for parameters ``a`` (level) and ``b`` (slope): summaries ``mean`` and ``slope``.

    ``n`` observations with noise standard deviation ``sigma`` (same units as ``a``); see the
    module docstring.
    """

    n: int = 10
    sigma: float = 1.0

    PARAMETERS = ("a", "b")
    SUMMARIES = ("mean", "slope")

    def __post_init__(self) -> None:
        t = np.linspace(-1.0, 1.0, self.n)
        # the summaries are linear in the noise: mean = a + e.(1/n), slope = b + e.(t / t.t)
        object.__setattr__(self, "_noise_weights", self.sigma * np.vstack([np.full(self.n, 1.0 / self.n), t / (t @ t)]))

    @property
    def design(self) -> np.ndarray:
        return np.linspace(-1.0, 1.0, self.n)

    def __call__(self, params: dict[str, float], seed: int) -> dict[str, float]:
        # the same numbers as y = a + b t + sigma e, then the mean and the least-squares slope of y
        rng = np.random.Generator(np.random.PCG64(seed))  # = default_rng(seed), without its overhead
        m, k = self._noise_weights @ rng.standard_normal(self.n)  # type: ignore[attr-defined]
        return {"mean": params["a"] + float(m), "slope": params["b"] + float(k)}

    def scales(self) -> dict[str, float]:
        """Standard deviation of each summary given the parameters (the same everywhere)."""
        t = self.design
        return {"mean": self.sigma / math.sqrt(self.n), "slope": self.sigma / math.sqrt(float(t @ t))}

    def exact_marginal(self, observed: dict[str, float], name: str, low: float, high: float) -> Any:
        """The exact posterior of ``name`` (``a`` or ``b``) under a uniform prior ``[low, high]``: a
        normal around the observed summary truncated to the prior (the posterior factorises)."""
        summary = {"a": "mean", "b": "slope"}[name]
        m, sd = observed[summary], self.scales()[summary]
        return stats.truncnorm((low - m) / sd, (high - m) / sd, loc=m, scale=sd)

    def grid_moments(self, observed: dict[str, float], priors: Sequence[tuple[float, float]],
                     eps: float = 0.0, points: int = GRID_POINTS) -> dict[str, tuple[float, float]]:
        """Posterior mean and standard deviation of ``a`` and ``b`` under uniform priors ``[(lo, hi), (lo, hi)]``.

        ``eps = 0``: the exact posterior; ``eps > 0``: the ABC posterior at that tolerance of the
        standardised distance (module docstring).
        """
        sc = self.scales()
        (alo, ahi), (blo, bhi) = priors
        a = np.linspace(alo, ahi, points)
        b = np.linspace(blo, bhi, points)
        za = (a[:, None] - observed["mean"]) / sc["mean"]
        zb = (b[None, :] - observed["slope"]) / sc["slope"]
        if eps <= 0:
            logp = -0.5 * (za**2 + zb**2)
            p = np.exp(logp - logp.max())
        else:
            p = stats.ncx2.cdf(2 * eps**2, df=2, nc=za**2 + zb**2)
        p = p / p.sum()
        pa, pb = p.sum(axis=1), p.sum(axis=0)
        out = {}
        for name, x, px in (("a", a, pa), ("b", b, pb)):
            m = float(px @ x)
            out[name] = (m, math.sqrt(float(px @ (x - m) ** 2)))
        return out


@dataclass(frozen=True)
class AveragedReplications:
    """One call = the mean of ``replications`` runs' summaries (the old averaging scheme; module docstring)."""

    simulate: Callable[[dict[str, float], int], dict[str, float]]
    replications: int = 2

    def __call__(self, params: dict[str, float], seed: int) -> dict[str, float]:
        seeds = np.random.SeedSequence(seed).generate_state(self.replications)
        runs = [self.simulate(params, int(s)) for s in seeds]
        return {k: float(np.mean([r[k] for r in runs])) for k in runs[0]}
