"""The corrected sampler on a two-parameter toy with a known posterior, and simulation-based calibration."""

from __future__ import annotations

import json
import math
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from sim.calibration.abc import ABCSMC, Population, within
from sim.calibration.moves import distinct_particles, move
from sim.calibration.sbc import Budget, choose_bins, run_sbc
from sim.calibration.simulator import PatternDistance, StandardisedDistance
from sim.calibration.spec import load_spec
from sim.calibration.toy import AveragedReplications, LinearGaussian
from sim.cli import main
from sim.errors import InputError
from sim.experiments.executors import SerialExecutor

ROOT = Path(__file__).resolve().parents[1]
TOY_SPEC = ROOT / "experiments" / "toy_calibration.toml"
REAL_SPEC = ROOT / "experiments" / "calibration.toml"

#: The toy's observed summaries: its expected summaries at (a, b) = (0.4, -0.7), inside the prior
#: (at least 2.6 posterior standard deviations from its bounds, so the spreads barely feel them).
TOY_OBSERVED = {"mean": 0.4, "slope": -0.7}
#: Tolerances of the toy check against the grid posterior, on the average over the sampler seeds
#: TOY_SEEDS: the sampler's mean within this many grid standard deviations, its standard
#: deviation within this share (the averaged scheme's is about 29% too small, 1 - 1/sqrt(2)).
MEAN_TOL_SD, SD_TOL = 0.2, 0.1
TOY_SEEDS = (1, 2, 3, 4)


def moments(pop: Population) -> tuple[np.ndarray, np.ndarray]:
    m = pop.weights @ pop.z
    return m, np.sqrt(pop.weights @ (pop.z - m) ** 2)


def toy_run(averaged: bool = False, seed: int = 0) -> tuple[dict[str, tuple[float, float]], np.ndarray,
                                                             np.ndarray, float]:
    """The shipped toy spec's sampler (the real spec's [smc] and [stopping]) on the toy's history:
    grid moments at the final tolerance, the sampler's weighted mean and sd, the final tolerance."""
    spec = load_spec(TOY_SPEC)
    toy = LinearGaussian(spec.toy.n, spec.toy.sigma)
    dist = StandardisedDistance(TOY_OBSERVED, toy.scales())
    sim, smc = toy, replace(spec.smc, master_seed=seed)
    if averaged:  # the old scheme: average the replications, accept on the average
        sim, smc = AveragedReplications(toy, spec.smc.replications), replace(smc, replications=1)
    res = ABCSMC(spec.priors, sim, dist, smc, spec.stopping, progress=False).run()
    m, sd = moments(res.population)
    grid = toy.grid_moments(TOY_OBSERVED, [(p.low, p.high) for p in spec.priors], eps=res.population.epsilon)
    return grid, m, sd, res.population.epsilon


def toy_check(averaged: bool) -> tuple[np.ndarray, np.ndarray, float]:
    """Over :data:`TOY_SEEDS` sampler seeds: mean error in grid sds, sd / grid sd (per parameter), largest tolerance."""
    errs, ratios, eps = [], [], []
    for seed in TOY_SEEDS:
        grid, m, sd, e = toy_run(averaged, seed)
        errs.append([(m[k] - grid[n][0]) / grid[n][1] for k, n in enumerate(("a", "b"))])
        ratios.append([sd[k] / grid[n][1] for k, n in enumerate(("a", "b"))])
        eps.append(e)
    return np.mean(errs, axis=0), np.mean(ratios, axis=0), max(eps)


def test_toy_spec_uses_the_shipped_sampler_settings():
    toy, real = load_spec(TOY_SPEC), load_spec(REAL_SPEC)
    assert toy.simulator == "toy" and [p.key for p in toy.parameters] == ["a", "b"]
    for key in ("population", "replications", "epsilon_quantile", "kernel_scale", "min_batch"):
        assert getattr(toy.smc, key) == getattr(real.smc, key), key
    assert toy.stopping == real.stopping and toy.smc.replications == 2


@pytest.mark.slow
def test_toy_posterior_matches_the_grid_and_the_averaged_scheme_does_not():
    """With the shipped settings (300 particles, 2 replications, kernel 2x, median tolerance), the
    share-within-tolerance scheme finds the grid posterior (the ABC posterior at the tolerance
    reached, exact on a grid) in mean and spread, averaged over 4 sampler seeds; averaging the two
    replications first (the old scheme) gives a posterior about 25-30% too narrow."""
    err, ratio, eps = toy_check(averaged=False)
    assert eps < 0.45  # near the exact posterior: the ABC posterior at eps is at most ~5% wider
    assert np.all(np.abs(err) < MEAN_TOL_SD), err
    assert np.all(np.abs(ratio - 1) < SD_TOL), ratio
    _err_old, ratio_old, _ = toy_check(averaged=True)
    assert np.all(ratio_old < 1 - SD_TOL), ratio_old  # the check has the power to see the old scheme


@pytest.mark.slow
def test_the_move_step_keeps_the_toy_posterior_and_rejuvenates_it():
    """The shipped move step ([moves] of the spec the toy extends: 25 moves, kernel 0.2) after the shipped sampler
    leaves the grid posterior at the final tolerance in place, in mean and spread (the same tolerances as the
    sampler's check, over the same 4 sampler seeds), and replaces the copies that resampling by weight makes by
    distinct particles; the same moves on a process pool give the same population."""
    spec = load_spec(TOY_SPEC)
    assert spec.moves.steps == load_spec(REAL_SPEC).moves.steps == 25
    toy = LinearGaussian(spec.toy.n, spec.toy.sigma)
    dist = StandardisedDistance(TOY_OBSERVED, toy.scales())
    errs, ratios = [], []
    for seed in TOY_SEEDS:
        res = ABCSMC(spec.priors, toy, dist, replace(spec.smc, master_seed=seed), spec.stopping, progress=False).run()
        moved = move(res.population, spec.priors, toy, dist, spec.moves, seed, SerialExecutor(), progress=False)
        assert np.allclose(moved.weights, 1 / len(moved.weights)) and moved.epsilon == res.population.epsilon
        assert moved.stats["distinct_particles"] > moved.stats["distinct_before"]
        assert moved.stats["distinct_particles"] == distinct_particles(moved.z) >= 0.8 * len(moved.weights)
        assert np.all(within(moved.rep_distances, moved.epsilon).any(axis=1))  # every particle is inside
        grid = toy.grid_moments(TOY_OBSERVED, [(p.low, p.high) for p in spec.priors], eps=moved.epsilon)
        m, sd = moments(moved)
        errs.append([(m[k] - grid[n][0]) / grid[n][1] for k, n in enumerate(("a", "b"))])
        ratios.append([sd[k] / grid[n][1] for k, n in enumerate(("a", "b"))])
    err, ratio = np.mean(errs, axis=0), np.mean(ratios, axis=0)
    assert np.all(np.abs(err) < MEAN_TOL_SD), err
    assert np.all(np.abs(ratio - 1) < SD_TOL), ratio
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=ctx) as pool:
        again = move(res.population, spec.priors, toy, dist, spec.moves, seed, pool, 2, progress=False)
    assert np.array_equal(again.z, moved.z) and np.array_equal(again.seeds, moved.seeds)


def test_grid_posterior_of_the_toy():
    """The exact posterior is the truncated normal of each summary; the ABC posterior is wider."""
    toy = LinearGaussian()
    sc = toy.scales()
    obs = {"mean": 0.1, "slope": 0.0}
    exact = toy.grid_moments(obs, [(-5, 5), (-5, 5)])
    assert exact["a"][0] == pytest.approx(0.1, abs=1e-6) and exact["a"][1] == pytest.approx(sc["mean"], rel=1e-3)
    assert exact["b"][1] == pytest.approx(sc["slope"], rel=1e-3)
    wide = toy.grid_moments(obs, [(-5, 5), (-5, 5)], eps=1.0)
    assert wide["a"][1] > 1.1 * exact["a"][1]
    assert toy.grid_moments(obs, [(-5, 5), (-5, 5)], eps=0.05)["a"][1] == pytest.approx(sc["mean"], rel=0.01)
    # the simulator's summaries have the stated spread
    runs = [toy({"a": 0.0, "b": 1.0}, s) for s in range(4000)]
    assert np.std([r["mean"] for r in runs]) == pytest.approx(sc["mean"], rel=0.05)
    assert np.mean([r["slope"] for r in runs]) == pytest.approx(1.0, abs=0.03)


def test_standardised_distance_is_continuous_and_pattern_distance_is_per_run():
    d = StandardisedDistance({"m": 1.0, "k": 0.0}, {"m": 0.5, "k": 2.0}, prefix="x:")
    assert d({"x:m": 1.0, "x:k": 0.0}) == 0.0
    assert d({"x:m": 1.5, "x:k": 0.0}) == pytest.approx(math.sqrt(0.5))
    assert d({"x:m": 1.1, "x:k": 0.0}) < d({"x:m": 1.2, "x:k": 0.0})  # ranks runs however close
    assert d({"error": 1.0}) == math.inf
    with pytest.raises(ValueError, match="positive scale"):
        StandardisedDistance({"m": 1.0}, {"m": 0.0})
    pd_ = PatternDistance({"T1": 1.0, "T2": 3.0}, cap=2.0)
    assert pd_({"d:T1": 0.0, "d:T2": 5.0}) == pytest.approx(1.5) and pd_({"error": 1.0}) == math.inf


def test_likelihood_share_and_the_tolerance_of_the_next_generation():
    """A particle's ABC likelihood is its share of replications within the tolerance; the next
    tolerance is a quantile of the within-tolerance replications weighted W_i / k_i."""
    D = np.array([[0.1, 0.9], [0.2, 0.3], [0.5, np.inf]])
    pop = Population(1, 0.6, np.zeros((3, 1)), np.array([0.5, 0.25, 0.25]), D, np.zeros((3, 2), dtype=np.int64))
    np.testing.assert_allclose(pop.likelihood, [0.5, 1.0, 0.5])
    d, w = pop.within_distances()
    np.testing.assert_allclose(d, [0.1, 0.2, 0.3, 0.5])
    np.testing.assert_allclose(w, [0.5, 0.125, 0.125, 0.25])
    assert not within(np.array([np.nan, np.inf]), math.inf).any()


# ------------------------------------------------------------------------------------ SBC
SMALL = Budget(population=60, max_generations=4, max_simulations=40_000, draws=19)
#: The budget per truth of the slow SBC test (and of the numbers in docs/calibration.md).
SBC_TEST_BUDGET = Budget(population=100, max_generations=8, max_simulations=40_000)


def strip(summary: dict) -> dict:
    return {k: v for k, v in summary.items() if "seconds" not in k}


def test_sbc_resumes_to_the_uninterrupted_result_on_any_executor(tmp_path):
    spec = load_spec(TOY_SPEC)
    full = run_sbc(spec, tmp_path / "full", 6, SMALL, SerialExecutor(), bins=2, progress=False, log=lambda m: None)
    part = tmp_path / "part"
    first = run_sbc(spec, part, 6, SMALL, SerialExecutor(), bins=2, progress=False, stop_after=2, log=lambda m: None)
    assert first == {"finished": False, "done": 2} and not (part / "sbc.json").exists()
    assert sorted(p.name for p in (part / "truths").iterdir()) == ["truth_0000.json", "truth_0001.json"]
    msgs: list[str] = []
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("fork")) as pool:
        resumed = run_sbc(spec, part, 6, SMALL, pool, 2, bins=2, progress=False, log=msgs.append)
    assert any("continuing: 2 of 6" in m for m in msgs)
    assert strip(resumed) == strip(full)
    for i in range(6):
        a = json.loads((tmp_path / "full" / "truths" / f"truth_{i:04d}.json").read_text())
        b = json.loads((part / "truths" / f"truth_{i:04d}.json").read_text())
        a.pop("seconds"), b.pop("seconds")
        assert a == b
    assert (part / "sbc_ranks.png").stat().st_size > 10_000 and "coverage 50%" in (part / "sbc.md").read_text()
    row = resumed["parameters"][0]
    assert sum(row["rank_counts"]) == 6 and 0 <= row["chi2_p"] <= 1 and 0 < row["contraction_mean"] < 1


def test_bins_of_the_rank_histogram():
    assert choose_bins(50, 99) == 10 and choose_bins(100, 99) == 20 and choose_bins(6, 19) == 1
    assert choose_bins(12, 19) == 2 and choose_bins(30, 99, bins=4) == 4
    with pytest.raises(InputError, match="divisor"):
        choose_bins(30, 99, bins=3)


@pytest.mark.slow
def test_sbc_on_the_toy_has_nominal_coverage(tmp_path):
    """200 truths from the toy's prior, each calibrated with the shipped sampler settings at a
    cheaper budget (100 particles, 8 generations): the 50% and 90% credible intervals cover the
    truth within 10 points of nominal for both parameters, and within 7 points of the exact
    posterior's coverage of the same histories (which separates the check's own noise from the
    sampler's error); no rank histogram is grossly non-uniform."""
    spec = load_spec(TOY_SPEC)
    s = run_sbc(spec, tmp_path, 200, SBC_TEST_BUDGET, SerialExecutor(), progress=False, log=lambda m: None)
    assert s["truths"] == 200 and s["failed_truths"] == 0 and s["bins"] == 20
    for row in s["parameters"]:
        for level in (50, 90):
            assert abs(row[f"coverage_{level}"] - level / 100) <= 0.10, row
            assert abs(row[f"coverage_{level}"] - row[f"exact_coverage_{level}"]) <= 0.07, row
        assert row["chi2_p"] > 0.001, row
        assert row["contraction_mean"] > 0.7, row


def test_sbc_command_errors_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text(f'extends = "{TOY_SPEC.as_posix()}"\n[[parameters]]\nkey = "c"\nprior = "uniform"\nlow = 0\n'
                   'high = 1\nrationale = "x"\n')
    assert main(["sbc", str(bad), "--truths", "3", "--out", str(tmp_path / "o"), "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert "parameters.0.key" in err and "expected a toy parameter" in err and "Traceback" not in err
    assert main(["sbc", str(tmp_path / "missing.toml"), "--truths", "3", "--workers", "1"]) == 2
    assert main(["sbc", str(TOY_SPEC), "--truths", "0", "--out", str(tmp_path / "o"), "--workers", "1"]) == 2
    assert "--truths" in capsys.readouterr().err
    assert main(["sbc", str(TOY_SPEC), "--truths", "2", "--population", "1", "--out", str(tmp_path / "o"),
                 "--workers", "1"]) == 2
    assert "--population" in capsys.readouterr().err
    assert main(["calibrate", str(TOY_SPEC), "--out", str(tmp_path / "c"), "--workers", "1"]) == 2
    assert "calibration.simulator" in capsys.readouterr().err
    # a folder of another budget is refused; --force replaces it
    out = tmp_path / "sbc"
    args = ["sbc", str(TOY_SPEC), "--truths", "2", "--population", "30", "--max-generations", "2", "--draws", "9",
            "--out", str(out), "--workers", "1", "--quiet"]
    assert main(args) == 0
    other = [a if a != "30" else "31" for a in args]
    assert main(other) == 2 and "another spec or budget" in capsys.readouterr().err
    assert main(other + ["--force"]) == 0
    (out / "notes.txt").write_text("mine")
    assert main(other) == 2 and "not results of 'sbc'" in capsys.readouterr().err


def test_sbc_command_on_the_real_model(tmp_path, capsys):
    """The real spec: truths from its prior, histories of the recovery statistics, the model's runs."""
    out = tmp_path / "real"
    assert main(["sbc", str(ROOT / "experiments" / "recovery.toml"), "--truths", "2", "--population", "4",
                 "--max-generations", "1", "--draws", "9", "--bins", "2", "--out", str(out), "--workers", "1",
                 "--quiet"]) == 0
    s = json.loads((out / "sbc.json").read_text())
    spec = load_spec(ROOT / "experiments" / "recovery.toml", require_recovery=True)
    assert [r["parameter"] for r in s["parameters"]] == [p.key for p in spec.parameters]
    assert s["summaries"] == sorted(spec.recovery.statistics) and s["truths"] == 2
    assert (out / "sbc_ranks.png").exists() and "contraction" in capsys.readouterr().out


# ------------------------------------------------------------------------------------ amortised SBC
def test_synthetic_distance_handles_undefined_observations():
    from sim.calibration.sbc_table import synthetic_distance
    from sim.targets import MAX_DISTANCE, TARGET_BY_ID

    date = next(t for t in TARGET_BY_ID.values() if t.model.kind == "date_window")
    level = next(t for t in TARGET_BY_ID.values() if t.model.kind == "lognormal")
    assert synthetic_distance(date, None, None) == 0.0 and synthetic_distance(date, "2025-01", None) == MAX_DISTANCE
    assert synthetic_distance(date, "2025-01", "2025-01") == 0.0 and synthetic_distance(date, None, "2025-01") > 0
    assert synthetic_distance(level, 0.0, 0.0) == 0.0 and synthetic_distance(level, 5.0, 0.0) == MAX_DISTANCE
    assert synthetic_distance(level, 5.0, 5.0) == 0.0 < synthetic_distance(level, 5.0, 10.0)


def test_reference_table_sbc_resumes_and_ranks_every_parameter(tmp_path):
    """The amortised check on the real model: the same numbers whether run at once or resumed, one rank
    per truth and parameter, and a run of the table taken as a truth has a neighbour at least as near as itself
    and far nearer than the table's median."""
    from sim.calibration.sbc_table import run_table_sbc, truth_record
    from sim.targets import TARGET_BY_ID

    spec = load_spec(REAL_SPEC)
    kw = dict(truths=5, table_size=20, draws=4, executor=SerialExecutor(), progress=False, chunk=5,
              log=lambda _m: None)
    whole = run_table_sbc(spec, tmp_path / "a", **kw)
    # resumed: one chunk of the table removed and rerun gives the same summary
    (tmp_path / "a" / "table" / "table_0001.json").unlink()
    again = run_table_sbc(spec, tmp_path / "a", **kw)
    assert again["parameters"] == whole["parameters"]
    assert whole["model_runs_total"] == 25 and whole["failed_truths"] == 0
    for row in whole["parameters"]:
        assert sum(row["rank_counts"]) == 5 and 0.0 <= row["coverage_90"] <= 1.0
    table = [json.loads(p.read_text()) for p in sorted((tmp_path / "a" / "table").glob("table_*.json"))]
    rows = [r for chunk in table for r in chunk]
    z = np.array([r["z"] for r in rows])
    targets = tuple(i for i in spec.fit if not i.startswith("T"))
    rec = truth_record(spec, targets, rows, z, rows[3], 0, 1)
    # the truth's own run is in the table, so the nearest run lies within the truth's distance to itself: at
    # most one unit (weighted) per target whose count is 0 (a Poisson with its mean floored at half an event
    # does not fit 0 exactly); the other runs of the table lie farther (their median)
    own = rows[3]["statistics"]
    counts = ("poisson", "negative_binomial")
    weight = {t: spec.weights.get(t, 1.0) for t in targets}
    zeros = sum(weight[t] for t in targets if TARGET_BY_ID[t].model.kind in counts and own.get(t) == 0)
    assert rec["tolerance"] <= zeros / sum(weight.values()) < rec["distance_median"]
