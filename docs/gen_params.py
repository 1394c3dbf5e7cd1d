"""Write ``docs/parameters.md`` from the code, so that the parameter tables never drift from it.

Every row comes from the typed schema in :mod:`sim.params` (default, unit, valid range, meaning,
source: the arguments of ``P``/``D``/``S`` there), the scenario sections of
:class:`sim.scenario.Scenario`, and the shipped scenario files in ``scenarios/``:

* the **baseline** column is the value ``scenarios/baseline.toml`` sets for the key (blank when
  the baseline uses the default);
* the **set by other scenarios** column lists every other shipped scenario that sets the key in
  its own file, with its value (what each counterfactual changes);
* the baseline's named firms, dated open-weight releases and niches are listed with their
  values and, for firms, the comment that cites each value's source in ``baseline.toml``.

Usage (from the repository root)::

    .venv/bin/python docs/gen_params.py           # (re)write docs/parameters.md
    .venv/bin/python docs/gen_params.py --check   # exit 1 if docs/parameters.md is out of date, or if
                                                  # docs/ODD.md names an unknown parameter or misses one

Nothing here changes the model; the script only reads it.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pydantic import BaseModel  # noqa: E402

from sim import MODEL_VERSION  # noqa: E402
from sim.month import MONTH  # noqa: E402
from sim.month import name as mechanism_name  # noqa: E402
from sim.params import Section  # noqa: E402
from sim.scenario import Scenario, load_scenario  # noqa: E402

SCENARIOS = ROOT / "scenarios"
BASELINE = SCENARIOS / "baseline.toml"
OUT = ROOT / "docs" / "parameters.md"

FIRM_LISTS = {"startups": "Startup", "giants": "Giant", "open_labs": "Open lab"}
#: Sections that belong to no mechanism, with their ODD headings: time first, population last (then schedule).
OTHER_SECTIONS = {"time": "2 Entities, state variables and scales", "population": "5.2 Generic populations",
                  "schedule": "3 Process overview and scheduling"}


def odd_link(heading: str) -> tuple[str, str]:
    """(``§7.1``, ``ODD.md#71-technology``) for an ODD heading such as ``7.1 Technology``."""
    number = heading.split(" ", 1)[0]
    anchor = re.sub(r"[^a-z0-9 -]", "", heading.lower()).replace(" ", "-")
    return f"§{number}", f"ODD.md#{anchor}"


#: Mechanism sections in the order of a model month (sim/month.py MONTH), after time, before population.
SECTION_ORDER = ["time", *[m.SECTION for m in MONTH if m.SECTION], "population"]
#: Where each section's mechanism is described in docs/ODD.md.
ODD_SECTION = {s: odd_link(h) for s, h in OTHER_SECTIONS.items()} | {
    m.SECTION: odd_link(m.ODD) for m in MONTH if m.SECTION}


# ------------------------------------------------------------------------------------------ formatting
def fmt(value: Any) -> str:
    """A value as it would be written in a scenario file (TOML-like), compact."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value == 0:
            return "0.0"
        if abs(value) >= 1e5 or abs(value) < 1e-3:
            mant, exp = f"{value:.6e}".split("e")
            mant = mant.rstrip("0").rstrip(".")
            return f"{mant}e{int(exp)}"
        return repr(value)
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, BaseModel):
        return "{" + ", ".join(f"{k} = {fmt(v)}" for k, v in value.model_dump().items()) + "}"
    if isinstance(value, list):
        if value and isinstance(value[0], (BaseModel, dict)):
            return f"{len(value)} items (listed below)"
        return "[" + ", ".join(fmt(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {fmt(v)}" for k, v in value.items()) + "}"
    return str(value)


def cell(text: Any) -> str:
    """Text safe inside a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def field_range(field: Any) -> str:
    lo = hi = None
    pattern = None
    for m in field.metadata:
        lo = getattr(m, "ge", lo)
        hi = getattr(m, "le", hi)
        pattern = getattr(m, "pattern", pattern)
    if lo is not None or hi is not None:
        return f"[{fmt(lo) if lo is not None else '-inf'}, {fmt(hi) if hi is not None else 'inf'}]"
    if pattern is not None:
        return "YYYY-MM"
    if field.annotation is bool:
        return "true / false"
    return ""


def extra(field: Any, key: str) -> str:
    return (field.json_schema_extra or {}).get(key, "")


def table(header: list[str], rows: list[list[Any]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return out


# ------------------------------------------------------------------------------------------ scenario files
def raw_toml(path: Path) -> dict[str, Any]:
    """The keys a scenario file sets itself (its ``extends`` chain not merged in)."""
    with path.open("rb") as fh:
        return tomllib.load(fh)


def toml_comments(path: Path) -> dict[tuple[str, int, str], str]:
    """Inline comments of a TOML file: ``{(table, index in array of tables, key): comment}``.

    A small line scanner, enough for the project's scenario files: ``[table]`` and
    ``[[array]]`` headers, ``key = value  # comment`` lines; ``#`` inside quotes is not a comment.
    """
    out: dict[tuple[str, int, str], str] = {}
    table_name, counts = "", {}
    index = -1
    for line in path.read_text(encoding="utf-8").splitlines():
        s = line.strip()
        if s.startswith("[[") and s.endswith("]]"):
            table_name = s[2:-2].strip()
            counts[table_name] = counts.get(table_name, -1) + 1
            index = counts[table_name]
            continue
        if s.startswith("[") and s.endswith("]") and "=" not in s:
            table_name, index = s[1:-1].strip(), -1
            continue
        if "=" not in s or s.startswith("#"):
            continue
        quote = None
        for i, ch in enumerate(s):
            if quote:
                if ch == quote:
                    quote = None
            elif ch in "\"'":
                quote = ch
            elif ch == "#":
                key = s.split("=", 1)[0].strip()
                out[(table_name, index, key)] = s[i + 1:].strip()
                break
    return out


def other_scenarios() -> list[tuple[str, dict[str, Any]]]:
    """(name, raw dict) of every shipped scenario except the baseline, validated on the way."""
    out = []
    for path in sorted(SCENARIOS.glob("*.toml")):
        if path == BASELINE:
            continue
        sc = load_scenario(path)  # raises InputError if a shipped scenario is invalid
        out.append((sc.name, raw_toml(path)))
    return out


def flatten(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}``; lists stay whole."""
    out: dict[str, Any] = {}
    for k, v in d.items():
        path = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(flatten(v, path + "."))
        else:
            out[path] = v
    return out


def fmt_raw(value: Any) -> str:
    if isinstance(value, list):
        if value and isinstance(value[0], dict):
            return f"{len(value)} items"
        if not value:
            return "[] (none)"
    return fmt(value)


# ------------------------------------------------------------------------------------------ sections
def section_rows(name: str, model_cls: type[Section], base_raw: dict[str, Any],
                 others: list[tuple[str, dict[str, Any]]]) -> list[list[Any]]:
    rows = []
    for key, field in model_cls.model_fields.items():
        path = f"{name}.{key}"
        in_base = key in base_raw.get(name, {})
        base = fmt_raw(base_raw[name][key]) if in_base else ""
        changed = []
        for sname, raw in others:
            flat = flatten(raw)
            if path in flat:
                changed.append(f"{sname}: {fmt_raw(flat[path])}")
        rows.append([f"`{path}`", fmt(field.default), extra(field, "unit"), field_range(field),
                     field.description or "", extra(field, "source"), base, "; ".join(changed)])
    return rows


def item_rows(prefix: str, model_cls: type[Section]) -> list[list[Any]]:
    rows = []
    for key, field in model_cls.model_fields.items():
        rows.append([f"`{prefix}[].{key}`", fmt(field.default), extra(field, "unit"), field_range(field),
                     field.description or "", extra(field, "source")])
    return rows


def list_item_class(field: Any) -> type[Section] | None:
    args = getattr(field.annotation, "__args__", None)
    if args and isinstance(args[0], type) and issubclass(args[0], Section):
        return args[0]
    return None


def render() -> str:
    baseline = load_scenario(BASELINE)
    base_raw = raw_toml(BASELINE)
    comments = toml_comments(BASELINE)
    others = other_scenarios()
    fields = Scenario.model_fields
    sections = [s for s in SECTION_ORDER if s in fields] + [
        s for s, f in fields.items()
        if s not in SECTION_ORDER and s not in FIRM_LISTS and isinstance(f.default, Section)]

    lines = [
        "# Parameters",
        "",
        "<!-- Generated by docs/gen_params.py from sim/params.py and scenarios/*.toml. Do not edit by hand:",
        "     change the code or the scenario file, then run `.venv/bin/python docs/gen_params.py`. -->",
        "",
        f"Model version {MODEL_VERSION}. Every parameter of the model with its default, unit, valid range "
        "(inclusive; a value outside it is rejected when a scenario is loaded, nothing is clamped), meaning "
        "and source, as declared in `sim/params.py`. How each parameter enters the equations is in "
        "[ODD.md](ODD.md), section 7.",
        "",
        "* **default**: the value when a scenario file does not set the key.",
        "* **baseline**: the value `scenarios/baseline.toml` sets (blank: the baseline uses the default).",
        "* **set by other scenarios**: every other shipped scenario that sets the key in its own file "
        "(they extend the baseline unless the scenario table below says otherwise).",
        "",
        "Units: money in US dollars (1 USD = 7.2 RMB, [S-FX]), time in months unless the unit says "
        "otherwise, capability in doublings of effective training compute relative to the global frontier of "
        "2023-01. Sources: a key in [brackets] is a row of [sources.md](sources.md); [Article] ¶ is a paragraph "
        "of the source article (summarised there); \"assumption\" marks a modelling choice (see ODD.md).",
        "",
        "The command line (`python -m sim run SCENARIO --set KEY=VALUE`), an experiment spec or Python code "
        "(`Scenario.with_overrides`) can override any key as a dotted path, e.g. `capital.sentiment_base` or "
        "`startups.Zhipu.cash_usd` ([scenarios.md](scenarios.md)); "
        "`python -m sim params [SCENARIO]` prints the same information for one resolved scenario.",
        "",
        "## Contents",
        "",
    ]
    toc = ["Shipped scenarios", *sections, "Firms", "Baseline firms", "Baseline open-weight releases",
           "Baseline niches"]
    lines += [f"* [{t}](#{t.lower().replace(' ', '-')})" for t in toc]
    lines += ["", "## Shipped scenarios", ""]
    rows = [["baseline", "", baseline.description, "the reference history (this page's *baseline* column)"]]
    for sname, raw in others:
        sets = [k for k in flatten(raw) if k not in ("extends", "name", "description")]
        rows.append([sname, raw.get("extends", "(defaults)"), raw.get("description", ""),
                     ", ".join(f"`{k}`" for k in sets)])
    lines += table(["scenario", "extends", "question", "keys it sets"], rows)

    top_rows = [[f"`{k}`", fmt(f.default), "", "", f.description or "", ""] for k, f in fields.items()
                if k in ("name", "description")]
    lines += ["", "The scenario's own keys:", ""]
    lines += table(["key", "default", "unit", "valid range", "meaning", "source"], top_rows)

    header = ["key", "default", "unit", "valid range", "meaning", "source", "baseline", "set by other scenarios"]
    for name in sections:
        cls = fields[name].annotation
        label, link = ODD_SECTION.get(name, ("", "ODD.md"))
        lines += ["", f"## {name}", "", f"Scenario table `[{name}]`; how it enters the model: "
                  f"[ODD.md {label}]({link}).", ""]
        lines += table(header, section_rows(name, cls, base_raw, others))
        for key, field in cls.model_fields.items():
            item = list_item_class(field)
            if item is not None:
                lines += ["", f"Each item of `{name}.{key}`:", ""]
                lines += table(["key", "default", "unit", "valid range", "meaning", "source"],
                               item_rows(f"{name}.{key}", item))

    lines += ["", "## Firms", "",
              "Named firms are arrays of tables in the scenario file: `[[startups]]`, `[[giants]]`, "
              "`[[open_labs]]`. A key a firm does not set takes the default below. Generic firms "
              "(`[population]`) and entrants (`[entry]`) are built from these defaults plus the draws "
              "described in [ODD.md §5.2](ODD.md#52-generic-populations).", ""]
    for lst, label in FIRM_LISTS.items():
        item = list_item_class(fields[lst])
        if item is None:
            continue
        lines += [f"### {label} (`[[{lst}]]`)", ""]
        lines += table(["key", "default", "unit", "valid range", "meaning", "source"], item_rows(lst, item))
        lines += [""]

    lines += ["## Baseline firms", "",
              "Every starting value of the baseline's named firms, as resolved (a value the file does not set is "
              "the default above, marked *default*), with the comment that cites its source in "
              "`scenarios/baseline.toml`. The firm's own `source` line is given under each table.", ""]
    for lst, label in FIRM_LISTS.items():
        firms = getattr(baseline, lst)
        item = list_item_class(fields[lst])
        if not firms or item is None:
            continue
        lines += [f"### {label}s", ""]
        raw_firms = base_raw.get(lst, [])
        names = [f.name for f in firms]
        rows = []
        for key in item.model_fields:
            if key in ("name", "source"):
                continue
            row = [f"`{key}`"]
            for i, f in enumerate(firms):
                v = fmt(getattr(f, key))
                if key not in raw_firms[i]:
                    v += " *default*"
                note = comments.get((lst, i, key))
                if note:
                    v += f" — {note}"
                row.append(v)
            rows.append(row)
        lines += table(["key", *names], rows)
        lines += [""] + [f"* **{f.name}**: {f.source or '(no source line)'}" for f in firms] + [""]

    lines += ["## Baseline open-weight releases", "",
              "The dated, exogenous schedule `open_source.releases` of the baseline ([S-OPEN-RELEASES] in "
              "[sources.md](sources.md); the gap below the frontier is an assumption from the parity each "
              "release's report claims).", ""]
    rows = [[r.date, r.firm, r.name, fmt(r.gap_doublings)] for r in baseline.open_source.releases]
    lines += table(["date", "firm", "model", "gap_doublings"], rows)
    lines += ["", "## Baseline niches", "", "The vertical niches `demand.niches` of the baseline (assumptions, "
              "orders of magnitude; article ¶5, ¶10, ¶15).", ""]
    rows = [[n.name, fmt(n.market_usd_per_month_2025), fmt(n.growth_per_year), fmt(n.heat)]
            for n in baseline.demand.niches]
    lines += table(["niche", "market_usd_per_month_2025", "growth_per_year", "heat"], rows)
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------ ODD.md cross-check
ODD = ROOT / "docs" / "ODD.md"
_KEY = re.compile(r"`([a-z_]+(?:\[\])?(?:\.[A-Za-z_0-9]+(?:\[\])?)+)`")


def parameter_keys() -> tuple[set[str], set[str]]:
    """(every documented key path, the ones ODD.md must mention).

    Paths are ``section.key``, ``section.list[].key`` for list items and ``firms[].key`` for
    the firm tables. The ODD must mention every section key and every firm key except ``name``
    and ``source``; list items may be covered by naming the list.
    """
    every: set[str] = set()
    required: set[str] = set()
    for sname, sfield in Scenario.model_fields.items():
        cls = sfield.annotation
        if sname in FIRM_LISTS:
            item = list_item_class(sfield)
            for key in item.model_fields:
                every.add(f"{sname}[].{key}")
                if key not in ("name", "source"):
                    required.add(f"{sname}[].{key}")
            continue
        if not (isinstance(cls, type) and issubclass(cls, Section)):
            continue
        for key, field in cls.model_fields.items():
            every.add(f"{sname}.{key}")
            required.add(f"{sname}.{key}")
            item = list_item_class(field)
            if item is not None:
                every.update(f"{sname}.{key}[].{k}" for k in item.model_fields)
    return every, required


def check_odd() -> list[str]:
    """Problems of docs/ODD.md against the schema: unknown keys it names, parameters it never names."""
    if not ODD.exists():
        return [f"{ODD} is missing"]
    every, required = parameter_keys()
    roots = {k.split(".")[0].removesuffix("[]") for k in every}
    named = set()
    for token in _KEY.findall(ODD.read_text(encoding="utf-8")):
        root = token.split(".")[0].removesuffix("[]")
        if root in roots and token.rsplit(".", 1)[-1] not in ("py", "toml", "md"):
            named.add(token)
    problems = [f"ODD.md names `{k}`, which is not a parameter" for k in sorted(named - every)]
    problems += [f"ODD.md never names `{k}`" for k in sorted(required - named)]
    return problems + check_odd_month(ODD.read_text(encoding="utf-8"))


_STEP_ROW = re.compile(r"^\| (\d+) \| [^|]+ \| `(?:sim/)?([a-z_]+)\.py` \|", re.M)


def check_odd_month(text: str) -> list[str]:
    """Problems of ODD.md against sim/month.py: section 3's schedule must list the mechanisms of
    ``MONTH`` in its order (rows 1..n), and each mechanism's own ODD heading must exist."""
    problems = []
    steps = [module for number, module in _STEP_ROW.findall(text) if number != "0"]
    expected = [mechanism_name(m) for m in MONTH]
    if steps[:len(expected)] != expected:
        problems.append(f"ODD.md section 3 lists the month as {steps[:len(expected)]}, "
                        f"but sim/month.py MONTH is {expected}")
    headings = {h.strip() for h in re.findall(r"^#{2,4} (.+)$", text, re.M)}
    problems += [f"ODD.md has no heading '{m.ODD}' (declared by sim/{mechanism_name(m)}.py ODD)" for m in MONTH
                 if m.ODD not in headings]
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if docs/parameters.md is out of date or docs/ODD.md names an unknown "
                             "parameter or leaves one out")
    parser.add_argument("--out", type=Path, default=OUT, help=f"output file (default {OUT.relative_to(ROOT)})")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        problems = check_odd()
        if current != text:
            problems.insert(0, f"{args.out} is out of date: run .venv/bin/python docs/gen_params.py")
        for p in problems:
            print(p, file=sys.stderr)
        if problems:
            return 1
        print(f"{args.out} is up to date; ODD.md names every parameter and no unknown one")
        return 0
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
