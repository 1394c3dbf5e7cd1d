"""Figures: ``make_figures`` writes every PNG for real runs of different shapes (sim/figures.py)."""

from __future__ import annotations

import struct
from pathlib import Path

import pandas as pd
import pytest

from sim.figures import FIGURES, RunData, focus_firms, load, make_figures, releases, representative_seed
from sim.results import write_tables
from sim.runner import run_seeds
from sim.scenario import Scenario, load_scenario

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"
EXPECTED = {f"{name}.png" for name in FIGURES}
REQUIRED = {"strategy_timeline.png", "foundation_survivors.png", "departures.png", "consumer_mau.png",
            "cash_runway.png"}

GENERIC = """
name = "generic_figures"
[population]
startups = 20
giants = 2
open_labs = 1
[open_source]
endogenous_after = "2023-01"
"""

def png_size(path: Path) -> tuple[int, int]:
    """Width and height of a PNG; fails unless the file is a PNG."""
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    assert head[12:16] == b"IHDR"
    return struct.unpack(">II", head[16:24])


def run_folder(tmp: Path, scenario: Scenario, seeds: int, fmt: str = "parquet") -> Path:
    out = tmp / scenario.name
    write_tables(run_seeds(scenario, range(seeds), progress=False), out, fmt)
    return out


def check_figures(folder: Path, paths: list[Path]) -> None:
    assert {p.name for p in paths} == EXPECTED
    assert REQUIRED <= EXPECTED
    for p in paths:
        assert p.parent == folder / "figures"
        assert p.stat().st_size > 20_000, f"{p.name} is suspiciously small"
        w, h = png_size(p)
        assert 800 < w < 4000 and 500 < h < 4000, f"{p.name} is {w}x{h} px"


@pytest.fixture(scope="module")
def baseline() -> Scenario:
    return load_scenario(BASELINE)


@pytest.mark.filterwarnings("error")  # a figure that fails warns: make that a test failure
@pytest.mark.timeout(120)
def test_baseline_two_seeds(tmp_path: Path, baseline: Scenario) -> None:
    folder = run_folder(tmp_path, baseline, 2)
    check_figures(folder, make_figures(folder, baseline))
    data = load(folder, baseline)
    focus = focus_firms(data)
    assert focus.named and focus.firms == [s.name for s in baseline.startups]
    assert focus.label == "the six named startups"
    assert representative_seed(data)[0] in (0, 1)
    # the dated releases, one label per month (DeepSeek-V2.5 and Qwen2.5 share 2024-09)
    months = [m for m, _ in releases(data)]
    assert months == sorted(set(months)) and "2024-09" in months
    assert "DeepSeek-V2.5\nQwen2.5" in dict(releases(data)).values()


@pytest.mark.filterwarnings("error")
@pytest.mark.timeout(120)
def test_generic_scenario_single_seed_csv(tmp_path: Path) -> None:
    """No named firms, no dated releases, one seed, CSV tables: every figure still drawn."""
    toml = tmp_path / "generic_figures.toml"
    toml.write_text(GENERIC)
    scenario = load_scenario(toml)
    folder = run_folder(tmp_path, scenario, 1, fmt="csv")
    check_figures(folder, make_figures(folder, scenario))
    data = load(folder, scenario)
    focus = focus_firms(data)
    assert not focus.named and len(focus.firms) == 12
    assert focus.label == "the 12 largest of 20 startups by peak cash"
    assert releases(data) == [] and representative_seed(data)[0] == 0


def test_releases_follow_the_scenario(baseline: Scenario) -> None:
    """Release lines: none when open source is switched off; moved by shift_months; within the run."""
    def data(sc: Scenario) -> RunData:
        return RunData(pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), sc, [0], ["2023-01", "2025-01"])

    assert releases(data(baseline.with_overrides({"open_source.enabled": False}))) == []
    shifted = dict(releases(data(baseline.with_overrides({"open_source.shift_months": 3}))))
    assert shifted["2024-12"] == "DeepSeek-V2.5\nQwen2.5" and shifted["2024-09"] == "Qwen2"
    assert max(shifted) <= "2025-01"  # DeepSeek-V3 moves to 2025-03, after the run's end
