"""The example scripts run as documented and produce what they say."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]


def test_first_steps_runs_and_writes_its_figure(tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, str(ROOT / "examples" / "first_steps.py"), str(out), "--seeds", "2"],
                       capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "scenario 'baseline'" in r.stdout
    assert r.stdout.count("patterns hold") == 2
    png = out / "foundation_startups.png"
    assert png.is_file()
    with Image.open(png) as im:
        assert im.width > 400 and im.height > 200


def test_shakeout_over_posterior_reads_a_posterior_and_reports_each_criterion(tmp_path: Path) -> None:
    """A two-particle posterior over the nesting parameter and the learning exponent (a weak and a strong
    corner): the script runs free_entry for each draw and reports the criteria and the terciles."""
    import pandas as pd

    keys = ["demand.open_nest_correlation", "technology.serving_learning_exponent"]
    folder = tmp_path / "calibration"
    folder.mkdir()
    (folder / "state.json").write_text(json.dumps({"identity": {"parameters": [{"key": k} for k in keys]}}))
    pd.DataFrame({keys[0]: [0.0, 0.85], keys[1]: [0.0, 0.32], "weight": [0.5, 0.5],
                  "particle": [0, 1]}).to_parquet(folder / "posterior.parquet")
    r = subprocess.run([sys.executable, str(ROOT / "examples" / "shakeout_over_posterior.py"), str(folder),
                        "--draws", "2", "--seeds", "1"], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "2 runs" in r.stdout and "sizes_skew" in r.stdout and "shakeout" in r.stdout
    assert all(k in r.stdout for k in keys)


def test_shakeout_over_posterior_refuses_a_folder_that_is_no_calibration(tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, str(ROOT / "examples" / "shakeout_over_posterior.py"), str(tmp_path)],
                       capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert r.returncode == 2 and "state.json" in r.stderr and "Traceback" not in r.stderr


def test_structural_misses_reports_each_diagnosis_and_its_ceilings(tmp_path: Path) -> None:
    """Two seeds of the baseline: the script prints each block, and the money ceiling it prints is the one the
    capital market's rule implies (a month never holds more, so no round of the year is larger)."""
    import re

    out = tmp_path / "baseline"
    r = subprocess.run([sys.executable, "-m", "sim", "run", str(ROOT / "scenarios" / "baseline.toml"), "--seeds", "2",
                        "--workers", "1", "--no-figures", "--quiet", "--out", str(out)],
                       capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([sys.executable, str(ROOT / "examples" / "structural_misses.py"), str(out)],
                       capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    for block in ("money:", "raisers in H1 2025", "pivots:", "users:", "prices:", "race:", "2 seeds"):
        assert block in r.stdout
    # the list prices printed are the targets' observations
    assert re.findall(r"list price ([\d.]+) \(deepseek_price", r.stdout) == ["0.198", "1.11"]
    charged = [float(x) for x in re.findall(r"DeepSeek at \d{4}-\d{2} charges ([\d.]+) ", r.stdout)]
    assert len(charged) == 2 and all(0 < x < 10 for x in charged)  # the model's prices, read from the run
    assert re.search(r"from 2024-05 to 2025-01: the model's median price x[\d.]+, the list price x5\.61", r.stdout)
    largest = float(re.search(r"largest (\d+)", r.stdout).group(1))
    ceiling = float(re.search(r"a month of \d+ holds at most (\d+) million", r.stdout).group(1))
    cp = json.loads((out / "summary.json").read_text())["scenario"]["capital"]
    # at carryover 1 (the baseline's) a month of 2024 holds at most every month's inflow since 2023-01
    assert cp["pool_carryover"] == 1.0
    assert ceiling == round(cp["pool_share_simulated"] * (cp["vc_pool_usd_2023"] + cp["vc_pool_usd_2024"]) / 1e6)
    assert 0 < largest <= ceiling + 1
    # and the model's own table never shows more money available in a month to 2024-12
    model = pq.read_table(out / "model.parquet", columns=["date", "vc_available_usd"]).to_pandas()
    assert model[model["date"] <= "2024-12"]["vc_available_usd"].max() / 1e6 <= ceiling + 1
    # a run that starts after 2024 has no input pools to bound: refused with the file and the key
    summary = json.loads((out / "summary.json").read_text())
    summary["scenario"]["time"]["start"] = "2025-01"
    (out / "summary.json").write_text(json.dumps(summary))
    r = subprocess.run([sys.executable, str(ROOT / "examples" / "structural_misses.py"), str(out)],
                       capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert r.returncode == 2 and "summary.json" in r.stderr and "scenario.time.start" in r.stderr
    assert "Traceback" not in r.stderr


def test_structural_misses_refuses_a_folder_that_is_no_results(tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, str(ROOT / "examples" / "structural_misses.py"), str(tmp_path)],
                       capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert r.returncode == 2 and "summary.json" in r.stderr and "Traceback" not in r.stderr


def test_fit_distance_prints_the_calibrations_own_distance_and_the_paired_difference(tmp_path: Path) -> None:
    """Two seeds of the baseline and of a probe under the race spec: the first mean is the one the calibration's
    simulator and distance give in this process, and the probe is reported against it."""
    import re

    import numpy as np

    from sim.calibration.simulator import ModelSimulator
    from sim.calibration.spec import load_spec
    from sim.scenario import load_scenario

    spec_file, scenario = ROOT / "experiments" / "calibration_race.toml", ROOT / "scenarios" / "baseline.toml"
    r = subprocess.run([sys.executable, str(ROOT / "examples" / "fit_distance.py"), str(spec_file), str(scenario),
                        "--probe", "strategy.foundation_revenue_multiple=60", "--seeds", "2", "--seed-start", "5"],
                       capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    spec = load_spec(spec_file)
    simulate, distance = ModelSimulator(load_scenario(scenario), targets=spec.uses_targets), spec.distance()
    expected = np.mean([distance(simulate({}, s)) for s in (5, 6)])
    first = re.search(r"\[0\] ([0-9.]+) ", r.stdout)
    assert "over seeds 5-6:" in r.stdout and first and float(first.group(1)) == round(expected, 3)
    assert re.search(r"\[1\] [0-9.]+ \(s\.d\. [0-9.]+; minus \[0\] [-+][0-9.]+ \(paired s\.e\. [0-9.]+\)\)", r.stdout)
    listed = r.stdout.split("entries that differ most")[1].splitlines()[1:]
    assert len(listed) == 8 and all(line.split()[0] in spec.fit for line in listed)


@pytest.mark.parametrize("probe, words", [("strategy.no_such_key=1", "no_such_key"), ("foo", "--probe: foo: expected")])
def test_fit_distance_refuses_a_bad_probe_naming_it(tmp_path: Path, probe: str, words: str) -> None:
    r = subprocess.run([sys.executable, str(ROOT / "examples" / "fit_distance.py"),
                        str(ROOT / "experiments" / "calibration.toml"), str(ROOT / "scenarios" / "baseline.toml"),
                        "--probe", probe, "--seeds", "2"],
                       capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert r.returncode == 2 and words in r.stderr and "--set" not in r.stderr and "Traceback" not in r.stderr
