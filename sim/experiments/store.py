"""The results store: a folder of Parquet part files, written so that a crash never costs a finished run.

Layout of a results folder ``DIR``::

    manifest.json                  the spec, its hash, package and code versions, run count
    runs/part-*.parquet            one row per run attempt (see RUNS columns below)
    monthly/part-*.parquet         the model table of every ok run (when the spec keeps it)
    events/part-*.parquet          the event log of every ok run (when the spec keeps it)
    _journal/                      write-ahead journals of sweeps in progress (not part of the dataset)

Each folder of parts is one Parquet dataset: ``pandas.read_parquet("DIR/runs")`` or DuckDB's
``read_parquet('DIR/runs/*.parquet')``. Part files appear by atomic rename, so a reader never
sees half a file.

Write path: a sweep appends every finished chunk to Arrow IPC stream journals
(``_journal/<id>.{monthly,events,runs}.arrows``, the runs row last: it is the commit record),
and every ``rotate_runs`` runs, and at the end, turns them into Parquet parts. A sweep killed at
any moment (even ``kill -9``) leaves complete parts plus journals whose last message may be torn;
the next sweep (or ``status``) converts the intact messages of journals no live process holds
(an ``flock`` on ``_journal/<id>.lock``), keeping monthly and events rows only for runs whose
runs row made it. Conversion is idempotent (parts are named after their journal), so a crash
during recovery is recovered too.

Retries append a new attempt row; readers keep the last attempt of each run key
(:func:`read_table` with ``dedupe=True``), and the sweep compacts the runs parts when it finds
superseded rows (crash-safe through a ``_journal/compact-<id>.json`` marker).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .. import MODEL_VERSION, __version__
from ..errors import InputError
from ..results import EVENTS_SCHEMA, MODEL_SCHEMA

FORMAT = "sim-experiment/1"
TABLES = ("runs", "monthly", "events")
#: Columns of the runs table before the parameter and metric columns.
RUN_ID_COLUMNS = ("run_key", "point", "replication", "seed")
#: Columns of the runs table between the parameter and metric columns.
RUN_STATUS_COLUMNS = ("status", "attempt", "wall_seconds", "finished_at", "worker", "error")
RESERVED = frozenset(RUN_ID_COLUMNS + RUN_STATUS_COLUMNS)
TAG_FIELDS = [pa.field("run_key", pa.string()), pa.field("point", pa.int32()), pa.field("replication", pa.int32())]
TABLE_SCHEMAS = {"monthly": pa.schema(list(MODEL_SCHEMA) + TAG_FIELDS),
                 "events": pa.schema(list(EVENTS_SCHEMA) + TAG_FIELDS)}


#: Journals younger than this are never recovered on a file system without ``flock`` (seconds).
UNLOCKED_RECOVERY_AGE_S = 3600.0


def try_lock(f: Any, flags: int) -> bool | None:
    """``flock`` without blocking: True if taken, False if another process holds it, None if the
    file system does not support locks (some network file systems)."""
    try:
        fcntl.flock(f, flags | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    except OSError:
        return None


def arrow_type(like: Any) -> pa.DataType:
    """Arrow type of a parameter column from a representative value."""
    if isinstance(like, bool):
        return pa.bool_()
    if isinstance(like, int):
        return pa.int64()
    if isinstance(like, float):
        return pa.float64()
    return pa.string()


def runs_schema(columns: list[str], like: dict[str, Any], metrics: list[str]) -> pa.Schema:
    """Schema of the runs table: ids, parameters, status, metrics (float64)."""
    fields = [pa.field("run_key", pa.string()), pa.field("point", pa.int32()), pa.field("replication", pa.int32()),
              pa.field("seed", pa.int64())]
    fields += [pa.field(c, arrow_type(like[c])) for c in columns]
    fields += [pa.field("status", pa.string()), pa.field("attempt", pa.int32()), pa.field("wall_seconds", pa.float64()),
               pa.field("finished_at", pa.timestamp("ms", tz="UTC")), pa.field("worker", pa.string()),
               pa.field("error", pa.string())]
    fields += [pa.field(m, pa.float64()) for m in metrics]
    return pa.schema(fields)


def schema_to_json(schema: pa.Schema) -> list[list[str]]:
    return [[f.name, str(f.type)] for f in schema]


def schema_from_json(cols: list[list[str]]) -> pa.Schema:
    types = {"string": pa.string(), "int32": pa.int32(), "int64": pa.int64(), "double": pa.float64(),
             "bool": pa.bool_(), "timestamp[ms, tz=UTC]": pa.timestamp("ms", tz="UTC")}
    return pa.schema([pa.field(n, types[t]) for n, t in cols])


def code_version() -> str:
    """``git describe --always --dirty`` of the source tree, or 'unknown' outside a repository."""
    root = Path(__file__).resolve().parents[2]
    try:
        out = subprocess.run(["git", "describe", "--always", "--dirty", "--abbrev=12"], cwd=root,
                             capture_output=True, text=True, timeout=10)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def package_versions() -> dict[str, str]:
    """Versions of Python and the packages that shape results."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": sys.version.split()[0], "sim": __version__, "model_version": MODEL_VERSION}
    for pkg in ("mesa", "numpy", "scipy", "pyarrow", "pydantic", "SALib"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "absent"
    return out


# ---------------------------------------------------------------------- files
def _trim_heap() -> None:
    """Give freed heap pages back to the OS (glibc keeps them after a conversion's buffers are freed)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _read_stream(path: Path) -> Iterator[pa.RecordBatch]:
    """The intact record batches of an Arrow IPC stream file (a torn tail is ignored)."""
    if not path.exists():
        return
    try:
        with pa.OSFile(str(path), "rb") as src:  # not a memory map: only one batch is resident at a time
            reader = pa.ipc.open_stream(src)
            while True:
                try:
                    batch = reader.read_next_batch()
                except StopIteration:
                    return
                except (pa.ArrowInvalid, pa.ArrowIOError, OSError):
                    return
                yield batch
    except (pa.ArrowInvalid, pa.ArrowIOError, OSError, ValueError):
        return


def _write_parquet_atomic(batches: Iterator[pa.RecordBatch], schema: pa.Schema, path: Path,
                          row_group_rows: int = 16384) -> int:
    """Stream ``batches`` into ``path`` (tmp file + rename). Returns rows written (0: no file)."""
    tmp = path.with_name(f".{path.name}.tmp")
    rows = 0
    pending: list[pa.RecordBatch] = []
    pending_rows = 0
    writer: pq.ParquetWriter | None = None
    try:
        for batch in batches:
            if batch.num_rows == 0:
                continue
            pending.append(batch)
            pending_rows += batch.num_rows
            if pending_rows >= row_group_rows:
                writer = writer or pq.ParquetWriter(tmp, schema, compression="zstd")
                writer.write_table(pa.Table.from_batches(pending, schema))
                rows += pending_rows
                pending, pending_rows = [], 0
        if pending:
            writer = writer or pq.ParquetWriter(tmp, schema, compression="zstd")
            writer.write_table(pa.Table.from_batches(pending, schema))
            rows += pending_rows
        if writer is not None:
            writer.close()
            writer = None
            with open(tmp, "rb") as f:
                os.fsync(f.fileno())
            os.replace(tmp, path)
    finally:
        if writer is not None:
            writer.close()
        if tmp.exists():
            tmp.unlink()
    return rows


class Store:
    """A results folder (see the module docstring)."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.journal = self.folder / "_journal"

    # ------------------------------------------------------------------ manifest
    @property
    def manifest_path(self) -> Path:
        return self.folder / "manifest.json"

    def exists(self) -> bool:
        return self.manifest_path.exists()

    def manifest(self) -> dict[str, Any]:
        """The manifest; :class:`InputError` if the folder holds no experiment."""
        try:
            data = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(str(self.folder), "", "not an experiment results folder (no manifest.json); "
                                                   "run 'python -m sim sweep SPEC --out DIR' first") from None
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise InputError(str(self.manifest_path), "", "unreadable manifest (not JSON)") from None
        if data.get("format") != FORMAT:
            raise InputError(str(self.manifest_path), "format", f"expected '{FORMAT}', got {data.get('format')!r}")
        return data

    def create_or_check(self, manifest: dict[str, Any]) -> dict[str, Any]:
        """Write ``manifest`` if the folder is new; else check that it holds the same experiment."""
        self.folder.mkdir(parents=True, exist_ok=True)
        for name in (*TABLES, "_journal"):
            (self.folder / name).mkdir(exist_ok=True)
        if not self.manifest_path.exists():
            tmp = self.folder / f".manifest.{uuid.uuid4().hex[:8]}.tmp"
            tmp.write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")
            try:
                os.link(tmp, self.manifest_path)  # atomic create: fails if a shard got there first
            except FileExistsError:
                pass
            finally:
                tmp.unlink()
        old = self.manifest()
        if old["spec_hash"] != manifest["spec_hash"]:
            a, b = old["spec"]["identity"], manifest["spec"]["identity"]
            diff = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
            raise InputError(str(self.folder), "", (
                f"holds the results of a different experiment ('{old['spec']['name']}', spec hash "
                f"{old['spec_hash']}); this spec ('{manifest['spec']['name']}', hash {manifest['spec_hash']}) "
                f"differs in: {', '.join(diff)}. Use another --out folder, or delete this one"))
        return old

    def schema(self, name: str) -> pa.Schema:
        if name == "runs":
            return schema_from_json(self.manifest()["runs_schema"])
        return TABLE_SCHEMAS[name]

    # ------------------------------------------------------------------ locks
    @contextlib.contextmanager
    def sweep_lock(self, shard: tuple[int, int]) -> Iterator[None]:
        """Refuse a second sweep over the same runs: exclusive per shard, whole-folder for 0/1."""
        self.journal.mkdir(parents=True, exist_ok=True)
        i, n = shard
        whole = open(self.journal / "sweep.lock", "a+")
        part = open(self.journal / f"shard-{i}-of-{n}.lock", "a+") if n > 1 else None
        try:
            got = try_lock(whole, fcntl.LOCK_EX if n == 1 else fcntl.LOCK_SH)
            if got and part is not None:
                got = try_lock(part, fcntl.LOCK_EX)
            if got is False:
                what = "a sweep" if n == 1 else f"shard {i}/{n} or an unsharded sweep"
                raise InputError(str(self.folder), "", f"{what} is already running on this folder; "
                                                       "wait for it or stop it first")
            yield
        finally:
            if part is not None:
                part.close()
            whole.close()

    # ------------------------------------------------------------------ recovery
    def recover(self) -> int:
        """Convert journals that no live sweep holds and finish interrupted compactions; return runs recovered."""
        if not self.journal.exists():
            return 0
        for marker in sorted(self.journal.glob("compact-*.json")):
            self._finish_compaction(marker)
        ids = sorted({p.name.split(".")[0] for p in self.journal.glob("*.arrows")})
        recovered = 0
        for jid in ids:
            lock_path = self.journal / f"{jid}.lock"
            with open(lock_path, "a+") as lock:
                got = try_lock(lock, fcntl.LOCK_EX)
                if got is False:
                    continue  # a live sweep is writing it
                if got is None:  # no locks here: only journals untouched for an hour count as dead
                    newest = max(p.stat().st_mtime for p in self.journal.glob(f"{jid}.*"))
                    if time.time() - newest < UNLOCKED_RECOVERY_AGE_S:
                        continue
                recovered += self.convert(jid)
            lock_path.unlink(missing_ok=True)
        return recovered

    def convert(self, jid: str) -> int:
        """Turn journal ``jid`` into part files (idempotent) and delete it. Returns its runs."""
        runs_j = self.journal / f"{jid}.runs.arrows"
        runs_schema_ = self.schema("runs")
        batches = [b for b in _read_stream(runs_j)]
        keys = pa.concat_arrays([b.column(0) for b in batches]) if batches else pa.array([], pa.string())
        for name in ("monthly", "events"):
            j = self.journal / f"{jid}.{name}.arrows"
            part = self.folder / name / f"part-{jid}.parquet"
            if j.exists() and not part.exists():
                rows = (b.filter(pc.is_in(b.column("run_key"), value_set=keys)) for b in _read_stream(j))
                _write_parquet_atomic(rows, TABLE_SCHEMAS[name], part)
        part = self.folder / "runs" / f"part-{jid}.parquet"
        if batches and not part.exists():
            _write_parquet_atomic(iter(batches), runs_schema_, part)
        for name in ("monthly", "events", "runs"):
            (self.journal / f"{jid}.{name}.arrows").unlink(missing_ok=True)
        _trim_heap()
        return len(keys)

    # ------------------------------------------------------------------ reading
    def parts(self, name: str) -> list[Path]:
        folder = self.folder / name
        return sorted(folder.glob("part-*.parquet")) if folder.exists() else []

    def read(self, name: str, columns: list[str] | None = None, dedupe: bool = True,
             include_journals: bool = True) -> pa.Table:
        """One table of the folder as a pyarrow Table (runs: last attempt per run key when ``dedupe``)."""
        schema = self.schema(name)
        wanted = columns
        if columns is not None and name == "runs" and dedupe:
            columns = list(dict.fromkeys([*columns, "run_key", "attempt", "finished_at"]))
        if columns is not None:
            schema = pa.schema([schema.field(c) for c in columns])
        tables = [pq.read_table(p, columns=columns, schema=None) for p in self.parts(name)]
        if include_journals and self.journal.exists():
            for j in sorted(self.journal.glob(f"*.{name}.arrows")):
                for b in _read_stream(j):
                    t = pa.Table.from_batches([b])
                    tables.append(t.select(columns) if columns is not None else t)
        tables = [t.cast(schema) for t in tables if t.num_rows]
        table = pa.concat_tables(tables) if tables else schema.empty_table()
        if name == "runs" and dedupe and table.num_rows:
            table = last_attempts(table)
        return table.select(wanted) if wanted is not None else table

    def run_index(self) -> tuple[set[str], dict[str, int]]:
        """(keys of the runs done, {key: attempt} of the runs whose last attempt failed or timed out)."""
        t = self.read("runs", columns=["run_key", "status", "attempt"])
        ok_mask = pc.equal(t.column("status"), "ok")
        done = set(t.filter(ok_mask).column("run_key").to_pylist())
        bad = t.filter(pc.invert(ok_mask))
        return done, dict(zip(bad.column("run_key").to_pylist(), bad.column("attempt").to_pylist(), strict=True))

    def count_statuses(self) -> dict[str, int]:
        """Number of runs by the status of their last attempt."""
        t = self.read("runs", columns=["status"])
        if t.num_rows == 0:
            return {}
        counts = pc.value_counts(t.column("status").combine_chunks())
        return {c["values"].as_py(): c["counts"].as_py() for c in counts}

    def run_states(self) -> dict[str, tuple[str, int]]:
        """run_key -> (status, attempt) of the last attempt of every recorded run."""
        t = self.read("runs", columns=["run_key", "status", "attempt", "finished_at"])
        return {k: (s, a) for k, s, a in zip(t.column("run_key").to_pylist(), t.column("status").to_pylist(),
                                              t.column("attempt").to_pylist(), strict=False)}

    # ------------------------------------------------------------------ compaction
    def compact_runs(self) -> bool:
        """Rewrite the runs parts without superseded attempts, if there are any. Returns True if it did."""
        parts = self.parts("runs")
        if not parts:
            return False
        table = pa.concat_tables([pq.read_table(p).cast(self.schema("runs")) for p in parts])
        if table.num_rows == 0:
            return False
        latest = last_attempts(table)
        if latest.num_rows == table.num_rows:
            return False
        cid = f"compact-{uuid.uuid4().hex[:12]}"
        new = self.folder / "runs" / f"part-{cid}.parquet"
        marker = self.journal / f"{cid}.json"
        _atomic_write_bytes(marker, json.dumps({"new": new.name, "old": [p.name for p in parts]}).encode())
        _write_parquet_atomic(iter(latest.to_batches()), latest.schema, new)
        self._finish_compaction(marker)
        return True

    def _finish_compaction(self, marker: Path) -> None:
        info = json.loads(marker.read_text(encoding="utf-8"))
        if (self.folder / "runs" / info["new"]).exists():
            for name in info["old"]:
                (self.folder / "runs" / name).unlink(missing_ok=True)
        marker.unlink(missing_ok=True)


def last_attempts(table: pa.Table) -> pa.Table:
    """Keep the row with the highest attempt (then latest finish) of each run key."""
    order = pc.sort_indices(table, sort_keys=[("run_key", "ascending"), ("attempt", "descending"),
                                              ("finished_at", "descending")])
    t = table.take(order)
    keys = t.column("run_key").combine_chunks()
    if len(keys) < 2:
        return t
    diff = pc.not_equal(keys.slice(1), keys.slice(0, len(keys) - 1))
    mask = pa.concat_arrays([pa.array([True]), diff.combine_chunks() if hasattr(diff, "combine_chunks") else diff])
    return t.filter(mask)


class JournalWriter:
    """Appends finished chunks to IPC journals and rotates them into Parquet parts."""

    def __init__(self, store: Store, rotate_runs: int = 20000, rotate_rows: int = 500_000) -> None:
        self.store = store
        self.rotate_runs, self.rotate_rows = rotate_runs, rotate_rows
        self.jid = ""
        self._lock: Any = None
        self._writers: dict[str, tuple[Any, Any]] = {}
        self._runs = self._rows = 0

    def _open(self) -> None:
        self.jid = f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:10]}"
        self._lock = open(self.store.journal / f"{self.jid}.lock", "a+")
        try_lock(self._lock, fcntl.LOCK_EX)  # a fresh name: nobody else holds it
        self._writers = {}
        self._runs = self._rows = 0

    def _writer(self, name: str, schema: pa.Schema) -> Any:
        if name not in self._writers:
            sink = pa.OSFile(str(self.store.journal / f"{self.jid}.{name}.arrows"), "wb")
            self._writers[name] = (sink, pa.ipc.new_stream(sink, schema))
        return self._writers[name][1]

    def write(self, runs: pa.RecordBatch, monthly: pa.Table | None = None, events: pa.Table | None = None) -> None:
        """Append one chunk: monthly and events first, the runs rows (the commit) last."""
        if not self.jid:
            self._open()
        for name, table in (("monthly", monthly), ("events", events)):
            if table is not None and table.num_rows:
                self._writer(name, TABLE_SCHEMAS[name]).write_table(table.cast(TABLE_SCHEMAS[name]))
                self._rows += table.num_rows
        self._writer("runs", runs.schema).write_batch(runs)
        self._runs += runs.num_rows
        if self._runs >= self.rotate_runs or self._rows >= self.rotate_rows:
            self.flush()

    def flush(self) -> None:
        """Close the current journal and convert it into part files."""
        if not self.jid:
            return
        for sink, writer in self._writers.values():
            writer.close()
            sink.close()
        self.store.convert(self.jid)
        (self.store.journal / f"{self.jid}.lock").unlink(missing_ok=True)
        self._lock.close()
        self.jid, self._lock, self._writers = "", None, {}

    def close(self) -> None:
        self.flush()
