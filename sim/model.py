"""The market model: one ``step`` is one month of the story.

A month runs the mechanisms of :data:`sim.month.MONTH` in order (ODD "process overview and
scheduling"; a scenario's ``[schedule] order`` may permute them, :func:`sim.month.scheduled`),
after resetting every firm's monthly flows, and ends by recording one row per month and per firm.
Each mechanism is one module (``sim/technology.py`` ... ``sim/entry.py``) that owns its state
(``init``) and its part of the month (``step``); this module holds only what every mechanism
shares: the scenario, the calendar, the random streams and the firms.

Randomness comes from independent streams spawned from the run's seed by
:class:`numpy.random.SeedSequence`: stream 0 seeds Mesa's own generators (unused by the
mechanisms), streams 1-4 serve capital, talent, strategy and entry, and stream 5 spawns one stream per
startup, in order of creation, for its standing with enterprise buyers (:func:`sim.demand.standing_shocks`), so
switching one mechanism off does not change the random numbers the others draw (common random numbers).
The talent stream draws only uniforms, about 1,200 a baseline run: it is read through :class:`Uniforms`.
"""

from __future__ import annotations

import itertools
import math

import mesa
import numpy as np

from . import population
from .agents import EXITED, FOUNDATION, Firm, Giant, Startup
from .calendar import Calendar
from .config import plain_view
from .month import MONTH, scheduled
from .results import Recorder, RunResult
from .scenario import Scenario

#: Uniforms :class:`Uniforms` draws from its generator at a time (a block of 256 costs about as much as
#: two single draws; one ``Generator.random()`` call costs about 4,000 instructions).
UNIFORM_BLOCK = 256


class Uniforms:
    """A stream that draws only uniforms on [0, 1): ``random()`` returns the values successive
    ``Generator.random()`` calls would return, in the same order (numpy fills a block with the same
    doubles), drawn ``UNIFORM_BLOCK`` at a time. It has no other method: a mechanism whose stream this is
    cannot draw anything else from it by mistake (that would shift every later uniform)."""

    __slots__ = ("random",)

    def __init__(self, rng: np.random.Generator) -> None:
        blocks = (rng.random(UNIFORM_BLOCK).tolist() for _ in itertools.repeat(None))
        self.random = itertools.chain.from_iterable(blocks).__next__


#: The last scenario a model was built from, and its plain view (see :func:`scenario_view`).
_last_view: tuple[Scenario, Scenario] | None = None


def scenario_view(scenario: Scenario) -> Scenario:
    """The plain view of ``scenario`` (:func:`sim.config.plain_view`), shared by the models built from the same
    scenario object one after another (a sweep's seeds, a benchmark): building a view costs about 1 M
    instructions, a sixth of a model's set-up. The view is read-only and nothing in the model changes a list
    in it, so runs that share it cannot affect one another."""
    global _last_view
    if _last_view is None or _last_view[0] is not scenario:
        _last_view = (scenario, plain_view(scenario))
    return _last_view[1]


class MarketModel(mesa.Model):
    """China's large-model market: startups, giants, open-source labs and their executives.

    The firms are kept in plain lists (``firms``, ``live_firms``, ``live_startups``,
    ``every_startup``, ``giants``) rather than read from Mesa's ``model.agents_by_type``: the
    mechanisms walk them every month in creation order and drop exited firms, and iterating an
    ``AgentSet`` (weak references) costs about four times as much as a list (330 firms of
    ``large_market``: 80 against 22 microseconds per pass on the development machine), which
    would slow every month of every run. Each kind of firm joins its lists in ``Firm.on_added``.
    """

    def __init__(self, scenario: Scenario, seed: int = 0, record_firms: bool = True) -> None:
        streams = np.random.SeedSequence(seed).spawn(6)
        super().__init__(rng=np.random.default_rng(streams[0]))
        #: The scenario, read through a plain view: the mechanisms read its parameters tens of thousands of
        #: times a run, several times faster than through pydantic (:func:`sim.config.plain_view`).
        self.sc = scenario_view(scenario)
        self.seed_value = seed
        self.rng_capital, rng_talent, self.rng_strategy, self.rng_entry = (
            np.random.default_rng(s) for s in streams[1:5])
        self.demand_seeds = streams[5]  # one child per startup, in order of creation (demand.standing_shocks)
        self.rng_talent = Uniforms(rng_talent)
        self.calendar = Calendar(scenario.time.start, scenario.time.end)
        self.frontier_cache: dict[int, float] = {}  # step -> frontier capability (sim.technology.frontier)
        self.serving_cache: dict[int, float] = {}  # step -> serving cost at efficiency 1 (technology.serving_cost)
        self.t = 0
        self.firms: list[Firm] = []
        self.firm_by_name: dict[str, Firm] = {}
        self.live_firms: list[Firm] = []
        self.live_startups: list[Startup] = []
        self.every_startup: list[Startup] = []  # exited ones too, in order of creation
        self.giants: list[Giant] = []
        self.exits_this_month = self.entries_this_month = 0
        self.recorder = Recorder(record_firms)
        self.log = self.recorder.event_logger(self)
        #: The month's mechanisms in the order they run (``[schedule] order``; by default :data:`MONTH`'s).
        self.month = scheduled(scenario.schedule.order, MONTH)
        population.build(self)
        for mechanism in MONTH:
            mechanism.init(self)  # each mechanism sets up the state it owns (always in MONTH's order)

    # ------------------------------------------------------------------ population
    def add_firm(self, firm: Firm) -> None:
        """Register a new firm (at build or on entry)."""
        self.firms.append(firm)
        self.firm_by_name[firm.name] = firm
        self.live_firms.append(firm)
        firm.on_added(self)

    def on_exit(self, firm: Startup) -> None:
        """Remove an exited firm from the live lists: it never acts again."""
        self.live_firms.remove(firm)
        self.live_startups.remove(firm)

    @property
    def startups(self) -> list[Startup]:
        """Every startup ever in the run (exited ones too), in the order they were added."""
        return list(self.every_startup)

    # ------------------------------------------------------------------ time
    def step(self) -> None:
        """One month of the story (see the module docstring)."""
        self.exits_this_month = self.entries_this_month = 0
        for firm in self.firms:
            firm.begin_month()
        for mechanism in self.month:
            mechanism.step(self)
        self.recorder.record(self)
        self.t += 1

    def run(self) -> RunResult:
        """Run every month of the scenario and return the tables."""
        for _ in range(self.calendar.n_steps):
            self.step()
        return self.recorder.result(self)

    # ------------------------------------------------------------------ aggregates
    def counts(self) -> tuple[int, int, int, int]:
        """(foundation, alive, pivoted, exited) startups."""
        found = alive = pivoted = exited = 0
        for f in self.every_startup:
            if f.strategy == EXITED:
                exited += 1
                continue
            alive += 1
            if f.strategy == FOUNDATION:
                found += 1
            else:
                pivoted += 1
        return found, alive, pivoted, exited

    def closed_price(self) -> float:
        """Median list price of the closed-model APIs (giants and startups training foundation models), USD/Mtok."""
        prices = sorted([f.api_price for f in self.live_firms
                         if not f.open_prices and f.strategy == FOUNDATION and not math.isnan(f.api_price)])
        n = len(prices)
        if not n:
            return math.nan
        return prices[n // 2] if n % 2 else 0.5 * (prices[n // 2 - 1] + prices[n // 2])

    def mean_api_price(self) -> float:
        prices = [f.api_price for f in self.live_firms if not math.isnan(f.api_price)]
        return sum(prices) / len(prices) if prices else math.nan


def run(scenario: Scenario, seed: int = 0,
        tables: tuple[str, ...] = ("model", "firms", "events")) -> RunResult:
    """Run ``scenario`` with ``seed`` and return its tables (the experiment layer's entry point).

    Leaving ``"firms"`` out of ``tables`` skips the per-firm monthly rows (the largest table), which
    sweeps of model-level metrics do not need; the model and events tables are always recorded.
    """
    model = MarketModel(scenario, seed, record_firms="firms" in tables)
    try:
        return model.run()
    finally:
        release(model)


def release(model: MarketModel) -> None:
    """Drop Mesa 3.3.1's class-level reference to ``model`` (``Agent._ids``) so it can be freed."""
    mesa.Agent._ids.pop(model, None)
