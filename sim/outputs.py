"""Declared outputs: every column of the three tables of a run, and every event type, declared once.

Each :class:`Column` gives a column's name, Arrow type, unit, meaning and *getter*: a Python
expression that computes the value from one month (model table), one firm (firms table) or one
logged event (events table, where the getter is the keyword's default). From these declarations
:mod:`sim.results` builds the Arrow schemas and the row builders, and ``docs/gen_outputs.py``
writes the column tables of ``docs/outputs.md`` (``--check`` fails when they drift).

Getter names:

* model table: ``m`` the model, ``c`` its :meth:`~sim.model.MarketModel.counts`, ``live`` its live firms;
* firms table: ``f`` the firm, ``ex`` its ``(executives in post, technical in post)``, plus ``seed``,
  ``t`` and ``date``;
* events table: the default value a ``log`` call leaves in the column when it does not set it.

Columns are only ever *appended* (never reordered or renamed): a table's reader may rely on every
column it knew.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa


@dataclass(frozen=True)
class Column:
    """One output column: name, Arrow type, unit, meaning, getter expression and where it is computed."""

    name: str
    type: pa.DataType
    unit: str
    meaning: str
    get: str
    by: str = ""


I64, I32, F64, STR, BOOL = pa.int64(), pa.int32(), pa.float64(), pa.string(), pa.bool_()

MODEL_COLUMNS: tuple[Column, ...] = (
    Column("seed", I64, "—", "the run's seed", "m.seed_value", "model"),
    Column("step", I32, "month", "months since `time.start` (0 = first month)", "m.t", "model"),
    Column("date", STR, "`YYYY-MM`", "calendar month of the step", "m.calendar.labels[m.t]", "`sim/calendar.py`"),
    Column("n_foundation", I32, "firms", "startups (named, generic and entrants) alive with strategy `foundation`",
           "c[0]", "`MarketModel.counts`"),
    Column("n_alive", I32, "firms", "startups not exited", "c[1]", "`MarketModel.counts`"),
    Column("n_pivoted", I32, "firms", "startups alive as `vertical` or `integrator`", "c[2]", "`MarketModel.counts`"),
    Column("n_exited", I32, "firms", "startups that have exited (cumulative)", "c[3]", "`MarketModel.counts`"),
    Column("hhi_consumer", F64, "0–1", "Herfindahl–Hirschman index of MAU over all live firms (startups, giants, "
           "open labs); 0 when nobody has users", "hhi([f.mau for f in live])", "`demand.hhi`"),
    Column("hhi_enterprise", F64, "0–1", "HHI of enterprise revenue over all live firms; 0 when nobody has any",
           "hhi([f.revenue_enterprise_usd for f in live])", "`demand.hhi`"),
    Column("frontier_capability", F64, "doublings", "global frontier F(t)", "frontier(m, m.t)",
           "`technology.frontier`"),
    Column("open_floor_capability", F64, "doublings", "open floor L(t) after this month's releases", "m.open_floor",
           "`open_source.step`"),
    Column("vc_sentiment", F64, "0–1", "investor sentiment S after this month's update", "m.sentiment",
           "`capital.update_sentiment`"),
    Column("mean_api_price_usd_per_mtok", F64, "USD per million tokens",
           "unweighted mean API price over live firms that have one (NaN if none)", "m.mean_api_price()",
           "`MarketModel.mean_api_price`"),
    Column("outside_appeal", F64, "0–1", "appeal A(t) of the outside sector (embodied AI), exogenous ramp",
           "m.outside_appeal", "`capital.outside_appeal`"),
    Column("consumer_market_mau", F64, "MAU", "consumer market size N(t)", "m.consumer_market", "`demand.step`"),
    Column("enterprise_market_usd", F64, "USD per month",
           "enterprise market size E(t) (potential spending, of which the outside option keeps a share)",
           "m.enterprise_market", "`demand.step`"),
    Column("departures", I32, "executives", "`departure` events this month (all startups)",
           "m.departures_this_month", "`talent.step`"),
    Column("api_tokens_mtok", F64, "million tokens per month", "API tokens demanded Q(t)", "m.api_tokens_mtok",
           "`demand.step`"),
    Column("price_index_usd_per_mtok", F64, "USD per million tokens", "share-weighted API price index P(t) "
           "(outside option included)", "m.price_index", "`demand.step`"),
    Column("closed_price_usd_per_mtok", F64, "USD per million tokens", "median list price of the closed-model "
           "APIs (startups training foundation models and giants); NaN if none", "m.closed_price()",
           "`MarketModel.closed_price`"),
    Column("vc_pool_usd", F64, "USD per year", "venture money for the simulated startups this year V_y",
           "m.vc_pool_usd", "`capital.update_sentiment`"),
    Column("vc_available_usd", F64, "USD", "venture money left this month after its rounds", "m.vc_available_usd",
           "`capital.step`"),
    Column("realised_rate", F64, "per startup", "net realised outcomes per live startup over 12 months R_12",
           "m.realised_rate", "`capital.update_sentiment`"),
    Column("n_exits_month", I32, "firms", "startups that exited this month", "m.exits_this_month", "`exits.step`"),
    Column("n_entries_month", I32, "firms", "startups that entered this month", "m.entries_this_month",
           "`entry.step`"),
)

FIRMS_COLUMNS: tuple[Column, ...] = (
    Column("seed", I64, "—", "the run's seed", "seed"),
    Column("step", I32, "month", "months since `time.start`", "t"),
    Column("date", STR, "`YYYY-MM`", "calendar month", "date"),
    Column("firm", STR, "—", "firm name (named firms as in the scenario; generic `Startup-001`, `Giant-01`, "
           "`OpenLab-01`; entrants `Entrant-0001`)", "f.name"),
    Column("kind", STR, "—", "`startup`, `giant` or `open_source`", "f.kind"),
    Column("strategy", STR, "—", "startups: `foundation`, `vertical`, `integrator` or `exited`; giants and open "
           "labs: always `foundation`", "f.strategy"),
    Column("cash_usd", F64, "USD", "cash at the end of the month (frozen after an exit)", "f.cash_usd"),
    Column("capability", F64, "doublings", "capability of the firm's own best model (frozen after an exit)",
           "f.capability"),
    Column("mau", F64, "users", "monthly active users of its consumer app (0 after an exit)", "f.mau"),
    Column("revenue_usd", F64, "USD per month", "total revenue this month = consumer + enterprise + vertical",
           "f.revenue_usd()"),
    Column("api_price_usd_per_mtok", F64, "USD per million tokens",
           "API price this month; NaN for verticals and exited firms", "f.api_price"),
    Column("executives", I32, "people", "executives in post (startups; 0 for giants and open labs, which have "
           "none modelled)", "ex[0]"),
    Column("funding_raised_usd", F64, "USD", "cumulative venture rounds + IPO proceeds (+ an entrant's seed "
           "capital); a named startup's starting cash is not included", "f.funding_raised_usd"),
    Column("executives_technical", I32, "people", "technical executives in post (startups; 0 otherwise)", "ex[1]"),
    Column("revenue_consumer_usd", F64, "USD per month", "consumer revenue (MAU × ARPU)", "f.revenue_consumer_usd"),
    Column("revenue_enterprise_usd", F64, "USD per month", "enterprise API revenue", "f.revenue_enterprise_usd"),
    Column("revenue_vertical_usd", F64, "USD per month", "revenue from its vertical niche (verticals only)",
           "f.revenue_vertical_usd"),
    Column("costs_usd", F64, "USD per month", "everything paid this month: payroll, side products, marketing, "
           "serving, training installments", "f.costs_usd"),
    Column("funding_usd", F64, "USD per month", "venture money received this month (a round less a giant's "
           "stake), IPO proceeds, or an entrant's seed capital", "f.funding_usd"),
    Column("external_usd", F64, "USD per month", "giants: cash from other businesses; open labs: parent funding",
           "f.external_usd"),
    Column("transfers_usd", F64, "USD per month", "stakes: + received by a startup from a giant joining its round, "
           "− paid by the giant; sums to 0 over firms each month", "f.transfers_usd"),
    Column("runway_months", F64, "months", "cash ÷ monthly burn net of revenue (training spread over the months "
           "between runs; infinite when revenue covers it); live startups only, NaN otherwise",
           "f.recorded_runway_months()"),
    Column("niche", STR, "—", "the niche a vertical serves ('' for others)", "f.niche"),
    Column("tokens_mtok", F64, "million tokens per month", "API tokens sold this month", "f.tokens_mtok"),
    Column("token_share", F64, "0–1", "share of the API token market (the outside option holds the rest)",
           "f.token_share"),
    Column("serving_usd", F64, "USD per month", "serving cost this month (API tokens and app users), part of "
           "`costs_usd`", "f.serving_usd"),
    Column("marketing_usd", F64, "USD per month", "marketing spent this month, part of `costs_usd`",
           "f.marketing_spend_usd"),
    Column("api_cost_usd_per_mtok", F64, "USD per million tokens", "serving cost of its API offer; NaN without an "
           "API", "f.api_cost if f.api_cost is not None else math.nan"),
)

EVENTS_COLUMNS: tuple[Column, ...] = (
    Column("seed", I64, "—", "the run's seed", "model.seed_value"),
    Column("step", I32, "month", "months since `time.start`", "model.t"),
    Column("date", STR, "`YYYY-MM`", "calendar month", "model.calendar.labels[model.t]"),
    Column("firm", STR, "—", "the firm the event is about (for a dated open-weight release: the firm named in the "
           "schedule, which need not be simulated)", "firm"),
    Column("type", STR, "—", "one of the types below (`sim.outputs.EventType`)", "type_"),
    Column("amount_usd", F64, "USD", "money involved (see below); NaN when none", "math.nan"),
    Column("role", STR, "—", "`technical` or `commercial` for departures; '' otherwise", "''"),
    Column("destination", STR, "—", "for departures: `giant:<name>`, `founded:<niche>`, or `left` (no giants in "
           "the run); '' otherwise", "''"),
    Column("detail", STR, "—", "a readable description (formats below); code never parses it (it reads the "
           "structured columns)", "''"),
    Column("partner", STR, "—", "for a pivot to integrator: the giant with a cloud that holds a stake in the firm "
           "('' if none); for a funding round: the giant joining it; '' otherwise", "''"),
    Column("niche", STR, "—", "for a pivot to a vertical: the niche it serves; '' otherwise", "''"),
    Column("stage", STR, "—", "for an `ipo` event: `filing` (the process starts) or `listing` (the shares list); "
           "for an `exit`: `shutdown`, `fire_sale` (sold when out of money), `acquired` (sold by choice) or "
           "`wound_down` (closed by its board while it could still pay its bills); "
           "'' otherwise", "''"),
    Column("open_weights", BOOL, "—", "for a `release`: true when the weights are open (a dated open-weight release, "
           "or a firm's own open release that raises the open floor); false otherwise", "False"),
    Column("release_name", STR, "—", "for a dated release of the scenario (`open_source.releases`): its name, e.g. "
           "`DeepSeek-R1`; '' for every simulated event", "''"),
    Column("model_number", I32, "models", "for a `release` from a firm's own training run: how many models the firm "
           "has released, this one included (1 = its first); 0 otherwise", "0"),
    Column("gap_doublings", F64, "doublings", "for a `release`: how far the released model is below the frontier "
           "that month; NaN otherwise", "math.nan"),
    Column("price_from", F64, "USD per million tokens", "for a `price_cut`: the API price before the cut; NaN "
           "otherwise", "math.nan"),
    Column("price_to", F64, "USD per million tokens", "for a `price_cut`: the API price after the cut; NaN "
           "otherwise", "math.nan"),
    Column("acquirer", STR, "—", "for an `exit`: the giant or startup that buys the firm ('' when it shuts down); "
           "'' otherwise", "''"),
    Column("valuation_usd", F64, "USD", "for a `funding_round`: the post-money valuation (the last one marked to "
           "the firm's traction, the venture pool and its moat since, plus the round; docs/ODD.md 7.7); NaN "
           "otherwise",
           "math.nan"),
    Column("down_round", BOOL, "—", "for a `funding_round`: true when its pre-money valuation is more than "
           "`capital.flat_round_band` below the firm's last post-money; false otherwise", "False"),
)


class EventType(enum.StrEnum):
    """The types of event a run logs; ``log`` refuses any other."""

    RELEASE = "release"
    PRICE_CUT = "price_cut"
    FUNDING_ROUND = "funding_round"
    DEPARTURE = "departure"
    PIVOT = "pivot"
    PRODUCT_CUT = "product_cut"
    IPO = "ipo"
    EXIT = "exit"
    ENTRY = "entry"


#: IPO stages (the ``stage`` column of ``ipo`` events).
IPO_FILING, IPO_LISTING = "filing", "listing"
#: Exit stages (the ``stage`` column of ``exit`` events): shut down, sold cheaply when out of money, sold by choice,
#: closed by choice.
EXIT_SHUTDOWN, EXIT_FIRE_SALE, EXIT_ACQUIRED, EXIT_WOUND_DOWN = "shutdown", "fire_sale", "acquired", "wound_down"


@dataclass(frozen=True)
class EventDoc:
    """What an event type means, for ``docs/outputs.md``: when it is logged, its amount and its detail text."""

    when: str
    amount: str
    detail: str


EVENT_DOCS: dict[EventType, EventDoc] = {
    EventType.RELEASE: EventDoc(
        "a firm's training run finishes with a better model; or a dated open-weight release lands",
        "run: the spend committed to it; dated release: NaN",
        "`model #k, x.xx doublings below frontier` (prefixed `open-weight ` when it raises the floor); dated: "
        "`open-weight <name>, x.xx doublings below frontier`"),
    EventType.PRICE_CUT: EventDoc(
        "a firm's API price falls by at least `pricing.price_cut_threshold` in one month", "NaN",
        "`API price a -> b USD/Mtok`"),
    EventType.FUNDING_ROUND: EventDoc("a startup's round closes", "the whole round, including a giant's stake",
                                      "`venture round` or `venture round with <giant>`"),
    EventType.DEPARTURE: EventDoc("an executive leaves", "NaN", "'' (role and destination in their columns)"),
    EventType.PIVOT: EventDoc("a startup stops training foundation models", "NaN",
                              "`pivots to <niche>` or `becomes an integrator of open models[ with <giant> cloud]`"),
    EventType.PRODUCT_CUT: EventDoc("a startup closes a side product", "NaN",
                                    "`closes <product> to concentrate resources`"),
    EventType.IPO: EventDoc("a startup starts an IPO process, or lists", "start: NaN; listing: the proceeds",
                            "`starts IPO process` or `lists its shares`"),
    EventType.EXIT: EventDoc("a startup exits", "a sale: the price paid; a shutdown or wind-down: cash left "
                             "(at least 0)", "`acquired by <buyer>`, `sold in a fire sale to <buyer>`, "
                             "`shuts down` or `winds down`"),
    EventType.ENTRY: EventDoc("a generic startup enters", "its seed capital", "`enters with seed capital`"),
}

#: Default of every events column a ``log`` call may set (the columns after ``type``).
EVENT_FIELD_DEFAULTS: dict[str, object] = {c.name: eval(c.get, {"math": math})  # noqa: S307 - our own literals
                                           for c in EVENTS_COLUMNS[5:]}

TABLE_COLUMNS: dict[str, tuple[Column, ...]] = {"model": MODEL_COLUMNS, "firms": FIRMS_COLUMNS,
                                                 "events": EVENTS_COLUMNS}


def event_row(ev: Mapping[str, Sequence[Any]], i: int) -> dict[str, Any]:
    """Row ``i`` of an events table held as columns (``Recorder.events``): every column of
    :data:`EVENTS_COLUMNS` by name, so every reader sees the same fields."""
    return {c.name: ev[c.name][i] for c in EVENTS_COLUMNS}


def schema(columns: tuple[Column, ...]) -> pa.Schema:
    """The Arrow schema of a declared table."""
    return pa.schema([(c.name, c.type) for c in columns])
