"""The industry life cycle (sim.experiments.lifecycle): the criteria on synthetic tables whose answer is known,
the series on a real run, and the ``lifecycle`` command end to end."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.calendar import format_month, parse_month
from sim.cli import main
from sim.experiments import lifecycle as lc
from sim.model import run
from sim.scenario import Scenario, load_scenario

ROOT = Path(__file__).resolve().parents[1]
MONTHS = 48
START = "2023-01"


def _date(t: int) -> str:
    return format_month(parse_month(START) + t)


def synthetic(entries: dict[int, int], exits: dict[int, int], revenue: Callable[[int, int, bool], float],
              incumbents: int = 10, seed: int = 0, tokens: bool = False) -> dict[str, pd.DataFrame]:
    """One seed's tables: ``incumbents`` startups at month 0, ``entries[t]`` entrants in month t, ``exits[t]`` exits
    in month t (entrants leave first, latest in first; the first incumbent, the leader, never), and a giant that
    is no producer. ``revenue(firm index, month, leader)`` is each live startup's revenue."""
    firms: list[str] = [f"Inc-{i}" for i in range(incumbents)]
    born = dict.fromkeys(firms, 0)
    gone: dict[str, int] = {}
    ev = []
    for t in range(MONTHS):
        for _ in range(entries.get(t, 0)):
            name = f"Ent-{len(firms)}"
            firms.append(name)
            born[name] = t
            ev.append((t, name, "entry"))
        for _ in range(exits.get(t, 0)):
            victim = next(f for f in reversed(firms) if f not in gone and born[f] < t and f != "Inc-0")
            gone[victim] = t
            ev.append((t, victim, "exit"))
    rows = []
    for t in range(MONTHS):
        rows.append((t, "Giant-01", "giant", "foundation", 1e12, 1e9))
        for i, f in enumerate(firms):
            if born[f] > t:
                continue
            dead = f in gone and gone[f] <= t
            rev = 0.0 if dead else revenue(i, t, f == "Inc-0")
            rows.append((t, f, "startup", "exited" if dead else "foundation", rev, 0.0 if dead else 100.0))
    fr = pd.DataFrame(rows, columns=["step", "firm", "kind", "strategy", "revenue_usd", "mau"])
    fr["date"] = fr["step"].map(_date)
    fr["seed"] = seed
    fr["cash_usd"] = 1.0  # a column the analysis does not read
    if tokens:
        fr["tokens_mtok"] = np.where(fr["strategy"] == "exited", 0.0, 1.0)
    model = pd.DataFrame({"seed": seed, "step": range(MONTHS), "date": [_date(t) for t in range(MONTHS)]})
    events = pd.DataFrame(ev, columns=["step", "firm", "type"])
    events["date"] = events["step"].map(_date)
    events["seed"] = seed
    return {"model": model, "firms": fr, "events": events}


#: The textbook shakeout: 24 entrants in months 1-12 (peak 34 producers), 24 exits in months 18-41 (10 left);
#: the leader's revenue grows with time, everyone else earns 1 a month.
ENTRIES = {t: 2 for t in range(1, 13)}
EXITS = {t: 1 for t in range(18, 42)}


def leader_grows(i: int, t: int, leader: bool) -> float:
    return 2.0 * t if leader else 1.0


def _check(tables: dict[str, pd.DataFrame], criteria: lc.Criteria | None = None) -> lc.SeedCheck:
    criteria = criteria or lc.Criteria()
    (series,) = lc.monthly(tables, criteria)
    return lc.check(series, criteria)


def _oks(res: lc.SeedCheck) -> dict[str, bool]:
    return {k: v.ok for k, v in res.criteria.items()}


def test_a_textbook_shakeout_meets_every_criterion() -> None:
    res = _check(synthetic(ENTRIES, EXITS, leader_grows))
    assert _oks(res) == dict.fromkeys(lc.CRITERIA, True) and res.shakeout
    assert (res.peak_producers, res.peak_month, res.stats["end_producers"]) == (34, _date(12), 10)
    assert res.fall_from_peak == pytest.approx(1 - 10 / 34)
    assert res.stats["entry_collapse_month"] == _date(22)  # window 11..22 holds 2 x 2 = 4 < 0.25 x 24
    assert res.stats["exit_peak_month"] == _date(29)  # the first month with 12 exits in the window
    assert res.top_decile_end == pytest.approx(94 / (94 + 9))  # one firm of ten: the leader


def test_each_criterion_fails_alone_when_its_regularity_is_missing() -> None:
    few_exits = {t: 1 for t in range(18, 28)}  # 34 -> 24: a 29% fall
    assert _oks(_check(synthetic(ENTRIES, few_exits, leader_grows))) == {
        "rise_and_fall": False, "output_grows": True, "entry_collapses_first": True, "sizes_skew": True}

    def shrinking(i: int, t: int, leader: bool) -> float:  # the same shares, a fifth of the money after month 20
        return leader_grows(i, t, leader) * (1.0 if t <= 20 else 0.2)

    assert _oks(_check(synthetic(ENTRIES, EXITS, shrinking))) == {
        "rise_and_fall": True, "output_grows": False, "entry_collapses_first": True, "sizes_skew": True}
    early_exits = {t: 3 for t in range(13, 21)}  # rolling exits peak at month 20, before entry collapses (22)
    res = _check(synthetic(ENTRIES, early_exits, leader_grows))
    assert _oks(res) == {"rise_and_fall": True, "output_grows": True, "entry_collapses_first": False,
                         "sizes_skew": True}
    assert res.stats["exit_peak_month"] == _date(20)

    def equal(i: int, t: int, leader: bool) -> float:  # everyone alike, growing
        return (1.0 + t) ** 2

    res = _check(synthetic(ENTRIES, EXITS, equal))
    assert _oks(res) == {"rise_and_fall": True, "output_grows": True, "entry_collapses_first": True,
                         "sizes_skew": False}
    assert res.top_decile_end == pytest.approx(0.1) and not res.shakeout


def test_thresholds_are_parameters() -> None:
    tables = synthetic(ENTRIES, EXITS, leader_grows)
    assert not _oks(_check(tables, lc.Criteria(fall_from_peak=0.8)))["rise_and_fall"]  # 71% < 80%
    assert not _oks(_check(tables, lc.Criteria(top_decile_end=0.95)))["sizes_skew"]
    assert not _oks(_check(tables, lc.Criteria(output_growth=3.0)))["output_grows"]
    assert "80%" in lc.Criteria(fall_from_peak=0.8).describe()["rise_and_fall"]


def test_no_entry_or_no_exit_fails_the_timing_criterion() -> None:
    res = _check(synthetic(ENTRIES, {}, leader_grows))
    assert not res.criteria["entry_collapses_first"].ok and "0 exits" in res.criteria["entry_collapses_first"].detail
    assert not res.criteria["rise_and_fall"].ok


def test_output_uses_tokens_when_the_firms_table_has_them() -> None:
    (s,) = lc.monthly(synthetic(ENTRIES, EXITS, leader_grows, tokens=True))
    assert s.output_metric == "tokens_mtok"
    assert np.array_equal(s.output, s.producers.astype(float))  # one million tokens per live producer
    (r,) = lc.monthly(synthetic(ENTRIES, EXITS, leader_grows))
    assert r.output_metric == "revenue_usd"


def test_concentration_measures() -> None:
    assert lc.top_share(np.array([5.0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]), 0.1) == pytest.approx(6 / 15)  # top 2 of 11
    assert math.isnan(lc.top_share(np.zeros(3), 0.1))  # NaN without revenue
    assert lc.gini(np.ones(5)) == pytest.approx(0.0)
    assert lc.gini(np.array([0.0, 0, 0, 10])) == pytest.approx(0.75)  # (n-1)/n
    assert list(lc.rolling(np.array([1, 0, 2, 0, 0]), 2)) == [1, 1, 2, 2, 0]


def test_summary_over_seeds() -> None:
    shake = synthetic(ENTRIES, EXITS, leader_grows, seed=0)
    flat = synthetic(ENTRIES, {}, leader_grows, seed=1)
    tables = {k: pd.concat([shake[k], flat[k]], ignore_index=True) for k in shake}
    checks = [lc.check(s) for s in lc.monthly(tables)]
    summary = lc.summarise(checks)
    assert summary["seeds"] == 2 and summary["share"]["shakeout"] == 0.5 and summary["share"]["output_grows"] == 1
    assert summary["peak_producers"]["median"] == 34 and summary["peak_month"]["start"] == START
    b = lc.bands(lc.monthly(tables))
    assert b["producers"]["median"][0] == 10 and len(b["dates"]) == MONTHS


@pytest.fixture(scope="module")
def free_entry_short() -> Scenario:
    return load_scenario(ROOT / "scenarios" / "free_entry.toml").with_overrides({"time.end": "2024-06"})


def test_producers_follow_entries_and_exits_in_a_real_run(free_entry_short: Scenario) -> None:
    """Producers are startups training foundation models: their count moves by exactly the month's entries minus
    its exits from production (pivots, and exits of firms that had not pivoted); a run with both."""
    r = run(free_entry_short.with_overrides({"exits.exit_runway_months": 12, "population.startups": 8,
                                             "strategy.commitment_months": 0}), 0)
    (s,) = lc.monthly(lc.frames_from_results([r]))
    assert np.array_equal(np.diff(s.producers), s.entries[1:] - s.exits[1:])
    assert s.producers[0] == 8 + s.entries[0] - s.exits[0]
    assert s.entries.sum() > 0 and s.exits.sum() > 0


def test_the_command_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    res = tmp_path / "fe"
    scen = str(ROOT / "scenarios" / "free_entry.toml")
    assert main(["run", scen, "--seeds", "3", "--workers", "1", "--set", "time.end=2024-12", "--no-figures",
                 "--quiet", "--out", str(res)]) == 0
    capsys.readouterr()
    assert main(["lifecycle", str(res), "--json", "--criterion", "fall_from_peak=0.4"]) == 0
    printed = json.loads(capsys.readouterr().out)
    saved = json.loads((res / "lifecycle" / "lifecycle.json").read_text())
    assert printed["seeds"] == 3 and printed["scenario"] == "free_entry" and printed["model_version"]
    assert printed["thresholds"]["fall_from_peak"] == 0.4 and printed["output_metric"] == "tokens_mtok"
    per = saved["per_seed"]
    assert [p["seed"] for p in per] == [0, 1, 2]
    for name in lc.CRITERIA:
        assert printed["share"][name] == pytest.approx(sum(p["criteria"][name]["ok"] for p in per) / 3)
    assert (res / "lifecycle" / "lifecycle.png").stat().st_size > 10_000
    assert main(["lifecycle", str(res)]) == 2  # other thresholds into the same folder: refused ...
    assert "input_hash" in capsys.readouterr().err
    assert main(["lifecycle", str(res), "--force"]) == 0  # ... unless --force
    assert "shakeout (all four)" in capsys.readouterr().out


@pytest.mark.parametrize("args, words", [
    (["lifecycle", "no/such/folder"], ["no/such/folder", "results folder"]),
    (["lifecycle", "{res}", "--criterion", "fall=0.3"], ["--criterion", "fall", "fall_from_peak"]),
    (["lifecycle", "{res}", "--criterion", "window_months=x"], ["window_months", "number"]),
])
def test_bad_input_exits_2(args: list[str], words: list[str], tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "model.parquet").write_bytes(b"")
    assert main([a.replace("{res}", str(tmp_path)) for a in args]) == 2
    err = capsys.readouterr().err
    assert all(w in err for w in words), err
