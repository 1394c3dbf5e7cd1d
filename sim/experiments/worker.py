"""What a worker does: run a chunk of runs and return their metrics (and tables), never raising.

A chunk is a list of :class:`Task`; the result has one :class:`Outcome` per task, in order,
plus the monthly and events tables of the successful runs (when the spec keeps them). An
exception becomes ``status = "failed"`` with its traceback; a run over the time limit becomes
``status = "timeout"``. The limit interrupts the run (``SIGALRM``) when the worker runs tasks on
its main thread (serial and process executors); on threaded workers (Dask) a run that exceeds
it is recorded as a timeout when it ends.
"""

from __future__ import annotations

import json
import math
import os
import signal
import socket
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import pyarrow as pa

from .design import SCENARIO_COLUMN


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


class RunTimeout(Exception):
    """Raised inside a run that exceeds its time limit."""


def _on_alarm(signum: int, frame: Any) -> None:
    raise RunTimeout("run exceeded its time limit")


@dataclass
class Runner:
    """Everything a worker needs to run any point of one experiment (picklable)."""

    metrics: list[str]
    time_limit: float = 0.0
    function: str = ""                           # "module:function", or "" for the market model
    fixed: dict[str, Any] = field(default_factory=dict)
    base: Any = None                             # Scenario
    scenarios: dict[str, Any] = field(default_factory=dict)
    monthly: bool = False
    events: bool = False
    origin: str = "spec"

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
            if SCENARIO_COLUMN in params:
                sc = self.scenarios[params[SCENARIO_COLUMN]]
            else:
                from .design import OAT_COLUMN

                over = {k: v for k, v in params.items() if k != OAT_COLUMN}
                sc = self.base.with_overrides(over, origin=self.origin) if over else self.base
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
    use_alarm = runner.time_limit > 0 and threading.current_thread() is threading.main_thread()
    old = signal.signal(signal.SIGALRM, _on_alarm) if use_alarm else None
    outcomes: list[Outcome] = []
    monthly: list[pa.Table] = []
    events: list[pa.Table] = []
    nan = [math.nan] * len(runner.metrics)
    try:
        for task in tasks:
            t0 = time.perf_counter()
            status, error, values, result = "ok", "", nan, None
            try:
                if use_alarm:
                    signal.setitimer(signal.ITIMER_REAL, runner.time_limit)
                try:
                    values, result = runner.execute(task)
                finally:
                    if use_alarm:
                        signal.setitimer(signal.ITIMER_REAL, 0)
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
        if use_alarm:
            signal.signal(signal.SIGALRM, old)
    return ChunkResult(outcomes, pa.concat_tables(monthly) if monthly else None,
                       pa.concat_tables(events) if events else None)
