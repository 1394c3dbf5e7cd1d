"""Write the column tables of ``docs/outputs.md`` from the declarations in :mod:`sim.outputs`.

Each table's columns (name, type, unit, meaning, and for the model table where the value is
computed) and the table of event types are generated between marker comments in
``docs/outputs.md`` (``<!-- begin generated: NAME -->`` ... ``<!-- end generated: NAME -->``);
the prose around them is kept as written.

Usage (from the repository root)::

    .venv/bin/python docs/gen_outputs.py           # (re)write the tables in docs/outputs.md
    .venv/bin/python docs/gen_outputs.py --check   # exit 1 if docs/outputs.md is out of date
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim.outputs import EVENT_DOCS, TABLE_COLUMNS, Column  # noqa: E402

OUT = ROOT / "docs" / "outputs.md"
_BLOCK = re.compile(r"(<!-- begin generated: (?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- end generated: (?P=name) -->)",
                    re.S)


def cell(text: object) -> str:
    """Text safe inside a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def rows(header: list[str], body: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in body]
    return "\n".join(lines) + "\n"


def column_table(columns: tuple[Column, ...], with_source: bool) -> str:
    header = ["column", "type", "unit", "meaning"] + (["filled by"] if with_source else [])
    body = [[f"`{c.name}`", str(c.type).replace("double", "float64"), c.unit, c.meaning]
            + ([c.by] if with_source else []) for c in columns]
    return rows(header, body)


def blocks() -> dict[str, str]:
    """Generated text of each marked block, by name."""
    out = {f"{name}-columns": column_table(cols, with_source=name == "model") for name, cols in TABLE_COLUMNS.items()}
    out["event-types"] = rows(["type", "when", "`amount_usd`", "`detail`"],
                              [[f"`{t.value}`", d.when, d.amount, d.detail] for t, d in EVENT_DOCS.items()])
    return out


def render(text: str) -> str:
    """``text`` (docs/outputs.md) with every marked block regenerated; a missing block is an error."""
    generated = blocks()
    seen = set()

    def fill(m: re.Match[str]) -> str:
        name = m.group("name")
        if name not in generated:
            raise SystemExit(f"{OUT}: unknown generated block {name!r}")
        seen.add(name)
        return m.group(1) + generated[name] + m.group(4)

    new = _BLOCK.sub(fill, text)
    missing = sorted(set(generated) - seen)
    if missing:
        raise SystemExit(f"{OUT}: no generated block for {', '.join(missing)} (add its marker comments)")
    return new


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/outputs.md is out of date")
    args = parser.parse_args(argv)
    current = OUT.read_text(encoding="utf-8")
    text = render(current)
    if args.check:
        if text != current:
            print(f"{OUT} is out of date: run .venv/bin/python docs/gen_outputs.py", file=sys.stderr)
            return 1
        print(f"{OUT} is up to date")
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
