"""Run an experiment: design -> runs not yet done -> executor -> committed Parquet parts.

:func:`run_sweep` is what ``python -m sim sweep`` calls. It is resumable (a run whose key is in
the store is not run again; failures are rerun only with ``retry_failed``), shardable (``shard
= (i, n)`` runs every n-th run starting at i, with no scheduler) and keeps memory flat: runs
are generated lazily, at most two chunks per worker are in flight, and results stream to disk.
Chunks are sized so that one takes about ``chunk_seconds`` (from the runs timed so far), which
amortises scheduling for fast models and balances slow ones.

Run isolation: when a run kills its worker process (``os._exit``, a segfault, the OOM killer),
the executor reports a dead worker for the chunks in flight (the whole process pool breaks;
on Dask only the culprit's chunk fails, after Dask's own retries). The pool is rebuilt and
the runs of those chunks are rerun one at a time, alone on the pool: a run that kills its
worker again is recorded as failed (with its parameters, seed and the worker's exit code),
every other run gets its result, and the sweep goes on. On the serial executor runs share
the sweep's process, so nothing can isolate them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import os
import time
import traceback
from array import array
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from ..errors import InputError
from .design import SEED_SCHEME, Design, build_design
from .executors import WORKER_DEATH, Pool, make_executor
from .extend import extend_manifest
from .locks import is_held
from .spec import ExperimentSpec
from .store import MERGE_EVERY, Session, Store, code_version, package_versions, runs_schema, schema_to_json
from .worker import HARD_KILL_EXIT_CODE, ChunkResult, Outcome, Runner, Task, run_chunk


@dataclass
class SweepReport:
    """What a sweep did and where the experiment stands (counts of runs)."""

    folder: str
    total: int
    done: int
    failed: int
    pending: int
    ran: int
    ran_failed: int
    skipped: int
    crashed: int           # runs that killed their worker process (recorded as failed)
    seconds: float
    executor: str
    notes: list[str] = field(default_factory=list)  # repairs of the folder (quarantined parts)
    extended: list[str] = field(default_factory=list)  # the experiment this sweep extended (one line), if any


def parse_shard(text: str) -> tuple[int, int]:
    """``"I/N"`` -> (I, N) with 0 <= I < N."""
    try:
        i_s, n_s = text.split("/")
        i, n = int(i_s), int(n_s)
    except ValueError:
        raise InputError("--shard", "", f"expected I/N such as 0/4, got '{text}'") from None
    if n < 1 or not 0 <= i < n:
        raise InputError("--shard", "", f"expected 0 <= I < N, got '{text}' (shards are numbered from 0)")
    return i, n


def make_runner(spec: ExperimentSpec) -> Runner:
    """The picklable object workers use to run any point of ``spec``."""
    return Runner(metrics=list(spec.metrics), time_limit=spec.time_limit_seconds, function=spec.model,
                  fixed=dict(spec.fixed) if spec.model else {}, base=spec.base, scenarios=dict(spec.scenarios),
                  effects=spec.effects, monthly=spec.monthly, events=spec.events, origin=spec.file)


def manifest_for(spec: ExperimentSpec, design: Design) -> dict[str, Any]:
    """The manifest written when a results folder is created."""
    schema = runs_schema(design.columns, design.like, spec.metrics)
    return {
        "format": "sim-experiment/1", "spec": spec.to_dict(), "spec_hash": spec.hash(), "seed_scheme": SEED_SCHEME,
        "name": spec.name, "method": spec.design.method, "n_points": design.n_points,
        "replications": spec.replications, "n_runs": design.n_runs, "parameters": design.columns,
        "metrics": spec.metrics, "tables": ["runs"] + (["monthly"] if spec.monthly else [])
        + (["events"] if spec.events else []), "runs_schema": schema_to_json(schema),
        "problem": design.problem, "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "versions": package_versions(), "code_version": code_version(),
    }


#: Designs of more runs than this need ``--yes`` (``confirm_large``): 10^6 market-model runs of
#: 1-4 s each are weeks of CPU time, so a typo in a grid should not start silently.
LARGE_DESIGN_RUNS = 1_000_000


def open_store(spec: ExperimentSpec, out: str | Path, confirm_large: bool = True,
               extended: list[str] | None = None) -> tuple[Store, Design]:
    """Create the results folder (or check it holds this experiment) and return it with the design.

    A folder of an experiment that ``spec`` extends (:mod:`.extend`) gets ``spec``'s manifest, and
    a line saying so is appended to ``extended``. A design of more than :data:`LARGE_DESIGN_RUNS`
    runs is refused unless ``confirm_large``.
    """
    design = build_design(spec)
    if design.n_runs > LARGE_DESIGN_RUNS and not confirm_large:
        raise InputError(spec.file, "design", (
            f"{design.n_points:,} points x {spec.replications:,} replications = {design.n_runs:,} runs, more than "
            f"{LARGE_DESIGN_RUNS:,}; pass --yes to run it"))
    store = Store(out)
    manifest = manifest_for(spec, design)
    if store.exists():
        old = store.manifest()
        if old["spec_hash"] != manifest["spec_hash"]:  # refused unless an extension of the folder's experiment
            manifest = extend_manifest(store, old, spec, design, manifest)
            store.replace_manifest(manifest)
            if extended is not None:
                extended.append(f"{old['n_runs']} -> {design.n_runs} runs ({old['n_points']} -> "
                                f"{design.n_points} points x {old['replications']} -> {spec.replications} "
                                f"replications; spec {old['spec_hash']} -> {manifest['spec_hash']})")
    store.create_or_check(manifest)
    return store, design


class _Tasks:
    """Build :class:`Task` objects by run index, caching the current point."""

    def __init__(self, design: Design) -> None:
        self.design = design
        self.reps = design.spec.replications
        self._i = -1
        self._pt: dict[str, Any] = {}

    def __call__(self, idx: int, attempt: int) -> Task:
        i, r = divmod(idx, self.reps)
        if i != self._i:
            self._i, self._pt = i, self.design.point(i)
        seed = self.design.seed(i, r)
        return Task(idx, i, r, seed, self._pt, self.design.run_key(self._pt, seed), attempt)


def _runs_batch(schema: pa.Schema, design: Design, tasks: list[Task], outcomes: list[Outcome]) -> pa.RecordBatch:
    cols: dict[str, list[Any]] = {
        "run_key": [t.key for t in tasks], "point": [t.point for t in tasks],
        "replication": [t.replication for t in tasks], "seed": [t.seed for t in tasks]}
    for c in design.columns:
        typ = schema.field(c).type
        vals = [t.params.get(c) for t in tasks]
        cols[c] = [None if v is None else str(v) for v in vals] if pa.types.is_string(typ) else vals
    cols["status"] = [o.status for o in outcomes]
    cols["attempt"] = [t.attempt for t in tasks]
    cols["wall_seconds"] = [o.wall_seconds for o in outcomes]
    cols["finished_at"] = [int(o.finished_at * 1000) for o in outcomes]
    cols["worker"] = [o.worker for o in outcomes]
    cols["error"] = [o.error for o in outcomes]
    for j, m in enumerate(design.spec.metrics):
        cols[m] = [o.metrics[j] for o in outcomes]
    arrays = [pa.array(cols[f.name], f.type) for f in schema]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _failed_chunk(tasks: list[Task], n_metrics: int, error: str, status: str = "failed") -> ChunkResult:
    now = time.time()
    return ChunkResult([Outcome(t.key, status, 0.0, now, [math.nan] * n_metrics, error, "") for t in tasks])


def _death_outcome(task: Task, n_metrics: int, codes: list[int]) -> ChunkResult:
    """What is recorded for a run that killed its worker process twice (the second time run alone)."""
    if HARD_KILL_EXIT_CODE in codes:
        return _failed_chunk([task], n_metrics, "run ignored its time limit (stuck in C code, or catching "
                             "BaseException); its worker process was killed", status="timeout")
    how = f" (exit code {', '.join(str(c) for c in codes)}; negative: killed by that signal)" if codes else ""
    return _failed_chunk([task], n_metrics, "the worker process died while running this run" + how +
                         ": os._exit, a crash in C code or the out-of-memory killer. It was rerun alone and "
                         "killed its worker again; the other runs of its chunk were rerun")


def _todo(store: Store, design: Design, shard: tuple[int, int],
          retry_failed: bool) -> tuple[array, dict[int, int], int]:
    """(run indices to run, {index: attempt} of retries, runs skipped as failed) of this shard."""
    done_keys, failed_keys = store.run_index()
    todo, attempts = array("q"), {}
    skipped, last_i, pt = 0, -1, {}
    reps = design.spec.replications
    for idx in range(shard[0], design.n_runs, shard[1]):
        i, r = divmod(idx, reps)
        if i != last_i:
            last_i, pt = i, design.point(i)
        key = design.run_key(pt, design.seed(i, r))
        if key in done_keys:
            continue
        if key not in failed_keys:
            todo.append(idx)
        elif retry_failed:
            todo.append(idx)
            attempts[idx] = failed_keys[key] + 1
        else:
            skipped += 1
    return todo, attempts, skipped


def run_sweep(spec: ExperimentSpec, out: str | Path, executor: str = "process", workers: int | None = None,
              address: str = "", shard: tuple[int, int] = (0, 1), retry_failed: bool = False,
              progress: bool = True, dask_processes: bool = True, chunk_seconds: float = 0.5,
              max_chunk: int = 2000, merge_every: int = MERGE_EVERY, pool: Pool | None = None,
              confirm_large: bool = True) -> SweepReport:
    """Run what is missing of ``spec`` into the results folder ``out`` (see the module docstring).

    ``pool`` is an executor made by the caller (e.g. from the command-line options); without it
    one of ``executor`` (serial, process, dask-local, dask) is made for the sweep.
    """
    from tqdm import tqdm

    t_start = time.perf_counter()
    if "ARROW_DEFAULT_MEMORY_POOL" not in os.environ:
        # mimalloc (pyarrow's default) keeps freed pages; the system allocator keeps memory flat
        pa.set_memory_pool(pa.system_memory_pool())
    extended: list[str] = []
    store, design = open_store(spec, out, confirm_large, extended)
    schema = store.schema("runs")
    n_metrics = len(spec.metrics)
    shard_i, shard_n = shard
    with store.sweep_lock(shard), contextlib.ExitStack() as stack:
        notes = store.maintain()
        todo, attempts, skipped = _todo(store, design, shard, retry_failed)
        make_task = _Tasks(design)
        if pool is None:
            pool = stack.enter_context(make_executor(executor, workers, address, dask_processes))
        runner = make_runner(spec)
        runner.hard_kill = pool.isolates()
        ran = ran_failed = crashes = 0
        per_run = None  # EWMA of seconds per run
        session = Session(store, merge_every=merge_every)
        label = f"{spec.name}" + (f" [shard {shard_i}/{shard_n}]" if shard_n > 1 else "")
        bar = tqdm(total=len(todo), desc=label, unit="run", disable=not progress, smoothing=0.05, dynamic_ncols=True)
        pos = 0
        inflight: dict[Any, tuple[list[Task], bool]] = {}   # future -> (tasks, run alone to find a crash)
        suspects: deque[Task] = deque()                     # runs of chunks whose worker died
        n_slots, slots_at = pool.slots(), time.monotonic()

        def record(tasks: list[Task], res: ChunkResult) -> None:
            nonlocal ran, ran_failed, per_run
            session.commit(_runs_batch(schema, design, tasks, res.outcomes), res.monthly, res.events)
            ran += len(tasks)
            ran_failed += sum(1 for o in res.outcomes if o.status != "ok")
            walls = [o.wall_seconds for o in res.outcomes if o.wall_seconds > 0]
            if walls:
                w = sum(walls) / len(walls)
                per_run = w if per_run is None else 0.7 * per_run + 0.3 * w
            bar.update(len(tasks))
            if ran_failed:
                bar.set_postfix(failed=ran_failed, refresh=False)

        def submit(tasks: list[Task], alone: bool) -> None:
            try:
                fut = pool.submit(run_chunk, runner, tasks)
            except WORKER_DEATH as exc:  # the pool broke before its broken future came back: requeue
                fut, alone = Future(), False
                fut.set_exception(exc)
            inflight[fut] = (tasks, alone)

        try:
            while True:
                if time.monotonic() - slots_at > 5.0:
                    n_slots, slots_at = pool.slots(), time.monotonic()
                if suspects:  # one at a time, alone on the pool, so that a crash names its run
                    if not inflight:
                        submit([suspects.popleft()], True)
                else:
                    while pos < len(todo) and len(inflight) < 2 * n_slots:
                        size = 1 if per_run is None else int(chunk_seconds / max(per_run, 1e-7))
                        size = max(1, min(size, max_chunk, math.ceil((len(todo) - pos) / (2 * n_slots))))
                        idxs = todo[pos:pos + size]
                        pos += len(idxs)
                        tasks = [make_task(idx, attempts.get(idx, 1)) for idx in idxs]
                        submit(tasks, False)
                if not inflight:
                    break
                done, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
                died = False
                for fut in done:
                    tasks, alone = inflight.pop(fut)
                    try:
                        res = fut.result()
                    except WORKER_DEATH:
                        died = True
                        if not alone:
                            suspects.extend(tasks)
                            continue
                        crashes += 1
                        res = _death_outcome(tasks[0], n_metrics, pool.dead_worker_codes())
                    except Exception:  # noqa: BLE001 - transport errors are recorded, the sweep goes on
                        res = _failed_chunk(tasks, n_metrics, traceback.format_exc())
                    record(tasks, res)
                if died and pool.kind == "process":  # the whole pool is broken: requeue what was in flight
                    for fut, (tasks, _alone) in inflight.items():
                        fut.cancel()
                        suspects.extend(tasks)
                    inflight.clear()
                    pool.rebuild()
        except BaseException:
            for fut in inflight:
                fut.cancel()
            raise
        finally:
            bar.close()
            session.close()
        counts = store.count_statuses()
        desc = pool.description
    done_n = counts.get("ok", 0)
    failed_n = sum(counts.values()) - done_n
    report = SweepReport(folder=str(store.folder), total=design.n_runs, done=done_n, failed=failed_n,
                         pending=design.n_runs - done_n - failed_n, ran=ran, ran_failed=ran_failed, skipped=skipped,
                         crashed=crashes, seconds=time.perf_counter() - t_start, executor=desc,
                         notes=notes, extended=extended)
    with open(store.folder / "sessions.jsonl", "a", encoding="utf-8") as f:
        f.write(json.dumps({"at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                            "command": "sweep", "shard": f"{shard_i}/{shard_n}", "retry_failed": retry_failed,
                            "code_version": code_version(), **asdict(report)}) + "\n")
    return report


def status(folder: str | Path) -> dict[str, Any]:
    """Counts of done, failed, timeout and pending runs of a results folder.

    First repairs the commits of interrupted sweeps (:meth:`Store.maintain`: incomplete or
    unreadable parts are moved to ``_quarantine/`` and their runs count as pending); the
    repairs are listed under ``repairs``.
    """
    store = Store(folder)
    man = store.manifest()
    repairs = store.maintain()
    t = store.read("runs", columns=["run_key", "point", "replication", "seed", "status", "attempt",
                                    "finished_at", "error"])
    statuses = t.column("status").to_pylist()
    done = statuses.count("ok")
    timeout = statuses.count("timeout")
    failed = len(statuses) - done - timeout
    live = sum(1 for p in store.journal.glob("*-*.lock") if is_held(p)) if store.journal.exists() else 0
    failures = []
    for row in t.filter(pa.compute.not_equal(t.column("status"), "ok")).slice(0, 20).to_pylist():
        last = [ln for ln in (row["error"] or "").strip().splitlines() if ln.strip()]
        failures.append({"run_key": row["run_key"], "point": row["point"], "replication": row["replication"],
                         "seed": row["seed"], "status": row["status"], "attempt": row["attempt"],
                         "error": last[-1] if last else ""})
    return {"folder": str(store.folder), "name": man["name"], "spec_hash": man["spec_hash"],
            "method": man["method"], "total": man["n_runs"], "done": done, "failed": failed, "timeout": timeout,
            "pending": man["n_runs"] - len(statuses), "open_journals": live, "repairs": repairs,
            "failures": failures}
