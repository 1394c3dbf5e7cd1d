"""Experiment layer: specs and their errors, designs and seeds, identical results on every executor
and shard, resume, failure recording and retries, crash-safe commits, analysis (Ishigami's Sobol'
indices), comparison with common random numbers, scenario discovery, export and figures.

Slower tests (a ``kill -9`` of a sweep subprocess, a Dask LocalCluster) are in
``test_experiments_slow.py``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import BASELINE, run_cli

from sim.errors import InputError
from sim.experiments import Store, load_spec, run_sweep, status
from sim.experiments.analysis import compare_table, sensitivity
from sim.experiments.design import build_design
from sim.experiments.metrics import METRICS, compute
from sim.experiments.store import Session, write_part
from sim.experiments.sweep import _runs_batch, _Tasks, open_store
from sim.experiments.worker import run_chunk
from sim.testfunctions import ishigami_indices

PI = math.pi
ISHIGAMI_SPEC = f"""
name = "ishigami"
model = "sim.testfunctions:ishigami"
seed = 1
[design]
method = "sobol"
samples = {{samples}}
[[parameters]]
key = "x1"
range = [{-PI}, {PI}]
[[parameters]]
key = "x2"
range = [{-PI}, {PI}]
[[parameters]]
key = "x3"
range = [{-PI}, {PI}]
[outputs]
metrics = ["y"]
"""

FLAKY_SPEC = """
name = "flaky"
model = "sim.testfunctions:flaky"
seed = 5
replications = 2
[design]
method = "lhs"
samples = 60
[[parameters]]
key = "x"
range = [0.0, 1.0]
[outputs]
metrics = ["y", "seed_mod"]
"""


def short_scenario(folder: Path) -> Path:
    """The baseline cut at 2024-06 (fast runs)."""
    path = folder / "short.toml"
    path.write_text(f'extends = "{BASELINE.as_posix()}"\nname = "short"\n[time]\nend = "2024-06"\n', encoding="utf-8")
    return path


def market_spec(folder: Path, extra: str = "", method: str = "grid") -> Path:
    sc = short_scenario(folder)
    text = f"""
name = "market"
scenario = "{sc.as_posix()}"
replications = 2
seed = 11
[design]
method = "{method}"
[[parameters]]
key = "open_source.release_gap_scale"
values = [0.5, 2.0]
[[parameters]]
key = "capital.round_interval_months"
range = [6, 12]
steps = 2
[outputs]
metrics = ["foundation_2027_12", "alive_end", "first_abandonment_step", "departures_to_2025_06",
           "mean_sentiment_2025"]
monthly = true
events = true
{extra}
"""
    path = folder / "market.toml"
    path.write_text(text, encoding="utf-8")
    return path


def write(folder: Path, text: str, name: str = "spec.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def runs_frame(folder: Path, cols: list[str]) -> pd.DataFrame:
    return Store(folder).read("runs").to_pandas()[cols].sort_values("run_key").reset_index(drop=True)


# ---------------------------------------------------------------------- the test functions
def test_ishigami_analytic_indices() -> None:
    ref = ishigami_indices()
    assert np.allclose(ref["S1"], [0.3139, 0.4424, 0.0], atol=1e-4)
    assert np.allclose(ref["ST"], [0.5576, 0.4424, 0.2437], atol=1e-4)


# ---------------------------------------------------------------------- spec validation
GOOD_MARKET = """
scenario = "{sc}"
[design]
method = "lhs"
samples = 8
[[parameters]]
key = "capital.sentiment_base"
range = [0.3, 0.8]
"""

#: name -> (replace old, by new (in GOOD_MARKET), key path the message names, words it contains)
BAD_SPECS: dict[str, tuple[str, str, str, list[str]]] = {
    "unknown_top_key": ("[design]", "replication = 3\n[design]", "replication",
                        ["unknown key", "did you mean 'replications'"]),
    "unknown_parameter": ("capital.sentiment_base", "capital.sentiment_bse", "parameters.0.key",
                          ["capital.sentiment_bse", "did you mean 'sentiment_base'"]),
    "out_of_valid_range": ("[0.3, 0.8]", "[0.3, 1.5]", "parameters.0.key", ["[0.0, 1.0]", "1.5"]),
    "unknown_method": ('"lhs"', '"factorial"', "design.method", ["expected one of", "'sobol'"]),
    "sobol_not_power_of_2": ('"lhs"\nsamples = 8', '"sobol"\nsamples = 100', "design.samples", ["power of 2"]),
    "no_samples": ("samples = 8\n", "", "design.samples", ["needs 'samples'"]),
    "range_not_pair": ("[0.3, 0.8]", "[0.3]", "parameters.0.range", ["[low, high]"]),
    "range_reversed": ("[0.3, 0.8]", "[0.8, 0.3]", "parameters.0.range", ["low < high"]),
    "grid_without_values": ('"lhs"\nsamples = 8', '"grid"', "parameters.0", ["'values', or 'range' with 'steps'"]),
    "unknown_metric": ("[design]", '[outputs]\nmetrics = ["foundation_2027"]\n[design]', "outputs.metrics.0",
                       ["unknown metric", "did you mean 'foundation_2027_12'"]),
    "both_scenario_and_model": ("[design]", 'model = "sim.testfunctions:ishigami"\n[design]', "model",
                                ["either 'scenario' or 'model'"]),
    "bad_model": ('scenario = "{sc}"', 'model = "sim.testfunctions:nothing"', "model", ["no function 'nothing'"]),
    "missing_scenario": ('"{sc}"', '"no/such/file.toml"', "", ["file not found"]),
    "string_replications": ("[design]", 'replications = "ten"\n[design]', "replications", ["expected an integer"]),
    "reserved_name": ("capital.sentiment_base", "seed", "parameters.0.key", ["reserved"]),
}


@pytest.mark.parametrize("case", sorted(BAD_SPECS))
def test_bad_specs_name_file_key_and_expectation(case: str, tmp_path: Path) -> None:
    old, new, key, words = BAD_SPECS[case]
    sc = short_scenario(tmp_path).as_posix()
    good = GOOD_MARKET.replace("{sc}", sc)
    assert load_spec(write(tmp_path, good)).design.method == "lhs"
    bad = write(tmp_path, GOOD_MARKET.replace(old, new).replace("{sc}", sc), "bad.toml")
    with pytest.raises(InputError) as err:
        load_spec(bad)
    msg = str(err.value)
    assert str(bad) in msg or "no/such/file.toml" in msg
    assert key in msg, msg
    for w in words:
        assert w in msg, msg


def test_bad_spec_on_the_command_line_exits_2(tmp_path: Path) -> None:
    bad = write(tmp_path, FLAKY_SPEC.replace('method = "lhs"', 'method = "factorial"'))
    proc = run_cli("sweep", bad, "--out", tmp_path / "out")
    assert proc.returncode == 2
    assert "design.method" in proc.stderr and "Traceback" not in proc.stderr


# ---------------------------------------------------------------------- designs and seeds
def test_designs_points_types_and_seeds(tmp_path: Path) -> None:
    spec = load_spec(market_spec(tmp_path))
    d = build_design(spec)
    assert d.n_points == 4 and d.n_runs == 8
    pts = [d.point(i) for i in range(d.n_points)]
    assert {p["capital.round_interval_months"] for p in pts} == {6, 12}
    assert all(isinstance(p["capital.round_interval_months"], int) for p in pts)  # int fields stay int
    seeds = [d.seed(i, r) for i in range(d.n_points) for r in range(2)]
    assert len(set(seeds)) == len(seeds) and all(0 <= s < 2**63 for s in seeds)
    assert seeds == [build_design(spec).seed(i, r) for i in range(4) for r in range(2)]  # deterministic

    assert spec.crn is False
    text = market_spec(tmp_path).read_text().replace("seed = 11", "seed = 11\ncrn = true")
    d2 = build_design(load_spec(write(tmp_path, text, "crn.toml")))
    assert d2.seed(0, 1) == d2.seed(3, 1) and d2.seed(0, 0) != d2.seed(0, 1)

    oat = load_spec(write(tmp_path, market_spec(tmp_path).read_text().replace('"grid"', '"oat"'), "oat.toml"))
    od = build_design(oat)
    assert od.n_points == 1 + 2 + 2
    assert od.point(0)["oat_parameter"] == "" and od.point(0)["open_source.release_gap_scale"] == 1.0


def test_relative_ranges_follow_the_base_scenario(tmp_path: Path) -> None:
    sc = short_scenario(tmp_path)
    text = f"""
scenario = "{sc.as_posix()}"
[design]
method = "oat"
[[parameters]]
key = "strategy.vertical_margin"
relative = [0.5, 1.5]
steps = 3
"""
    spec = load_spec(write(tmp_path, text))
    from sim.experiments.spec import scenario_value

    b = scenario_value(spec.base, "strategy.vertical_margin")
    assert spec.parameters[0].range == pytest.approx(sorted([0.5 * b, 1.5 * b]))
    d = build_design(spec)
    assert [d.point(i)["strategy.vertical_margin"] for i in range(1, 4)] == pytest.approx(sorted([0.5 * b, b, 1.5 * b]))
    bad_text = text.replace("[0.5, 1.5]", "[0.5, 5.0]").replace("strategy.vertical_margin", "capital.sentiment_base")
    bad = write(tmp_path, bad_text, "b.toml")
    with pytest.raises(InputError, match=r"parameters.0.key: capital.sentiment_base: expected a value in \[0.0, 1.0\]"):
        load_spec(bad)


# ---------------------------------------------------------------------- executors, shards, resume
def test_same_results_serial_processes_and_shards(tmp_path: Path) -> None:
    spec = load_spec(write(tmp_path, FLAKY_SPEC))
    cols = ["run_key", "point", "replication", "seed", "x", "status", "y", "seed_mod"]
    run_sweep(spec, tmp_path / "serial", executor="serial", progress=False)
    run_sweep(spec, tmp_path / "proc", executor="process", workers=2, progress=False)
    for i in range(3):
        rep = run_sweep(spec, tmp_path / "shards", executor="serial", shard=(i, 3), progress=False)
    assert rep.done == rep.total == 120
    a = runs_frame(tmp_path / "serial", cols)
    assert len(a) == 120 and a["run_key"].is_unique and (a["status"] == "ok").all()
    pd.testing.assert_frame_equal(a, runs_frame(tmp_path / "proc", cols))
    pd.testing.assert_frame_equal(a, runs_frame(tmp_path / "shards", cols))
    assert (a["seed_mod"] == a["seed"] % 1000).all()  # the function saw the recorded seed


def test_market_model_serial_equals_processes_with_tables(tmp_path: Path) -> None:
    spec = load_spec(market_spec(tmp_path))
    run_sweep(spec, tmp_path / "a", executor="serial", progress=False)
    run_sweep(spec, tmp_path / "b", executor="process", workers=2, progress=False)
    cols = ["run_key", "seed", "open_source.release_gap_scale", "capital.round_interval_months", "status",
            *spec.metrics]
    a = runs_frame(tmp_path / "a", cols)
    assert (a["status"] == "ok").all(), Store(tmp_path / "a").read("runs").column("error")[0]
    pd.testing.assert_frame_equal(a, runs_frame(tmp_path / "b", cols))
    for name in ("monthly", "events"):
        ta = Store(tmp_path / "a").read(name).to_pandas().sort_values(["run_key", "step"], kind="stable")
        tb = Store(tmp_path / "b").read(name).to_pandas().sort_values(["run_key", "step"], kind="stable")
        pd.testing.assert_frame_equal(ta.reset_index(drop=True), tb.reset_index(drop=True))
    monthly = pd.read_parquet(tmp_path / "a" / "monthly")  # one dataset over the part files
    assert len(monthly) == 8 * 18 and set(monthly["run_key"]) == set(a["run_key"])
    last = monthly.sort_values("step").groupby("run_key").last()
    assert (last.loc[a["run_key"], "n_foundation"].to_numpy() == a["foundation_2027_12"].to_numpy()).all()


def test_resume_runs_only_what_is_missing_and_refuses_another_spec(tmp_path: Path) -> None:
    spec = load_spec(write(tmp_path, FLAKY_SPEC))
    out = tmp_path / "out"
    first = run_sweep(spec, out, executor="serial", progress=False, merge_every=0, max_chunk=50)
    assert first.ran == 120 and len(Store(out).parts("runs")) >= 2
    again = run_sweep(spec, out, executor="serial", progress=False)
    assert again.ran == 0 and again.done == 120
    victim = Store(out).parts("runs")[0]
    lost = pq.read_table(victim).num_rows
    victim.unlink()
    third = run_sweep(spec, out, executor="serial", progress=False)
    assert third.ran == lost and third.done == 120
    assert runs_frame(out, ["run_key"])["run_key"].is_unique

    other = load_spec(write(tmp_path, FLAKY_SPEC.replace("seed = 5", "seed = 6"), "other.toml"))
    with pytest.raises(InputError) as err:
        run_sweep(other, out, executor="serial", progress=False)
    assert "different experiment" in str(err.value) and "seed" in str(err.value)


def test_failures_are_recorded_and_retried(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = load_spec(write(tmp_path, FLAKY_SPEC))
    out = tmp_path / "out"
    monkeypatch.setenv("SIM_FLAKY_FAIL", "1")
    rep = run_sweep(spec, out, executor="serial", progress=False)
    runs = Store(out).read("runs").to_pandas()
    bad = runs[runs["x"] > 0.5]
    assert rep.failed == len(bad) > 0 and rep.done == 120 - len(bad)
    assert (bad["status"] == "failed").all() and bad["error"].str.contains("ValueError: flaky").all()
    assert bad["y"].isna().all() and bad["seed"].notna().all()
    st = status(out)
    assert (st["done"], st["failed"], st["pending"]) == (120 - len(bad), len(bad), 0)
    assert "ValueError" in st["failures"][0]["error"]
    monkeypatch.delenv("SIM_FLAKY_FAIL")
    assert run_sweep(spec, out, executor="serial", progress=False).ran == 0  # failures stay failures
    retry = run_sweep(spec, out, executor="serial", progress=False, retry_failed=True)
    assert retry.ran == len(bad) and retry.done == 120 and retry.failed == 0
    raw = pd.read_parquet(out / "runs")  # compacted: one row per run, the retry's
    assert len(raw) == 120 and raw["run_key"].is_unique and (raw["status"] == "ok").all()
    assert set(raw.loc[raw["x"] > 0.5, "attempt"]) == {2}


def test_time_limit_interrupts_and_records(tmp_path: Path) -> None:
    text = """
model = "sim.testfunctions:sleepy"
time_limit_seconds = 0.3
[design]
method = "grid"
[[parameters]]
key = "sleep_s"
values = [0.0, 5.0]
[outputs]
metrics = ["y"]
"""
    spec = load_spec(write(tmp_path, text))
    rep = run_sweep(spec, tmp_path / "out", executor="serial", progress=False)
    runs = Store(tmp_path / "out").read("runs").to_pandas().set_index("sleep_s")
    assert rep.done == 1 and rep.failed == 1
    assert runs.loc[5.0, "status"] == "timeout" and runs.loc[5.0, "wall_seconds"] < 2.0
    assert runs.loc[0.0, "status"] == "ok"


def test_an_uncommitted_chunk_is_quarantined_and_rerun(tmp_path: Path) -> None:
    """What a kill -9 leaves: a committed chunk, and the table parts of a chunk whose runs part (the
    commit record) never came."""
    spec = load_spec(market_spec(tmp_path))
    store, design = open_store(spec, tmp_path / "out")
    from sim.experiments.sweep import make_runner

    make = _Tasks(design)
    tasks = [make(i, 1) for i in range(4)]
    session = Session(store)
    res = run_chunk(make_runner(spec), tasks[:2])
    session.commit(_runs_batch(store.schema("runs"), design, tasks[:2], res.outcomes), res.monthly, res.events)
    res2 = run_chunk(make_runner(spec), tasks[2:])
    write_part([res2.monthly], store.schema("monthly"), store.folder / "monthly" / f"part-{session.sid}-000002.parquet",
               spec.hash())
    session._lock.release()  # the process dies: the session never closes
    runs = pd.read_parquet(tmp_path / "out" / "runs")  # plain readers see the committed runs at once
    assert len(runs) == 2
    assert store.read("monthly").num_rows == 2 * 18  # the uncommitted part is not read
    notes = store.maintain()
    assert any("_quarantine" in n for n in notes) and (store.quarantine_dir / "monthly").exists()
    monthly = pd.read_parquet(tmp_path / "out" / "monthly")
    assert set(monthly["run_key"]) == set(runs["run_key"])
    rep = run_sweep(spec, tmp_path / "out", executor="serial", progress=False)
    assert rep.ran == 6 and rep.done == 8
    monthly = pd.read_parquet(tmp_path / "out" / "monthly")
    assert len(monthly) == 8 * 18 and not monthly.duplicated(["run_key", "step"]).any()


# ---------------------------------------------------------------------- metrics
def test_metrics_agree_with_the_run_tables(tmp_path: Path) -> None:
    from sim.model import run
    from sim.scenario import load_scenario

    result = run(load_scenario(BASELINE), 3)
    m = compute(result, list(METRICS)[:13])
    model = result.table("model").to_pandas()
    events = result.table("events").to_pandas()
    assert m["foundation_2027_12"] == model["n_foundation"].iloc[-1]
    assert m["alive_end"] == model["n_alive"].iloc[-1]
    assert m["departures_to_2025_06"] == ((events["type"] == "departure") & (events["date"] <= "2025-06")).sum()
    ab = events[events["type"].isin(["pivot", "exit"])]
    assert (math.isnan(m["first_abandonment_step"]) if ab.empty else m["first_abandonment_step"] == ab["step"].min())
    assert m["mean_sentiment_2025"] == pytest.approx(model.loc[model["date"].str.startswith("2025"),
                                                               "vc_sentiment"].mean())


def test_last_foundation_year_is_the_last_month_with_a_producer() -> None:
    from sim.experiments.metrics import last_foundation_year
    from sim.model import run
    from sim.scenario import load_scenario

    sc = load_scenario(BASELINE)
    model = run(sc, 3).table("model").to_pandas()
    last = model.loc[model["n_foundation"] > 0, "date"].iloc[-1]
    year = last_foundation_year(run(sc, 3))
    assert year == pytest.approx(int(last[:4]) + (int(last[5:7]) - 1) / 12)
    short = run(sc.with_overrides({"time.end": "2023-06"}), 3)  # every startup trains in the first months
    assert last_foundation_year(short) == pytest.approx(2023 + 5 / 12)
    stopped = run(sc.with_overrides({"time.end": "2023-06", "startups": []}), 3)  # no startup at all
    assert math.isnan(last_foundation_year(stopped))


# ---------------------------------------------------------------------- analysis
ISHIGAMI_N = 2048  # documented in docs/experiments.md: N*(D+2) = 10240 evaluations


def test_sobol_reproduces_ishigami_indices(tmp_path: Path) -> None:
    spec = load_spec(write(tmp_path, ISHIGAMI_SPEC.replace("{samples}", str(ISHIGAMI_N))))
    run_sweep(spec, tmp_path / "out", executor="serial", progress=False)
    res = sensitivity(tmp_path / "out", num_resamples=200)
    ref = ishigami_indices()
    for k, p in enumerate(["x1", "x2", "x3"]):
        row = res["outputs"]["y"][p]
        assert abs(row["S1"] - ref["S1"][k]) < 0.03, (p, row)
        assert abs(row["ST"] - ref["ST"][k]) < 0.03, (p, row)
        assert row["S1_conf"] > 0 and row["ST_conf"] > 0
    assert res["noise_share"]["y"] is None  # one replication: noise is not estimable
    # the bootstrap intervals are reproducible (SALib ignores a seed of 0, the default here)
    again = sensitivity(tmp_path / "out", num_resamples=200)
    assert again["outputs"]["y"] == res["outputs"]["y"]


def test_morris_and_noise_share_of_a_stochastic_model(tmp_path: Path) -> None:
    text = ISHIGAMI_SPEC.replace('"sim.testfunctions:ishigami"', '"sim.testfunctions:noisy_ishigami"') \
        .replace('method = "sobol"', 'method = "morris"').replace("seed = 1", "seed = 1\nreplications = 4")
    spec = load_spec(write(tmp_path, text.replace("{samples}", "20")))
    run_sweep(spec, tmp_path / "out", executor="serial", progress=False)
    res = sensitivity(tmp_path / "out", num_resamples=100)
    rows = res["outputs"]["y"]
    assert set(rows["x1"]) >= {"mu_star", "mu_star_conf", "sigma"}
    assert rows["x3"]["mu_star"] < rows["x2"]["mu_star"]  # x3 acts only through x1
    assert 0 < res["noise_share"]["y"] < 0.5


def cli_main(capsys: pytest.CaptureFixture[str], *args: str | Path) -> str:
    """``python -m sim ARGS`` in this process (fast: no new interpreter); returns stdout."""
    from sim.cli import main

    capsys.readouterr()
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    assert code == 0, out.err
    return out.out


def test_sensitivity_command_prints_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = write(tmp_path, ISHIGAMI_SPEC.replace("{samples}", "256"))
    data = json.loads(cli_main(capsys, "sensitivity", spec, "--json", "--workers", "1", "--out", tmp_path / "out",
                               "--quiet", "--resamples", "100"))
    assert set(data["outputs"]["y"]["x2"]) == {"S1", "S1_conf", "ST", "ST_conf"}
    assert (tmp_path / "out" / "figures" / "sensitivity.png").stat().st_size > 10_000


def test_compare_uses_common_random_numbers(tmp_path: Path) -> None:
    sc = short_scenario(tmp_path)
    alt = write(tmp_path, f'extends = "{sc.as_posix()}"\nname = "weak_open"\n[open_source]\nrelease_gap_scale = 3.0\n',
                "alt.toml")
    text = f"""
name = "cmp"
replications = 4
crn = true
[design]
method = "scenarios"
scenarios = ["{sc.as_posix()}", "{alt.as_posix()}"]
[outputs]
metrics = ["alive_end", "mean_sentiment_2025", "first_abandonment_step"]
"""
    spec = load_spec(write(tmp_path, text))
    assert list(spec.scenarios) == ["short", "weak_open"]
    run_sweep(spec, tmp_path / "out", executor="serial", progress=False)
    runs = Store(tmp_path / "out").read("runs").to_pandas()
    seeds = runs.pivot(index="replication", columns="scenario", values="seed")
    assert (seeds["short"] == seeds["weak_open"]).all()
    table = compare_table(tmp_path / "out")
    assert table["reference"] == "short" and len(table["rows"]) == 6
    row = next(r for r in table["rows"] if r["scenario"] == "weak_open" and r["metric"] == "alive_end")
    assert row["n"] == 4 and row["ci_low"] <= row["mean"] <= row["ci_high"] and not math.isnan(row["diff_mean"])


def test_scenario_discovery_finds_the_box(tmp_path: Path) -> None:
    pytest.importorskip("ema_workbench")
    from sim.experiments.discovery import discover

    text = FLAKY_SPEC.replace("samples = 60", "samples = 400").replace("replications = 2", "replications = 1")
    text = text.replace('range = [0.0, 1.0]', 'range = [0.0, 1.0]\n[[parameters]]\nkey = "z"\nrange = [0.0, 1.0]')
    spec = load_spec(write(tmp_path, text))
    run_sweep(spec, tmp_path / "out", executor="serial", progress=False)
    res = discover(tmp_path / "out", "y", ">=", 0.7, density=0.9)
    box = res["boxes"][0]
    assert box["density"] >= 0.9 and box["coverage"] > 0.8
    assert set(box["limits"]) == {"x"} and abs(box["limits"]["x"]["low"] - 0.7) < 0.05


def test_export_and_figures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec_path = market_spec(tmp_path)
    out = tmp_path / "out"
    cli_main(capsys, "sweep", spec_path, "--out", out, "--workers", "1", "--quiet")
    cli_main(capsys, "export", out, "--format", "csv")
    assert len(pd.read_csv(out / "export" / "runs.csv")) == 8
    assert len(pd.read_csv(out / "export" / "monthly.csv")) == 8 * 18
    cli_main(capsys, "sweep-plot", out, "--metric", "alive_end")
    assert (out / "figures" / "heatmap-alive_end.png").stat().st_size > 10_000
    assert json.loads(cli_main(capsys, "status", out, "--json"))["done"] == 8
