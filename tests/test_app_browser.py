"""The interactive page end to end, in headless Chromium driven by Playwright, with no internet.

Starts ``python -m sim app --port <free port>`` as a subprocess and opens the page (1366x768, a
school laptop) with every request to anything but this machine blocked (``route``), then does
what a student does: picks a scenario, moves a slider, resets, types a bad seed, runs to the end,
plays another scenario, compares two runs, downloads a table. Screenshots go to the test's
temporary folder.

Needs Debian's ``chromium`` (``/usr/bin/chromium``; ``.ci/install-browser`` installs it) and the
``playwright`` package; it never downloads a browser. Set ``SIM_APP_SCREENSHOT=docs/images/app.png``
to also write the README's screenshot (the baseline played on to 2025-06).
"""

from __future__ import annotations

import io
import math
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from sim.app_session import BUSY_LABELS, KNOB_BY_ARG, KNOBS, knob_grid
from sim.model import MarketModel
from sim.scenario import load_scenario

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).resolve().parents[1]
VIEWPORT = {"width": 1366, "height": 768}
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
START_TIMEOUT_S = 120
UI_TIMEOUT_MS = 60_000
#: Longest wait for a whole run played to its end (60 months of charts; a loaded 2-core machine took over 60 s).
RUN_TIMEOUT_MS = 4 * UI_TIMEOUT_MS
#: How long a click on "Run to the end" may take to show its effect before it is made again: a click that lands while
#: the session is still busy with the previous action (a Reset the page has not yet redrawn as busy) is ignored by
#: design (sim.app_session.Explorer.begin).
CLICK_TAKES_MS = 10_000
SERVER_PID: dict[str, int] = {}  # url -> process id of the server started for this module

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="/usr/bin/chromium is absent (install it with .ci/install-browser)")
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    """``python -m sim app`` on a free port of 127.0.0.1, until the module's tests are done."""
    port = _free_port()
    log_path = tmp_path_factory.mktemp("app") / "server.log"
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False", "PYTHONUNBUFFERED": "1"}
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "sim", "app", "--port", str(port)], cwd=ROOT, env=env,
                                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"python -m sim app exited with {proc.returncode}:\n{log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(url, timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"python -m sim app did not serve within {START_TIMEOUT_S} s:\n"
                            f"{log_path.read_text()[-3000:]}")
            time.sleep(0.5)
        SERVER_PID[url] = proc.pid
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def app_server_pid(app_url):
    """The process id of the server behind ``app_url``."""
    return SERVER_PID[app_url]


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser, app_url):
    """A fresh browser context (its own session) on the page, offline; checks nothing left the machine."""
    blocked: list[str] = []
    errors: list[str] = []

    def route(r):
        url = r.request.url
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob") or parts.hostname in LOCAL_HOSTS:
            r.continue_()
        else:
            blocked.append(url)
            r.abort()

    ctx = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    try:
        ctx.route("**/*", route)
        pg = ctx.new_page()
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.goto(app_url, timeout=UI_TIMEOUT_MS)
        pg.locator(".sim-date").wait_for(timeout=UI_TIMEOUT_MS)
        pg.locator("img.sim-chart-strategies").wait_for(timeout=UI_TIMEOUT_MS)
        yield pg
        assert not blocked, f"the page asked for things off this machine: {blocked[:5]}"
        assert not errors, f"errors in the page: {errors[:5]}"
        assert "Traceback" not in pg.inner_text("body")
    finally:
        ctx.close()


def _status(page, text: str) -> None:
    page.locator(".sim-status", has_text=text).wait_for(timeout=UI_TIMEOUT_MS)


def _month(page, n: int, timeout_ms: int = UI_TIMEOUT_MS) -> None:
    page.locator(".sim-month", has_text=f"month {n} of").wait_for(timeout=timeout_ms)


def _month_reached(page, n: int, timeout_ms: int = UI_TIMEOUT_MS) -> None:
    """Wait until the page shows month ``n`` or a later one: while a run plays, a loaded browser may draw a month's
    successor before it has drawn the month itself."""
    page.wait_for_function(
        """n => { const el = document.querySelector('.sim-month');
                  const m = el && el.textContent.match(/month (\\d+) of/); return m !== null && Number(m[1]) >= n; }""",
        arg=n, timeout=timeout_ms)


def _button(page, name: str):
    return page.get_by_role("button", name=name, exact=True)


def _pick(page, label: str) -> None:
    page.locator(".sim-scenario-select").click()
    page.get_by_role("option", name=label, exact=True).click()
    _status(page, f"scenario {label},")


def _idle(page) -> None:
    page.locator(".sim-busy").wait_for(state="detached", timeout=UI_TIMEOUT_MS)


def _click_until(page, name: str, started) -> None:
    """Click the button ``name`` until ``started`` (a locator) shows, at most 3 times: a click that lands while the
    session is still busy is ignored, by design."""
    for _ in range(3):
        _button(page, name).click()
        try:
            started.first.wait_for(timeout=CLICK_TAKES_MS)
            return
        except sync_api.TimeoutError:
            continue  # the click landed while the session was busy: it was ignored


def _run_to_end(page, timeout_ms: int = RUN_TIMEOUT_MS) -> None:
    """Click "Run to the end" until the run has started (its own busy label, or already the last month), then wait
    for the last month. Only the run's label counts: a Reset still finishing shows a busy label too, and a click
    meanwhile is ignored."""
    _click_until(page, "Run to the end",
                 page.locator(".sim-busy", has_text=BUSY_LABELS["end"])
                 .or_(page.locator(".sim-month", has_text="month 60 of")))
    _month(page, 60, timeout_ms)


def test_opens_on_the_scenarios_values_with_controls_in_view(page, tmp_path):
    assert page.title().startswith("China's large-model startups")
    _month(page, 0)
    _status(page, "the scenario's own values")
    assert page.locator(".sim-pending").count() == 0  # nothing to apply on a page no one touched
    labels = page.locator(".sim-knob-label").all_inner_texts()
    base = load_scenario(ROOT / "scenarios" / "baseline.toml")
    assert f"Investor sentiment: {base.capital.sentiment_base:g} (scale 0-1)" in labels, labels
    assert f"Talent poaching by the giants: {base.talent.poaching_weight:g} weight (multiplier)" in labels
    assert f"Enterprise demand maturing: {base.demand.enterprise_maturity_per_month:g} per month" in labels
    names = page.locator("[role=slider]").evaluate_all("els => els.map(e => e.getAttribute('aria-label'))")
    assert names == [k.label for k in KNOBS]
    for name in ("Reset", "Step", "▶ Play", "Run to the end"):  # in view without scrolling
        box = _button(page, name).bounding_box()
        assert box and box["y"] + box["height"] <= VIEWPORT["height"], name
    for tab in ("The run", "Compare two runs", "Data and figures", "About the model"):
        page.get_by_role("tab", name=tab).wait_for()
    page.screenshot(path=str(tmp_path / "opened.png"))


def test_pick_a_scenario_move_a_slider_reset(page, tmp_path):
    _pick(page, "no_open_source")
    slider = page.get_by_role("slider", name="Investor sentiment")
    slider.focus()
    own = load_scenario(ROOT / "scenarios" / "no_open_source.toml").capital.sentiment_base
    grid = knob_grid(KNOB_BY_ARG["sentiment_base"], own)
    moved = f"{grid[grid.index(own) + 2]:g}"  # two grid points up: the scenario's value is a point of the grid
    slider.press("ArrowRight")
    slider.press("ArrowRight")
    page.locator(".sim-knob-label", has_text=f"Investor sentiment: {moved}").wait_for(timeout=UI_TIMEOUT_MS)
    page.locator(".sim-pending").wait_for(timeout=UI_TIMEOUT_MS)
    _button(page, "Reset").click()
    _status(page, f"changed: Investor sentiment {moved}")
    _status(page, "scenario no_open_source,")
    assert "no_open_source" in page.locator(".sim-scenario-select").inner_text()
    assert page.locator(".sim-pending").count() == 0
    _button(page, "Step").click()
    _month(page, 1)
    _status(page, f"changed: Investor sentiment {moved}")  # the value holds as the months pass
    page.screenshot(path=str(tmp_path / "picked.png"))


def test_reset_untouched_runs_the_story_of_sim_run(page):
    _button(page, "Reset").click()
    _idle(page)
    _run_to_end(page)
    expected = MarketModel(load_scenario(ROOT / "scenarios" / "baseline.toml"), 0).run().model
    found = expected["n_foundation"][expected["date"].index("2027-12")]
    assert page.locator(".sim-date").inner_text() == "2027-12"
    _status(page, f"{found} of ")
    summary = page.locator(".sim-summary").inner_text()
    assert summary.startswith(f"{found} of "), (summary, found)


def test_the_readmes_try_flat_costs_keeps_a_startup_training(page, tmp_path):
    """The README's suggestion, as a student does it: the training-cost slider to its lowest value (Home), Reset,
    Run to the end; the page ends on the story of the model run with that value (one or two still training in
    seed 0)."""
    slider = page.get_by_role("slider", name="Training-cost growth")
    slider.focus()
    slider.press("Home")
    page.locator(".sim-knob-label", has_text="Training-cost growth: 1 ").wait_for(timeout=UI_TIMEOUT_MS)
    _button(page, "Reset").click()
    _status(page, "changed: Training-cost growth 1")  # the slider's value is in force
    _idle(page)
    _run_to_end(page)
    sets = ["technology.run_cost_growth_per_year=1.0"]
    expected = MarketModel(load_scenario(ROOT / "scenarios" / "baseline.toml", sets), 0).run().model
    found = expected["n_foundation"][-1]
    assert 1 <= found <= 2
    summary = page.locator(".sim-summary").inner_text()
    assert summary.startswith(f"{found} of 6"), (summary, found)
    page.screenshot(path=str(tmp_path / "try.png"), full_page=True)


def test_bad_seed_gets_a_message_and_changes_nothing(page):
    seed = page.get_by_label("Seed (whole number ≥ 0)")
    for bad in ("abc", "-1", "3.5", ""):
        seed.fill(bad)
        page.get_by_text("expected a whole number >= 0").wait_for(timeout=UI_TIMEOUT_MS)
        _button(page, "Reset").click()
        _status(page, "seed 0")
        assert "Traceback" not in page.inner_text("body") and "/work/" not in page.inner_text("body")
    _button(page, "Step").click()  # the controls still work
    _month(page, 1)
    seed.fill("5")
    _button(page, "Reset").click()
    _status(page, "seed 5")
    _month(page, 0)


def test_run_to_end_then_another_scenario_plays(page):
    _run_to_end(page)
    assert _button(page, "▶ Play").is_disabled()
    _pick(page, "capital_boom")
    _month(page, 0)
    _click_until(page, "▶ Play", _button(page, "❚❚ Pause").or_(page.locator(".sim-month", has_text="month 1 of")))
    _month_reached(page, 2)
    _button(page, "❚❚ Pause").click()
    _idle(page)
    assert _button(page, "Step").is_enabled()


def test_compare_two_runs_and_download(page, tmp_path):
    pd = pytest.importorskip("pandas")
    for month in range(1, 5):  # the seed's first events are the releases of 2023-04 (month 4)
        _button(page, "Step").click()
        _month(page, month)
    page.get_by_role("tab", name="Data and figures").click()
    with page.expect_download(timeout=UI_TIMEOUT_MS) as dl:
        page.get_by_role("button", name="events.csv (one row per event, with its cause)").click()
    events = pd.read_csv(io.BytesIO(Path(dl.value.path()).read_bytes()))
    assert {"date", "firm", "type", "cause", "history"} <= set(events.columns) and len(events) > 0
    page.get_by_role("tab", name="Compare two runs").click()
    page.locator(".sim-compare-select").click()
    page.get_by_role("option", name="no_open_source", exact=True).click()
    _button(page, "Run both to the end").click()
    table = page.locator(".sim-compare-table")
    table.wait_for(timeout=UI_TIMEOUT_MS)
    text = table.inner_text()
    assert "baseline" in text and "no_open_source" in text and "at the end (2027-12)" in text
    page.locator("img.sim-compare-chart").wait_for(timeout=UI_TIMEOUT_MS)
    page.screenshot(path=str(tmp_path / "compare.png"), full_page=True)
    page.get_by_role("tab", name="About the model").click()
    page.locator(".sim-history-list", has_text="DeepSeek-R1").wait_for(timeout=UI_TIMEOUT_MS)


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return math.nan


def test_memory_per_session(browser, app_url, app_server_pid):
    """Server memory per open session (only with $SIM_APP_MEMORY=N sessions; docs/app.md reports it)."""
    n = int(os.environ.get("SIM_APP_MEMORY", "0"))
    if not n:
        pytest.skip("set SIM_APP_MEMORY=5 to measure the server's memory per open session")

    def session():
        ctx = browser.new_context(viewport=VIEWPORT)
        pg = ctx.new_page()
        pg.goto(app_url, timeout=UI_TIMEOUT_MS)
        pg.locator("img.sim-chart-strategies").wait_for(timeout=UI_TIMEOUT_MS)
        _run_to_end(pg, UI_TIMEOUT_MS)
        return ctx

    def rss_with_sessions() -> float:
        """Server RSS (MB) with ``n`` sessions run to the end; they are closed after."""
        contexts = [session() for _ in range(n)]
        time.sleep(3)
        rss = _rss_mb(app_server_pid)
        for ctx in contexts:
            ctx.close()
        return rss

    session().close()  # warm up: imports, fonts, caches
    time.sleep(3)
    base = _rss_mb(app_server_pid)
    loaded = rss_with_sessions()
    time.sleep(70)  # past the cull timeout (45 s)
    after = _rss_mb(app_server_pid)
    # Python keeps freed memory for reuse rather than returning it: if the closed sessions were
    # freed, as many new ones fit in it and the server grows little
    again = rss_with_sessions()
    print(f"\nserver RSS: {base:.0f} MB with no session, {loaded:.0f} MB with {n} sessions run to the end "
          f"({(loaded - base) / n:.1f} MB each), {after:.0f} MB 70 s after closing them, {again:.0f} MB with "
          f"{n} new sessions run to the end")
    assert again - after < 0.5 * (loaded - base), "closed sessions were not freed"


def test_screenshot_for_the_docs(page):
    """The README's picture (only with $SIM_APP_SCREENSHOT): the baseline played to 2025-06."""
    docs_shot = os.environ.get("SIM_APP_SCREENSHOT")
    if not docs_shot:
        pytest.skip("set SIM_APP_SCREENSHOT=docs/images/app.png to write the README's screenshot")
    step = _button(page, "Step")
    for n in range(1, 31):
        step.click()
        _month(page, n)
    _idle(page)
    time.sleep(1.5)
    page.screenshot(path=docs_shot)
