"""``compare SCENARIO... --posterior DIR``: the counterfactuals over a calibration's posterior.

The command's options are registered with ``compare`` (:mod:`sim.commands.experiments`); the
method is :mod:`sim.calibration.counterfactuals` and ``docs/calibration.md`` ("Counterfactuals over
the posterior"). Writes into ``--out`` (default ``results/compare-posterior/<DIR name>/<scenarios>``)
the sweep's store (resumable), ``compare-posterior.json``, ``compare-posterior-runs.csv`` and
``figures/compare-posterior.png``.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

from ..errors import InputError

#: What ``--posterior`` writes beside the sweep's store.
JSON_FILE = "compare-posterior.json"
RUNS_FILE = "compare-posterior-runs.csv"
FIGURE_FILE = "compare-posterior.png"
#: Rankings printed per metric in the table (the JSON lists all).
RANKINGS_SHOWN = 3


def posterior_spec(args: argparse.Namespace) -> tuple[Any, Any, list[int]]:
    """(experiment spec, posterior, particle of each draw) of ``compare ... --posterior DIR``."""
    from ..calibration.counterfactuals import DEFAULT_DRAWS, DEFAULT_SEEDS_PER_DRAW, check_keys, load_posterior
    from ..experiments.metrics import KEY_OUTCOMES
    from ..experiments.spec import spec_from_dict
    from ..scenario import load_scenario

    draws = DEFAULT_DRAWS if args.draws is None else args.draws
    seeds = DEFAULT_SEEDS_PER_DRAW if args.seeds is None else args.seeds
    if draws < 2:
        raise InputError("--draws", "", f"expected at least 2 draws for a credible interval, got {draws}")
    if seeds < 1:
        raise InputError("--seeds", "", f"expected at least 1 seed per draw, got {seeds}")
    if len(args.scenarios) < 2:
        raise InputError("compare", "SCENARIO", "--posterior compares scenario files: expected at least two "
                                                "(the first is the reference)")
    post = load_posterior(args.posterior)
    reference = load_scenario(args.scenarios[0])  # a bad file is an error here, as everywhere
    check_keys(post, reference, args.scenarios[0])
    rows = post.resample(draws, args.seed)
    files = [str(Path(s).resolve()) for s in args.scenarios]
    data = {"name": "compare-posterior", "replications": seeds, "seed": args.seed, "crn": True,
            "design": {"method": "scenarios", "scenarios": files, "draws": [post.draw(r) for r in rows]},
            "outputs": {"metrics": args.metric or KEY_OUTCOMES}}
    spec = spec_from_dict(data, origin=f"compare --posterior {args.posterior}", folder=Path.cwd())
    if len(spec.scenarios) < 2:
        raise InputError("compare", "SCENARIO", "expected at least two different scenarios")
    return spec, post, [post.particles[r] for r in rows]


def _runs_csv(folder: Path, particles: list[int]) -> Path:
    """The per-run table (last attempts, every status) with each draw's particle, as CSV."""
    from ..experiments.store import Store

    store = Store(folder)
    man = store.manifest()
    df = store.read("runs").to_pandas()
    df["particle"] = df["draw"].map(dict(enumerate(particles)))
    first = ["draw", "particle", "scenario", "replication", "seed"]
    params = [c for c in man["parameters"] if c not in first]
    df = df[[*first, *params, "status", "attempt", "wall_seconds", "error", *man["metrics"]]]
    rank = {s: i for i, s in enumerate(man["spec"]["identity"]["scenarios"])}  # the command's order
    df = df.sort_values(["draw", "scenario", "replication"], kind="stable",
                        key=lambda c: c.map(rank) if c.name == "scenario" else c)
    path = folder / RUNS_FILE
    df.to_csv(path, index=False)
    return path


def _fmt(v: float, signed: bool = False) -> str:
    if not math.isfinite(v):
        return "nan"
    text = f"{v:.2f}" if abs(v) >= 100 or abs(v) < 1e-9 else f"{v:.3g}"
    return ("+" if signed and v >= 0 else "") + text


def _print_table(res: dict[str, Any]) -> None:
    from ..experiments.metrics import EFFECT_UNITS
    from ..experiments.relative import floor_of

    p = res["posterior"]
    lo, hi = res["credible_interval"]
    print(f"{len(res['scenarios'])} scenarios x {res['draws']} posterior draws (of {p['particles']} particles, "
          f"{p['distinct_particles']} distinct, ESS {p['ess']:.0f}; {p['distinct_drawn']} distinct parameter sets "
          f"drawn) x {res['seeds_per_draw']} common seeds per draw; effect = scenario - "
          f"'{res['reference']}' on the same (draw, seed), averaged per draw; over draws: mean "
          f"[{lo:.0%}, {hi:.0%}], P(effect > 0); * = finding (one sign in >= {res['finding_share']:.0%} of draws)")
    for r in res["rules"]:
        lo, hi = r["valid_range"]
        floor = floor_of(lo)
        if r["rule"] == "ratio":
            above = f"draw x {r['ratio_above_floor']:.4g}" if floor == 0 else \
                f"{floor:g} + (draw - {floor:g}) x {r['ratio_above_floor']:.4g}"
            how = (f"{above} (its ratio above the floor {floor:g}: ({r['scenario_value']:g} - {floor:g}) / "
                   f"({r['reference_value']:g} - {floor:g}))")
        elif r["rule"] == "share":
            how = (f"draw + ({hi:g} - draw) x {r['share_of_way_up']:.4g} (its share of the way up: "
                   f"({r['scenario_value']:g} - {r['reference_value']:g}) / ({hi:g} - {r['reference_value']:g}))")
        else:
            how = f"{r['scenario_value']:g} in every draw (the reference's value is the floor {floor:g}: no ratio)"
        print(f"  {r['rule']} rule: {r['scenario']}: {r['parameter']} = {how}")
    for m in res["metrics"]:
        print(f"\n{m} ({EFFECT_UNITS.get(m, 'metric units')})")
        for e in (e for e in res["effects"] if e["metric"] == m):
            star = " *" if e["finding"] else ""
            few = f"  ({e['n_draws']} draws defined)" if e["n_draws"] < res["draws"] else ""
            print(f"  {e['scenario']:<28} {_fmt(e['mean'], True):>9} [{_fmt(e['q05'], True)}, "
                  f"{_fmt(e['q95'], True)}]  P(>0) {_fmt(e['p_positive'])}{star}{few}")
        rk = res["rankings"][m]
        if rk["n_draws"] < res["draws"]:
            print(f"  rankings over the {rk['n_draws']} draws where every scenario's mean is defined")
        for o in rk["orders"][:RANKINGS_SHOWN]:
            print(f"  ranking {o['probability']:>5.0%}  {o['text']}")
        if len(rk["orders"]) > RANKINGS_SHOWN:
            print(f"  ... {len(rk['orders']) - RANKINGS_SHOWN} more rankings in the JSON")


def cmd_compare_posterior(args: argparse.Namespace) -> int:
    """Run (or resume) the comparison over posterior draws, then write and print its summary."""
    from ..calibration.counterfactuals import posterior_effects, rules_table
    from ..calibration.moves import distinct_particles
    from ..experiments.figures import posterior_forest
    from .experiments import _sweep

    spec, post, particles = posterior_spec(args)
    out = args.out
    if out is None:
        out = Path("results") / "compare-posterior" / Path(args.posterior).resolve().name / \
            "+".join(spec.scenarios)[:100]
    report = _sweep(spec, out, args)
    if report is None:
        return 1
    folder = Path(report.folder)
    effects = posterior_effects(folder, metrics=args.metric)
    drawn = post.values[[post.particles.index(i) for i in particles]]
    res = {"command": "compare --posterior",
           "posterior": {"folder": str(post.folder), "identity_hash": post.identity_hash,
                         "particles": len(post.weights), "distinct_particles": post.distinct, "ess": post.ess,
                         "distinct_drawn": distinct_particles(drawn),
                         "parameters": post.keys},
           "seed": spec.seed, "rules": rules_table(spec.draw_rules), **effects,
           "draw_particles": particles}
    (folder / JSON_FILE).write_text(json.dumps(res, indent=2), encoding="utf-8")
    runs = _runs_csv(folder, particles)
    fig = posterior_forest(res, folder / "figures" / FIGURE_FILE)
    if args.json:
        print(json.dumps(res, indent=2))
        return 0
    _print_table(res)
    print(f"\n{folder / JSON_FILE}, {runs} and {fig}")
    return 0
