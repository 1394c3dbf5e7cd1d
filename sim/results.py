"""Results: the three tables of a run (model, firms, events), their schema, and their files.

Every column is declared once in :mod:`sim.outputs` (name, type, unit, meaning, getter); the
schemas and row builders here are made from those declarations, and ``docs/outputs.md`` is
generated from them (``docs/gen_outputs.py``). Columns never change meaning; new ones are appended.
Tables are column dicts in memory and pyarrow tables on disk (Parquet or
CSV).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from .demand import hhi
from .outputs import EVENTS_COLUMNS, FIRMS_COLUMNS, MODEL_COLUMNS, Column, EventType
from .outputs import schema as table_schema
from .technology import frontier

if TYPE_CHECKING:
    from .model import MarketModel

MODEL_SCHEMA = table_schema(MODEL_COLUMNS)
FIRMS_SCHEMA = table_schema(FIRMS_COLUMNS)
EVENTS_SCHEMA = table_schema(EVENTS_COLUMNS)

SCHEMAS = {"model": MODEL_SCHEMA, "firms": FIRMS_SCHEMA, "events": EVENTS_SCHEMA}
EVENT_TYPES = tuple(e.value for e in EventType)


def _row_builder(params: str, columns: tuple[Column, ...], env: dict[str, Any]) -> Callable[..., tuple[Any, ...]]:
    """A function of ``params`` returning one row (a tuple, in column order) from the columns' getters.

    Compiled once from the declarations: one tuple expression per row is as fast as the hand-written one.
    """
    return eval(f"lambda {params}: ({', '.join(c.get for c in columns)},)", env)  # noqa: S307 - our own declarations


#: Source of the firms table's row function: ``row(f, seed, t, date)``, one row of the getters of
#: :data:`FIRMS_COLUMNS` (``ex``, the firm's ``executive_counts()``, bound first).
_FIRM_ROW_SOURCE = (f"def row(f, seed, t, date):\n    ex = f.executive_counts()\n"
                    f"    return ({', '.join(c.get for c in FIRMS_COLUMNS)},)")


class FirmRows(dict):
    """Firm class -> its own compiled copy of the firms table's row function (:data:`_FIRM_ROW_SOURCE`),
    compiled the first time a firm of that class is recorded.

    One copy per class because Python 3.11 specialises an attribute read for one type only: in a single
    function that reads the ~25 attributes of startups, giants and open labs in turn, every read falls back
    to the generic lookup (about 200 instructions); in a copy that only ever sees one class, each is a
    specialised read. The copies are compiled from the same source, so every class gets the same columns.
    """

    def __missing__(self, cls: type) -> Callable[..., tuple[Any, ...]]:
        env: dict[str, Any] = {"math": math}
        exec(compile(_FIRM_ROW_SOURCE, f"<sim.results firms row of {cls.__name__}>", "exec"), env)  # noqa: S102
        self[cls] = row = env["row"]
        return row


_MODEL_ROW = _row_builder("m, c, live", MODEL_COLUMNS, {"hhi": hhi, "frontier": frontier})
#: The row functions of the firms table, one per firm class (shared by every run of the process).
_FIRM_ROWS = FirmRows()
#: Event columns a ``log`` call may set, with their defaults (every column after ``type``).
_EVENT_FIELDS = EVENTS_COLUMNS[5:]
#: Event type (member or value) -> its value: checking a type is one dict lookup (``EventType(x)`` costs
#: about as much as the rest of a ``log`` call).
_EVENT_VALUES: dict[str, str] = {e.value: e.value for e in EventType}


def _event_logger_source() -> str:
    """Source of the ``log`` function: one append per declared events column (each column's bound
    ``list.append`` is a global of the function, ``_append_<column>``)."""
    kw = ", ".join(f"{c.name}={c.get}" for c in _EVENT_FIELDS)
    lines = [f"def log(firm, type_, *, {kw}):",
             "    try:",
             "        type_ = EVENT_VALUES[type_]",
             "    except (KeyError, TypeError):",
             "        raise ValueError(f'{type_!r} is not a valid EventType') from None"]
    lines += [f"    _append_{c.name}({c.get if i < 5 else c.name})" for i, c in enumerate(EVENTS_COLUMNS)]
    return "\n".join(lines)


#: The logger's code, compiled once per process (compiling it for every run cost about 0.4 ms a run).
_EVENT_LOGGER_CODE = compile(_event_logger_source(), "<sim.results event logger>", "exec")


@dataclass
class RunResult:
    """The tables of one run, as column dicts (name -> list), plus the run's identity."""

    seed: int
    model: dict[str, list[Any]] = field(default_factory=dict)
    firms: dict[str, list[Any]] = field(default_factory=dict)
    events: dict[str, list[Any]] = field(default_factory=dict)
    firm_kinds: dict[str, str] = field(default_factory=dict)
    executives: dict[str, list[tuple[str, str, str, int]]] = field(default_factory=dict)

    def table(self, name: str) -> pa.Table:
        """One table as a pyarrow Table with its documented schema."""
        return pa.Table.from_pydict(getattr(self, name), schema=SCHEMAS[name])


def _empty(schema: pa.Schema) -> dict[str, list[Any]]:
    return {n: [] for n in schema.names}


class Recorder:
    """Collects rows during a run: cheap appends, one conversion at the end."""

    def __init__(self, record_firms: bool = True) -> None:
        self.record_firms = record_firms
        self.model = _empty(MODEL_SCHEMA)
        self.events = _empty(EVENTS_SCHEMA)
        self._firm_rows: list[tuple[Any, ...]] = []  # one tuple per firm and month (cheaper than 23 appends)
        self._firms: dict[str, list[Any]] = _empty(FIRMS_SCHEMA)

    @property
    def firms(self) -> dict[str, list[Any]]:
        """The firms table so far as columns (built from the rows when they have grown)."""
        if self._firm_rows and len(self._firms["seed"]) != len(self._firm_rows):
            columns = zip(*self._firm_rows, strict=True)
            self._firms = {name: list(col) for name, col in zip(FIRMS_SCHEMA.names, columns, strict=True)}
        return self._firms

    def event_logger(self, model: MarketModel) -> Callable[..., None]:
        """A ``log(firm, type, amount_usd=nan, role='', ..., open_weights=False)`` bound to ``model``: one row
        of the events table, every column after ``type`` a keyword (``sim.outputs.EVENTS_COLUMNS``).
        ``type`` must be an :class:`~sim.outputs.EventType` (or its value); any other raises ``ValueError``."""
        env: dict[str, Any] = {"model": model, "math": math, "EVENT_VALUES": _EVENT_VALUES}
        env.update({f"_append_{name}": column.append for name, column in self.events.items()})
        exec(_EVENT_LOGGER_CODE, env)  # noqa: S102 - our own declarations
        return env["log"]

    def record(self, model: MarketModel) -> None:
        """Append this month's model row and one row per firm."""
        t, seed, date = model.t, model.seed_value, model.calendar.labels[model.t]
        m = self.model
        for name, value in zip(m, _MODEL_ROW(model, model.counts(), model.live_firms), strict=True):
            m[name].append(value)
        if not self.record_firms:
            return
        rows = _FIRM_ROWS
        self._firm_rows += [rows[f.__class__](f, seed, t, date) for f in model.firms]

    def result(self, model: MarketModel) -> RunResult:
        execs = {f.name: [(e.role, e.status, e.destination, e.left_step) for e in f.executives]
                 for f in model.startups}
        return RunResult(seed=model.seed_value, model=self.model, firms=self.firms, events=self.events,
                         firm_kinds={f.name: f.kind for f in model.firms}, executives=execs)


def write_tables(results: list[RunResult], out: Path, fmt: str = "parquet") -> dict[str, Path]:
    """Write the three tables of ``results`` (all seeds) into ``out`` as ``<table>.parquet|csv``."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, schema in SCHEMAS.items():
        table = pa.concat_tables([r.table(name) for r in results]) if results else schema.empty_table()
        path = out / f"{name}.{fmt}"
        tmp = path.with_suffix(path.suffix + ".tmp")
        if fmt == "parquet":
            pq.write_table(table, tmp)
        else:
            pacsv.write_csv(table, tmp)
        tmp.replace(path)
        paths[name] = path
    return paths


def read_table(folder: Path, name: str) -> pa.Table:
    """Read ``folder/<name>.parquet`` (or ``.csv``) with its schema."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    pq_path, csv_path = folder / f"{name}.parquet", folder / f"{name}.csv"
    if pq_path.exists():
        return pq.read_table(pq_path)
    if csv_path.exists():
        schema = SCHEMAS[name]
        opts = pacsv.ConvertOptions(column_types=schema, strings_can_be_null=False)
        return pacsv.read_csv(csv_path, convert_options=opts).select(schema.names)
    raise FileNotFoundError(str(pq_path))
