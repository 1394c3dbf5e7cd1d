"""Calibration: the ABC-SMC sampler on a toy with a known posterior, resuming, specs, the CLI."""

from __future__ import annotations

import json
import math
import multiprocessing
import shutil
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.calibration.abc import (
    ABCSMC,
    GenerationStore,
    Prior,
    SMCSettings,
    StoppingRule,
    mean_distance,
    weighted_quantile,
)
from sim.calibration.moves import MOVE_SCHEME
from sim.calibration.predictive import apply_to_scenario, predictive_interval
from sim.calibration.recovery import recovery_table, verdict
from sim.calibration.spec import load_spec
from sim.calibration.toy import AbsDistance, NormalMean
from sim.cli import main
from sim.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "experiments" / "calibration.toml"

XBAR = 1.3
PRIOR_MU = Prior("mu", "normal", mean=0.0, sd=2.0)


def toy_smc(store: GenerationStore | None = None, executor=None, workers: int = 1, gens: int = 7,
            population: int = 400, seed: int = 7) -> ABCSMC:
    return ABCSMC([PRIOR_MU], NormalMean(), AbsDistance(XBAR), SMCSettings(population=population, master_seed=seed),
                  StoppingRule(max_generations=gens, min_acceptance_rate=0.01), store=store, executor=executor,
                  n_workers=workers, progress=False)


def moments(pop) -> tuple[float, float]:
    x = pop.z[:, 0]
    m = float(np.sum(pop.weights * x))
    return m, math.sqrt(float(np.sum(pop.weights * (x - m) ** 2)))


# ------------------------------------------------------------------------------------ sampler
def test_toy_normal_mean_posterior_is_recovered():
    """ABC-SMC on the mean of a normal with known variance finds the exact conjugate posterior."""
    res = toy_smc().run()
    exact_mean, exact_sd = NormalMean().posterior(XBAR, 0.0, 2.0)
    m, sd = moments(res.population)
    assert abs(m - exact_mean) < 0.08, (m, exact_mean)
    assert 0.8 * exact_sd < sd < 1.25 * exact_sd, (sd, exact_sd)
    eps = [h["epsilon"] for h in res.history[1:]]
    assert all(b < a for a, b in zip(eps, eps[1:], strict=False)), "tolerance must fall every generation"
    assert res.population.ess > 0.5 * 400
    assert res.stop_reason.startswith("reached max_generations")


def test_loguniform_prior_sampling_space_and_density():
    p = Prior("x", "loguniform", low=0.01, high=1.0)
    rng = np.random.default_rng(0)
    z = p.sample_z(rng, 20000)
    assert np.all((z >= math.log(0.01)) & (z <= math.log(1.0)))
    vals = np.exp(z)
    # a quarter of the log-range below 10^-1.5
    assert abs(np.mean(vals < 10 ** -1.5) - 0.25) < 0.02
    assert np.isneginf(p.logpdf_z(np.array([math.log(2.0)])))[0]
    assert p.quantile(0.5) == pytest.approx(0.1)
    q = Prior("n", "uniform", low=1, high=10, integer=True)
    assert q.to_value(3.6) == 4 and isinstance(q.to_value(3.6), int)


def test_proposals_stay_inside_a_many_dimensional_prior():
    """With 21 bounded parameters only a small share of kernel moves (here 0.4%) lands inside every
    bound at once; proposals must still fill a generation, inside the support, and reproducibly
    from the random stream."""
    from sim.calibration.abc import Population, weighted_cov

    d, n = 21, 300
    priors = [Prior(f"p{k}", "uniform", low=0.0, high=1.0) for k in range(d)]
    smc = ABCSMC(priors, NormalMean(), AbsDistance(XBAR), SMCSettings(population=n), progress=False)
    rng = np.random.default_rng(1)
    z = rng.random((n, d))
    w = np.full(n, 1.0 / n)
    prev = Population(0, math.inf, z, w, np.zeros(n), np.zeros((n, 1), dtype=np.int64))
    chol = np.linalg.cholesky(weighted_cov(z, w))

    def propose(seed: int) -> np.ndarray:
        return smc._propose(np.random.default_rng(seed), n, prev, chol)

    a = propose(5)
    assert a.shape == (n, d) and np.all((a >= 0.0) & (a <= 1.0))
    assert np.array_equal(a, propose(5)) and not np.array_equal(a, propose(6))


def test_local_search_moves_the_point_towards_a_better_fit():
    """The point estimate's local search (``refine``) only keeps moves that lower the distance on
    its common seeds, and from a poor start on the toy model it ends near the observed mean."""
    from sim.calibration.abc import Population
    from sim.calibration.predictive import refine

    rng = np.random.default_rng(3)
    z = rng.normal(0.0, 1.0, size=(200, 1))
    pop = Population(3, 0.5, z, np.full(200, 1 / 200), np.zeros(200), np.zeros((200, 1), dtype=np.int64))
    seeds = list(range(20))
    sim, dist = NormalMean(), AbsDistance(XBAR)
    d0 = mean_distance(dist, [sim({"mu": 3.0}, s) for s in seeds])
    best, d, trace = refine(sim, dist, pop, [PRIOR_MU], np.array([3.0]), d0, seeds, rounds=25, batch=4, master_seed=0)
    ds = [t["distance"] for t in trace]
    assert ds == sorted(ds, reverse=True) and d == ds[-1] and d < d0 / 5
    assert abs(best[0] - XBAR) < 0.4
    assert mean_distance(dist, [sim({"mu": float(best[0])}, s) for s in seeds]) == pytest.approx(d)


def test_local_search_stays_in_the_posteriors_central_box():
    """With ``point_within`` the search cannot leave each parameter's central posterior interval: from a posterior
    whose 90% box excludes the best fit, it ends inside the box (at its edge nearest the fit), not at the fit."""
    from sim.calibration.abc import Population
    from sim.calibration.predictive import central_box, refine

    z = np.linspace(XBAR + 2.0, XBAR + 4.0, 201).reshape(-1, 1)  # a posterior that sits away from the fit
    pop = Population(3, 0.5, z, np.full(201, 1 / 201), np.zeros(201), np.zeros((201, 1), dtype=np.int64))
    lo, hi = central_box(pop, [PRIOR_MU], 0.9)
    assert lo[0] == pytest.approx(XBAR + 2.1, abs=0.02) and hi[0] == pytest.approx(XBAR + 3.9, abs=0.02)
    full = central_box(pop, [PRIOR_MU], 1.0)
    assert (full[0][0], full[1][0]) == PRIOR_MU.z_bounds
    seeds = list(range(20))
    sim, dist = NormalMean(), AbsDistance(XBAR)
    start = np.array([XBAR + 3.0])
    d0 = mean_distance(dist, [sim({"mu": float(start[0])}, s) for s in seeds])
    best, _, _ = refine(sim, dist, pop, [PRIOR_MU], start, d0, seeds, rounds=25, batch=4, master_seed=0,
                        box=(lo, hi))
    assert lo[0] <= best[0] <= hi[0] and best[0] < XBAR + 2.4  # pushed to the edge, never past it


def test_predictive_interval_of_an_amount_and_of_a_date_that_may_never_come():
    """The 5%-95% interval of a target's statistic over runs, as sample values: an observation inside or outside;
    a month as its count; a date that never came (+inf) as "never", which can be the upper bound."""
    from sim.calendar import parse_month
    from sim.targets import TARGET_BY_ID

    amount = TARGET_BY_ID["deepseek_price_2025_01"]  # observed 1.11 USD per million tokens
    reps = [{"s:deepseek_price_2025_01": x} for x in np.linspace(0.01, 0.05, 41)] + [{"d:other": 1.0}]
    iv = predictive_interval(amount.id, reps)
    assert iv["runs"] == 41 and iv["observed"] == 1.11 and not iv["inside"]
    assert iv["q05"] == pytest.approx(0.012) and iv["q95"] == pytest.approx(0.048) and iv["median"] == 0.03
    wide = reps + [{"s:deepseek_price_2025_01": x} for x in (1.0, 2.0, 3.0) * 20]
    assert predictive_interval(amount.id, wide)["inside"]  # 1.11 now lies between the 5% and 95% values
    date = TARGET_BY_ID["zhipu_ipo_date"]  # observed 2025-04
    months = [parse_month(m) for m in ("2025-01", "2025-03", "2025-04", "2025-06")] * 5
    iv = predictive_interval(date.id, [{"s:zhipu_ipo_date": float(m)} for m in months])
    assert (iv["q05"], iv["median"], iv["q95"], iv["inside"]) == ("2025-01", "2025-03", "2025-06", True)
    never = [{"s:zhipu_ipo_date": math.inf}] * 19 + [{"s:zhipu_ipo_date": float(parse_month("2026-01"))}]
    iv = predictive_interval(date.id, never)
    assert iv["q95"] is None and iv["q05"] == "2026-01" and not iv["inside"]  # "never" bounds it above
    assert predictive_interval(date.id, [{"d:zhipu_ipo_date": 0.0}]) is None  # no statistics asked for
    assert predictive_interval("T1", [{"s:T1": 1.0}]) is None  # a pattern has no interval


def test_weighted_quantile():
    x = np.array([3.0, 1.0, 2.0, 4.0])
    assert weighted_quantile(x, np.ones(4), 0.5) == 2.0
    assert weighted_quantile(x, np.array([0.0, 0.0, 0.0, 1.0]), 0.5) == 4.0


def test_interrupted_calibration_resumes_to_the_same_result(tmp_path):
    """Stopping after generation 2 and rerunning gives exactly the uninterrupted result."""
    ident = {"toy": "normal mean"}
    full = toy_smc(GenerationStore(tmp_path / "full", ident), gens=5, population=150).run()
    part_dir = tmp_path / "part"
    first = toy_smc(GenerationStore(part_dir, ident), gens=5, population=150).run(max_generations=2)
    assert not first.finished and first.population.generation == 1
    state = json.loads((part_dir / "state.json").read_text())
    assert state["generations_done"] == 2 and state["finished"] is False
    assert sorted(p.name for p in (part_dir / "generations").iterdir()) == ["gen_000.parquet", "gen_001.parquet"]
    resumed = toy_smc(GenerationStore(part_dir, ident), gens=5, population=150).run()
    assert resumed.finished and resumed.population.generation == full.population.generation == 4
    np.testing.assert_array_equal(resumed.population.z, full.population.z)
    np.testing.assert_array_equal(resumed.population.weights, full.population.weights)
    assert [h["epsilon"] for h in resumed.history] == [h["epsilon"] for h in full.history]
    csv = pd.read_csv(part_dir / "generations.csv")
    assert list(csv["generation"]) == [0, 1, 2, 3, 4]
    assert {"epsilon", "ess", "acceptance_rate", "n_sims"} <= set(csv.columns)
    # a finished calibration rerun does no work and returns the same
    again = toy_smc(GenerationStore(part_dir, ident), gens=5, population=150).run()
    np.testing.assert_array_equal(again.population.z, full.population.z)


def test_a_different_spec_in_the_same_folder_is_refused(tmp_path):
    toy_smc(GenerationStore(tmp_path, {"spec": 1}), gens=2, population=50).run()
    with pytest.raises(InputError, match="different spec"):
        toy_smc(GenerationStore(tmp_path, {"spec": 2}), gens=2, population=50).run()


def test_process_pool_gives_the_serial_result():
    """Results do not depend on the executor: batches and seeds come from the master seed only."""
    serial = toy_smc(gens=3, population=100).run()
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("fork")) as pool:
        par = toy_smc(executor=pool, workers=2, gens=3, population=100).run()
    np.testing.assert_array_equal(serial.population.z, par.population.z)
    np.testing.assert_array_equal(serial.population.weights, par.population.weights)


def test_recovery_verdicts():
    priors = [Prior("a", "uniform", low=0.0, high=1.0), Prior("b", "uniform", low=0.0, high=1.0)]
    rng = np.random.default_rng(1)
    z = np.column_stack([rng.normal(0.5, 0.02, 500), rng.uniform(0, 1, 500)])
    rows = recovery_table(priors, z, np.full(500, 1 / 500), {"a": 0.5, "b": 0.3})
    assert rows[0]["covered"] and rows[0]["verdict"] == "recovered" and rows[0]["contraction"] > 0.9
    assert rows[1]["verdict"] == "not identified"
    assert verdict(False, 0.9) == "biased"


# ------------------------------------------------------------------------------------ specs
def write(tmp_path: Path, text: str, name: str = "spec.toml") -> Path:
    p = tmp_path / name
    p.write_text(f'extends = "{SPEC.as_posix()}"\n' + text)
    return p


def lists_spec(tmp_path: Path) -> Path:
    """A copy of the shipped spec naming its sets as lists instead of the hold-out file."""
    text = SPEC.read_text().replace('holdout = "holdout.toml"', 'fit = ["T1", "T2"]\nvalidate = ["T5"]')
    text = text.replace('scenario = "../scenarios/baseline.toml"',
                        f'scenario = "{(ROOT / "scenarios" / "baseline.toml").as_posix()}"')
    p = tmp_path / "lists.toml"
    p.write_text(text)
    return p


def test_the_spec_fits_the_holdout_sets():
    """The shipped spec takes its sets from the hold-out file, targets included, and fits them by their distance."""
    from sim.holdout import load_holdout

    spec, ho = load_spec(SPEC), load_holdout()
    assert spec.fit == ho.ids("fit") and spec.validate == ho.ids("validate") and spec.uses_targets
    d = spec.distance()
    assert d.scales["T1"] == spec.pattern_scale and "dep_six" not in d.scales
    # a target's deviance residual counts as is, a pattern's miss over the pattern scale; both capped
    per = d.per_pattern({"d:T1": 0.1, "d:dep_six": 1.5, "d:T2": 100.0})
    assert per["T1"] == pytest.approx(0.1 / spec.pattern_scale) and per["dep_six"] == 1.5
    assert per["T2"] == spec.cap and per["T3"] == spec.cap  # T3 absent from the run: the cap


def test_the_race_spec_fits_two_validation_entries_more_and_nothing_else_changes():
    """experiments/calibration_race.toml moves exactly its also_fit entries from validation into the fitting set."""
    base, race = load_spec(SPEC), load_spec(ROOT / "experiments" / "calibration_race.toml")
    moved = ["dep_six_training", "foundation_six_2025_06"]
    assert race.fit == base.fit + moved and race.validate == [i for i in base.validate if i not in moved]
    assert [p.key for p in race.parameters] == [p.key for p in base.parameters]
    assert race.smc == base.smc and race.stopping == base.stopping and race.predictive == base.predictive
    assert race.identity() != base.identity()  # its own calibration folder, never a resume of the shipped one


def test_the_long_race_spec_only_raises_the_run_budget():
    """calibration_race_long.toml has the race fit's identity (so it can resume its folder) and more runs."""
    race, long = load_spec(ROOT / "experiments" / "calibration_race.toml"), load_spec(
        ROOT / "experiments" / "calibration_race_long.toml")
    assert long.identity() == race.identity() and long.fit == race.fit and long.validate == race.validate
    assert long.stopping.max_simulations == 2 * race.stopping.max_simulations


@pytest.mark.parametrize("text, key, words", [
    ('[patterns]\nalso_fit = ["T1"]\n', "patterns.also_fit.0", "expected a validation entry of holdout.toml"),
    ('[patterns]\nalso_fit = ["T99"]\n', "patterns.also_fit.0", "got 'T99'"),
    ('[patterns]\nalso_fit = ["T5", "T5"]\n', "patterns.also_fit.1", "expected each id once"),
])
def test_also_fit_takes_only_validation_entries_of_the_holdout(tmp_path, text, key, words):
    with pytest.raises(InputError) as info:
        load_spec(write(tmp_path, text))
    assert info.value.key == key and words in info.value.expected


def test_also_fit_needs_a_holdout(tmp_path):
    p = tmp_path / "child.toml"
    p.write_text(f'extends = "{lists_spec(tmp_path).as_posix()}"\n[patterns]\nalso_fit = ["T5"]\n')
    with pytest.raises(InputError) as info:
        load_spec(p)
    assert info.value.key == "patterns.also_fit" and "only with patterns.holdout" in info.value.expected


def test_holdout_and_lists_are_exclusive(tmp_path):
    with pytest.raises(InputError) as info:
        load_spec(write(tmp_path, '[patterns]\nvalidate = ["T1"]\n'))
    assert info.value.key == "patterns.holdout" and "not both" in info.value.expected


def test_the_shipped_specs_load():
    spec = load_spec(SPEC)
    assert len(spec.parameters) >= 6 and set(spec.fit).isdisjoint(spec.validate)
    assert all(p.rationale for p in spec.parameters)
    rec = load_spec(ROOT / "experiments" / "recovery.toml", require_recovery=True)
    assert rec.recovery is not None and set(rec.recovery.truth) == {p.key for p in rec.parameters}


@pytest.mark.parametrize("text, key, words", [
    ("[smc]\npopulation = 1\n", "smc.population", "expected a value >= 2"),
    ("[smc]\npopulaton = 100\n", "smc.populaton", "did you mean 'population'"),
    ("[stopping]\nmin_acceptance_rate = 0\n", "stopping.min_acceptance_rate", "expected a value > 0"),
    ("[patterns]\nvalidate = [\"T1\"]\n", "patterns.validate", "disjoint"),
    ("[patterns]\nfit = [\"T99\"]\n", "patterns.fit.0", "unknown pattern or target 'T99'"),
    ("[patterns]\nfit = [\"t12\"]\n", "patterns.fit.0", "unknown pattern or target 't12' (did you mean 'T12'?)"),
    ("[predictive]\npoint_estimate = \"mode\"\n", "predictive.point_estimate",
     "expected one of 'best', 'median', 'mean'"),
    ("[distance]\nweights = { T5 = 1.0 }\n", "distance.weights.T5", "only for a fitting pattern or target"),
    ("[predictive]\nrefine_rounds = -1\n", "predictive.refine_rounds", "expected a value >= 0"),
    ("[bogus]\nx = 1\n", "bogus", "unknown key"),
])
def test_spec_errors_name_the_key(tmp_path, text, key, words):
    p = tmp_path / "child.toml"
    p.write_text(f'extends = "{lists_spec(tmp_path).as_posix()}"\n' + text)
    with pytest.raises(InputError) as info:
        load_spec(p)
    assert info.value.key == key and words in info.value.expected


PARAM = '[[parameters]]\nkey = "{path}"\nprior = "{prior}"\nlow = {low}\nhigh = {high}\nrationale = "{why}"\n'


@pytest.mark.parametrize("fields, key, words", [
    (dict(path="talent.no_such_thing", prior="uniform", low=0, high=1, why="x"), "parameters.0.key",
     "unknown scenario parameter"),
    (dict(path="talent.enabled", prior="uniform", low=0, high=1, why="x"), "parameters.0.key", "numeric"),
    (dict(path="talent.contagion_weight", prior="beta", low=0, high=1, why="x"), "parameters.0.prior",
     "expected one of 'uniform', 'loguniform', 'normal'"),
    (dict(path="talent.contagion_weight", prior="uniform", low=1, high=0.5, why="x"), "parameters.0.high",
     "expected high > low"),
    (dict(path="talent.contagion_weight", prior="loguniform", low=0, high=1, why="x"), "parameters.0.low",
     "expected a value > 0"),
    (dict(path="talent.contagion_weight", prior="uniform", low=0, high=9, why="x"), "parameters.0.high",
     "prior reaches a value the scenario rejects"),
    (dict(path="talent.contagion_weight", prior="uniform", low=0, high=1, why=" "), "parameters.0.rationale",
     "non-empty reason"),
])
def test_parameter_errors(tmp_path, fields, key, words):
    spec = tmp_path / "p.toml"
    base = SPEC.read_text()
    head = base[: base.index("[[parameters]]")]
    spec.write_text(head.replace('"../scenarios/baseline.toml"', f'"{(ROOT / "scenarios/baseline.toml").as_posix()}"')
                    + PARAM.format(**fields))
    with pytest.raises(InputError) as info:
        load_spec(spec)
    assert info.value.key == key and words in info.value.expected, str(info.value)


def test_cli_exits_2_on_a_bad_spec(tmp_path, capsys):
    bad = write(tmp_path, "[smc]\nreplications = 0\n")
    assert main(["calibrate", str(bad), "--out", str(tmp_path / "o"), "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert "smc.replications" in err and "expected a value >= 1" in err and "Traceback" not in err
    assert main(["calibrate", str(tmp_path / "missing.toml"), "--workers", "1"]) == 2
    assert main(["recover", str(SPEC), "--workers", "1", "--out", str(tmp_path / "r")]) == 2
    assert "[recovery]" in capsys.readouterr().err


# ------------------------------------------------------------------------------------ end to end
TINY = """
[smc]
population = 6
replications = 1
min_batch = 4
[moves]
steps = 0
[stopping]
max_generations = 2
min_acceptance_rate = 0.05
[predictive]
draws = 3
seeds = 1
candidates = 2
point_seeds = 2
refine_rounds = 2
refine_batch = 2

[[parameters]]
key = "talent.base_hazard_per_month"
prior = "loguniform"
low = 0.002
high = 0.02
rationale = "test"

[[parameters]]
key = "strategy.foundation_revenue_multiple"
prior = "uniform"
low = 10.0
high = 60.0
rationale = "test"

[[parameters]]
key = "capital.round_interval_months"
prior = "uniform"
low = 6
high = 12
rationale = "an integer parameter"
"""


def test_calibrate_command_end_to_end_and_resume(tmp_path, capsys):
    spec = write(tmp_path, TINY)
    out = tmp_path / "cal"
    assert main(["calibrate", str(spec), "--out", str(out), "--workers", "1", "--quiet", "--max-generations", "1"]) == 0
    assert "resume" in capsys.readouterr().out
    assert not (out / "calibrated.toml").exists()
    assert main(["calibrate", str(spec), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    for f in ("posterior.parquet", "generations.csv", "calibrated.toml", "predictive.json", "report.md",
              "figures/posterior_marginals.png", "figures/posterior_pairs.png", "figures/epsilon_ess.png",
              "figures/predictive.png"):
        assert (out / f).exists(), f
    post = pd.read_parquet(out / "posterior.parquet")
    assert post["weight"].sum() == pytest.approx(1.0) and len(post) == 6
    pred = json.loads((out / "predictive.json").read_text())
    card = pred["posterior_predictive"]
    assert [r["id"] for r in card["fitted"]] == load_spec(spec).fit
    assert card["runs"] == 3 and all(0 <= r["pass_rate"] <= 1 for r in card["fitted"] + card["validation"])
    # every quantitative target has its 90% interval over the runs, and the summary counts them
    from sim.targets import TARGET_BY_ID

    rows = [r for r in card["fitted"] + card["validation"] if r["id"] in TARGET_BY_ID]
    assert rows and all("interval_90" in r and r["interval_90"]["runs"] <= 3 for r in rows)
    assert card["summary"]["targets_with_interval"] == len(rows)
    assert card["summary"]["targets_inside_90"] == sum(r["interval_90"]["inside"] for r in rows)
    assert not any("interval_90" in r for r in card["fitted"] if r["id"] not in TARGET_BY_ID)  # patterns: none
    assert "90% posterior-predictive interval" in (out / "report.md").read_text()
    # the calibrated scenario loads and holds the point estimate
    from sim.scenario import load_scenario

    sc = load_scenario(out / "calibrated.toml").to_dict()
    for path, v in pred["point_estimate"]["params"].items():
        section, key = path.split(".")
        assert sc[section][key] == v
    assert isinstance(sc["capital"]["round_interval_months"], int)
    # "best" picks the candidate that fits best on the common seeds; the local search only keeps improvements
    point = pred["point_estimate"]
    chosen = next(c for c in point["candidates"] if c["candidate"] == point["chosen"])
    assert chosen["distance"] == min(c["distance"] for c in point["candidates"])
    for c in point["candidates"]:
        if "trace" in c:
            ds = [t["distance"] for t in c["trace"]]
            assert len(ds) == 2 and ds == sorted(ds, reverse=True) and c["distance"] == ds[-1]
    # another spec may not reuse the folder
    other = write(tmp_path, TINY.replace("population = 6", "population = 7"), "other.toml")
    assert main(["calibrate", str(other), "--out", str(out), "--workers", "1", "--quiet"]) == 2
    assert "different spec" in capsys.readouterr().err


def test_the_move_step_runs_after_the_sampler_and_is_kept_with_the_calibration(tmp_path, capsys):
    """``[moves] steps`` > 0: posterior.parquet is the moved population (equal weights), the report and state.json
    say what the moves did, and a second run reads the saved moves instead of redoing them; the move step is not
    part of the calibration's identity, so it can be added to a finished calibration."""
    spec = write(tmp_path, TINY)
    out = tmp_path / "cal"
    assert main(["calibrate", str(spec), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    assert not (out / "generations" / "moved.parquet").exists()
    moved_spec = write(tmp_path, TINY.replace("[moves]\nsteps = 0", "[moves]\nsteps = 2\nkernel_scale = 0.5"),
                       "moved.toml")
    assert main(["calibrate", str(moved_spec), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    assert "moves: 2 steps" in capsys.readouterr().out
    post = pd.read_parquet(out / "posterior.parquet")
    assert np.allclose(post["weight"], 1 / len(post))
    state = json.loads((out / "state.json").read_text())
    assert state["moved"]["settings"] == {"steps": 2, "kernel_scale": 0.5, "scheme": MOVE_SCHEME}
    assert len(state["moved"]["stats"]["move_acceptance"]) == 2
    assert "Move step" in (out / "report.md").read_text()
    saved = (out / "generations" / "moved.parquet").stat().st_mtime_ns
    assert main(["calibrate", str(moved_spec), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    assert (out / "generations" / "moved.parquet").stat().st_mtime_ns == saved
    assert pd.read_parquet(out / "posterior.parquet").equals(post)


def test_recover_command_end_to_end(tmp_path):
    rec = tmp_path / "rec.toml"
    rec.write_text(f'[calibration]\nscenario = "{(ROOT / "scenarios" / "baseline.toml").as_posix()}"\n'
                   '[patterns]\nfit = ["T1"]\n'
                   '[recovery]\ntruth = "prior_median"\nnoise_seeds = 2\n'
                   'statistics = ["departures_2024_2025h1", "first_abandonment_month", "first_ipo_month"]\n'
                   + TINY)
    out = tmp_path / "rec"
    assert main(["recover", str(rec), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    res = json.loads((out / "recovery.json").read_text())
    spec = load_spec(rec, require_recovery=True)
    assert [r["parameter"] for r in res["parameters"]] == [p.key for p in spec.parameters]
    assert all(r["verdict"] in ("recovered", "weakly identified", "not identified", "biased")
               for r in res["parameters"])
    assert (out / "figures" / "recovery.png").exists() and (out / "recovery.md").exists()
    # with the move step, the moves judge proposals on the recovery's own statistics and distance: they accept
    moved = tmp_path / "rec_moved.toml"
    moved.write_text(rec.read_text().replace("[moves]\nsteps = 0", "[moves]\nsteps = 3"))
    assert main(["recover", str(moved), "--out", str(tmp_path / "rec_moved"), "--workers", "1", "--quiet"]) == 0
    state = json.loads((tmp_path / "rec_moved" / "state.json").read_text())
    assert state["moved"]["stats"]["moved_share"] > 0


def test_apply_to_scenario_keeps_comments(tmp_path):
    src = ROOT / "scenarios" / "baseline.toml"
    target = tmp_path / "scenarios" / "baseline.toml"
    shutil.copytree(src.parent, target.parent)
    spec = load_spec(SPEC)
    params = {p.key: (p.prior.low + p.prior.high) / 2 for p in spec.parameters}
    changes = apply_to_scenario(target, params, "calibrated: test")
    assert len(changes) == len(params)
    from sim.scenario import load_scenario

    d = load_scenario(target).to_dict()
    for path, v in params.items():
        s, k = path.split(".")
        assert d[s][k] == pytest.approx(v)
    text = target.read_text()
    assert text.count("# calibrated: test") == len(params)
    assert "Every starting value cites its source" in text  # the header comment survives
