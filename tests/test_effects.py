"""Sensitivity of counterfactual effects (``[effects]`` specs, ``sensitivity --effects``).

A tiny Sobol' design of two parameters on the baseline cut at 2024-06: the reference and each
counterfactual share every sampled row's seeds, the effect is the paired difference, a
counterfactual that sets a varied key applies it relative to each point (the rule the posterior
draws use), indices come out for each counterfactual, and bad specs are one error with exit code 2.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import BASELINE, ROOT, run_cli

from sim.config import get_path, valid_range
from sim.errors import InputError
from sim.experiments import Store, load_spec, run_sweep
from sim.experiments.analysis import effects_sensitivity, sensitivity
from sim.experiments.design import build_design
from sim.experiments.relative import relative_value
from sim.experiments.spec import draw_rules
from sim.experiments.sweep import make_runner

HAZARD = "talent.base_hazard_per_month"
#: A multiplier valid from 1 (a floor that is not 0) and a 0-1 weight (a ceiling), varied by some tests.
WORK, FOCUS = "talent.abandoned_work_multiplier", "talent.poaching_rank_focus"
OUTCOMES = ["departures_total", "funding_rounds_total"]
#: The two sampled parameters of every spec here.
PARAMETERS = f"""[[parameters]]
key = "{HAZARD}"
range = [0.002, 0.02]
log = true
[[parameters]]
key = "capital.open_shock_sensitivity"
range = [0.05, 0.3]
"""


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _scenarios(folder: Path) -> dict[str, Path]:
    """The short reference and three counterfactuals: half the hazard (sets a varied key), no open
    source, and a copy of the reference under another name (its effect must be exactly zero)."""
    ref = _write(folder, "short.toml", f'extends = "{BASELINE.as_posix()}"\nname = "short"\n[time]\nend = "2024-06"\n')
    ext = f'extends = "{ref.as_posix()}"\n'
    hazard = load_spec_value(ref, HAZARD)
    return {
        "short": ref,
        "calm": _write(folder, "calm.toml", ext + f'name = "calm"\n[talent]\nbase_hazard_per_month = {hazard / 2!r}\n'),
        "no_os": _write(folder, "no_os.toml", ext + 'name = "no_os"\n[open_source]\nenabled = false\n'),
        "same": _write(folder, "same.toml", ext + 'name = "same"\n'),
    }


def load_spec_value(path: Path, key: str) -> float:
    from sim.scenario import load_scenario

    return float(get_path(load_scenario(path).to_dict(), key))


def effects_spec(folder: Path, extra: str = "", method: str = "sobol", top: str = "") -> Path:
    sc = _scenarios(folder)
    cfs = ", ".join(f'"{sc[n].as_posix()}"' for n in ("calm", "no_os", "same"))
    return _write(folder, "effects.toml", f"""{top}
name = "fx"
replications = 2
seed = 3
[design]
method = "{method}"
samples = 4
{PARAMETERS}[effects]
reference = "{sc['short'].as_posix()}"
counterfactuals = [{cfs}]
outcomes = {json.dumps(OUTCOMES)}
{extra}
""")


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("effects")
    spec_path = effects_spec(folder)
    run_sweep(load_spec(spec_path), folder / "out", executor="serial", progress=False)
    return spec_path, folder / "out"


def test_every_scenario_of_a_row_runs_the_rows_seeds_and_ratios_apply(swept: tuple[Path, Path]) -> None:
    spec_path, out = swept
    spec = load_spec(spec_path)
    design = build_design(spec)
    assert design.n_points == 4 * (2 + 2) * 4  # N(D+2) rows x (reference + 3 counterfactuals)
    runs = Store(out).read("runs").to_pandas()
    assert len(runs) == design.n_runs and (runs["status"] == "ok").all()
    runs["row"] = runs["point"] // 4
    per_row = runs.groupby(["row", "replication"])["seed"].nunique()
    assert (per_row == 1).all()  # common random numbers within a row ...
    assert runs.groupby("replication")["seed"].nunique().min() == 4 * 4  # ... and other seeds in each row
    runner = make_runner(spec)
    for k in (0, 1, 2):  # row 0 under the reference and "calm": the counterfactual halves the point's hazard
        pt = design.point(k)
        got = runner.scenario_for(pt).talent.base_hazard_per_month
        assert got == pytest.approx(pt[HAZARD] * (0.5 if pt["scenario"] == "calm" else 1.0))
    assert spec.effects.ratios["calm"] == {HAZARD: pytest.approx(0.5)}
    assert spec.effects.ratios["no_os"] == {} and spec.effects.floors == {HAZARD: 0.0}


def test_effects_are_paired_differences_with_indices_per_counterfactual(swept: tuple[Path, Path]) -> None:
    _, out = swept
    res = effects_sensitivity(out, num_resamples=50)
    assert res["counterfactuals"] == ["calm", "no_os", "same"] and res["n_points"] == 16
    runs = Store(out).read("runs").to_pandas()
    runs["row"] = runs["point"] // 4
    wide = runs.pivot_table(index=["row", "replication"], columns="scenario", values="departures_total")
    manual = (wide["calm"] - wide["short"]).groupby(level="row").mean()
    e = res["effects"]["calm"]["departures_total"]
    assert e["mean"] == pytest.approx(manual.mean()) and e["min"] == pytest.approx(manual.min())
    assert e["max"] == pytest.approx(manual.max()) and e["mean"] < 0  # half the hazard: fewer departures
    assert set(e["indices"]) == {HAZARD, "capital.open_shock_sensitivity"}
    assert set(e["indices"][HAZARD]) == {"S1", "S1_conf", "ST", "ST_conf"}
    assert 0 <= e["st_noise_floor"] <= 1 and 0 <= e["noise_share"] <= 1
    for cf in ("calm", "no_os"):
        assert any("indices" in res["effects"][cf][o] for o in OUTCOMES), cf
    same = res["effects"]["same"]  # the reference under another name: paired by seed, every effect is 0
    assert all(same[o]["mean"] == 0 and same[o]["sd"] == 0 and "indices" not in same[o] for o in OUTCOMES)
    assert any("same - short: departures_total: effect constant" in w for w in res["warnings"])
    ref = sensitivity(out, num_resamples=50)  # without --effects: the reference scenario's own indices
    assert ref["scenario"] == "short" and ref["n_points"] == 16 and ref["n_runs"] == 32


def test_sensitivity_effects_command_writes_table_json_and_figure(swept: tuple[Path, Path],
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from sim.cli import main

    _, out = swept
    capsys.readouterr()
    assert main(["sensitivity", str(out), "--effects", "--resamples", "50"]) == 0
    text = capsys.readouterr().out
    assert "calm - short" in text and "departures_total: effect" in text
    rows = list(csv.DictReader(open(out / "effects_sensitivity.csv", encoding="utf-8")))
    assert {r["counterfactual"] for r in rows} >= {"calm"} and {r["parameter"] for r in rows} == {
        HAZARD, "capital.open_shock_sensitivity"}
    assert {"S1", "S1_conf", "ST", "ST_conf", "effect_mean", "st_noise_floor"} <= set(rows[0])
    assert json.loads((out / "effects_sensitivity.json").read_text())["reference"] == "short"
    assert (out / "figures" / "effects_sensitivity.png").stat().st_size > 10_000


def test_a_raised_key_moves_the_same_share_of_the_way_to_its_maximum(tmp_path: Path) -> None:
    focus = FOCUS  # 0-1, "calm" raises it to 0.99
    path = effects_spec(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace(
        "[effects]", f'[[parameters]]\nkey = "{focus}"\nrange = [0.5, 1.0]\n[effects]'), encoding="utf-8")
    calm = tmp_path / "calm.toml"
    calm.write_text(calm.read_text(encoding="utf-8") + "poaching_rank_focus = 0.99\n", encoding="utf-8")
    spec = load_spec(path)
    ref = load_spec_value(tmp_path / "short.toml", focus)
    share = (0.99 - ref) / (1.0 - ref)
    assert spec.effects.shares == {"calm": {focus: pytest.approx(share)}} and spec.effects.ceilings == {focus: 1.0}
    assert spec.effects.ratios["calm"] == {HAZARD: pytest.approx(0.5)}  # the lowered key keeps its ratio
    got = spec.effects.overrides("calm", {focus: 0.5, HAZARD: 0.01})
    assert got[focus] == pytest.approx(0.5 + 0.5 * share) and got[HAZARD] == pytest.approx(0.005)
    assert spec.effects.overrides("short", {focus: 0.5}) == {focus: 0.5}
    near = spec.effects.overrides("calm", {focus: 0.999})[focus]  # near the ceiling: closer, never past it
    assert 0.999 < near < 1.0 and near == pytest.approx(0.999 + 0.001 * share)


def _work_spec(folder: Path) -> tuple[Path, float]:
    """The effects spec with the abandoned-work multiplier (at least 1) varied over [2, 40] and lowered
    by "calm" to a tenth of the reference's excess over 1, and the poaching focus (at most 1) raised."""
    path = effects_spec(folder)
    path.write_text(path.read_text(encoding="utf-8").replace("[effects]", (
        f'[[parameters]]\nkey = "{WORK}"\nrange = [2.0, 40.0]\n'
        f'[[parameters]]\nkey = "{FOCUS}"\nrange = [0.5, 1.0]\n[effects]')), encoding="utf-8")
    light = 1.0 + (load_spec_value(folder / "short.toml", WORK) - 1.0) / 10
    calm = folder / "calm.toml"
    calm.write_text(calm.read_text(encoding="utf-8") + f"abandoned_work_multiplier = {light!r}\n"
                    "poaching_rank_focus = 0.99\n", encoding="utf-8")
    return path, light


def test_a_lowered_key_keeps_its_ratio_above_the_floor(tmp_path: Path) -> None:
    """A multiplier at least 1 lowered to a tenth of the reference's excess over 1 keeps a tenth of every
    point's excess (a plain ratio would go below 1 at the low end of the range)."""
    path, light = _work_spec(tmp_path)
    spec = load_spec(path)
    assert spec.effects.floors[WORK] == 1.0 and spec.effects.ratios["calm"][WORK] == pytest.approx(0.1)
    for x in (2.0, 10.0, 40.0):
        got = spec.effects.overrides("calm", {WORK: x})[WORK]
        assert (got - 1.0) / (x - 1.0) == pytest.approx(0.1) and got > 1.0
    assert 2.0 * light / load_spec_value(tmp_path / "short.toml", WORK) < 1.0  # what a plain ratio would give


def test_effects_and_posterior_draws_apply_one_rule(tmp_path: Path) -> None:
    """The same reference, counterfactual and point value give the same value in an [effects] design and
    as a posterior draw of ``compare --posterior`` (sim.experiments.relative.relative_value)."""
    path, _ = _work_spec(tmp_path)
    spec = load_spec(path)
    keys = [HAZARD, WORK, FOCUS]
    rules = draw_rules(spec.scenarios, keys, "test")
    ref, calm = spec.scenarios["short"], spec.scenarios["calm"]
    assert {k: rules["calm"][k].kind for k in keys} == {HAZARD: "ratio", WORK: "ratio", FOCUS: "share"}
    for k, xs in ((HAZARD, (0.002, 0.02)), (WORK, (2.0, 40.0)), (FOCUS, (0.5, 0.999))):
        r, c = load_spec_value(tmp_path / "short.toml", k), float(get_path(calm.to_dict(), k))
        for x in xs:
            expected = relative_value(x, r, c, *valid_range(ref, k))
            assert spec.effects.overrides("calm", {k: x})[k] == expected == rules["calm"][k].apply(x)


def test_posterior_narrows_the_calibration_priors(tmp_path: Path) -> None:
    spec = _write(tmp_path, "s.toml", f"""
name = "fromcal"
scenario = "{BASELINE.as_posix()}"
parameters_from = "{(ROOT / 'experiments' / 'calibration.toml').as_posix()}"
[design]
method = "sobol"
samples = 4
""")
    from sim.calibration.spec import load_spec as load_calibration

    cal_priors = {p.key: p.prior for p in load_calibration(ROOT / "experiments" / "calibration.toml").parameters}
    prior = load_spec(spec)
    assert [p.key for p in prior.parameters] == list(cal_priors) and prior.name == "fromcal"
    hz = next(p for p in prior.parameters if p.key == HAZARD)
    assert hz.range == [cal_priors[HAZARD].low, cal_priors[HAZARD].high]
    assert hz.log == (cal_priors[HAZARD].kind == "loguniform")
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({p.key: rng.uniform(*p.range, 200) for p in prior.parameters})
    frame[HAZARD] = np.linspace(0.002, 0.012, 200)
    frame["weight"] = 1.0
    cal = tmp_path / "cal"
    cal.mkdir()
    frame.to_parquet(cal / "posterior.parquet")
    post = load_spec(spec, posterior=cal)
    narrowed = next(p for p in post.parameters if p.key == HAZARD)
    assert narrowed.range == pytest.approx([0.0025, 0.0115], abs=1e-4) and narrowed.log == hz.log
    assert post.name == "fromcal_posterior" and post.hash() != prior.hash()
    frame.drop(columns=[HAZARD]).to_parquet(cal / "posterior.parquet")
    with pytest.raises(InputError) as err:
        load_spec(spec, posterior=cal)
    assert HAZARD in str(err.value) and "posterior.parquet" in str(err.value)


#: name -> (text replaced in the good spec, replacement, key path the message names, words it contains)
BAD = {
    "not_sobol_or_morris": ('method = "sobol"', 'method = "lhs"', "design.method", ["'sobol' or 'morris'"]),
    "scenario_too": ("", "", "scenario", ["effects.reference"]),
    "unknown_outcome": ('"funding_rounds_total"', '"funding_rounds"', "effects.outcomes.1", ["unknown metric"]),
    "missing_counterfactual": ("calm.toml", "nocalm.toml", "effects.counterfactuals.0", ["no scenario file"]),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_effects_specs_exit_2(case: str, tmp_path: Path) -> None:
    old, new, key, words = BAD[case]
    top = f'scenario = "{BASELINE.as_posix()}"' if case == "scenario_too" else ""
    path = effects_spec(tmp_path, top=top)
    text = path.read_text(encoding="utf-8").replace(old, new) if old else path.read_text(encoding="utf-8")
    path.write_text(text, encoding="utf-8")
    proc = run_cli("sweep", path, "--out", tmp_path / "out", "--quiet")
    assert proc.returncode == 2, proc.stderr
    assert key in proc.stderr and "Traceback" not in proc.stderr
    for w in words:
        assert w in proc.stderr, proc.stderr


def test_effects_options_on_the_wrong_input_exit_2(tmp_path: Path) -> None:
    plain = _write(tmp_path, "plain.toml", f"""
scenario = "{BASELINE.as_posix()}"
[design]
method = "sobol"
samples = 4
{PARAMETERS}""")
    proc = run_cli("sensitivity", plain, "--effects", "--out", tmp_path / "out")
    assert proc.returncode == 2 and "[effects]" in proc.stderr and "Traceback" not in proc.stderr
    proc = run_cli("sweep", plain, "--posterior", tmp_path / "nothing", "--out", tmp_path / "out")
    assert proc.returncode == 2 and "posterior.parquet" in proc.stderr and "Traceback" not in proc.stderr
