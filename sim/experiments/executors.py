"""Executors: one ``concurrent.futures.Executor`` interface from a laptop to a cluster.

* ``serial``  - runs each chunk in this process when it is submitted (debugging, tests);
* ``process`` - a process pool on this machine (the default). Workers are forked from the
  sweep process, which has imported the model already: they start in milliseconds and share
  its memory pages. (Importing Mesa 3.3.1 sets ``spawn`` as the global default start method,
  which would re-import everything in every worker; the pool asks for ``fork`` explicitly.
  ``SIM_MP_START=forkserver`` or ``spawn`` chooses another method, e.g. on macOS);
* ``dask``    - Dask distributed through ``Client.get_executor()``: ``--dask-local N`` starts a
  ``LocalCluster`` of N single-threaded worker processes, ``--dask tcp://host:8786`` joins a
  running scheduler (e.g. one started by dask-jobqueue on SLURM; see docs/experiments.md).

Results do not depend on the executor: every run's seed comes from the design, not from the
worker that runs it.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from typing import Any


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


def _init_worker() -> None:
    """Process-pool worker start: freeze the imported objects out of the garbage collector's scans."""
    gc.collect()
    gc.freeze()


def default_workers() -> int:
    """Processes to use by default: the CPUs this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


@contextlib.contextmanager
def make_executor(kind: str = "process", workers: int | None = None, address: str = "",
                  dask_processes: bool = True) -> Iterator[tuple[Executor, Callable[[], int], str]]:
    """Yield ``(executor, slots, description)`` for ``kind`` in serial, process, dask-local, dask.

    ``slots()`` is the number of runs the executor can work on at once (it may change on a Dask
    cluster that scales).
    """
    if kind == "serial":
        yield SerialExecutor(), lambda: 1, "serial"
        return
    if kind == "process":
        n = workers or default_workers()
        method = os.environ.get("SIM_MP_START", "fork" if "fork" in multiprocessing.get_all_start_methods()
                                else "spawn")
        ctx = multiprocessing.get_context(method)
        if method == "forkserver":
            ctx.set_forkserver_preload(["sim.experiments.worker", "sim.model"])
        with ProcessPoolExecutor(max_workers=n, mp_context=ctx, initializer=_init_worker) as pool:
            yield pool, lambda: n, f"{n} processes"
        return
    if kind in ("dask-local", "dask"):
        from distributed import Client, LocalCluster

        if kind == "dask-local":
            n = workers or default_workers()
            cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=dask_processes,
                                   dashboard_address=None, silence_logs=logging.ERROR)
            client = Client(cluster)
            where = f"Dask LocalCluster, {n} {'processes' if dask_processes else 'threads'}"
        else:
            cluster, client = None, Client(address)
            where = f"Dask scheduler {address}"
        try:
            def slots() -> int:
                return max(1, sum(client.nthreads().values()))

            with client.get_executor(pure=False) as ex:
                yield ex, slots, f"{where} ({slots()} threads)"
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
        return
    raise ValueError(f"unknown executor {kind!r}")
