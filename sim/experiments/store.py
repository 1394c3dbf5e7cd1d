"""The results store: a folder of Parquet part files, written so that a crash never costs a finished run.

Layout of a results folder ``DIR``::

    manifest.json                  the spec, its hash, package and code versions, run count
    runs/part-<commit>.parquet     one row per run (see RUNS columns below): the commit record
    monthly/part-<commit>.parquet  the model table of every ok run of that commit (when the spec keeps it)
    events/part-<commit>.parquet   the event log of every ok run of that commit (when the spec keeps it)
    _journal/                      locks and crash-safe markers of sweeps (not part of the dataset)
    _quarantine/                   unreadable or incomplete part files moved aside (never deleted)

Each folder of parts is one Parquet dataset: ``pandas.read_parquet("DIR/runs")`` or DuckDB's
``read_parquet('DIR/runs/*.parquet')`` (names starting with ``.`` or ``_`` are not part of it).

Commits: a sweep writes every finished chunk of runs at once as one *commit*: a part of each
kept table (monthly and events, possibly empty) and then its runs part, each by atomic rename
(tmp file, fsync, rename). A run is done only when its commit's runs part and every kept
table's part exist and are readable, so plain readers see every finished run as soon as it
is committed, even after a ``kill -9``. Every part carries the spec hash in its Parquet
metadata (key ``sim.spec_hash``), so a folder whose manifest was lost can be checked.

Commits are named ``<session>-<n>``; a session holds an ``flock`` on ``_journal/<session>.lock``
while it writes. :meth:`Store.maintain` (run by ``sweep``, ``status`` and ``export``) looks only at
the commits of dead sessions: it moves the parts of an incomplete or unreadable commit to
``_quarantine/`` (their runs are pending again and the next sweep reruns them), finishes
interrupted merges, and drops superseded attempts, so that every run key appears exactly once
in the runs table and the rows of a run in the other tables come from one commit. A session
merges its own commits into one every :data:`MERGE_EVERY` commits and when it ends
(crash-safe through a ``_journal/merge-<commit>.json`` marker).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import subprocess
import sys
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
from .locks import FileLock, is_held

FORMAT = "sim-experiment/1"
TABLES = ("runs", "monthly", "events")
#: Runs-table column of a run's point in the design (points are numbered in the design's order, the spec's).
POINT_COLUMN = "point"
#: Columns of the runs table before the parameter and metric columns.
RUN_ID_COLUMNS = ("run_key", POINT_COLUMN, "replication", "seed")
#: Columns of the runs table between the parameter and metric columns.
RUN_STATUS_COLUMNS = ("status", "attempt", "wall_seconds", "finished_at", "worker", "error")
RESERVED = frozenset(RUN_ID_COLUMNS + RUN_STATUS_COLUMNS)
TAG_FIELDS = [pa.field("run_key", pa.string()), pa.field("point", pa.int32()), pa.field("replication", pa.int32())]
TABLE_SCHEMAS = {"monthly": pa.schema(list(MODEL_SCHEMA) + TAG_FIELDS),
                 "events": pa.schema(list(EVENTS_SCHEMA) + TAG_FIELDS)}


#: What a sweep and the commands built on it write into a results folder (besides discovery-*.json).
STORE_OUTPUTS = ("manifest.json", *TABLES, "_journal", "_quarantine", "sessions.jsonl", "figures", "export",
                 "compare.json", "compare.csv", "sensitivity.json")
#: Parquet metadata key of the spec hash in every part file.
SPEC_HASH_KEY = b"sim.spec_hash"
#: A session merges its commits into one part per table after this many (bounds the file count).
MERGE_EVERY = 64
#: Rows per Parquet row group (export and readers stream one group at a time).
ROW_GROUP_ROWS = 65536


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
    """Give freed heap pages back to the OS (glibc keeps them after a merge's buffers are freed)."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):  # not glibc
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _fsync_rename(tmp: Path, path: Path) -> None:
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
    _fsync_rename(tmp, path)


def write_part(tables: list[pa.Table] | Iterator[pa.Table], schema: pa.Schema, path: Path, spec_hash: str) -> int:
    """Write ``tables`` (possibly none: an empty part) into ``path`` atomically. Returns rows written."""
    schema = schema.with_metadata({SPEC_HASH_KEY: spec_hash.encode()})
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    rows = 0
    try:
        with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
            for t in tables:
                if t.num_rows:
                    writer.write_table(t.cast(schema), row_group_size=ROW_GROUP_ROWS)
                    rows += t.num_rows
        _fsync_rename(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return rows


def _read_part(path: Path, columns: list[str] | None = None) -> pa.Table:
    return pq.read_table(path, columns=columns)


def _commit_of(path: Path) -> str:
    """``part-<commit>.parquet`` -> ``<commit>``."""
    return path.name[len("part-"):-len(".parquet")]


def _session_of(commit: str) -> str:
    return commit.rsplit("-", 1)[0]


class Store:
    """A results folder (see the module docstring)."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.journal = self.folder / "_journal"
        self.quarantine_dir = self.folder / "_quarantine"

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

    def recorded_hashes(self) -> set[str]:
        """Spec hashes recorded in the part files' metadata (any table, quarantine excluded)."""
        hashes: set[str] = set()
        for name in TABLES:
            for p in self.parts(name):
                with contextlib.suppress(Exception):  # an unreadable part says nothing
                    meta = pq.read_schema(p).metadata or {}
                    if SPEC_HASH_KEY in meta:
                        hashes.add(meta[SPEC_HASH_KEY].decode())
        return hashes

    def has_data(self) -> bool:
        return any(self.parts(name) for name in TABLES)

    def create_or_check(self, manifest: dict[str, Any]) -> dict[str, Any]:
        """Write ``manifest`` if the folder is new; else check that it holds the same experiment.

        A folder with part files but no manifest is adopted only when every part records this
        spec's hash; otherwise it is refused (its experiment cannot be verified).
        """
        if self.folder.exists() and not self.folder.is_dir():
            raise InputError(str(self.folder), "", "expected a results folder, found a file (--out)")
        if not self.manifest_path.exists() and self.has_data():
            hashes = self.recorded_hashes()
            if hashes != {manifest["spec_hash"]}:
                found = ", ".join(sorted(hashes)) or "none readable"
                raise InputError(str(self.folder), "manifest.json", (
                    f"missing, and the folder holds part files of spec hash(es) {found}, not this spec's "
                    f"{manifest['spec_hash']}; use another --out folder"))
        if self.folder.is_dir() and not self.manifest_path.exists() and not self.has_data():
            foreign = sorted(p.name for p in self.folder.iterdir() if not p.name.startswith(".")
                             and p.name not in STORE_OUTPUTS and not p.name.startswith("discovery-"))
            if foreign:
                raise InputError(str(self.folder), "", (
                    f"holds {', '.join(foreign[:5])}{' ...' if len(foreign) > 5 else ''}, not an experiment's "
                    "results; use another --out folder, or --force to replace the results there"))
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            for name in (*TABLES, "_journal"):
                (self.folder / name).mkdir(exist_ok=True)
        except OSError as exc:
            raise InputError(str(self.folder), "", f"cannot create the results folder ({exc.strerror})") from None
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
            raise self.different_experiment(old, manifest)
        return old

    def different_experiment(self, old: dict[str, Any], manifest: dict[str, Any]) -> InputError:
        """The error for a spec (its ``manifest``) that is not the experiment of this folder (``old``)."""
        a, b = old["spec"]["identity"], manifest["spec"]["identity"]
        diff = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
        return InputError(str(self.folder), "", (
            f"holds the results of a different experiment ('{old['spec']['name']}', spec hash "
            f"{old['spec_hash']}); this spec ('{manifest['spec']['name']}', hash {manifest['spec_hash']}) "
            f"differs in: {', '.join(diff)}. Use another --out folder, or --force to replace its results"))

    def replace_manifest(self, manifest: dict[str, Any]) -> None:
        """Write ``manifest`` over the folder's (atomically; an extension of its experiment)."""
        _atomic_write_bytes(self.manifest_path, json.dumps(manifest, indent=2, default=str).encode())

    def schema(self, name: str) -> pa.Schema:
        if name == "runs":
            return schema_from_json(self.manifest()["runs_schema"])
        return TABLE_SCHEMAS[name]

    def kept(self) -> list[str]:
        """The tables besides runs that every commit has a part of."""
        return [t for t in self.manifest()["tables"] if t != "runs"]

    # ------------------------------------------------------------------ locks
    @contextlib.contextmanager
    def sweep_lock(self, shard: tuple[int, int]) -> Iterator[None]:
        """Refuse a second sweep over the same runs: exclusive per shard, whole-folder for 0/1, and
        one shard scheme at a time (shards of a folder must all use the same N)."""
        self.journal.mkdir(parents=True, exist_ok=True)
        i, n = shard
        locks = [FileLock(self.journal / "sweep.lock")]
        try:
            if locks[0].acquire(shared=n > 1) is False:
                what = "a sweep" if n == 1 else f"shard {i}/{n} or an unsharded sweep"
                raise InputError(str(self.folder), "", f"{what} is already running on this folder; "
                                                       "wait for it or stop it first")
            if n > 1:
                locks.append(FileLock(self.journal / f"scheme-{n}.lock"))
                locks[-1].acquire(shared=True)
                for other in sorted(self.journal.glob("scheme-*.lock")):
                    if other.name != f"scheme-{n}.lock" and is_held(other):
                        m = other.name[len("scheme-"):-len(".lock")]
                        raise InputError("--shard", "", (
                            f"expected I/{m}: shards I/{m} are running on {self.folder}, and shards of "
                            f"another scheme ({i}/{n}) would run the same runs twice; wait for them to finish"))
                locks.append(FileLock(self.journal / f"shard-{i}-of-{n}.lock"))
                if locks[-1].acquire() is False:
                    raise InputError(str(self.folder), "", f"shard {i}/{n} is already running on this folder; "
                                                           "wait for it or stop it first")
            yield
        finally:
            for lock in reversed(locks):
                lock.release()

    # ------------------------------------------------------------------ reading
    def parts(self, name: str) -> list[Path]:
        """Part files of table ``name`` (committed or not)."""
        folder = self.folder / name
        return sorted(folder.glob("part-*.parquet")) if folder.exists() else []

    def committed(self, name: str) -> list[Path]:
        """Parts of table ``name`` whose commit has its runs part (the commit record)."""
        if name == "runs":
            return self.parts("runs")
        done = {_commit_of(p) for p in self.parts("runs")}
        return [p for p in self.parts(name) if _commit_of(p) in done]

    def read(self, name: str, columns: list[str] | None = None, dedupe: bool = True) -> pa.Table:
        """One table of the folder as a pyarrow Table (runs: last attempt per run key when ``dedupe``)."""
        schema = self.schema(name)
        wanted = columns
        if columns is not None and name == "runs" and dedupe:
            columns = list(dict.fromkeys([*columns, "run_key", "attempt", "finished_at"]))
        if columns is not None:
            schema = pa.schema([schema.field(c) for c in columns])
        tables = []
        for p in self.committed(name):
            try:
                t = _read_part(p, columns)
            except (OSError, pa.ArrowException) as exc:
                raise InputError(str(p), "", f"unreadable part file ({exc}); run 'python -m sim status "
                                             f"{self.folder}' to move it aside and see which runs to rerun") from None
            if t.num_rows:
                tables.append(t.cast(schema))
        table = pa.concat_tables(tables) if tables else schema.empty_table()
        if name == "runs" and dedupe and table.num_rows:
            table = last_attempts(table)
        return table.select(wanted) if wanted is not None else table

    def batches(self, name: str) -> Iterator[pa.RecordBatch]:
        """The committed rows of table ``name``, one Parquet row group at a time (flat memory)."""
        schema = self.schema(name)
        for p in self.committed(name):
            for batch in pq.ParquetFile(p).iter_batches(batch_size=ROW_GROUP_ROWS):
                yield pa.RecordBatch.from_arrays(batch.columns, schema=schema) if batch.schema != schema \
                    else batch

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

    # ------------------------------------------------------------------ maintenance
    def _live(self, commit: str, own: str) -> bool:
        sid = _session_of(commit)
        return sid != own and is_held(self.journal / f"{sid}.lock")

    def quarantine(self, path: Path) -> Path:
        """Move ``path`` (a part of table ``path.parent.name``) into ``_quarantine/`` and return the new path."""
        dest = self.quarantine_dir / path.parent.name / path.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        if dest.exists():
            dest = dest.with_name(f"{path.stem}.{uuid.uuid4().hex[:6]}{path.suffix}")
        with contextlib.suppress(FileNotFoundError):  # another process moved it first
            os.replace(path, dest)
        return dest

    def maintain(self, own: str = "") -> list[str]:
        """Repair the commits of dead sessions (see the module docstring); return what it did, one line each."""
        if not self.journal.exists():
            return []
        notes: list[str] = []
        for marker in sorted(self.journal.glob("merge-*.json")):
            if not self._live(marker.stem[len("merge-"):], own):
                self._finish_merge(marker)
        kept = self.kept()
        by_commit: dict[str, dict[str, Path]] = {}
        for name in ("runs", *kept):
            for p in self.parts(name):
                by_commit.setdefault(_commit_of(p), {})[name] = p
        for name in TABLES:  # parts of a table the spec does not keep cannot be ours
            if name not in ("runs", *kept):
                for p in self.parts(name):
                    notes.append(f"moved {p.relative_to(self.folder)} to {self.quarantine(p).relative_to(self.folder)}"
                                 " (a table this spec does not keep)")
        for commit, files in sorted(by_commit.items()):
            if self._live(commit, own):
                continue
            missing = [n for n in ("runs", *kept) if n not in files]
            bad = []
            for n, p in files.items():
                try:
                    pq.ParquetFile(p).metadata  # noqa: B018 - reads and checks the footer
                except (OSError, pa.ArrowException):
                    bad.append(n)
            if not missing and not bad:
                continue
            n_runs = 0
            if "runs" in files and "runs" not in bad:
                n_runs = pq.ParquetFile(files["runs"]).metadata.num_rows
            why = "; ".join([f"no {n} part" for n in missing] + [f"unreadable {n} part" for n in bad])
            for p in files.values():
                dest = self.quarantine(p)
                notes.append(f"moved {p.relative_to(self.folder)} to {dest.relative_to(self.folder)} ({why})")
            if n_runs:
                notes.append(f"commit {commit}: its {n_runs} run(s) are pending again and will be rerun")
        removed = self._drop_superseded(own)
        if removed:
            notes.append(f"dropped {removed} superseded attempt row(s) of retried runs")
        return notes

    def _drop_superseded(self, own: str) -> int:
        """Remove the rows of every run key except its last attempt from the parts that hold them."""
        cols = ["run_key", "status", "attempt", "finished_at"]
        tables = []
        for p in self.parts("runs"):
            t = _read_part(p, cols)
            tables.append(t.append_column("_commit", pa.array([_commit_of(p)] * t.num_rows, pa.string())))
        if not tables:
            return 0
        t = pa.concat_tables(tables)
        if pc.count_distinct(t.column("run_key")).as_py() == t.num_rows:
            return 0
        order = pc.sort_indices(t, sort_keys=[("run_key", "ascending"), ("attempt", "descending"),
                                              ("finished_at", "descending"), ("_commit", "descending")])
        t = t.take(order)
        keys = t.column("run_key").combine_chunks()
        first = pa.concat_arrays([pa.array([True]), pc.not_equal(keys.slice(1), keys.slice(0, len(keys) - 1))])
        losers = t.filter(pc.invert(first))
        drop: dict[str, set[str]] = {}
        for k, c in zip(losers.column("run_key").to_pylist(), losers.column("_commit").to_pylist(), strict=True):
            drop.setdefault(c, set()).add(k)
        n = 0
        for commit, ks in drop.items():
            if self._live(commit, own):
                continue
            n += self._remove_keys(commit, ks)
        return n

    def _remove_keys(self, commit: str, keys: set[str]) -> int:
        """Rewrite commit ``commit`` without ``keys`` (other tables first, the runs part last)."""
        value_set = pa.array(sorted(keys), pa.string())
        spec_hash = self.manifest()["spec_hash"]
        removed = 0
        for name in (*self.kept(), "runs"):
            path = self.folder / name / f"part-{commit}.parquet"
            if not path.exists():
                continue
            t = _read_part(path)
            keep = t.filter(pc.invert(pc.is_in(t.column("run_key"), value_set=value_set)))
            if keep.num_rows != t.num_rows:
                if name == "runs":
                    removed = t.num_rows - keep.num_rows
                if name == "runs" and keep.num_rows == 0:
                    for other in self.kept():
                        (self.folder / other / f"part-{commit}.parquet").unlink(missing_ok=True)
                    path.unlink()
                else:
                    write_part([keep], self.schema(name), path, spec_hash)
        return removed

    # ------------------------------------------------------------------ merging
    def merge(self, commits: list[str], into: str) -> None:
        """Merge the parts of ``commits`` into commit ``into`` (crash-safe; see the module docstring)."""
        if len(commits) < 2:
            return
        marker = self.journal / f"merge-{into}.json"
        _atomic_write_bytes(marker, json.dumps({"new": into, "old": commits}).encode())
        spec_hash = self.manifest()["spec_hash"]
        for name in (*self.kept(), "runs"):
            srcs = [self.folder / name / f"part-{c}.parquet" for c in commits]
            write_part((_read_part(p) for p in srcs if p.exists()), self.schema(name),
                       self.folder / name / f"part-{into}.parquet", spec_hash)
        self._finish_merge(marker)
        _trim_heap()

    def _finish_merge(self, marker: Path) -> None:
        info = json.loads(marker.read_text(encoding="utf-8"))
        if (self.folder / "runs" / f"part-{info['new']}.parquet").exists():  # the merge committed: drop the old
            drop = info["old"]
        else:  # it did not: drop the partial merge
            drop = [info["new"]]
        for commit in drop:
            for name in (*self.kept(), "runs"):
                (self.folder / name / f"part-{commit}.parquet").unlink(missing_ok=True)
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
    mask = pa.concat_arrays([pa.array([True]), diff])
    return t.filter(mask)


class Session:
    """One writer of a results folder: commits chunks of runs, merges its commits as it goes.

    ``merge_every``: merge after this many commits and at the end (0: never, one part per chunk).
    """

    def __init__(self, store: Store, merge_every: int = MERGE_EVERY) -> None:
        self.store = store
        self.merge_every = merge_every
        self.sid = f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:10]}"
        self._lock = FileLock(store.journal / f"{self.sid}.lock")
        self._lock.acquire()  # a fresh name: nobody else holds it
        self._kept = store.kept()
        self._schemas = {name: store.schema(name) for name in ("runs", *self._kept)}
        self._hash = store.manifest()["spec_hash"]
        self._n = 0
        self._pending: list[str] = []  # own commits not merged yet

    def commit(self, runs: pa.RecordBatch, monthly: pa.Table | None = None, events: pa.Table | None = None) -> None:
        """Write one chunk: a part of every kept table, then the runs part (the commit record)."""
        self._n += 1
        commit = f"{self.sid}-{self._n:06d}"
        given = {"monthly": monthly, "events": events}
        for name in self._kept:
            t = given.get(name)
            write_part([t] if t is not None else [], self._schemas[name],
                       self.store.folder / name / f"part-{commit}.parquet", self._hash)
        write_part([pa.Table.from_batches([runs])], self._schemas["runs"],
                   self.store.folder / "runs" / f"part-{commit}.parquet", self._hash)
        self._pending.append(commit)
        if 0 < self.merge_every <= len(self._pending):
            self._merge()

    def _merge(self) -> None:
        """Merge the commits since the last merge into one (merged parts are not merged again)."""
        if len(self._pending) > 1:
            self._n += 1
            self.store.merge(self._pending, f"{self.sid}-{self._n:06d}")
        self._pending = []

    def close(self) -> None:
        """Merge this session's commits (unless ``merge_every`` is 0), drop superseded attempts, release the lock."""
        if self.merge_every > 0:
            self._merge()
        self.store.maintain(own=self.sid)
        self._lock.release()
        (self.store.journal / f"{self.sid}.lock").unlink(missing_ok=True)
