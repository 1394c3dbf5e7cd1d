"""``validate`` and ``params``: check scenario files and list every parameter."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ..config import add_set_argument, additions, field_bounds, get_path
from ..scenario import Scenario, load_scenario


def register(sub: argparse._SubParsersAction) -> None:
    text = ("check scenario files; exit 2 with one clear message on the first bad one; note the items a file "
            "adds to its parent's named lists (a misspelt firm adds one)")
    p = sub.add_parser("validate", help=text, description=text[0].upper() + text[1:] + ".")
    p.add_argument("files", nargs="+", metavar="FILE", help="scenario TOML files to check")
    add_set_argument(p)
    p.set_defaults(func=cmd_validate)
    p = sub.add_parser("params", help="list every parameter: value, unit, range, source")
    p.add_argument("scenario", nargs="?", metavar="SCENARIO",
                   help="show this scenario's values (default: the shipped baseline, scenarios/baseline.toml)")
    p.set_defaults(func=cmd_params)


def cmd_validate(args: argparse.Namespace) -> int:
    for f in args.files:
        sc = load_scenario(f, args.overrides)
        print(f"ok: {f} (scenario '{sc.name}', hash {sc.hash()})")
        for note in additions(f):
            print(f"note: {f}: {note}")
    return 0


def iter_params(model: BaseModel, prefix: str = "") -> Any:
    """Yield (key path, value, unit, range, description, source) for every leaf parameter."""
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        path = f"{prefix}{name}"
        if isinstance(value, BaseModel):
            yield from iter_params(value, path + ".")
            continue
        if isinstance(value, list) and value and isinstance(value[0], BaseModel):
            for i, item in enumerate(value):
                yield from iter_params(item, f"{path}.{i}.")
            continue
        extra = field.json_schema_extra or {}
        lo, hi = field_bounds(field)
        rng = f"[{lo}, {hi}]" if lo is not None else ""
        yield path, value, extra.get("unit", ""), rng, field.description or "", extra.get("source", "")


#: The scenario ``params`` lists when given none: the shipped, calibrated baseline.
BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.toml"
#: A line that ``calibrate --apply-to`` wrote: ``key = value  # calibrated: SPEC``.
_CALIBRATED_LINE = re.compile(r"^\s*([A-Za-z_]\w*)\s*=[^#]*#\s*calibrated:\s*(\S+)")
#: How params.py labels a hand-tuned default (replaced where the baseline's value is calibrated).
_TUNED = "; model-2 hand tuning (retired, docs/tuning.md)"


def calibrated_keys(file: Path) -> dict[str, str]:
    """``section.key`` -> calibration spec file, for every line of a scenario file marked
    ``# calibrated: SPEC`` (as ``python -m sim calibrate ... --apply-to`` writes them)."""
    marks: dict[str, str] = {}
    section = ""
    for line in file.read_text(encoding="utf-8").splitlines():
        s = line.strip()
        if s.startswith("[["):
            section = ""  # firm lists: calibration never writes there
        elif s.startswith("["):
            section = s.strip("[] ")
        elif section and (m := _CALIBRATED_LINE.match(line)):
            marks[f"{section}.{m.group(1)}"] = m.group(2)
    return marks


def _source(path: str, value: Any, src: str, baseline: Scenario | None, marks: dict[str, str]) -> str:
    """The source text of one parameter; a value equal to the baseline's calibrated one says so."""
    if path not in marks or baseline is None or value != get_path(baseline.to_dict(), path):
        return src
    return src.replace(_TUNED, "") + f"; calibrated: ABC-SMC point estimate of experiments/{marks[path]}"


def cmd_params(args: argparse.Namespace) -> int:
    has_baseline = BASELINE.is_file()
    baseline = load_scenario(BASELINE) if has_baseline else None
    marks = calibrated_keys(BASELINE) if has_baseline else {}
    if args.scenario:
        sc, shown = load_scenario(args.scenario), str(args.scenario)
    elif baseline is not None:
        sc, shown = baseline, "scenarios/baseline.toml"
    else:  # an installed package without the repository's scenarios
        sc, shown = Scenario(), "defaults of sim/params.py"
    print(f"# parameters of '{sc.name}' ({shown}; 'calibrated' marks the ABC-SMC estimate in the baseline) "
          "(key path | value | unit | valid range | meaning | source)")
    for path, value, unit, rng, doc, src in iter_params(sc):
        print(f"{path} | {value!r} | {unit} | {rng} | {doc} | {_source(path, value, src, baseline, marks)}")
    return 0
