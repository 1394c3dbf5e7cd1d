"""The interactive page (Mesa SolaraViz): students change the story and watch it unfold month by month.

Start it with ``python -m sim app`` (see ``docs/app.md``). The page has

* in the sidebar: a scenario picker (the files in ``scenarios/``), sliders for the most influential
  parameters ("What if...?"), Mesa's reset / play / step controls and a seed;
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
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Mesa 3.3.1's ComponentsView trips solara's hook checker at import; harmless, and not ours to fix.
warnings.filterwarnings("ignore", message=r".*ComponentsView: `use_state` found despite early return")

import reacton.ipywidgets as rw  # noqa: E402
import solara  # noqa: E402
from mesa.visualization import SolaraViz  # noqa: E402
from mesa.visualization.utils import update_counter  # noqa: E402

from . import app_components as ac  # noqa: E402
from .errors import InputError  # noqa: E402
from .model import MarketModel, release  # noqa: E402
from .scenario import Scenario, load_scenario  # noqa: E402

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
    """:class:`MarketModel` built from keyword arguments, as Mesa's Reset button builds models.

    ``scenario_file`` is the scenario; ``knobs`` maps slider names (:data:`KNOBS`, ``Knob.arg``)
    to values that replace the scenario's (``Scenario.with_overrides``); ``seed`` is a whole
    number (the seed box gives text). The model stops (``running = False``) after the scenario's
    last month.
    """

    def __init__(self, scenario_file: str = str(DEFAULT_SCENARIO), seed: int | str = 0,
                 knobs: dict[str, float] | None = None) -> None:
        base = load_cached(scenario_file)
        knobs = dict(knobs or {})
        unknown = set(knobs) - {k.arg for k in KNOBS}
        if unknown:
            raise InputError("knobs", ", ".join(sorted(unknown)), "unknown slider")
        overrides: dict[str, Any] = {}
        for knob in KNOBS:
            v = knobs.get(knob.arg)
            if v is None:
                continue
            v = int(round(v)) if knob.integer else round(float(v), 6)
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


def knob_defaults(scenario: Scenario) -> dict[str, float]:
    """The scenario's values of the sliders, ``{Knob.arg: value}``."""
    return {k.arg: get_value(scenario, k.key) for k in KNOBS}


def model_params(path: Path, knobs: dict[str, float]) -> dict[str, Any]:
    """Mesa's ``model_params``: the scenario file and the sliders' values (fixed: the sidebar's
    "What if" card keeps ``knobs`` up to date in place), and Mesa's seed box."""
    return {
        "scenario_file": str(path),
        "knobs": knobs,
        "seed": {"type": "InputText", "value": "0", "label": "Seed (whole number, used at Reset)"},
    }


def _fmt(v: float) -> str:
    return f"{v:g}"


# ------------------------------------------------------------------------------------ components
CHART_LAYOUT = {"width": "100%", "height": "auto", "max_height": "390px", "object_fit": "contain"}
BOX_STYLE = "height:262px;overflow-y:auto;font-size:13px;padding-right:4px"


def _chart(key: str, cls: type[ac.LiveChart]) -> Any:
    @solara.component
    def Chart(model: MarketModel):
        update_counter.get()  # redraw after every step (Mesa's force_update)
        chart = solara.use_memo(lambda: cls(model), [model])
        png = solara.use_memo(lambda: chart.render(model), [model, model.t])
        return rw.Image(value=png, format="png", layout=CHART_LAYOUT, _dom_classes=["sim-chart", f"sim-chart-{key}"])

    Chart.__name__ = Chart.__qualname__ = f"Chart_{key}"
    return Chart


CHART_COMPONENTS = [_chart(key, cls) for key, _, cls in ac.CHARTS]


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
        subtitle = "press Step or ▶: the patterns are checked as the months pass"
    else:
        subtitle = f"as of {model.date}: {ac.scorecard_summary(rows)}"
    with solara.Card("The article's patterns in this run", subtitle=subtitle, margin=0, classes=["sim-scorecard"]):
        solara.HTML(tag="div", unsafe_innerHTML=ac.scorecard_html(rows), style=BOX_STYLE)


@solara.component
def StatusBar(model: AppModel):
    """The simulated month, large, and the state of the market in one line."""
    update_counter.get()
    found, alive, pivoted, exited = model.counts()
    _, cum, whose = ac.departures_so_far(model)
    n = model.calendar.n_steps
    labels = {k.key: k.label.split(" (")[0] for k in KNOBS}
    changed = ", ".join(f"{labels[k]} {_fmt(v)}" for k, v in model.overrides.items())
    sentiment = model.recorder.model["vc_sentiment"][-1] if model.t else model.sentiment
    parts = [
        f"{found} of {alive + exited} startups still train foundation models",
        f"{pivoted} pivoted",
        f"{exited} exited",
        f"{cum[-1] if cum else 0} executive departures from {whose} since 2024",
        f"investor sentiment {sentiment:.2f}" if math.isfinite(sentiment) else "",
    ]
    line = " · ".join(p for p in parts if p)
    status = "the end of the scenario" if model.t >= n else ("press Step or ▶ to start" if model.t == 0 else "")
    scenario = f"scenario <b>{html.escape(model.sc.name)}</b>, seed {model.seed_value}" + (
        f" · changed: {html.escape(changed)}" if changed else "")
    solara.HTML(tag="div", classes=["sim-status"], unsafe_innerHTML=(
        '<div style="display:flex;align-items:baseline;gap:18px;flex-wrap:wrap;padding:6px 12px 0 12px">'
        f'<span class="sim-date" style="font-size:34px;font-weight:bold;font-family:monospace">{model.date}</span>'
        f'<span class="sim-month" style="font-size:14px;color:#555">month {model.t} of {n}'
        f'{" — " + status if status else ""}</span>'
        f'<span style="font-size:13px;color:#555">{scenario}</span></div>'
        f'<div class="sim-summary" style="font-size:14px;padding:0 12px 2px 12px">{html.escape(line)}</div>'))


@solara.component
def ScenarioPicker(files: dict[str, Path], label: str, on_pick: Any):
    """Pick a shipped scenario: it starts at once, with the sliders at its values."""
    sc = load_cached(files[label])
    with solara.Card("1. Scenario", classes=["sim-scenario"]):
        solara.Select("Scenario", values=list(files), value=label, on_value=on_pick, classes=["sim-scenario-select"])
        if sc.description:
            solara.Text(sc.description, style="font-size:13px;color:#555")


@solara.component
def WhatIf(scenario: Scenario, knobs: solara.Reactive[dict[str, float]], holder: dict[str, float],
           applied: dict[str, Any]):
    """Sliders for the most influential parameters; they take effect at Reset (Mesa's way)."""
    defaults = knob_defaults(scenario)

    def setter(arg: str) -> Any:
        def set_value(v: float) -> None:
            new = {**knobs.value, arg: v}
            holder.clear()
            holder.update(new)  # the dict Mesa's Reset passes to AppModel
            knobs.set(new)

        return set_value

    def back_to_scenario() -> None:
        holder.clear()
        holder.update(defaults)
        knobs.set(dict(defaults))

    pending = {k.key: (int(round(knobs.value[k.arg])) if k.integer else round(float(knobs.value[k.arg]), 6))
               for k in KNOBS}
    pending = {key: v for key, v in pending.items() if v != get_value(scenario, key)}
    with solara.Card("2. What if…?", subtitle="then press Reset", classes=["sim-knobs"]):
        for k in KNOBS:
            v, d = knobs.value[k.arg], defaults[k.arg]
            note = "" if v == d else f"  (scenario: {_fmt(d)})"
            colour = ";color:#B00020" if v != d else ""
            solara.Text(f"{k.label}: {_fmt(v)}{note}", classes=["sim-knob-label"],
                        style="font-size:13px;font-weight:500;margin-bottom:-14px" + colour)
            slider = solara.SliderInt if k.integer else solara.SliderFloat
            slider("", value=v, min=min(k.lo, d), max=max(k.hi, d), step=k.step, on_value=setter(k.arg))
        if pending != applied:
            solara.Warning("Press Reset (below) to start again with these values.", dense=True)
        solara.Button("Scenario's values", on_click=back_to_scenario, small=True, outlined=True,
                      disabled=all(knobs.value[a] == defaults[a] for a in defaults))


COMPONENTS = [*CHART_COMPONENTS[:1], EventFeed, *CHART_COMPONENTS[1:], Scorecard]


@solara.component
def Session(files: dict[str, Path], label: str, on_pick: Any, model: solara.Reactive[AppModel]):
    """The page for one scenario (remounted when another is picked, so the sliders start at its values)."""
    path = files[label]
    scenario = load_cached(path)
    defaults = solara.use_memo(lambda: knob_defaults(scenario), [])
    knobs = solara.use_reactive(dict(defaults))
    holder = solara.use_memo(lambda: dict(defaults), [])
    with solara.Sidebar():
        ScenarioPicker(files, label, on_pick)
        WhatIf(scenario, knobs, holder, model.value.overrides)
    with solara.Column(gap="0px", style={"width": "100%"}):
        StatusBar(model.value)
        SolaraViz(model, components=COMPONENTS, model_params=model_params(path, holder), name=TITLE,
                  play_interval=PLAY_INTERVAL_MS)


@solara.component
def Page():
    """One browser session: its own model (nothing is shared between visitors).

    The scenario shown is the model's own (``AppModel.scenario_file``), so picking a scenario is
    one state change: a new model.
    """
    files = solara.use_memo(scenario_files, [])
    first = solara.use_memo(lambda: AppModel(scenario_file=str(files[initial_label(files)])), [])
    model = solara.use_reactive(first)
    current = model.value

    def release_when_replaced():
        return lambda: release(current)

    solara.use_effect(release_when_replaced, [current])  # Mesa 3.3.1 keeps every model alive otherwise

    by_path = {str(p): label for label, p in files.items()}
    label = by_path.get(current.scenario_file, initial_label(files))

    def pick(new: str | None) -> None:
        if new is not None and new in files and new != label:
            model.set(AppModel(scenario_file=str(files[new])))

    Session(files, label, pick, model).key(f"session-{label}")
