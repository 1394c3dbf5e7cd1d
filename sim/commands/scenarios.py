"""``validate`` and ``params``: check scenario files and list every parameter."""

from __future__ import annotations

import argparse
from typing import Any

from pydantic import BaseModel

from ..config import add_set_argument
from ..scenario import Scenario, load_scenario


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help="check scenario files; exit 2 with one clear message on the first bad one")
    p.add_argument("files", nargs="+", metavar="FILE")
    add_set_argument(p)
    p.set_defaults(func=cmd_validate)
    p = sub.add_parser("params", help="list every parameter: value, unit, range, source")
    p.add_argument("scenario", nargs="?", metavar="SCENARIO", help="show this scenario's values (default: defaults)")
    p.set_defaults(func=cmd_params)


def cmd_validate(args: argparse.Namespace) -> int:
    for f in args.files:
        sc = load_scenario(f, args.overrides)
        print(f"ok: {f} (scenario '{sc.name}', hash {sc.hash()})")
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
        lo = hi = None
        for m in field.metadata:
            lo = getattr(m, "ge", lo)
            hi = getattr(m, "le", hi)
        rng = f"[{lo}, {hi}]" if lo is not None else ""
        yield path, value, extra.get("unit", ""), rng, field.description or "", extra.get("source", "")


def cmd_params(args: argparse.Namespace) -> int:
    sc = load_scenario(args.scenario) if args.scenario else Scenario()
    print(f"# parameters of '{sc.name}' (key path | value | unit | valid range | meaning | source)")
    for path, value, unit, rng, doc, src in iter_params(sc):
        print(f"{path} | {value!r} | {unit} | {rng} | {doc} | {src}")
    return 0
