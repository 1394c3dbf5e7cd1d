"""The Makefile's environment handling: a wrong Python is refused with a clear message, and a
broken environment is rebuilt by itself. Runs the real Makefile and .ci/ensure-venv in a temp
copy with fake interpreters (shell scripts), so no real install happens."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: A fake interpreter: reports VERSION for the version probe; `-m venv DIR` makes DIR/bin/python
#: (a fake 3.11 that logs its pip calls); `-m pip ...` is logged to pip.log.
FAKE = """#!/bin/sh
if [ "$1" = "-c" ]; then echo "{version}"; exit 0; fi
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then
    mkdir -p "$3/bin" && cp "{venv_python}" "$3/bin/python" && chmod +x "$3/bin/python"; exit 0
fi
if [ "$1" = "-m" ] && [ "$2" = "pip" ]; then echo "$@" >> "{log}"; exit 0; fi
exit 1
"""

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def _fake(path: Path, version: str, tmp: Path) -> Path:
    path.write_text(FAKE.format(version=version, venv_python=tmp / "venv-python", log=tmp / "pip.log"))
    path.chmod(0o755)
    return path


@pytest.fixture()
def proj(tmp_path: Path) -> Path:
    """A temp copy of the files the environment targets use, with fake 3.10 and 3.11 pythons."""
    (tmp_path / ".ci").mkdir()
    for rel in ("Makefile", "pyproject.toml", ".ci/ensure-venv"):
        shutil.copy(ROOT / rel, tmp_path / rel)
    _fake(tmp_path / "venv-python", "3.11", tmp_path)
    _fake(tmp_path / "python3.10", "3.10", tmp_path)
    _fake(tmp_path / "python3.11", "3.11", tmp_path)
    return tmp_path


def _make(proj: Path, python: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "MAKEFLAGS": ""}
    return subprocess.run(["make", "--no-print-directory", f"PYTHON={proj / python}", ".venv/.installed"],
                          cwd=proj, capture_output=True, text=True, env=env, timeout=60)


def _pip_calls(proj: Path) -> list[str]:
    log = proj / "pip.log"
    return log.read_text().splitlines() if log.exists() else []


def _old_venv(proj: Path, version: str, stamp: bool) -> None:
    """A .venv left behind by an earlier attempt, with a marker file to see whether it survives."""
    (proj / ".venv" / "bin").mkdir(parents=True)
    _fake(proj / ".venv" / "bin" / "python", version, proj)
    (proj / ".venv" / "old-marker").write_text("")
    if stamp:
        (proj / ".venv" / ".installed").write_text("")


def test_wrong_python_is_refused_with_the_fix(proj: Path) -> None:
    r = _make(proj, "python3.10")
    assert r.returncode != 0
    assert "needs Python 3.11" in r.stderr and "3.10" in r.stderr
    assert "make PYTHON=python3.11" in r.stderr
    assert not (proj / ".venv").exists() and _pip_calls(proj) == []


def test_fresh_install_with_the_right_python(proj: Path) -> None:
    r = _make(proj, "python3.11")
    assert r.returncode == 0, r.stderr
    assert (proj / ".venv" / ".installed").exists()
    assert any('-e .[test]' in c for c in _pip_calls(proj))


def test_venv_of_a_wrong_python_is_rebuilt(proj: Path) -> None:
    _old_venv(proj, "3.10", stamp=True)
    r = _make(proj, "python3.11")
    assert r.returncode == 0, r.stderr
    assert "rebuilding" in r.stdout
    assert not (proj / ".venv" / "old-marker").exists()
    assert (proj / ".venv" / ".installed").exists() and _pip_calls(proj)


def test_unfinished_install_is_rebuilt(proj: Path) -> None:
    _old_venv(proj, "3.11", stamp=False)
    r = _make(proj, "python3.11")
    assert r.returncode == 0, r.stderr
    assert not (proj / ".venv" / "old-marker").exists()
    assert (proj / ".venv" / ".installed").exists()


def test_up_to_date_venv_is_left_alone_even_with_a_wrong_python(proj: Path) -> None:
    _old_venv(proj, "3.11", stamp=True)
    os.utime(proj / "pyproject.toml", (1, 1))
    r = _make(proj, "python3.10")
    assert r.returncode == 0, r.stderr
    assert (proj / ".venv" / "old-marker").exists() and _pip_calls(proj) == []


def test_changed_pyproject_reinstalls_in_place(proj: Path) -> None:
    _old_venv(proj, "3.11", stamp=True)
    os.utime(proj / ".venv" / ".installed", (1, 1))
    r = _make(proj, "python3.11")
    assert r.returncode == 0, r.stderr
    assert (proj / ".venv" / "old-marker").exists() and _pip_calls(proj)
