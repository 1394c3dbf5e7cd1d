"""Model results are pinned: every table ``sim run`` writes matches the recorded fingerprints.

A refactoring must leave these unchanged. A change to the model's behaviour bumps
``sim.MODEL_VERSION`` and rewrites ``tests/data/fingerprints.json`` with
``python tests/fingerprint.py --write tests/data/fingerprints.json`` in the same commit. Columns
added later are left out of the comparison (adding one is allowed).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fingerprint import ROOT, fingerprint

DATA = Path(__file__).parent / "data" / "fingerprints.json"
REF = json.loads(DATA.read_text())


def _check(name: str) -> None:
    assert fingerprint(ROOT / "scenarios" / name, REF["seeds"], REF["columns"]) == REF["tables"][name]


def test_baseline_tables_unchanged() -> None:
    _check("baseline.toml")


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(n for n in REF["tables"] if n != "baseline.toml"))
def test_scenario_tables_unchanged(name: str) -> None:
    _check(name)
