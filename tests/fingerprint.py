"""Fingerprints of every table ``sim run`` writes, for checking that a refactoring changes no result.

For each shipped scenario and seeds 0..N-1 this runs ``python -m sim run`` (no figures) into a
temporary folder, reads back every table it wrote and hashes its schema and every value
(floats by their exact ``repr``). ``--write FILE`` stores the fingerprints as JSON; ``--check FILE``
recomputes them and exits 1 naming each table that differs. Columns added since the reference was
written are reported and left out of the comparison (a new column is allowed; a changed one is not).

    python tests/fingerprint.py --write /tmp/before.json      # before the change
    python tests/fingerprint.py --check /tmp/before.json      # after it: exit 0 when bit-identical

``tests/test_fingerprint.py`` checks the shipped baseline against ``tests/data/fingerprints.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
TABLES = ("model", "firms", "events")


def table_digest(path: Path, columns: list[str] | None = None) -> str:
    """SHA-256 of a Parquet table's schema (names and types) and of every value, row by row.

    ``columns`` restricts the digest to those columns, in that order (default: all).
    """
    table = pq.read_table(path)
    if columns is not None:
        table = table.select(columns)
    h = hashlib.sha256()
    h.update(repr([(f.name, str(f.type)) for f in table.schema]).encode())
    for row in table.to_pylist():
        h.update(repr(tuple(row.values())).encode())
    return h.hexdigest()


def fingerprint(scenario: Path, seeds: int, columns: dict[str, list[str]] | None = None) -> dict[str, str]:
    """Digests of the tables that ``sim run SCENARIO --seeds SEEDS`` writes (``columns``: per table, the
    columns to compare; default all)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        subprocess.run([sys.executable, "-m", "sim", "run", str(scenario), "--seeds", str(seeds), "--out",
                        str(out), "--no-figures", "--quiet"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        return {name: table_digest(out / f"{name}.parquet", (columns or {}).get(name)) for name in TABLES}


def table_columns(scenario: Path) -> dict[str, list[str]]:
    """Column names of each table ``sim run`` writes for ``scenario`` (one seed)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        subprocess.run([sys.executable, "-m", "sim", "run", str(scenario), "--seeds", "1", "--out", str(out),
                        "--no-figures", "--quiet"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        return {name: pq.read_schema(out / f"{name}.parquet").names for name in TABLES}


def fingerprints(scenarios: list[Path], seeds: int,
                 columns: dict[str, list[str]] | None = None) -> dict[str, dict[str, str]]:
    """``{scenario file name: {table: digest}}`` for every scenario."""
    result = {}
    for sc in scenarios:
        result[sc.name] = fingerprint(sc, seeds, columns)
        print(f"{sc.name}: {result[sc.name]['model'][:12]} {result[sc.name]['firms'][:12]} "
              f"{result[sc.name]['events'][:12]}", file=sys.stderr)
    return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--write", type=Path, metavar="FILE", help="write the fingerprints as JSON")
    g.add_argument("--check", type=Path, metavar="FILE", help="compare with a JSON written before")
    p.add_argument("--seeds", type=int, default=20, help="seeds 0..N-1 (default 20)")
    p.add_argument("scenarios", nargs="*", type=Path, help="scenario files (default scenarios/*.toml)")
    args = p.parse_args(argv)
    scenarios = args.scenarios or sorted((ROOT / "scenarios").glob("*.toml"))
    if args.write:
        columns = table_columns(scenarios[0])
        data = {"seeds": args.seeds, "columns": columns, "tables": fingerprints(scenarios, args.seeds, columns)}
        args.write.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
        return 0
    ref = json.loads(args.check.read_text())
    added = {t: [c for c in cols if c not in ref["columns"][t]] for t, cols in table_columns(scenarios[0]).items()}
    for table, cols in added.items():
        if cols:
            print(f"{table}: columns added since the reference (not compared): {', '.join(cols)}")
    now = fingerprints([s for s in scenarios if s.name in ref["tables"]], ref["seeds"], ref["columns"])
    bad = [f"{sc}/{t}" for sc, tabs in ref["tables"].items() for t, d in tabs.items()
           if now.get(sc, {}).get(t) not in (None, d)]
    missing = [sc for sc in ref["tables"] if sc not in now]
    for item in bad:
        print(f"differs: {item}")
    for sc in missing:
        print(f"not checked (no such scenario): {sc}")
    print(f"{len(now)} scenarios x {ref['seeds']} seeds: {'bit-identical' if not bad else f'{len(bad)} tables differ'}")
    return 1 if bad or missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
