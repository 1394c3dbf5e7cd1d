"""Experiment layer, slower checks: a sweep killed with ``kill -9`` mid-way resumes without losing
or duplicating a run and every table loads at every moment; a Dask LocalCluster gives the same
results as a serial sweep."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT
from test_experiments import market_spec, runs_frame, write

from sim.experiments import Store, load_spec, run_sweep

pytestmark = pytest.mark.slow

KILL_SPEC = """
name = "kill"
model = "sim.testfunctions:slow_ishigami"
seed = 3
replications = 2
[design]
method = "lhs"
samples = 400
[[parameters]]
key = "x1"
range = [-3.14159, 3.14159]
[[parameters]]
key = "x2"
range = [-3.14159, 3.14159]
[[parameters]]
key = "x3"
range = [-3.14159, 3.14159]
[outputs]
metrics = ["y"]
"""


def _start(spec: Path, out: Path, *extra: str, slow_ms: str = "20") -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SIM_SLOW_MS": slow_ms, "MPLBACKEND": "Agg"}
    return subprocess.Popen([sys.executable, "-m", "sim", "sweep", str(spec), "--out", str(out), "--quiet", *extra],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)


def _kill_when(proc: subprocess.Popen, out: Path, min_runs: int, timeout: float = 240) -> None:
    """``kill -9`` the sweep's whole process group once at least ``min_runs`` runs are recorded."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            pytest.fail(f"the sweep ended before it was killed: {proc.stderr.read().decode()[-2000:]}")
        if (out / "manifest.json").exists() and Store(out).read("runs", columns=["run_key"]).num_rows >= min_runs:
            break
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def _all_tables_load(out: Path) -> None:
    for name in ("runs", "monthly", "events"):
        if (out / name).exists():
            pd.read_parquet(out / name)  # raises if any part is torn


@pytest.mark.timeout(600)
def test_kill_9_mid_sweep_then_resume_loses_and_duplicates_nothing(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    spec = write(tmp_path, KILL_SPEC)
    out = tmp_path / "out"
    proc = _start(spec, out, "--workers", "2")
    _kill_when(proc, out, min_runs=150)
    _all_tables_load(out)
    recorded = Store(out).read("runs").num_rows
    assert 150 <= recorded < 800
    done = subprocess.run([sys.executable, "-m", "sim", "sweep", str(spec), "--out", str(out), "--quiet",
                           "--workers", "2"], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), "SIM_SLOW_MS": "0"},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"ran {800 - recorded} runs" in done.stderr  # only the missing ones
    _all_tables_load(out)
    got = runs_frame(out, ["run_key", "seed", "y", "status"])
    assert len(got) == 800 and got["run_key"].is_unique and (got["status"] == "ok").all()
    assert len(pd.read_parquet(out / "runs")) == 800
    ref = tmp_path / "ref"
    monkeypatch.setenv("SIM_SLOW_MS", "0")
    run_sweep(load_spec(spec), ref, executor="serial", progress=False)
    pd.testing.assert_frame_equal(got, runs_frame(ref, ["run_key", "seed", "y", "status"]))


@pytest.mark.timeout(600)
def test_kill_9_with_monthly_and_events_tables(tmp_path: Path) -> None:
    text = market_spec(tmp_path).read_text().replace("replications = 2", "replications = 30")
    spec = write(tmp_path, text, "market30.toml")
    out = tmp_path / "out"
    proc = _start(spec, out, "--workers", "1")
    _kill_when(proc, out, min_runs=20)
    _all_tables_load(out)
    done = subprocess.run([sys.executable, "-m", "sim", "sweep", str(spec), "--out", str(out), "--quiet",
                           "--workers", "1"], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    runs = pd.read_parquet(out / "runs")
    monthly = pd.read_parquet(out / "monthly")
    events = pd.read_parquet(out / "events")
    assert len(runs) == 120 and runs["run_key"].is_unique
    assert len(monthly) == 120 * 18 and not monthly.duplicated(["run_key", "step"]).any()
    assert set(events["run_key"]) <= set(runs["run_key"])
    ref = tmp_path / "ref"
    run_sweep(load_spec(spec), ref, executor="serial", progress=False)
    ev_ref = pd.read_parquet(ref / "events")
    assert len(events) == len(ev_ref)


@pytest.mark.timeout(600)
def test_dask_local_cluster_gives_the_serial_results(tmp_path: Path) -> None:
    spec = load_spec(market_spec(tmp_path))
    run_sweep(spec, tmp_path / "serial", executor="serial", progress=False)
    rep = run_sweep(spec, tmp_path / "dask", executor="dask-local", workers=2, dask_processes=False, progress=False)
    assert "Dask" in rep.executor and rep.done == 8
    cols = ["run_key", "seed", "status", *spec.metrics]
    pd.testing.assert_frame_equal(runs_frame(tmp_path / "serial", cols), runs_frame(tmp_path / "dask", cols))
    a = pd.read_parquet(tmp_path / "serial" / "monthly").sort_values(["run_key", "step"]).reset_index(drop=True)
    b = pd.read_parquet(tmp_path / "dask" / "monthly").sort_values(["run_key", "step"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
