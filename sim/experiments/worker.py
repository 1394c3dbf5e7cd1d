"""What a worker does: run a chunk of runs and return their metrics (and tables), never raising.

A chunk is a list of :class:`Task`; the result has one :class:`Outcome` per task, in order,
plus the monthly and events tables of the successful runs (when the spec keeps them). An
exception becomes ``status = "failed"`` with its traceback; a run over the time limit becomes
``status = "timeout"``.

The time limit is enforced by a watchdog thread, the same on every executor: at the limit it
raises :class:`RunTimeout` in the thread running the run (through ``SIGALRM`` on a worker's main
thread, which also interrupts a ``sleep``; through ``PyThreadState_SetAsyncExc`` on Dask's
worker threads). :class:`RunTimeout` derives from ``BaseException``, so model code's
``except Exception`` cannot swallow it. A run still going :data:`HARD_KILL_GRACE_S` seconds
later (stuck in C code, or catching ``BaseException``) has its worker process killed, when the
worker is not the sweep's own process; the sweep then records it as failed (see
:mod:`sim.experiments.sweep`).
"""

from __future__ import annotations

import ctypes
import json
import math
import os
import signal
import socket
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import pyarrow as pa

from .design import SCENARIO_COLUMN, point_overrides


class Task(NamedTuple):
    """One run to do: its index, point, replication, seed, parameters, key and attempt number."""

    index: int
    point: int
    replication: int
    seed: int
    params: dict[str, Any]
    key: str
    attempt: int


class Outcome(NamedTuple):
    """What became of one run."""

    key: str
    status: str            # "ok", "failed" or "timeout"
    wall_seconds: float
    finished_at: float     # Unix time, seconds
    metrics: list[float]   # in the spec's metric order (NaN when not ok)
    error: str             # traceback ("" when ok)
    worker: str            # host:pid


@dataclass
class ChunkResult:
    outcomes: list[Outcome]
    monthly: pa.Table | None = None
    events: pa.Table | None = None


#: Seconds past its limit after which a run that ignored :class:`RunTimeout` has its worker killed.
HARD_KILL_GRACE_S = 30.0
#: Exit code of a worker process killed by the watchdog (sysexits.h EX_TEMPFAIL).
HARD_KILL_EXIT_CODE = 75


class RunTimeout(BaseException):
    """Raised inside a run that exceeds its time limit (a BaseException: ``except Exception`` misses it)."""


def _on_alarm(signum: int, frame: Any) -> None:
    raise RunTimeout("run exceeded its time limit")


class _Watchdog:
    """A thread that interrupts the run of ``target`` (a thread) when its time limit passes."""

    def __init__(self, limit: float, hard_kill: bool) -> None:
        self.limit, self.hard_kill = limit, hard_kill
        self.target = threading.current_thread()
        self.on_main = self.target is threading.main_thread()
        self._cv = threading.Condition()
        self._deadline: float | None = None
        self._stop = False
        self._thread = threading.Thread(target=self._watch, name="run-time-limit", daemon=True)
        self._thread.start()

    def _interrupt(self) -> None:
        if self.on_main:
            os.kill(os.getpid(), signal.SIGALRM)
        else:
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self.target.ident),
                                                       ctypes.py_object(RunTimeout))

    def _watch(self) -> None:
        with self._cv:
            while not self._stop:
                if self._deadline is None:
                    self._cv.wait()
                    continue
                left = self._deadline - time.monotonic()
                if left > 0:
                    self._cv.wait(left)
                    continue
                self._interrupt()
                self._cv.wait(HARD_KILL_GRACE_S)
                if self._deadline is not None and not self._stop and self.hard_kill:
                    os._exit(HARD_KILL_EXIT_CODE)

    @contextmanager
    def armed(self) -> Iterator[None]:
        with self._cv:
            self._deadline = time.monotonic() + self.limit
            self._cv.notify()
        try:
            yield
        finally:
            with self._cv:
                self._deadline = None
                self._cv.notify()

    def close(self) -> None:
        with self._cv:
            self._stop = True
            self._cv.notify()


@dataclass
class Runner:
    """Everything a worker needs to run any point of one experiment (picklable)."""

    metrics: list[str]
    time_limit: float = 0.0
    function: str = ""                           # "module:function", or "" for the market model
    fixed: dict[str, Any] = field(default_factory=dict)
    base: Any = None                             # Scenario
    scenarios: dict[str, Any] = field(default_factory=dict)
    effects: Any = None                          # sim.experiments.effects.Effects of an [effects] spec
    monthly: bool = False
    events: bool = False
    origin: str = "spec"
    hard_kill: bool = False                      # the watchdog may kill this worker process

    def __post_init__(self) -> None:
        self._cache_key: str | None = None
        self._cache_value: Any = None
        self._fn: Any = None

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_cache_key"], state["_cache_value"], state["_fn"] = None, None, None
        return state

    def tables(self) -> tuple[str, ...]:
        """The run tables this experiment needs: the model table and events always (metrics read
        them); the firms table only for ``patterns_passed``."""
        return ("model", "events") + (("firms",) if "patterns_passed" in self.metrics else ())

    # ------------------------------------------------------------------ one run
    def scenario_for(self, params: dict[str, Any]) -> Any:
        """The resolved scenario of a point (the last one is cached: replications share it)."""
        ck = json.dumps(params, sort_keys=True, default=str)
        if ck != self._cache_key:
            sc = self.scenarios[params[SCENARIO_COLUMN]] if SCENARIO_COLUMN in params else self.base
            over = point_overrides(params)
            if over and self.effects is not None and SCENARIO_COLUMN in params:
                # [effects]: the sampled point, varied keys the counterfactual sets applied relative to it
                over = self.effects.overrides(params[SCENARIO_COLUMN], over)
            if over:
                sc = sc.with_overrides(over, origin=self.origin)
            self._cache_key, self._cache_value = ck, sc
        return self._cache_value

    def execute(self, task: Task) -> tuple[list[float], Any]:
        """Run one task; returns (metrics, RunResult or None)."""
        if self.function:
            if self._fn is None:
                from .spec import resolve_function

                self._fn = resolve_function(self.function)
            out = self._fn({**self.fixed, **task.params}, task.seed)
            missing = [m for m in self.metrics if m not in out]
            if missing:
                raise KeyError(f"{self.function} returned no {', '.join(missing)} (it returned {sorted(out)})")
            return [float(out[m]) for m in self.metrics], None
        from ..model import run
        from .metrics import compute

        kwargs = {"tables": self.tables()} if _run_accepts_tables() else {}
        result = run(self.scenario_for(task.params), task.seed, **kwargs)
        values = compute(result, self.metrics)
        return [values[m] for m in self.metrics], result


_ACCEPTS_TABLES: bool | None = None


def _run_accepts_tables() -> bool:
    """Whether ``sim.model.run`` can skip recording tables the experiment does not keep."""
    global _ACCEPTS_TABLES
    if _ACCEPTS_TABLES is None:
        import inspect

        from ..model import run

        _ACCEPTS_TABLES = "tables" in inspect.signature(run).parameters
    return _ACCEPTS_TABLES


def _tagged(result: Any, name: str, task: Task) -> pa.Table:
    table = result.table(name)
    n = table.num_rows
    return (table.append_column("run_key", pa.array([task.key] * n, pa.string()))
            .append_column("point", pa.array([task.point] * n, pa.int32()))
            .append_column("replication", pa.array([task.replication] * n, pa.int32())))


def run_chunk(runner: Runner, tasks: list[Task]) -> ChunkResult:
    """Run ``tasks`` one after the other; never raises for a run's failure."""
    who = f"{socket.gethostname()}:{os.getpid()}"
    dog = _Watchdog(runner.time_limit, runner.hard_kill) if runner.time_limit > 0 else None
    old = signal.signal(signal.SIGALRM, _on_alarm) if dog is not None and dog.on_main else None
    outcomes: list[Outcome] = []
    monthly: list[pa.Table] = []
    events: list[pa.Table] = []
    nan = [math.nan] * len(runner.metrics)
    try:
        for task in tasks:
            t0 = time.perf_counter()
            status, error, values, result = "ok", "", nan, None
            try:
                if dog is None:
                    values, result = runner.execute(task)
                else:
                    with dog.armed():
                        values, result = runner.execute(task)
            except RunTimeout:
                status, error = "timeout", f"run exceeded its time limit of {runner.time_limit:g} s"
            except Exception:  # noqa: BLE001 - a run's failure is data, not a crash
                status, error = "failed", traceback.format_exc()
            wall = time.perf_counter() - t0
            if status == "ok" and runner.time_limit > 0 and wall > runner.time_limit:
                status, error = "timeout", f"run took {wall:.3f} s, over its time limit of {runner.time_limit:g} s"
            if status != "ok":
                values, result = nan, None
            if result is not None:
                if runner.monthly:
                    monthly.append(_tagged(result, "model", task))
                if runner.events:
                    events.append(_tagged(result, "events", task))
            outcomes.append(Outcome(task.key, status, wall, time.time(), values, error, who))
    finally:
        if dog is not None:
            dog.close()
            if old is not None:
                signal.signal(signal.SIGALRM, old)
    return ChunkResult(outcomes, pa.concat_tables(monthly) if monthly else None,
                       pa.concat_tables(events) if events else None)
