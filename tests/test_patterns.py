"""Patterns T1-T17 (sim.patterns) and the ``score`` command.

Each pattern is checked on a hand-built history in which all seventeen hold (the article's,
in miniature), and on a small change of it that breaks that pattern. The score command runs
end to end on a folder written from two short real runs of the baseline.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import pytest

from sim.calendar import format_month, parse_month
from sim.cli import main
from sim.outputs import EVENT_FIELD_DEFAULTS, EVENTS_COLUMNS
from sim.patterns import (
    PATTERN_BY_ID,
    PATTERNS,
    SIX,
    Applicability,
    PatternResult,
    evaluate,
    evaluate_tables,
    scorecard,
    split_seeds,
)

IDS = [f"T{i}" for i in range(1, 18)]
GIANTS = ("Alibaba", "ByteDance", "Tencent", "Baidu")
MODEL_COLS = ("seed", "step", "date", "vc_sentiment", "outside_appeal", "enterprise_market_usd")
FIRM_COLS = ("seed", "step", "date", "firm", "kind", "strategy", "mau", "revenue_usd", "revenue_enterprise_usd",
             "revenue_vertical_usd", "api_price_usd_per_mtok", "executives", "executives_technical")
EVENT_COLS = tuple(c.name for c in EVENTS_COLUMNS)


def months(start: str, end: str) -> list[str]:
    return [format_month(m) for m in range(parse_month(start), parse_month(end) + 1)]


class World:
    """A hand-built history, 2023-01..2027-12, in which every pattern holds; tests change one thing."""

    def __init__(self) -> None:
        self.start, self.end = "2023-01", "2027-12"
        self.firms = {**{f: "startup" for f in SIX}, **{g: "giant" for g in GIANTS}, "DeepSeek": "open_source"}
        self.execs = {f: (5, 3) for f in SIX}  # (technical, commercial) at the start
        self.pivots: dict[str, list[tuple[str, str]]] = {f: [] for f in self.firms}  # (date, new strategy)
        self.events: list[dict] = []
        self.mau = {f: 2e7 for f in self.firms} | {"Moonshot": 5e6, "DeepSeek": 1e8, "ByteDance": 1.5e8,
                                                      "Tencent": 8e7}
        self.revenue_2024 = {f: 1e6 for f in self.firms} | {"Zhipu": 3.5e6}  # USD per month in 2024
        self.enterprise = lambda firm, date: 1e6 if date < "2025-01" else 2e6  # the six, USD per month
        self.price = lambda firm, date: 0.2 if firm == "DeepSeek" else 1.0
        self.sentiment = lambda date: 0.6 if date < "2025-01" else 0.3
        self.appeal = lambda date: 0.1 if date < "2025-01" else 0.4
        self.market = lambda step: 1e7 * 1.05 ** step

        # ¶3-¶6: 22 departures since 2024, 10 in 2024 and 12 in H1 2025
        for firm, role, date in [
            ("01.AI", "commercial", "2024-03"), ("01.AI", "technical", "2024-11"), ("01.AI", "technical", "2024-12"),
            ("01.AI", "technical", "2025-01"), ("01.AI", "technical", "2025-02"), ("01.AI", "technical", "2025-03"),
            ("01.AI", "commercial", "2025-04"),
            ("Baichuan", "commercial", "2024-05"), ("Baichuan", "commercial", "2024-08"),
            ("Baichuan", "technical", "2025-01"), ("Baichuan", "technical", "2025-03"),
            ("Baichuan", "technical", "2025-05"),
            ("Zhipu", "technical", "2024-02"), ("Zhipu", "commercial", "2024-06"), ("Zhipu", "technical", "2024-09"),
            ("Zhipu", "commercial", "2025-02"), ("Zhipu", "technical", "2025-04"),
            ("MiniMax", "technical", "2024-04"), ("MiniMax", "commercial", "2025-05"),
            ("Moonshot", "technical", "2024-07"), ("Moonshot", "technical", "2025-06"),
            ("StepFun", "commercial", "2025-03"),
        ]:
            dest = "giant:Alibaba" if len(self.events) % 2 else "founded:coding"
            self.event(firm, "departure", date, role=role, destination=dest)
        self.pivot("01.AI", "2024-10", "integrator", "becomes an integrator of open models with Alibaba cloud",
                   partner="Alibaba")
        self.pivot("Baichuan", "2024-12", "vertical", "pivots to medicine")
        self.pivot("Moonshot", "2026-01", "vertical", "pivots to education")
        self.pivot("StepFun", "2026-06", "exited", "")
        self.event("StepFun", "product_cut", "2025-02", detail="closes Maopaoya (AI companion app)")
        for f in SIX:
            self.event(f, "funding_round", "2024-02", amount=5e7, detail="venture round")
            self.event(f, "release", "2023-06", amount=2e7)
            self.event(f, "release", "2024-01", amount=3e7)
        self.event("Zhipu", "funding_round", "2025-03", amount=1e8, detail="venture round")
        self.event("Zhipu", "ipo", "2025-04", detail="starts IPO process", stage="filing")
        self.event("DeepSeek", "release", "2024-05", detail="open-weight DeepSeek-V2")

    def event(self, firm: str, type_: str, date: str, amount: float = math.nan, role: str = "",
              destination: str = "", detail: str = "", **fields: object) -> None:
        """One event; ``fields`` sets structured columns (``partner``, ``stage``, ...), the rest take their defaults."""
        row = dict(EVENT_FIELD_DEFAULTS) | {"firm": firm, "type": type_, "date": date, "amount_usd": amount,
                                            "role": role, "destination": destination, "detail": detail, **fields}
        self.events.append(row)

    def pivot(self, firm: str, date: str, strategy: str, detail: str, **fields: object) -> None:
        self.pivots[firm].append((date, strategy))
        if strategy != "exited":
            self.event(firm, "pivot", date, detail=detail, **fields)

    def drop(self, pred: Callable[[dict], bool]) -> None:
        self.events = [e for e in self.events if not pred(e)]

    def strategy(self, firm: str, date: str) -> str:
        s = "foundation"
        for d, new in sorted(self.pivots[firm]):
            if d <= date:
                s = new
        return s

    def tables(self) -> tuple[dict, dict, dict]:
        model: dict[str, list] = {c: [] for c in MODEL_COLS}
        firms: dict[str, list] = {c: [] for c in FIRM_COLS}
        for step, date in enumerate(months(self.start, self.end)):
            for c, v in zip(MODEL_COLS, (7, step, date, self.sentiment(date), self.appeal(date), self.market(step)),
                            strict=True):
                model[c].append(v)
            for firm, kind in self.firms.items():
                s = self.strategy(firm, date)
                gone = [e for e in self.events if e["firm"] == firm and e["type"] == "departure" and e["date"] <= date]
                tech0, comm0 = self.execs.get(firm, (0, 0))
                tech = tech0 - sum(1 for e in gone if e["role"] == "technical") if kind == "startup" else 0
                comm = comm0 - sum(1 for e in gone if e["role"] == "commercial") if kind == "startup" else 0
                if s == "exited":
                    tech = comm = 0
                rev = self.revenue_2024[firm] if "2024-01" <= date <= "2024-12" else 1e6
                ent = self.enterprise(firm, date) if firm in SIX else 0.0
                row = (7, step, date, firm, kind, s, self.mau[firm], rev, ent, 0.0, self.price(firm, date),
                       tech + comm, tech)
                for c, v in zip(FIRM_COLS, row, strict=True):
                    firms[c].append(v)
        events: dict[str, list] = {c: [] for c in EVENT_COLS}
        for e in sorted(self.events, key=lambda e: e["date"]):
            if e["date"] > self.end:
                continue
            for c in EVENT_COLS:
                events[c].append({"seed": 7, "step": parse_month(e["date"]) - parse_month(self.start)}.get(c, e.get(c)))
        return model, firms, events

    def results(self) -> dict[str, PatternResult]:
        return {r.id: r for r in evaluate_tables(*self.tables())}


# ---------------------------------------------------------------------------------------------- the interface
def test_patterns_are_t1_to_t17_with_docs() -> None:
    assert [p.id for p in PATTERNS] == IDS
    for p in PATTERNS:
        assert p.name and p.tolerance and p.window and p.evidence.startswith("¶") and p.given
        assert len(p.doc) > 80, f"{p.id} needs a docstring that says why its tolerance"
    doc = (Path(__file__).resolve().parents[1] / "docs" / "patterns.md").read_text()
    for pid in IDS:
        assert f"| {pid} |" in doc, f"docs/patterns.md lacks a row for {pid}"


def test_the_handbuilt_history_passes_every_pattern() -> None:
    results = World().results()
    assert list(results) == IDS
    failed = {i: r.detail for i, r in results.items() if not r.passed}
    assert not failed
    assert all(r.distance == 0.0 for r in results.values())
    assert results["T1"].detail.startswith("22 departures")
    assert "ratio 2.40" in results["T2"].detail


def _fewer_departures(w: World) -> None:
    w.drop(lambda e: e["type"] == "departure" and e["firm"] in ("MiniMax", "StepFun"))


def _many_departures(w: World) -> None:
    for i in range(20):
        w.event("MiniMax", "departure", f"2024-{i % 12 + 1:02d}", role="technical", destination="giant:Tencent")


def _departures_slow_down(w: World) -> None:
    for e in w.events:
        if e["type"] == "departure" and e["firm"] in ("Zhipu", "MiniMax", "Moonshot", "StepFun") \
                and e["date"] >= "2025-01":
            e["date"] = "2024" + e["date"][4:]


def _fewer_01ai(w: World) -> None:
    w.drop(lambda e: e["type"] == "departure" and e["firm"] == "01.AI" and e["date"] >= "2025-02")


def _01ai_keeps_a_technical_leader(w: World) -> None:
    w.execs["01.AI"] = (6, 3)


def _01ai_keeps_no_one(w: World) -> None:
    w.execs["01.AI"] = (5, 2)


def _zhipu_keeps_everyone(w: World) -> None:
    w.drop(lambda e: e["type"] == "departure" and e["firm"] == "Zhipu")


def _only_to_giants(w: World) -> None:
    for e in w.events:
        if e["type"] == "departure":
            e["destination"] = "giant:ByteDance"


def _01ai_keeps_training(w: World) -> None:
    w.pivots["01.AI"] = []
    w.drop(lambda e: e["type"] == "pivot" and e["firm"] == "01.AI")


def _departures_before_the_turn(w: World) -> None:
    w.pivots["01.AI"] = [("2025-04", "integrator")]
    w.pivots["Baichuan"] = [("2025-06", "vertical")]


def _early_abandonment(w: World) -> None:
    w.pivots["01.AI"] = [("2024-02", "integrator")]


def _no_vertical(w: World) -> None:
    w.pivots["Baichuan"] = [("2024-12", "integrator")]


def _no_cut(w: World) -> None:
    w.drop(lambda e: e["type"] == "product_cut")


def _minimax_raises_too(w: World) -> None:
    w.event("MiniMax", "funding_round", "2025-02", amount=5e7)


def _zhipu_already_listed(w: World) -> None:
    w.event("Zhipu", "ipo", "2025-05", amount=2e8, detail="lists its shares", stage="listing")


def _zhipu_small(w: World) -> None:
    w.revenue_2024["Zhipu"] = 1e6


def _moonshot_popular(w: World) -> None:
    w.mau["Moonshot"] = 5e7


def _costly_run(w: World) -> None:
    w.event("Baichuan", "release", "2024-09", amount=8e7)


def _no_runs(w: World) -> None:
    w.drop(lambda e: e["type"] == "release")


def _deepseek_raises(w: World) -> None:
    w.event("DeepSeek", "funding_round", "2024-06", amount=1e8)


def _deepseek_pricey(w: World) -> None:
    w.price = lambda firm, date: 0.8 if firm == "DeepSeek" else 1.0


def _sentiment_rises(w: World) -> None:
    w.sentiment = lambda date: 0.3 if date < "2025-01" else 0.6


def _enterprise_booms(w: World) -> None:
    w.enterprise = lambda firm, date: 1e6 if date < "2025-01" else 5e6


def _market_mature(w: World) -> None:
    w.market = lambda step: 1e8


def _all_keep_training(w: World) -> None:
    for f in ("Moonshot", "StepFun"):
        w.pivots[f] = []


def _none_keeps_training(w: World) -> None:
    for f in ("Zhipu", "MiniMax"):
        w.pivots[f] = [("2027-06", "integrator")]


BREAKS = [
    ("T1", _fewer_departures), ("T1", _many_departures), ("T2", _departures_slow_down), ("T3", _fewer_01ai),
    ("T3", _01ai_keeps_a_technical_leader), ("T3", _01ai_keeps_no_one), ("T4", _zhipu_keeps_everyone),
    ("T5", _only_to_giants), ("T6", _01ai_keeps_training), ("T6", _departures_before_the_turn),
    ("T7", _early_abandonment), ("T8", _no_vertical), ("T9", _no_cut), ("T10", _minimax_raises_too),
    ("T10", _zhipu_already_listed), ("T11", _zhipu_small), ("T12", _moonshot_popular), ("T13", _costly_run),
    ("T13", _no_runs), ("T14", _deepseek_raises), ("T14", _deepseek_pricey), ("T15", _sentiment_rises),
    ("T16", _enterprise_booms), ("T16", _market_mature), ("T17", _all_keep_training),
    ("T17", _none_keeps_training),
]


@pytest.mark.parametrize("pid, change", BREAKS, ids=[f"{p}-{c.__name__.strip('_')}" for p, c in BREAKS])
def test_each_pattern_fails_when_its_fact_is_broken(pid: str, change: Callable[[World], None]) -> None:
    w = World()
    change(w)
    r = w.results()[pid]
    assert not r.passed
    assert r.distance > 0
    assert "(miss)" in r.detail


def test_distance_grows_with_the_miss() -> None:
    near, far = World(), World()
    near.drop(lambda e: e["type"] == "departure" and e["firm"] == "StepFun")
    _fewer_departures(far)
    _zhipu_keeps_everyone(far)
    assert 0 < near.results()["T1"].distance < far.results()["T1"].distance


def test_distance_is_zero_exactly_when_passed() -> None:
    for _, change in BREAKS:
        w = World()
        change(w)
        for r in w.results().values():
            assert r.distance >= 0 and math.isfinite(r.distance)
            assert r.passed == (r.distance == 0.0), r


def test_absent_firm_is_not_applicable() -> None:
    w = World()
    del w.firms["Zhipu"]
    w.drop(lambda e: e["firm"] == "Zhipu")
    r = w.results()
    assert r["T11"] == PatternResult("T11", PATTERN_BY_ID["T11"].name, False, 1.0, "not applicable: firm Zhipu absent",
                                  Applicability.FIRM_ABSENT)
    assert r["T1"].detail == "not applicable: firm Zhipu absent"
    assert r["T12"].passed and r["T14"].passed and r["T15"].passed  # these do not need Zhipu


def test_short_run_is_not_applicable_beyond_its_end() -> None:
    w = World()
    w.end = "2025-06"
    r = w.results()
    assert r["T17"].detail.startswith("not applicable: run covers 2023-01..2025-06") and r["T17"].distance == 1.0
    assert r["T17"].applicable == Applicability.OUTSIDE_WINDOW
    assert r["T1"].passed and r["T1"].applicable == Applicability.APPLICABLE


def test_empty_tables_do_not_crash() -> None:
    empty = [{c: [] for c in cols} for cols in (MODEL_COLS, FIRM_COLS, EVENT_COLS)]
    results = evaluate_tables(*empty)
    assert [r.id for r in results] == IDS and not any(r.passed for r in results)


def test_evaluate_tables_refuses_several_seeds() -> None:
    model, firms, events = World().tables()
    model["seed"][0] = 8
    with pytest.raises(ValueError, match="one seed"):
        evaluate_tables(model, firms, events)


def test_split_seeds() -> None:
    a, b = World().tables(), World().tables()
    for t in b:
        t["seed"] = [9] * len(t["seed"])
    merged = [{c: x[c] + y[c] for c in x} for x, y in zip(a, b, strict=True)]
    split = split_seeds(*merged)
    assert list(split) == [7, 9]
    assert evaluate_tables(*split[9]) == evaluate_tables(*a)


# ---------------------------------------------------------------------------------------------- scorecard
def test_scorecard_shape() -> None:
    good = World().results()
    w = World()
    _fewer_departures(w)
    bad = w.results()
    card = scorecard([list(good.values()), list(bad.values())])
    assert set(card) >= {"seeds", "patterns"} and card["seeds"] == 2
    assert [p["id"] for p in card["patterns"]] == IDS
    for p in card["patterns"]:
        assert {"id", "name", "pass_rate", "median_distance", "tolerance", "window"} <= set(p)
        assert isinstance(p["pass_rate"], float) and 0.0 <= p["pass_rate"] <= 1.0
        assert isinstance(p["median_distance"], float) and isinstance(p["tolerance"], str)
    t1 = card["patterns"][0]
    assert t1["pass_rate"] == 0.5 and t1["median_distance"] == pytest.approx(bad["T1"].distance / 2, abs=1e-4)
    assert json.loads(json.dumps(card)) == card
    assert scorecard([])["seeds"] == 0


# ---------------------------------------------------------------------------------------------- score command
@pytest.fixture(scope="module")
def baseline_runs() -> list:
    from sim.model import run
    from sim.scenario import load_scenario

    scenario = load_scenario(Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml")
    return [run(scenario, seed) for seed in (0, 1)]


def test_score_command_end_to_end(baseline_runs: list, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from sim.results import write_tables

    write_tables(baseline_runs, tmp_path / "pq")
    write_tables(baseline_runs, tmp_path / "csv", "csv")
    assert main(["score", str(tmp_path / "pq"), "--json"]) == 0
    card = json.loads(capsys.readouterr().out)
    assert card == scorecard([evaluate(r) for r in baseline_runs])
    assert card["seeds"] == 2 and [p["id"] for p in card["patterns"]] == IDS
    assert main(["score", str(tmp_path / "csv"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == card
    assert main(["score", str(tmp_path / "pq")]) == 0
    out = capsys.readouterr().out
    assert "T17" in out and "pass rate" in out and "2 seeds" in out


def test_score_command_bad_folder(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["score", str(tmp_path / "missing")]) == 2
    assert "missing" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["score", str(tmp_path / "empty")]) == 2
    assert "found none" in capsys.readouterr().err
    from sim.results import write_tables

    write_tables([], tmp_path / "norows")
    assert main(["score", str(tmp_path / "norows")]) == 2
    assert "expected at least one seed" in capsys.readouterr().err
