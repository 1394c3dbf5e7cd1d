"""Every spec shipped in ``experiments/`` loads with the loader of its kind, and every scenario file kept in a
subfolder of it loads, so a key renamed in the model or misspelt in a spec fails here rather than in a user's
first sweep."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT

from sim.calibration.spec import load_spec as load_calibration
from sim.experiments.robustness import load_robustness
from sim.experiments.spec import load_spec as load_experiment
from sim.holdout import load_holdout
from sim.scenario import load_scenario

EXPERIMENTS = ROOT / "experiments"

#: The loader of each kind of spec, by file name; every other file is an experiment spec (``python -m sim sweep``).
LOADERS: dict[str, Callable[[Path], Any]] = {
    "calibration.toml": load_calibration,
    "calibration_race.toml": load_calibration,
    "calibration_race_long.toml": load_calibration,
    "toy_calibration.toml": load_calibration,
    "recovery.toml": lambda p: load_calibration(p, require_recovery=True),
    "holdout.toml": load_holdout,
    "structure_order.toml": load_robustness,
    "structure_population.toml": load_robustness,
    "structure_step.toml": load_robustness,
}


@pytest.mark.parametrize("path", sorted(EXPERIMENTS.glob("*.toml")), ids=lambda p: p.name)
def test_every_shipped_spec_loads(path: Path) -> None:
    assert LOADERS.get(path.name, load_experiment)(path) is not None


@pytest.mark.parametrize("path", sorted(EXPERIMENTS.glob("*/*.toml")), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_scenario_an_experiment_ships_loads(path: Path) -> None:
    """Scenario files kept beside a spec (e.g. ``experiments/race_end/``, compared over the posterior)."""
    assert load_scenario(path).name == path.stem


def test_the_loader_table_names_only_shipped_specs() -> None:
    assert set(LOADERS) <= {p.name for p in EXPERIMENTS.glob("*.toml")}
