"""``score``: evaluate the article's patterns T1-T17 on a results folder, seed by seed.

``python -m sim score DIR [--json] [--targets]`` reads ``DIR/model``, ``DIR/firms`` and
``DIR/events`` (``.parquet`` or ``.csv``, as ``python -m sim run`` writes them), splits them by
seed, evaluates every pattern on every seed (:mod:`sim.patterns`) and prints the scorecard: a
table of pass rates and median distances, or with ``--json`` the :func:`sim.patterns.scorecard`
dict. Built-in patterns (:data:`sim.patterns.BUILT_IN`) are listed apart and not counted as
evidence. ``--targets`` adds the quantitative targets (:mod:`sim.targets`): a second table, or
the key ``targets`` (:func:`sim.targets.target_card`) in the JSON.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pyarrow as pa

from ..errors import InputError
from ..holdout import HOLDOUT_FILE, load_holdout, summarise_targets
from ..patterns import REQUIRED_COLUMNS, PatternResult, evaluate_tables, scorecard, split_seeds
from ..results import read_table
from ..targets import TargetResult, evaluate_targets_tables, format_target_card, target_card

#: A pattern "holds" for the ensemble when it passes in at least this share of seeds (as ``run`` reports).
HOLDS_SHARE = 0.7


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("score", help="score a results folder against the article's patterns T1-T17")
    p.add_argument("folder", type=Path, metavar="DIR", help="folder with model, firms and events tables")
    p.add_argument("--json", action="store_true", help="print the scorecard as JSON")
    p.add_argument("--targets", action="store_true",
                   help="also score the quantitative targets (log-likelihood and distance; docs/targets.md)")
    p.add_argument("--holdout", type=Path, default=HOLDOUT_FILE, metavar="FILE",
                   help="with --targets: the hold-out whose fit, validate and none sets are summed "
                        "(default experiments/holdout.toml)")
    p.set_defaults(func=cmd_score)


def read_tables(folder: Path, required: dict[str, tuple[str, ...]] = REQUIRED_COLUMNS) -> dict[str, pa.Table]:
    """The tables named in ``required`` of ``folder`` as pyarrow tables, each checked to hold ``seed`` and the
    columns listed for it (other columns may be there too); :class:`InputError` if one is missing, unreadable or
    empty."""
    if not folder.is_dir():
        raise InputError(str(folder), "", "expected a results folder with model, firms and events tables "
                                          "(.parquet or .csv), e.g. from 'python -m sim run'")
    if not any((folder / f"{n}.{ext}").exists() for n in required for ext in ("parquet", "csv")):
        raise InputError(str(folder), "", "expected model, firms and events tables (.parquet or .csv), found none")
    tables: dict[str, pa.Table] = {}
    for name, needed in required.items():
        try:
            table = read_table(folder, name)
        except FileNotFoundError:
            raise InputError(str(folder / f"{name}.parquet"), "",
                             f"expected the '{name}' table as {name}.parquet or {name}.csv") from None
        except Exception as exc:  # pyarrow raises several types for corrupt files
            raise InputError(str(folder / name), "", f"expected a readable '{name}' table ({exc})") from None
        missing = [c for c in ("seed", *needed) if c not in table.column_names]
        if missing:
            raise InputError(str(folder / name), "", f"expected column(s) {', '.join(missing)}")
        tables[name] = table
    if "model" in tables and tables["model"].num_rows == 0:
        raise InputError(str(folder / "model"), "", "expected at least one seed's rows, found none")
    return tables


def load_tables(folder: Path) -> dict[str, dict[str, list[Any]]]:
    """The three tables of ``folder`` as column dicts; :class:`InputError` if missing, unreadable or empty."""
    return {name: table.to_pydict() for name, table in read_tables(folder).items()}


def score_folder(folder: Path) -> tuple[list[int], list[list[PatternResult]]]:
    """Seeds found in ``folder`` and each one's pattern results."""
    seeds, results, _ = score_folder_with_targets(folder, targets=False)
    return seeds, results


def score_folder_with_targets(folder: Path, targets: bool = True
                              ) -> tuple[list[int], list[list[PatternResult]], list[list[TargetResult]]]:
    """Seeds found in ``folder``, each one's pattern results and (``targets``) its target results."""
    t = load_tables(folder)
    split = split_seeds(t["model"], t["firms"], t["events"])
    patterns = [evaluate_tables(*tables) for tables in split.values()]
    scored = [evaluate_targets_tables(*tables) for tables in split.values()] if targets else []
    return list(split), patterns, scored


def format_scorecard(card: dict[str, Any], title: str = "") -> str:
    """The scorecard as a fixed-width table."""
    rows = card["patterns"]
    width = max([len(r["name"]) for r in rows] + [4])
    lines = [title] if title else []
    lines.append(f"{'id':<4} {'name':<{width}} {'pass rate':>9} {'median distance':>15}")
    built_in = [r for r in rows if r.get("built_in")]
    counted = [r for r in rows if not r.get("built_in")]
    for group in (counted, built_in):
        if group is built_in and built_in:
            lines.append("built in (hold at every corner of the prior and with their mechanisms off; not evidence):")
        for r in group:
            dist = "-" if r["median_distance"] is None else f"{r['median_distance']:.3f}"
            lines.append(f"{r['id']:<4} {r['name']:<{width}} {r['pass_rate']:>9.2f} {dist:>15}")
    holds = sum(1 for r in counted if r["pass_rate"] >= HOLDS_SHARE)
    apart = f" (built-in {', '.join(r['id'] for r in built_in)} not counted)" if built_in else ""
    lines.append(f"{holds}/{len(counted)} patterns hold in at least {HOLDS_SHARE:.0%} of {card['seeds']} seeds{apart}")
    return "\n".join(lines)


def cmd_score(args: argparse.Namespace) -> int:
    holdout = load_holdout(args.holdout) if args.targets else None
    seeds, results, scored = score_folder_with_targets(args.folder, targets=args.targets)
    card = scorecard(results)
    if holdout is not None:
        card["targets"] = target_card(scored)["targets"]
        card["targets_by_use"] = summarise_targets(card["targets"], holdout)
    if args.json:
        print(json.dumps(card, indent=2))
    else:
        span = f"seeds {seeds[0]}-{seeds[-1]}" if len(seeds) > 1 else f"seed {seeds[0]}"
        print(format_scorecard(card, f"scorecard of {args.folder} ({len(seeds)} seeds: {span})"))
        if args.targets:
            print()
            print(format_target_card({"seeds": len(seeds), "targets": card["targets"]}))
            for use, row in card["targets_by_use"].items():
                rate = "-" if row["mean_hold_rate"] is None else f"{row['mean_hold_rate']:.2f}"
                print(f"{use}: {len(row['targets'])} targets, sum of mean log-likelihoods "
                      f"{row['sum_mean_loglik']:.2f}, mean hold rate {rate}")
    return 0
