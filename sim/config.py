"""The configuration toolkit shared by scenario files, experiment specs and calibration specs.

One implementation each of:

- **reading** a UTF-8 TOML file strictly (:func:`read_toml`), and a file with its ``extends``
  chain (:func:`load_toml`): the merged dict plus its *provenance* (which file set each dotted
  key), so that an error in a value a parent file set names the parent file;
- **merging** a child over its parent (:func:`merge`): tables merge key by key; a list of named
  tables (every item has a ``name``) merges item by item by ``name``, a child item with
  ``remove = true`` drops the parent's item; any other value (numbers, strings, plain lists,
  lists of unnamed tables) replaces the parent's whole;
- **validation** against a pydantic schema (:func:`validate`) with the one error translator
  (:func:`input_error`): a ``ValidationError`` becomes one :class:`~sim.errors.InputError`
  naming the file, the key path, what was expected and, for an unknown key, the nearest valid
  one (did you mean);
- **dotted key paths** (:func:`split_key`, :func:`get_path`, :func:`set_path`): ``a.b.c``,
  with a list item addressed by its ``name`` or its index, and TOML quoting for a segment that
  holds a dot (``startups."01.AI".cash_usd``);
- **overrides from the command line** (:func:`parse_set`): ``--set key=value`` with a TOML value;
- **the canonical hash** (:func:`canonical_hash`): SHA-256 of the sorted, compact JSON.
"""

from __future__ import annotations

import copy
import datetime
import difflib
import hashlib
import json
import math
import re
import tomllib
import types
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from .errors import InputError

#: A month, ``YYYY-MM`` (the pattern of every date parameter; its error message says so).
DATE_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


class Strict(BaseModel):
    """Base of every schema read from a file (scenario sections, experiment and calibration specs):
    frozen, strict types, no unknown keys."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


# --------------------------------------------------------------------------- fast read-only views
M = typing.TypeVar("M", bound=BaseModel)
_VIEW_CLASSES: dict[type[BaseModel], type] = {}


class _View:
    """Base of :func:`plain_view`'s classes: read-only, equal to (and hashing as) the model it mirrors."""

    __slots__ = ("_model",)

    def __setattr__(self, name: str, value: Any) -> None:
        raise TypeError(f"{type(self._model).__name__} is frozen: a view cannot be assigned to")

    def __delattr__(self, name: str) -> None:
        raise TypeError(f"{type(self._model).__name__} is frozen: a view cannot be assigned to")

    def __eq__(self, other: object) -> bool:
        return self._model == (other._model if isinstance(other, _View) else other)

    def __hash__(self) -> int:
        return hash(self._model)

    def __repr__(self) -> str:
        return f"plain_view({self._model!r})"


def _delegate(name: str) -> property:
    return property(lambda self: getattr(self._model, name), doc=f"The model's ``{name}``.")


def _view_class(cls: type[BaseModel]) -> type:
    """The view class of ``cls`` (made once per class): a slot per field; every other public attribute
    (methods such as ``to_dict``, ``model_dump``) is read from the model itself."""
    view = _VIEW_CLASSES.get(cls)
    if view is None:
        fields = tuple(cls.model_fields)
        ns: dict[str, Any] = {"__slots__": fields, "__doc__": f"Read-only plain view of a {cls.__name__}."}
        for name in dir(cls):
            if not name.startswith("_") and name not in fields:
                ns[name] = _delegate(name)
        view = _VIEW_CLASSES[cls] = type(f"{cls.__name__}View", (_View,), ns)
    return view


#: Field values kept as they are (immutable): most of a scenario's values.
_SCALARS = frozenset({float, int, str, bool, type(None)})


def _viewed(value: Any) -> Any:
    kind = type(value)
    if kind in _SCALARS:
        return value
    if isinstance(value, BaseModel):
        return plain_view(value)
    if kind is list:
        return [_viewed(v) for v in value]
    if kind is tuple:
        return tuple(_viewed(v) for v in value)
    if kind is dict:
        return {k: _viewed(v) for k, v in value.items()}
    return value


def plain_view(model: M) -> M:
    """A read-only copy of a (frozen) pydantic ``model`` whose fields are plain slots, nested models too.

    Reading a field of a pydantic model costs several times a plain attribute: ``BaseModel`` defines
    ``__getattr__``, which keeps Python 3.11 from specialising the attribute load. The simulation
    reads its parameters (``model.sc.demand.quality_weight``) tens of thousands of times a run, so
    :class:`sim.model.MarketModel` reads them from this view (measured: about 12 % of a baseline
    run's instructions, ``docs/performance.md``). The values are the model's own objects (the same
    floats: results are bit-identical); lists, tuples and dicts are copied with their items viewed.
    Other public attributes (``to_dict``, ``hash``, ``with_overrides``, ``model_dump`` ...) are the
    model's; a view compares and hashes as its model, and refuses assignment.
    """
    cls = _view_class(type(model))
    view = object.__new__(cls)
    values = model.__dict__  # a pydantic model's fields
    for name in cls.__slots__:
        object.__setattr__(view, name, _viewed(values[name]))
    object.__setattr__(view, "_model", model)
    return typing.cast(M, view)

#: The key that points a file at the file it extends.
EXTENDS = "extends"
#: The key of a list item that names it (lists of tables whose items all have it merge by it).
NAME = "name"
#: A TOML bare key: a list item's name that is not one is quoted in a key path (``startups."01.AI"``).
BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
#: The key of a child's list item that removes the parent's item of that name.
REMOVE = "remove"


# --------------------------------------------------------------------------- reading
def read_toml(path: Path, shown: str, referrer: tuple[str, str] | None = None) -> dict[str, Any]:
    """Parse the UTF-8 TOML file ``path``; bad input raises :class:`InputError` naming ``shown``.

    A missing file is reported against ``referrer`` (file, key) when another file pointed to it.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        where, key = referrer or (shown, "")
        raise InputError(where, key, f"file not found: {path}") from None
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as exc:
        raise InputError(shown, "", f"expected a readable UTF-8 TOML file ({exc.__class__.__name__})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(shown, "", f"malformed TOML: {exc}") from None


@dataclass(frozen=True)
class Loaded:
    """A file read with its ``extends`` chain: the merged data and who set each key."""

    data: dict[str, Any]
    provenance: dict[str, str]   # dotted key path (list items by index) -> file that set it
    file: str                    # how errors name the file that was asked for

    def file_of(self, key: str) -> str:
        """The file that set ``key`` (or its nearest enclosing key), else the file asked for."""
        parts = key.split(".") if key else []
        for n in range(len(parts), 0, -1):
            hit = self.provenance.get(".".join(parts[:n]))
            if hit is not None:
                return hit
        return self.file


Rebase = Callable[[dict[str, Any], Path], None]


def load_toml(path: str | Path, rebase: Rebase | None = None) -> Loaded:
    """Read ``path`` and resolve its ``extends`` chain (see the module docstring).

    ``extends`` is a path relative to the file that says it (or absolute). ``rebase(data,
    folder)``, if given, is called on each file's own data before merging, to make the file's
    other relative paths absolute. A cycle, a missing parent or a non-string ``extends`` is an
    :class:`InputError` naming the file and the key ``extends``.
    """
    shown = str(path)
    data, tree = _load(Path(path).resolve(), (), shown, rebase)
    _no_removals(data, tree, "")
    prov: dict[str, str] = {}
    _flatten(tree, "", prov)
    return Loaded(data, prov, shown)


def _load(path: Path, chain: tuple[Path, ...], shown: str, rebase: Rebase | None) -> tuple[dict[str, Any], Any]:
    if path in chain:
        cycle = " -> ".join(str(p) for p in (*chain, path))
        raise InputError(str(chain[-1]), EXTENDS, f"expected no cycle of extends, found {cycle}")
    data = read_toml(path, shown, referrer=(str(chain[-1]), EXTENDS) if chain else None)
    parent = data.pop(EXTENDS, None)
    if rebase is not None:
        rebase(data, path.parent)
    if parent is None:
        return data, _own(data, shown)
    if not isinstance(parent, str):
        raise InputError(shown, EXTENDS, f"expected a file path string, got {parent!r}")
    parent_path = _parent_path(path, parent)
    base, base_tree = _load(parent_path.resolve(), (*chain, path), str(parent_path), rebase)
    return _merge(base, base_tree, data, shown, "")


def _parent_path(path: Path, parent: str) -> Path:
    """The file ``path`` extends: ``parent`` absolute, or relative to the folder of ``path`` (a resolved path)."""
    return Path(parent) if Path(parent).is_absolute() else path.parent / parent


def additions(path: str | Path) -> list[str]:
    """Items a file's named lists add to those of the file it extends, one line each (``startups: adds
    'Zhipuu' (did you mean 'Zhipu'?)``): a misspelt name overrides nothing and adds a firm with default
    values, which is valid, so ``validate`` says so rather than failing. Empty for a file that extends none."""
    here = Path(path).resolve()  # as load_toml resolves it: a symlinked file's parent is the target's neighbour
    own = read_toml(here, str(path))
    parent = own.pop(EXTENDS, None)
    if not isinstance(parent, str):
        return []
    out: list[str] = []
    _additions(load_toml(_parent_path(here, parent).resolve()).data, own, "", out)
    return out


def _additions(base: Any, over: Any, where: str, out: list[str]) -> None:
    """Append to ``out`` a line for each named item of ``over`` (a file's own data) that ``base`` (its parent's
    merged data) lacks, at key path ``where``; tables are walked, lists of tables compared by name."""
    if isinstance(over, dict) and isinstance(base, dict):
        for k, v in over.items():
            if k in base:
                _additions(base[k], v, f"{where}{k}.", out)
    elif isinstance(over, list) and is_named_list(base):
        names = [b[NAME] for b in base]
        for item in over:
            name = item.get(NAME) if isinstance(item, dict) else None
            if isinstance(name, str) and name not in names and REMOVE not in item:
                out.append(f"{where.rstrip('.')}: adds '{name}', which the parent does not have"
                           + did_you_mean(name, names))


# --------------------------------------------------------------------------- merging
# Provenance is kept as a tree shaped like the data: (file, children), children a dict of key ->
# tree for a table, a list of trees for a list, None for a value. Merging moves both together, so
# an item removed from or appended to a named list keeps the right file at the right index.
def _own(value: Any, file: str) -> tuple[str, Any]:
    if isinstance(value, dict):
        return file, {k: _own(v, file) for k, v in value.items()}
    if isinstance(value, list):
        return file, [_own(v, file) for v in value]
    return file, None


def _flatten(tree: tuple[str, Any], prefix: str, out: dict[str, str]) -> None:
    kids = tree[1]
    items = kids.items() if isinstance(kids, dict) else enumerate(kids) if isinstance(kids, list) else ()
    for k, sub in items:
        path = f"{prefix}{k}"
        out[path] = sub[0]
        _flatten(sub, path + ".", out)


def is_named_list(value: Any) -> bool:
    """A non-empty list of tables that all have a distinct, non-empty string ``name``."""
    if not (isinstance(value, list) and value and all(isinstance(x, dict) for x in value)):
        return False
    names = [x.get(NAME) for x in value]
    return all(isinstance(n, str) and n for n in names) and len(set(names)) == len(names)


def _merge(base: Any, btree: tuple[str, Any], over: Any, file: str, where: str) -> tuple[Any, tuple[str, Any]]:
    if isinstance(over, dict) and isinstance(base, dict):
        out, kids = dict(base), dict(btree[1])
        for k, v in over.items():
            here = f"{where}{k}"
            if k in base:
                out[k], kids[k] = _merge(base[k], btree[1][k], v, file, here + ".")
            else:
                out[k], kids[k] = copy.deepcopy(v), _own(v, file)
        return out, (file, kids)
    if isinstance(over, list) and is_named_list(base) and over and all(isinstance(x, dict) for x in over):
        return _merge_named(base, btree, over, file, where.rstrip("."))
    return copy.deepcopy(over), _own(over, file)


def _merge_named(base: list[Any], btree: tuple[str, Any], over: list[dict[str, Any]], file: str,
                 where: str) -> tuple[list[Any], tuple[str, Any]]:
    """Merge a child's list of tables into the parent's named list, item by item by ``name``."""
    items = list(zip(base, btree[1], strict=True))
    for j, item in enumerate(over):
        name = item.get(NAME)
        if not isinstance(name, str):
            raise InputError(file, f"{where}.{j}.{NAME}",
                             f"expected a name: the parent's {where} are named, and a child's item overrides, "
                             "adds or removes the item of its name")
        at = next((i for i, (b, _) in enumerate(items) if b[NAME] == name), None)
        if REMOVE in item:
            if item[REMOVE] is not True or set(item) != {NAME, REMOVE}:
                raise InputError(file, f"{where}.{j}.{REMOVE}",
                                 "expected only name and remove = true in an item that removes one")
            if at is None:
                raise InputError(file, f"{where}.{j}.{NAME}", f"no item named '{name}' to remove"
                                 + did_you_mean(name, [b[NAME] for b, _ in items]))
            del items[at]
        elif at is None:
            items.append((copy.deepcopy(item), _own(item, file)))
        else:
            items[at] = _merge(items[at][0], items[at][1], item, file, f"{where}.{at}.")
    return [v for v, _ in items], (file, [t for _, t in items])


def _no_removals(data: Any, tree: tuple[str, Any], where: str) -> None:
    """A ``remove`` left after merging had no parent item to remove: say so (not 'unknown key')."""
    if isinstance(data, dict):
        for k, v in data.items():
            _no_removals(v, tree[1][k], f"{where}{k}.")
    elif isinstance(data, list):
        for i, v in enumerate(data):
            if isinstance(v, dict) and REMOVE in v and NAME in v:
                raise InputError(tree[1][i][0], f"{where}{i}.{REMOVE}",
                                 "remove = true removes an item of the file this one extends; there is none")
            _no_removals(v, tree[1][i], f"{where}{i}.")


def merge(base: dict[str, Any], override: dict[str, Any], file: str = "override") -> dict[str, Any]:
    """``override`` merged over ``base`` as ``extends`` does (neither is changed)."""
    data, _ = _merge(base, _own(base, "base"), override, file, "")
    return copy.deepcopy(data)


# --------------------------------------------------------------------------- validation
def validate(schema: type[BaseModel], data: dict[str, Any], file: str | Loaded | Callable[[str], str]) -> Any:
    """``schema.model_validate(data)``; a failure raises the one :class:`InputError` of :func:`input_error`."""
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        raise input_error(exc, schema, file, data) from None


def input_error(exc: ValidationError, schema: type[BaseModel], file: str | Loaded | Callable[[str], str],
                data: Any = None) -> InputError:
    """Translate a pydantic ``ValidationError`` into one :class:`InputError`.

    ``file`` names the file, or maps a key path to the file that set it (a :class:`Loaded`, or a
    function). The first problem is reported with a count of the others; the key path drops
    pydantic's union tags, so it is the path as written in the file. With ``data`` (what was
    validated), an item of a list that has a ``name`` is named by it (``startups.StepFun.staff``, as
    ``--set`` writes it), not by its index in the merged list, which a file extending another may not show.
    """
    errs = exc.errors()
    # an unknown key first: next to a missing one it is most often the same key misspelt
    first = next((e for e in errs if e["type"] == "extra_forbidden"), errs[0])
    key, owner, field = _walk(schema, first["loc"], first["type"])
    others = {_walk(schema, e["loc"], e["type"])[0] for e in errs} - {key}
    extra = f" ({len(others)} more problem{'s' if len(others) > 1 else ''} after this one)" if others else ""
    where = file.file_of(key) if isinstance(file, Loaded) else file(key) if callable(file) else file
    return InputError(where, _named(key, data), _describe(first, owner, field) + extra)


def _named(key: str, data: Any) -> str:
    """``key`` with each list index replaced by the item's ``name`` where the item in ``data`` has one (not when
    the name itself is the key at fault: ``variants.0.name``)."""
    parts = key.split(".") if key else []
    for n, part in enumerate(parts):
        if isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
            if isinstance(data, dict) and isinstance(data.get(NAME), str) and parts[n + 1:] != [NAME]:
                name = data[NAME]
                parts[n] = name if BARE_KEY.fullmatch(name) else json.dumps(name, ensure_ascii=False)  # "01.AI"
        elif isinstance(data, dict):
            data = data.get(part)
        else:
            break
    return ".".join(parts)


def _walk(schema: type[BaseModel], loc: tuple[Any, ...], typ: str) -> tuple[str, type[BaseModel] | None, Any]:
    """The key path of an error location, the model that owns its last key, and that key's field."""
    parts: list[str] = []
    ann: Any = schema
    owner: type[BaseModel] | None = None
    field = None
    for n, part in enumerate(loc):
        model = _model_in(ann)
        if isinstance(part, int):
            parts.append(str(part))
            ann = _inner(ann, list)
        elif model is not None and part in model.model_fields:
            owner, field = model, model.model_fields[part]
            parts.append(part)
            ann = field.annotation
        elif _inner(ann, dict) is not None:
            parts.append(str(part))
            ann = _inner(ann, dict)
        elif typ == "extra_forbidden" and n == len(loc) - 1:
            owner, field = model, None
            parts.append(str(part))
        # anything else is a union member's tag ('float', 'int', 'list[...]'): not a key
    return ".".join(parts), owner, field


def schema_field(schema: type[BaseModel], key: str) -> Any:
    """The pydantic field at dotted ``key`` of ``schema`` (a list item by index or by name), or None when the
    schema has no such key (e.g. a test function's argument); a quoted name keeps its dots (``startups."01.AI"``)."""
    ann: Any = schema
    field = None
    for part in split_key(key, key):
        item = _inner(ann, list)
        if item is not None:  # a list item: its element type, whatever the item's index or name
            ann, field = item, None
            continue
        model = _model_in(ann)
        field = model.model_fields.get(part) if model is not None else None
        if field is None:
            return None
        ann = field.annotation
    return field


def _args(ann: Any) -> tuple[Any, ...]:
    """The members of a union (``X | None``), or ``(ann,)``."""
    if typing.get_origin(ann) in (typing.Union, types.UnionType):
        return typing.get_args(ann)
    return (ann,)


def _model_in(ann: Any) -> type[BaseModel] | None:
    return next((a for a in _args(ann) if isinstance(a, type) and issubclass(a, BaseModel)), None)


def _inner(ann: Any, container: type) -> Any:
    """The item type of a ``list`` (or the value type of a ``dict``) in ``ann``, else None."""
    for a in _args(ann):
        if typing.get_origin(a) is container:
            args = typing.get_args(a)
            return args[-1] if args else Any
    return None


_KINDS = {"float_type": "a number", "int_type": "an integer", "bool_type": "true or false",
          "string_type": "a string", "list_type": "a list", "model_type": "a table", "dict_type": "a table",
          "model_attributes_type": "a table", "tuple_type": "a list", "int_from_float": "an integer",
          "finite_number": "a finite number"}


def _describe(err: dict[str, Any], owner: type[BaseModel] | None, field: Any) -> str:
    """Turn one pydantic error into 'expected ...' words."""
    typ, ctx, got = err["type"], err.get("ctx", {}), err.get("input")
    got_s = json.dumps(got) if isinstance(got, (int, float, str, bool)) else type(got).__name__
    if typ == "extra_forbidden":
        options = list(owner.model_fields) if owner is not None else []
        name = str(err["loc"][-1])
        return "unknown key" + did_you_mean(name, options) + (f"; valid keys: {', '.join(options)}" if options else "")
    if typ == "missing":
        return "missing required key"
    if typ in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return f"expected a value {_bounds(field, ctx)}, got {got_s}"
    if typ == "literal_error":
        allowed = [repr(v) for a in _args(getattr(field, "annotation", None))
                   if typing.get_origin(a) is typing.Literal for v in typing.get_args(a)]
        return f"expected one of {', '.join(allowed) or ctx.get('expected', '')}, got {got_s}"
    if typ in ("too_short", "too_long"):
        lo, hi = _meta(field, "min_length"), _meta(field, "max_length")
        want = ("a list [low, high]" if (lo, hi) == (2, 2)
                else f"a list of at least {lo} items" if hi is None else f"a list of {lo or 0} to {hi} items")
        return f"expected {want}, got {got_s}"
    if typ == "string_pattern_mismatch":
        if ctx.get("pattern") == DATE_PATTERN:
            return f"expected a date 'YYYY-MM', got {got_s}"
        return f"expected text matching {ctx.get('pattern')}, got {got_s}"
    if typ in _KINDS:
        return f"expected {_KINDS[typ]}, got {got_s}"
    msg = str(err["msg"]).removeprefix("Value error, ")
    return f"{msg}, got {got_s}"


def _meta(field: Any, name: str) -> Any:
    for m in getattr(field, "metadata", []):
        if getattr(m, name, None) is not None:
            return getattr(m, name)
    return None


def _bounds(field: Any, ctx: dict[str, Any]) -> str:
    """'in [lo, hi] (unit)', '>= lo', '> lo and <= hi', ... from the field's declared bounds."""
    ge, gt, le, lt = (_meta(field, n) for n in ("ge", "gt", "le", "lt"))
    if field is None:
        ge, gt, le, lt = (ctx.get(n) for n in ("ge", "gt", "le", "lt"))
    unit = (getattr(field, "json_schema_extra", None) or {}).get("unit", "") if field is not None else ""
    unit_s = f" ({unit})" if unit else ""
    if ge is not None and le is not None:
        return f"in [{ge}, {le}]{unit_s}"
    words = [f"{op} {v}" for op, v in ((">=", ge), (">", gt), ("<=", le), ("<", lt)) if v is not None]
    return " and ".join(words) + unit_s


def did_you_mean(word: str, options: Sequence[str]) -> str:
    """`` (did you mean 'x'?)`` for the nearest of ``options``, or ''."""
    near = difflib.get_close_matches(word, list(options), n=1, cutoff=0.5)
    return f" (did you mean '{near[0]}'?)" if near else ""


# --------------------------------------------------------------------------- dotted key paths
def split_key(key: str, origin: str) -> list[str]:
    """The segments of a dotted key path; TOML quoting keeps a dot inside one (``a."b.c".d``)."""
    if '"' not in key and "'" not in key:
        return key.split(".")
    try:
        node: Any = tomllib.loads(f"{key} = 0")
    except tomllib.TOMLDecodeError:
        raise InputError(origin, key, "expected a dotted key path such as capital.sentiment_base") from None
    parts = []
    while isinstance(node, dict):
        (k, node), = node.items()
        parts.append(k)
    return parts


def _step(node: Any, part: str, here: str, origin: str) -> Any:
    """The child of ``node`` called ``part``: a table's key, or a list item by name or index."""
    if isinstance(node, list):
        names = [x[NAME] for x in node] if is_named_list(node) else []
        if part in names:
            return names.index(part)
        if part.isdigit() and int(part) < len(node):
            return int(part)
        if names:
            raise InputError(origin, here, f"expected the name of an item ({', '.join(names)}) or an index below "
                                           f"{len(node)}" + did_you_mean(part, names))
        raise InputError(origin, here, f"expected an index below {len(node)}")
    if isinstance(node, dict) and part in node:
        return part
    options = list(node) if isinstance(node, dict) else []
    raise InputError(origin, here, "unknown key" + did_you_mean(part, options))


def resolve_path(data: Any, key: str, origin: str) -> list[str | int]:
    """The concrete path (list items by index) of ``key`` in ``data``; unknown parts raise :class:`InputError`."""
    parts = split_key(key, origin)
    out: list[str | int] = []
    node = data
    for i, part in enumerate(parts):
        step = _step(node, part, ".".join(parts[: i + 1]), origin)
        out.append(step)
        node = node[step]
    return out


def get_path(data: Any, key: str, default: Any = None) -> Any:
    """The value at dotted ``key`` in nested dicts/lists, or ``default`` if the path does not exist."""
    try:
        node = data
        for step in resolve_path(data, key, ""):
            node = node[step]
        return node
    except InputError:
        return default


def field_bounds(field: Any) -> tuple[Any, Any]:
    """(low, high) of a pydantic field's valid range, in the field's unit: its ``ge`` (else ``gt``)
    and ``le`` (else ``lt``); None where it has no finite bound (an open ``gt``/``lt`` end is
    returned as that end)."""
    def first(*names: str) -> Any:
        vals = (_meta(field, n) for n in names)
        return next((v for v in vals if v is not None and math.isfinite(v)), None)

    return first("ge", "gt"), first("le", "lt")


def valid_range(model: BaseModel, key: str) -> tuple[Any, Any]:
    """(low, high) of the parameter at dotted ``key`` of ``model`` (a scenario; list items by name
    or index), as :func:`field_bounds`; :class:`InputError` if the key is unknown. The one lookup
    of a key's valid range (experiment specs, ``[effects]``, posterior draws)."""
    steps = resolve_path(model.model_dump(mode="json"), key, "")
    node: Any = model
    for step in steps[:-1]:
        node = node[step] if isinstance(step, int) else getattr(node, step)
    return field_bounds(type(node).model_fields[str(steps[-1])])


def set_path(data: Any, key: str, value: Any, origin: str) -> str:
    """Set the value at dotted ``key`` (which must exist) in place; return the path with indices.

    Raises :class:`InputError` naming ``origin`` and the key for an unknown part, with the nearest
    valid name.
    """
    steps = resolve_path(data, key, origin)
    node = data
    for step in steps[:-1]:
        node = node[step]
    node[steps[-1]] = value
    return ".".join(str(s) for s in steps)


# --------------------------------------------------------------------------- --set
SET_HELP = ("override one value of the scenario: a dotted key path and a TOML value, e.g. "
            "--set capital.sentiment_base=0.4, --set startups.Zhipu.cash_usd=1e9, "
            "--set 'startups.\"01.AI\".staff=150' (list items by name or index; a value that is not TOML "
            "is taken as a string); repeat for several")


def add_set_argument(parser: Any) -> None:
    """Add the repeatable ``--set KEY=VALUE`` option (into ``args.overrides``) to an argparse parser."""
    parser.add_argument("--set", action="append", default=[], dest="overrides", metavar="KEY=VALUE", help=SET_HELP)


def parse_set(items: Sequence[str]) -> dict[str, Any]:
    """``["a.b=1", ...]`` -> ``{"a.b": 1, ...}``; raises :class:`InputError` naming ``--set``.

    The value is read as a TOML value (number, boolean, string, list, inline table); text that is
    not one (``2024-06``, ``high``) is taken as a string, as is a TOML date.
    """
    out: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        key, text = key.strip(), text.strip()
        if not sep or not key:
            raise InputError("--set", item, "expected key=value, e.g. --set capital.sentiment_base=0.4")
        try:
            value = tomllib.loads(f"v = {text}")["v"] if text else ""
        except tomllib.TOMLDecodeError:
            value = text
        if isinstance(value, (datetime.date, datetime.time)):
            value = text
        split_key(key, "--set")  # a malformed key fails here, naming --set
        out[key] = value
    return out


# --------------------------------------------------------------------------- hashing
def json_default(o: Any) -> Any:
    """numpy scalars as Python numbers and booleans; anything else JSON cannot hold as its text."""
    import numpy as np

    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    if isinstance(o, np.bool_):
        return bool(o)
    return str(o)


def canonical_json(obj: Any) -> str:
    """Sorted, compact JSON: equal content gives equal text."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=json_default)


def canonical_hash(obj: Any, digits: int = 16) -> str:
    """SHA-256 of :func:`canonical_json` (the first ``digits`` hex digits)."""
    return hashlib.sha256(canonical_json(obj).encode()).hexdigest()[:digits]
