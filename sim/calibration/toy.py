"""A toy model with a known posterior, to check the sampler (tests and docs).

Data: ``n`` draws from ``Normal(mu, sigma)`` with ``sigma`` known; the summary is their mean,
which is sufficient for ``mu``. With a ``Normal(m0, s0)`` prior the exact posterior of ``mu``
given an observed mean ``xbar`` is Normal with

    variance = 1 / (1 / s0**2 + n / sigma**2),   mean = variance * (m0 / s0**2 + n * xbar / sigma**2),

and ABC-SMC with the distance ``|simulated mean - xbar|`` converges to it as the tolerance goes
to zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


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
    """``|mean over replications of xbar - observed|``."""

    observed: float

    def __call__(self, reps: list[dict[str, float]]) -> float:
        return abs(sum(r["xbar"] for r in reps) / len(reps) - self.observed)
