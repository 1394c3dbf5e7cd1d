"""Structural robustness: do the counterfactuals' conclusions survive a change of the model's structure?

A robustness spec (``experiments/structure_*.toml``, format in ``docs/robustness.md``) names a set of
scenarios (the reference first, as for ``python -m sim compare``), the metrics, the replications and
a list of *variants*: each a table of overrides applied to every scenario (``[variants.set]``, e.g.
``"schedule.order" = [...]`` or ``"population.startups" = 90``). Each variant is one ``scenarios``
experiment (common random numbers: replication r has the same seed in every scenario and every
variant) swept into ``OUT/<variant>/`` by the resumable store of :mod:`sim.experiments.sweep`, so an
interrupted run resumes and finished runs are never lost. The summary (:func:`summarise`) gives, per
variant, counterfactual and metric, the paired difference to the reference scenario with its
interval, whether its sign is the first variant's, and per metric whether the counterfactuals rank
as under the first variant: every pair the first variant orders clearly (intervals apart) in the
same order, and Kendall's tau of the mean differences.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field

from ..config import Strict, load_toml, validate
from ..errors import InputError
from .spec import DEFAULT_TIME_LIMIT_S, ExperimentSpec, spec_from_dict

#: A paired difference whose interval holds 0 is "no clear effect" (sign 0): its sign is not a conclusion.
NO_EFFECT = 0


class VariantSpec(Strict):
    """One structural variant: a name and the overrides it applies to every scenario."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$",
                      description="Label in tables and figures; also the results sub-folder's name.")
    description: str = ""
    set: dict[str, float | int | bool | str | list[str]] = Field(
        {}, description="Scenario key path -> value applied to every scenario of the comparison.")


class RobustnessFile(Strict):
    """The file's schema (paths relative to the file)."""

    name: str = ""
    description: str = ""
    scenarios: list[str] = Field(min_length=2, description="Scenario files, the reference first.")
    replications: int = Field(30, ge=2, le=100_000)
    seed: int = Field(0, ge=0, le=2**63 - 1)
    time_limit_seconds: float = Field(DEFAULT_TIME_LIMIT_S, ge=0.0)
    metrics: list[str] = Field(min_length=1)
    monthly: bool = Field(False, description="Keep the monthly model table (for the sentiment path figure).")
    variants: list[VariantSpec] = Field(min_length=1, description="The first is the reference structure.")


@dataclass(frozen=True)
class RobustnessSpec:
    """A validated robustness spec: one comparison experiment per variant."""

    file: str
    name: str
    description: str
    variants: list[VariantSpec]
    experiments: dict[str, ExperimentSpec]  # variant name -> its comparison
    metrics: list[str]


def load_robustness(path: str | Path) -> RobustnessSpec:
    """Load and validate a robustness spec; :class:`InputError` names the file, the key and what was expected."""
    p = Path(path)
    loaded = load_toml(p)
    rf = validate(RobustnessFile, loaded.data, loaded)
    names = [v.name for v in rf.variants]
    for i, n in enumerate(names):
        if names.index(n) != i:
            raise InputError(str(path), f"variants.{i}.name", f"variant name '{n}' is used twice")
    name = rf.name or p.stem
    experiments = {}
    for i, v in enumerate(rf.variants):
        data = {"name": f"{name}-{v.name}", "description": v.description or rf.description,
                "replications": rf.replications, "seed": rf.seed, "crn": True,
                "time_limit_seconds": rf.time_limit_seconds, "fixed": dict(v.set),
                "design": {"method": "scenarios", "scenarios": list(rf.scenarios)},
                "outputs": {"metrics": list(rf.metrics), "monthly": rf.monthly}}
        experiments[v.name] = spec_from_dict(data, origin=f"{path} [variants.{i}]", folder=p.resolve().parent)
    return RobustnessSpec(file=str(path), name=name, description=rf.description, variants=list(rf.variants),
                          experiments=experiments, metrics=list(rf.metrics))


def run_all(spec: RobustnessSpec, out: Path, sweep: Callable[[ExperimentSpec, Path], Any]) -> dict[str, float]:
    """Sweep every variant's comparison into ``out/<variant>`` with ``sweep(spec, folder)`` (resumable);
    return the wall seconds each took in this call (0 for one already complete)."""
    seconds = {}
    for v in spec.variants:
        report = sweep(spec.experiments[v.name], out / v.name)
        if report is None:
            raise RuntimeError(f"every run of variant '{v.name}' failed")
        seconds[v.name] = float(report.seconds)
    return seconds


def sign(row: dict[str, Any]) -> int:
    """+1 / -1 when the paired difference's interval lies above / below 0, else :data:`NO_EFFECT`."""
    lo, hi = row["diff_low"], row["diff_high"]
    if math.isnan(lo) or math.isnan(hi):
        return NO_EFFECT
    return 1 if lo > 0 else -1 if hi < 0 else NO_EFFECT


def kendall_tau(a: list[float], b: list[float]) -> float:
    """Kendall's tau-b of two rankings given as values (NaN if either is constant or has a NaN)."""
    from scipy.stats import kendalltau

    if any(math.isnan(x) for x in (*a, *b)) or len(set(a)) < 2 or len(set(b)) < 2:
        return math.nan
    return float(kendalltau(a, b).statistic)


def clear_pairs(rows: list[dict[str, Any]]) -> list[tuple[int, int]]:
    """Pairs (i, j) of counterfactuals whose paired differences' intervals do not overlap, i's above j's:
    their order is a conclusion (an order within overlapping intervals is noise)."""
    return [(i, j) for i, a in enumerate(rows) for j, b in enumerate(rows)
            if i != j and a["diff_low"] > b["diff_high"]]


def summarise(spec: RobustnessSpec, out: Path, seconds: dict[str, float] | None = None) -> dict[str, Any]:
    """The tables of the module docstring from the variants' results folders (written there by :func:`run_all`)."""
    from .analysis import compare_table

    tables = {v.name: compare_table(out / v.name, metrics=spec.metrics) for v in spec.variants}
    ref_variant = spec.variants[0].name
    reference = tables[ref_variant]["reference"]
    counterfactuals = [s for s in tables[ref_variant]["scenarios"] if s != reference]
    by = {(vn, r["scenario"], r["metric"]): r for vn, t in tables.items() for r in t["rows"]}
    rows, rankings = [], []
    for v in spec.variants:
        for m in spec.metrics:
            for sc in counterfactuals:
                r, r0 = by[(v.name, sc, m)], by[(ref_variant, sc, m)]
                base = by[(v.name, reference, m)]
                rows.append({"variant": v.name, "scenario": sc, "metric": m, "reference_mean": base["mean"],
                             "mean": r["mean"], "diff_mean": r["diff_mean"], "diff_low": r["diff_low"],
                             "diff_high": r["diff_high"], "sign": sign(r), "reference_sign": sign(r0),
                             "same_sign": sign(r) == sign(r0),
                             "same_direction": math.copysign(1, r["diff_mean"]) == math.copysign(1, r0["diff_mean"])})
            diffs = [by[(v.name, sc, m)]["diff_mean"] for sc in counterfactuals]
            diffs0 = [by[(ref_variant, sc, m)]["diff_mean"] for sc in counterfactuals]
            order = sorted(counterfactuals, key=lambda sc: -by[(v.name, sc, m)]["diff_mean"])
            clear = clear_pairs([by[(ref_variant, sc, m)] for sc in counterfactuals])
            rankings.append({"variant": v.name, "metric": m, "ranking": order, "clear_pairs": len(clear),
                             "clear_pairs_kept": sum(diffs[i] > diffs[j] for i, j in clear),
                             "kendall_tau": kendall_tau(diffs, diffs0)})
    return {"name": spec.name, "description": spec.description, "reference_variant": ref_variant,
            "reference_scenario": reference, "counterfactuals": counterfactuals, "metrics": spec.metrics,
            "replications": tables[ref_variant]["replications"],
            "variants": [{"name": v.name, "description": v.description, "set": v.set,
                          "seconds": (seconds or {}).get(v.name, math.nan)} for v in spec.variants],
            "rows": rows, "rankings": rankings}


def verdicts(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """Per variant: how many (counterfactual, metric) effects keep the first variant's sign, reverse it (both
    intervals clear of 0, opposite signs), lose it (now 0) or gain one; how many clearly ordered pairs keep
    their order (:func:`clear_pairs`); the least Kendall tau over the metrics."""
    out = []
    for v in summary["variants"]:
        rows = [r for r in summary["rows"] if r["variant"] == v["name"]]
        ranks = [r for r in summary["rankings"] if r["variant"] == v["name"]]
        taus = [r["kendall_tau"] for r in ranks if not math.isnan(r["kendall_tau"])]
        out.append({"variant": v["name"], "effects": len(rows), "same_sign": sum(r["same_sign"] for r in rows),
                    "reversed": sum(r["sign"] * r["reference_sign"] == -1 for r in rows),
                    "lost": sum(r["reference_sign"] != NO_EFFECT and r["sign"] == NO_EFFECT for r in rows),
                    "gained": sum(r["reference_sign"] == NO_EFFECT and r["sign"] != NO_EFFECT for r in rows),
                    "clear_pairs": sum(r["clear_pairs"] for r in ranks),
                    "clear_pairs_kept": sum(r["clear_pairs_kept"] for r in ranks),
                    "min_tau": min(taus) if taus else math.nan, "seconds": v["seconds"]})
    return out


def markdown(summary: dict[str, Any]) -> str:
    """The summary as Markdown tables (the verdicts, then per metric the differences; docs/robustness.md)."""
    def num(x: float) -> str:
        return "nan" if math.isnan(x) else f"{x:+.3g}"

    mark = {1: "**+**", -1: "**−**", NO_EFFECT: "0"}
    lines = [f"Differences to `{summary['reference_scenario']}` over {summary['replications']} common seeds: mean "
             "[95% interval]; **+** / **−** when the interval excludes 0, else 0. Reference structure: "
             f"`{summary['reference_variant']}`.", "",
             "| variant | effects with the reference's sign | reversed | lost (now 0) | gained | clearly ordered "
             "pairs kept | least tau |", "|---|---|---|---|---|---|---|"]
    for r in verdicts(summary):
        tau = "nan" if math.isnan(r["min_tau"]) else f"{r['min_tau']:.2f}"
        lines.append(f"| `{r['variant']}` | {r['same_sign']}/{r['effects']} | {r['reversed']} | {r['lost']} | "
                     f"{r['gained']} | {r['clear_pairs_kept']}/{r['clear_pairs']} | {tau} |")
    by = {(r["variant"], r["scenario"], r["metric"]): r for r in summary["rows"]}
    ranks = {(r["variant"], r["metric"]): r for r in summary["rankings"]}
    first = summary["counterfactuals"][0]
    lines += ["", f"The reference scenario `{summary['reference_scenario']}` under each variant (mean):", "",
              "| variant | " + " | ".join(f"`{m}`" for m in summary["metrics"]) + " |",
              "|---|" + "---|" * len(summary["metrics"])]
    for v in summary["variants"]:
        lines.append(f"| `{v['name']}` | " + " | ".join(f"{by[(v['name'], first, m)]['reference_mean']:.6g}"
                                                         for m in summary["metrics"]) + " |")
    for m in summary["metrics"]:
        lines += ["", f"**{m}**", "", "| variant | " + " | ".join(f"`{c}`" for c in summary["counterfactuals"])
                  + " | clear pairs kept | tau |", "|---|" + "---|" * (len(summary["counterfactuals"]) + 2)]
        for v in summary["variants"]:
            cells = [by[(v["name"], c, m)] for c in summary["counterfactuals"]]
            rk = ranks[(v["name"], m)]
            tau = rk["kendall_tau"]
            lines.append(f"| `{v['name']}` | " + " | ".join(
                f"{num(r['diff_mean'])} [{num(r['diff_low'])}, {num(r['diff_high'])}] {mark[r['sign']]}"
                for r in cells) + f" | {rk['clear_pairs_kept']}/{rk['clear_pairs']} | "
                f"{'nan' if math.isnan(tau) else f'{tau:.2f}'} |")
    return "\n".join(lines) + "\n"


def write(summary: dict[str, Any], out: Path) -> list[Path]:
    """``robustness.json``, ``robustness.csv`` (the rows), ``rankings.csv`` and ``robustness.md`` in ``out``."""
    import pandas as pd

    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "robustness.json", out / "robustness.csv", out / "rankings.csv", out / "robustness.md"]
    paths[0].write_text(json.dumps(summary, indent=2), encoding="utf-8")
    paths[3].write_text(markdown(summary), encoding="utf-8")
    pd.DataFrame(summary["rows"]).to_csv(paths[1], index=False)
    pd.DataFrame([{**r, "ranking": " > ".join(r["ranking"])} for r in summary["rankings"]]).to_csv(paths[2],
                                                                                                   index=False)
    return paths


def sentiment_paths(spec: RobustnessSpec, out: Path) -> dict[str, tuple[list[str], list[float]]]:
    """Per variant, (months, mean investor sentiment over the replications) of the reference scenario
    (point 0); empty when the spec keeps no monthly table."""
    from .store import Store

    paths = {}
    for v in spec.variants:
        store = Store(out / v.name)
        if "monthly" not in store.kept():
            continue
        df = store.read("monthly", columns=["point", "date", "vc_sentiment"]).to_pandas()
        mean = df[df["point"] == 0].groupby("date")["vc_sentiment"].mean().sort_index()
        paths[v.name] = (list(mean.index), [float(x) for x in mean.to_numpy()])
    return paths
