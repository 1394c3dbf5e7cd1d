"""Robustness specs (sim.experiments.robustness): validation, and a small end-to-end run whose summary,
files and figure say what docs/robustness.md says they do."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from sim.errors import InputError
from sim.experiments import robustness as rb
from sim.experiments.figures import robustness_figure
from sim.experiments.sweep import run_sweep

ROOT = Path(__file__).resolve().parents[1]
TALENT_FIRST = ["technology", "open_source", "pricing", "demand", "consumer", "accounts", "talent", "capital",
                "strategy", "exits", "entry"]


def _spec(folder: Path, variants: str, metrics: str = '["alive_end", "mean_sentiment_2025"]') -> Path:
    (folder / "short.toml").write_text(f'extends = "{(ROOT / "scenarios" / "baseline.toml").as_posix()}"\n'
                                       'name = "short"\n[time]\nend = "2025-06"\n', encoding="utf-8")
    (folder / "no_os.toml").write_text('extends = "short.toml"\nname = "no_os"\n[open_source]\nenabled = false\n',
                                       encoding="utf-8")
    (folder / "boom.toml").write_text('extends = "short.toml"\nname = "boom"\n[capital]\nsentiment_base = 0.8\n',
                                      encoding="utf-8")
    path = folder / "spec.toml"
    path.write_text(f'scenarios = ["short.toml", "no_os.toml", "boom.toml"]\nreplications = 3\nseed = 5\n'
                    f'metrics = {metrics}\nmonthly = true\n{variants}', encoding="utf-8")
    return path


VARIANTS = ('[[variants]]\nname = "default"\n[[variants]]\nname = "talent_first"\n[variants.set]\n'
            f'"schedule.order" = {TALENT_FIRST!r}\n'.replace("'", '"'))


@pytest.mark.parametrize("variants, key, words", [
    ('[[variants]]\nname = "a"\n[[variants]]\nname = "a"\n', "variants.1.name", ["used twice"]),
    ('[[variants]]\nname = "a b"\n', "variants.0.name", ["expected text matching", '"a b"']),
    ('[[variants]]\nname = "a"\n[variants.set]\n"capital.sentiment_bse" = 0.4\n', "capital.sentiment_bse",
     ["did you mean 'sentiment_base'"]),
    ('[[variants]]\nname = "a"\n[variants.set]\n"schedule.order" = ["technology"]\n', "schedule.order",
     ["permutation"]),
    ("", "variants", ["missing required key"]),
    ("variants = []\n", "variants", ["at least 1"]),
])
def test_a_bad_spec_names_the_file_and_the_key(tmp_path: Path, variants: str, key: str, words: list[str]) -> None:
    path = _spec(tmp_path, variants)
    with pytest.raises(InputError) as err:
        rb.load_robustness(path)
    assert str(path) in err.value.file and err.value.key == key, (err.value.file, err.value.key)
    for w in words:
        assert w in err.value.expected, err.value.expected


def test_the_shipped_specs_load() -> None:
    for name in ("order", "population", "step"):
        spec = rb.load_robustness(ROOT / "experiments" / f"structure_{name}.toml")
        assert len(spec.experiments) == len(spec.variants) >= 3
        first = next(iter(spec.experiments.values()))
        assert list(first.scenarios)[0] == "baseline" and first.crn


def test_sign_and_tau() -> None:
    assert rb.sign({"diff_low": 0.1, "diff_high": 0.3}) == 1
    assert rb.sign({"diff_low": -0.3, "diff_high": -0.1}) == -1
    assert rb.sign({"diff_low": -0.1, "diff_high": 0.3}) == rb.NO_EFFECT
    assert rb.sign({"diff_low": math.nan, "diff_high": math.nan}) == rb.NO_EFFECT
    assert rb.kendall_tau([1, 2, 3], [1, 2, 3]) == pytest.approx(1.0)
    assert rb.kendall_tau([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    assert math.isnan(rb.kendall_tau([1, 1], [1, 2]))
    rows = [{"diff_low": 1.0, "diff_high": 2.0}, {"diff_low": -1.0, "diff_high": 1.5},
            {"diff_low": -3.0, "diff_high": -2.0}]
    assert rb.clear_pairs(rows) == [(0, 2), (1, 2)]


def test_a_small_robustness_run_end_to_end(tmp_path: Path) -> None:
    spec = rb.load_robustness(_spec(tmp_path, VARIANTS))
    out = tmp_path / "out"
    calls: list[str] = []

    def sweep(exp, folder):  # noqa: ANN001, ANN202
        calls.append(folder.name)
        return run_sweep(exp, folder, executor="serial", progress=False)

    seconds = rb.run_all(spec, out, sweep)
    assert calls == ["default", "talent_first"] and set(seconds) == set(calls)
    rb.run_all(spec, out, sweep)  # resumes: nothing is left to run
    summary = rb.summarise(spec, out, seconds)
    assert summary["counterfactuals"] == ["no_os", "boom"] and summary["reference_scenario"] == "short"
    assert len(summary["rows"]) == 2 * 2 * 2 and len(summary["rankings"]) == 2 * 2
    default = [r for r in summary["rows"] if r["variant"] == "default"]
    assert all(r["same_sign"] and r["same_direction"] for r in default)
    assert all(r["clear_pairs_kept"] == r["clear_pairs"] for r in summary["rankings"] if r["variant"] == "default")
    verdicts = {v["variant"]: v for v in rb.verdicts(summary)}
    assert verdicts["default"]["same_sign"] == verdicts["default"]["effects"] == 4
    assert verdicts["default"]["reversed"] == verdicts["default"]["lost"] == 0
    reordered = {r["metric"]: r for r in summary["rows"] if r["variant"] == "talent_first" and r["scenario"] == "boom"}
    first = {r["metric"]: r for r in default if r["scenario"] == "boom"}
    assert reordered["mean_sentiment_2025"]["reference_mean"] != first["mean_sentiment_2025"]["reference_mean"]
    boom = first["mean_sentiment_2025"]
    assert boom["sign"] == 1 and boom["diff_low"] > 0  # a higher base level of sentiment raises it
    for f in rb.write(summary, out):
        assert f.exists() and f.stat().st_size > 0
    paths = rb.sentiment_paths(spec, out)
    assert set(paths) == {"default", "talent_first"} and paths["default"][0][0] == "2023-01"
    assert paths["default"][1] != paths["talent_first"][1]
    assert robustness_figure(summary, out / "figures" / "robustness.png", paths).stat().st_size > 10_000


def test_the_command_exits_2_on_a_bad_spec_naming_it(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from sim.cli import main

    path = _spec(tmp_path, '[[variants]]\nname = "a"\n[variants.set]\n"schedule.order" = ["exits"]\n')
    assert main(["robustness", str(path), "--out", str(tmp_path / "out"), "--workers", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(path) in err[0] and "schedule.order" in err[0] and "Traceback" not in err[0]
    assert not (tmp_path / "out").exists()
