"""The two experiments end to end: ``calibrate`` (against the article) and ``recover`` (against a synthetic history).

Outputs of :func:`calibrate` in ``DIR`` (described in ``docs/calibration.md``):

=========================  =====================================================================
``state.json``             identity of the calibration, per-generation statistics, stop reason
``generations/gen_XXX``    every generation's particles (Parquet): values, ``z:`` sampling-space
                           values, weight, distance, model seeds, ``s:`` replication means of
                           every pattern's distance (``s:d:T1``) and pass (``s:p:T1``)
``generations.csv``        generation, epsilon, ESS, acceptance rate, proposals, model runs, time
``generations/moved``      the final population after the move step (``[moves] steps`` > 0), equal weights
``posterior.parquet``      the final population (moved, if ``[moves] steps`` > 0): parameter values,
                           weight, distance, summaries
``calibrated.toml``        scenario file: ``extends`` the base scenario, sets the point estimate
``predictive.json``        posterior-predictive scorecard (fitted / validation / not used), the
                           point estimate's candidates and its own scorecard, counts and timings
``report.md``              the same, as tables for people
``figures/``               posterior_marginals, posterior_pairs, epsilon_ess, predictive (PNG)
=========================  =====================================================================

:func:`recover` writes the same sampler outputs plus ``recovery.json``, ``recovery.md`` and
``figures/recovery.png``.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from .. import MODEL_VERSION, __version__
from ..config import json_default
from ..errors import InputError
from . import figures as figs
from .abc import ABCSMC, ABCResult, GenerationStore, atomic_write_text, run_many
from .moves import move
from .predictive import (
    apply_to_scenario,
    choose_point,
    posterior_predictive,
    rounded,
    scorecard_from,
    write_calibrated,
)
from .recovery import prior_sensitivity, recovery_table, weighted_quantiles
from .simulator import ModelSimulator, StandardisedDistance
from .spec import CalibrationSpec

HISTORY_STREAM = 1_000_002


def _units(spec: CalibrationSpec) -> dict[str, str]:
    from ..commands.scenarios import iter_params

    return {path: unit for path, _v, unit, *_ in iter_params(spec.scenario)}


def _posterior_rows(result: ABCResult) -> list[dict[str, Any]]:
    pop = result.population
    rows = []
    for k, p in enumerate(result.priors):
        lo, med, hi = weighted_quantiles(pop.z[:, k], pop.weights, (0.05, 0.5, 0.95))
        rows.append({"parameter": p.name, "prior": p.kind, "prior_range": [p.low, p.high],
                     "median": _zval(p, med), "q05": _zval(p, lo), "q95": _zval(p, hi)})
    return rows


def _zval(p: Any, z: float) -> float:
    return float(math.exp(z)) if p.kind == "loguniform" else float(z)


def _sampler_outputs(spec: CalibrationSpec, result: ABCResult, out: Path, title: str,
                     point: dict[str, Any] | None = None, truth: dict[str, Any] | None = None) -> list[Path]:
    frame = result.posterior_frame()
    frame = frame[[c for c in frame.columns if not c.startswith("z:")]]
    tmp = out / "posterior.parquet.tmp"
    frame.to_parquet(tmp, index=False)
    tmp.replace(out / "posterior.parquet")
    fdir = out / "figures"
    fdir.mkdir(parents=True, exist_ok=True)
    return [
        figs.posterior_marginals(result.population, result.priors, fdir, title, point, truth, _units(spec)),
        figs.posterior_pairs(result.population, result.priors, fdir, title, point, truth),
        figs.epsilon_ess(result.history, fdir, title, spec.smc.population),
    ]


def _sampler(spec: CalibrationSpec, out: Path, simulate: Any, distance: Any, executor: Any, n_workers: int,
             progress: bool, log: Callable[[str], None]) -> tuple[ABCSMC, GenerationStore]:
    store = GenerationStore(out, spec.identity())
    store.load_state()  # refuses a folder of another spec before any work
    out.mkdir(parents=True, exist_ok=True)
    smc = ABCSMC(spec.priors, simulate, distance, spec.smc, spec.stopping, store, executor, n_workers,
                 progress, log)
    return smc, store


def _moved(spec: CalibrationSpec, result: ABCResult, store: GenerationStore, simulate: Any, distance: Any,
           executor: Any, n_workers: int, progress: bool, log: Callable[[str], None]) -> ABCResult:
    """``result`` with its final population after the spec's move step (:mod:`sim.calibration.moves`) on the
    sampler's own ``simulate`` and ``distance``, read from ``store`` if it was saved for these settings, else run
    and saved; ``result`` itself without a move step."""
    if spec.moves.steps <= 0:
        return result
    settings = spec.moves.key()
    pop = store.load_moved(result.priors, settings, result.population.generation)
    if pop is None:
        pop = move(result.population, result.priors, simulate, distance, spec.moves, spec.master_seed, executor,
                   n_workers, progress)
        store.save_moved(pop, result.priors, settings)
    st = pop.stats
    log(f"moves: {st['move_steps']} steps of every particle, {st['move_acceptance_mean']:.1%} accepted a step, "
        f"{st['moved_share']:.0%} of the particles moved; {st['distinct_before']} ancestors (distinct particles "
        f"after resampling; the sampler's ESS {st['ess_before']:.0f}) -> {st['distinct_particles']} distinct "
        f"particles of {len(pop.weights)}; {st['move_runs']} runs, {st['move_seconds']:.0f} s")
    return replace(result, population=pop)


def calibrate(spec: CalibrationSpec, out: Path, executor: Any, n_workers: int = 1, progress: bool = True,
              max_generations: int | None = None, apply_to: Path | None = None,
              log: Callable[[str], None] = print) -> dict[str, Any]:
    """Run (or resume) the calibration of ``spec`` into ``out``; return a summary dict."""
    out = Path(out)
    t0 = time.perf_counter()
    simulate, distance = spec.simulator_of(), spec.distance()
    smc, store = _sampler(spec, out, simulate, distance, executor, n_workers, progress, log)
    result = smc.run(max_generations)
    title = f"calibration: {Path(spec.file).name} on {spec.scenario.name}"
    if result.finished:
        result = _moved(spec, result, store, simulate, distance, executor, n_workers, progress, log)
    if not result.finished:
        _sampler_outputs(spec, result, out, title + " (unfinished)")
        log(f"stopped after generation {result.population.generation} on request; "
            f"run the same command again to resume")
        return {"finished": False, "generation": result.population.generation}
    log(f"sampler finished: {result.stop_reason}")
    pred_path = out / "predictive.json"
    key = {"identity_hash": store.identity_hash, "generation": result.population.generation,
           "predictive": spec.predictive.__dict__, "fit": spec.fit, "validate": spec.validate,
           "moves": spec.moves.key()}
    cached = None
    if pred_path.exists():
        try:
            old = json.loads(pred_path.read_text())
            if old.get("key") == key:
                cached = old
        except json.JSONDecodeError:
            cached = None
    if cached is None:
        pp = spec.predictive
        n_best = (pp.candidates + pp.refine_rounds * pp.refine_batch) * pp.point_seeds
        n_point = (n_best if pp.point_estimate == "best" else 0) + pp.point_seeds
        bar = tqdm(total=n_point + pp.draws * pp.seeds, desc="point estimate and posterior predictive",
                   unit="run", disable=not progress, leave=False)
        t1 = time.perf_counter()
        try:
            point = choose_point(spec, result, executor, n_workers, bar)
            point["params"] = rounded(point["params"])
            card = posterior_predictive(spec, result, executor, n_workers, bar)
            point_card = _point_scorecard(spec, point, executor, n_workers, bar)
        finally:
            bar.close()
        cached = {"key": key, "posterior_predictive": card, "point_estimate": point,
                  "point_scorecard": point_card, "predictive_seconds": round(time.perf_counter() - t1, 1)}
        atomic_write_text(pred_path, json.dumps(cached, indent=2, default=json_default))
    point, card = cached["point_estimate"], cached["posterior_predictive"]
    header = (f"# Calibrated scenario, written by 'python -m sim calibrate {spec.file}' "
              f"(package {__version__}, model {MODEL_VERSION}).\n"
              f"# Point estimate: {point['rule']}"
              + (f" ({point.get('chosen')})" if point.get("chosen") else "")
              + "; see predictive.json and docs/calibration.md.\n")
    paths = _sampler_outputs(spec, result, out, title, point["params"])
    paths.append(figs.predictive(card, out / "figures", title))
    try:
        write_calibrated(spec, point, out / "calibrated.toml", header)
    except InputError as exc:  # e.g. the base scenario was edited while the calibration ran
        log(f"warning: calibrated.toml was written but does not load: {exc}")
    changes: list[str] = []
    if apply_to is not None:
        changes = apply_to_scenario(apply_to, point["params"], f"calibrated: {Path(spec.file).name}")
        log(f"wrote the point estimate into {apply_to}: " + "; ".join(changes))
    summary = {
        "finished": True, "stop_reason": result.stop_reason, "generations": len(result.history),
        "model_runs_sampler": int(sum(h["n_sims"] for h in result.history)),
        "sampler_seconds": round(sum(h["seconds"] for h in result.history), 1),
        "moves": _move_summary(result),
        "predictive_seconds": cached.get("predictive_seconds"), "wall_seconds_this_call": None,
        "posterior": _posterior_rows(result), "point_estimate": point, "predictive": card,
        "point_scorecard": cached.get("point_scorecard"), "applied_to": str(apply_to) if apply_to else None,
    }
    summary["wall_seconds_this_call"] = round(time.perf_counter() - t0, 1)
    atomic_write_text(out / "report.md", report_md(spec, result, summary))
    s = card["summary"]
    log(f"posterior predictive ({card['draws']} draws x {card['seeds_per_draw']} seeds): "
        f"{s['fitted_meeting_aim']}/{s['fitted_total']} fitted patterns >= {s['aim_fit']:.0%}, "
        f"{s['validation_meeting_aim']}/{s['validation_total']} validation patterns >= {s['aim_validate']:.0%}")
    log(f"outputs: {out}/ (posterior.parquet, generations.csv, calibrated.toml, predictive.json, report.md, "
        f"figures/)")
    return summary


def _point_scorecard(spec: CalibrationSpec, point: dict[str, Any], executor: Any, n_workers: int,
                     bar: Any) -> dict[str, Any]:
    """The point estimate's own scorecard (seeds 0..point_seeds-1, as ``python -m sim run`` would use)."""
    seeds = list(range(spec.predictive.point_seeds))
    out = run_many(spec.simulator_of(target_statistics=True), [(point["params"], s) for s in seeds], executor,
                   n_workers, bar)
    return scorecard_from(spec, out, {"draws": 1, "seeds_per_draw": len(seeds), "runs": len(out),
                                      "failed_runs": int(sum(r.get("error", 0.0) for r in out))})


def recover(spec: CalibrationSpec, out: Path, executor: Any, n_workers: int = 1, progress: bool = True,
            max_generations: int | None = None, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Run (or resume) the parameter-recovery experiment of ``spec`` into ``out``."""
    rec = spec.recovery
    if rec is None:
        raise ValueError("spec has no [recovery] section")
    out = Path(out)
    t0 = time.perf_counter()
    sim_stats = ModelSimulator(spec.scenario, patterns=False, statistics=tuple(rec.statistics))
    rng = np.random.default_rng(np.random.SeedSequence(spec.master_seed, spawn_key=(HISTORY_STREAM,)))
    hseeds = [int(s) for s in rng.integers(0, 2**31 - 1, size=rec.history_seeds)]
    hist = run_many(sim_stats, [(dict(rec.truth), s) for s in hseeds], executor, n_workers)
    if any(h.get("error") for h in hist):
        raise RuntimeError("the model failed at the true parameter values")
    observed = {n: float(np.mean([h[f"x:{n}"] for h in hist])) for n in rec.statistics}
    # how much one history varies at the truth: the floor of what any distance can resolve
    nseeds = [int(s) for s in rng.integers(0, 2**31 - 1, size=rec.noise_seeds)]
    noise_runs = run_many(sim_stats, [(dict(rec.truth), s) for s in nseeds], executor, n_workers)
    noise = {n: float(np.std([h[f"x:{n}"] for h in noise_runs if not h.get("error")], ddof=1))
             for n in rec.statistics}
    log("synthetic history (truth " + ", ".join(f"{k}={v:g}" for k, v in rec.truth.items()) + "):\n  "
        + "\n  ".join(f"{k} = {v:.4g} (scale {rec.scales[k]:g})" for k, v in observed.items()))
    distance = StandardisedDistance(observed, rec.scales, prefix="x:")
    smc, _store = _sampler(spec, out, sim_stats, distance, executor, n_workers,
                           progress, log)
    result = smc.run(max_generations)
    if result.finished:
        result = _moved(spec, result, _store, sim_stats, distance, executor, n_workers, progress, log)
    title = f"parameter recovery: {Path(spec.file).name}"
    paths = _sampler_outputs(spec, result, out, title if result.finished else title + " (unfinished)",
                             truth=rec.truth)
    if not result.finished:
        log(f"stopped after generation {result.population.generation} on request; run again to resume")
        return {"finished": False, "generation": result.population.generation}
    rows = recovery_table(result.priors, result.population.z, result.population.weights, rec.truth)
    first = _store.load_population(0, result.priors, result.history[0])
    sens = prior_sensitivity(result.priors, first.z, first.summaries, rec.statistics)
    paths.append(figs.recovery(rows, result.priors, out / "figures", title))
    summary = {
        "finished": True, "stop_reason": result.stop_reason, "truth": rec.truth, "truth_rule": rec.truth_rule,
        "history_seeds": hseeds, "observed": observed, "scales": rec.scales,
        "noise_sd_at_truth": noise, "noise_seeds": rec.noise_seeds,
        "generations": len(result.history), "model_runs": int(sum(h["n_sims"] for h in result.history)),
        "sampler_seconds": round(sum(h["seconds"] for h in result.history), 1),
        "wall_seconds_this_call": round(time.perf_counter() - t0, 1), "parameters": rows,
        "prior_sensitivity": sens,
        "history": result.history,
    }
    atomic_write_text(out / "recovery.json", json.dumps(summary, indent=2, default=json_default))
    atomic_write_text(out / "recovery.md", recovery_md(spec, summary))
    for r in rows:
        log(f"{r['parameter']}: truth {r['truth']:.4g}, posterior 90% [{r['posterior_interval'][0]:.4g}, "
            f"{r['posterior_interval'][1]:.4g}], covered={r['covered']}, contraction {r['contraction']:.0%} "
            f"-> {r['verdict']}")
    log(f"outputs: {out}/ (recovery.json, recovery.md, posterior.parquet, generations.csv, figures/)")
    return summary


# --------------------------------------------------------------------------- reports
MOVE_KEYS = ("move_steps", "move_kernel_scale", "move_acceptance", "move_acceptance_mean", "moved_share",
             "distinct_before",
             "distinct_particles", "ess_before", "move_runs", "move_seconds")


def _move_summary(result: ABCResult) -> dict[str, Any] | None:
    """The move step's statistics of ``result``'s final population (None without a move step)."""
    st = result.population.stats
    return {k: st[k] for k in MOVE_KEYS} if "move_steps" in st else None


def _gen_table(history: list[dict[str, Any]]) -> list[str]:
    lines = ["| generation | tolerance | ESS | acceptance rate | model runs | seconds |", "|---|---|---|---|---|---|"]
    for h in history:
        eps = h["epsilon"]
        eps_s = "inf (prior)" if not (isinstance(eps, (int, float)) and math.isfinite(eps)) else f"{eps:.4g}"
        lines.append(f"| {h['generation']} | {eps_s} | {h['ess']:.0f} | {h['acceptance_rate']:.3f} | "
                     f"{h['n_sims']} | {h['seconds']:.0f} |")
    return lines


def _move_lines(m: dict[str, Any] | None) -> list[str]:
    """The report's paragraph on the move step (none without one)."""
    if not m:
        return []
    return [f"Move step (resample-move, `[moves]`): {m['move_steps']} Metropolis-Hastings moves of every particle "
            f"of the last generation at its tolerance (kernel {m['move_kernel_scale']:g} x the covariance of its "
            f"particles), {m['move_acceptance_mean']:.1%} accepted a step, {m['moved_share']:.0%} of the particles "
            f"moved at least once; {m['distinct_before']} ancestors (distinct particles after resampling by weight; "
            f"the sampler's ESS {m['ess_before']:.0f}) -> {m['distinct_particles']} distinct particles; "
            f"{m['move_runs']} model runs in {m['move_seconds']:.0f} s. The posterior below is the moved population "
            "(equal weights).", ""]


def _card_table(rows: list[dict[str, Any]], aim: bool = True) -> list[str]:
    head = "| pattern | pass rate | mean distance |" + (" meets aim |" if aim else "")
    lines = [head, "|---|---|---|" + ("---|" if aim else "")]
    for r in rows:
        md = "" if r["mean_distance"] is None else f"{r['mean_distance']:.3f}"
        line = f"| {r['id']} {r['name']} | {r['pass_rate']:.0%} | {md} |"
        if aim:
            line += f" {'yes' if r['meets_aim'] else '**no**'} |"
        lines.append(line)
    return lines


def _fmt_stat(x: Any) -> str:
    if x is None:
        return "never"
    return x if isinstance(x, str) else f"{x:.4g}"


def _interval_table(card: dict[str, Any], what: str = "posterior-predictive interval") -> list[str]:
    """Each quantitative target's observation against the 90% interval of its statistic over ``card``'s runs
    (``interval_90``)."""
    rows = [(use, r) for use, key in (("fit", "fitted"), ("validate", "validation"), ("none", "not_used"))
            for r in card[key] if "interval_90" in r]
    if not rows:
        return []
    s = card["summary"]
    lines = [f"Quantitative targets against their 90% {what} (5%-95% of the runs' "
             f"statistics): {s['targets_inside_90']}/{s['targets_with_interval']} fitted and validation targets "
             "have the observed value inside.", "",
             "| target | use | observed | 5% | median | 95% | inside |", "|---|---|---|---|---|---|---|"]
    for use, r in rows:
        iv = r["interval_90"]
        lines.append(f"| {r['id']} | {use} | {_fmt_stat(iv['observed'])} | {_fmt_stat(iv['q05'])} | "
                     f"{_fmt_stat(iv['median'])} | {_fmt_stat(iv['q95'])} | {'yes' if iv['inside'] else '**no**'} |")
    return [*lines, ""]


def report_md(spec: CalibrationSpec, result: ABCResult, s: dict[str, Any]) -> str:
    card, point = s["predictive"], s["point_estimate"]
    L = [f"# Calibration report: {Path(spec.file).name}", "",
         f"Base scenario `{spec.scenario_file.name}` (hash {spec.scenario.hash()}), model {MODEL_VERSION}. "
         f"Sampler stopped: {result.stop_reason}. {s['generations']} generations, "
         f"{s['model_runs_sampler']} model runs in {s['sampler_seconds']:.0f} s (sampler) + "
         f"{s['predictive_seconds']} s (point estimate and posterior predictive).", "",
         "## Generations", "", *_gen_table(result.history), "", *_move_lines(s.get("moves")),
         "## Posterior (weighted; 90% interval)", "",
         "| parameter | prior | median | 5% | 95% | point estimate |", "|---|---|---|---|---|---|"]
    for r in s["posterior"]:
        L.append(f"| `{r['parameter']}` | {r['prior']} [{r['prior_range'][0]:g}, {r['prior_range'][1]:g}] | "
                 f"{r['median']:.4g} | {r['q05']:.4g} | {r['q95']:.4g} | {point['params'][r['parameter']]:.4g} |")
    L += ["", f"Point estimate rule: **{point['rule']}**" + (f", chosen: {point['chosen']}" if point.get("chosen")
                                                              else "") + " (see docs/calibration.md).", ""]
    if point.get("candidates"):
        L += ["| candidate | mean fit distance over common seeds |", "|---|---|"]
        L += [f"| {c['candidate']} | {c['distance']:.4f} |" for c in point["candidates"]]
        L.append("")
    L += [f"## Posterior-predictive scorecard ({card['draws']} draws x {card['seeds_per_draw']} seeds = "
          f"{card['runs']} runs; {card['failed_runs']} failed)", "",
          f"Fitted patterns (aim: each >= {card['summary']['aim_fit']:.0%}): "
          f"{card['summary']['fitted_meeting_aim']}/{card['summary']['fitted_total']} meet it.", "",
          *_card_table(card["fitted"]), "",
          f"Validation patterns, held out of the fit (aim: each >= {card['summary']['aim_validate']:.0%}): "
          f"{card['summary']['validation_meeting_aim']}/{card['summary']['validation_total']} meet it.", "",
          *_card_table(card["validation"]), ""]
    if card["not_used"]:
        L += ["Not used for fitting or validation:", "", *_card_table(card["not_used"], aim=False), ""]
    L += _interval_table(card)
    pc = s.get("point_scorecard")
    if pc:
        L += [f"## The point estimate alone ({pc['seeds_per_draw']} seeds, 0..{pc['seeds_per_draw'] - 1})", "",
              *_card_table(pc["fitted"]), "", *_card_table(pc["validation"]), ""]
        if pc["not_used"]:
            L += [*_card_table(pc["not_used"], aim=False), ""]
        L += _interval_table(pc, "interval over the point's seeds")
    return "\n".join(L)


def recovery_md(spec: CalibrationSpec, s: dict[str, Any]) -> str:
    L = [f"# Parameter recovery: {Path(spec.file).name}", "",
         f"Truth: {s['truth_rule']}; synthetic history from {len(s['history_seeds'])} seed(s); "
         f"{s['generations']} generations, {s['model_runs']} model runs, {s['sampler_seconds']:.0f} s. "
         f"Stopped: {s['stop_reason']}.", "",
         f"| statistic | observed (synthetic) | scale | seed-to-seed sd at the truth ({s['noise_seeds']} seeds) |",
         "|---|---|---|---|"]
    L += [f"| {k} | {v:.4g} | {s['scales'][k]:g} | {s['noise_sd_at_truth'][k]:.3g} |" for k, v in s["observed"].items()]
    L += ["", "| parameter | truth | prior 90% | posterior median | posterior 90% | covers truth | contraction | "
          "verdict |", "|---|---|---|---|---|---|---|---|"]
    for r in s["parameters"]:
        L.append(f"| `{r['parameter']}` | {r['truth']:.4g} | [{r['prior_interval'][0]:.4g}, "
                 f"{r['prior_interval'][1]:.4g}] | {r['posterior_median']:.4g} | "
                 f"[{r['posterior_interval'][0]:.4g}, {r['posterior_interval'][1]:.4g}] | "
                 f"{'yes' if r['covered'] else '**no**'} | {r['contraction']:.0%} | {r['verdict']} |")
    L += ["", "Contraction = 1 - (posterior 90% width / prior 90% width), in the sampling space (log scale for "
          "log-uniform priors). Verdicts: recovered (covers, >= 50%), weakly identified (covers, 20-50%), "
          "not identified (< 20%), biased (does not cover).", ""]
    sens = s.get("prior_sensitivity")
    if sens:
        stats_ = list(next(iter(sens.values())))
        L += ["Prior sensitivity: Spearman correlation of each parameter with each statistic over generation 0 "
              "(prior draws); |rho| >= 0.3 in bold.", "",
              "| parameter | " + " | ".join(stats_) + " |", "|---|" + "---|" * len(stats_)]
        for par, row in sens.items():
            cells = [f"**{v:+.2f}**" if abs(v) >= 0.3 else f"{v:+.2f}" for v in row.values()]
            L.append(f"| `{par}` | " + " | ".join(cells) + " |")
        L.append("")
    return "\n".join(L)
