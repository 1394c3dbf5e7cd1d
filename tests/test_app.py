"""The interactive page without a browser: solara renders the widget tree in-process.

Render the page (inside ``solara.AppLayout``, or the sidebar is not rendered) and drive it as a
student would: pick a scenario, move a slider, Reset, Step, type a bad seed; then the pieces
(the session, the causes, the comparison, the downloads) directly.
"""

from __future__ import annotations

import gc
import io
import os
import time
import weakref

import pytest

os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")  # before solara is imported

solara = pytest.importorskip("solara")
ipywidgets = pytest.importorskip("ipywidgets")
v = pytest.importorskip("ipyvuetify")

from conftest import ROOT  # noqa: E402

from sim import app, app_compare, app_explain, app_export  # noqa: E402
from sim import app_components as ac  # noqa: E402
from sim import app_session as s  # noqa: E402
from sim.commands import app as app_command  # noqa: E402
from sim.model import MarketModel, release  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402

WAIT_S = 30  # the page's actions run in a background thread; a test waits at most this long for one


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


def _click(rc, cls: str) -> None:
    rc.find(v.Btn, class_=cls).widget.click()


def _wait_status(rc, text: str) -> str:
    deadline = time.monotonic() + WAIT_S
    while True:
        status = _html(rc, "sim-status")
        if text in status:
            return status
        assert time.monotonic() < deadline, f"{text!r} never in the status: {status}"
        time.sleep(0.05)


def _render():
    return solara.render(solara.AppLayout(children=[app.Page()]), handle_error=False)[1]


def test_a_students_session():
    """Pick a scenario, move a slider, Reset: the scenario and the value hold; Step; a bad seed
    changes nothing; a second visitor's page stays where it was."""
    rc, other_visitor = _render(), _render()
    try:
        status = _html(rc, "sim-status")
        assert "2023-01" in status and "month 0 of 60" in status and "the scenario's own values" in status
        keys = [k for k, _, _ in ac.CHARTS]
        before = {k: _chart(rc, k) for k in keys}
        assert all(png.startswith(b"\x89PNG") for png in before.values())
        assert len(rc.find(v.Html, class_="sim-knob-label").widgets) == len(s.KNOBS)
        assert not rc.find(class_="sim-pending").widgets  # nothing to apply on a fresh page

        # -- pick another scenario, move a slider, Reset
        rc.find(v.Select, label="Scenario").widget.v_model = "no_open_source"
        _wait_status(rc, "scenario <b>no_open_source</b>")
        slider = rc.find(v.Slider, label="Investor sentiment").widget
        own = load_scenario(ROOT / "scenarios" / "no_open_source.toml").capital.sentiment_base
        grid = s.knob_grid(s.KNOB_BY_ARG["sentiment_base"], own)
        slider.v_model = grid.index(0.8)
        assert "Investor sentiment: 0.8" in str(rc.find(v.Html, class_="sim-knob-label").widgets[3].children)
        assert rc.find(class_="sim-pending").widgets  # "Press Reset ..."
        _click(rc, "sim-reset")
        status = _wait_status(rc, "changed: Investor sentiment 0.8")
        assert "scenario <b>no_open_source</b>" in status and "month 0 of 60" in status
        assert rc.find(v.Select, label="Scenario").widget.v_model == "no_open_source"

        # -- Step: the date advances, the charts and the feed change
        _click(rc, "sim-step")
        _wait_status(rc, "month 1 of 60")
        _click(rc, "sim-step")
        _wait_status(rc, "month 2 of 60")
        after = {k: _chart(rc, k) for k in keys}
        assert after["strategies"] != before["strategies"]
        for month in (3, 4):  # the first events of this seed: the releases of 2023-04
            _click(rc, "sim-step")
            _wait_status(rc, f"month {month} of 60")
        assert "why:" in _html(rc, "sim-feed-list")  # each event says its cause
        assert "month 0 of 60" in _html(other_visitor, "sim-status")  # sessions do not share a model

        # -- a bad seed: a message beside the box, Reset changes nothing
        rc.find(v.TextField, label="Seed (whole number ≥ 0)").widget.v_model = "abc"
        deadline = time.monotonic() + WAIT_S
        while not (seed := rc.find(v.TextField, label="Seed (whole number ≥ 0)").widget).error:
            assert time.monotonic() < deadline, "the bad seed never shows its error"
            time.sleep(0.05)  # the page re-renders the field after the change
        assert "whole number" in str(seed.messages)
        _click(rc, "sim-reset")
        time.sleep(0.2)
        assert "month 4 of 60" in _html(rc, "sim-status")
        seed.v_model = "7"
        _click(rc, "sim-reset")
        status = _wait_status(rc, "seed 7")
        assert "no_open_source" in status and "Investor sentiment 0.8" in status
    finally:
        rc.close()
        other_visitor.close()


def test_closing_the_page_frees_its_model(monkeypatch):
    made: list[s.Explorer] = []
    monkeypatch.setattr(app, "Explorer", lambda *a: made.append(s.Explorer(*a)) or made[-1])
    rc = _render()
    ex = made[0]
    model = weakref.ref(ex.model)
    rc.close()
    assert ex.is_closed() and ex.step() == 0 and not ex.begin("step")
    made.clear()
    del rc, ex
    gc.collect()
    assert model() is None, "a closed page's model is still referenced"


# ------------------------------------------------------------------------------------ the session
def test_every_scenario_opens_on_its_own_values_exactly():
    files = s.scenario_files()
    for label, path in files.items():
        ex = s.Explorer(files, label)
        own = s.knob_defaults(load_scenario(path))
        assert ex.values == own and ex.model.knobs == own and not ex.model.overrides and not ex.pending(), label
        for k in s.KNOBS:
            assert own[k.arg] in s.knob_grid(k, own[k.arg]), (label, k.arg)
        ex.close()


def test_reset_untouched_runs_the_same_story_as_sim_run():
    files = s.scenario_files()
    ex = s.Explorer(files, "baseline")
    ex.set_seed_text("3")
    assert ex.reset()
    ex.step(ex.model.calendar.n_steps + 1)
    ref = MarketModel(load_scenario(ROOT / "scenarios" / "baseline.toml"), 3).run()
    assert ex.model.recorder.model == ref.model and ex.model.recorder.events == ref.events
    assert len(ex.causes) == len(ref.events["date"])
    ex.close()


def test_bad_seed_and_one_action_at_a_time():
    ex = s.Explorer(s.scenario_files(), "baseline")
    model = ex.model
    for bad in ("abc", "-1", "3.5", "", "  "):
        ex.set_seed_text(bad)
        assert ex.seed_error.startswith("expected a whole number >= 0"), bad
        assert not ex.reset() and ex.model is model
    ex.set_seed_text(" 12 ")
    assert not ex.seed_error and ex.pending() and ex.reset() and ex.model.seed_value == 12
    assert ex.begin("step") and not ex.begin("reset")  # a second click while one action runs is ignored
    ex.end()
    assert ex.begin("reset")
    ex.end()
    ex.close()
    with pytest.raises(s.InputError):
        s.AppModel(seed="x")
    with pytest.raises(s.InputError):
        s.AppModel(knobs={"no_such_slider": 1.0})


def test_causes_say_why_and_history_is_marked():
    ex = s.Explorer(s.scenario_files(), "baseline")
    ex.step(60)
    lines = ac.feed(ex.model, limit=10_000, causes=ex.causes)
    by_type = {}
    for ln in lines:
        by_type.setdefault(ln.type, []).append(ln)
    pivots = by_type["pivot"]
    assert pivots and all("runway" in ln.cause and "open models" in ln.cause for ln in pivots), pivots[:2]
    assert all(ln.cause for t in ("departure", "funding_round", "release") for ln in by_type[t])
    r1 = [ln for ln in lines if ln.text == "releases DeepSeek-R1 (open weights)"]
    assert r1 and r1[0].history == "real release (2025-01)" and r1[0].date == "2025-01"
    assert all(not ln.history for ln in by_type["pivot"])
    assert "simulated" in ac.feed_html(lines[:5]) or "real release" in ac.feed_html(lines[:5])
    ex.close()


def test_compare_and_downloads():
    pd = pytest.importorskip("pandas")
    ex = s.Explorer(s.scenario_files(), "baseline")
    ex.set_knob("shift_months", 12)
    assert ex.reset()
    ex.step(5)
    c = app_compare.compare(ex.model, "with your values", None, "own values", ex.defaults)
    rows = c.rows()
    assert rows and all(a and b for _, a, b in rows)
    assert c.shown.dates[-1] == "2027-12" and c.shown.n_foundation != c.other.n_foundation or \
        c.shown.outcomes != c.other.outcomes
    assert app_compare.compare_png(c).startswith(b"\x89PNG")
    events = pd.read_csv(io.BytesIO(app_export.table_csv(ex.model, "events", ex.causes)))
    assert {"date", "firm", "type", "cause", "history"} <= set(events.columns) and len(events) == len(ex.causes)
    model_table = pd.read_csv(io.BytesIO(app_export.table_csv(ex.model, "model")))
    assert list(model_table["date"]) == ["2023-01", "2023-02", "2023-03", "2023-04", "2023-05"]
    assert app_export.charts_zip(ex.model)[:2] == b"PK"
    ex.close()


def test_host_warning(monkeypatch, capsys):
    import solara.__main__ as solara_main

    monkeypatch.setattr(solara_main.run, "main", lambda *a, **k: None)
    for host, warned in (("0.0.0.0", True), ("192.168.1.5", True), ("127.0.0.1", False), ("localhost", False),
                         ("::1", False)):
        args = app_command.argparse.Namespace(port=8765, scenario=None, host=host)
        assert app_command.cmd_app(args) == 0
        assert ("warning: --host" in capsys.readouterr().err) == warned, host


# ------------------------------------------------------------------------------------ the pieces
@pytest.fixture(scope="module")
def model_at_2025_06():
    m = s.AppModel()
    for _ in range(30):
        m.step()
    yield m
    release(m)


def test_charts_feed_and_scorecard(model_at_2025_06):
    m = model_at_2025_06
    for key, _, _ in ac.CHARTS:
        png = ac.render_chart(key, m)
        assert png.startswith(b"\x89PNG") and len(png) > 5000
        assert ac.CAPTIONS[key]
    chart = ac.DeparturesChart(m)
    first = chart.render(m)
    assert chart.render(m) == first  # redrawing the same month gives the same picture
    steps, cum, whose = ac.departures_so_far(m)
    assert whose == "the six" and cum == sorted(cum)
    lines = ac.feed(m, limit=500)
    assert lines and all(str(ln).startswith(ln.date + " " + ln.firm + ": ") for ln in lines)
    assert [ln.date for ln in lines] == sorted((ln.date for ln in lines), reverse=True)
    rows, error = ac.scorecard(m)
    assert not error and rows and {r.status for r in rows} <= {ac.HOLDS, ac.MISSES, ac.WAITING, ac.NOT_APPLICABLE}
    assert {r.id: r.status for r in rows}["T17"] == ac.WAITING  # 2027-12 is not reached yet
    assert "hold" in ac.scorecard_summary(rows) and "<table" in ac.scorecard_html(rows)
    assert app_explain.months(4.2) == "4 months" and app_explain.months(float("inf")) == "no spending to cover"


def test_events_download_marks_dated_releases(model_at_2025_06):
    t = app_export.table(model_at_2025_06, "events")
    names, history = t.column("release_name").to_pylist(), t.column("history").to_pylist()
    dated = [h for n, h in zip(names, history, strict=True) if n == "DeepSeek-V2"]
    assert dated and dated[0].startswith("real release ("), dated
    assert all(not h for n, h in zip(names, history, strict=True) if not n)


def test_about_tab_follows_the_month_and_the_scenario(baseline):
    from sim import app_about
    from sim.month import MONTH

    def about(scenario):
        model = MarketModel(scenario, 0)
        try:
            return app_about.mechanisms_text(model)
        finally:
            release(model)

    sc = baseline.with_overrides({"exits.exit_runway_months": 3.5, "entry.enabled": True, "time.end": "2026-06",
                                  "population.startups": 4, "demand.standing_sd_per_month": 0.1})
    text = about(sc)
    heads = [line.split("**")[1].rstrip(".") for line in text.splitlines() if line[:1].isdigit()]
    assert heads == [m.STUDENT[0] for m in MONTH]
    assert "10 Chinese large-model startups" in text and "4 generic" in text and "joined by entrants" in text
    assert f"from {sc.time.start} to 2026-06" in text and "under 3.5 months of cash" in text
    assert "switched off" not in text
    off = about(sc.with_overrides({"demand.standing_sd_per_month": 0.0,
                                   "demand.capacity_half_revenue_usd_per_month": 0.0}))
    assert "loses (switched off in this scenario)" in off and "*customer capital* (switched off" in off


def test_every_slider_reads_a_scenario_value(baseline):
    values = s.knob_defaults(baseline)
    assert set(values) == {k.arg for k in s.KNOBS} and all(isinstance(v, int | float) for v in values.values())
    assert values["sentiment_base"] == baseline.capital.sentiment_base


def test_describe_events():
    d = ac.describe
    assert d({"type": "pivot", "detail": "pivots to medicine"}) == "pivots to medicine"
    assert d({"type": "release", "detail": "open-weight DeepSeek-R1, 0.10 doublings below frontier",
              "release_name": "DeepSeek-R1", "open_weights": True}) == \
        "releases DeepSeek-R1 (open weights)"
    assert d({"type": "departure", "role": "technical", "destination": "giant:ByteDance"}) == \
        "a technical executive leaves for ByteDance"
    assert d({"type": "release", "detail": "ignored", "model_number": 3, "gap_doublings": 0.5}) == \
        "releases its model #3 (0.50 doublings behind the frontier)"
    assert d({"type": "price_cut", "detail": "ignored", "price_from": 2.0, "price_to": 1.25}) == \
        "cuts its API price: 2.000 → 1.250 USD/Mtok"
    assert d({"type": "exit", "detail": "ignored", "acquirer": "Alibaba"}) == "is absorbed by Alibaba"
    assert d({"type": "exit", "detail": "ignored", "acquirer": ""}) == "shuts down"
    assert d({"type": "funding_round", "amount_usd": 1.5e8, "detail": "venture round"}) == \
        "raises $150M (venture round)"
    assert ac.money(2.5e9) == "$2.5B" and ac.money(576240.0) == "$576K"


def test_every_action_the_page_starts_names_itself_while_it_runs():
    """Each action the page hands to the session (``act("...")`` in sim/app.py and sim/app_compare.py) has its busy
    label: the page shows it while the action runs, and the browser test waits for the run to the end's own."""
    import re

    from sim.app_session import BUSY_LABELS

    sources = (ROOT / "sim" / "app.py").read_text() + (ROOT / "sim" / "app_compare.py").read_text()
    actions = set(re.findall(r'act\("(\w+)"\)', sources))
    assert {"reset", "step", "play", "end", "compare"} <= actions
    assert actions == set(BUSY_LABELS), actions ^ set(BUSY_LABELS)
