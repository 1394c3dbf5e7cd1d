"""Executors: the one way every command (``run``, ``sweep``, ``compare``, ``sensitivity``,
``calibrate``, ``recover``) runs seeds, from a laptop to a cluster.

* ``serial``  - runs each chunk in this process when it is submitted (``--workers 1``);
* ``process`` - a process pool on this machine (the default, one worker per CPU). Workers are
  forked from the command's process, which has imported the model already: they start in
  milliseconds and share its memory pages. (Importing Mesa 3.3.1 sets ``spawn`` as the global
  default start method, which would re-import everything in every worker; the pool asks for
  ``fork`` explicitly. ``SIM_MP_START=forkserver`` or ``spawn`` chooses another method, e.g. on
  macOS.) Workers die with their parent (``PR_SET_PDEATHSIG`` on Linux) and close the lock
  files they inherited, so a ``kill -9`` of the command never leaves a folder locked;
* ``dask``    - Dask distributed through ``Client.get_executor()``: ``--dask-local N`` starts a
  ``LocalCluster`` of N single-threaded worker processes, ``--dask tcp://host:8786`` joins a
  running scheduler (e.g. one started by dask-jobqueue on SLURM; see docs/experiments.md).

:func:`add_executor_args` adds the options ``--workers``, ``--dask-local`` and ``--dask`` to a
command; :func:`executor_from_args` turns them into a :class:`Pool`. A pool whose worker died
(a run called ``os._exit``, crashed or was killed by the OOM killer) raises one of
:data:`WORKER_DEATH` from the futures in flight; :meth:`Pool.rebuild` starts a fresh one.

Results do not depend on the executor: every run's seed comes from the caller, not from the
worker that runs it.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gc
import logging
import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from distributed import KilledWorker

from ..errors import InputError
from .locks import HELD_LOCK_FDS

#: Exceptions a future raises when the worker process running it died (not the run's own error).
WORKER_DEATH: tuple[type[BaseException], ...] = (BrokenProcessPool, KilledWorker)
#: ``prctl`` option that delivers a signal to this process when its parent dies (linux/prctl.h).
_PR_SET_PDEATHSIG = 1
#: Seconds, in all, to wait for a broken pool's workers to be reaped so that the exit code of the
#: one that died is known (they are being terminated; this only bounds a pathological case).
REAP_WAIT_S = 5.0
#: Seconds between looks at a reaped worker's exit code (numerical, not behaviour): the pool's own thread may
#: reap a worker at the moment this process does, and the code is set on the process a moment later.
REAP_POLL_S = 0.01


class SerialExecutor(Executor):
    """Runs every submitted call at once in this process; futures come back completed."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        fut: Future = Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - delivered through the future, like a pool
            if isinstance(exc, KeyboardInterrupt):
                raise
            fut.set_exception(exc)
        return fut


def die_with_parent(parent_pid: int | None) -> None:
    """Ask Linux to SIGKILL this process when its parent dies; exit now if ``parent_pid`` already has."""
    with contextlib.suppress(OSError, AttributeError):  # not Linux/glibc: workers then exit on EOF only
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if parent_pid is not None and os.getppid() != parent_pid:  # it died before prctl took effect
        os._exit(1)


def _init_worker(parent_pid: int | None) -> None:
    """Process-pool worker start: die with the parent, drop inherited lock fds, freeze imported objects.

    ``parent_pid`` is the pid that forks the workers (None with ``forkserver``, whose server forks them).
    """
    die_with_parent(parent_pid)
    for fd in HELD_LOCK_FDS:  # a forked copy of a lock fd would keep the lock after the parent dies
        with contextlib.suppress(OSError):
            os.close(fd)
    HELD_LOCK_FDS.clear()
    gc.collect()
    gc.freeze()


def default_workers() -> int:
    """Processes to use by default: the CPUs this process may run on."""
    return max(1, len(os.sched_getaffinity(0)))


# ---------------------------------------------------------------------- command-line options
def add_executor_args(p: argparse.ArgumentParser) -> None:
    """Add ``--workers``, ``--dask-local`` and ``--dask`` (the same on every command)."""
    g = p.add_argument_group("executors (default: a process pool with one worker per CPU)")
    ex = g.add_mutually_exclusive_group()
    ex.add_argument("--workers", type=int, default=None, metavar="N",
                    help="processes on this machine (default: one per CPU; 1 = serial, in this process)")
    ex.add_argument("--dask-local", type=int, default=None, metavar="N",
                    help="start a Dask LocalCluster of N worker processes")
    ex.add_argument("--dask", default="", metavar="ADDRESS", help="join a running Dask scheduler, e.g. tcp://host:8786")


def executor_kind(args: argparse.Namespace) -> tuple[str, int | None, str]:
    """``(kind, workers, address)`` from the options; :class:`InputError` for a bad count."""
    workers, local, address = getattr(args, "workers", None), getattr(args, "dask_local", None), \
        getattr(args, "dask", "") or ""
    if workers is not None and workers < 1:
        raise InputError("--workers", "", f"expected at least 1, got {workers}")
    if local is not None:
        if local < 1:
            raise InputError("--dask-local", "", f"expected at least 1 worker, got {local}")
        return "dask-local", local, ""
    if address:
        return "dask", None, address
    n = workers or default_workers()
    return ("serial", 1, "") if n == 1 else ("process", n, "")


@contextlib.contextmanager
def executor_from_args(args: argparse.Namespace) -> Iterator[Pool]:
    """The :class:`Pool` the options ask for (closed on exit)."""
    kind, workers, address = executor_kind(args)
    with make_executor(kind, workers, address) as pool:
        yield pool


# ---------------------------------------------------------------------- pools
class Pool:
    """An executor with its capacity and description, rebuildable after a worker died."""

    def __init__(self, kind: str, workers: int | None = None, address: str = "", dask_processes: bool = True) -> None:
        if kind not in ("serial", "process", "dask-local", "dask"):
            raise ValueError(f"unknown executor {kind!r}")
        self.kind, self.address = kind, address
        self.workers = workers or default_workers()
        self._client: Any = None
        self._cluster: Any = None
        self._dask_ex: Any = None
        self._procs: dict[int, Any] = {}
        if kind == "serial":
            self.executor: Executor = SerialExecutor()
            self._where = "serial"
        elif kind == "process":
            self.executor = self._process_pool()
            self._where = f"{self.workers} processes"
        else:
            from distributed import Client, LocalCluster

            if kind == "dask-local":
                self._cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=dask_processes,
                                             dashboard_address=None, silence_logs=logging.ERROR)
                self._client = Client(self._cluster)
                where = f"Dask LocalCluster, {self.workers} {'processes' if dask_processes else 'threads'}"
            else:
                self._client = Client(address)
                where = f"Dask scheduler {address}"
            self._dask_ex = self._client.get_executor(pure=False)
            self.executor = self._dask_ex
            self._where = where

    def _process_pool(self) -> ProcessPoolExecutor:
        method = os.environ.get("SIM_MP_START", "fork" if "fork" in multiprocessing.get_all_start_methods()
                                else "spawn")
        ctx = multiprocessing.get_context(method)
        if method == "forkserver":
            ctx.set_forkserver_preload(["sim.experiments.worker", "sim.model"])
        return ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx, initializer=_init_worker,
                                   initargs=(None if method == "forkserver" else os.getpid(),))

    def slots(self) -> int:
        """Runs the executor can work on at once (may change on a Dask cluster that scales)."""
        if self._client is not None:
            return max(1, sum(self._client.nthreads().values()))
        return 1 if self.kind == "serial" else self.workers

    @property
    def description(self) -> str:
        return f"{self._where} ({self.slots()} threads)" if self._client is not None else self._where

    def isolates(self) -> bool:
        """Whether a run that kills its worker leaves this process alive (not serial)."""
        return self.kind != "serial"

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Future:
        """``executor.submit``, remembering the process pool's workers (for :meth:`dead_worker_codes`)."""
        fut = self.executor.submit(fn, *args)
        self._procs.update(getattr(self.executor, "_processes", None) or {})  # a broken pool forgets them
        return fut

    def dead_worker_codes(self) -> list[int]:
        """Exit codes of the process pool's workers that have died (empty if unknown).

        Called once a pool is broken, when the executor is terminating its other workers: each is
        given up to :data:`REAP_WAIT_S` in all to be reaped, so that the dead one's code is known;
        the ``-SIGTERM`` of the workers the pool itself terminated is left out (unless it is all).
        """
        deadline = time.monotonic() + REAP_WAIT_S
        procs = list(self._procs.values())
        for proc in procs:
            proc.join(timeout=max(0.0, deadline - time.monotonic()))
        # when the pool's thread reaps a worker at the same moment, this join finds it gone (ECHILD) and its
        # exit code is set by that thread an instant later: wait for it rather than lose the dead one's code
        while any(p.exitcode is None for p in procs) and time.monotonic() < deadline:
            time.sleep(REAP_POLL_S)
        codes = {p.exitcode for p in procs if p.exitcode is not None}
        # the pool terminates (SIGTERM) the surviving workers once it is broken: leave their code out
        return sorted(codes - {-signal.SIGTERM} or codes)

    def rebuild(self) -> None:
        """Replace a broken process pool by a fresh one (Dask replaces dead workers itself)."""
        if self.kind == "process":
            self.executor.shutdown(wait=False, cancel_futures=True)
            self.executor = self._process_pool()
            self._procs = {}

    def close(self) -> None:
        if self.kind == "process":
            self.executor.shutdown(wait=True, cancel_futures=True)
        if self._dask_ex is not None:
            self._dask_ex.shutdown(wait=False)
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()


@contextlib.contextmanager
def make_executor(kind: str = "process", workers: int | None = None, address: str = "",
                  dask_processes: bool = True) -> Iterator[Pool]:
    """A :class:`Pool` of ``kind`` (serial, process, dask-local, dask), closed on exit."""
    pool = Pool(kind, workers, address, dask_processes)
    try:
        yield pool
    finally:
        pool.close()
