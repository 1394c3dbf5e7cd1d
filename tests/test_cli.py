"""The command line: bad input exits 2 with one line on stderr and writes nothing; ``params`` documents
every parameter; ``run`` writes the three tables and summary.json end to end."""

from __future__ import annotations

import json
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import BASELINE, EXT, bad_files, canonical, run_cli
from test_experiments import FLAKY_SPEC

from sim import __version__
from sim import params as params_module
from sim.cli import main
from sim.commands.scenarios import iter_params
from sim.params import Section
from sim.results import SCHEMAS, read_table
from sim.scenario import Scenario, load_scenario


def _case_names() -> list[str]:
    with tempfile.TemporaryDirectory() as d:
        return sorted(bad_files(Path(d)))


#: Every kind of bad input (see conftest.bad_files).
CASES = _case_names()


def _check_one_line(err: str, path: Path, key: str, words: list[str]) -> None:
    lines = err.strip("\n").split("\n")
    assert len(lines) == 1, err
    line = lines[0]
    assert "Traceback" not in err
    assert line.startswith("error: ")
    assert path.name in line
    if key:
        assert f": {key}: " in line, line
    for w in words:
        assert w in line, (w, line)


# ----------------------------------------------------------------------------- bad input, in process
@pytest.mark.parametrize("case", CASES)
def test_validate_bad_input(case: str, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path, key, words = bad_files(tmp_path)[case]
    assert main(["validate", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    _check_one_line(err, path, key, words)


@pytest.mark.parametrize("case", CASES)
def test_run_bad_input_writes_nothing(case: str, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path, key, words = bad_files(tmp_path / "in")[case]
    out_dir = tmp_path / "out"
    assert main(["run", str(path), "--seeds", "1", "--no-figures", "--quiet", "--out", str(out_dir)]) == 2
    _, err = capsys.readouterr()
    _check_one_line(err, path, key, words)
    assert not out_dir.exists()


def test_validate_stops_at_first_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    cases = bad_files(tmp_path)
    bad = cases["unknown_key"][0]
    assert main(["validate", str(BASELINE), str(bad), str(cases["bad_date"][0])]) == 2
    out, err = capsys.readouterr()
    assert out.startswith("ok: ") and "baseline" in out
    _check_one_line(err, bad, "capital.sentiment_bse", ["did you mean 'sentiment_base'"])


@pytest.mark.parametrize("args, words", [
    (["--seeds", "0"], ["--seeds", "positive"]),
    (["--workers", "0"], ["--workers", "at least 1"]),
])
def test_run_bad_options(args: list[str], words: list[str], tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out_dir = tmp_path / "out"
    assert main(["run", str(BASELINE), "--no-figures", "--quiet", "--out", str(out_dir), *args]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().split("\n")) == 1 and "Traceback" not in err
    for w in words:
        assert w in err
    assert not out_dir.exists()


def test_validate_good_files(capsys: pytest.CaptureFixture, write_scenario) -> None:
    child = write_scenario(EXT + '[time]\nend = "2024-06"\n', name="short.toml")
    assert main(["validate", str(BASELINE), str(child)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and all(line.startswith("ok: ") for line in out)
    assert load_scenario(BASELINE).hash() in out[0]


def test_validate_notes_an_added_item_and_its_near_name(capsys: pytest.CaptureFixture, write_scenario) -> None:
    """A misspelt firm is valid (it adds a firm with default values), so validate says what it added."""
    typo = write_scenario(EXT + '[[startups]]\nname = "Zhipuu"\ncash_usd = 5e8\n'
                          '[[startups]]\nname = "MiniMax"\ncash_usd = 1e9\n', name="typo.toml")
    assert main(["validate", str(typo)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("ok: ") and len(out) == 2  # MiniMax overrides: no note
    assert out[1] == f"note: {typo}: startups: adds 'Zhipuu', which the parent does not have (did you mean 'Zhipu'?)"


def test_validate_notes_through_a_symlink(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """A file's extends is relative to the file itself, not to a link to it (as loading resolves it)."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "baseline.toml").write_text(BASELINE.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "a" / "child.toml").write_text('extends = "baseline.toml"\n[[startups]]\nname = "New"\n')
    link = tmp_path / "b" / "child.toml"
    link.symlink_to(tmp_path / "a" / "child.toml")
    assert main(["validate", str(link)]) == 0
    assert "startups: adds 'New'" in capsys.readouterr().out


# ----------------------------------------------------------------------------- bad input, real processes
#: A few cases in a fresh interpreter (each costs a 2-3 s start-up); every case runs in process above and,
#: marked slow, in subprocesses below.
SUBPROCESS_CASES = ["unknown_key", "extends_cycle"]


@pytest.mark.parametrize("case", SUBPROCESS_CASES)
def test_validate_bad_input_subprocess(case: str, tmp_path: Path, cli) -> None:
    path, key, words = bad_files(tmp_path)[case]
    proc = cli("validate", path)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    _check_one_line(proc.stderr, path, key, words)


@pytest.mark.parametrize("case", ["unknown_investor"])
def test_run_bad_input_subprocess(case: str, tmp_path: Path, cli) -> None:
    path, key, words = bad_files(tmp_path / "in")[case]
    out_dir = tmp_path / "out"
    proc = cli("run", path, "--seeds", "1", "--no-figures", "--out", out_dir)
    assert proc.returncode == 2, proc.stderr
    _check_one_line(proc.stderr, path, key, words)
    assert not out_dir.exists()


@pytest.mark.slow
@pytest.mark.parametrize("command", ["validate", "run"])
def test_every_bad_input_subprocess(command: str, tmp_path: Path, cli) -> None:
    cases = bad_files(tmp_path / "in")

    def one(case: str):
        path = cases[case][0]
        out_dir = tmp_path / f"out-{case}"
        args = ["validate", path] if command == "validate" else ["run", path, "--seeds", "1", "--no-figures",
                                                                 "--out", out_dir]
        return cli(*args), out_dir

    with ThreadPoolExecutor(max_workers=2) as pool:  # two interpreters at a time: 2 cores
        done = dict(zip(cases, pool.map(one, cases), strict=True))
    for case, (proc, out_dir) in done.items():
        path, key, words = cases[case]
        assert proc.returncode == 2, (case, proc.stderr)
        _check_one_line(proc.stderr, path, key, words)
        assert not out_dir.exists(), case


# ----------------------------------------------------------------------------- params
def _leaf_sections() -> list[type[Section]]:
    return [obj for obj in vars(params_module).values()
            if isinstance(obj, type) and issubclass(obj, Section) and obj is not Section]


#: Firm specs (and the generic population's counts) document their source per firm, in the scenario file.
SOURCE_OPTIONAL = {"StartupSpec", "GiantSpec", "OpenLabSpec", "PopulationParams"}


def test_every_parameter_is_documented() -> None:
    """Every leaf field of sim.params has a unit and a description; numbers have a range; mechanism
    parameters cite a source."""
    missing = []
    for cls in _leaf_sections():
        for name, field in cls.model_fields.items():
            ann = field.annotation
            inner = getattr(ann, "__args__", None)
            target = inner[0] if inner else ann
            if isinstance(target, type) and issubclass(target, Section):
                continue  # a sub-table, checked as its own class
            extra = field.json_schema_extra or {}
            where = f"{cls.__name__}.{name}"
            if not extra.get("unit"):
                missing.append(f"{where}: unit")
            if not field.description:
                missing.append(f"{where}: description")
            if cls.__name__ not in SOURCE_OPTIONAL and not extra.get("source"):
                missing.append(f"{where}: source")
            if ann in (int, float):
                bounds = [(getattr(m, "ge", None), getattr(m, "le", None)) for m in field.metadata]
                if not any(lo is not None for lo, _ in bounds) or not any(hi is not None for _, hi in bounds):
                    missing.append(f"{where}: range")
                elif not all(lo is None or hi is None or lo <= field.default <= hi for lo, hi in bounds):
                    missing.append(f"{where}: default {field.default} outside its range")
    assert not missing, "undocumented parameters:\n" + "\n".join(missing)


def test_every_section_is_in_the_scenario() -> None:
    used = set()
    for field in Scenario.model_fields.values():
        ann = field.annotation
        inner = getattr(ann, "__args__", None)
        used.add((inner[0] if inner else ann).__name__)
    nested = {"Release", "Niche"}
    assert {c.__name__ for c in _leaf_sections()} - nested <= used


def _parse_params(stdout: str) -> dict[str, list[str]]:
    lines = stdout.splitlines()
    assert lines[0].startswith("# parameters of")
    rows = {}
    for line in lines[1:]:
        parts = line.split(" | ")
        assert len(parts) >= 6, line
        rows[parts[0]] = parts[1:]
    return rows


def _check_params_output(rows: dict[str, list[str]], sc: Scenario) -> None:
    expected = {path for path, *_ in iter_params(sc)}
    assert set(rows) == expected
    for key in ("capital.sentiment_base", "technology.run_cost_growth_per_year", "talent.base_hazard_per_month",
                "pricing.max_markup", "strategy.temperature", "entry.enabled", "time.end"):
        assert key in rows
    value, unit, rng, doc, source = rows["technology.run_cost_growth_per_year"][:5]
    assert float(value) == sc.technology.run_cost_growth_per_year
    assert unit == "x per year" and rng == "[1.0, 5.0]" and doc and "Cottier" in source
    sections = ("time.", "technology.", "open_source.", "demand.", "capital.", "talent.", "strategy.", "entry.")
    for key, (_, unit, _rng, doc, source, *_rest) in rows.items():
        if key.startswith(sections):
            assert unit and doc and source, key


def test_params_without_argument_shows_the_calibrated_baseline(capsys: pytest.CaptureFixture) -> None:
    from sim.commands.scenarios import calibrated_keys

    assert main(["params"]) == 0
    rows = _parse_params(capsys.readouterr().out)
    sc = load_scenario(BASELINE)
    _check_params_output(rows, sc)
    from sim.calibration.spec import load_spec

    marked = calibrated_keys(Path(BASELINE))
    spec = load_spec(Path(BASELINE).parents[1] / "experiments" / "calibration.toml")
    spec_keys = {p.key for p in spec.parameters}
    assert set(marked) == spec_keys  # the baseline carries the point estimate of every calibrated parameter
    for key in marked:
        assert "calibrated" in rows[key][4] and "hand tuning" not in rows[key][4], key
    assert float(rows["talent.base_hazard_per_month"][0]) == sc.talent.base_hazard_per_month
    assert "calibrated" not in rows["capital.pre_ipo_bonus"][4]  # set a priori, not calibrated


def test_params_of_baseline(cli) -> None:
    proc = cli("params", "scenarios/baseline.toml")
    assert proc.returncode == 0, proc.stderr
    rows = _parse_params(proc.stdout)
    sc = load_scenario(BASELINE)
    _check_params_output(rows, sc)
    last = len(sc.open_source.releases) - 1
    for key in ("startups.0.cash_usd", f"giants.{len(sc.giants) - 1}.cloud", "open_labs.0.efficiency",
                f"open_source.releases.{last}.date", "demand.niches.0.heat"):
        assert key in rows
    assert rows["startups.0.name"][0] == repr(sc.startups[0].name)
    assert rows["startups.0.cash_usd"][1] == "USD"


def test_params_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path, key, words = bad_files(tmp_path)["out_of_range"]
    assert main(["params", str(path)]) == 2
    _check_one_line(capsys.readouterr().err, path, key, words)


def test_version_and_help(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0 and __version__ in capsys.readouterr().out
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    out = capsys.readouterr().out
    assert info.value.code == 0
    for command in ("run", "validate", "params"):
        assert command in out


# ----------------------------------------------------------------------------- run, end to end
SHORT = EXT + 'name = "short"\n[time]\nend = "2024-06"\n'


@pytest.fixture(scope="module")
def short_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """``run short.toml --seeds 2``: CSV in a fresh interpreter, Parquet in process (same code path)."""
    folder = tmp_path_factory.mktemp("e2e")
    scenario = folder / "short.toml"
    scenario.write_text(SHORT, encoding="utf-8")
    args = ["run", str(scenario), "--seeds", "2", "--no-figures", "--quiet"]
    proc = run_cli(*args, "--out", folder / "out-csv", "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "short: 2 seeds" in proc.stdout
    assert main([*args, "--out", str(folder / "out-parquet"), "--format", "parquet"]) == 0
    return {"csv": folder / "out-csv", "parquet": folder / "out-parquet", "scenario": scenario}


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_run_writes_tables_and_summary(short_runs: dict[str, Path], fmt: str) -> None:
    out = short_runs[fmt]
    for name in ("model", "firms", "events"):
        assert (out / f"{name}.{fmt}").is_file()
    assert not list(out.glob("*.tmp"))
    assert not (out / "figures").exists()
    sc = load_scenario(short_runs["scenario"])
    summary = json.loads((out / "summary.json").read_text())
    for key in ("scenario", "scenario_hash", "seeds", "package_version", "scorecard"):
        assert key in summary
    assert summary["scenario_hash"] == sc.hash()
    assert summary["scenario"] == sc.to_dict()
    assert summary["seeds"] == [0, 1]
    assert summary["package_version"] == __version__
    model = read_table(out, "model")
    assert model.schema.equals(SCHEMAS["model"])
    n_months = 18
    assert model.num_rows == 2 * n_months
    assert sorted(set(model.column("seed").to_pylist())) == [0, 1]
    firms = read_table(out, "firms")
    n_firms = len(sc.startups) + len(sc.giants) + len(sc.open_labs)
    assert firms.num_rows == 2 * n_months * n_firms
    events = read_table(out, "events")
    assert events.num_rows > 0
    assert set(events.column("type").to_pylist()) <= {
        "release", "price_cut", "funding_round", "departure", "pivot", "product_cut", "ipo", "exit", "entry"}


def test_csv_and_parquet_hold_the_same_tables(short_runs: dict[str, Path]) -> None:
    for name in ("model", "firms", "events"):
        a = canonical(read_table(short_runs["csv"], name))
        b = canonical(read_table(short_runs["parquet"], name))
        assert a.schema.equals(b.schema), name
        assert a.equals(b), name


# ---------------------------------------------------------------------- output folders and sweep edges
def _short(folder: Path, name: str = "short", end: str = "2023-06") -> Path:
    path = folder / f"{name}.toml"
    path.write_text(f'{EXT}name = "{name}"\n[time]\nend = "{end}"\n', encoding="utf-8")
    return path


@pytest.mark.parametrize("where", ["file", "under_a_file"])
def test_run_refuses_a_bad_out_before_simulating(where: str, tmp_path: Path, capsys: pytest.CaptureFixture,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import sim.commands.run as run_cmd

    (tmp_path / "f").write_text("x", encoding="utf-8")
    out = tmp_path / "f" if where == "file" else tmp_path / "f" / "sub"
    monkeypatch.setattr(run_cmd, "run_seeds", lambda *a, **k: pytest.fail("simulated before checking --out"))
    assert main(["run", str(_short(tmp_path)), "--seeds", "2", "--quiet", "--no-figures", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err and str(out) in err


def test_run_refuses_a_negative_seed_start(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "out"
    assert main(["run", str(_short(tmp_path)), "--seed-start", "-3", "--quiet", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "--seed-start" in err and len(err.strip().splitlines()) == 1 and not out.exists()


def test_sweep_refuses_an_out_that_is_a_file(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    spec = tmp_path / "s.toml"
    spec.write_text('model = "sim.testfunctions:ishigami"\n[design]\nmethod = "grid"\n[[parameters]]\nkey = "x1"\n'
                    'values = [0.0]\n[[parameters]]\nkey = "x2"\nvalues = [0.0]\n[[parameters]]\nkey = "x3"\n'
                    'values = [0.0]\n[outputs]\nmetrics = ["y"]\n', encoding="utf-8")
    (tmp_path / "f").write_text("x", encoding="utf-8")
    assert main(["sweep", str(spec), "--out", str(tmp_path / "f"), "--workers", "1", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "found a file" in err and len(err.strip().splitlines()) == 1


def test_one_folder_rule_for_run(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """Same scenario: replaced (no stale table of the other format for 'score'); another scenario: refused
    unless --force."""
    sc, other = _short(tmp_path), _short(tmp_path, "other", "2023-04")
    out = tmp_path / "out"
    base = ["--seeds", "2", "--quiet", "--no-figures", "--workers", "1", "--out", str(out)]
    assert main(["run", str(sc), *base]) == 0 and (out / "model.parquet").exists()
    assert main(["run", str(sc), *base, "--format", "csv"]) == 0
    assert not (out / "model.parquet").exists() and (out / "model.csv").exists()
    capsys.readouterr()
    assert main(["run", str(other), *base]) == 2
    err = capsys.readouterr().err
    assert "another scenario" in err and "--force" in err and (out / "model.csv").exists()
    assert main(["run", str(other), *base, "--force"]) == 0
    assert json.loads((out / "summary.json").read_text())["scenario"]["name"] == "other"
    assert not (out / "model.csv").exists()
    assert "--force" in run_cli("run", "--help").stdout


def test_one_folder_rule_for_compare(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    a, b = _short(tmp_path, "a", "2023-04"), _short(tmp_path, "b", "2023-05")
    out = tmp_path / "cmp"
    base = ["compare", str(a), str(b), "--workers", "1", "--quiet", "--out", str(out)]
    assert main([*base, "--seeds", "2"]) == 0
    assert main([*base, "--seeds", "2"]) == 0  # the same spec: resumed, nothing rerun
    capsys.readouterr()
    assert main([*base, "--seeds", "4"]) == 0  # more seeds extend the comparison: only the new runs run
    assert "ran 4 runs" in capsys.readouterr().err and len(pd_read(out / "runs")) == 8
    assert main([*base, "--seeds", "3"]) == 2  # fewer seeds do not
    assert "replications" in (err := capsys.readouterr().err) and "--force" in err
    assert main([*base, "--seeds", "3", "--force"]) == 0
    assert len(pd_read(out / "runs")) == 6
    # a sweep never mixes into a folder of 'run' results
    run_out = tmp_path / "run"
    assert main(["run", str(a), "--seeds", "2", "--quiet", "--no-figures", "--workers", "1",
                 "--out", str(run_out)]) == 0
    capsys.readouterr()
    assert main([*base[:-1], str(run_out), "--seeds", "2"]) == 2
    assert "not an experiment's results" in capsys.readouterr().err


def pd_read(path: Path):  # noqa: ANN201 - a DataFrame
    import pandas as pd

    return pd.read_parquet(path)


def test_a_huge_design_needs_yes(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    spec = tmp_path / "huge.toml"
    params = "".join(f'[[parameters]]\nkey = "x{i}"\nrange = [0.0, 1.0]\nsteps = 10000\n' for i in (1, 2, 3))
    spec.write_text(f'model = "sim.testfunctions:ishigami"\nreplications = 10\n[design]\nmethod = "grid"\n{params}'
                    '[outputs]\nmetrics = ["y"]\n', encoding="utf-8")
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "1", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "10,000,000,000,000 runs" in err and "--yes" in err and not out.exists()


def test_a_fractional_value_for_an_integer_parameter_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    spec = tmp_path / "int.toml"
    spec.write_text(f'scenario = "{_short(tmp_path).as_posix()}"\n[design]\nmethod = "grid"\n[[parameters]]\n'
                    'key = "capital.round_interval_months"\nvalues = [4, 6.5]\n[outputs]\nmetrics = ["alive_end"]\n',
                    encoding="utf-8")
    assert main(["sweep", str(spec), "--out", str(tmp_path / "out"), "--workers", "1", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "int.toml: parameters.0.values:" in err and "integer" in err and "6.5" in err


#: Six runs that all fail while SIM_FLAKY_FAIL=1 (x > 0.5 everywhere).
FLAKY = FLAKY_SPEC.replace("replications = 2", "replications = 1").replace("samples = 60", "samples = 6") \
    .replace("range = [0.0, 1.0]", "range = [0.6, 1.0]")


def test_a_sweep_whose_every_run_failed_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    spec = tmp_path / "flaky.toml"
    spec.write_text(FLAKY, encoding="utf-8")
    monkeypatch.setenv("SIM_FLAKY_FAIL", "1")
    assert main(["sweep", str(spec), "--out", str(tmp_path / "out"), "--workers", "1", "--quiet"]) == 1
    assert "every one of the 6 runs" in capsys.readouterr().err


def test_export_streams_batches_and_status_survives_a_closed_pipe(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess
    import sys

    from sim.experiments.store import Store

    spec = tmp_path / "flaky.toml"
    spec.write_text(FLAKY, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    monkeypatch.setattr(Store, "read", lambda *a, **k: pytest.fail("export read a whole table into memory"))
    assert main(["export", str(out)]) == 0
    assert len((out / "export" / "runs.csv").read_text().splitlines()) == 7
    monkeypatch.undo()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # buffered, as in a plain shell
    proc = subprocess.Popen([sys.executable, "-m", "sim", "status", str(out)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=str(Path(__file__).resolve().parents[1]), env=env)
    proc.stdout.close()  # the reader left, as 'status DIR | head -0' does
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0 and "Traceback" not in err and "BrokenPipe" not in err, err
