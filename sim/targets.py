"""Quantitative targets: the period's public numbers as observations with error, scored by likelihood.

The patterns T1-T17 (:mod:`sim.patterns`) say *whether* one run reproduces the article's facts.
A **target** here says *how likely* the number the public record reports is, given one run:

* a **statistic** of one seed's tables (``model``, ``firms``, ``events``): a count, an amount,
  a date, a price ratio, a user level (:class:`Target`, its function);
* an **observation model** (:class:`Poisson`, :class:`NegBinomial`, :class:`LogNormal`,
  :class:`DateWindow`): the reported number ``y`` is a noisy observation of the run's
  statistic ``s``, with a stated error and why (``Target.error``);
* the **observed value** ``y`` and its **source** (a key of ``docs/sources.md``), the last
  month the statistic reads (``date``) and the month the number became public (``published``),
  which the hold-out rule reads (``experiments/holdout.toml``: nothing known only after
  2025-06 is ever fitted);
* whether a **starting value was set from the same number** (``input``): then a good fit
  to it is no evidence, and reports flag it.

For each seed a target gives the log-likelihood ``log p(y | s)`` and a **distance**, the
deviance residual ``sqrt(2 (log p(y | y) - log p(y | s)))``: 0 when the run's statistic equals
the observation, 1 about one standard error away, the same scale for every observation model
(for the log-normal it is ``|ln y - ln s| / sigma``). A target **holds** in a seed when its
distance is at most :data:`HOLD_DISTANCE` (the observation lies in the run's central band of
about 95%). A target whose statistic needs a column the results lack (``needs``; e.g. columns
model 3 adds) is **skipped** with that reason, never failed; one whose firm is absent or whose
window the run does not span is **not applicable**. The reference (every target, its numbers
and why) is ``docs/targets.md``.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from .calendar import format_month, parse_month
from .facts import (
    ARTICLE_DATE,
    BAICHUAN,
    DEEPSEEK,
    DEPARTURES_BY_ARTICLE,
    DEPARTURES_H1_2025,
    H1_2025,
    HISTORY_START,
    MINIMAX,
    MOONSHOT,
    PRICE_WAR_DATE,
    SIX,
    YEAR_2024,
    ZERO_ONE,
    ZHIPU,
)
from .outputs import IPO_FILING, EventType
from .patterns import FOUNDATION, RunTables

if TYPE_CHECKING:
    from .results import RunResult

#: Exchange rate of the sources' RMB figures ([S-FX]).
RMB_PER_USD = 7.2
#: A target holds in a seed when its distance (deviance residual) is at most this: about the 95% band.
HOLD_DISTANCE = 2.0
#: Largest distance a log-normal or date target reports (a run with no users, a date far off): the
#: log-likelihood is computed at this distance too, so it stays finite and comparable.
MAX_DISTANCE = 10.0
#: Expected count used in place of a run's count of 0 by the count models: "as if half an event"
#: (a Poisson or negative binomial with mean 0 cannot produce any event, so the likelihood would be 0).
COUNT_FLOOR = 0.5
#: Firms whose API prices the price-war target reads (the giants that cut in 2024-05, [S-PRICE-WAR]).
PRICE_WAR_GIANTS = ("ByteDance", "Alibaba", "Baidu", "Tencent")
#: ByteDance, whose Doubao is the consumer leader and whose tokens served are reported ([S-DOUBAO-TOKENS]).
BYTEDANCE = "ByteDance"
#: Tencent, whose Yuanbao's users are reported ([S-APP-MAU]).
TENCENT = "Tencent"


# ---------------------------------------------------------------------------------------------- observation models
class ObservationModel:
    """``p(y | s)``: how likely the reported value ``y`` is when the run's statistic is ``s``."""

    kind = ""

    def loglik(self, s: Any, y: Any) -> float:
        raise NotImplementedError

    def _best(self, y: Any) -> float:
        """``log p(y | s)`` at the ``s`` that makes ``y`` most likely (the saturated model)."""
        return self.loglik(y, y)

    def distance(self, s: Any, y: Any) -> float:
        """Deviance residual ``sqrt(2 (log p(y | y) - log p(y | s)))``, at most :data:`MAX_DISTANCE`."""
        d2 = 2.0 * (self._best(y) - self.loglik(s, y))
        return min(MAX_DISTANCE, math.sqrt(max(0.0, d2)))

    def describe(self) -> str:
        raise NotImplementedError


def _count_mean(s: float) -> float:
    return max(float(s), COUNT_FLOOR) if math.isfinite(s) else COUNT_FLOOR


@dataclass(frozen=True)
class Poisson(ObservationModel):
    """The reported count ``y`` is Poisson with mean the run's count ``s`` (floored at :data:`COUNT_FLOOR`).

    ``log p = y ln s - s - ln y!``. For counts a tally reports exactly, whose only error is the
    chance of the events themselves.
    """

    kind = "poisson"

    def loglik(self, s: float, y: float) -> float:
        mu = _count_mean(s)
        return y * math.log(mu) - mu - math.lgamma(y + 1)

    def _best(self, y: float) -> float:
        return self.loglik(y, y) if y > 0 else 0.0

    def describe(self) -> str:
        return "Poisson"


@dataclass(frozen=True)
class NegBinomial(ObservationModel):
    """The reported count ``y`` is negative binomial with mean ``s`` and size ``dispersion`` (``r``).

    Variance ``s + s^2 / r``: a press tally over-dispersed beyond chance (who counts as "core",
    departures missed or merged). ``log p = lnG(y + r) - lnG(r) - ln y! + r ln(r / (r + s)) +
    y ln(s / (r + s))``.
    """

    dispersion: float
    kind = "negative_binomial"

    def loglik(self, s: float, y: float) -> float:
        mu, r = _count_mean(s), self.dispersion
        return (math.lgamma(y + r) - math.lgamma(r) - math.lgamma(y + 1) + r * math.log(r / (r + mu))
                + y * math.log(mu / (r + mu)))

    def _best(self, y: float) -> float:
        if y <= 0:
            return 0.0  # p(0 | s) -> 1 as s -> 0
        return self.loglik(y, y)

    def describe(self) -> str:
        return f"negative binomial, size {self.dispersion:g}"


@dataclass(frozen=True)
class LogNormal(ObservationModel):
    """``ln y`` is normal with mean ``ln s`` and s.d. ``sigma``: a positive amount, level or ratio
    reported with a relative error (``sigma`` 0.4 is about a factor 1.5 either way).

    ``log p = -ln(sigma sqrt(2 pi)) - z^2 / 2``, ``z = (ln y - ln s) / sigma``: the density of
    ``ln y``, which differs from that of ``y`` by ``-ln y``, a constant of the observation (so the
    comparison of runs is the same, and the numbers do not depend on the unit of ``y``). A
    statistic of 0 or less (or missing) counts as ``|z| =`` :data:`MAX_DISTANCE`.
    """

    sigma: float
    kind = "lognormal"

    def z(self, s: float, y: float) -> float:
        if not (isinstance(s, (int, float)) and math.isfinite(s) and s > 0):
            return MAX_DISTANCE
        return min(MAX_DISTANCE, abs(math.log(y) - math.log(s)) / self.sigma)

    def loglik(self, s: float, y: float) -> float:
        return -math.log(self.sigma * math.sqrt(2 * math.pi)) - 0.5 * self.z(s, y) ** 2

    def describe(self) -> str:
        return f"log-normal, sigma {self.sigma:g} (x{math.exp(self.sigma):.2f})"


@dataclass(frozen=True)
class DateWindow(ObservationModel):
    """A reported month ``y`` dates the run's month ``s`` to within ``half_width`` months.

    Inside the window every month is equally likely (a report dates an announcement, which
    leads or lags the decision by up to ``half_width``); outside it the density falls as a
    normal tail of scale ``half_width``. Density ``c`` for ``|s - y| <= w``, ``c exp(-(|s - y| -
    w)^2 / (2 w^2))`` beyond, ``c = 1 / (w (2 + sqrt(2 pi)))``; the distance is ``(|s - y| - w) /
    w`` outside the window, 0 inside. A missing date (the event never happens by the statistic's
    end) is scored at :data:`MAX_DISTANCE`.
    """

    half_width: int
    kind = "date_window"

    def months_out(self, s: str | None, y: str) -> float:
        if not s:
            return MAX_DISTANCE * self.half_width
        return max(0.0, abs(parse_month(s) - parse_month(y)) - self.half_width)

    def loglik(self, s: str | None, y: str) -> float:
        w = float(self.half_width)
        z = min(MAX_DISTANCE, self.months_out(s, y) / w)
        return -math.log(w * (2 + math.sqrt(2 * math.pi))) - 0.5 * z * z

    def describe(self) -> str:
        return f"date window +/- {self.half_width} months"


# ---------------------------------------------------------------------------------------------- targets
class Measured(NamedTuple):
    """A statistic of one run and a readable account of it."""

    value: Any
    text: str


class Status:
    """How a target fares in a run (``TargetResult.status``)."""

    OK, SKIPPED, NOT_APPLICABLE = "ok", "skipped", "not_applicable"


@dataclass(frozen=True)
class TargetResult:
    """One target in one seed: the statistic, ``log p(y | s)``, the distance and whether it holds.

    ``loglik`` and ``distance`` are None unless ``status == "ok"``; ``detail`` says why not.
    """

    id: str
    name: str
    status: str
    statistic: Any
    observed: Any
    loglik: float | None
    distance: float | None
    holds: bool
    detail: str
    input: bool


@dataclass(frozen=True)
class Target:
    """A statistic of one run, the observed value, its observation model, source and dates.

    ``date`` is the last month the statistic reads, ``published`` the month the observed value
    became public (``"after"`` for a number known only after the article: see the hold-out rule).
    ``input`` names the starting value set from the same number ('' if none): a fit to it is no
    evidence. ``needs`` lists columns beyond :data:`sim.patterns.REQUIRED_COLUMNS`, per table.
    """

    id: str
    name: str
    statistic: str
    observed: float | str
    observed_text: str
    model: ObservationModel
    error: str
    source: str
    date: str
    published: str
    input: str
    fn: Callable[[RunTables], Measured] = field(repr=False)
    firms: tuple[str, ...] = ()
    covers: tuple[str, str] | None = None
    needs: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def missing_columns(self, run: RunTables) -> list[str]:
        tables = {"model": run.model, "firms": run.firms, "events": run.events}
        return [f"{t}.{c}" for t, cols in self.needs.items() for c in cols if c not in tables[t]]

    def __call__(self, run: RunTables) -> TargetResult:
        def result(status: str, detail: str, stat: Any = None, ll: float | None = None,
                   dist: float | None = None) -> TargetResult:
            holds = dist is not None and dist <= HOLD_DISTANCE
            return TargetResult(self.id, self.name, status, stat, self.observed, ll, dist, holds, detail,
                                bool(self.input))

        missing = self.missing_columns(run)
        if missing:
            return result(Status.SKIPPED, f"skipped: the results lack column(s) {', '.join(missing)}")
        for f in self.firms:
            if not run.has_firm(f):
                return result(Status.NOT_APPLICABLE, f"not applicable: firm {f} absent")
        if self.covers is not None and not run.covers(*self.covers):
            span = f"{run.first}..{run.last}" if run.dates else "no months"
            return result(Status.NOT_APPLICABLE,
                          f"not applicable: run covers {span}, target needs {self.covers[0]}..{self.covers[1]}")
        m = self.fn(run)
        ll = self.model.loglik(m.value, self.observed)
        dist = self.model.distance(m.value, self.observed)
        text = f"{m.text}; observed {self.observed_text}; distance {dist:.2f}"
        return result(Status.OK, text + ("" if dist <= HOLD_DISTANCE else " (miss)"), m.value, ll, dist)


# ---------------------------------------------------------------------------------------------- statistics
def _finite(x: Any) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(x)


def as_number(value: Any) -> float:
    """A statistic or an observation on one numeric scale, for intervals over runs: a number as it is, a month
    (``"YYYY-MM"``) as its month count (:func:`sim.calendar.parse_month`), a date that never came (``None``) as
    +inf (later than any month), anything else NaN."""
    if isinstance(value, (int, float)):
        return float(value)
    if value is None:
        return math.inf
    if isinstance(value, str):
        return float(parse_month(value))
    return float("nan")


def as_value(target: Target, x: float) -> float | str | None:
    """The inverse of :func:`as_number` for ``target``'s kind: a month for a date target, else the number; ``None``
    where ``x`` is not finite (a date that never came)."""
    if not math.isfinite(x):
        return None
    return format_month(int(round(x))) if isinstance(target.observed, str) else x


def count_events(type_: str, firms: tuple[str, ...], start: str, end: str,
                 what: str, flag: str | None = None) -> Callable[[RunTables], Measured]:
    """Statistic: the number of ``type_`` events by ``firms`` dated ``start..end`` (only those whose boolean column
    ``flag`` is true, if given)."""
    def fn(run: RunTables) -> Measured:
        events = run.select(type_, firms, start, end)
        n = len(events) if flag is None else sum(1 for e in events if e[flag])
        return Measured(n, f"{n} {what} {start}..{end}")
    return fn


def count_events_in_state(type_: str, firms: tuple[str, ...], start: str, end: str, state: str,
                          what: str) -> Callable[[RunTables], Measured]:
    """Statistic: the number of ``type_`` events by ``firms`` dated ``start..end`` while the firm's strategy was
    ``state``: its strategy at the end of the month before the event. For an event of a submodel that runs
    before the strategy review in the model's month (a departure, docs/ODD.md 3) that is the strategy the firm
    had when it happened; a firm with no row that month is read at the event's month."""
    def fn(run: RunTables) -> Measured:
        n = 0
        for e in run.select(type_, firms, start, end):
            before = (run.value(e["firm"], "strategy", format_month(parse_month(e["date"]) - 1))
                      or run.value(e["firm"], "strategy", e["date"]))
            n += before == state
        return Measured(n, f"{n} {what} {start}..{end}")
    return fn


def count_in_state(firms: tuple[str, ...], state: str, date: str, what: str) -> Callable[[RunTables], Measured]:
    """Statistic: how many of ``firms`` have strategy ``state`` at ``date`` (a firm gone by then has not)."""
    def fn(run: RunTables) -> Measured:
        who = [f for f in firms if run.value(f, "strategy", date) == state]
        return Measured(len(who), f"{len(who)} {what} at {date} ({', '.join(who) or 'none'})")
    return fn


def geomean_event_field(type_: str, field_: str, firms: tuple[str, ...], start: str, end: str,
                        what: str) -> Callable[[RunTables], Measured]:
    """Statistic: the geometric mean of the positive values of column ``field_`` of ``type_`` events by ``firms``
    dated ``start..end`` (NaN when there are none)."""
    def fn(run: RunTables) -> Measured:
        xs = [e[field_] for e in run.select(type_, firms, start, end) if _finite(e[field_]) and e[field_] > 0]
        if not xs:
            return Measured(math.nan, f"no {what} {start}..{end}")
        g = math.exp(sum(math.log(x) for x in xs) / len(xs))
        return Measured(g, f"{what}: geometric mean {g / 1e9:.2f} billion USD over {len(xs)} {start}..{end}")
    return fn


def sum_event_amounts(type_: str, firms: tuple[str, ...], start: str, end: str,
                      what: str) -> Callable[[RunTables], Measured]:
    """Statistic: the sum of ``amount_usd`` of ``type_`` events by ``firms`` dated ``start..end`` (USD)."""
    def fn(run: RunTables) -> Measured:
        total = sum(e["amount_usd"] for e in run.select(type_, firms, start, end) if _finite(e["amount_usd"]))
        return Measured(total, f"{what} {total / 1e6:.1f} MUSD {start}..{end}")
    return fn


def sum_firm_column(firm: str, column: str, start: str, end: str, what: str,
                    minus: str | None = None) -> Callable[[RunTables], Measured]:
    """Statistic: ``firm``'s ``column`` (less ``minus``) summed over ``start..end`` (USD)."""
    def fn(run: RunTables) -> Measured:
        total = sum(v for _, v in run.series(firm, column, start, end) if _finite(v))
        if minus is not None:
            total -= sum(v for _, v in run.series(firm, minus, start, end) if _finite(v))
        return Measured(total, f"{firm} {what} {total / 1e6:.1f} MUSD {start}..{end}")
    return fn


def firm_value(firm: str, column: str, date: str, what: str, unit: float = 1e6,
               unit_text: str = "M") -> Callable[[RunTables], Measured]:
    """Statistic: ``firm``'s ``column`` at ``date``."""
    def fn(run: RunTables) -> Measured:
        v = run.value(firm, column, date)
        v = float(v) if _finite(v) else float("nan")
        return Measured(v, f"{firm} {what} {v / unit:.3g}{unit_text} at {date}")
    return fn


def model_value(column: str, date: str, what: str) -> Callable[[RunTables], Measured]:
    """Statistic: the model table's ``column`` at ``date``."""
    def fn(run: RunTables) -> Measured:
        v = run.model_value(column, date)
        v = float(v) if _finite(v) else float("nan")
        return Measured(v, f"{what} {v / 1e6:.3g}M at {date}")
    return fn


def peak(firm: str, column: str, start: str, end: str, what: str,
         when: bool = False) -> Callable[[RunTables], Measured]:
    """Statistic: the largest value of ``firm``'s ``column`` in ``start..end``, or (``when``) its month."""
    def fn(run: RunTables) -> Measured:
        series = [(d, v) for d, v in run.series(firm, column, start, end) if _finite(v)]
        if not series:
            return Measured(None if when else float("nan"), f"{firm} has no {what} {start}..{end}")
        v = max(vv for _, vv in series)
        d = min(dd for dd, vv in series if vv == v)  # the first month of the maximum
        return Measured(d if when else v, f"{firm} {what} peaks at {v / 1e6:.3g}M in {d}")
    return fn


def first_event(type_: str, firm: str, start: str, end: str, what: str,
                stage: str | None = None) -> Callable[[RunTables], Measured]:
    """Statistic: the month of ``firm``'s first ``type_`` event in ``start..end`` (None if none)."""
    def fn(run: RunTables) -> Measured:
        es = [e for e in run.select(type_, (firm,), start, end) if stage is None or e["stage"] == stage]
        if not es:
            return Measured(None, f"no {what} by {firm} {start}..{end}")
        d = min(e["date"] for e in es)
        return Measured(d, f"{firm} {what} {d}")
    return fn


def first_turn(firm: str, start: str, end: str) -> Callable[[RunTables], Measured]:
    """Statistic: the first month in ``start..end`` in which ``firm`` is neither ``foundation`` nor missing."""
    def fn(run: RunTables) -> Measured:
        for d, s in run.series(firm, "strategy", start, end):
            if s not in (None, FOUNDATION):
                return Measured(d, f"{firm} is {s} from {d}")
        return Measured(None, f"{firm} trains foundation models throughout {start}..{end}")
    return fn


def distinct_firms(type_: str, firms: tuple[str, ...], start: str, end: str,
                   what: str) -> Callable[[RunTables], Measured]:
    """Statistic: how many of ``firms`` have at least one ``type_`` event in ``start..end``."""
    def fn(run: RunTables) -> Measured:
        who = sorted({e["firm"] for e in run.select(type_, firms, start, end)})
        return Measured(len(who), f"{len(who)} {what} {start}..{end} ({', '.join(who) or 'none'})")
    return fn


def price_ratio(firms: tuple[str, ...], before: str, after: str) -> Callable[[RunTables], Measured]:
    """Statistic: geometric mean over ``firms`` of the API price at ``after`` over that at ``before``."""
    def fn(run: RunTables) -> Measured:
        logs = []
        for f in firms:
            p0, p1 = run.value(f, "api_price_usd_per_mtok", before), run.value(f, "api_price_usd_per_mtok", after)
            if _finite(p0) and _finite(p1) and p0 > 0 and p1 > 0:
                logs.append(math.log(p1 / p0))
        if not logs:
            return Measured(float("nan"), f"no API prices of {', '.join(firms)} at {before} and {after}")
        r = math.exp(statistics.fmean(logs))
        return Measured(r, f"API price {after} / {before}: x{r:.3f} (geometric mean of {len(logs)} firms)")
    return fn


def column_ratio(table: str, column: str, before: str, after: str, firm: str | None = None,
                 what: str = "") -> Callable[[RunTables], Measured]:
    """Statistic: ``column`` at ``after`` over its value at ``before`` (a firm's, or the model table's)."""
    def fn(run: RunTables) -> Measured:
        get = (lambda d: run.value(firm, column, d)) if table == "firms" else (lambda d: run.model_value(column, d))
        a, b = get(before), get(after)
        if not (_finite(a) and _finite(b)) or a <= 0:
            return Measured(float("nan"), f"{what or column} missing or 0 at {before}")
        return Measured(b / a, f"{what or column} {after} / {before}: x{b / a:.3f}")
    return fn


# ---------------------------------------------------------------------------------------------- the targets
AFTER = "after"  # ``published`` of a number known only after the article
_D = (YEAR_2024[0], ARTICLE_DATE)  # the article's departure window, 2024-01..2025-06
USERS = LogNormal(0.4)
USERS_ERROR = ("third-party trackers (aicpb, QuestMobile) differ for the same app and month by up to a factor "
               "of about 2 (panels, definitions of 'active'); sigma 0.4 is a factor 1.5 either way")
TALLY = NegBinomial(10.0)
TALLY_ERROR = ("a press tally of 'core' executives: who counts as core and which departures were reported "
               "adds over-dispersion to chance; size 10 gives a s.d. of 8 at 22 (Poisson: 4.7)")
PROSPECTUS = LogNormal(0.25)
PROSPECTUS_ERROR = ("audited, so the report's own error is small; sigma 0.25 is the model's: its revenue is a "
                    "stylised monthly flow without the recognition timing or the projects of a real income "
                    "statement")

TARGETS: tuple[Target, ...] = (
    # ----------------------------------------------------------------------- counts: departures (¶3-¶6)
    Target("dep_six", "Departures from the six, 2024-01..2025-06", "departure events of the six, 2024-01..2025-06",
           DEPARTURES_BY_ARTICLE, f"at least {DEPARTURES_BY_ARTICLE}", TALLY, TALLY_ERROR, "[Article] ¶3", ARTICLE_DATE,
           ARTICLE_DATE, "",
           count_events(EventType.DEPARTURE, SIX, *_D, "departures from the six"), SIX, _D),
    Target("dep_six_h1_2025", "Departures from the six in H1 2025", "departure events of the six, 2025-01..2025-06",
           DEPARTURES_H1_2025, str(DEPARTURES_H1_2025), TALLY, TALLY_ERROR, "[Article] ¶3", ARTICLE_DATE,
           ARTICLE_DATE, "",
           count_events(EventType.DEPARTURE, SIX, *H1_2025, "departures from the six"), SIX, H1_2025),
    Target("dep_01ai", "Departures from 01.AI", "departure events of 01.AI, 2024-01..2025-06", 7, "7 (5 technical)",
           Poisson(), "the article names them: an exact tally of one firm, only chance", "[Article] ¶4",
           ARTICLE_DATE, ARTICLE_DATE, "01.AI's 7 technical executives at the start are informed by ¶4's count",
           count_events(EventType.DEPARTURE, (ZERO_ONE,), *_D, "departures from 01.AI"), (ZERO_ONE,), _D),
    Target("dep_baichuan", "Departures from Baichuan", "departure events of Baichuan, 2024-01..2025-06", 5, "5",
           Poisson(), "a tally of one firm, named in the press: only chance", "[Article] ¶5", ARTICLE_DATE,
           ARTICLE_DATE, "", count_events(EventType.DEPARTURE, (BAICHUAN,), *_D, "departures from Baichuan"),
           (BAICHUAN,), _D),
    Target("dep_zhipu", "Departures from Zhipu", "departure events of Zhipu, 2024-01..2025-06", 5, "5",
           Poisson(), "a tally of one firm: only chance", "[Article] ¶6", ARTICLE_DATE, ARTICLE_DATE, "",
           count_events(EventType.DEPARTURE, (ZHIPU,), *_D, "departures from Zhipu"), (ZHIPU,), _D),
    Target("dep_six_training", "Departures from the six while training",
           "departure events of the six, 2024-01..2025-06, from a firm whose strategy was 'foundation' the month "
           "before", 10, "about 10: Zhipu 5 and MiniMax, Moonshot and StepFun together about 5 (¶4-¶6), four "
           "firms that trained foundation models throughout (their 2025 releases)",
           TALLY, TALLY_ERROR + "; the departures from 01.AI and Baichuan before their turns are not counted, so "
           "10 is a lower bound, which the error's upward skew (5-24 hold) allows for",
           "[Article] ¶4-¶6, [S-RELEASES-2025]", ARTICLE_DATE, ARTICLE_DATE, "",
           count_events_in_state(EventType.DEPARTURE, SIX, *_D, FOUNDATION, "departures from the six while they "
                                 "trained"), SIX, _D),
    # ----------------------------------------------------------------------- counts: rounds and price cuts
    Target("rounds_six_2024", "Funding rounds of the six in 2024", "funding_round events of the six in 2024", 8,
           "8 (Zhipu 3, Moonshot 2, MiniMax, Baichuan, StepFun 1 each; 01.AI none)", Poisson(),
           "announced rounds are public and dated; a Poisson error covers chance. The model closes at most one "
           "round per round_interval_months, so it cannot split a year's money into as many rounds",
           "[S-FUNDING-2024]", YEAR_2024[1], "2024-12", "",
           count_events(EventType.FUNDING_ROUND, SIX, *YEAR_2024, "rounds of the six"), SIX, YEAR_2024),
    Target("down_rounds_six_2024", "Down rounds of the six in 2024", "funding_round events of the six in 2024 "
           "priced below the firm's last round (down_round)", 1,
           "at most 1: of the six 2024 rounds with a reported valuation, five priced the firm above its last one "
           "(Zhipu 2024-05, MiniMax, Moonshot twice, Baichuan); Zhipu's 2024-12 round, at more than 20 billion RMB "
           "(about 2.8 billion USD) after about 3 billion USD in 2024-05, may have been level or down",
           Poisson(), "two of the eight rounds have no reported valuation and 'more than' figures are lower "
           "bounds: the one ambiguous round is counted down, and a Poisson error covers the rest (0-4 hold)",
           "[S-FUNDING-2024]", YEAR_2024[1], "2024-12", "",
           count_events(EventType.FUNDING_ROUND, SIX, *YEAR_2024, "down rounds of the six", flag="down_round"), SIX,
           YEAR_2024, {"events": ("down_round",)}),
    Target("valuation_six_2024", "Valuations of the six's 2024 rounds", "geometric mean of valuation_usd of the "
           "six's funding_round events in 2024 (USD)", 2.75e9,
           "about 2.75 billion USD (geometric mean of the six reported: Zhipu 3.0 and 2.8, MiniMax 2.5, Moonshot "
           "2.5 and 3.0, Baichuan 2.8 billion USD)", LogNormal(0.3),
           "'more than' figures are lower bounds and the press rounds them: sigma 0.3 (a factor 1.35)",
           "[S-FUNDING-2024]", YEAR_2024[1], "2024-12", "",
           geomean_event_field(EventType.FUNDING_ROUND, "valuation_usd", SIX, *YEAR_2024, "valuation of the six's "
                               "rounds"), SIX, YEAR_2024, {"events": ("valuation_usd",)}),
    Target("rounds_six_h1_2025", "Funding rounds of the six in H1 2025", "funding_round events of the six, "
           "2025-01..2025-06", 3, "3 (Zhipu's state-capital rounds: Hangzhou, Zhuhai, Chengdu)", Poisson(),
           "as for 2024; the three were announced as separate rounds", "[S-FUNDING-2025]", ARTICLE_DATE,
           ARTICLE_DATE, "", count_events(EventType.FUNDING_ROUND, SIX, *H1_2025, "rounds of the six"), SIX, H1_2025),
    Target("price_war_firms", "Firms that cut API prices in the 2024-05 price war",
           "distinct giants and startups of the six with a price_cut event, 2024-05..2024-06", 5,
           "5 (ByteDance, Alibaba, Baidu, Tencent, Zhipu; Baichuan refused, MiniMax gave free tokens)", Poisson(),
           "who cut is on record; chance only", "[S-PRICE-WAR]", "2024-06", "2024-06",
           "DeepSeek-V2's date (2024-05) is an input of the release schedule and the cuts follow the open floor",
           distinct_firms(EventType.PRICE_CUT, PRICE_WAR_GIANTS + SIX, PRICE_WAR_DATE, "2024-06", "firms cut prices"),
           PRICE_WAR_GIANTS, (PRICE_WAR_DATE, "2024-06")),
    Target("foundation_six_2025_06", "The six still training at 2025-06", "how many of the six have strategy "
           "'foundation' at 2025-06", 4, "4: Zhipu, MiniMax, Moonshot and StepFun released new foundation models "
           "in 2025-H1; 01.AI stopped very large pre-training from 2024-05 and Baichuan's base-model releases went "
           "quiet as it turned to medicine", Poisson(),
           "who still trains is judged from releases and statements (Baichuan's quiet is a judgement): a Poisson "
           "error, under which 2-6 of the six hold", "[S-RELEASES-2025], [S-01AI-TURN], [S-BAICHUAN-MED]",
           ARTICLE_DATE, ARTICLE_DATE, "",
           count_in_state(SIX, FOUNDATION, ARTICLE_DATE, "of the six train foundation models"), SIX,
           (ARTICLE_DATE, ARTICLE_DATE)),
    # ----------------------------------------------------------------------- amounts
    Target("funding_six_2024", "Money raised by the six in 2024", "sum of amount_usd of the six's funding_round "
           "events in 2024 (USD)", 3.403e9, "3.4 billion USD (the rounds with amounts: 400 + 412 + 600 + 1000 + "
           "691 + about 300 million)", LogNormal(0.4),
           "announced amounts include tranches and commitments not all paid in the year, two rounds have no "
           "amount, and the market totals disagree (the four best-funded took about 2.1 billion USD, "
           "[S-GENAI-FINANCING]): sigma 0.4", "[S-FUNDING-2024]", YEAR_2024[1], "2024-12", "",
           sum_event_amounts(EventType.FUNDING_ROUND, SIX, *YEAR_2024, "rounds of the six"), SIX, YEAR_2024),
    Target("zhipu_funding_h1_2025", "Zhipu's 2025 state-capital money", "sum of Zhipu's funding_round amounts, "
           "2025-01..2025-06 (USD)", 2.2e8, "about 220 million USD (announced 2025-03)", LogNormal(0.5),
           "the later rounds' amounts were not all disclosed: sigma 0.5", "[S-FUNDING-2025]", ARTICLE_DATE,
           ARTICLE_DATE, "", sum_event_amounts(EventType.FUNDING_ROUND, (ZHIPU,), *H1_2025, "Zhipu's rounds"),
           (ZHIPU,), H1_2025),
    Target("zhipu_revenue_2023", "Zhipu's 2023 revenue", "Zhipu's revenue_usd summed over 2023 (USD)",
           124.5e6 / RMB_PER_USD, "124.5 million RMB (17.3 million USD)", PROSPECTUS, PROSPECTUS_ERROR,
           "[S-ZHIPU-PROSPECTUS]", "2023-12", AFTER, "",
           sum_firm_column(ZHIPU, "revenue_usd", HISTORY_START, "2023-12", "revenue"), (ZHIPU,),
           (HISTORY_START, "2023-12")),
    Target("zhipu_revenue_2024", "Zhipu's 2024 revenue", "Zhipu's revenue_usd summed over 2024 (USD)",
           312.4e6 / RMB_PER_USD, "312.4 million RMB (43.4 million USD)", PROSPECTUS, PROSPECTUS_ERROR,
           "[S-ZHIPU-PROSPECTUS]", YEAR_2024[1], AFTER, "",
           sum_firm_column(ZHIPU, "revenue_usd", *YEAR_2024, "revenue"), (ZHIPU,), YEAR_2024),
    Target("minimax_revenue_2024", "MiniMax's 2024 revenue", "MiniMax's revenue_usd summed over 2024 (USD)",
           30.5e6, "30.5 million USD", PROSPECTUS, PROSPECTUS_ERROR, "[S-MINIMAX-PROSPECTUS]", YEAR_2024[1], AFTER,
           "", sum_firm_column(MINIMAX, "revenue_usd", *YEAR_2024, "revenue"), (MINIMAX,), YEAR_2024),
    Target("minimax_loss_2024", "MiniMax's 2024 loss", "MiniMax's costs_usd less revenue_usd summed over 2024 (USD)",
           465e6, "net loss 465 million USD", LogNormal(0.5),
           "a net loss includes items the model has not (share-based pay, fair-value changes of preferred "
           "shares, interest): sigma 0.5", "[S-MINIMAX-PROSPECTUS]", YEAR_2024[1], AFTER, "",
           sum_firm_column(MINIMAX, "costs_usd", *YEAR_2024, "costs less revenue", minus="revenue_usd"), (MINIMAX,),
           YEAR_2024, {"firms": ("costs_usd",)}),
    Target("zeroone_revenue_2024", "01.AI's 2024 revenue", "01.AI's revenue_usd summed over 2024 (USD)",
           100e6 / RMB_PER_USD, "more than 100 million RMB (13.9 million USD)", LogNormal(0.35),
           "a founder's rounded 'more than' in interviews, not audited: sigma 0.35", "[S-01AI-TURN]", YEAR_2024[1],
           "2025-03", "", sum_firm_column(ZERO_ONE, "revenue_usd", *YEAR_2024, "revenue"), (ZERO_ONE,), YEAR_2024),
    # ----------------------------------------------------------------------- users
    Target("kimi_mau_peak_2024", "Kimi's 2024 peak of users", "Moonshot's largest mau in 2024 (users)", 36e6,
           "about 36 million (2024-10)", USERS, USERS_ERROR, "[S-APP-MAU]", YEAR_2024[1], "2024-11", "",
           peak(MOONSHOT, "mau", *YEAR_2024, "MAU"), (MOONSHOT,), YEAR_2024),
    Target("kimi_peak_month", "Month of Kimi's peak", "the first month of Moonshot's largest mau in "
           "2024-01..2025-06", "2024-10", "2024-10", DateWindow(2),
           "trackers' monthly figures around a flat peak: +/- 2 months", "[S-APP-MAU]", ARTICLE_DATE, "2024-11", "",
           peak(MOONSHOT, "mau", *_D, "MAU", when=True), (MOONSHOT,), _D),
    Target("kimi_mau_2025_01", "Kimi's users, 2025-01", "Moonshot's mau at 2025-01 (users)", 19e6, "19 million",
           USERS, USERS_ERROR, "[S-APP-MAU]", "2025-01", "2025-02", "",
           firm_value(MOONSHOT, "mau", "2025-01", "MAU"), (MOONSHOT,), ("2025-01", "2025-01")),
    Target("doubao_mau_2025_01", "Doubao's users, 2025-01", "ByteDance's mau at 2025-01 (users)", 78.6e6,
           "78.6 million", USERS, USERS_ERROR, "[S-APP-MAU]", "2025-01", "2025-02", "",
           firm_value(BYTEDANCE, "mau", "2025-01", "MAU"), (BYTEDANCE,), ("2025-01", "2025-01")),
    Target("deepseek_mau_2025_03", "DeepSeek's users, 2025-03", "DeepSeek's mau at 2025-03 (users)", 194e6,
           "about 194 million", USERS, USERS_ERROR, "[S-APP-MAU]", "2025-03", "2025-04",
           "", firm_value(DEEPSEEK, "mau", "2025-03", "MAU"), (DEEPSEEK,), ("2025-03", "2025-03")),
    Target("yuanbao_mau_2024_11", "Yuanbao's users, 2024-11", "Tencent's mau at 2024-11 (users)", 1.21e6,
           "1.21 million", USERS, USERS_ERROR, "[S-APP-MAU]", "2024-11", "2024-12", "",
           firm_value(TENCENT, "mau", "2024-11", "MAU"), (TENCENT,), ("2024-11", "2024-11")),
    Target("ai_app_users_2025_02", "Users of all AI apps, 2025-02", "consumer_market_mau at 2025-02 (users)", 240e6,
           "about 240 million", USERS, USERS_ERROR, "[S-APP-MAU]", "2025-02", "2025-03", "",
           model_value("consumer_market_mau", "2025-02", "consumer market"), (), ("2025-02", "2025-02"),
           {"model": ("consumer_market_mau",)}),
    # ----------------------------------------------------------------------- prices
    Target("price_war_ratio", "Depth of the 2024-05 price cuts", "geometric mean over ByteDance, Alibaba, Baidu, "
           "Tencent of api_price_usd_per_mtok at 2024-06 over 2024-04", 0.0256,
           "about 1/40 (Doubao 0.8 vs 120 RMB: 1/150; Qwen-Long 20 -> 0.5 RMB: 1/40; 'more than 90%': <= 1/10)",
           LogNormal(1.0), "list prices of chosen models, not the blended price of all tokens sold; the three "
           "reported cuts span a factor 15: sigma 1.0 (a factor 2.7)", "[S-PRICE-WAR]", "2024-06", "2024-06", "",
           price_ratio(PRICE_WAR_GIANTS, "2024-04", "2024-06"), PRICE_WAR_GIANTS, ("2024-04", "2024-06")),
    Target("deepseek_price_2024_05", "DeepSeek-V2's API price", "DeepSeek's api_price_usd_per_mtok at 2024-05 "
           "(USD per million tokens)", 0.198, "1 RMB in, 2 RMB out per million tokens (0.14 / 0.28 USD; geometric "
           "mean 0.20)", LogNormal(0.35), "one blended price for an unknown mix of input and output tokens: "
           "sigma 0.35 spans 0.14-0.28", "[S-DEEPSEEK-PRICE]", PRICE_WAR_DATE, PRICE_WAR_DATE,
           "open_price_markup is sourced from this price (open labs price near cost)",
           firm_value(DEEPSEEK, "api_price_usd_per_mtok", PRICE_WAR_DATE, "API price", 1.0, " USD/Mtok"), (DEEPSEEK,),
           (PRICE_WAR_DATE, PRICE_WAR_DATE)),
    Target("deepseek_price_2025_01", "DeepSeek-R1's API price", "DeepSeek's api_price_usd_per_mtok at 2025-01 "
           "(USD per million tokens)", 1.11, "4 RMB in (1 on a cache hit), 16 RMB out per million tokens (0.56 / "
           "2.22 USD; geometric mean 1.11)", LogNormal(0.7), "one blended price for an unknown mix of input, cached "
           "and output tokens, for a reasoning model priced above DeepSeek's chat model: sigma 0.7 spans "
           "0.56-2.22", "[S-DEEPSEEK-PRICE]", "2025-01", "2025-01", "",
           firm_value(DEEPSEEK, "api_price_usd_per_mtok", "2025-01", "API price", 1.0, " USD/Mtok"), (DEEPSEEK,),
           ("2025-01", "2025-01")),
    Target("closed_price_decline", "Fall of closed-model prices at constant capability",
           "closed_price_usd_per_mtok (model table, model 3) at 2025-05 over 2024-05", 0.1,
           "about 1/10 a year ([S-LLMFLATION]; [S-EPOCH-PRICES]: 9x-900x, about 40x at GPT-4 level)",
           LogNormal(1.2), "estimates of the yearly fall at constant capability span 9x to 40x and more: "
           "sigma 1.2", "[S-LLMFLATION]", "2025-05", "2024-12",
           "serving_cost_decline_per_year is set from the same 10x a year",
           column_ratio("model", "closed_price_usd_per_mtok", PRICE_WAR_DATE, "2025-05", what="closed price index"), (),
           (PRICE_WAR_DATE, "2025-05"), {"model": ("closed_price_usd_per_mtok",)}),
    Target("doubao_tokens_growth", "Growth of Doubao's tokens served", "ByteDance's tokens_mtok (firms "
           "table, model 3) at 2025-05 over 2024-12", 4.1, "x4.1 (4 to 16.4 trillion tokens a day)",
           LogNormal(0.3), "two company announcements of daily averages ('more than'): sigma 0.3",
           "[S-DOUBAO-TOKENS]", "2025-05", ARTICLE_DATE, "",
           column_ratio("firms", "tokens_mtok", "2024-12", "2025-05", BYTEDANCE, "Doubao tokens served"),
           (BYTEDANCE,), ("2024-12", "2025-05"), {"firms": ("tokens_mtok",)}),
    # ----------------------------------------------------------------------- dates
    Target("zerone_turn_date", "01.AI stops training foundation models", "first month 01.AI is not 'foundation', "
           "2023-01..2025-06", "2024-09", "2024-05 (decision) to 2025-01 (joint lab): centre 2024-09",
           DateWindow(4), "the founder dates the decision 2024-05, the move of the teams and the joint lab follow "
           "by 2025-01: +/- 4 months", "[S-01AI-TURN]", ARTICLE_DATE, "2025-03", "",
           first_turn(ZERO_ONE, HISTORY_START, ARTICLE_DATE), (ZERO_ONE,), (HISTORY_START, ARTICLE_DATE)),
    Target("baichuan_turn_date", "Baichuan turns to medicine", "first month Baichuan is not 'foundation', "
           "2023-01..2025-06", "2025-01", "2024-08 (paediatric partnership) to 2025 (medical mission): centre 2025-01",
           DateWindow(5), "a gradual turn, dated only by a partnership and a year: +/- 5 months",
           "[S-BAICHUAN-MED]", ARTICLE_DATE, ARTICLE_DATE, "",
           first_turn(BAICHUAN, HISTORY_START, ARTICLE_DATE), (BAICHUAN,), (HISTORY_START, ARTICLE_DATE)),
    Target("zhipu_ipo_date", "Zhipu starts its IPO process", "month of Zhipu's first ipo event of stage 'filing', "
           "2023-01..2025-06", "2025-04", "2025-04 (tutoring filing with the Beijing regulator)", DateWindow(2),
           "a dated filing; the model's quarterly reviews and three-month fundraising blur it: +/- 2 months",
           "[S-FUNDING-2025]", ARTICLE_DATE, "2025-04", "",
           first_event(EventType.IPO, ZHIPU, HISTORY_START, ARTICLE_DATE, "starts an IPO process", IPO_FILING),
           (ZHIPU,), (HISTORY_START, ARTICLE_DATE)),
)

#: Targets measured *built in* for the current model (``python -m sim informative``, docs/targets.md): they hold
#: everywhere, so they are no evidence; the hold-out lists them as 'none'. (Model 3.6: ``zhipu_revenue_2023`` now
#: fails at one corner of the priors, so it is informative; the hold-out keeps it 'none' as registered. Model 3.8:
#: ``deepseek_price_2024_05`` holds at every corner and with the open source off again. Model 3.9: it fails with
#: the open source off, so it is informative again; the hold-out keeps it 'none' as registered.)
BUILT_IN = ("doubao_mau_2025_01",)
#: The targets by id.
TARGET_BY_ID: dict[str, Target] = {t.id: t for t in TARGETS}
#: Columns the targets read beyond the patterns' (they skip, with this reason, when the results lack them).
OPTIONAL_COLUMNS: dict[str, tuple[str, ...]] = {
    table: tuple(sorted({c for t in TARGETS for c in t.needs.get(table, ())}))
    for table in ("model", "firms", "events")}


# ---------------------------------------------------------------------------------------------- entry points
def evaluate_targets_tables(model: dict[str, list[Any]], firms: dict[str, list[Any]], events: dict[str, list[Any]],
                            targets: tuple[Target, ...] = TARGETS) -> list[TargetResult]:
    """Every target on one seed's tables (column dicts), in declaration order."""
    run = RunTables(model, firms, events)
    return [t(run) for t in targets]


def evaluate_targets(run: RunResult) -> list[TargetResult]:
    """Every target on one seed's :class:`sim.results.RunResult`."""
    return evaluate_targets_tables(run.model, run.firms, run.events)


def _round(x: float | None, digits: int = 4) -> float | None:
    return None if x is None else round(float(x), digits)


def target_card(per_seed: list[list[TargetResult]]) -> dict[str, Any]:
    """Summary over seeds: ``{"seeds": N, "targets": [{"id", "name", "status", "hold_rate", "mean_loglik",
    "median_distance", "median_statistic", "observed", "model", "source", "input", "built_in",
    "detail"}, ...]}``.

    ``status`` is ``ok`` when the target was scored in every seed, else the first other status
    (``skipped``, ``not_applicable``) with its ``detail``; rates and means are over scored seeds.
    """
    rows = []
    for t in TARGETS:
        rs = [r for results in per_seed for r in results if r.id == t.id]
        ok = [r for r in rs if r.status == Status.OK]
        other = next((r for r in rs if r.status != Status.OK), None)
        stats = [r.statistic for r in ok if r.statistic is not None]
        if stats and all(isinstance(s, str) for s in stats):
            med_stat: Any = sorted(stats)[len(stats) // 2]
        else:
            nums = [s for s in stats if _finite(s)]
            med_stat = _round(statistics.median(nums), 6) if nums else None
        rows.append({
            "id": t.id, "name": t.name,
            "status": Status.OK if rs and other is None else (other.status if other else Status.SKIPPED),
            "hold_rate": round(sum(r.holds for r in ok) / len(ok), 4) if ok else None,
            "mean_loglik": _round(statistics.fmean(r.loglik for r in ok)) if ok else None,
            "median_distance": _round(statistics.median(r.distance for r in ok)) if ok else None,
            "median_statistic": med_stat, "observed": t.observed, "model": t.model.describe(),
            "source": t.source, "input": bool(t.input), "built_in": t.id in BUILT_IN,
            "detail": other.detail if other else "",
        })
    return {"seeds": len(per_seed), "targets": rows}


def format_target_card(card: dict[str, Any]) -> str:
    """The target summary as a fixed-width table."""
    rows = card["targets"]
    width = max([len(r["id"]) for r in rows] + [2])
    lines = [f"{'target':<{width}} {'hold rate':>9} {'median d':>8} {'mean loglik':>11}  median statistic / observed"]
    for r in rows:
        if r["status"] != Status.OK:
            lines.append(f"{r['id']:<{width}} {r['detail']}")
            continue
        flag = ("  [input]" if r["input"] else "") + ("  [built-in]" if r["built_in"] else "")
        lines.append(f"{r['id']:<{width}} {r['hold_rate']:>9.2f} {r['median_distance']:>8.2f} "
                     f"{r['mean_loglik']:>11.2f}  {_show(r['median_statistic'])} / {_show(r['observed'])}{flag}")
    return "\n".join(lines)


def _show(x: Any) -> str:
    if isinstance(x, str) or x is None:
        return str(x)
    return f"{x:.3g}"

