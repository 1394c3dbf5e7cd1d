"""The market model: one ``step`` is one month of the story.

Order of a month (ODD "process overview and scheduling"):

1. technology  - training installments are paid, runs finish (releases), new runs start;
2. open source - dated open-weight releases, the open floor rises, every API is repriced;
3. demand      - consumer, enterprise and vertical markets clear; revenues are set;
4. accounts    - revenue, external inflows and operating costs are booked;
5. capital     - investor sentiment moves, rounds close, IPOs progress;
6. talent      - executives decide to stay or leave;
7. strategy    - exits, then strategy reviews (cut a product, pivot);
8. entry       - new startups enter while sentiment is high;
9. record      - one row per month and per firm.

Randomness comes from independent streams spawned from the run's seed by
:class:`numpy.random.SeedSequence`: stream 0 seeds Mesa's own generators (unused by the
mechanisms), streams 1-4 serve capital, talent, strategy and entry, so switching one mechanism
off does not change the random numbers the others draw (common random numbers).
"""

from __future__ import annotations

import math

import mesa
import numpy as np

from . import accounts, capital, demand, entry, open_source, population, strategy, talent, technology
from .agents import EXITED, FOUNDATION, Firm, Giant, Startup
from .calendar import Calendar
from .results import Recorder, RunResult
from .scenario import Scenario


class MarketModel(mesa.Model):
    """China's large-model market: startups, giants, open-source labs and their executives."""

    def __init__(self, scenario: Scenario, seed: int = 0, record_firms: bool = True) -> None:
        streams = np.random.SeedSequence(seed).spawn(5)
        super().__init__(rng=np.random.default_rng(streams[0]))
        self.sc = scenario
        self.seed_value = seed
        self.rng_capital, self.rng_talent, self.rng_strategy, self.rng_entry = (
            np.random.default_rng(s) for s in streams[1:])
        self.calendar = Calendar(scenario.time.start, scenario.time.end)
        self.t = 0
        self.firms: list[Firm] = []
        self.firm_by_name: dict[str, Firm] = {}
        self.live_firms: list[Firm] = []
        self.live_startups: list[Startup] = []
        self.giants: list[Giant] = []
        self.entrants = 0
        self._ranks_key: tuple[int, int] = (-1, -1)
        self._ranks: dict[Startup, float] = {}
        self.recorder = Recorder(record_firms)
        self.log = self.recorder.event_logger(self)
        # market state
        osp = scenario.open_source
        self.open_source_active = osp.enabled
        self.endogenous_step = self.calendar.step_of(osp.endogenous_after)
        self.open_floor = technology.frontier(self, 0) - osp.initial_floor_gap
        self.open_floor_candidates: list[float] = []
        self.floor_gain = 0.0
        self.floor_shock = 0.0
        self.closest_floor_gap = osp.initial_floor_gap
        self.floor_history: list[float] = []
        self.schedule = open_source.scheduled_releases(self)
        self.sentiment = scenario.capital.sentiment_initial
        self.outside_appeal = capital.outside_appeal(self, 0)
        self.departures_last_month = 0
        self.consumer_market = scenario.demand.consumer_mau_2023
        self.enterprise_market = scenario.demand.enterprise_usd_per_month_2023
        #: Live vertical startups per niche (kept by strategy.pivot and strategy.exit_firm).
        self.vertical_counts: dict[str, int] = {}
        population.build(self)
        #: Names of the giants that run a cloud (giants neither enter nor exit after the build).
        self.cloud_giants = frozenset(g.name for g in self.giants if g.cloud > 0)
        scheduled = {firm for rels in self.schedule.values() for firm, _, _ in rels}
        for i, firm in enumerate(self.live_startups):
            firm.review_offset = i % scenario.strategy.review_interval_months
        for firm in self.firms:
            if firm.name in scheduled and not isinstance(firm, Startup):
                firm.next_run_step = self.endogenous_step  # history comes from the schedule until then

    # ------------------------------------------------------------------ population
    def add_firm(self, firm: Firm) -> None:
        """Register a new firm (at build or on entry)."""
        self.firms.append(firm)
        self.firm_by_name[firm.name] = firm
        self.live_firms.append(firm)
        if isinstance(firm, Startup):
            self.live_startups.append(firm)
        elif isinstance(firm, Giant):
            self.giants.append(firm)

    def on_exit(self, firm: Startup) -> None:
        """Remove an exited firm from the live lists: it never acts again."""
        self.live_firms.remove(firm)
        self.live_startups.remove(firm)

    @property
    def startups(self) -> list[Startup]:
        """Every startup ever in the run (exited ones too), in the order they were added."""
        return list(self.agents_by_type.get(Startup, ()))

    # ------------------------------------------------------------------ time
    def step(self) -> None:
        """One month of the story (see the module docstring)."""
        self.floor_history.append(self.open_floor)
        for firm in self.firms:
            firm.begin_month()
        technology.step(self)
        open_source.step(self)
        demand.step(self)
        accounts.step(self)
        capital.step(self)
        talent.step(self)
        strategy.step(self)
        entry.step(self)
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
        for f in self.firms:
            if not isinstance(f, Startup):
                continue
            if f.strategy == EXITED:
                exited += 1
                continue
            alive += 1
            if f.strategy == FOUNDATION:
                found += 1
            else:
                pivoted += 1
        return found, alive, pivoted, exited

    def ranks(self) -> dict[Startup, float]:
        """Capability ranks of live startups (cached per month and population)."""
        key = (self.t, len(self.live_startups))
        if self._ranks_key != key:
            self._ranks_key, self._ranks = key, capital.ranks(self)
        return self._ranks

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
