"""The configuration toolkit (sim.config) as the three kinds of file use it: one error format
(exit code 2, one line: file, key path, expectation, did-you-mean) for scenarios, experiment specs
and calibration specs; extends cycles and provenance; dotted paths; --set; the canonical hash."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from conftest import BASELINE, EXT, ROOT

from sim.calibration.spec import SpecFile as CalibrationFile
from sim.calibration.spec import load_spec as load_calibration
from sim.cli import main
from sim.config import canonical_hash, get_path, parse_set, set_path
from sim.errors import InputError
from sim.scenario import load_scenario

CALIBRATION = ROOT / "experiments" / "calibration.toml"
EXPERIMENT = """\
scenario = "{base}"
replications = 1
[design]
method = "lhs"
samples = 4
[[parameters]]
key = "capital.sentiment_base"
range = [0.3, 0.6]
"""


def _one_line_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    """Run the command line; it must exit with 2 and print exactly one 'error: ...' line."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err, err
    return lines[0]


# ----------------------------------------------------------------- one error format, three kinds of file
def test_scenario_bad_key_and_type_exit_2(tmp_path: Path, capsys) -> None:
    f = tmp_path / "mine.toml"
    f.write_text(EXT + "[capital]\nsentiment_bse = 0.5\n")
    line = _one_line_error(capsys, ["validate", str(f)])
    assert "mine.toml: capital.sentiment_bse: unknown key (did you mean 'sentiment_base'?)" in line
    f.write_text(EXT + '[capital]\nsentiment_base = "high"\n')
    assert 'capital.sentiment_base: expected a number, got "high"' in _one_line_error(capsys, ["validate", str(f)])


def test_experiment_spec_bad_key_and_type_exit_2(tmp_path: Path, capsys) -> None:
    good = EXPERIMENT.format(base=BASELINE.as_posix())
    f = tmp_path / "exp.toml"
    f.write_text(good.replace("samples = 4", "sampels = 4"))
    line = _one_line_error(capsys, ["sweep", str(f), "--out", str(tmp_path / "o")])
    assert "exp.toml: design.sampels: unknown key (did you mean 'samples'?); valid keys:" in line
    f.write_text(good.replace("replications = 1", 'replications = "ten"'))
    line = _one_line_error(capsys, ["sweep", str(f), "--out", str(tmp_path / "o")])
    assert 'exp.toml: replications: expected an integer, got "ten"' in line
    f.write_text(good.replace("range = [0.3, 0.6]", "range = [0.3]"))
    assert "parameters.0.range: expected a list [low, high]" in _one_line_error(
        capsys, ["sweep", str(f), "--out", str(tmp_path / "o")])
    assert not (tmp_path / "o").exists()  # bad input changes nothing


def test_calibration_spec_bad_key_and_type_exit_2(tmp_path: Path, capsys) -> None:
    f = tmp_path / "cal.toml"
    f.write_text(f'extends = "{CALIBRATION.as_posix()}"\n[stopping]\nmax_generation = 3\n')
    line = _one_line_error(capsys, ["calibrate", str(f), "--out", str(tmp_path / "o")])
    assert "cal.toml: stopping.max_generation: unknown key (did you mean 'max_generations'?); valid keys:" in line
    f.write_text(f'extends = "{CALIBRATION.as_posix()}"\n[smc]\npopulation = 2.5\n')
    line = _one_line_error(capsys, ["calibrate", str(f), "--out", str(tmp_path / "o")])
    assert "cal.toml: smc.population: expected an integer, got 2.5" in line
    f.write_text(f'extends = "{CALIBRATION.as_posix()}"\n[stopping]\nmin_acceptance_rate = 1.5\n')
    line = _one_line_error(capsys, ["calibrate", str(f), "--out", str(tmp_path / "o")])
    assert "stopping.min_acceptance_rate: expected a value > 0 and <= 1, got 1.5" in line


def test_calibration_parameter_key_was_path(tmp_path: Path) -> None:
    """The parameter's scenario key is 'key' in every spec; the old 'path' is an unknown key."""
    f = tmp_path / "old.toml"
    f.write_text(CALIBRATION.read_text().replace('key = "talent.base_hazard_per_month"',
                                                 'path = "talent.base_hazard_per_month"'))
    with pytest.raises(InputError) as info:
        load_calibration(f)
    assert info.value.key == "parameters.0.path" and "unknown key" in info.value.expected


def test_calibration_unknown_parameter_suggests(tmp_path: Path) -> None:
    text = CALIBRATION.read_text().replace('"talent.base_hazard_per_month"', '"talent.base_hazard_per_mnth"')
    f = tmp_path / "c.toml"
    f.write_text(text.replace('"../scenarios/baseline.toml"', f'"{BASELINE.as_posix()}"'))
    with pytest.raises(InputError) as info:
        load_calibration(f)
    assert info.value.key == "parameters.0.key"
    assert "did you mean 'base_hazard_per_month'" in info.value.expected


# ----------------------------------------------------------------- extends: cycles and provenance
def test_calibration_extends_cycle(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text('extends = "b.toml"\n')
    (tmp_path / "b.toml").write_text('extends = "a.toml"\n')
    with pytest.raises(InputError) as info:
        load_calibration(tmp_path / "a.toml")
    assert info.value.key == "extends" and "cycle" in str(info.value) and "b.toml" in str(info.value)


def test_calibration_error_in_the_parent_names_the_parent(tmp_path: Path) -> None:
    parent = tmp_path / "parent.toml"
    parent.write_text(CALIBRATION.read_text().replace('"../scenarios/baseline.toml"', f'"{BASELINE.as_posix()}"')
                      .replace("population = 300", "population = 1"))
    child = tmp_path / "child.toml"
    child.write_text('extends = "parent.toml"\n[stopping]\nmax_generations = 2\n')
    with pytest.raises(InputError) as info:
        load_calibration(child)
    assert info.value.key == "smc.population" and Path(info.value.file).name == "parent.toml"
    child.write_text('extends = "parent.toml"\n[smc]\npopulation = 0\n')
    with pytest.raises(InputError) as info:
        load_calibration(child)
    assert Path(info.value.file).name == "child.toml"


def test_calibration_docs_state_the_schema_defaults() -> None:
    """docs/calibration.md's table of keys repeats the schema's defaults: it must agree with them."""
    sections = {name: f.annotation for name, f in CalibrationFile.model_fields.items()}
    doc_text = (ROOT / "docs/calibration.md").read_text()
    table = doc_text[doc_text.index("| section | key | default |"):].split("\n\n")[0]
    rows = re.findall(r"^\|([^|]*)\|([^|]+)\|([^|]+)\|", table, re.M)
    section, checked = None, 0
    for sec, keys, default in rows:
        if sec.strip().startswith("`["):
            section = sec.strip().strip("`[]")
        model = sections.get(section)
        model = next((a for a in getattr(model, "__args__", (model,)) if hasattr(a, "model_fields")), None)
        names = re.findall(r"`([a-z_]+)`", keys)
        values = [v.strip() for v in default.split(",")]
        if model is None or not names or len(values) != len(names):
            continue
        for name, doc in zip(names, values, strict=True):
            fld = model.model_fields.get(name) or model.model_fields.get(name + "_")
            assert fld is not None, (section, name)
            if fld.is_required():
                assert doc == "required" or doc.startswith("required"), (section, name, doc)
                checked += 1
            elif re.fullmatch(r"-?[0-9.]+|inf|`[a-z_\"]+`|\"\"|\[\]", doc):
                want = fld.default
                text = doc.strip("`")
                got = float(text) if text == "inf" else json.loads(text) if text[0] in '"[-0123456789' else text
                assert got == want, (section, name, doc, want)
                checked += 1
    assert checked >= 30, checked


# ----------------------------------------------------------------- dotted paths
def test_dotted_paths_by_name_index_and_quotes() -> None:
    data = {"a": {"b": 1}, "firms": [{"name": "x.y", "v": 1}, {"name": "z", "v": 2}]}
    assert get_path(data, "a.b") == 1 and get_path(data, "firms.z.v") == 2 and get_path(data, "firms.1.v") == 2
    assert get_path(data, 'firms."x.y".v') == 1 and get_path(data, "a.c") is None
    assert set_path(data, "firms.z.v", 5, "here") == "firms.1.v" and data["firms"][1]["v"] == 5
    with pytest.raises(InputError) as info:
        set_path(data, "firms.zz.v", 1, "here")
    assert info.value.key == "firms.zz" and "did you mean 'z'" in info.value.expected


# ----------------------------------------------------------------- --set
def test_parse_set_reads_toml_values_and_falls_back_to_text() -> None:
    got = parse_set(["a.b=0.4", "c=1e9", "d=12", "e=true", 'f="x y"', "g=[1, 2]", "time.end=2024-06", "h=high",
                     "i=2024-06-01"])
    assert got == {"a.b": 0.4, "c": 1e9, "d": 12, "e": True, "f": "x y", "g": [1, 2], "time.end": "2024-06",
                   "h": "high", "i": "2024-06-01"}
    assert isinstance(got["d"], int)


def test_set_overrides_a_scenario_by_name(baseline) -> None:
    sc = load_scenario(BASELINE, ["startups.Zhipu.cash_usd=1e9", 'startups."01.AI".staff=150',
                                  "capital.sentiment_base=0.4", "time.end=2026-06"])
    assert sc.startups[0].cash_usd == 1e9 and sc.startups[5].name == "01.AI" and sc.startups[5].staff == 150
    assert sc.capital.sentiment_base == 0.4 and sc.time.end == "2026-06"
    assert sc.hash() != baseline.hash()
    assert load_scenario(BASELINE, ["startups.0.cash_usd=1e9"]).startups[0].cash_usd == 1e9


@pytest.mark.parametrize("item, key, words", [
    ("startups.Zhipo.cash_usd=1e9", "startups.Zhipo", "did you mean 'Zhipu'"),
    ("capital.sentiment_bse=0.4", "capital.sentiment_bse", "did you mean 'sentiment_base'"),
    ("capital.sentiment_base=high", "capital.sentiment_base", 'expected a number, got "high"'),
    ("startups.Zhipu.staff=0", "startups.Zhipu.staff", "expected a value in [1, 100000] (people), got 0"),
    ("capital.sentiment_base", "capital.sentiment_base", "expected key=value"),
    ('startups."01.AI.staff=1', 'startups."01.AI.staff', "expected a dotted key path"),
])
def test_bad_set_exits_2_naming_set_and_the_key(capsys, item: str, key: str, words: str) -> None:
    line = _one_line_error(capsys, ["validate", str(BASELINE), "--set", item])
    assert line.startswith(f"error: --set: {key}: ") and words in line, line


def test_run_records_the_scenario_with_its_overrides(tmp_path: Path) -> None:
    short = tmp_path / "short.toml"
    short.write_text(EXT + 'name = "short"\n[time]\nend = "2023-06"\n')
    out = tmp_path / "out"
    assert main(["run", str(short), "--seeds", "1", "--no-figures", "--quiet", "--format", "csv", "--out", str(out),
                 "--set", "capital.sentiment_base=0.45", "--set", "startups.MiniMax.cash_usd=2e9"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["scenario"]["capital"]["sentiment_base"] == 0.45
    assert summary["scenario"]["startups"][1]["cash_usd"] == 2e9
    resolved = load_scenario(short, ["capital.sentiment_base=0.45", "startups.MiniMax.cash_usd=2e9"])
    assert summary["scenario_hash"] == resolved.hash() != load_scenario(short).hash()


# ----------------------------------------------------------------- the canonical hash
def _old_hash(obj: object, digits: int = 16) -> str:
    """The formula every copy of the hash used before the toolkit (sorted, compact JSON, SHA-256)."""
    return hashlib.sha256(json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:digits]


def test_canonical_hash_is_the_formula_results_folders_hold(baseline) -> None:
    assert canonical_hash({"b": [1, 2.5, "x"], "a": {"d": True, "c": None}}) == "d3cbaba186d0a76d"
    assert baseline.hash() == _old_hash(baseline.to_dict())
    point = [baseline.hash(), 2, {}, {"capital.sentiment_base": 0.4}, 7]
    assert canonical_hash(point, digits=20) == _old_hash(point, 20)


def test_canonical_hash_of_numpy_scalars_is_that_of_numbers() -> None:
    import numpy as np

    assert canonical_hash({"n": np.int64(3), "x": np.float64(0.5)}) == canonical_hash({"n": 3, "x": 0.5})


def test_an_experiment_spec_extends_another_in_another_folder(tmp_path: Path) -> None:
    """Experiment specs read ``extends`` like scenarios and calibration specs; the parent's relative
    scenario path stays relative to the parent, and an error in the child names the child."""
    from sim.experiments.spec import load_spec

    parent = ROOT / "experiments" / "oat_mechanisms.toml"
    child = tmp_path / "child.toml"
    child.write_text(f'extends = "{parent}"\nreplications = 1\n', encoding="utf-8")
    spec, base = load_spec(child), load_spec(parent)
    assert spec.replications == 1 and base.replications != 1
    assert spec.base.hash() == base.base.hash() and spec.parameters == base.parameters
    bad = tmp_path / "bad.toml"
    bad.write_text(f'extends = "{parent}"\nreplicatons = 1\n', encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_spec(bad)
    assert "bad.toml" in str(exc.value) and "did you mean 'replications'" in str(exc.value)
