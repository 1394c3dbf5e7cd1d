"""One home for the article's facts (sim/facts.py) and one palette (sim/palette.py): the patterns, the
figures and the explorer use the same objects, and no module keeps its own copy."""

from __future__ import annotations

import ast
import re

from conftest import ROOT

from sim import app_components, facts, figures, palette, patterns
from sim.outputs import EventType


def test_readers_share_the_facts_and_the_palette() -> None:
    assert patterns.SIX is facts.SIX is app_components.SIX
    assert patterns.HISTORY_END == facts.ARTICLE_DATE == figures.ARTICLE_DATE == app_components.ARTICLE_DATE
    assert figures.STRATEGY_COLOURS is palette.STRATEGY_COLOURS is app_components.STRATEGY_COLOURS
    assert (app_components.ARTICLE_DEPARTURES, app_components.ARTICLE_DEPARTURES_HIGH) == facts.DEPARTURES_RANGE
    assert facts.DEPARTURES_2024 + facts.DEPARTURES_H1_2025 == facts.DEPARTURES_BY_ARTICLE


def test_the_pattern_windows_are_the_facts() -> None:
    assert patterns.PATTERN_BY_ID["T7"].covers == facts.FIRST_ABANDONMENT_WINDOW
    assert patterns.PATTERN_BY_ID["T17"].covers == (facts.PROJECTION_DATE, facts.PROJECTION_DATE)


def test_every_event_type_has_a_colour() -> None:
    assert set(palette.EVENT_COLOURS) == {t.value for t in EventType}


def test_no_module_copies_the_six_or_the_palette() -> None:
    six = '"Zhipu", "MiniMax", "Moonshot", "StepFun", "Baichuan", "01.AI"'
    colour = '"foundation": "#0072B2"'
    for path in sorted((ROOT / "sim").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if path.name != "facts.py":
            assert six not in text, f"{path.relative_to(ROOT)} copies the six's names: import sim.facts.SIX"
        if path.name != "palette.py":
            assert colour not in text, f"{path.relative_to(ROOT)} copies the palette: import sim.palette"


#: Modules that may spell an article fact (a month or a firm's name) as a literal, and why.
FACT_LITERALS_ALLOWED = {
    "facts.py": "the facts' one home",
    "params.py": "parameter defaults, each documented with its unit, range and source (docs/parameters.md)",
    "targets.py": "the period's public numbers: each target declares its observed value, dates and window once, "
                  "with its source (docs/targets.md); the article's own facts come from sim.facts",
}
#: Names a literal must not spell outside the allow-list (import them from sim.facts).
FIRM_NAMES = {*facts.SIX, facts.DEEPSEEK}
#: Modules whose strings people read (labels, legends, captions): no month inside any string.
USER_FACING = ("app.py", "app_about.py", "app_compare.py", "app_components.py", "figures.py")


def _string_constants(tree: ast.AST) -> list[ast.Constant]:
    """String constants of a module, its docstrings left out."""
    docs = {id(node.body[0].value) for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef)
            and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    return [n for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs]


def test_no_module_spells_an_article_fact_as_a_literal() -> None:
    """A string that is exactly a month (``"2024-12"``) or one of the six's names (or DeepSeek's) is a copy of
    sim.facts; so is a month inside a label people read (``"since 2024-01"``)."""
    month = re.compile(r"^\d{4}-\d{2}$")
    inside = re.compile(r"\b20\d\d-\d\d\b")
    bad = []
    for path in sorted((ROOT / "sim").rglob("*.py")):
        rel = path.relative_to(ROOT / "sim").as_posix()
        if rel in FACT_LITERALS_ALLOWED:
            continue
        for n in _string_constants(ast.parse(path.read_text(encoding="utf-8"))):
            if month.match(n.value) or n.value in FIRM_NAMES or (rel in USER_FACING and inside.search(n.value)):
                bad.append(f"sim/{rel}:{n.lineno} {n.value!r}")
    assert bad == [], "import these from sim.facts (or format labels from them): " + "; ".join(bad)


def test_figures_and_explorer_draw_with_the_palette() -> None:
    from sim import app_compare

    for typ, (_, _, face, _) in figures.EVENT_MARKERS.items():
        assert typ == EventType.PIVOT or face == palette.EVENT_COLOURS[typ], typ
    assert figures.RUNWAY_CLIP is palette.RUNWAY_CLIP is app_components.RUNWAY_CLIP
    assert app_compare.RUN_COLOURS is palette.RUN_COLOURS
    assert {s: c for s, (_, c) in app_components.STATUS_STYLE.items()} == palette.STATUS_COLOURS


def test_no_module_keeps_its_own_colour_table() -> None:
    """A module-level name for colours or the runway clip (``*_COLOUR(S)``, ``*_SHADES``, ``RUNWAY_CLIP``) is
    defined in sim/palette.py only."""
    kept = re.compile(r"COLOURS?$|SHADES$|^RUNWAY_CLIP$")
    bad = []
    for path in sorted((ROOT / "sim").rglob("*.py")):
        if path.name == "palette.py":
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
                node, ast.AnnAssign) else []
            bad += [f"{path.relative_to(ROOT)}:{node.lineno} {t.id}" for t in targets
                    if isinstance(t, ast.Name) and kept.search(t.id)]
    assert bad == [], "define these in sim/palette.py: " + "; ".join(bad)
