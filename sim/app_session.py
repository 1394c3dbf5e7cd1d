"""One browser session of the explorer, without a browser: the scenario, the values set, the model.

:class:`Explorer` is plain Python (no solara): :mod:`sim.app` draws it and calls its methods from
the page's buttons, and the render test drives it directly. It holds

* the scenario shown (a file of ``scenarios/``) and the values the student has set: the sliders
  (:data:`KNOBS`) and the seed, as typed; a bad seed keeps its message and changes nothing;
* the running model (:class:`AppModel`), built from the scenario and those values at Reset, and
  each event's cause in words (:mod:`sim.app_explain`), computed from the live model right after
  the month that logged it;
* a busy flag: one action (a step, a Reset, a run to the end, play) at a time; a click while one
  runs is ignored, not queued.

The page opens on the scenario's own values exactly: a slider moves along a grid that contains
the scenario's value (:func:`knob_grid`), so nothing is rounded, and Reset without a change runs
the same story as ``python -m sim run`` for that scenario and seed.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import app_explain
from .config import get_path
from .errors import InputError
from .model import MarketModel, release
from .scenario import Scenario, load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIO_DIR = ROOT / "scenarios"
DEFAULT_SCENARIO = SCENARIO_DIR / "baseline.toml"
#: Environment variable naming the scenario file the page starts with (set by ``python -m sim app --scenario``).
ENV_SCENARIO = "SIM_APP_SCENARIO"
log = logging.getLogger(__name__)


#: What the page says while each action runs (``Explorer.busy`` -> label): each action names itself, so a reader (and
#: the browser test) can tell a run to the end that started from a Reset still finishing.
BUSY_LABELS = {"reset": "resetting…", "step": "stepping…", "play": "playing…", "end": "running to the end…",
               "compare": "running both…"}


@dataclass(frozen=True)
class Knob:
    """A slider: the scenario parameter it sets, the model keyword that carries it, its range and meaning.

    ``lo``..``hi`` in steps of ``step`` is the slider's grid (inside the parameter's valid range,
    ``python -m sim params``); the scenario's own value is added to the grid when it is off it.
    """

    key: str
    arg: str
    label: str
    unit: str
    help: str
    lo: float
    hi: float
    step: float
    integer: bool = False


#: The most influential parameters, as sliders.
KNOBS = [
    Knob("open_source.release_gap_scale", "release_gap_scale", "Open-model gap", "× (multiplier)",
         "Multiplies how far every open-weight release lands behind the best model. Above 1: weaker free "
         "models, less pressure on the startups; 1 = history.", 0.2, 4.0, 0.1),
    Knob("open_source.shift_months", "shift_months", "Open releases shifted", "months",
         "Moves every dated open-weight release (DeepSeek-V3, R1, Qwen...) later (+) or earlier (−).",
         -24, 36, 1, True),
    Knob("technology.run_cost_growth_per_year", "run_cost_growth_per_year", "Training-cost growth",
         "× per year", "How fast a frontier training run gets dearer: 2.4 means 2.4 times the cost each year; "
         "1 means flat.", 1.0, 5.0, 0.1),
    Knob("capital.sentiment_base", "sentiment_base", "Investor sentiment", "(scale 0-1)",
         "The level investors' mood returns to when nothing shocks it: 0 no appetite for AI startups, "
         "1 a boom. Rounds close more often and are larger when it is high.", 0.0, 1.0, 0.05),
    Knob("capital.rotation_sensitivity", "rotation_sensitivity", "Capital turning to embodied AI", "per unit appeal",
         "How much investors' mood falls as embodied AI (robots), the rival sector, becomes the fashion: 0 = capital "
         "never turns away; about 1 in the calibrated baseline.", 0.0, 2.0, 0.05),
    Knob("talent.poaching_weight", "poaching_weight", "Talent poaching by the giants", "weight (multiplier)",
         "How strongly the giants' offers raise an executive's monthly chance of leaving: the chance is "
         "multiplied by 1 + weight × the giants' hiring power. 0 = no poaching.", 0.0, 10.0, 0.25),
    Knob("demand.enterprise_maturity_per_month", "enterprise_maturity_per_month", "Enterprise demand maturing",
         "per month", "Growth rate of companies' spending on models (logistic): 0.05 is slow, as in the "
         "article; 0.12 is a boom.", 0.0, 0.3, 0.01),
]
KNOB_BY_ARG = {k.arg: k for k in KNOBS}
#: Decimals kept on a slider's grid points (lo + i x step in binary floating point is not exact).
GRID_DECIMALS = 9


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


def knob_defaults(scenario: Scenario) -> dict[str, float]:
    """The scenario's values of the sliders, ``{Knob.arg: value}`` (each knob's dotted key, ``sim.config.get_path``)."""
    values = scenario.to_dict()
    return {k.arg: get_path(values, k.key) for k in KNOBS}


def knob_grid(knob: Knob, *include: float) -> list[float]:
    """The values a slider can take: ``lo``..``hi`` by ``step``, plus every value in ``include``
    (the scenario's own value and the one set), exactly, in increasing order."""
    n = round((knob.hi - knob.lo) / knob.step)
    grid = {round(knob.lo + i * knob.step, GRID_DECIMALS) for i in range(n + 1)}
    if knob.integer:
        grid = {int(g) for g in grid}
    return sorted(grid | {v for v in include if v is not None})


def parse_seed(text: Any) -> int:
    """A seed from the seed box: a whole number >= 0 (anything else is bad input)."""
    s = str(text).strip()
    if not s:
        raise InputError("seed", "", "expected a whole number >= 0, got nothing")
    try:
        seed = int(s)
    except ValueError:
        raise InputError("seed", "", f"expected a whole number >= 0, got {s!r}") from None
    if seed < 0:
        raise InputError("seed", "", f"expected a whole number >= 0, got {seed}")
    return seed


# ------------------------------------------------------------------------------------ the model
class AppModel(MarketModel):
    """:class:`MarketModel` of a scenario file, with slider values and a seed.

    ``knobs`` maps slider names (:data:`KNOBS`, ``Knob.arg``) to values; a value that differs from
    the scenario's own replaces it (``Scenario.with_overrides``), one that equals it changes
    nothing. The model stops (``running = False``) after the scenario's last month.
    """

    def __init__(self, scenario_file: str | Path = DEFAULT_SCENARIO, seed: int | str = 0,
                 knobs: dict[str, float] | None = None) -> None:
        base = load_cached(scenario_file)
        knobs = dict(knobs or {})
        unknown = set(knobs) - set(KNOB_BY_ARG)
        if unknown:
            raise InputError("knobs", ", ".join(sorted(unknown)), "unknown slider")
        overrides: dict[str, Any] = {}
        defaults = knob_defaults(base)
        for knob in KNOBS:
            v = knobs.get(knob.arg)
            if v is None:
                continue
            v = int(v) if knob.integer else float(v)
            if v != defaults[knob.arg]:
                overrides[knob.key] = v
        scenario = base.with_overrides(overrides, origin="sliders") if overrides else base
        super().__init__(scenario, parse_seed(seed))
        self.scenario_file = str(scenario_file)
        self.overrides = overrides
        #: The sliders' values in force, ``{Knob.arg: value}``.
        self.knobs = {k.arg: overrides.get(k.key, defaults[k.arg]) for k in KNOBS}
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


# ------------------------------------------------------------------------------------ the session
class Explorer:
    """One session: the scenario shown, the values set (sliders, seed text), the running model.

    Every method changes state in place and returns at once; the page redraws after it. An action
    that takes time runs between :meth:`begin` and :meth:`end`; while one runs, :meth:`begin`
    refuses others (the buttons are disabled and a click is ignored).
    """

    def __init__(self, files: dict[str, Path], label: str, kernel_closed: threading.Event | None = None) -> None:
        self.files = files
        self._lock = threading.Lock()
        #: Held while the model changes (a month, a Reset); the page holds it while it reads the model.
        self.model_lock = threading.RLock()
        self.busy = ""  # the action running ("" when idle)
        self.playing = False
        self._closed = threading.Event()  # set by close()
        self._kernel_closed = kernel_closed  # set by solara when the browser session ends
        self.model: AppModel | None = None
        self.causes: list[str] = []
        self.seed_text = "0"
        self.seed_error = ""
        self.comparison: Any = None  # the last comparison (sim.app_compare.Comparison), if any
        #: False while no browser tab shows the session (set by the page); play pauses then.
        self.connected: Callable[[], bool] = lambda: True
        self.pick(label)

    def is_closed(self) -> bool:
        """True once the session has ended (its tab closed, or :meth:`close`)."""
        return self._closed.is_set() or (self._kernel_closed is not None and self._kernel_closed.is_set())

    def wait(self, seconds: float) -> bool:
        """Sleep ``seconds`` unless the session ends meanwhile; True if it has ended."""
        return self._closed.wait(seconds) or self.is_closed()

    # -- what is shown
    @property
    def scenario(self) -> Scenario:
        return load_cached(self.files[self.label])

    @property
    def defaults(self) -> dict[str, float]:
        return knob_defaults(self.scenario)

    def pending(self) -> bool:
        """True when the values set differ from the running model's (Reset would change the story)."""
        assert self.model is not None
        if self.values != self.model.knobs:
            return True
        try:
            return parse_seed(self.seed_text) != self.model.seed_value
        except InputError:
            return False

    # -- changes
    def pick(self, label: str) -> None:
        """Show another scenario, at its own values (the seed is kept), and start it."""
        if label not in self.files:
            raise InputError("scenario", label, f"expected one of {', '.join(self.files)}")
        self.label = label
        self.values = dict(self.defaults)
        self.comparison = None
        self._restart()

    def set_knob(self, arg: str, value: float) -> None:
        """Set a slider's value (in force at the next Reset)."""
        knob = KNOB_BY_ARG[arg]
        self.values[arg] = int(value) if knob.integer else float(value)

    def scenario_values(self) -> None:
        """Put every slider back to the scenario's value (in force at the next Reset)."""
        self.values = dict(self.defaults)

    def set_seed_text(self, text: str) -> None:
        """The seed box's text; a bad one keeps a message (:attr:`seed_error`) and changes nothing."""
        self.seed_text = str(text)
        try:
            parse_seed(self.seed_text)
            self.seed_error = ""
        except InputError as exc:
            self.seed_error = exc.expected

    def reset(self) -> bool:
        """Start again with the scenario shown and the values set; False (nothing changes) on a bad seed."""
        if self.seed_error:
            return False
        self._restart()
        return True

    def _restart(self) -> None:
        seed = parse_seed(self.seed_text) if not self.seed_error else (self.model.seed_value if self.model else 0)
        self.playing = False
        with self.model_lock:
            old = self.model
            self.model = AppModel(self.files[self.label], seed, self.values)
            self.causes = []
        if old is not None:
            release(old)

    def step(self, months: int = 1) -> int:
        """Advance up to ``months`` months (fewer at the scenario's end); returns how many."""
        done = 0
        while done < months and not self.is_closed():
            with self.model_lock:
                m = self.model
                if m is None or not m.running:
                    break
                before = app_explain.snapshot(m)
                start = len(m.recorder.events["date"])
                m.step()
                self.causes.extend(app_explain.causes(m, start, before))
            done += 1
        return done

    def play(self, on_month: Callable[[], None], interval_s: float) -> None:
        """Step month after month, ``interval_s`` apart, while :attr:`playing`, the model runs and
        the session is open and shown (:attr:`connected`); ``on_month`` redraws the page after each month."""
        self.playing = True
        model = self.model
        try:
            while self.playing and self.model is model and model is not None and model.running:
                if not self.step():
                    break
                on_month()
                if self.wait(interval_s) or not self.connected():
                    break
        finally:
            self.playing = False
            log.info("play stopped at month %s (closed: %s, shown: %s)", model.t if model else "-",
                     self.is_closed(), self.connected())

    # -- one action at a time
    def begin(self, action: str) -> bool:
        """Claim the session for ``action``; False (do nothing) if another action runs or it has ended."""
        with self._lock:
            if self.busy or self.is_closed():
                return False
            self.busy = action
            return True

    def end(self) -> None:
        with self._lock:
            self.busy = ""

    def close(self) -> None:
        """The session ended: stop playing and free the model."""
        self._closed.set()
        self.playing = False
        with self.model_lock:
            model, self.model = self.model, None
            self.causes = []
        if model is not None:
            log.info("session ended at month %d: model freed", model.t)
            release(model)
