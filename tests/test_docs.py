"""The README's commands are correct as written, and no file refers outside the repository."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest

from sim.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
FENCE = re.compile(r"^```[a-z]*\n(.*?)^```", re.S | re.M)


def _section(text: str, title: str) -> str:
    """The body of the '## title...' section of a Markdown text."""
    m = re.search(rf"^## {re.escape(title)}.*?$(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert m, f"README has no section '## {title}'"
    return m.group(1)


def _commands(text: str) -> list[list[str]]:
    """Every shell command in the fenced code blocks of text, split into words, comments removed."""
    return [words for block in FENCE.findall(text) for line in block.splitlines()
            if (words := shlex.split(line, comments=True))]


def _inline_sim_commands(text: str) -> list[list[str]]:
    """`python -m sim ...` written inline in backticks (outside code blocks)."""
    prose = FENCE.sub("", text)
    return [shlex.split(c) for c in re.findall(r"`(python -m sim [^`]*)`", prose) if "..." not in c]


def _make_targets() -> set[str]:
    return set(re.findall(r"^([A-Za-z][\w.-]*):", (ROOT / "Makefile").read_text(), re.M))


def _check_sim(words: list[str]) -> None:
    """Parse `python -m sim ARGS` with the real parser; check the files it names exist."""
    args = words[3:]
    if args in (["--help"], ["-h"]):
        return
    try:
        build_parser().parse_args(args)
    except SystemExit as exc:  # argparse reports a bad command or option by exiting
        pytest.fail(f"README command does not parse: {' '.join(words)} (exit {exc.code})")
    for a in args:
        if re.fullmatch(r"(scenarios|experiments|examples)/[\w./-]+", a):
            assert (ROOT / a).exists(), f"README command names a missing file: {a}"


def test_first_steps_is_the_first_section_and_every_command_is_real() -> None:
    first_heading = re.search(r"^## (.*)$", README, re.M).group(1)
    assert first_heading.startswith("First steps")
    cmds = _commands(_section(README, "First steps"))
    assert ["source", ".venv/bin/activate"] in cmds, "first steps must activate the environment"
    activated = False
    kinds = set()
    for words in cmds:
        if words[:2] == ["source", ".venv/bin/activate"]:
            activated = True
        elif words[0] == "make":
            assert set(words[1:]) <= _make_targets(), f"unknown make target in {words}"
            kinds.add("make")
        elif words[:3] == ["python", "-m", "sim"]:
            assert activated, f"`{' '.join(words)}` comes before the environment is activated"
            _check_sim(words)
            kinds.add("sim")
        elif words[0] == "python":
            assert activated and (ROOT / words[1]).is_file(), f"missing script or no venv: {words}"
            kinds.add("script")
        else:
            pytest.fail(f"unexpected first-steps command: {words}")
    assert kinds == {"make", "sim", "script"}


def test_every_readme_sim_command_parses() -> None:
    cmds = [w for w in _commands(README) if w[:3] == ["python", "-m", "sim"]]
    cmds += _inline_sim_commands(README)
    assert len(cmds) >= 10
    for words in cmds:
        _check_sim(words)


def test_readme_says_how_to_name_the_python_and_start_over() -> None:
    assert "make PYTHON=python3.11" in README and "make clean" in README


#: What no tracked file may contain: paths outside the repository and issue numbers.
FORBIDDEN = re.compile(r"\.\./shared|shared/|inputs\.md|history\.md|calibration-targets\.md|"
                       r"design-notes\.md|issue \d", re.I)
#: The one file allowed to name the patterns: this test.
EXEMPT = {"tests/test_docs.py"}


def _tracked_files() -> list[str]:
    out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True)
    if out.returncode != 0:
        pytest.skip("not a git checkout")
    return [f for f in out.stdout.splitlines() if f not in EXEMPT and (ROOT / f).is_file()]


def test_no_file_refers_outside_the_repository_or_to_an_issue() -> None:
    hits = []
    for f in _tracked_files():
        try:
            text = (ROOT / f).read_text()
        except UnicodeDecodeError:
            continue
        for i, line in enumerate(text.splitlines(), 1):
            if FORBIDDEN.search(line):
                hits.append(f"{f}:{i}: {line.strip()[:100]}")
    assert not hits, "references outside the repository (cite docs/sources.md instead):\n" + "\n".join(hits)


def test_sources_keys_cited_exist() -> None:
    """Every [KEY] cited as a source in params, scenarios and docs is defined in docs/sources.md."""
    sources = (ROOT / "docs" / "sources.md").read_text()
    defined = set(re.findall(r"^\| \*\*\[([\w+.-]+)\]\*\*", sources, re.M))
    assert len(defined) >= 20
    cited: set[str] = set()
    for f in [*ROOT.glob("sim/**/*.py"), *ROOT.glob("scenarios/*.toml"), *ROOT.glob("experiments/**/*.toml"),
              *ROOT.glob("docs/*.md"), ROOT / "README.md"]:
        cited |= set(re.findall(r"\[(S-[\w-]+|[A-Z][A-Za-z]+(?:-[A-Za-z]+)?\d{4}[a-z]?)\]", f.read_text()))
    assert cited, "no source key is cited anywhere"
    assert cited <= defined, f"cited but not in docs/sources.md: {sorted(cited - defined)}"
