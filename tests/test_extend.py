"""Extending a sweep: more replications or more points run only the new runs, the finished ones
are kept (not rerun, not duplicated), and anything else is refused with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import run_cli
from test_experiments import runs_frame, short_scenario, write

from sim.errors import InputError
from sim.experiments import Store, load_spec, run_sweep, status
from sim.experiments.design import SEED_SCHEME, build_design

MARKET = """
name = "extend"
scenario = "{sc}"
replications = {reps}
seed = 11
[design]
method = "grid"
[[parameters]]
key = "open_source.release_gap_scale"
values = {values}
[outputs]
metrics = ["alive_end", "departures_to_2025_06"]
monthly = true
"""

LIST = """
name = "listed"
model = "sim.testfunctions:flaky"
replications = {reps}
seed = 3
[design]
method = "{method}"
{design}
[[parameters]]
key = "x"
range = [0.0, 1.0]
[outputs]
metrics = ["y", "seed_mod"]
"""
POINTS = "points = [{x = 0.1}, {x = 0.2}]"


def _market(folder: Path, reps: int, values: str, name: str) -> Path:
    sc = short_scenario(folder).as_posix()
    return write(folder, MARKET.format(sc=sc, reps=reps, values=values), name)


def _listed(folder: Path, reps: int = 2, design: str = POINTS, method: str = "list", name: str = "l.toml") -> Path:
    return write(folder, LIST.format(reps=reps, design=design, method=method), name)


def test_seeds_do_not_depend_on_the_number_of_points_or_replications(tmp_path: Path) -> None:
    small = build_design(load_spec(_listed(tmp_path, reps=2)))
    big = build_design(load_spec(_listed(tmp_path, reps=5, design="points = [{x = 0.1}, {x = 0.2}, {x = 0.9}]",
                                         name="big.toml")))
    cells = [(i, r) for i in range(2) for r in range(2)]
    assert [small.seed(i, r) for i, r in cells] == [big.seed(i, r) for i, r in cells]
    assert big.seeds(1)[:2] == small.seeds(1)
    # the scheme, pinned: point i's seeds are the words of SeedSequence(master, spawn_key=(i,)), shifted to 63 bits
    words = np.random.SeedSequence(3, spawn_key=(1,)).generate_state(5, np.uint64) >> np.uint64(1)
    assert big.seeds(1) == [int(w) for w in words]
    seeds = [big.seed(i, r) for i in range(3) for r in range(5)]
    assert len(set(seeds)) == 15


def test_more_replications_then_more_points_run_only_the_new_runs(tmp_path: Path) -> None:
    out = tmp_path / "out"
    cols = ["run_key", "point", "replication", "seed", "open_source.release_gap_scale", "status", "alive_end",
            "departures_to_2025_06"]
    first = run_sweep(load_spec(_market(tmp_path, 2, "[0.5, 2.0]", "a.toml")), out, executor="serial", progress=False)
    assert (first.ran, first.done, first.total) == (4, 4, 4) and first.extended == []
    old = runs_frame(out, cols)
    assert (old["status"] == "ok").all()

    more_reps = load_spec(_market(tmp_path, 3, "[0.5, 2.0]", "b.toml"))
    second = run_sweep(more_reps, out, executor="serial", progress=False)
    assert (second.ran, second.done, second.total, second.pending) == (2, 6, 6, 0)
    assert second.extended and "4 -> 6 runs" in second.extended[0]
    now = runs_frame(out, cols)
    kept = now[now["run_key"].isin(old["run_key"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(kept, old)  # the finished rows, untouched
    assert sorted(now.loc[~now["run_key"].isin(old["run_key"]), "replication"]) == [2, 2]

    more_points = load_spec(_market(tmp_path, 3, "[0.5, 2.0, 1.0]", "c.toml"))
    third = run_sweep(more_points, out, executor="serial", progress=False)
    assert (third.ran, third.done, third.total) == (3, 9, 9)
    raw = pd.read_parquet(out / "runs")
    assert len(raw) == 9 and raw["run_key"].is_unique
    assert set(raw.loc[raw["point"] == 2, "open_source.release_gap_scale"]) == {1.0}
    last = runs_frame(out, cols)
    pd.testing.assert_frame_equal(last[last["run_key"].isin(now["run_key"])].reset_index(drop=True), now)
    monthly = pd.read_parquet(out / "monthly")
    assert set(monthly["run_key"]) == set(raw["run_key"]) and len(monthly) == 9 * monthly["step"].nunique()

    # a fresh sweep of the extended spec gives the same runs: the folder's history does not matter
    fresh = tmp_path / "fresh"
    run_sweep(more_points, fresh, executor="serial", progress=False)
    pd.testing.assert_frame_equal(runs_frame(fresh, cols), last)

    man = json.loads((out / "manifest.json").read_text())
    assert man["spec_hash"] == more_points.hash() and man["n_runs"] == 9 and man["replications"] == 3
    assert man["seed_scheme"] == SEED_SCHEME and len(man["extends"]) == 2
    st = status(out)
    assert (st["total"], st["done"], st["pending"]) == (9, 9, 0)
    assert run_sweep(more_points, out, executor="serial", progress=False).ran == 0


def test_extension_through_the_command_line_and_status_totals(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_cli("sweep", _listed(tmp_path), "--out", out, "--quiet").returncode == 0
    bigger = _listed(tmp_path, reps=3, design="points = [{x = 0.1}, {x = 0.2}, {x = 0.3}]", name="m.toml")
    proc = run_cli("sweep", bigger, "--out", out, "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert "extended: 4 -> 9 runs" in proc.stderr and "ran 5 runs" in proc.stderr and "9/9 done" in proc.stderr
    st = run_cli("status", out)
    assert st.returncode == 0 and ": 9 runs" in st.stdout and "pending         0" in st.stdout


CHANGES = {
    "fewer_replications": (dict(reps=1), "replications", "at least 2"),
    "moved_point": (dict(design="points = [{x = 0.3}, {x = 0.1}, {x = 0.2}]"), "design", "point 0"),
    "fewer_points": (dict(design="points = [{x = 0.1}]"), "design", "at least 2 points"),
    "other_method": (dict(method="lhs", design="samples = 2"), "design.method", "expected 'list'"),
}


@pytest.mark.parametrize("case", sorted(CHANGES))
def test_a_change_that_is_not_an_extension_is_refused(tmp_path: Path, case: str) -> None:
    out = tmp_path / "out"
    run_sweep(load_spec(_listed(tmp_path)), out, executor="serial", progress=False)
    before = (out / "manifest.json").read_bytes()
    kwargs, key, words = CHANGES[case]
    spec = load_spec(_listed(tmp_path, name="x.toml", **kwargs))
    with pytest.raises(InputError) as err:
        run_sweep(spec, out, executor="serial", progress=False)
    assert err.value.key == key and words in str(err.value) and "does not extend" in str(err.value)
    assert (out / "manifest.json").read_bytes() == before and len(Store(out).read("runs")) == 4


def test_sampled_designs_only_gain_replications_and_other_keys_are_a_different_experiment(tmp_path: Path) -> None:
    out = tmp_path / "out"
    lhs = _listed(tmp_path, reps=1, design="samples = 5", method="lhs", name="lhs.toml")
    run_sweep(load_spec(lhs), out, executor="serial", progress=False)
    more = run_sweep(load_spec(_listed(tmp_path, reps=2, design="samples = 5", method="lhs", name="lhs2.toml")),
                     out, executor="serial", progress=False)
    assert (more.ran, more.done) == (5, 10)
    resampled = _listed(tmp_path, reps=2, design="samples = 6", method="lhs", name="lhs3.toml")
    proc = run_cli("sweep", resampled, "--out", out, "--quiet")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert "design" in proc.stderr and "can only gain replications" in proc.stderr
    reseeded = write(tmp_path, lhs.read_text().replace("seed = 3", "seed = 4").replace("replications = 1",
                                                                                       "replications = 2"), "s.toml")
    proc = run_cli("sweep", reseeded, "--out", out, "--quiet")
    assert proc.returncode == 2 and "different experiment" in proc.stderr and "differs in: seed" in proc.stderr
    assert len(Store(out).read("runs")) == 10


def test_a_folder_of_the_old_seed_scheme_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    spec_file = _listed(tmp_path)
    run_sweep(load_spec(spec_file), out, executor="serial", progress=False)
    man = json.loads((out / "manifest.json").read_text())
    del man["seed_scheme"], man["spec"]["identity"]["seed_scheme"]  # as written before the scheme was versioned
    man["spec_hash"] = "0123456789abcdef"
    (out / "manifest.json").write_text(json.dumps(man))
    proc = run_cli("sweep", spec_file, "--out", out, "--quiet")
    assert proc.returncode == 2 and "seed scheme 1" in proc.stderr and "Traceback" not in proc.stderr
    forced = run_cli("sweep", spec_file, "--out", out, "--quiet", "--force")
    assert forced.returncode == 0 and "ran 4 runs" in forced.stderr


def test_no_extension_under_a_running_sweep_of_the_old_spec(tmp_path: Path) -> None:
    from sim.experiments.locks import FileLock

    out = tmp_path / "out"
    run_sweep(load_spec(_listed(tmp_path)), out, executor="serial", progress=False)
    lock = FileLock(out / "_journal" / "sweep.lock")
    assert lock.acquire(shared=True)  # as a shard of the folder's spec holds it
    try:
        with pytest.raises(InputError, match="running on this folder"):
            run_sweep(load_spec(_listed(tmp_path, reps=3, name="m.toml")), out, executor="serial", progress=False)
    finally:
        lock.release()
    assert json.loads((out / "manifest.json").read_text())["replications"] == 2
