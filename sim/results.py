"""Results: the three tables of a run (model, firms, events), their schema, and their files.

Schemas are documented in ``docs/outputs.md``; columns named in issue 2 never change meaning,
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

    def __init__(self) -> None:
        self.model = _empty(MODEL_SCHEMA)
        self.firms = _empty(FIRMS_SCHEMA)
        self.events = _empty(EVENTS_SCHEMA)

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
        from .demand import hhi
        from .technology import frontier
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
        r = self.firms
        for f in model.firms:
            is_startup = isinstance(f, Startup)
            r["seed"].append(seed)
            r["step"].append(t)
            r["date"].append(date)
            r["firm"].append(f.name)
            r["kind"].append(f.kind)
            r["strategy"].append(f.strategy)
            r["cash_usd"].append(f.cash_usd)
            r["capability"].append(f.capability)
            r["mau"].append(f.mau)
            r["revenue_usd"].append(f.revenue_usd)
            r["api_price_usd_per_mtok"].append(f.api_price)
            r["executives"].append(sum(1 for e in f.executives if e.status == "in_post") if is_startup else 0)
            r["funding_raised_usd"].append(f.funding_raised_usd)
            r["executives_technical"].append(
                sum(1 for e in f.executives if e.status == "in_post" and e.role == "technical") if is_startup else 0)
            r["revenue_consumer_usd"].append(f.revenue_consumer_usd)
            r["revenue_enterprise_usd"].append(f.revenue_enterprise_usd)
            r["revenue_vertical_usd"].append(f.revenue_vertical_usd)
            r["costs_usd"].append(f.costs_usd)
            r["funding_usd"].append(f.funding_usd)
            r["external_usd"].append(f.external_usd)
            r["transfers_usd"].append(f.transfers_usd)
            r["runway_months"].append(f.runway_months() if is_startup and f.alive else math.nan)
            r["niche"].append(getattr(f, "niche", ""))

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
