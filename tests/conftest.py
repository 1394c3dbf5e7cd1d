"""Shared fixtures: the baseline scenario, a short one, a generic one, a scenario-file writer,
a command-line runner and a cache of model runs (a run is deterministic in scenario and seed)."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from sim.model import run
from sim.results import RunResult
from sim.scenario import Scenario, load_scenario

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"

#: A generic market without named firms: 30 startups, 3 giants, 2 open labs, free entry and
#: endogenous open-weight releases from the first month.
GENERIC_TOML = """\
name = "generic"
[time]
start = "2023-01"
end = "2027-12"
[population]
startups = 30
giants = 3
open_labs = 2
[entry]
enabled = true
[open_source]
endogenous_after = "2023-01"
releases = []
"""

EXT = f'extends = "{BASELINE.as_posix()}"\n'

#: name -> (file text, key path the message must name, words the message must contain)
BAD_INPUTS: dict[str, tuple[str, str, list[str]]] = {
    "unknown_key": (EXT + "[capital]\nsentiment_bse = 0.5\n", "capital.sentiment_bse",
                    ["unknown key", "did you mean 'sentiment_base'"]),
    "unknown_section": (EXT + "[capitol]\nsentiment_base = 0.5\n", "capitol",
                        ["unknown key", "did you mean 'capital'"]),
    "string_for_number": (EXT + '[capital]\nsentiment_base = "high"\n', "capital.sentiment_base",
                          ["expected a number", '"high"']),
    "bool_for_int": (EXT + "[strategy]\nreview_interval_months = true\n", "strategy.review_interval_months",
                     ["expected an integer", "true"]),
    "float_for_int": (EXT + "[strategy]\nreview_interval_months = 2.5\n", "strategy.review_interval_months",
                      ["expected an integer", "2.5"]),
    "out_of_range": (EXT + "[capital]\nsentiment_base = 1.5\n", "capital.sentiment_base",
                     ["[0.0, 1.0]", "1.5"]),
    "out_of_range_in_array": (EXT + "[[startups]]\nname = 'Zhipu'\nstaff = 0\n", "startups.Zhipu.staff",
                              ["[1, 100000]", "0"]),
    "bad_date": (EXT + '[time]\nend = "2024-13"\n', "time.end", ["expected a date 'YYYY-MM'", "2024-13"]),
    "bad_date_in_release": (EXT + '[open_source]\nreleases = [{date = "2024/05", firm = "X", name = "Qwen-7B"}]\n',
                            "open_source.releases.Qwen-7B.date", ["YYYY-MM", "2024/05"]),
    "end_before_start": (EXT + '[time]\nstart = "2024-01"\nend = "2023-06"\n', "time.end",
                         ["after time.start"]),
    "duplicate_firm": ('[[startups]]\nname = "X"\n[[giants]]\nname = "X"\n', "giants.0.name",
                       ["'X'", "twice"]),
    "unknown_investor": ('[[giants]]\nname = "G"\n[[startups]]\nname = "S"\ninvestors = ["Alibaba"]\n',
                         "startups.0.investors.0", ["giants", "'G'", "'Alibaba'"]),
    "removed_input": ('[[startups]]\nname = "S"\nvertical_affinity = "medicine"\n', "startups.S.vertical_affinity",
                      ["unknown key"]),
    "empty_firm_name": ("[[open_labs]]\ncash_usd = 1e8\n", "open_labs.0.name", ["non-empty"]),
    "extends_not_a_string": ("extends = 3\n", "extends", ["path"]),
    "schedule_not_a_permutation": (EXT + '[schedule]\norder = ["technology", "technology"]\n', "schedule.order",
                                   ["permutation", "missing", "repeated ['technology']"]),
    "schedule_breaks_a_rule": (EXT + '[schedule]\norder = ["technology", "open_source", "pricing", "demand", '
                               '"accounts", "consumer", "capital", "talent", "strategy", "exits", "entry"]\n',
                               "schedule.order", ["'consumer' before 'accounts'", "booked"]),
}


def bad_files(folder: Path) -> dict[str, tuple[Path, str, list[str]]]:
    """Every kind of bad scenario input as a file in ``folder``: name -> (path, key path, words of the message).

    The key path is '' where there is none (malformed TOML, missing file)."""
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, tuple[Path, str, list[str]]] = {}
    for name, (text, key, words) in BAD_INPUTS.items():
        path = folder / f"{name}.toml"
        path.write_text(text, encoding="utf-8")
        out[name] = (path, key, words)
    files = {
        "malformed_toml": ("[capital\nsentiment_base = 0.5\n", "", ["malformed TOML", "line 1"]),
        "missing_extends": ('extends = "parent_gone.toml"\n', "extends", ["not found", "parent_gone.toml"]),
        "extends_cycle": ('extends = "cycle_b.toml"\n', "extends", ["cycle", "extends_cycle.toml", "cycle_b.toml"]),
    }
    (folder / "cycle_b.toml").write_text('extends = "extends_cycle.toml"\n', encoding="utf-8")
    for name, (text, key, words) in files.items():
        path = folder / f"{name}.toml"
        path.write_text(text, encoding="utf-8")
        out[name] = (path, key, words)
    out["missing_file"] = (folder / "no_such_file.toml", "", ["not found", "no_such_file.toml"])
    return out


@pytest.fixture(scope="session")
def baseline() -> Scenario:
    return load_scenario(BASELINE)


@pytest.fixture(scope="session")
def short(baseline: Scenario) -> Scenario:
    """The baseline cut at 2024-06 (18 months)."""
    return baseline.with_overrides({"time.end": "2024-06"})


@pytest.fixture(scope="session")
def generic(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    path = tmp_path_factory.mktemp("generic") / "generic.toml"
    path.write_text(GENERIC_TOML, encoding="utf-8")
    return load_scenario(path)


@pytest.fixture
def write_scenario(tmp_path: Path) -> Callable[..., Path]:
    """``write_scenario(text, name="scenario.toml", folder="")`` writes a file under ``tmp_path``."""

    def write(text: str, name: str = "scenario.toml", folder: str = "") -> Path:
        path = tmp_path / folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return write


def run_cli(*args: str | os.PathLike, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """``python -m sim ARGS`` in a fresh interpreter; returns the completed process (text output)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    return subprocess.run([sys.executable, "-m", "sim", *map(str, args)], cwd=cwd or ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def cli() -> Callable[..., subprocess.CompletedProcess]:
    return run_cli


_RUNS: dict[tuple[str, int], RunResult] = {}


@pytest.fixture(scope="session")
def runs() -> Callable[[Scenario, int], RunResult]:
    """``runs(scenario, seed)``: the run's tables, computed once per session."""

    def get(scenario: Scenario, seed: int) -> RunResult:
        key = (scenario.hash(), seed)
        if key not in _RUNS:
            _RUNS[key] = run(scenario, seed)
        return _RUNS[key]

    return get


def canonical(table: pa.Table) -> pa.Table:
    """``table`` with NaN replaced by null, so that ``Table.equals`` treats equal NaNs as equal."""
    cols = []
    for col in table.columns:
        if pa.types.is_floating(col.type):
            col = pc.if_else(pc.is_nan(col), pa.scalar(None, col.type), col)
        cols.append(col)
    return pa.table(cols, schema=table.schema)


def close(a: float, b: float, rel: float = 1e-9, abs_: float = 1e-6) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)
