"""The interactive page (a purpose-built Solara page): students change the story and watch it unfold.

Start it with ``python -m sim app`` (see ``docs/app.md``). The page has

* in the sidebar: a scenario picker (the files in ``scenarios/``) and sliders for the most
  influential parameters ("What if...?"), each with its unit and meaning;
* on top, always in view: the simulated month (``YYYY-MM``), the state of the market, and the
  controls: Reset, Step, ▶ (play) / ❚❚ (pause), Run to the end, the seed;
* four tabs: the run (charts with captions, the event feed with each event's cause, the
  article's scorecard), a comparison of two runs, downloads (CSV tables, PNG charts), and
  "About the model" (mechanisms, glossary, real history, the project's docs).

Every browser session gets its own :class:`sim.app_session.Explorer` (scenario, values, model);
nothing is shared between visitors. Steps, Resets, runs to the end, play and comparisons run in
a background thread (a solara task), one at a time: the buttons are disabled meanwhile and a
click is ignored. When the tab is closed (the session's kernel ends) play stops and the model is
freed.

Not Mesa's SolaraViz: its Reset rebuilt the model from its own parameter widgets (not the
scenario shown), its sliders rounded the scenario's values to their steps, its step counter and
play loop could not be made busy-aware, and its page tabs and title could not be named.
"""

from __future__ import annotations

import html
import math
import threading
from collections.abc import Callable
from typing import Any

import reacton.ipywidgets as rw
import solara
import solara.lab

from . import app_about, app_compare, app_export
from . import app_components as ac
from .app_session import (
    BUSY_LABELS,
    KNOBS,
    Explorer,
    initial_label,
    knob_defaults,
    knob_grid,
    load_cached,
    scenario_files,
)
from .palette import RUN_COLOURS

TITLE = "China's large-model startups: an explorer"
#: Pause between two months while playing (seconds): slow enough to read the feed.
PLAY_INTERVAL_S = 0.25
CHART_LAYOUT = {"width": "100%", "height": "auto", "max_height": "390px", "object_fit": "contain"}
BOX_STYLE = "height:300px;overflow-y:auto;font-size:13px;padding-right:4px"
CAPTION_STYLE = "font-size:12px;color:#555;margin:0 6px 8px 6px;line-height:1.3"


def _kernel_closed_event() -> threading.Event | None:
    """The browser session's "closed" event (None outside a solara server, e.g. the render test)."""
    try:
        return solara.lifecycle.kernel_closed_event()
    except (RuntimeError, AttributeError):
        return None


def _page_connected() -> Callable[[], bool]:
    """A function telling whether a browser tab still shows this session (always True outside a
    solara server): a tab closed while playing stops the play loop at the next month."""
    try:
        from solara.server import kernel_context

        context = kernel_context.get_current_context()
    except Exception:  # noqa: BLE001 - no server (the render test): always shown
        return lambda: True
    return lambda: kernel_context.PageStatus.CONNECTED in context.page_status.values()


def _markdown(text: str) -> None:
    """A paragraph of markdown, rendered on the server (offline; no KaTeX from a CDN)."""
    solara.HTML(tag="div", unsafe_innerHTML=app_about.md_html(text), style="font-size:14px")


# ------------------------------------------------------------------------------------ the run
@solara.component
def Chart(key: str, cls: type[ac.LiveChart], ex: Explorer, tick: int):
    """One chart at the model's month, with its caption (units and meaning)."""
    model = ex.model
    chart = solara.use_memo(lambda: cls(model), [id(model)])

    def draw() -> bytes:
        with ex.model_lock:
            return chart.render(model)

    png = solara.use_memo(draw, [id(model), model.t, tick])
    with solara.Column(gap="0px", classes=[f"sim-chart-box-{key}"]):
        rw.Image(value=png, format="png", layout=CHART_LAYOUT, _dom_classes=["sim-chart", f"sim-chart-{key}"])
        solara.Text(ac.CAPTIONS[key], style=CAPTION_STYLE, classes=["sim-caption"])


@solara.component
def EventFeed(ex: Explorer, tick: int):
    """The model's events as they happen, newest first, each with why it happened."""
    with ex.model_lock:
        lines = ac.feed(ex.model, causes=ex.causes)
        n = len(ex.model.recorder.events["date"])
    with solara.Card("Events as they happen, and why", subtitle=f"{n} so far, newest first · "
                     "highlighted: real dated releases; the rest is simulated", margin=0, classes=["sim-feed"]):
        solara.HTML(tag="div", unsafe_innerHTML=ac.feed_html(lines), style=BOX_STYLE, classes=["sim-feed-list"])


@solara.component
def Scorecard(ex: Explorer, tick: int):
    """The article's patterns: which hold in this run so far."""
    with ex.model_lock:
        rows, error = ac.scorecard(ex.model)
        date = ex.model.date
    if error:
        subtitle = error
    elif not rows:
        subtitle = "press Step or ▶: the patterns are checked as the months pass"
    else:
        subtitle = f"as of {date}: {ac.scorecard_summary(rows)}"
    with solara.Card("The article's patterns in this run", subtitle=subtitle, margin=0, classes=["sim-scorecard"]):
        solara.HTML(tag="div", unsafe_innerHTML=ac.scorecard_html(rows), style=BOX_STYLE)


@solara.component
def RunTab(ex: Explorer, tick: int):
    charts = {key: cls for key, _, cls in ac.CHARTS}
    rows = [("strategies", EventFeed), ("survivors", "capability"), ("runway", "mau"), ("departures", Scorecard)]
    for left, right in rows:
        with solara.Columns([1, 1], gutters_dense=True):
            Chart(left, charts[left], ex, tick)
            if isinstance(right, str):
                Chart(right, charts[right], ex, tick)
            else:
                right(ex, tick)


# ------------------------------------------------------------------------------------ status and controls
def status_html(ex: Explorer) -> str:
    """The month, large; the scenario, seed and changed values; the market in one line."""
    model = ex.model
    found, alive, pivoted, exited = model.counts()
    _, cum, whose = ac.departures_so_far(model)
    n = model.calendar.n_steps
    labels = {k.key: k.label for k in KNOBS}
    changed = ", ".join(f"{labels[k]} {v:g}" for k, v in model.overrides.items())
    sentiment = model.recorder.model["vc_sentiment"][-1] if model.t else model.sentiment
    parts = [f"{found} of {alive + exited} startups still train foundation models", f"{pivoted} pivoted",
             f"{exited} exited",
             f"{cum[-1] if cum else 0} executive departures from {whose} since {ac.DEPARTURES_START}",
             f"investor sentiment {sentiment:.2f}" if math.isfinite(sentiment) else ""]
    line = " · ".join(p for p in parts if p)
    status = "the end of the scenario" if model.t >= n else ("press Step or ▶ to start" if model.t == 0 else "")
    scenario = f"scenario <b>{html.escape(model.sc.name)}</b>, seed {model.seed_value}" + (
        f" · changed: {html.escape(changed)}" if changed else " · the scenario's own values")
    return (
        '<div style="display:flex;align-items:baseline;gap:16px;flex-wrap:wrap">'
        f'<span class="sim-date" style="font-size:30px;font-weight:bold;font-family:monospace">{model.date}</span>'
        f'<span class="sim-month" style="font-size:14px;color:#555">month {model.t} of {n}'
        f'{" — " + status if status else ""}</span>'
        f'<span class="sim-scenario-line" style="font-size:13px;color:#555">{scenario}</span></div>'
        f'<div class="sim-summary" style="font-size:13.5px">{html.escape(line)}</div>')


@solara.component
def Controls(ex: Explorer, tick: int, act: Any, redraw: Any):
    """Reset, Step, ▶/❚❚, Run to the end and the seed, with a busy state and inline messages."""
    model = ex.model
    busy = bool(ex.busy)
    playing = ex.busy == "play"

    def set_seed(text: str) -> None:
        ex.set_seed_text(text)
        redraw()

    def pause() -> None:
        ex.playing = False

    with solara.Row(gap="8px", style={"align-items": "center", "flex-wrap": "wrap"}, classes=["sim-controls"]):
        solara.Button("Reset", on_click=lambda: act("reset"), disabled=busy, color="primary",
                      classes=["sim-reset"])
        solara.Button("Step", on_click=lambda: act("step"), disabled=busy or not model.running,
                      outlined=True, classes=["sim-step"])
        if playing:
            solara.Button("❚❚ Pause", on_click=pause, outlined=True, classes=["sim-pause"])
        else:
            solara.Button("▶ Play", on_click=lambda: act("play"), disabled=busy or not model.running,
                          outlined=True, classes=["sim-play"])
        solara.Button("Run to the end", on_click=lambda: act("end"), disabled=busy or not model.running,
                      outlined=True, classes=["sim-end"])
        with solara.Div(style={"width": "220px"}):
            solara.InputText("Seed (whole number ≥ 0)", value=ex.seed_text, on_value=set_seed,
                             continuous_update=True, error=ex.seed_error or False,
                             message=ex.seed_error or "used at Reset", dense=True, classes=["sim-seed"])
        if busy:
            solara.Text(BUSY_LABELS[ex.busy], classes=["sim-busy"],
                        style="color:#0072B2;font-weight:bold")
        elif ex.pending():
            solara.Text("Press Reset to start again with the values set.", classes=["sim-pending"],
                        style="color:#B35900;font-weight:bold;font-size:13px")


@solara.component
def Header(ex: Explorer, tick: int, act: Any, redraw: Any):
    with ex.model_lock:
        status = status_html(ex)
    with solara.Column(gap="2px", style={"padding": "2px 8px 4px 8px"}, classes=["sim-header"]):
        solara.HTML(tag="div", classes=["sim-status"], unsafe_innerHTML=status)
        Controls(ex, tick, act, redraw)


# ------------------------------------------------------------------------------------ the sidebar
@solara.component
def ScenarioCard(ex: Explorer, tick: int, pick: Any):
    """Pick a shipped scenario: it starts at once, at its own values."""
    sc = load_cached(ex.files[ex.label])
    with solara.Card("1. Scenario", classes=["sim-scenario"], margin=0):
        solara.Select("Scenario", values=list(ex.files), value=ex.label, on_value=pick,
                      classes=["sim-scenario-select"])
        if sc.description:
            solara.Text(sc.description, style="font-size:12.5px;color:#555")


@solara.component
def Knob(ex: Explorer, tick: int, index: int, redraw: Any):
    """One slider: its label and value (red, with the scenario's value, once moved), its meaning on
    hover; it moves along a grid that holds the scenario's value exactly."""
    k = KNOBS[index]
    value, own = ex.values[k.arg], ex.defaults[k.arg]
    grid = knob_grid(k, own, value)

    def on_index(i: int) -> None:
        ex.set_knob(k.arg, grid[max(0, min(int(i), len(grid) - 1))])
        redraw()

    moved = value != own
    text = f"{k.label}: {value:g} {k.unit}" + (f"  (scenario: {own:g})" if moved else "")
    with solara.Tooltip(f"{k.help} Unit: {k.unit}. Range {k.lo:g} to {k.hi:g}; the scenario's value: {own:g}."):
        solara.Text(text, classes=["sim-knob-label"],
                    style="font-size:13px;font-weight:500" + (";color:#CC0000" if moved else ""))
    with solara.Div(classes=["sim-knob-slider"]):  # its label names it for screen readers; the line above shows it
        solara.SliderInt(k.label, value=grid.index(value), min=0, max=len(grid) - 1, on_value=on_index,
                         thumb_label=False, tick_labels=False)


@solara.component
def KnobsCard(ex: Explorer, tick: int, redraw: Any):
    def back() -> None:
        ex.scenario_values()
        redraw()

    with solara.Card("2. What if…?", subtitle="In force at Reset. Hover a name for what it means.",
                     classes=["sim-knobs"], margin=0):
        for i in range(len(KNOBS)):
            Knob(ex, tick, i, redraw)
        solara.Button("Scenario's values", on_click=back, small=True, outlined=True,
                      disabled=ex.values == ex.defaults, classes=["sim-own-values"])


# ------------------------------------------------------------------------------------ compare, data, about
@solara.component
def CompareTab(ex: Explorer, tick: int, act: Any):
    choice, set_choice = solara.use_state(app_compare.OWN_VALUES)
    options = [app_compare.OWN_VALUES] + [label for label in ex.files if label != ex.label]

    def run() -> None:
        ex.compare_with = choice
        act("compare")

    _markdown("Run the story shown **and** the same seed with one change, both to the end, and set their "
                    "outcomes side by side. The change is the scenario's own values (what did my sliders do?) "
                    "or another scenario (what if history had been different?).")
    with solara.Row(style={"align-items": "center"}):
        with solara.Div(style={"width": "420px"}):
            solara.Select("Compare the run shown with", values=options, value=choice if choice in options
                          else app_compare.OWN_VALUES, on_value=set_choice, classes=["sim-compare-select"])
        solara.Button("Run both to the end", on_click=run, disabled=bool(ex.busy), color="primary",
                      classes=["sim-compare-run"])
    c = ex.comparison
    png = solara.use_memo(lambda: app_compare.compare_png(c) if c is not None else b"", [id(c)])
    if c is None:
        return
    rows = "".join(f"<tr><td style='padding:3px 10px 3px 0'>{html.escape(k)}</td><td><b>{html.escape(a)}</b></td>"
                   f"<td><b>{html.escape(b)}</b></td></tr>" for k, a, b in c.rows())
    head = (f"<tr><th align=left>outcome</th><th align=left style='color:{RUN_COLOURS[0]}'>"
            f"{html.escape(c.shown.name)}<br><small>{html.escape(c.shown.setup)}</small></th>"
            f"<th align=left style='color:{RUN_COLOURS[1]}'>{html.escape(c.other.name)}<br>"
            f"<small>{html.escape(c.other.setup)}</small></th></tr>")
    solara.HTML(tag="table", unsafe_innerHTML=head + rows, classes=["sim-compare-table"],
                style="border-collapse:collapse;font-size:13.5px;margin:8px 0")
    rw.Image(value=png, format="png", layout={"max_width": "800px"}, _dom_classes=["sim-compare-chart"])
    solara.FileDownload(png, filename="comparison.png", label="Download this chart (PNG)", mime_type="image/png")


@solara.component
def DataTab(ex: Explorer, tick: int):
    model = ex.model
    stem = app_export.file_stem(model)

    def csv(name: str):
        def data() -> bytes:
            with ex.model_lock:
                return app_export.table_csv(model, name, list(ex.causes))
        return data

    def png(key: str):
        def data() -> bytes:
            with ex.model_lock:
                return ac.render_chart(key, model)
        return data

    _markdown(f"The run shown, **{html.escape(model.sc.name)}**, seed {model.seed_value}, up to "
                    f"**{model.date}** (month {model.t}). Columns are described in docs/outputs.md "
                    "(tab *About the model*); the events table also says why each event happened.")
    with solara.Row(style={"flex-wrap": "wrap"}, classes=["sim-downloads"]):
        for name, what in (("model", "one row per month"), ("firms", "one row per firm and month"),
                           ("events", "one row per event, with its cause")):
            solara.FileDownload(csv(name), filename=f"{stem}_{name}.csv", label=f"{name}.csv ({what})",
                                mime_type="text/csv")
    _markdown("**Charts** at the current month (PNG):")
    with solara.Row(style={"flex-wrap": "wrap"}, classes=["sim-downloads-png"]):
        for key, title, _ in ac.CHARTS:
            solara.FileDownload(png(key), filename=f"{stem}_{key}.png", label=title, mime_type="image/png")
        solara.FileDownload(lambda: app_export.charts_zip(model), filename=f"{stem}_charts.zip",
                            label="all charts (zip)", mime_type="application/zip")


@solara.component
def AboutTab(ex: Explorer, tick: int):
    doc, set_doc = solara.use_state(app_about.DOCS[0][0])
    with solara.Columns([1, 1]):
        with solara.Column():
            solara.HTML(tag="div", unsafe_innerHTML="<h3>How the model works</h3>"
                        + app_about.mechanisms_html(ex.model), classes=["sim-about"], style="font-size:14px")
        with solara.Column():
            solara.HTML(tag="div", unsafe_innerHTML="<h3>Words</h3>" + app_about.glossary_html(ex.model),
                        classes=["sim-glossary"], style="font-size:14px")
            solara.HTML(tag="div", unsafe_innerHTML="<h3>Real history and simulated events</h3>"
                        + app_about.history_html(ex.model), classes=["sim-history-list"], style="font-size:14px")
    _markdown("### The project's documents\nThe files in the repository's `docs/` folder, shown here "
                    "(no internet needed).")
    labels = {f"docs/{name}: {what}": name for name, what in app_about.DOCS}
    current = next(label for label, name in labels.items() if name == doc)
    with solara.Div(style={"width": "520px"}):
        solara.Select("Document", values=list(labels), value=current, on_value=lambda label: set_doc(labels[label]),
                      classes=["sim-doc-select"])
    solara.HTML(tag="div", unsafe_innerHTML=app_about.doc_html(doc), classes=["sim-doc"],
                style="font-size:14px;max-width:980px")


# ------------------------------------------------------------------------------------ the page
def _do(ex: Explorer, action: str, redraw: Any) -> None:
    """Run ``action`` for ``ex`` (in the background thread), then free the session for the next one."""
    try:
        if action == "reset":
            ex.reset()
        elif action == "step":
            ex.step()
        elif action == "end":
            ex.step(ex.model.calendar.n_steps)
        elif action == "play":
            ex.play(redraw, PLAY_INTERVAL_S)
        elif action == "compare":
            with ex.model_lock:
                shown = ex.model
            choice = getattr(ex, "compare_with", app_compare.OWN_VALUES)
            if choice == app_compare.OWN_VALUES:
                ex.comparison = app_compare.compare(shown, "with your values", None, "the scenario's own values",
                                                    ex.defaults)
            else:
                other = load_cached(ex.files[choice])
                ex.comparison = app_compare.compare(shown, ex.label, ex.files[choice], choice, knob_defaults(other))
    finally:
        ex.end()
        redraw()


@solara.component
def Page():
    """One browser session: its own :class:`Explorer` (nothing is shared between visitors)."""
    files = solara.use_memo(scenario_files, [])
    ex = solara.use_memo(lambda: Explorer(files, initial_label(files), _kernel_closed_event()), [])
    tick, set_tick = solara.use_state(0)
    tab, set_tab = solara.use_state(0)
    ex.connected = solara.use_memo(_page_connected, [])

    def redraw() -> None:
        set_tick(lambda t: t + 1)

    solara.use_effect(lambda: ex.close, [])  # the session ends: stop playing, free the model

    worker = solara.lab.use_task(lambda action: _do(ex, action, redraw), dependencies=None)

    def act(action: str) -> None:
        if action == "reset" and ex.seed_error:
            redraw()
            return  # the seed box already says what is wrong; nothing changes
        if ex.begin(action):
            redraw()
            worker(action)

    def pick(label: str | None) -> None:
        if label is None or label == ex.label or label not in ex.files:
            return
        ex.playing = False
        ex.pick(label)
        redraw()

    solara.Title(TITLE)
    solara.Style(".sim-knob-slider .v-label { display: none; } .sim-knob-slider .v-input { margin-top: 0; }")
    with solara.AppBar():
        solara.AppBarTitle(TITLE)
    with solara.Sidebar():
        with solara.Column(gap="8px"):
            ScenarioCard(ex, tick, pick)
            KnobsCard(ex, tick, redraw)
    with solara.Column(gap="0px", style={"width": "100%"}):
        Header(ex, tick, act, redraw)
        with solara.lab.Tabs(value=tab, on_value=set_tab, lazy=True):
            with solara.lab.Tab("The run", classes=["sim-tab-run"]):
                RunTab(ex, tick)
            with solara.lab.Tab("Compare two runs", classes=["sim-tab-compare"]):
                CompareTab(ex, tick, act)
            with solara.lab.Tab("Data and figures", classes=["sim-tab-data"]):
                DataTab(ex, tick)
            with solara.lab.Tab("About the model", classes=["sim-tab-about"]):
                AboutTab(ex, tick)
