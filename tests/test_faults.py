"""Faults that once broke a sweep, each reproduced through the command line, then resumed.

Every test makes the fault happen to a real ``python -m sim`` subprocess (a ``kill -9`` of the
main process only, a run that kills its worker, a run that swallows its time limit, a torn or
lost part file, overlapping shard schemes, a lost manifest), then checks that the command
ends cleanly and that a resume finishes with every run done exactly once, every table loadable
by plain pandas (``pd.read_parquet(dir)``) and by DuckDB (``read_parquet('dir/*.parquet')``).
Misbehaving runs come from ``tests/fault_models.py``, swept through the spec's ``model``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import psutil
import pytest
from conftest import ROOT
from test_experiments import market_spec
from test_experiments_slow import KILL_SPEC

from sim.experiments import status

TESTS = Path(__file__).resolve().parent
ENV = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{TESTS}", "MPLBACKEND": "Agg"}

#: KILL_SPEC with ``samples`` Latin-hypercube points and one replication each.
SLOW_SPEC = KILL_SPEC.replace("replications = 2", "replications = 1").replace("samples = 400", "samples = {samples}")

CRASH_SPEC = """
name = "crash"
model = "fault_models:crash"
[design]
method = "grid"
[[parameters]]
key = "x"
values = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0]
[outputs]
metrics = ["y"]
"""


def sim(*args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess:
    """``python -m sim ARGS`` in a subprocess; returns it finished (stdout and stderr as text)."""
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=ROOT, env={**ENV, **env},
                          capture_output=True, text=True, timeout=timeout)


def start(*args: str, **env: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "sim", *args], cwd=ROOT, env={**ENV, **env},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)


def write(folder: Path, text: str, name: str = "spec.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def wait_for_parts(proc: subprocess.Popen, out: Path, n: int = 1, timeout: float = 60) -> None:
    """Wait until plain readers see at least ``n`` runs in ``out/runs`` (fails if the sweep ends first)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            pytest.fail(f"the sweep ended first: {proc.stderr.read().decode()[-1500:]}")
        parts = list((out / "runs").glob("part-*.parquet")) if (out / "runs").exists() else []
        if parts and len(pd.read_parquet(out / "runs")) >= n:
            return
        time.sleep(0.1)
    pytest.fail(f"no finished run became visible to plain readers in {timeout:.0f} s")


def check_complete(out: Path, n_runs: int, tables: tuple[str, ...] = ("runs",), ok: int | None = None) -> pd.DataFrame:
    """Every run recorded exactly once (``ok`` of them ok, default all) in pandas and DuckDB; returns the runs."""
    runs = pd.read_parquet(out / "runs")
    assert len(runs) == n_runs and runs["run_key"].is_unique, runs["run_key"].value_counts().head()
    assert (runs["status"] == "ok").sum() == (n_runs if ok is None else ok)
    for name in tables:
        rows, keys = duckdb.sql(f"SELECT count(*), count(DISTINCT run_key) FROM "
                                f"read_parquet('{(out / name).as_posix()}/*.parquet')").fetchall()[0]
        assert rows == len(pd.read_parquet(out / name))
        if name == "runs":
            assert rows == keys == n_runs
        else:
            assert keys == (runs["status"] == "ok").sum()
    if "monthly" in tables:
        monthly = pd.read_parquet(out / "monthly")
        assert not monthly.duplicated(["run_key", "step"]).any()
        assert set(monthly["run_key"]) == set(runs.loc[runs["status"] == "ok", "run_key"])
    st = status(out)
    assert st["done"] == (n_runs if ok is None else ok) and st["pending"] == 0
    return runs


# ---------------------------------------------------------------------- 1 and 8: kill -9
@pytest.mark.slow
def test_kill_9_of_the_main_process_kills_its_workers_and_leaves_runs_readable(tmp_path: Path) -> None:
    """kill -9 of the main PID only (not the group): the forked workers must die with it and
    not hold the folder's lock; the runs finished so far are visible to plain readers at once."""
    spec = write(tmp_path, SLOW_SPEC.format(samples=300))
    out = tmp_path / "out"
    proc = start("sweep", str(spec), "--out", str(out), "--quiet", "--workers", "2", SIM_SLOW_MS="100")
    wait_for_parts(proc, out, n=10)
    workers = psutil.Process(proc.pid).children(recursive=True)
    assert workers
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    gone, alive = psutil.wait_procs(workers, timeout=10)
    for p in alive:  # clean up before failing
        p.kill()
    assert not alive, f"{len(alive)} worker(s) outlived the killed sweep"
    seen = len(pd.read_parquet(out / "runs"))
    assert 10 <= seen < 300  # killed mid-sweep
    assert duckdb.sql(f"SELECT count(*) FROM read_parquet('{out.as_posix()}/runs/*.parquet')").fetchall()[0][0] == seen
    done = sim("sweep", str(spec), "--out", str(out), "--quiet", "--workers", "2", SIM_SLOW_MS="0")
    assert done.returncode == 0, done.stderr
    check_complete(out, 300)


# ---------------------------------------------------------------------- 2: a run kills its worker
def test_a_run_that_kills_its_worker_is_isolated_and_the_sweep_goes_on(tmp_path: Path) -> None:
    spec = write(tmp_path, CRASH_SPEC)
    out = tmp_path / "out"
    first = sim("sweep", str(spec), "--out", str(out), "--quiet", "--workers", "2", SIM_TEST_CRASH="1",
                SIM_SLOW_MS="50")
    assert first.returncode == 0, first.stderr
    assert "Traceback" not in first.stderr and "1 killed their worker" in first.stderr
    runs = check_complete(out, 12, ok=11)
    bad = runs[runs["status"] != "ok"]
    assert list(bad["x"]) == [7.0] and bad["seed"].notna().all()
    assert "worker process died" in bad["error"].iloc[0] and "exit code 3" in bad["error"].iloc[0]
    again = sim("sweep", str(spec), "--out", str(out), "--quiet", "--workers", "2", "--retry-failed")
    assert again.returncode == 0, again.stderr
    runs = check_complete(out, 12)
    assert runs.set_index("x").loc[7.0, "attempt"] == 2


class _ReapedElsewhere:
    """A dead worker reaped by the pool's own thread: this process's join finds it gone, and its exit code
    appears only a few looks later (the race that once recorded the crashed run's code as -SIGTERM)."""

    def __init__(self, code: int, hidden_looks: int) -> None:
        self.code, self.hidden = code, hidden_looks

    def join(self, timeout: float | None = None) -> None:
        return None

    @property
    def exitcode(self) -> int | None:
        self.hidden -= 1
        return None if self.hidden >= 0 else self.code


def test_the_dead_workers_code_is_kept_when_the_pool_reaps_it_at_the_same_moment() -> None:
    from sim.experiments.executors import Pool

    pool = Pool("serial")
    pool._procs = {1: _ReapedElsewhere(-signal.SIGTERM, 0), 2: _ReapedElsewhere(3, 5)}
    assert pool.dead_worker_codes() == [3]
    pool._procs = {1: _ReapedElsewhere(-signal.SIGTERM, 0), 2: _ReapedElsewhere(-signal.SIGTERM, 2)}
    assert pool.dead_worker_codes() == [-signal.SIGTERM]  # all were terminated: their code is the one known


def test_a_code_that_never_appears_does_not_hold_the_sweep(monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker whose exit code is never set (a pathological reap) is waited for only until the deadline."""
    from sim.experiments import executors

    monkeypatch.setattr(executors, "REAP_WAIT_S", 0.2)
    pool = executors.Pool("serial")
    pool._procs = {1: _ReapedElsewhere(3, 10**9), 2: _ReapedElsewhere(-signal.SIGTERM, 0)}
    start = time.monotonic()
    assert pool.dead_worker_codes() == [-signal.SIGTERM]
    assert time.monotonic() - start < 5.0


@pytest.mark.slow
def test_a_run_that_kills_its_dask_worker_is_isolated(tmp_path: Path) -> None:
    """On Dask only the culprit's chunk fails; its innocent chunk-mates must still get their results."""
    values = ", ".join(f"{v:.1f}" for v in range(16))  # chunks grow to 3 runs: x = 7 shares one with 8 and 9
    spec = write(tmp_path, CRASH_SPEC.replace("0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0", values))
    out = tmp_path / "out"
    first = sim("sweep", str(spec), "--out", str(out), "--quiet", "--dask-local", "2", SIM_TEST_CRASH="1",
                timeout=300)
    assert first.returncode == 0, first.stderr
    runs = check_complete(out, 16, ok=15)
    assert list(runs.loc[runs["status"] != "ok", "x"]) == [7.0]


# ---------------------------------------------------------------------- 3: time limit
SWALLOW_SPEC = """
name = "swallow"
model = "fault_models:swallow"
time_limit_seconds = 0.5
[design]
method = "grid"
[[parameters]]
key = "hang_s"
values = [0.0, 600.0]
[outputs]
metrics = ["y"]
"""


def test_a_run_cannot_swallow_its_time_limit(tmp_path: Path) -> None:
    spec = write(tmp_path, SWALLOW_SPEC)
    out = tmp_path / "out"
    try:
        done = sim("sweep", str(spec), "--out", str(out), "--quiet", "--workers", "2", timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("the run swallowed its time limit and the sweep hung")
    assert done.returncode == 0, done.stderr
    runs = check_complete(out, 2, ok=1)
    assert runs.set_index("hang_s").loc[600.0, "status"] == "timeout"


def test_the_time_limit_holds_on_dask_threads(tmp_path: Path) -> None:
    from sim.experiments import load_spec, run_sweep

    spec = load_spec(write(tmp_path, SWALLOW_SPEC))
    rep = run_sweep(spec, tmp_path / "out", executor="dask-local", workers=1, dask_processes=False, progress=False)
    assert rep.done == 1 and rep.failed == 1
    runs = pd.read_parquet(tmp_path / "out" / "runs").set_index("hang_s")
    assert runs.loc[600.0, "status"] == "timeout" and runs.loc[600.0, "wall_seconds"] < 30


def test_the_default_time_limit_is_stated() -> None:
    from sim.experiments.spec import DEFAULT_TIME_LIMIT_S

    assert DEFAULT_TIME_LIMIT_S > 0
    assert f"{DEFAULT_TIME_LIMIT_S:g} s" in " ".join(sim("sweep", "--help").stdout.split())
    assert f"{DEFAULT_TIME_LIMIT_S:g} s" in (ROOT / "docs" / "experiments.md").read_text(encoding="utf-8")


# ---------------------------------------------------------------------- 4: torn part files
def test_truncated_and_empty_runs_parts_are_quarantined_and_rerun(tmp_path: Path) -> None:
    spec = write(tmp_path, SLOW_SPEC.format(samples=40))
    out = tmp_path / "out"
    assert sim("sweep", str(spec), "--out", str(out), "--quiet", "--workers", "1", SIM_SLOW_MS="0").returncode == 0
    for command in ("export", "status"):
        part = next((out / "runs").glob("part-*.parquet"))
        data = part.read_bytes()
        part.write_bytes(data[: len(data) // 2])  # torn
        (out / "runs" / f"part-{command}-000001.parquet").write_bytes(b"")  # empty
        res = sim(command, str(out))
        assert res.returncode == 0 and "Traceback" not in res.stderr, res.stderr
        assert "_quarantine" in res.stderr and part.name in res.stderr
        moved = {p.name for p in (out / "_quarantine" / "runs").iterdir()}
        assert {part.name, f"part-{command}-000001.parquet"} <= moved
        st = json.loads(sim("status", str(out), "--json").stdout)
        assert st["pending"] == 40 and st["done"] == 0
        done = sim("sweep", str(spec), "--out", str(out), "--quiet", "--workers", "1", SIM_SLOW_MS="0")
        assert done.returncode == 0, done.stderr
        check_complete(out, 40)


# ---------------------------------------------------------------------- 5: per-run consistency
def test_a_lost_runs_part_or_monthly_part_is_rerun_without_doubling(tmp_path: Path) -> None:
    spec = market_spec(tmp_path)
    out = tmp_path / "out"
    assert sim("sweep", str(spec), "--out", str(out), "--quiet", "--workers", "1").returncode == 0
    check_complete(out, 8, ("runs", "monthly", "events"))
    for lost in ("runs", "monthly"):
        for p in (out / lost).glob("part-*.parquet"):
            p.unlink()
        st = json.loads(sim("status", str(out), "--json").stdout)
        assert st["done"] == 0 and st["pending"] == 8, lost  # not "all done"
        done = sim("sweep", str(spec), "--out", str(out), "--quiet", "--workers", "1")
        assert done.returncode == 0, done.stderr
        check_complete(out, 8, ("runs", "monthly", "events"))
        exported = sim("export", str(out))
        assert exported.returncode == 0
        assert len(pd.read_csv(out / "export" / "monthly.csv")) == len(pd.read_parquet(out / "monthly")) == 8 * 18


# ---------------------------------------------------------------------- 7: lost manifest
def test_a_folder_without_manifest_accepts_only_its_own_spec(tmp_path: Path) -> None:
    spec = write(tmp_path, SLOW_SPEC.format(samples=20))
    other = write(tmp_path, SLOW_SPEC.format(samples=20).replace("seed = 3", "seed = 4"), "other.toml")
    out = tmp_path / "out"
    assert sim("sweep", str(spec), "--out", str(out), "--quiet", "--workers", "1", SIM_SLOW_MS="0").returncode == 0
    (out / "manifest.json").unlink()
    refused = sim("sweep", str(other), "--out", str(out), "--quiet", "--workers", "1", SIM_SLOW_MS="0")
    assert refused.returncode == 2 and "manifest.json" in refused.stderr and "Traceback" not in refused.stderr
    assert not (out / "manifest.json").exists()
    same = sim("sweep", str(spec), "--out", str(out), "--quiet", "--workers", "1", SIM_SLOW_MS="0")
    assert same.returncode == 0 and "ran 0 runs" in same.stderr, same.stderr
    check_complete(out, 20)


# ---------------------------------------------------------------------- 6: shard schemes
@pytest.mark.slow
def test_a_second_shard_scheme_is_refused_while_one_runs(tmp_path: Path) -> None:
    spec = write(tmp_path, SLOW_SPEC.format(samples=60))
    out = tmp_path / "out"
    proc = start("sweep", str(spec), "--out", str(out), "--quiet", "--workers", "1", "--shard", "0/2",
                 SIM_SLOW_MS="400")
    wait_for_parts(proc, out, n=1)
    other = sim("sweep", str(spec), "--out", str(out), "--quiet", "--workers", "1", "--shard", "0/3",
                SIM_SLOW_MS="0")
    assert other.returncode == 2 and "--shard" in other.stderr and "I/2" in other.stderr, other.stderr
    same_scheme = sim("sweep", str(spec), "--out", str(out), "--quiet", "--workers", "1", "--shard", "1/2",
                      SIM_SLOW_MS="0")
    assert same_scheme.returncode == 0, same_scheme.stderr
    assert proc.wait(timeout=60) == 0
    check_complete(out, 60)
