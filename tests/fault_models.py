"""Test functions that misbehave, for tests/test_faults.py (never part of the model).

A spec sweeps one of them with ``model = "fault_models:NAME"`` (the experiment layer's pluggable
run function); the sweep subprocess finds this module through ``PYTHONPATH=tests``. Each is an
``f(parameters, seed) -> dict`` like those of :mod:`sim.testfunctions`.
"""

from __future__ import annotations

import os
import time


def crash(parameters: dict[str, float], seed: int) -> dict[str, float]:
    """``y = x``, after ``SIM_SLOW_MS`` ms; kills its own process (``os._exit(3)``) at ``x = crash_at``
    while the environment has ``SIM_TEST_CRASH=1`` (like a segfault or the OOM killer)."""
    time.sleep(float(os.environ.get("SIM_SLOW_MS", "0")) / 1000.0)
    x = float(parameters["x"])
    if os.environ.get("SIM_TEST_CRASH") == "1" and x == float(parameters.get("crash_at", 7.0)):
        os._exit(3)
    return {"y": x}


def swallow(parameters: dict[str, float], seed: int) -> dict[str, float]:
    """Hang for ``hang_s`` seconds in Python code that swallows every ``Exception`` (returns ``y = 0``
    at once when ``hang_s`` is 0)."""
    end = time.monotonic() + float(parameters["hang_s"])
    while time.monotonic() < end:
        try:
            time.sleep(0.01)
        except Exception:  # noqa: BLE001, S110 - the misbehaviour under test
            pass
    return {"y": float(parameters["hang_s"])}
