"""Informative or built in: can a pattern or target fail at all?

A pattern that holds whatever the parameters and whatever the mechanisms is *built in*: the
model's structure or its inputs make it hold, and its holding is no evidence that the model
explains the history. This check measures it. For each pattern (:mod:`sim.patterns`) and
target (:mod:`sim.targets`) it reports the share of seeds in which it holds

(a) in the scenario as given;
(b) at the **corners of the prior** of the calibration spec (``experiments/calibration.toml``):
    all ``2^k`` corners when ``k <=`` :data:`FULL_FACTORIAL_MAX`, else the ``2k`` one-at-a-time
    extremes (each parameter at its lower or upper bound, the others at the scenario's value)
    plus ``random_corners`` corners drawn at random (each parameter at either bound with
    probability 1/2, from ``design_seed``);
(c) with **its own mechanism switched off**: each pattern and target declares the mechanisms
    that produce it (:data:`PRODUCED_BY`), each a set of neutral settings of the scenario
    (:data:`MECHANISMS`: the ``enabled`` switches, a zero weight, a flat trend).

It is **built-in** when it holds in every seed of every one of these runs, and
**informative** when it fails somewhere (it can fail: at a corner or with its mechanism off).
The mirror question, whether it can *hold*, is answered by its **best** share over all these runs:
an entry whose best share is below :data:`OUT_OF_REACH_SHARE` is **out of the check's reach** (no
setting tried reproduces it in one seed in ten). That is a finding about the corners, the
scenario and the switches, not a proof for the interior of the prior (the posterior predictive
covers that).
A target skipped for a missing column (:mod:`sim.targets`) is **skipped**. All runs use the
same seeds (common random numbers), so a difference between points is the setting's, not luck.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .config import canonical_hash
from .model import run
from .patterns import PATTERN_BY_ID, PATTERNS, evaluate
from .scenario import Scenario
from .targets import TARGETS, Status, evaluate_targets

if TYPE_CHECKING:
    from .calibration.abc import Prior
    from .experiments.executors import Pool

#: Up to this many calibrated parameters, every corner of the prior is run (2^6 = 64 corners).
FULL_FACTORIAL_MAX = 6
#: Random corners added to the one-at-a-time extremes when there are more parameters.
RANDOM_CORNERS = 8
#: Seed of the random corners (fixed, so the design is the same on every machine).
DESIGN_SEED = 20250630
#: Tail probability used as the "corner" of a prior with an infinite bound (a normal prior).
CORNER_TAIL = 0.025
INFORMATIVE, BUILT_IN, SKIPPED = "informative", "built-in", "skipped"
#: An entry whose highest share of holding seeds at any point of the check is below this is reported as out of the
#: check's reach (one seed in ten: a definition of the report, not a behaviour of the model).
OUT_OF_REACH_SHARE = 0.1


@dataclass(frozen=True)
class Mechanism:
    """A mechanism switched off: neutral settings of the scenario, and what they do."""

    overrides: dict[str, Any]
    doc: str


#: Mechanisms and the neutral settings that switch each off (every value inside its valid range).
MECHANISMS: dict[str, Mechanism] = {
    "talent": Mechanism({"talent.enabled": False}, "executives never leave (the talent switch)"),
    "capital": Mechanism({"capital.enabled": False}, "the venture market is closed (the capital switch)"),
    "open_source": Mechanism({"open_source.enabled": False}, "no open-weight releases (the open-source switch)"),
    "rising_costs": Mechanism({"technology.run_cost_growth_per_year": 1.0}, "training costs stay flat"),
    "poaching": Mechanism({"talent.poaching_weight": 0.0}, "giants' offers do not raise the departure hazard"),
    "abandoned_work": Mechanism({"talent.abandoned_work_multiplier": 1.0},
                                "technical executives leave no faster after their firm stops training"),
    "sentiment_departures": Mechanism({"talent.sentiment_weight": 0.0}, "lost sentiment does not raise departures"),
    "open_shock": Mechanism({"capital.open_shock_sensitivity": 0.0}, "open-source shocks do not move sentiment"),
    "rotation": Mechanism({"capital.outside_appeal_max": 0.0, "capital.rotation_sensitivity": 0.0},
                          "no outside sector draws capital (embodied AI)"),
    "valuation_traction": Mechanism({"capital.valuation_traction_elasticity": 0.0},
                                    "a round's valuation does not follow the firm's traction"),
    "ipo": Mechanism({"capital.ipo_revenue_usd_per_year": 1e10}, "no firm reaches the IPO threshold"),
    "pivots": Mechanism({"strategy.inertia": 20.0},
                        "boards never leave their path (the review's switching cost at its maximum)"),
    "side_cuts": Mechanism({"strategy.cut_runway_months": 0.0}, "side products are never cut (runway threshold 0)"),
    "enterprise_growth": Mechanism({"demand.enterprise_maturity_per_month": 0.0},
                                   "enterprise demand does not mature (stays at its 2023 size)"),
    "consumer_growth": Mechanism({"consumer.consumer_growth_per_month": 0.0},
                                 "the consumer market does not grow (stays at its 2023 size)"),
    "distribution": Mechanism({"consumer.distribution_weight": 0.0}, "giants' distribution reach does not draw users"),
    "marketing": Mechanism({"consumer.marketing_cash_share": 0.0}, "startups spend nothing on marketing"),
    "viral": Mechanism({"consumer.viral_boost": 0.0}, "no viral rush after a model jump"),
    "giant_pricing": Mechanism({"pricing.giant_subsidy_share": 0.0}, "giants do not price below cost"),
    "limit_pricing": Mechanism({"pricing.switching_utility": 20.0},
                               "sellers never meet a rival's price (switching costs at their maximum)"),
}

#: The mechanisms that produce each pattern and target: switching one off should be able to break it.
PRODUCED_BY: dict[str, tuple[str, ...]] = {
    "T1": ("talent",), "T2": ("sentiment_departures", "open_shock", "abandoned_work"),
    "T3": ("talent", "abandoned_work", "pivots"), "T4": ("talent", "poaching"), "T5": ("talent",),
    "T6": ("pivots", "abandoned_work"), "T7": ("open_source", "pivots", "rising_costs"), "T8": ("pivots",),
    "T9": ("side_cuts",), "T10": ("capital", "ipo"), "T11": ("enterprise_growth",),
    "T12": ("distribution", "viral", "marketing"), "T13": ("rising_costs",), "T14": ("open_source", "capital"),
    "T15": ("rotation", "open_shock"), "T16": ("enterprise_growth",), "T17": ("pivots", "rising_costs", "open_source"),
    "dep_six": ("talent",), "dep_six_h1_2025": ("talent", "sentiment_departures"), "dep_01ai": ("talent",),
    "dep_baichuan": ("talent",), "dep_zhipu": ("talent", "poaching"),
    "dep_six_training": ("talent", "poaching"), "foundation_six_2025_06": ("pivots", "open_source"),
    "rounds_six_2024": ("capital",),
    "down_rounds_six_2024": ("valuation_traction",),
    "valuation_six_2024": ("valuation_traction",), "rounds_six_h1_2025": ("capital",),
    "price_war_firms": ("open_source", "limit_pricing"),
    "funding_six_2024": ("capital",), "zhipu_funding_h1_2025": ("capital",),
    "zhipu_revenue_2023": ("enterprise_growth",), "zhipu_revenue_2024": ("enterprise_growth",),
    "minimax_revenue_2024": ("marketing", "distribution"), "minimax_loss_2024": ("rising_costs",),
    "zeroone_revenue_2024": ("enterprise_growth", "pivots"), "kimi_mau_peak_2024": ("marketing",),
    "kimi_peak_month": ("marketing", "distribution"), "kimi_mau_2025_01": ("marketing", "distribution"),
    "doubao_mau_2025_01": ("distribution",), "deepseek_mau_2025_03": ("viral",),
    "yuanbao_mau_2024_11": ("distribution",), "ai_app_users_2025_02": ("consumer_growth",),
    "price_war_ratio": ("open_source", "limit_pricing"), "deepseek_price_2024_05": ("open_source",),
    "deepseek_price_2025_01": ("open_source",),
    "closed_price_decline": ("open_source", "limit_pricing"), "doubao_tokens_growth": ("distribution",),
    "zerone_turn_date": ("pivots",), "baichuan_turn_date": ("pivots",), "zhipu_ipo_date": ("ipo",),
}


# ---------------------------------------------------------------------------------------------- the design
@dataclass(frozen=True)
class Point:
    """One setting of the check: a name, its overrides of the scenario and its group."""

    name: str
    group: str  # "scenario", "corner" or "mechanism"
    overrides: dict[str, Any]


def _ends(prior: Prior) -> tuple[float, float]:
    lo = prior.low if math.isfinite(prior.low) else prior.quantile(CORNER_TAIL)
    hi = prior.high if math.isfinite(prior.high) else prior.quantile(1 - CORNER_TAIL)
    if prior.integer:
        return float(round(lo)), float(round(hi))
    return float(lo), float(hi)


def _value(prior: Prior, x: float) -> Any:
    return int(round(x)) if prior.integer else float(x)


def corner_design(priors: list[Prior], random_corners: int = RANDOM_CORNERS,
                  design_seed: int = DESIGN_SEED) -> tuple[str, list[Point]]:
    """The corners of the prior (module docstring): ``(description, points)``."""
    k = len(priors)
    ends = [_ends(p) for p in priors]
    points: list[Point] = []
    if k <= FULL_FACTORIAL_MAX:
        for bits in itertools.product((0, 1), repeat=k):
            name = ", ".join(f"{p.name}={'high' if b else 'low'}" for p, b in zip(priors, bits, strict=True))
            points.append(Point(name, "corner", {p.name: _value(p, e[b])
                                                 for p, e, b in zip(priors, ends, bits, strict=True)}))
        return f"all 2^{k} = {len(points)} corners of the prior", points
    for p, (lo, hi) in zip(priors, ends, strict=True):
        points.append(Point(f"{p.name}=low", "corner", {p.name: _value(p, lo)}))
        points.append(Point(f"{p.name}=high", "corner", {p.name: _value(p, hi)}))
    rng = np.random.default_rng(design_seed)
    for j in range(random_corners):
        bits = rng.integers(0, 2, size=k)
        points.append(Point(f"random corner {j + 1}", "corner",
                            {p.name: _value(p, e[int(b)]) for p, e, b in zip(priors, ends, bits, strict=True)}))
    return (f"{2 * k} one-at-a-time extremes of the {k} priors plus {random_corners} random corners "
            f"(design seed {design_seed})"), points


def mechanism_points(ids: list[str], produced_by: dict[str, tuple[str, ...]],
                     mechanisms: dict[str, Mechanism]) -> list[Point]:
    """One point per mechanism that some of ``ids`` declares, in the order of ``mechanisms``."""
    used = {m for i in ids for m in produced_by.get(i, ())}
    return [Point(m, "mechanism", dict(mechanisms[m].overrides)) for m in mechanisms if m in used]


# ---------------------------------------------------------------------------------------------- running
Judge = Callable[[Any], dict[str, str]]


def judge_run(result: Any) -> dict[str, str]:
    """``{id: "holds" | "fails" | "skipped"}`` for every pattern and target of one run."""
    out = {r.id: "holds" if r.passed else "fails" for r in evaluate(result)}
    for t in evaluate_targets(result):
        out[t.id] = "skipped" if t.status == Status.SKIPPED else "holds" if t.holds else "fails"
    return out


def _judge_seeds(scenario: Scenario, seeds: list[int], judge: Judge) -> list[dict[str, str]]:
    return [judge(run(scenario, s)) for s in seeds]


def item_ids() -> list[str]:
    """Every pattern id, then every target id."""
    return [p.id for p in PATTERNS] + [t.id for t in TARGETS]


def check(scenario: Scenario, priors: list[Prior], seeds: list[int], pool: Pool,
          random_corners: int = RANDOM_CORNERS, design_seed: int = DESIGN_SEED, judge: Judge = judge_run,
          ids: list[str] | None = None, produced_by: dict[str, tuple[str, ...]] | None = None,
          mechanisms: dict[str, Mechanism] | None = None) -> dict[str, Any]:
    """Run the check (module docstring) and classify every id; the report is JSON-ready.

    ``judge``, ``ids``, ``produced_by`` and ``mechanisms`` default to the project's patterns,
    targets and declarations (tests pass small ones).
    """
    ids = ids if ids is not None else item_ids()
    produced_by = produced_by if produced_by is not None else PRODUCED_BY
    mechanisms = mechanisms if mechanisms is not None else MECHANISMS
    description, corners = corner_design(priors, random_corners, design_seed)
    mech_points = mechanism_points(ids, produced_by, mechanisms)
    points = [Point("scenario", "scenario", {}), *corners, *mech_points]
    t0 = time.perf_counter()
    futures: list[Future] = [pool.submit(_judge_seeds, scenario.with_overrides(p.overrides, origin=p.name), seeds,
                                         judge) for p in points]
    verdicts = [f.result() for f in futures]
    wall = time.perf_counter() - t0

    def share(i: int, id_: str) -> float | None:
        vs = [v.get(id_, "skipped") for v in verdicts[i]]
        judged = [v for v in vs if v != "skipped"]
        return round(sum(v == "holds" for v in judged) / len(judged), 4) if judged else None

    rows = []
    index = {p.name: i for i, p in enumerate(points) if p.group == "mechanism"}
    for id_ in ids:
        shares = [share(i, id_) for i in range(len(points))]  # every point's, once
        base = shares[0]
        at_corners = {p.name: shares[i] for i, p in enumerate(points) if p.group == "corner"}
        off = {m: shares[index[m]] for m in produced_by.get(id_, ())}
        all_shares = [s for s in (base, *at_corners.values(), *off.values()) if s is not None]
        everywhere = [s for s in shares if s is not None]
        if not all_shares:
            cls, why = SKIPPED, "skipped in every run (a column the results lack)"
        elif all(s == 1.0 for s in all_shares):
            cls, why = BUILT_IN, "holds in every seed of every run: the scenario, every corner, every mechanism off"
        else:
            failing = [n for n, s in at_corners.items() if s is not None and s < 1.0]
            broken = [m for m, s in off.items() if s is not None and s < 1.0]
            parts = ([f"fails at {len(failing)} of {len(at_corners)} corners"] if failing else []) + \
                    ([f"fails with {', '.join(broken)} off"] if broken else []) + \
                    ([f"holds in {base:.0%} of seeds of the scenario"] if base is not None and base < 1.0 else [])
            cls, why = INFORMATIVE, "; ".join(parts)
        corner_vals = [s for s in at_corners.values() if s is not None]
        rows.append({
            "id": id_, "kind": "pattern" if id_ in PATTERN_BY_ID else "target", "class": cls, "why": why,
            "scenario": base,
            "corners_min": min(corner_vals) if corner_vals else None,
            "corners_mean": round(sum(corner_vals) / len(corner_vals), 4) if corner_vals else None,
            "corners_max": max(corner_vals) if corner_vals else None,
            "corners_failing": sum(1 for s in corner_vals if s < 1.0),
            "best": max(everywhere) if everywhere else None,
            "corners": at_corners, "mechanisms_off": off,
        })
    design = {"corners": description, "n_corners": len(corners), "random_corners": random_corners,
              "design_seed": design_seed, "parameters": [p.name for p in priors],
              "mechanisms": {p.name: {"overrides": p.overrides, "doc": mechanisms[p.name].doc} for p in mech_points}}
    report = {"scenario": scenario.name, "scenario_hash": scenario.hash(), "seeds": seeds,
              "points": len(points), "runs": len(points) * len(seeds), "wall_seconds": round(wall, 2),
              "executor": pool.description, "design": design, "items": rows}
    report["check_hash"] = check_hash(scenario, priors, seeds, random_corners, design_seed)
    return report


def check_hash(scenario: Scenario, priors: list[Prior], seeds: list[int], random_corners: int,
               design_seed: int) -> str:
    """What defines a check's numbers: the scenario, the priors' bounds, the seeds and the design."""
    return canonical_hash({"scenario": scenario.hash(), "priors": [[p.name, *_ends(p)] for p in priors],
                           "seeds": seeds, "random_corners": random_corners, "design_seed": design_seed,
                           "mechanisms": {m: v.overrides for m, v in MECHANISMS.items()},
                           "produced_by": PRODUCED_BY})


def out_of_reach(report: dict[str, Any]) -> list[str]:
    """Ids whose best share over every point of the check is below :data:`OUT_OF_REACH_SHARE` (module docstring).
    A report written before ``best`` was kept has none to read: ValueError (rerun the check)."""
    if any("best" not in r for r in report["items"]):
        raise ValueError("the report has no 'best' shares (written by an older version): rerun the check")
    return [r["id"] for r in report["items"] if r["best"] is not None and r["best"] < OUT_OF_REACH_SHARE]


def format_report(report: dict[str, Any]) -> str:
    """The check as a fixed-width table: id, class, share in the scenario, at the corners, mechanisms off."""
    rows = report["items"]
    width = max(len(r["id"]) for r in rows)
    lines = [f"informative check of {report['scenario']}: {len(report['seeds'])} seeds x {report['points']} points "
             f"= {report['runs']} runs in {report['wall_seconds']:.1f} s ({report['executor']})",
             f"corners: {report['design']['corners']}",
             f"{'id':<{width}} {'class':<11} {'use':<8} {'scenario':>8} {'corner min':>10} {'corners <1':>10} "
             f"{'best':>5}  mechanism off: share"]

    def pct(x: float | None) -> str:
        return "-" if x is None else f"{x:.2f}"

    for r in rows:
        off = ", ".join(f"{m} {pct(s)}" for m, s in r["mechanisms_off"].items())
        lines.append(f"{r['id']:<{width}} {r['class']:<11} {r.get('use', ''):<8} {pct(r['scenario']):>8} "
                     f"{pct(r['corners_min']):>10} {r['corners_failing']:>10} {pct(r.get('best')):>5}  {off}")
    built = [r["id"] for r in rows if r["class"] == BUILT_IN]
    lines.append(f"built-in (hold everywhere; no evidence): {', '.join(built) or 'none'}")
    lines.append(f"out of the check's reach (hold in under {OUT_OF_REACH_SHARE:.0%} of seeds at every point): "
                 f"{', '.join(out_of_reach(report)) or 'none'}")
    fitted = [r["id"] for r in rows if r["class"] == BUILT_IN and r.get("use") in ("fit", "validate")]
    if fitted:
        lines.append(f"warning: built-in but used as evidence by the hold-out: {', '.join(fitted)}")
    return "\n".join(lines)
