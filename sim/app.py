"""The interactive page (Mesa SolaraViz): students change the story and watch it unfold month by month.

Start it with ``python -m sim app`` (see ``docs/app.md``). The page has

* in the sidebar: a scenario picker (the files in ``scenarios/``), sliders for the most influential
  parameters, a seed, and Mesa's reset / play / step controls;
* on top: the simulated month (``YYYY-MM``) and the state of the market;
* charts that grow as the months pass, a feed of the model's events, and the scorecard of the
  article's patterns (:mod:`sim.patterns`) for the run so far.

Every browser session gets its own model: :func:`Page` creates it with solara hooks, so nothing is
shared between visitors (a module-level model, as in Mesa's examples, would be). Slider changes take
effect at the next Reset, as everywhere in Mesa; picking another scenario starts it at once, with the
sliders set to that scenario's values.
"""

from __future__ import annotations

import html
import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import reacton.ipywidgets as rw
import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from . import app_components as ac
from .errors import InputError
from .model import MarketModel, release
from .scenario import Scenario, load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIO_DIR = ROOT / "scenarios"
DEFAULT_SCENARIO = SCENARIO_DIR / "baseline.toml"
#: Environment variable naming the scenario file the page starts with (set by ``python -m sim app --scenario``).
ENV_SCENARIO = "SIM_APP_SCENARIO"
TITLE = "China's large-model startups"
PLAY_INTERVAL_MS = 150


@dataclass(frozen=True)
class Knob:
    """A slider: the scenario parameter it sets, the model keyword that carries it, and its range."""

    key: str
    arg: str
    label: str
    lo: float
    hi: float
    step: float
    integer: bool = False


#: The most influential parameters, as sliders (ranges inside the parameters' valid ranges).
KNOBS = [
    Knob("open_source.release_gap_scale", "release_gap_scale", "Open-model gap × (higher: weaker open models)",
         0.2, 4.0, 0.1),
    Knob("open_source.shift_months", "shift_months", "Open releases shifted (months, + later)", -24, 36, 1, True),
    Knob("technology.run_cost_growth_per_year", "run_cost_growth_per_year", "Training-cost growth (× per year)",
         1.0, 5.0, 0.1),
    Knob("capital.sentiment_base", "sentiment_base", "Investor sentiment (base level, 0-1)", 0.0, 1.0, 0.05),
    Knob("talent.poaching_weight", "poaching_weight", "Talent poaching by the giants (weight)", 0.0, 10.0, 0.25),
    Knob("demand.enterprise_maturity_per_month", "enterprise_maturity_per_month",
         "Enterprise demand maturing (per month)", 0.0, 0.3, 0.01),
]


# ------------------------------------------------------------------------------------ scenarios
_SCENARIO_CACHE: dict[tuple[str, float], Scenario] = {}


def load_cached(path: str | Path) -> Scenario:
    """:func:`load_scenario`, remembered per file and modification time (the page reloads often)."""
    p = Path(path)
    key = (str(p.resolve()), p.stat().st_mtime)
    if key not in _SCENARIO_CACHE:
        _SCENARIO_CACHE[key] = load_scenario(p)
    return _SCENARIO_CACHE[key]


def scenario_files(extra: str | Path | None = None) -> dict[str, Path]:
    """``{label: file}`` of the shipped scenarios (``scenarios/*.toml``) that load, plus ``extra``.

    A file that does not load is left out with a warning on stderr (the page must still start).
    """
    if extra is None:
        extra = os.environ.get(ENV_SCENARIO) or None
    candidates = sorted(SCENARIO_DIR.glob("*.toml"))
    if extra is not None:
        extra_p = Path(extra).resolve()
        if extra_p not in [c.resolve() for c in candidates]:
            candidates.append(extra_p)
    out: dict[str, Path] = {}
    for p in candidates:
        try:
            load_cached(p)
        except (InputError, OSError) as exc:
            print(f"warning: scenario {p} is left out of the page: {exc}", file=sys.stderr)
            continue
        label = p.stem if p.stem not in out else str(p)
        out[label] = p
    return out


def initial_label(files: dict[str, Path], extra: str | Path | None = None) -> str:
    """The scenario the page starts with: ``extra`` (or $SIM_APP_SCENARIO), else baseline, else the first."""
    if extra is None:
        extra = os.environ.get(ENV_SCENARIO) or None
    if extra is not None:
        want = Path(extra).resolve()
        for label, p in files.items():
            if p.resolve() == want:
                return label
    if "baseline" in files:
        return "baseline"
    if not files:
        raise InputError(str(SCENARIO_DIR), "", "no scenario file loads")
    return next(iter(files))


def get_value(scenario: Scenario, key: str) -> Any:
    node: Any = scenario
    for part in key.split("."):
        node = getattr(node, part)
    return node


def parse_seed(text: Any) -> int:
    """A seed from the seed box: a whole number >= 0 (anything else is bad input)."""
    try:
        seed = int(str(text).strip())
    except ValueError:
        raise InputError("seed", "", f"expected a whole number, got {text!r}") from None
    if seed < 0:
        raise InputError("seed", "", f"expected a number >= 0, got {seed}")
    return seed


# ------------------------------------------------------------------------------------ the model
class AppModel(MarketModel):
    """:class:`MarketModel` built from keyword arguments, as Mesa's reset button builds models.

    ``scenario_file`` is the scenario; each slider keyword (:data:`KNOBS`) that is not None
    replaces that parameter (``Scenario.with_overrides``). The model stops (``running = False``)
    after the scenario's last month.
    """

    def __init__(self, scenario_file: str = str(DEFAULT_SCENARIO), seed: int | str = 0,
                 release_gap_scale: float | None = None, shift_months: int | None = None,
                 run_cost_growth_per_year: float | None = None, sentiment_base: float | None = None,
                 poaching_weight: float | None = None, enterprise_maturity_per_month: float | None = None) -> None:
        values = {"release_gap_scale": release_gap_scale, "shift_months": shift_months,
                  "run_cost_growth_per_year": run_cost_growth_per_year, "sentiment_base": sentiment_base,
                  "poaching_weight": poaching_weight, "enterprise_maturity_per_month": enterprise_maturity_per_month}
        base = load_cached(scenario_file)
        overrides: dict[str, Any] = {}
        for knob in KNOBS:
            v = values[knob.arg]
            if v is None:
                continue
            v = int(round(v)) if knob.integer else float(v)
            if v != get_value(base, knob.key):
                overrides[knob.key] = v
        scenario = base.with_overrides(overrides, origin="sliders") if overrides else base
        super().__init__(scenario, parse_seed(seed))
        self.scenario_file = str(scenario_file)
        self.overrides = overrides
        self.running = self.calendar.n_steps > 0

    def step(self) -> None:
        if self.t >= self.calendar.n_steps:
            self.running = False
            return
        super().step()
        if self.t >= self.calendar.n_steps:
            self.running = False

    @property
    def date(self) -> str:
        """The month the model is at: the last month simulated (the start month before the first step)."""
        return self.calendar.labels[max(self.t - 1, 0)]


def model_params(path: Path, scenario: Scenario) -> dict[str, Any]:
    """Mesa's ``model_params`` for ``scenario``: the file (fixed), the seed box and one slider per knob."""
    params: dict[str, Any] = {
        "scenario_file": str(path),
        "seed": {"type": "InputText", "value": "0", "label": "Seed (whole number)"},
    }
    for k in KNOBS:
        v = get_value(scenario, k.key)
        params[k.arg] = {"type": "SliderInt" if k.integer else "SliderFloat", "value": v, "label": k.label,
                         "min": min(k.lo, v), "max": max(k.hi, v), "step": k.step}
    return params


# ------------------------------------------------------------------------------------ components
CHART_LAYOUT = {"width": "100%", "height": "auto", "max_height": "390px", "object_fit": "contain"}
BOX_STYLE = "height:340px;overflow-y:auto;font-size:13px;padding-right:4px"


def _chart(key: str, title: str, draw: Any) -> Any:
    @solara.component
    def Chart(model: MarketModel):
        update_counter.get()  # redraw after every step (Mesa's force_update)
        png = solara.use_memo(lambda: draw(model), [model, model.t])
        return rw.Image(value=png, format="png", layout=CHART_LAYOUT, _dom_classes=["sim-chart", f"sim-chart-{key}"])

    Chart.__name__ = Chart.__qualname__ = f"Chart_{key}"
    return Chart


CHART_COMPONENTS = [_chart(key, title, draw) for key, title, draw in ac.CHARTS]


@solara.component
def EventFeed(model: MarketModel):
    """The model's events as they happen, newest first."""
    update_counter.get()
    lines = ac.feed(model)
    with solara.Card("Events as they happen", subtitle=f"{len(model.recorder.events['date'])} so far, newest first",
                     margin=0, classes=["sim-feed"]):
        solara.HTML(tag="div", unsafe_innerHTML=ac.feed_html(lines), style=BOX_STYLE, classes=["sim-feed-list"])


@solara.component
def Scorecard(model: MarketModel):
    """The article's patterns: which hold in this run so far."""
    update_counter.get()
    rows, error = ac.scorecard(model)
    if error:
        subtitle = error
    elif not rows:
        subtitle = "press Step or ▶: patterns are checked as the months pass"
    else:
        subtitle = f"as of {model.calendar.labels[model.t - 1]}: {ac.scorecard_summary(rows)}"
    with solara.Card("The article's patterns in this run", subtitle=subtitle, margin=0, classes=["sim-scorecard"]):
        solara.HTML(tag="div", unsafe_innerHTML=ac.scorecard_html(rows), style=BOX_STYLE)


@solara.component
def StatusBar(model: AppModel):
    """The simulated month, large, and the state of the market in one line."""
    update_counter.get()
    found, alive, pivoted, exited = model.counts()
    _, cum, whose = ac.departures_so_far(model)
    n = model.calendar.n_steps
    startups = alive + exited
    knobs = {k.key: k for k in KNOBS}
    changed = ", ".join(f"{knobs[k].label.split(' (')[0]} = {v}" for k, v in model.overrides.items())
    sentiment = model.recorder.model["vc_sentiment"][-1] if model.t else model.sentiment
    parts = [
        f"{found} of {startups} startups still train foundation models",
        f"{pivoted} pivoted",
        f"{exited} exited",
        f"{cum[-1] if cum else 0} executive departures from {whose} since 2024",
        f"investor sentiment {sentiment:.2f}" if math.isfinite(sentiment) else "",
    ]
    line = " · ".join(p for p in parts if p)
    status = "the end of the scenario" if model.t >= n else ("press Step or ▶" if model.t == 0 else "")
    scenario = html.escape(model.sc.name) + f", seed {model.seed_value}" + (
        f" · sliders: {html.escape(changed)}" if changed else "")
    solara.HTML(tag="div", classes=["sim-status"], unsafe_innerHTML=(
        '<div style="display:flex;align-items:baseline;gap:18px;flex-wrap:wrap;padding:4px 10px 0 10px">'
        f'<span class="sim-date" style="font-size:34px;font-weight:bold;font-family:monospace">{model.date}</span>'
        f'<span style="font-size:14px;color:#555">month {model.t} of {n}'
        f'{" — " + status if status else ""}</span>'
        f'<span style="font-size:13px;color:#777">{scenario}</span></div>'
        f'<div class="sim-summary" style="font-size:14px;padding:0 10px 4px 10px">{html.escape(line)}</div>'))


@solara.component
def ScenarioPicker(files: dict[str, Path], choice: solara.Reactive[str], on_pick: Any):
    """Pick a shipped scenario: it starts at once, with the sliders at its values."""
    sc = load_cached(files[choice.value])
    with solara.Card("Scenario", margin=0, classes=["sim-scenario"]):
        solara.Select("Scenario", values=list(files), value=choice.value, on_value=on_pick)
        if sc.description:
            solara.Text(sc.description, style="font-size:13px;color:#555")
        solara.Text("Sliders and seed take effect when you press Reset.", style="font-size:12px;color:#777")


COMPONENTS = [*CHART_COMPONENTS[:1], EventFeed, *CHART_COMPONENTS[1:], Scorecard]


@solara.component
def Page():
    """One browser session: its own scenario choice and its own model."""
    files = solara.use_memo(scenario_files, [])
    choice = solara.use_reactive(solara.use_memo(lambda: initial_label(files), []))
    first = solara.use_memo(lambda: AppModel(scenario_file=str(files[choice.value])), [])
    model = solara.use_reactive(first)
    current = model.value

    def release_when_replaced():
        return lambda: release(current)

    solara.use_effect(release_when_replaced, [current])  # Mesa 3.3.1 keeps models alive otherwise

    def pick(label: str | None) -> None:
        if label is None or label not in files or label == choice.value:
            return
        choice.set(label)
        model.set(AppModel(scenario_file=str(files[label])))

    path = files[choice.value]
    with solara.Sidebar():
        ScenarioPicker(files, choice, pick)
    with solara.Column(gap="0px", style={"width": "100%"}):
        StatusBar(current)
        SolaraViz(model, components=COMPONENTS, model_params=model_params(path, load_cached(path)),
                  name=TITLE, play_interval=PLAY_INTERVAL_MS).key(f"viz-{choice.value}")
