"""``compare SCENARIO... --posterior DIR``: draws from a posterior, the relative rule, common random
numbers per (draw, seed), effects and ranking probabilities, determinism, resuming, bad folders."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.calibration.counterfactuals import (
    FINDING_SHARE,
    _summary,
    load_posterior,
    rank,
    ranking_text,
    rules_table,
)
from sim.cli import main
from sim.config import valid_range
from sim.experiments.design import build_design
from sim.experiments.relative import Relative, relative_value
from sim.experiments.spec import spec_from_dict
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"
HAZARD, WORK = "talent.base_hazard_per_month", "talent.abandoned_work_multiplier"
#: The retention counterfactual's hazard: a third of the baseline's (the ratio the rule must keep), read from the
#: shipped baseline so that a recalibration keeps it a lowered value.
RETAINED_HAZARD = round(load_scenario(BASELINE).talent.base_hazard_per_month / 3, 10)
#: Particles of the fake posterior: unequal weights (not normalised: the loader normalises them).
PARTICLES = {HAZARD: [0.002, 0.004, 0.006, 0.010], WORK: [5.0, 10.0, 20.0, 30.0]}
WEIGHTS = [1.0, 2.0, 3.0, 4.0]
METRICS = ["departures_to_2025_06", "alive_end", "hhi_consumer_end"]


@pytest.fixture
def setup(tmp_path: Path) -> dict[str, Path]:
    """A short reference, a retention counterfactual of it, another one, and a calibration folder."""
    ref = tmp_path / "short.toml"
    ref.write_text(f'extends = "{BASELINE.as_posix()}"\nname = "short"\n[time]\nend = "2024-03"\n', encoding="utf-8")
    retain = tmp_path / "retain.toml"
    retain.write_text(f'extends = "short.toml"\nname = "retain"\n[talent]\nbase_hazard_per_month = {RETAINED_HAZARD}\n',
                      encoding="utf-8")
    boom = tmp_path / "boom.toml"
    boom.write_text('extends = "short.toml"\nname = "boom"\n[capital]\nsentiment_base = 0.8\n', encoding="utf-8")
    cal = tmp_path / "cal"
    cal.mkdir()
    frame = pd.DataFrame({"particle": range(4), "weight": WEIGHTS, "distance": [0.1, 0.2, 0.3, 0.4], **PARTICLES,
                          "s:d:T1": [0.0] * 4, "z:" + HAZARD: np.log(PARTICLES[HAZARD])})
    frame.to_parquet(cal / "posterior.parquet", index=False)
    state = {"identity_hash": "feedc0de", "identity": {"parameters": [{"path": HAZARD}, {"path": WORK}]}}
    (cal / "state.json").write_text(json.dumps(state), encoding="utf-8")
    return {"ref": ref, "retain": retain, "boom": boom, "cal": cal, "tmp": tmp_path}


def _cli(s: dict[str, Path], out: str, *extra: str, draws: int = 3, seeds: int = 2) -> list[str]:
    return ["compare", str(s["ref"]), str(s["retain"]), str(s["boom"]), "--posterior", str(s["cal"]),
            "--draws", str(draws), "--seeds", str(seeds), "--seed", "7", "--quiet", "--out", str(s["tmp"] / out),
            *[a for m in METRICS for a in ("--metric", m)], *extra]


def test_resampling_follows_the_weights_deterministically(setup: dict[str, Path]) -> None:
    post = load_posterior(setup["cal"])
    assert post.keys == [HAZARD, WORK] and math.isclose(post.weights.sum(), 1.0)
    rows = post.resample(4000, seed=3)
    share = np.bincount(rows, minlength=4) / len(rows)
    assert np.allclose(share, np.array(WEIGHTS) / sum(WEIGHTS), atol=0.03)
    assert rows == post.resample(4000, seed=3)            # same seed, same draws
    assert rows != post.resample(4000, seed=4)
    assert post.resample(10, seed=3) == rows[:10]          # more draws extend, never reshuffle
    assert post.draw(rows[0]) == {HAZARD: PARTICLES[HAZARD][rows[0]], WORK: PARTICLES[WORK][rows[0]]}


def test_the_rule_keeps_each_counterfactual_meaning(setup: dict[str, Path]) -> None:
    """retain sets a third of the reference's hazard: under every draw it runs at a third of the draw's;
    a key it leaves alone takes the draw; a key it raises moves the same share of the way up (here half)."""
    base_hazard = load_scenario(setup["ref"]).talent.base_hazard_per_month
    ref_c = load_scenario(setup["ref"]).talent.contagion_weight
    ceiling = valid_range(load_scenario(setup["ref"]), "talent.contagion_weight")[1]
    contagion = setup["tmp"] / "contagion.toml"
    contagion.write_text('extends = "short.toml"\nname = "contagion"\n[talent]\n'
                         f'contagion_weight = {(ref_c + ceiling) / 2!r}\n', encoding="utf-8")
    draws = [{HAZARD: 0.002, WORK: 5.0, "talent.contagion_weight": 0.3},
             {HAZARD: 0.01, WORK: 30.0, "talent.contagion_weight": 1.2}]
    files = [str(setup[k]) for k in ("ref", "retain")] + [str(contagion)]
    spec = spec_from_dict({"name": "t", "replications": 2, "crn": True, "design": {
        "method": "scenarios", "scenarios": files, "draws": draws}}, origin="test", folder=setup["tmp"])
    design = build_design(spec)
    pts = {(p["draw"], p["scenario"]): p for p in (design.point(i) for i in range(design.n_points))}
    assert design.n_points == 6
    for j, d in enumerate(draws):
        assert pts[(j, "short")][HAZARD] == d[HAZARD]
        assert math.isclose(pts[(j, "retain")][HAZARD], d[HAZARD] * RETAINED_HAZARD / base_hazard, rel_tol=1e-12)
        assert pts[(j, "retain")][WORK] == d[WORK]
        x = d["talent.contagion_weight"]   # halfway from the reference's value up to the ceiling: from the draw's
        assert math.isclose(pts[(j, "contagion")]["talent.contagion_weight"], x + (ceiling - x) / 2)
        assert pts[(j, "short")]["talent.contagion_weight"] == x
    rules = spec.draw_rules
    assert rules["retain"][HAZARD].kind == "ratio" and rules["retain"][WORK].kind == "draw"
    assert rules["contagion"]["talent.contagion_weight"].kind == "share"
    table = rules_table(rules)
    assert {(r["scenario"], r["parameter"], r["rule"]) for r in table} == {
        ("retain", HAZARD, "ratio"), ("contagion", "talent.contagion_weight", "share")}
    row = next(r for r in table if r["scenario"] == "retain")
    assert math.isclose(row["ratio_above_floor"], RETAINED_HAZARD / base_hazard) and row["share_of_way_up"] is None
    # the runner runs the scenario at those values
    from sim.experiments.sweep import make_runner

    sc = make_runner(spec).scenario_for(pts[(1, "retain")])
    assert math.isclose(sc.talent.base_hazard_per_month, 0.01 * RETAINED_HAZARD / base_hazard)
    assert sc.talent.abandoned_work_multiplier == 30.0 and sc.name == "retain"


def test_a_raised_key_stays_below_its_ceiling_and_a_lowered_key_keeps_its_floor_ratio(setup: dict[str, Path]) -> None:
    """keen raises sentiment_base (at most 1): a draw near 1 moves the same share of the way up and stays
    below 1 (a plain ratio would pass it); light lowers the abandoned-work multiplier (at least 1) to a
    tenth of the reference's excess over 1: every draw keeps a tenth of its excess (a plain ratio would
    go below 1). Nothing is clipped."""
    ref_sc = load_scenario(setup["ref"])
    ref_s, ref_w = ref_sc.capital.sentiment_base, ref_sc.talent.abandoned_work_multiplier
    light_w = 1.0 + (ref_w - 1.0) / 10
    keen = setup["tmp"] / "keen.toml"
    keen.write_text('extends = "short.toml"\nname = "keen"\n[capital]\nsentiment_base = 0.8\n'
                    f'[talent]\nabandoned_work_multiplier = {light_w!r}\n', encoding="utf-8")
    assert ref_s < 0.8 and 0.99 * 0.8 / ref_s > 1.0 and 1.5 * light_w / ref_w < 1.0
    draws = [{"capital.sentiment_base": 0.3, WORK: 1.5}, {"capital.sentiment_base": 0.99, WORK: 60.0}]
    spec = spec_from_dict({"name": "t", "replications": 1, "crn": True, "design": {
        "method": "scenarios", "scenarios": [str(setup["ref"]), str(keen)], "draws": draws}},
        origin="test", folder=setup["tmp"])
    design = build_design(spec)
    share = (0.8 - ref_s) / (1.0 - ref_s)
    for i, d in zip((1, 3), draws, strict=True):
        got = design.point(i)
        x = d["capital.sentiment_base"]
        assert math.isclose(got["capital.sentiment_base"], x + (1.0 - x) * share) and got["capital.sentiment_base"] < 1
        assert math.isclose((got[WORK] - 1.0) / (d[WORK] - 1.0), 0.1) and got[WORK] > 1.0
    rows = {r["parameter"]: r for r in rules_table(spec.draw_rules)}
    assert rows["capital.sentiment_base"] == {
        "scenario": "keen", "parameter": "capital.sentiment_base", "rule": "share", "scenario_value": 0.8,
        "reference_value": ref_s, "ratio_above_floor": None, "share_of_way_up": pytest.approx(share),
        "valid_range": [0.0, 1.0]}
    assert rows[WORK]["rule"] == "ratio" and rows[WORK]["ratio_above_floor"] == pytest.approx(0.1)
    assert rows[WORK]["valid_range"] == [1.0, 100.0] and rows[WORK]["share_of_way_up"] is None


def test_no_ratio_at_the_floor_without_a_ceiling() -> None:
    """The reference at the key's floor and no ceiling to move towards: no rule (the scenario's own
    value runs); with a ceiling the share exists."""
    assert Relative.of(0.0, 0.5, 0.0, None) is None and Relative.of(1.0, 0.5, 1.0, 10.0) is None
    rule = Relative.of(0.0, 0.5, 0.0, 5.0)
    assert rule is not None and rule.kind == "share" and rule.at(5.0) == 5.0 and math.isclose(rule.at(1.0), 1.4)
    with pytest.raises(ValueError, match="no ratio"):
        relative_value(2.0, 0.0, 0.5, None, None)
    assert relative_value(2.0, 1.0, 1.0, 0.0, None) == 2.0
    assert math.isclose(relative_value(2.0, 1.0, 3.0, 0.0, None), 6.0)  # no ceiling: a raise keeps its ratio


def test_distinct_particles_count_copies_once(setup: dict[str, Path]) -> None:
    """A moved posterior keeps copies of the particles that never moved, each with its own id and equal weight: the
    distinct count sees through them."""
    post = load_posterior(setup["cal"])
    copies = replace(post, values=np.vstack([post.values, post.values[:2]]),
                     weights=np.full(len(post.weights) + 2, 1 / (len(post.weights) + 2)),
                     particles=list(range(len(post.weights) + 2)))
    assert post.distinct == 4 and copies.distinct == 4 and copies.ess == pytest.approx(6)


def test_end_to_end_json_crn_rankings_and_files(setup: dict[str, Path], capsys: pytest.CaptureFixture) -> None:
    assert main(_cli(setup, "a", "--json", "--workers", "1")) == 0
    res = json.loads(capsys.readouterr().out)
    assert {"command", "posterior", "seed", "rules", "reference", "scenarios", "metrics", "draws", "seeds_per_draw",
            "credible_interval", "finding_share", "effects", "rankings", "runs", "draw_particles"} <= set(res)
    assert res["reference"] == "short" and res["scenarios"] == ["short", "retain", "boom"]
    assert res["metrics"] == METRICS and res["draws"] == 3 and res["seeds_per_draw"] == 2
    assert res["runs"] == {"total": 18, "ok": 18, "failed": 0}
    assert res["posterior"]["parameters"] == [HAZARD, WORK] and res["posterior"]["identity_hash"] == "feedc0de"
    # four different parameter sets, each its own particle: the drawn ids count the drawn sets
    assert res["posterior"]["distinct_particles"] == 4
    assert res["posterior"]["distinct_drawn"] == len(set(res["draw_particles"]))
    assert [(r["scenario"], r["parameter"], r["rule"]) for r in res["rules"]] == [("retain", HAZARD, "ratio")]
    assert set(res["rules"][0]) == {"scenario", "parameter", "rule", "scenario_value", "reference_value",
                                    "ratio_above_floor", "share_of_way_up", "valid_range"}
    folder = setup["tmp"] / "a"
    assert json.loads((folder / "compare-posterior.json").read_text()) == res
    assert (folder / "figures" / "compare-posterior.png").stat().st_size > 10_000
    runs = pd.read_csv(folder / "compare-posterior-runs.csv")
    assert len(runs) == 18 and (runs["status"] == "ok").all()
    assert runs["particle"].tolist() == [res["draw_particles"][d] for d in runs["draw"]]
    # common random numbers: a (draw, replication) has one seed in every scenario; draws differ
    seeds = runs.groupby(["draw", "replication"])["seed"].nunique()
    assert (seeds == 1).all() and runs.groupby("draw")["seed"].first().nunique() == 3
    # the ratio rule reached the runs
    ref_h = runs[runs.scenario == "short"].set_index(["draw", "replication"])[HAZARD]
    ret_h = runs[runs.scenario == "retain"].set_index(["draw", "replication"])[HAZARD]
    assert np.allclose(ret_h / ref_h, RETAINED_HAZARD / load_scenario(setup["ref"]).talent.base_hazard_per_month)
    # effects: per draw, the mean over its seeds of the paired differences; then over draws
    for e in res["effects"]:
        wide = runs.pivot_table(index=["draw", "replication"], columns="scenario", values=e["metric"])
        per_draw = (wide[e["scenario"]] - wide["short"]).groupby(level="draw").mean().to_numpy()
        assert math.isclose(e["mean"], per_draw.mean(), abs_tol=1e-12)
        assert e["q05"] <= e["mean"] <= e["q95"]
        assert e["p_positive"] == np.mean(per_draw > 0) and e["p_negative"] == np.mean(per_draw < 0)
        assert e["finding"] == (max(e["p_positive"], e["p_negative"]) >= FINDING_SHARE)
    # departures: a third of the hazard leaves fewer executives in every draw (a finding)
    dep = next(e for e in res["effects"] if e["metric"] == "departures_to_2025_06" and e["scenario"] == "retain")
    assert dep["mean"] < 0 and dep["finding"] and dep["sign"] == "-"
    for m in METRICS:
        rk = res["rankings"][m]
        probs = [o["probability"] for o in rk["orders"]]
        assert math.isclose(sum(probs), 1.0) and probs == sorted(probs, reverse=True)
        assert all(sorted(s for g in o["order"] for s in g) == sorted(res["scenarios"]) for o in rk["orders"])
    # the table form
    assert main(_cli(setup, "a", "--workers", "1")) == 0
    text = capsys.readouterr().out
    kept = RETAINED_HAZARD / load_scenario(setup["ref"]).talent.base_hazard_per_month
    assert f"ratio rule: retain: talent.base_hazard_per_month = draw x {kept:.4g}" in text and "ranking" in text


def test_same_results_on_one_and_two_workers_and_resumed(setup: dict[str, Path],
                                                         capsys: pytest.CaptureFixture) -> None:
    assert main(_cli(setup, "w1", "--json", "--workers", "1")) == 0
    one = json.loads(capsys.readouterr().out)
    assert main(_cli(setup, "w2", "--json", "--workers", "2")) == 0
    two = json.loads(capsys.readouterr().out)
    for key in ("effects", "rankings", "draw_particles", "rules"):
        assert one[key] == two[key]
    cols = ["draw", "scenario", "replication", "seed", *METRICS]
    a, b = (pd.read_csv(setup["tmp"] / w / "compare-posterior-runs.csv")[cols] for w in ("w1", "w2"))
    pd.testing.assert_frame_equal(a, b)
    # resumed: the same command runs nothing again and gives the same answer
    assert main(_cli(setup, "w1", "--json", "--workers", "1")) == 0
    captured = capsys.readouterr()
    assert "ran 0 runs" in captured.err and json.loads(captured.out)["effects"] == one["effects"]
    # more draws and seeds extend the folder: only the new runs run
    assert main(_cli(setup, "w1", "--workers", "1", draws=4, seeds=3)) == 0
    assert "ran 18 runs" in capsys.readouterr().err  # 4 x 3 x 3 = 36, 18 done before


def test_rankings_with_ties_and_the_finding_rule() -> None:
    order = ["a", "b", "c"]
    assert rank({"a": 1.0, "b": 1.0 + 1e-13, "c": 2.0}, order) == [["c"], ["a", "b"]]
    assert ranking_text(rank({"a": 3.0, "b": 1.0, "c": 1.0}, order)) == "a > b = c"
    assert rank({"a": 0.0, "b": 0.0, "c": 0.0}, order) == [["a", "b", "c"]]
    nine = np.array([1.0] * 9 + [-1.0])
    assert _summary(nine)["finding"] and _summary(nine)["sign"] == "+"
    eight = np.array([1.0] * 8 + [-1.0] * 2)
    assert not _summary(eight)["finding"]
    assert not _summary(np.zeros(10))["finding"]  # no effect at all is not a finding of either sign
    assert _summary(np.array([-2.0] * 10 + [math.nan]))["n_draws"] == 10


@pytest.mark.parametrize("case", ["missing", "no_state", "no_posterior", "no_weight", "unknown_key", "bad_weight",
                                  "draws_alone", "one_scenario"])
def test_bad_posterior_folder_exits_2(setup: dict[str, Path], case: str, capsys: pytest.CaptureFixture) -> None:
    cal = setup["cal"]
    args = _cli(setup, "bad")
    frame = pd.read_parquet(cal / "posterior.parquet")
    expect = {"missing": "calibration output folder", "no_state": "state.json", "no_posterior": "posterior.parquet",
              "no_weight": "'weight' column", "unknown_key": "talent.no_such_key", "bad_weight": "weight",
              "draws_alone": "--posterior", "one_scenario": "at least two"}[case]
    if case == "missing":
        args[args.index("--posterior") + 1] = str(setup["tmp"] / "nowhere")
    elif case == "no_state":
        (cal / "state.json").unlink()
    elif case == "no_posterior":
        (cal / "posterior.parquet").unlink()
    elif case == "no_weight":
        frame.drop(columns=["weight"]).to_parquet(cal / "posterior.parquet")
    elif case == "unknown_key":
        frame.rename(columns={WORK: "talent.no_such_key"}).to_parquet(cal / "posterior.parquet")
        (cal / "state.json").write_text(json.dumps({"identity": {"parameters": [{"path": "talent.no_such_key"}]}}))
    elif case == "bad_weight":
        frame.assign(weight=[1.0, -1.0, 1.0, 1.0]).to_parquet(cal / "posterior.parquet")
    elif case == "draws_alone":
        i = args.index("--posterior")
        del args[i:i + 2]
    else:
        del args[2:4]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and expect in err and "Traceback" not in err
    assert not (setup["tmp"] / "bad" / "compare-posterior.json").exists()
