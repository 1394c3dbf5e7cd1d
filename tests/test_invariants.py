"""Invariants that hold in every run: money is conserved, executives are accounted for, exited firms
never act, strategies only pivot one way, open labs never raise venture money.

Checked over a few seeds of the baseline, a generic market (30 startups, 3 giants, 2 open labs, entry,
endogenous open source) and a distressed baseline (no venture capital, so startups run out of cash and exit).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import pytest

from sim.agents import EXITED, FOUNDATION, INTEGRATOR, VERTICAL, Startup
from sim.exits import exit_firm
from sim.model import MarketModel, release
from sim.results import RunResult
from sim.scenario import Scenario

SEEDS = [0, 1, 2]
SCENARIOS = ["baseline", "generic", "distressed"]
STRATEGIES = {FOUNDATION, VERTICAL, INTEGRATOR, EXITED}
ALLOWED_CHANGES = {(FOUNDATION, VERTICAL), (FOUNDATION, INTEGRATOR), (FOUNDATION, EXITED), (VERTICAL, EXITED),
                   (INTEGRATOR, EXITED)}
FLOWS = ("revenue_usd", "funding_usd", "external_usd", "transfers_usd", "costs_usd")


@dataclass
class Trace:
    """A run stepped by hand: its tables plus what the tables cannot show."""

    result: RunResult
    start_cash: dict[str, float]  # cash of the firms built at the start, before the first month
    initial_execs: dict[str, int]  # executives per startup when it was created
    exec_counts: list[dict[str, tuple[int, int, int, int]]] = field(default_factory=list)
    # per step: firm -> (in post, departed, released, size of the executive list)
    # per step: (the model's incremental count of live vertical startups per niche, a recount)

    def rows(self) -> dict[str, list[dict]]:
        """Firm -> its rows (dicts), in step order."""
        cols = self.result.firms
        out: dict[str, list[dict]] = defaultdict(list)
        for i in range(len(cols["firm"])):
            out[cols["firm"][i]].append({k: v[i] for k, v in cols.items()})
        return out

    def events(self) -> list[dict]:
        cols = self.result.events
        return [{k: v[i] for k, v in cols.items()} for i in range(len(cols["firm"]))]


def trace(scenario: Scenario, seed: int) -> Trace:
    model = MarketModel(scenario, seed)
    try:
        tr = Trace(result=None, start_cash={f.name: f.cash_usd for f in model.firms},  # type: ignore[arg-type]
                   initial_execs={f.name: len(f.executives) for f in model.startups})
        for _ in range(model.calendar.n_steps):
            model.step()
            counts = {}
            for f in model.startups:
                tr.initial_execs.setdefault(f.name, len(f.executives))  # entrants
                status = [e.status for e in f.executives]
                counts[f.name] = (status.count("in_post"), status.count("departed"), status.count("released"),
                                  len(status))
            tr.exec_counts.append(counts)
        tr.result = model.recorder.result(model)
        return tr
    finally:
        release(model)


@pytest.fixture(scope="module", params=[(s, seed) for s in SCENARIOS for seed in SEEDS],
                ids=[f"{s}-{seed}" for s in SCENARIOS for seed in SEEDS])
def tr(request, baseline: Scenario, generic: Scenario) -> Trace:
    name, seed = request.param
    sc = {"baseline": baseline, "generic": generic,
          "distressed": baseline.with_overrides({"capital.enabled": False})}[name]
    return trace(sc, seed)


def _tol(*values: float) -> float:
    return 1e-9 * max(1.0, *(abs(v) for v in values))


# ----------------------------------------------------------------------------- money
def test_money_is_conserved(tr: Trace) -> None:
    entries = {e["firm"]: e for e in tr.events() if e["type"] == "entry"}
    bad = []
    for firm, rows in tr.rows().items():
        if firm in entries:
            assert firm not in tr.start_cash
            first = rows[0]
            assert first["step"] == entries[firm]["step"]
            assert first["cash_usd"] == entries[firm]["amount_usd"] == first["funding_usd"]
            prev = 0.0  # an entrant comes in with its seed capital as this month's funding
        else:
            prev = tr.start_cash[firm]
        for r in rows:
            flows = r["revenue_usd"] + r["funding_usd"] + r["external_usd"] + r["transfers_usd"] - r["costs_usd"]
            if abs(r["cash_usd"] - prev - flows) > _tol(prev, r["cash_usd"], *(r[k] for k in FLOWS)):
                bad.append(f"{firm} step {r['step']} ({r['strategy']}): cash {prev:.6g} -> {r['cash_usd']:.6g}, "
                           f"flows {flows:.6g}")
            prev = r["cash_usd"]
    assert not bad, f"{len(bad)} ledger breaks, first: " + "; ".join(bad[:5])


def test_named_firms_start_with_the_scenario_cash(tr: Trace, baseline: Scenario) -> None:
    for spec in [*baseline.startups, *baseline.giants, *baseline.open_labs]:
        if spec.name in tr.start_cash:
            assert tr.start_cash[spec.name] == spec.cash_usd


def test_transfers_sum_to_zero_each_month(tr: Trace) -> None:
    cols = tr.result.firms
    by_step: dict[int, list[float]] = defaultdict(list)
    for step, x in zip(cols["step"], cols["transfers_usd"], strict=True):
        by_step[step].append(x)
    for step, xs in by_step.items():
        assert abs(sum(xs)) <= _tol(*xs), (step, sum(xs))


def test_funding_matches_the_events(tr: Trace) -> None:
    """Funding (plus a giant's stake) in a month is the sum of that month's rounds, listings and entry."""
    raised: dict[tuple[str, int], float] = defaultdict(float)
    for e in tr.events():
        if e["type"] in ("funding_round", "ipo", "entry") and not math.isnan(e["amount_usd"]):
            raised[(e["firm"], e["step"])] += e["amount_usd"]
    for rows in tr.rows().values():
        for r in rows:
            if r["kind"] != "startup":
                continue
            got = r["funding_usd"] + max(r["transfers_usd"], 0.0)
            assert math.isclose(got, raised[(r["firm"], r["step"])], rel_tol=1e-9, abs_tol=1e-6), (r["firm"], r["step"])


# ----------------------------------------------------------------------------- executives
def test_every_executive_is_accounted_for(tr: Trace) -> None:
    for t, counts in enumerate(tr.exec_counts):
        for firm, (in_post, departed, released, n) in counts.items():
            assert n == tr.initial_execs[firm], (t, firm)
            assert in_post + departed + released == tr.initial_execs[firm], (t, firm)


def test_executives_column_matches_and_never_increases(tr: Trace) -> None:
    departures: dict[tuple[str, int], int] = defaultdict(int)
    for e in tr.events():
        if e["type"] == "departure":
            departures[(e["firm"], e["step"])] += 1
    for firm, rows in tr.rows().items():
        if rows[0]["kind"] != "startup":
            assert all(r["executives"] == 0 for r in rows)
            continue
        prev = tr.initial_execs[firm]
        for r in rows:
            in_post = tr.exec_counts[r["step"]][firm][0]
            assert r["executives"] == in_post, (firm, r["step"])
            assert r["executives"] <= prev, (firm, r["step"])
            assert 0 <= r["executives_technical"] <= r["executives"]
            if r["strategy"] != EXITED:  # departures are the only way out while the firm lives
                assert prev - r["executives"] == departures[(firm, r["step"])], (firm, r["step"])
            prev = r["executives"]
    final = tr.result.executives
    for firm, execs in final.items():
        departed = sum(1 for _, status, _, _ in execs if status == "departed")
        assert departed == sum(n for (f, _), n in departures.items() if f == firm)


def test_departures_column_counts_departure_events(tr: Trace) -> None:
    per_step: dict[int, int] = defaultdict(int)
    for e in tr.events():
        if e["type"] == "departure":
            per_step[e["step"]] += 1
    m = tr.result.model
    for step, n in zip(m["step"], m["departures"], strict=True):
        assert n == per_step[step]


# ----------------------------------------------------------------------------- exits
def test_no_firm_acts_after_it_exits(tr: Trace) -> None:
    events = tr.events()
    exits: dict[str, int] = {}
    for e in events:
        if e["type"] == "exit":
            assert e["firm"] not in exits, f"{e['firm']} exits twice"
            exits[e["firm"]] = e["step"]
    for i, e in enumerate(events):
        if e["firm"] in exits and e["step"] >= exits[e["firm"]] and e["type"] != "exit":
            later = [x for x in events[i:] if x["type"] == "exit" and x["firm"] == e["firm"]]
            assert later, f"{e['firm']} has a {e['type']} event at step {e['step']} after its exit"
    rows = tr.rows()
    for firm, step in exits.items():
        at_exit = next(r for r in rows[firm] if r["step"] == step)
        for r in rows[firm]:
            if r["step"] < step:
                assert r["strategy"] != EXITED
                continue
            assert r["strategy"] == EXITED, (firm, r["step"])
            assert r["executives"] == 0
            if r["step"] > step:
                assert r["cash_usd"] == at_exit["cash_usd"], (firm, r["step"], "cash moved after exit")
                assert r["mau"] == 0 and r["revenue_usd"] == 0, (firm, r["step"])
                assert all(r[k] == 0 for k in FLOWS), (firm, r["step"], {k: r[k] for k in FLOWS})
        assert all(st == "released" or st == "departed" for _, st, _, _ in tr.result.executives[firm])


def test_a_vertical_exit_frees_its_niche(baseline: Scenario) -> None:
    """Niche rivals are recounted from the live verticals: an exited vertical competes no more."""
    from sim import demand
    for seed in range(10):  # the first seed of the baseline in which some startup turns vertical
        model = MarketModel(baseline.with_overrides({"strategy.commitment_months": 0}), seed)
        try:
            while not any(f.strategy == VERTICAL for f in model.live_startups) \
                    and model.t < model.calendar.n_steps - 1:
                model.step()
            firm = next((f for f in model.live_startups if f.strategy == VERTICAL), None)
            if firm is None:
                continue
            before = demand.niche_rivals_fit(model, firm.niche)
            exit_firm(model, firm, chosen=False)
            assert demand.niche_rivals_fit(model, firm.niche) == pytest.approx(
                before - demand.vertical_fit(model, firm))
            return
        finally:
            release(model)
    pytest.fail("no startup turned vertical in seeds 0-9")


def test_strategies_and_one_way_pivots(tr: Trace) -> None:
    changes = {(e["firm"], e["step"]): e["type"] for e in tr.events() if e["type"] in ("pivot", "exit")}
    for firm, rows in tr.rows().items():
        strategies = [r["strategy"] for r in rows]
        assert set(strategies) <= STRATEGIES, firm
        if rows[0]["kind"] != "startup":
            assert set(strategies) == {FOUNDATION}, firm
            continue
        assert strategies[0] in (FOUNDATION, VERTICAL, INTEGRATOR, EXITED)
        for a, b, r in zip(strategies, strategies[1:], rows[1:], strict=False):
            if a == b:
                continue
            assert (a, b) in ALLOWED_CHANGES, (firm, r["step"], a, b)
            assert changes.get((firm, r["step"])) == ("exit" if b == EXITED else "pivot"), (firm, r["step"])
        assert sum(1 for (f, _), t in changes.items() if f == firm and t == "pivot") <= 1


def test_model_counts_match_firm_rows(tr: Trace) -> None:
    by_step: dict[int, list[str]] = defaultdict(list)
    cols = tr.result.firms
    for step, kind, strategy in zip(cols["step"], cols["kind"], cols["strategy"], strict=True):
        if kind == "startup":
            by_step[step].append(strategy)
    m = tr.result.model
    for i, step in enumerate(m["step"]):
        s = by_step[step]
        assert m["n_foundation"][i] == s.count(FOUNDATION)
        assert m["n_alive"][i] == len(s) - s.count(EXITED)
        assert m["n_pivoted"][i] == s.count(VERTICAL) + s.count(INTEGRATOR)
        assert m["n_exited"][i] == s.count(EXITED)


# ----------------------------------------------------------------------------- who raises money
def test_only_startups_raise_venture_money(tr: Trace) -> None:
    kinds = tr.result.firm_kinds
    for e in tr.events():
        if e["type"] in ("funding_round", "ipo"):
            assert kinds[e["firm"]] == "startup", e
    assert not [e for e in tr.events() if e["firm"] == "DeepSeek" and e["type"] == "funding_round"]
    for firm, rows in tr.rows().items():
        if kinds[firm] != "startup":
            assert all(r["funding_usd"] == 0 and r["funding_raised_usd"] == 0 for r in rows), firm
        if kinds[firm] == "open_source":
            assert all(r["transfers_usd"] == 0 for r in rows), firm


def test_the_distressed_scenario_has_exits(baseline: Scenario) -> None:
    """Guards the exit checks above against a tuning in which nobody exits."""
    sc = baseline.with_overrides({"capital.enabled": False})
    exits = sum(trace(sc, seed).result.events["type"].count("exit") for seed in SEEDS)
    assert exits > 0


# ----------------------------------------------------------------------------- forced exits
def test_forced_exit_keeps_the_books(baseline: Scenario) -> None:
    """Force a startup out in month 7 and check its rows afterwards and the ledger of every firm."""
    model = MarketModel(baseline.with_overrides({"time.end": "2024-06"}), 0)
    try:
        start = {f.name: f.cash_usd for f in model.firms}
        for _ in range(6):
            model.step()
        firm = next(f for f in model.live_startups)
        exit_firm(model, firm, chosen=False)
        assert firm.strategy == EXITED and firm not in model.live_firms and firm not in model.live_startups
        assert all(e.status != "in_post" for e in firm.executives)
        cash = firm.cash_usd
        while model.t < model.calendar.n_steps:
            model.step()
        assert firm.cash_usd == cash
        res = model.recorder.result(model)
    finally:
        release(model)
    tr = Trace(result=res, start_cash=start, initial_execs={})
    later = [r for r in tr.rows()[firm.name] if r["step"] >= 6]
    assert all(r["strategy"] == EXITED and r["mau"] == 0 and r["revenue_usd"] == 0 for r in later)
    assert all(all(r[k] == 0 for k in FLOWS) for r in later), "an exited firm's rows repeat stale money flows"
    assert not [e for e in tr.events() if e["firm"] == firm.name and e["step"] > 5 and e["type"] != "exit"]


def test_scheduled_release_of_an_exited_firm(baseline: Scenario) -> None:
    """A dated release naming a startup that has exited must not be logged as that firm acting."""
    sc = baseline.with_overrides({"time.end": "2023-12", "open_source.releases": [
        {"date": "2023-06", "firm": "Moonshot", "name": "Kimi-open", "gap_doublings": 1.0}]})
    model = MarketModel(sc, 0)
    try:
        model.step()
        firm = model.firm_by_name["Moonshot"]
        exit_firm(model, firm, chosen=False)
        cap = firm.capability
        while model.t < model.calendar.n_steps:
            model.step()
        assert firm.capability == cap and isinstance(firm, Startup)
        res = model.recorder.result(model)
    finally:
        release(model)
    acts = [(s, t) for f, s, t in zip(res.events["firm"], res.events["step"], res.events["type"], strict=True)
            if f == "Moonshot" and t != "exit" and s > 0]
    assert not acts, f"Moonshot acts after its exit: {acts}"
