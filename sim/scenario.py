"""Scenario files: load TOML (with ``extends``), validate, and freeze into a :class:`Scenario`.

A scenario file may say ``extends = "other.toml"`` (relative to the file, or absolute) and
then override only what differs: tables merge key by key, everything else (numbers, strings,
lists, arrays of tables) is replaced whole. Every error names the file, the key path and what
was expected (:class:`sim.errors.InputError`); nothing is clamped, ignored or defaulted
silently.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .calendar import parse_month
from .errors import InputError
from .params import ScenarioSections


class Scenario(ScenarioSections):
    """A complete, validated, frozen scenario (its keys and sections: :class:`sim.params.ScenarioSections`)."""

    def to_dict(self) -> dict[str, Any]:
        """Plain nested dict (JSON/TOML-ready) of every resolved value."""
        return self.model_dump(mode="json")

    def hash(self) -> str:
        """SHA-256 of the canonical JSON of the resolved scenario (first 16 hex digits)."""
        blob = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def with_overrides(self, overrides: dict[str, Any], origin: str = "overrides") -> Scenario:
        """A copy with dotted key paths replaced, e.g. ``{"capital.sentiment_base": 0.4}``.

        Raises :class:`InputError` naming ``origin`` for an unknown path or a bad value.
        """
        data = self.to_dict()
        for path, value in overrides.items():
            set_path(data, path, value, origin)
        return validate_dict(data, origin)


def set_path(data: dict[str, Any], path: str, value: Any, origin: str) -> None:
    """Set ``data[a][b]...`` for ``path = "a.b..."``; list items by index (``startups.0.cash_usd``)."""
    keys = path.split(".")
    node: Any = data
    for i, key in enumerate(keys):
        last = i == len(keys) - 1
        here = ".".join(keys[: i + 1])
        if isinstance(node, list):
            if not key.isdigit() or int(key) >= len(node):
                raise InputError(origin, here, f"expected an index below {len(node)}")
            key_i = int(key)
            if last:
                node[key_i] = value
            else:
                node = node[key_i]
            continue
        if not isinstance(node, dict) or key not in node:
            options = list(node) if isinstance(node, dict) else []
            raise InputError(origin, here, "unknown parameter" + _suggest(key, options))
        if last:
            node[key] = value
        else:
            node = node[key]


def _suggest(key: str, options: list[str]) -> str:
    near = difflib.get_close_matches(key, options, n=1, cutoff=0.5)
    return f" (did you mean '{near[0]}'?)" if near else ""


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model that owns the key at ``loc`` (to suggest valid names)."""
    model: Any = Scenario
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        if field is None:
            return None
        ann = field.annotation
        inner = getattr(ann, "__args__", None)
        model = inner[0] if inner else ann
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _describe(err: dict[str, Any]) -> str:
    """Turn one pydantic error into 'expected ...' words."""
    typ, ctx, got = err["type"], err.get("ctx", {}), err.get("input")
    got_s = json.dumps(got) if isinstance(got, (int, float, str, bool)) else type(got).__name__
    if typ == "extra_forbidden":
        loc = err["loc"]
        model = _model_at(loc)
        options = list(model.model_fields) if model else []
        return "unknown key" + _suggest(str(loc[-1]), options) + (
            f"; valid keys: {', '.join(options)}" if options else "")
    if typ in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        model = _model_at(err["loc"])
        field = model.model_fields.get(err["loc"][-1]) if model else None
        lo = hi = None
        for m in getattr(field, "metadata", []):
            lo = getattr(m, "ge", lo)
            hi = getattr(m, "le", hi)
        unit = (field.json_schema_extra or {}).get("unit", "") if field else ""
        rng = f"[{lo}, {hi}]" if lo is not None and hi is not None else str(ctx)
        unit_s = f" ({unit})" if unit else ""
        return f"expected a value in {rng}{unit_s}, got {got_s}"
    if typ == "string_pattern_mismatch":
        return f"expected a date 'YYYY-MM', got {got_s}"
    if typ == "missing":
        return "missing required key"
    kind = {"float_type": "a number", "int_type": "an integer", "bool_type": "true or false",
            "string_type": "a string", "list_type": "a list", "model_type": "a table",
            "dict_type": "a table"}.get(typ)
    if kind:
        return f"expected {kind}, got {got_s}"
    return f"{err['msg']}, got {got_s}"


def validate_dict(data: dict[str, Any], origin: str, provenance: dict[str, str] | None = None) -> Scenario:
    """Validate a merged scenario dict; raise :class:`InputError` on the first problem.

    ``provenance`` maps dotted key paths to the file that set them (see ``extends``), so that an
    error in a parent file names that file.
    """
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        path = ".".join(str(p) for p in err["loc"])
        more = len(exc.errors()) - 1
        extra = f" ({more} more problem{'s' if more > 1 else ''} after this one)" if more else ""
        raise InputError(_file_of(path, provenance, origin), path, _describe(err) + extra) from None
    _check_consistency(scenario, origin)
    return scenario


def _file_of(path: str, provenance: dict[str, str] | None, default: str) -> str:
    """The file that set ``path`` (or its nearest enclosing key), else ``default``."""
    if provenance:
        parts = path.split(".")
        for n in range(len(parts), 0, -1):
            hit = provenance.get(".".join(parts[:n]))
            if hit is not None:
                return hit
    return default


def _provenance(data: Any, file: str, prefix: str = "") -> dict[str, str]:
    """Map every dotted key path in ``data`` to ``file``."""
    out: dict[str, str] = {}
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in items:
        path = f"{prefix}{key}"
        out[path] = file
        out.update(_provenance(value, file, path + "."))
    return out


def _check_consistency(sc: Scenario, origin: str) -> None:
    """Checks that span keys: dates in order, unique firm names, known references."""
    if parse_month(sc.time.end) < parse_month(sc.time.start):
        raise InputError(origin, "time.end", f"expected a month after time.start ({sc.time.start})")
    names: set[str] = set()
    for group in ("startups", "giants", "open_labs"):
        for i, firm in enumerate(getattr(sc, group)):
            if not firm.name:
                raise InputError(origin, f"{group}.{i}.name", "expected a non-empty firm name")
            if firm.name in names:
                raise InputError(origin, f"{group}.{i}.name", f"firm name '{firm.name}' is used twice")
            names.add(firm.name)
    giants = {g.name for g in sc.giants}
    niches = {n.name for n in sc.demand.niches}
    for i, st in enumerate(sc.startups):
        for j, inv in enumerate(st.investors):
            if inv not in giants:
                raise InputError(origin, f"startups.{i}.investors.{j}",
                                 f"expected one of the giants {sorted(giants)}, got '{inv}'")
        if st.vertical_affinity and st.vertical_affinity not in niches:
            raise InputError(origin, f"startups.{i}.vertical_affinity",
                             f"expected a niche in demand.niches {sorted(niches)} or '', got '{st.vertical_affinity}'")
    if parse_month(sc.capital.outside_rise_end) < parse_month(sc.capital.outside_rise_start):
        raise InputError(origin, "capital.outside_rise_end", "expected a month after capital.outside_rise_start")


def read_toml_file(path: Path, shown: str, referrer: tuple[str, str] | None = None) -> dict[str, Any]:
    """Parse the UTF-8 TOML file ``path``; bad input raises :class:`InputError` naming ``shown``.

    A missing file is reported against ``referrer`` (file, key) when another file pointed to it.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        where, key = referrer or (shown, "")
        raise InputError(where, key, f"file not found: {path}") from None
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as exc:
        raise InputError(shown, "", f"expected a readable UTF-8 TOML file ({exc.__class__.__name__})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(shown, "", f"malformed TOML: {exc}") from None


def _read_toml(path: Path, chain: tuple[Path, ...], shown: str) -> tuple[dict[str, Any], dict[str, str]]:
    """Read ``path`` and resolve its ``extends`` chain into one merged dict and its provenance.

    ``shown`` is how error messages name ``path``.
    """
    if path in chain:
        cycle = " -> ".join(str(p) for p in (*chain, path))
        raise InputError(str(chain[-1]), "extends", f"expected no cycle of extends, found {cycle}")
    data = read_toml_file(path, shown, referrer=(str(chain[-1]), "extends") if chain else None)
    parent = data.pop("extends", None)
    own = _provenance(data, shown)
    if parent is None:
        return data, own
    if not isinstance(parent, str):
        raise InputError(shown, "extends", f"expected a file path string, got {parent!r}")
    parent_path = Path(parent) if Path(parent).is_absolute() else (path.parent / parent)
    base, base_prov = _read_toml(parent_path.resolve(), (*chain, path), str(parent_path))
    return merge(base, data), {**base_prov, **own}


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge tables; any non-table value in ``override`` replaces the base's whole."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def load_scenario(path: str | Path) -> Scenario:
    """Load, merge and validate a scenario file. Raises :class:`InputError` on bad input."""
    p = Path(path).resolve()
    data, provenance = _read_toml(p, (), str(path))
    if provenance.get("name") != str(path):
        data["name"] = Path(path).stem  # a child scenario is named after its own file, not its parent
    return validate_dict(data, str(path), provenance)
