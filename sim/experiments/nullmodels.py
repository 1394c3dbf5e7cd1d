"""Null models and label swaps: do the named firms' outcomes come from their inputs, or from the system?

Two scenario transforms, generic over the fields of :class:`sim.params.StartupSpec` (no field is
named here, so they follow the spec when it changes), both made with the scenario's own override
mechanism (:meth:`sim.scenario.Scenario.with_overrides`, list items by index), which validates the
result and leaves the original untouched:

* :func:`homogenise` gives the named startups identical inputs, field by field over
  :func:`input_fields` (every field but ``name`` and the provenance fields, those whose unit is
  ``"text"``, e.g. ``source``):

  - a float: the mean over the firms; an integer: the mean rounded half up;
  - a switch (bool): on when at least half the firms have it on (a majority; a tie is on);
  - a list (e.g. ``investors``, ``side_products``): read as a set of yes/no memberships, each
    decided like a switch: an item is kept when at least half the firms list it, in the order it
    first appears. So every firm gets the typical memberships (in the baseline Alibaba and Tencent
    each back three of the six, so all six get both), and an item only one firm has goes. (A mean
    does not exist for a list, and a union would give everyone the rare cases.)
  - anything else (a string such as ``vertical_affinity``): the most common value, a tie broken
    by the order of the firms in the scenario;
  - a provenance field is set to a note saying the inputs were homogenised.

* :func:`swap` exchanges every field of two startups but ``name`` (provenance travels with the
  values it describes); swapping twice gives the scenario back.

:func:`run_null_models` runs a scenario as given, homogenised and with each swap on common seeds
(seed *i* in every variant) on a :class:`sim.experiments.executors.Pool`, and reports, per pattern
T1-T17, the share of seeds where it holds. For a swap it also evaluates the patterns on the run's
tables with the two names exchanged back (:func:`relabel`): a pattern about firm X is then judged
on the firm that carries X's inputs. Names are only labels in the model, so the relabelled run is
exactly the scenario with the two firms' places in the list exchanged, inputs and names together
(a test checks it). When the outcome follows the inputs, the relabelled share exceeds the share as
named: after a swap the partner does what X did. When the relabelled share differs from the
original's, the outcome also depends on the firm's place in the list (:func:`follows`).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from ..errors import InputError
from ..facts import BAICHUAN, MOONSHOT, ZERO_ONE, ZHIPU
from ..params import StartupSpec
from ..patterns import PATTERNS, evaluate_tables
from ..scenario import Scenario
from .executors import Pool

#: The field that identifies a firm (never changed).
NAME_FIELD = "name"
#: Units of provenance fields (where values come from), which are not model inputs.
PROVENANCE_UNITS = ("text",)
#: Switches and list memberships are on when at least this share of the firms have them.
MAJORITY = 0.5
#: The patterns whose outcome is about a named startup, and the startups it names (docs/patterns.md).
#: T14 names DeepSeek, an open lab, not a startup: its outcome is given by the open labs' rules.
FIRM_NAMED: dict[str, tuple[str, ...]] = {
    "T3": (ZERO_ONE,),
    "T4": (BAICHUAN, ZHIPU),
    "T6": (ZERO_ONE, BAICHUAN),
    "T10": (ZHIPU,),
    "T11": (ZHIPU,),
    "T12": (MOONSHOT,),
}
#: A difference in pass rate (share of seeds) at least this large is read as an effect.
EFFECT = 0.25
#: A pattern "holds" in a variant when its pass rate is at least this.
HOLDS = 0.5
#: Seeds per task sent to the executor.
CHUNK = 10


# ---------------------------------------------------------------------------------------------- fields
def _unit(name: str) -> str:
    extra = StartupSpec.model_fields[name].json_schema_extra or {}
    return str(extra.get("unit", "")) if isinstance(extra, dict) else ""


def provenance_fields() -> list[str]:
    """Fields of :class:`StartupSpec` that document where the values come from (unit ``"text"``)."""
    return [f for f in StartupSpec.model_fields if _unit(f) in PROVENANCE_UNITS]


def input_fields() -> list[str]:
    """Fields of :class:`StartupSpec` that are model inputs: all but ``name`` and provenance."""
    skip = {NAME_FIELD, *provenance_fields()}
    return [f for f in StartupSpec.model_fields if f not in skip]


def startup_index(scenario: Scenario, name: str, origin: str = "firm") -> int:
    """Position of startup ``name`` in ``scenario.startups``; :class:`InputError` naming it if absent."""
    names = [s.name for s in scenario.startups]
    if name not in names:
        raise InputError(origin, name, f"no startup named '{name}' in scenario '{scenario.name}'; its startups are "
                                       f"{', '.join(names) or 'none (generic firms cannot be named)'}")
    return names.index(name)


def combine(values: Sequence[Any]) -> Any:
    """The common value given to every firm by :func:`homogenise` (rules in the module docstring)."""
    if not values:
        raise ValueError("no values to combine")
    first = values[0]
    if isinstance(first, bool):
        return sum(bool(v) for v in values) >= MAJORITY * len(values)
    if isinstance(first, int):
        return math.floor(sum(values) / len(values) + 0.5)
    if isinstance(first, float):
        return sum(values) / len(values)
    if isinstance(first, list | tuple):
        order = list(dict.fromkeys(x for v in values for x in v))
        counts = Counter(x for v in values for x in dict.fromkeys(v))
        return [x for x in order if counts[x] >= MAJORITY * len(values)]
    counts = Counter(values)  # most_common keeps first-seen order among ties
    return counts.most_common(1)[0][0]


# ---------------------------------------------------------------------------------------------- transforms
def homogenise(scenario: Scenario, names: Iterable[str] | None = None) -> Scenario:
    """A copy of ``scenario`` in which the startups ``names`` (default: all) have identical inputs."""
    names = [s.name for s in scenario.startups] if names is None else list(names)
    idx = [startup_index(scenario, n, "homogenise") for n in names]
    if len(idx) < 2:
        return scenario
    overrides: dict[str, Any] = {}
    for f in input_fields():
        value = combine([getattr(scenario.startups[i], f) for i in idx])
        overrides |= {f"startups.{i}.{f}": value for i in idx}
    note = f"homogenised over {', '.join(names)} (sim.experiments.nullmodels)"
    for f in provenance_fields():
        overrides |= {f"startups.{i}.{f}": note for i in idx}
    return scenario.with_overrides(overrides, origin="homogenise")


def swap(scenario: Scenario, a: str, b: str) -> Scenario:
    """A copy of ``scenario`` in which startups ``a`` and ``b`` exchange every field but their names."""
    i, j = startup_index(scenario, a, "swap"), startup_index(scenario, b, "swap")
    if i == j:
        raise InputError("swap", a, f"expected two different startups, got '{a}' twice")
    sa, sb = scenario.startups[i].model_dump(mode="json"), scenario.startups[j].model_dump(mode="json")
    overrides = {}
    for f in StartupSpec.model_fields:
        if f != NAME_FIELD:
            overrides[f"startups.{i}.{f}"], overrides[f"startups.{j}.{f}"] = sb[f], sa[f]
    return scenario.with_overrides(overrides, origin="swap")


def named_firms(scenario: Scenario) -> list[str]:
    """Startups of ``scenario`` named by a firm-named pattern, in pattern order."""
    present = {s.name for s in scenario.startups}
    return [f for f in dict.fromkeys(f for firms in FIRM_NAMED.values() for f in firms) if f in present]


def default_swaps(scenario: Scenario) -> list[tuple[str, str]]:
    """Swaps in which every firm named by a firm-named pattern is swapped once: each with a startup no pattern
    names (in scenario order) while there are some, the rest among themselves (an odd one out with the first
    startup of the scenario that is not itself)."""
    named = named_firms(scenario)
    others = [s.name for s in scenario.startups if s.name not in named]
    pairs = list(zip(named, others, strict=False))
    rest = named[len(pairs):]
    pairs += [(rest[k], rest[k + 1]) for k in range(0, len(rest) - 1, 2)]
    if len(rest) % 2:
        partner = next((s.name for s in scenario.startups if s.name != rest[-1]), None)
        if partner is not None:
            pairs.append((rest[-1], partner))
    return pairs


def parse_swaps(text: str, scenario: Scenario, origin: str = "--swaps") -> list[tuple[str, str]]:
    """``"A:B,C:D"`` as pairs of startups of ``scenario``; :class:`InputError` naming a bad item or firm."""
    pairs = []
    for item in (x.strip() for x in text.split(",")):
        a, sep, b = item.partition(":")
        if not sep or not a or not b:
            raise InputError(origin, item, "expected A:B pairs of startup names separated by commas, e.g. "
                                           "Zhipu:Moonshot,01.AI:MiniMax")
        if a == b:
            raise InputError(origin, item, f"expected two different startups, got '{a}' twice")
        for n in (a, b):
            startup_index(scenario, n, origin)
        pairs.append((a, b))
    return pairs


# ---------------------------------------------------------------------------------------------- running
@dataclass(frozen=True)
class Variant:
    """One scenario of the comparison; ``swapped`` the pair a swap exchanged (empty otherwise)."""

    name: str
    scenario: Scenario
    swapped: tuple[str, ...] = ()


def variants(scenario: Scenario, swaps: Sequence[tuple[str, str]]) -> list[Variant]:
    """The scenario as given, homogenised (all its startups), and each swap."""
    out = [Variant("as given", scenario), Variant("homogenised", homogenise(scenario))]
    return out + [Variant(f"swap {a}:{b}", swap(scenario, a, b), (a, b)) for a, b in swaps]


def relabel(table: dict[str, list[Any]], a: str, b: str) -> dict[str, list[Any]]:
    """``table`` (column dict) with every cell equal to ``a`` or ``b`` exchanged, in every column."""
    swap_map = {a: b, b: a}
    return {c: [swap_map.get(v, v) if isinstance(v, str) else v for v in col] for c, col in table.items()}


def evaluate_seeds(scenario: Scenario, seeds: list[int], swapped: tuple[str, ...]) -> list[dict[str, Any]]:
    """Run ``seeds`` of ``scenario``; per seed the patterns that hold, as named and (for a swap) relabelled.

    Module level, so that a process pool or Dask can run it.
    """
    from ..model import run

    out = []
    for seed in seeds:
        r = run(scenario, seed)
        row: dict[str, Any] = {"seed": seed, "named": {p.id: p.passed for p in evaluate_tables(r.model, r.firms,
                                                                                             r.events)}}
        if swapped:
            a, b = swapped
            back = evaluate_tables(r.model, relabel(r.firms, a, b), relabel(r.events, a, b))
            row["relabelled"] = {p.id: p.passed for p in back}
        out.append(row)
    return out


def run_null_models(scenario: Scenario, seeds: Sequence[int], swaps: Sequence[tuple[str, str]], pool: Pool
                    ) -> dict[str, Any]:
    """Every variant on ``seeds`` (common to all) on ``pool``; the report of :func:`report`."""
    vs = variants(scenario, swaps)
    seeds = list(seeds)
    futures: list[tuple[int, Future]] = []
    for k, v in enumerate(vs):
        for i in range(0, len(seeds), CHUNK):
            futures.append((k, pool.executor.submit(evaluate_seeds, v.scenario, seeds[i:i + CHUNK], v.swapped)))
    rows: list[list[dict[str, Any]]] = [[] for _ in vs]
    for k, fut in futures:
        rows[k].extend(fut.result())
    return report(scenario, seeds, vs, rows)


def _rate(rows: list[dict[str, Any]], key: str) -> dict[str, float]:
    n = len(rows)
    return {p.id: round(sum(r[key][p.id] for r in rows) / n, 4) if n else 0.0 for p in PATTERNS}


def reading(baseline: float, homogenised: float) -> str:
    """Where a pattern comes from, by its pass rates as given and homogenised (thresholds :data:`EFFECT`,
    :data:`HOLDS`)."""
    if baseline - homogenised >= EFFECT:
        return "firm inputs"
    if homogenised - baseline >= EFFECT:
        return "holds more without firm differences"
    if baseline < HOLDS and homogenised < HOLDS:
        return "rarely holds"
    return "system"


def follows(as_given: float, named: float, relabelled: float) -> str:
    """After a swap: does the outcome go with the inputs (the partner now does it) or stay with the name? And
    does it move with the firms' places in the scenario's list (the relabelled run is the scenario with the two
    firms' places exchanged, names and inputs together)?"""
    if relabelled - named >= EFFECT:
        verdict = "follows inputs"
    elif named - relabelled >= EFFECT:
        verdict = "stays with the name"
    else:
        verdict = "no difference between the two"
    if abs(as_given - relabelled) >= EFFECT:
        verdict += f"; list position matters ({as_given:.2f} as given, {relabelled:.2f} with places exchanged)"
    return verdict


def report(scenario: Scenario, seeds: list[int], vs: list[Variant], rows: list[list[dict[str, Any]]]
           ) -> dict[str, Any]:
    """Pass rates per variant and pattern, the reading of each pattern, and the swap verdicts."""
    out_vs = []
    for v, rs in zip(vs, rows, strict=True):
        entry: dict[str, Any] = {"name": v.name, "swapped": list(v.swapped), "scenario_hash": v.scenario.hash(),
                                 "pass_rate": _rate(rs, "named")}
        if v.swapped:
            entry["relabelled_pass_rate"] = _rate(rs, "relabelled")
        out_vs.append(entry)
    base, homo = out_vs[0]["pass_rate"], out_vs[1]["pass_rate"]
    patterns = [{"id": p.id, "name": p.name, "firms": list(FIRM_NAMED.get(p.id, ())),
                 "reading": reading(base[p.id], homo[p.id])} for p in PATTERNS]
    swaps = []
    for v in out_vs[2:]:
        for pid, firms in FIRM_NAMED.items():
            if set(firms) & set(v["swapped"]):
                named, back = v["pass_rate"][pid], v["relabelled_pass_rate"][pid]
                swaps.append({"pattern": pid, "firms": list(firms), "swap": v["name"], "as_given": base[pid],
                              "homogenised": homo[pid], "swap_as_named": named, "swap_relabelled": back,
                              "verdict": follows(base[pid], named, back)})
    return {"scenario": scenario.name, "scenario_hash": scenario.hash(), "seeds": seeds,
            "homogenised_fields": input_fields(), "variants": out_vs, "patterns": patterns, "swaps": swaps,
            "thresholds": {"effect": EFFECT, "holds": HOLDS, "majority": MAJORITY}}


def markdown(rep: dict[str, Any]) -> str:
    """The report as two Markdown tables: pass rates per variant, then the swap verdicts."""
    vs = rep["variants"]
    seeds = rep["seeds"]
    span = f"seeds {seeds[0]}-{seeds[-1]}" if len(seeds) > 1 else f"seed {seeds[0]}"
    lines = [f"Scenario `{rep['scenario']}`, {len(seeds)} common seeds ({span}) per variant. Share of seeds in "
             "which each pattern holds; for a swap, a firm-named pattern touched by it also shows (after the "
             "arrow) its share with the two names exchanged back, i.e. judged on the firm carrying the inputs.",
             "", "| id | pattern | " + " | ".join(v["name"] for v in vs) + " | reading |",
             "|---|---|" + "---|" * len(vs) + "---|"]
    for p in rep["patterns"]:
        cells = []
        for v in vs:
            cell = f"{v['pass_rate'][p['id']]:.2f}"
            if v["swapped"] and set(p["firms"]) & set(v["swapped"]):
                cell += f" → {v['relabelled_pass_rate'][p['id']]:.2f}"
            cells.append(cell)
        name = p["name"] + (f" ({', '.join(p['firms'])})" if p["firms"] else "")
        lines.append(f"| {p['id']} | {name} | " + " | ".join(cells) + f" | {p['reading']} |")
    lines += ["", "| pattern | firms | swap | as given | homogenised | swap, as named | swap, relabelled | verdict |",
              "|---|---|---|---|---|---|---|---|"]
    for s in rep["swaps"]:
        lines.append(f"| {s['pattern']} | {', '.join(s['firms'])} | {s['swap']} | {s['as_given']:.2f} | "
                     f"{s['homogenised']:.2f} | {s['swap_as_named']:.2f} | {s['swap_relabelled']:.2f} | "
                     f"{s['verdict']} |")
    return "\n".join(lines) + "\n"
