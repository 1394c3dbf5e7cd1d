"""Test functions for the experiment layer: any ``f(parameters: dict, seed: int) -> dict[str, float]``.

An experiment spec sweeps one of these instead of the market model with
``model = "sim.testfunctions:ishigami"``. They have known answers (Ishigami's Sobol' indices)
or known misbehaviour (raising, sleeping), so the machinery can be tested without the model.
"""

from __future__ import annotations

import math
import os
import time

import numpy as np

#: Ishigami & Homma (1990) constants used by the sensitivity literature (Saltelli et al. 2008).
ISHIGAMI_A = 7.0
ISHIGAMI_B = 0.1


def ishigami_indices(a: float = ISHIGAMI_A, b: float = ISHIGAMI_B) -> dict[str, list[float]]:
    """Analytic first-order (S1) and total (ST) Sobol' indices of the Ishigami function.

    For ``a = 7, b = 0.1``: S1 = (0.3139, 0.4424, 0.0), ST = (0.5576, 0.4424, 0.2437).
    """
    pi = math.pi
    v1 = 0.5 * (1 + b * pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * pi**8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return {"S1": [v1 / v, v2 / v, 0.0], "ST": [(v1 + v13) / v, v2 / v, v13 / v]}


def ishigami(parameters: dict[str, float], seed: int) -> dict[str, float]:
    """Ishigami function ``y = sin x1 + a sin^2 x2 + b x3^4 sin x1`` with a = 7, b = 0.1.

    ``parameters`` holds ``x1, x2, x3`` (each uniform on [-pi, pi] in the literature); the
    seed is ignored (the function is deterministic). Returns ``{"y": y}`` (dimensionless).
    """
    x1, x2, x3 = float(parameters["x1"]), float(parameters["x2"]), float(parameters["x3"])
    y = math.sin(x1) + ISHIGAMI_A * math.sin(x2) ** 2 + ISHIGAMI_B * x3**4 * math.sin(x1)
    return {"y": y}


def noisy_ishigami(parameters: dict[str, float], seed: int) -> dict[str, float]:
    """Ishigami plus Gaussian noise of standard deviation ``parameters.get("noise", 1.0)``.

    A stochastic model: replications differ by their seed only. Returns ``{"y": ...}``.
    """
    rng = np.random.default_rng(seed)
    sd = float(parameters.get("noise", 1.0))
    return {"y": ishigami(parameters, seed)["y"] + sd * float(rng.standard_normal())}


def flaky(parameters: dict[str, float], seed: int) -> dict[str, float]:
    """``y = x`` that raises ``ValueError`` for ``x > 0.5`` while the environment has ``SIM_FLAKY_FAIL=1``.

    Used to test failure recording and ``--retry-failed`` (unset the variable, then retry).
    """
    x = float(parameters["x"])
    if x > 0.5 and os.environ.get("SIM_FLAKY_FAIL") == "1":
        raise ValueError(f"flaky: x = {x:.3f} > 0.5")
    return {"y": x, "seed_mod": float(seed % 1000)}


def sleepy(parameters: dict[str, float], seed: int) -> dict[str, float]:
    """Sleep ``parameters["sleep_s"]`` seconds (wall time), then return ``{"y": sleep_s}``."""
    s = float(parameters["sleep_s"])
    time.sleep(s)
    return {"y": s}


def slow_ishigami(parameters: dict[str, float], seed: int) -> dict[str, float]:
    """Ishigami after sleeping ``SIM_SLOW_MS`` milliseconds (default 20): for kill/resume tests."""
    time.sleep(float(os.environ.get("SIM_SLOW_MS", "20")) / 1000.0)
    return ishigami(parameters, seed)
