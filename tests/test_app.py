"""The interactive page without a browser: solara renders the widget tree in-process.

Render the page (inside ``solara.AppLayout``, or the sidebar is not rendered), press Step, check
the date advances and a chart changes; change a slider and Reset; pick another scenario; and the
pieces (charts, feed, scorecard) on a model directly.
"""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")  # before solara is imported

solara = pytest.importorskip("solara")
ipywidgets = pytest.importorskip("ipywidgets")
v = pytest.importorskip("ipyvuetify")

from conftest import ROOT  # noqa: E402

from sim import app  # noqa: E402
from sim import app_components as ac  # noqa: E402
from sim.model import release  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402


def _html(rc, cls: str) -> str:
    """The inner HTML of the solara.HTML widget whose classes include ``cls``."""
    from solara.widgets import HTML

    hits = [w for w in rc.find(HTML).widgets if cls in (w.attributes or {}).get("class", "").split()]
    assert len(hits) == 1, f"expected one HTML widget with class {cls}, got {len(hits)}"
    return hits[0].unsafe_innerHTML


def _chart(rc, key: str) -> bytes:
    hits = [w for w in rc.find(ipywidgets.Image).widgets if f"sim-chart-{key}" in w._dom_classes]
    assert len(hits) == 1, f"expected one chart {key}, got {len(hits)}"
    return bytes(hits[0].value)


def _button(rc, label: str):
    return rc.find(v.Btn, children=[label])


def _render():
    return solara.render(solara.AppLayout(children=[app.Page()]), handle_error=False)[1]


def test_a_students_session():
    """Step, watch the date and the charts; move a slider and Reset; change the seed; pick another
    scenario; all the while a second visitor's page stays where it was."""
    rc, other_visitor = _render(), _render()
    try:
        # -- the page: the date, the charts, the sidebar
        status = _html(rc, "sim-status")
        assert "2023-01" in status and "month 0 of 60" in status
        keys = [k for k, _, _ in ac.CHARTS]
        before = {k: _chart(rc, k) for k in keys}
        assert all(png.startswith(b"\x89PNG") for png in before.values())
        assert rc.find(v.Select, label="Scenario")
        assert len(rc.find(v.Html, class_="sim-knob-label").widgets) == len(app.KNOBS)
        assert _button(rc, "Reset") and _button(rc, "▶")

        # -- Step twice: the date advances, the charts and the feed change
        _button(rc, "Step").widget.click()
        _button(rc, "Step").widget.click()
        status = _html(rc, "sim-status")
        assert "2023-02" in status and "month 2 of 60" in status
        after = {k: _chart(rc, k) for k in keys}
        changed = [k for k in keys if after[k] != before[k]]
        assert "strategies" in changed and "capability" in changed, changed
        assert "2023-0" in _html(rc, "sim-feed-list")  # events of the first months are listed
        assert "month 0 of 60" in _html(other_visitor, "sim-status")  # sessions do not share a model

        # -- move a slider: its value shows, a reminder to Reset; Reset applies it
        knob = app.KNOBS[0]
        assert knob.key == "open_source.release_gap_scale"
        assert rc.find(v.Html, class_="sim-knob-label").widgets[0].children == [f"{knob.label}: 1"]
        sliders = [w for w in rc.find(v.Slider).widgets if w.label == ""]
        sliders[0].v_model = 2.5  # the student drags the first slider
        assert rc.find(v.Html, class_="sim-knob-label").widgets[0].children == [f"{knob.label}: 2.5  (scenario: 1)"]
        assert "Press Reset" in str([w.children for w in rc.find(v.Alert).widgets])
        _button(rc, "Reset").widget.click()
        status = _html(rc, "sim-status")
        assert "month 0 of 60" in status and "changed: Open-model gap × 2.5" in status, status
        assert not rc.find(v.Alert).widgets  # applied: no more reminder
        _button(rc, "Step").widget.click()
        assert "month 1 of 60" in _html(rc, "sim-status")

        # -- the seed box
        seed = rc.find(v.TextField, label="Seed (whole number, used at Reset)").widget
        seed.v_model = "7"
        seed.fire_event("focusout")  # solara's InputText commits on focus out or Enter
        _button(rc, "Reset").widget.click()
        assert "seed 7" in _html(rc, "sim-status")

        # -- another scenario starts at once, with the sliders at its values
        files = app.scenario_files()
        other = next((label for label in files if label != "baseline"), None)
        if other is not None:
            rc.find(v.Select, label="Scenario").widget.v_model = other
            status = _html(rc, "sim-status")
            assert f"scenario <b>{app.load_cached(files[other]).name}</b>" in status and "month 0 of" in status
            assert "changed:" not in status
            _button(rc, "Step").widget.click()
            assert "month 1 of" in _html(rc, "sim-status")
        assert "month 0 of 60" in _html(other_visitor, "sim-status")
    finally:
        rc.close()
        other_visitor.close()


# ------------------------------------------------------------------------------------ the pieces
@pytest.fixture(scope="module")
def model_at_2025_06():
    m = app.AppModel()
    for _ in range(30):
        m.step()
    yield m
    release(m)


def test_model_from_sliders_and_end_of_run():
    own = load_scenario(ROOT / "scenarios" / "baseline.toml").capital.sentiment_base
    m = app.AppModel(seed="3", knobs={"release_gap_scale": 1.5, "shift_months": 6.0, "sentiment_base": own})
    try:
        assert m.seed_value == 3
        assert m.sc.open_source.release_gap_scale == 1.5 and m.sc.open_source.shift_months == 6
        assert "capital.sentiment_base" not in m.overrides  # the scenario's own value is no override
        for _ in range(m.calendar.n_steps + 2):
            m.step()
        assert m.t == m.calendar.n_steps and not m.running and m.date == m.calendar.labels[-1]
    finally:
        release(m)
    with pytest.raises(app.InputError):
        app.AppModel(seed="x")
    with pytest.raises(app.InputError):
        app.AppModel(knobs={"no_such_slider": 1.0})


def test_charts_feed_and_scorecard(model_at_2025_06):
    m = model_at_2025_06
    for key, _, _ in ac.CHARTS:
        png = ac.render_chart(key, m)
        assert png.startswith(b"\x89PNG") and len(png) > 5000
    chart = ac.DeparturesChart(m)
    first = chart.render(m)
    assert chart.render(m) == first  # redrawing the same month gives the same picture
    steps, cum, whose = ac.departures_so_far(m)
    assert whose == "the six" and cum == sorted(cum)
    lines = ac.feed(m, limit=500)
    assert lines and all(str(ln).startswith(ln.date + " " + ln.firm + ": ") for ln in lines)
    assert [ln.date for ln in lines] == sorted((ln.date for ln in lines), reverse=True)
    texts = {ln.type: ln.text for ln in lines}
    assert texts["release"].startswith("releases")
    assert any(ln.text == "releases DeepSeek-R1 (open weights)" and ln.date == "2025-01" for ln in lines)
    rows, error = ac.scorecard(m)
    assert not error and rows and {r.status for r in rows} <= {ac.HOLDS, ac.MISSES, ac.WAITING, ac.NOT_APPLICABLE}
    assert "hold" in ac.scorecard_summary(rows) and "<table" in ac.scorecard_html(rows)


def test_describe_events():
    d = ac.describe
    assert d({"type": "pivot", "detail": "pivots to medicine"}) == "pivots to medicine"
    assert d({"type": "release", "detail": "open-weight DeepSeek-R1, 0.10 doublings below frontier"}) == \
        "releases DeepSeek-R1 (open weights)"
    assert d({"type": "departure", "role": "technical", "destination": "giant:ByteDance"}) == \
        "a technical executive leaves for ByteDance"
    assert d({"type": "departure", "role": "commercial", "destination": "founded:coding"}) == \
        "a commercial executive leaves to found a coding startup"
    assert d({"type": "funding_round", "amount_usd": 1.5e8, "detail": "venture round"}) == \
        "raises $150M (venture round)"
    assert ac.money(2.5e9) == "$2.5B" and ac.money(576240.0) == "$576K"
