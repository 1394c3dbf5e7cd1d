"""The interactive page end to end, in headless Chromium driven by Playwright, with no internet.

Starts ``python -m sim app --port <free port>`` as a subprocess, opens the page with every
request to anything but this machine blocked (``page.route``), changes a slider, resets, steps,
and checks the date and a chart change; saves a screenshot in a temporary folder.

Needs Debian's ``chromium`` (``/usr/bin/chromium``; ``.ci/install-browser`` installs it) and the
``playwright`` package; it never downloads a browser. Set ``SIM_APP_SCREENSHOT=docs/images/app.png``
to also write the README's screenshot (the run is then played on to 2025-06).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).resolve().parents[1]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
START_TIMEOUT_S = 120
UI_TIMEOUT_MS = 60_000

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
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture
def offline_page(tmp_path):
    """A Chromium page (fresh profile) that may reach this machine only; blocked requests are listed."""
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

    with sync_api.sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(str(tmp_path / "profile"), executable_path=str(CHROMIUM),
                                                   args=CHROMIUM_ARGS, headless=True,
                                                   viewport={"width": 1600, "height": 1000})
        try:
            ctx.route("**/*", route)
            page = ctx.new_page()
            page.on("pageerror", lambda e: errors.append(str(e)))
            yield page, blocked, errors
        finally:
            ctx.close()


def _month(page, n: int) -> None:
    page.locator(".sim-month", has_text=f"month {n} of").wait_for(timeout=UI_TIMEOUT_MS)


def _chart_src(page, key: str) -> str:
    return page.locator(f"img.sim-chart-{key}").get_attribute("src", timeout=UI_TIMEOUT_MS)


def test_page_offline_slider_reset_step(app_url, offline_page, tmp_path):
    page, blocked, errors = offline_page
    page.goto(app_url, timeout=UI_TIMEOUT_MS)

    # the page renders with no internet: the date, the sidebar, the charts, the feed, the scorecard
    page.locator(".sim-date").wait_for(timeout=UI_TIMEOUT_MS)
    assert page.locator(".sim-date").inner_text() == "2023-01"
    _month(page, 0)
    for key in ("strategies", "survivors", "capability", "runway", "mau", "departures"):
        page.locator(f"img.sim-chart-{key}").wait_for(timeout=UI_TIMEOUT_MS)
    assert page.locator("img.sim-chart-strategies").evaluate("e => e.naturalWidth") > 300
    page.locator(".sim-feed").wait_for()
    page.locator(".sim-scorecard").wait_for()
    page.get_by_text("1. Scenario").wait_for()
    page.get_by_role("button", name="Reset", exact=True).wait_for()

    # change a slider (the first: open-model gap) with the keyboard
    slider = page.locator(".sim-knobs [role=slider]").first
    slider.focus()
    for _ in range(5):
        slider.press("ArrowRight")
    page.locator(".sim-knob-label", has_text="1.5").first.wait_for(timeout=UI_TIMEOUT_MS)
    assert "(scenario: 1)" in page.locator(".sim-knob-label").first.inner_text()
    page.get_by_text("Press Reset").first.wait_for(timeout=UI_TIMEOUT_MS)

    # Reset: the new value is in force
    page.get_by_role("button", name="Reset", exact=True).click()
    page.locator(".sim-status", has_text="Open-model gap × 1.5").wait_for(timeout=UI_TIMEOUT_MS)
    _month(page, 0)

    # Step: the date advances and the charts change
    src_before = _chart_src(page, "capability")
    step = page.get_by_role("button", name="Step", exact=True)
    for n in (1, 2, 3):
        step.click()
        _month(page, n)
    assert page.locator(".sim-date").inner_text() == "2023-03"
    page.wait_for_function(
        "before => document.querySelector('img.sim-chart-capability').getAttribute('src') !== before",
        arg=src_before, timeout=UI_TIMEOUT_MS)
    assert page.locator(".sim-feed-list .sim-event").count() > 0  # the feed lists the events so far
    shot = tmp_path / "app.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 50_000

    docs_shot = os.environ.get("SIM_APP_SCREENSHOT")
    if docs_shot:  # play on to the article's month for the README's picture
        page.set_viewport_size({"width": 1500, "height": 1350})
        for n in range(4, 31):
            step.click()
            _month(page, n)
        time.sleep(2)
        page.screenshot(path=docs_shot)

    assert not blocked, f"the page asked for things off this machine: {blocked[:5]}"
    assert not errors, f"errors in the page: {errors[:5]}"
