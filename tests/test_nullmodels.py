"""Null models and label swaps (sim.experiments.nullmodels): the scenario transforms, the relabelling, the
``nullmodels`` command, and (slow) that homogenised firms no longer single one firm out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import canonical

from sim.cli import main
from sim.errors import InputError
from sim.experiments import nullmodels as nm
from sim.experiments.executors import make_executor
from sim.model import run
from sim.params import StartupSpec
from sim.scenario import Scenario, validate_dict


def _inputs(spec: StartupSpec) -> dict:
    return {f: getattr(spec, f) for f in nm.input_fields()}


def test_input_fields_are_the_spec_but_name_and_provenance() -> None:
    fields = nm.input_fields()
    assert "name" not in fields and "source" not in fields and nm.provenance_fields() == ["source"]
    assert set(fields) | {"name", "source"} == set(StartupSpec.model_fields)


def test_combine_rules() -> None:
    assert nm.combine([1.0, 2.0, 6.0]) == pytest.approx(3.0)
    assert nm.combine([1, 2]) == 2 and nm.combine([4, 5, 5]) == 5 and isinstance(nm.combine([1, 2]), int)
    assert nm.combine([True, False]) is True and nm.combine([True, False, False]) is False
    assert nm.combine([["A", "B"], ["B"], [], ["C", "A"]]) == ["A", "B"]  # each held by at least half
    assert nm.combine(["", "medicine", ""]) == "" and nm.combine(["x", "y"]) == "x"  # tie: first firm's


def test_homogenise_gives_identical_inputs_and_leaves_the_original(baseline: Scenario) -> None:
    before = baseline.hash()
    h = nm.homogenise(baseline)
    assert baseline.hash() == before and h.hash() != before
    assert [s.name for s in h.startups] == [s.name for s in baseline.startups]
    first = _inputs(h.startups[0])
    assert all(_inputs(s) == first for s in h.startups[1:])
    assert first["cash_usd"] == pytest.approx(sum(s.cash_usd for s in baseline.startups) / len(baseline.startups))
    assert all("homogenised" in s.source for s in h.startups)
    assert h.giants == baseline.giants and h.capital == baseline.capital


def test_homogenise_a_subset(baseline: Scenario) -> None:
    h = nm.homogenise(baseline, ["Zhipu", "Moonshot"])
    z, m = h.startups[0], h.startups[2]
    assert _inputs(z) == _inputs(m) and z.cash_usd == pytest.approx((3.47e8 + 6.0e7) / 2)
    assert h.startups[1] == baseline.startups[1] and h.startups[5] == baseline.startups[5]


def test_swap_exchanges_everything_but_names(baseline: Scenario) -> None:
    before = baseline.hash()
    s = nm.swap(baseline, "Zhipu", "01.AI")
    assert baseline.hash() == before
    z, o = s.startups[0], s.startups[5]
    assert (z.name, o.name) == ("Zhipu", "01.AI")
    for f in StartupSpec.model_fields:
        if f != "name":
            assert getattr(z, f) == getattr(baseline.startups[5], f), f
            assert getattr(o, f) == getattr(baseline.startups[0], f), f
    assert s.startups[1:5] == baseline.startups[1:5]
    assert nm.swap(s, "01.AI", "Zhipu").hash() == before  # twice = identity


def test_unknown_firm_is_a_clear_error(baseline: Scenario) -> None:
    for call in (lambda: nm.swap(baseline, "Zhipu", "Zhipuu"), lambda: nm.homogenise(baseline, ["Zhipuu"]),
                 lambda: nm.parse_swaps("Zhipu:Zhipuu", baseline)):
        with pytest.raises(InputError, match="Zhipuu") as exc:
            call()
        assert "MiniMax" in str(exc.value)  # names the startups there are
    with pytest.raises(InputError, match="A:B"):
        nm.parse_swaps("Zhipu-Moonshot", baseline)


def test_cli_bad_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture, baseline: Scenario) -> None:
    from conftest import BASELINE

    code = main(["nullmodels", str(BASELINE), "--seeds", "2", "--swaps", "Zhipu:Nobody", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and "Nobody" in err and "--swaps" in err and "Traceback" not in err
    assert main(["nullmodels", str(BASELINE), "--seeds", "0"]) == 2


def test_default_swaps_swap_every_named_firm_once(baseline: Scenario) -> None:
    pairs = nm.default_swaps(baseline)
    swapped = [f for p in pairs for f in p]
    named = nm.named_firms(baseline)
    assert sorted(named) == sorted(["Zhipu", "Moonshot", "Baichuan", "01.AI"])
    assert all(swapped.count(f) == 1 for f in named)
    assert all(p[0] != p[1] for p in pairs)


def test_a_relabelled_swap_is_the_scenario_with_the_two_places_exchanged(short: Scenario) -> None:
    """Names are labels only: the swapped run with the names exchanged back is, table for table, the run of the
    scenario with the two firms' places in the list exchanged (so the relabelled share measures list position)."""
    swapped = run(nm.swap(short, "Zhipu", "Moonshot"), 5)
    data = short.to_dict()
    data["startups"][0], data["startups"][2] = data["startups"][2], data["startups"][0]
    moved = run(validate_dict(data, "test"), 5)
    for name in ("firms", "events"):
        back = nm.relabel(getattr(swapped, name), "Zhipu", "Moonshot")
        ref = getattr(moved, name)
        assert canonical(type(swapped)(seed=5, **{name: back}).table(name)).equals(canonical(moved.table(name))), name
        assert back["firm"] == ref["firm"]


def test_the_command_on_a_few_seeds(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from conftest import BASELINE

    assert main(["nullmodels", str(BASELINE), "--seeds", "3", "--workers", "1", "--swaps", "Zhipu:Moonshot",
                 "--out", str(tmp_path), "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert [v["name"] for v in rep["variants"]] == ["as given", "homogenised", "swap Zhipu:Moonshot"]
    assert rep["seeds"] == [0, 1, 2] and len(rep["patterns"]) == 17
    t11 = next(s for s in rep["swaps"] if s["pattern"] == "T11")
    assert t11["swap_relabelled"] >= t11["swap_as_named"]  # the firm with Zhipu's inputs leads
    assert "| T11 |" in (tmp_path / "nullmodels.md").read_text()
    assert json.loads((tmp_path / "nullmodels.json").read_text())["input_hash"] == rep["input_hash"]


#: Firm-named patterns that single one startup out among the six by its own inputs (the most departures, a revenue
#: rank, the only raiser). T12 (Moonshot's MAU a tenth of the leaders') compares a startup with the giants, and T6
#: (01.AI an integrator, Baichuan pivoted) holds in model 3 whenever all six pivot: with identical startups both hold
#: for any of them, so they are reported as system patterns (docs/null-models.md), not as firm-specific evidence.
SINGLES_OUT = ("T3", "T4", "T10", "T11")
SYSTEM_IN_MODEL_3 = ("T6", "T12")


@pytest.mark.slow
def test_homogenised_baseline_singles_no_firm_out(baseline: Scenario) -> None:
    """With identical inputs no firm-named pattern that singles a startup out holds in more than a third of 30
    seeds (about 5 s on one core)."""
    seeds = list(range(30))
    with make_executor("serial") as pool:
        rep = nm.run_null_models(baseline, seeds, [], pool)
    homo = rep["variants"][1]["pass_rate"]
    assert set(SINGLES_OUT) | set(SYSTEM_IN_MODEL_3) == set(nm.FIRM_NAMED)
    assert {p: homo[p] for p in SINGLES_OUT if homo[p] > 1 / 3} == {}
