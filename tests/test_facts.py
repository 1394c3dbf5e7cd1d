"""One home for the article's facts (sim/facts.py) and one palette (sim/palette.py): the patterns, the
figures and the explorer use the same objects, and no module keeps its own copy."""

from __future__ import annotations

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
