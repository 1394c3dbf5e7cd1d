"""Results: the three tables of a run (model, firms, events), their schema, and their files.

Schemas are documented in ``docs/outputs.md``; documented columns never change meaning,
new ones may be added. Tables are column dicts in memory and pyarrow tables on disk (Parquet or
CSV).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from .agents import Startup
from .demand import hhi
from .technology import frontier

if TYPE_CHECKING:
    from .model import MarketModel

MODEL_SCHEMA = pa.schema([
    ("seed", pa.int64()), ("step", pa.int32()), ("date", pa.string()),
    ("n_foundation", pa.int32()), ("n_alive", pa.int32()), ("n_pivoted", pa.int32()), ("n_exited", pa.int32()),
    ("hhi_consumer", pa.float64()), ("hhi_enterprise", pa.float64()),
    ("frontier_capability", pa.float64()), ("open_floor_capability", pa.float64()),
    ("vc_sentiment", pa.float64()), ("mean_api_price_usd_per_mtok", pa.float64()),
    ("outside_appeal", pa.float64()), ("consumer_market_mau", pa.float64()),
    ("enterprise_market_usd", pa.float64()), ("departures", pa.int32()),
])

FIRMS_SCHEMA = pa.schema([
    ("seed", pa.int64()), ("step", pa.int32()), ("date", pa.string()), ("firm", pa.string()),
    ("kind", pa.string()), ("strategy", pa.string()), ("cash_usd", pa.float64()), ("capability", pa.float64()),
    ("mau", pa.float64()), ("revenue_usd", pa.float64()), ("api_price_usd_per_mtok", pa.float64()),
    ("executives", pa.int32()), ("funding_raised_usd", pa.float64()), ("executives_technical", pa.int32()),
    ("revenue_consumer_usd", pa.float64()), ("revenue_enterprise_usd", pa.float64()),
    ("revenue_vertical_usd", pa.float64()), ("costs_usd", pa.float64()), ("funding_usd", pa.float64()),
    ("external_usd", pa.float64()), ("transfers_usd", pa.float64()), ("runway_months", pa.float64()),
    ("niche", pa.string()),
])

EVENTS_SCHEMA = pa.schema([
    ("seed", pa.int64()), ("step", pa.int32()), ("date", pa.string()), ("firm", pa.string()),
    ("type", pa.string()), ("amount_usd", pa.float64()), ("role", pa.string()), ("destination", pa.string()),
    ("detail", pa.string()),
])

SCHEMAS = {"model": MODEL_SCHEMA, "firms": FIRMS_SCHEMA, "events": EVENTS_SCHEMA}
EVENT_TYPES = ("release", "price_cut", "funding_round", "departure", "pivot", "product_cut", "ipo", "exit", "entry")


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
        """A ``log(firm, type, amount_usd=nan, role='', destination='', detail='')`` bound to ``model``."""
        ev = self.events

        def log(firm: str, type_: str, amount_usd: float = math.nan, role: str = "", destination: str = "",
                detail: str = "") -> None:
            ev["seed"].append(model.seed_value)
            ev["step"].append(model.t)
            ev["date"].append(model.calendar.labels[model.t])
            ev["firm"].append(firm)
            ev["type"].append(type_)
            ev["amount_usd"].append(amount_usd)
            ev["role"].append(role)
            ev["destination"].append(destination)
            ev["detail"].append(detail)

        return log

    def record(self, model: MarketModel) -> None:
        """Append this month's model row and one row per firm."""
        t, seed, date = model.t, model.seed_value, model.calendar.labels[model.t]
        found, alive, pivoted, exited = model.counts()
        live = model.live_firms
        m = self.model
        for k, v in (("seed", seed), ("step", t), ("date", date), ("n_foundation", found), ("n_alive", alive),
                     ("n_pivoted", pivoted), ("n_exited", exited)):
            m[k].append(v)
        m["hhi_consumer"].append(hhi([f.mau for f in live]))
        m["hhi_enterprise"].append(hhi([f.revenue_enterprise_usd for f in live]))
        m["frontier_capability"].append(frontier(model, t))
        m["open_floor_capability"].append(model.open_floor)
        m["vc_sentiment"].append(model.sentiment)
        m["mean_api_price_usd_per_mtok"].append(model.mean_api_price())
        m["outside_appeal"].append(model.outside_appeal)
        m["consumer_market_mau"].append(model.consumer_market)
        m["enterprise_market_usd"].append(model.enterprise_market)
        m["departures"].append(model.departures_last_month)
        if not self.record_firms:
            return
        rows = self._firm_rows
        for f in model.firms:
            is_startup = isinstance(f, Startup)
            in_post = tech = 0
            if is_startup:
                for e in f.executives:
                    if e.status == "in_post":
                        in_post += 1
                        tech += e.role == "technical"
            rows.append((
                seed, t, date, f.name, f.kind, f.strategy, f.cash_usd, f.capability, f.mau, f.revenue_usd,
                f.api_price, in_post, f.funding_raised_usd, tech, f.revenue_consumer_usd,
                f.revenue_enterprise_usd, f.revenue_vertical_usd, f.costs_usd, f.funding_usd, f.external_usd,
                f.transfers_usd, f.runway_months() if is_startup and f.alive else math.nan,
                getattr(f, "niche", ""),
            ))

    def result(self, model: MarketModel) -> RunResult:
        execs = {f.name: [(e.role, e.status, e.destination, e.left_step) for e in f.executives]
                 for f in model.firms if isinstance(f, Startup)}
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
