"""Patterns T1-T17: the article's facts as named, testable functions of one simulated run.

Each pattern turns one calibration target (evidence: the paragraphs ¶ of [Article] in
``docs/sources.md``) into a check of one seed's tables. It answers with a
:class:`PatternResult`: whether the pattern holds, a *distance* (0 when it holds, growing with
how far the run misses, for calibration to minimise) and a readable detail. The full table of
operationalisations, tolerances and their reasons is ``docs/patterns.md``; each pattern's
docstring below says the same for that pattern.

Conventions shared by every pattern:

* **Time.** Dates are ``YYYY-MM``; "by 2025-06" means rows dated ``<= "2025-06"``. The article
  was written in June 2025, so a *history* pattern reads nothing after 2025-06 (:data:`HISTORY_END`);
  only T14 (whole run), T16 (the market's room to grow) and T17 (the projected end state) read
  the projection.
* **Departures** of the article's count (T1-T5) are ``departure`` events of the six in
  2024-01..2025-06 (¶3: "since 2024 at least 22"). The per-firm figures of ¶4-¶6 add up to the
  22 (7 + 5 + 5 + about 5), so they use the same window. Executives released when their firm
  exits are not departures.
* **Distance.** A pattern is a list of sub-conditions. A numeric sub-condition with target
  range ``[a, b]`` misses by ``max(0, a - x) / a + max(0, x - b) / b`` (a relative miss); a
  yes/no sub-condition misses by 1. The pattern's distance is the *sum* over its sub-conditions
  (so calibration sees progress on each), and a failed sub-condition counts at least
  :data:`MIN_MISS`, so ``distance == 0`` exactly when the pattern holds.
* **Not applicable.** A pattern about named firms fails with distance 1 and detail
  ``"not applicable: firm X absent"`` when the run has no such firm (e.g. a generic
  population), and with ``"not applicable: run covers ..."`` when the run's months do not span
  the pattern's window; ``PatternResult.applicable`` says which (:class:`Applicability`). It
  never raises.

Use :func:`evaluate` (a :class:`sim.results.RunResult`) or :func:`evaluate_tables` (column
dicts of one seed), and :func:`scorecard` over seeds.
"""

from __future__ import annotations

import enum
import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .calendar import format_month, parse_month
from .facts import (
    ARTICLE_DATE,
    B2B_YEAR_START,
    BAICHUAN,
    CONSUMER_LEADERS,
    DEEPSEEK,
    DEPARTURES_RANGE,
    DEPARTURES_START,
    FIRST_ABANDONMENT_WINDOW,
    H1_2025,
    HISTORY_START,
    KIMI_GAP_RANGE,
    MINIMAX,
    MOONSHOT,
    PRICE_WAR_DATE,
    PROJECTION_DATE,
    SEATS_AT_PROJECTION,
    SIX,
    STEPFUN,
    YEAR_2024,
    ZERO_ONE,
    ZHIPU,
)
from .outputs import IPO_FILING, IPO_LISTING, EventType

if TYPE_CHECKING:
    from .results import RunResult

#: Last month of history: the article was written in June 2025.
HISTORY_END = ARTICLE_DATE
#: The patterns that read months after :data:`HISTORY_END` (the projection); every other reads history only.
READS_PROJECTION = ("T14", "T16", "T17")
#: Patterns measured *built in* for the current model: they hold in every seed of the scenario, at every corner
#: of the calibration priors and with their own mechanisms switched off (``python -m sim informative``,
#: docs/targets.md), so their holding is no evidence. The scorecard reports them apart and does not count them.
#: Model 3: none (model 2's were T13 and T14: its capped run budget and its DeepSeek pricing rule forced them).
BUILT_IN: tuple[str, ...] = ()
#: Smallest distance of a failed sub-condition, so that distance 0 means "holds".
MIN_MISS = 0.01

FOUNDATION, VERTICAL, INTEGRATOR, EXITED = "foundation", "vertical", "integrator", "exited"
PIVOTED = (VERTICAL, INTEGRATOR)

#: Columns the patterns read, per table.
REQUIRED_COLUMNS = {
    "model": ("date", "vc_sentiment", "outside_appeal", "enterprise_market_usd"),
    "firms": ("date", "firm", "kind", "strategy", "mau", "revenue_usd", "revenue_enterprise_usd",
              "revenue_vertical_usd", "api_price_usd_per_mtok", "executives", "executives_technical"),
    "events": ("date", "firm", "type", "amount_usd", "role", "destination", "detail", "partner", "stage"),
}


# ---------------------------------------------------------------------------------------------- results
class Applicability(enum.StrEnum):
    """Whether a pattern could be judged in a run (``PatternResult.applicable``): readers use this, never
    the words of ``detail``."""

    APPLICABLE = "applicable"
    FIRM_ABSENT = "firm_absent"  # the run has no firm the pattern names (e.g. a generic population)
    OUTSIDE_WINDOW = "outside_window"  # the run's months do not span the pattern's window (yet)


@dataclass(frozen=True)
class PatternResult:
    """How one pattern fares in one seed.

    ``distance`` is 0 when the pattern holds and grows with the (relative) miss; ``detail``
    says what the run did against the target, e.g. ``"24 departures (target 22-33)"``.
    """

    id: str
    name: str
    passed: bool
    distance: float
    detail: str
    applicable: Applicability = Applicability.APPLICABLE


@dataclass(frozen=True)
class Check:
    """One sub-condition of a pattern: holds?, its distance, and a readable account."""

    ok: bool
    distance: float
    text: str


def check(ok: bool, distance: float, text: str) -> Check:
    """A sub-condition; a held one has distance 0, a failed one at least :data:`MIN_MISS`."""
    if ok:
        return Check(True, 0.0, text)
    d = distance if isinstance(distance, (int, float)) and math.isfinite(distance) else 1.0
    return Check(False, max(float(d), MIN_MISS), text + " (miss)")


def range_miss(x: float, lo: float | None, hi: float | None) -> float:
    """Relative miss of ``x`` from ``[lo, hi]``: ``max(0, lo-x)/lo + max(0, x-hi)/hi``; 1 if ``x`` is not finite."""
    if x is None or not math.isfinite(x):
        return 1.0
    d = 0.0
    if lo is not None and x < lo:
        d += (lo - x) / abs(lo) if lo else 1.0
    if hi is not None and x > hi:
        d += (x - hi) / abs(hi) if hi else 1.0
    return d


def in_range(x: float, lo: float | None, hi: float | None, text: str) -> Check:
    """Sub-condition ``lo <= x <= hi`` (either bound may be None)."""
    ok = x is not None and math.isfinite(x) and (lo is None or x >= lo) and (hi is None or x <= hi)
    return check(ok, range_miss(x, lo, hi), text)


def flag(ok: bool, text: str) -> Check:
    """A yes/no sub-condition: misses by 1."""
    return check(ok, 1.0, text)


def _finite(x: Any) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(x)


def _months(a: str, b: str) -> int:
    """Months from ``a`` to ``b`` (``b - a``)."""
    return parse_month(b) - parse_month(a)


# ---------------------------------------------------------------------------------------------- one seed's tables
class RunTables:
    """Read access to one seed's three tables (column dicts), indexed by firm and date."""

    def __init__(self, model: dict[str, list[Any]], firms: dict[str, list[Any]], events: dict[str, list[Any]]) -> None:
        for name, table in (("model", model), ("firms", firms), ("events", events)):
            missing = [c for c in REQUIRED_COLUMNS[name] if c not in table]
            if missing:
                raise ValueError(f"{name} table lacks column(s) {', '.join(missing)}")
            seeds = set(table.get("seed", ()))
            if len(seeds) > 1:
                raise ValueError(f"{name} table holds {len(seeds)} seeds; evaluate one seed at a time "
                                 "(see sim.patterns.split_seeds)")
        self.model, self.firms, self.events = model, firms, events
        self._model_row = {d: i for i, d in enumerate(model["date"])}
        self._firm_row: dict[str, dict[str, int]] = {}
        for i, (f, d) in enumerate(zip(firms["firm"], firms["date"], strict=True)):
            self._firm_row.setdefault(f, {})[d] = i
        self.dates = sorted(set(model["date"]) | set(firms["date"]))
        cols = tuple(events)  # every column the table holds: a target may read one beyond REQUIRED_COLUMNS
        self._events = [{c: events[c][i] for c in cols} for i in range(len(events["type"]))]

    # -- coverage
    @property
    def first(self) -> str | None:
        return self.dates[0] if self.dates else None

    @property
    def last(self) -> str | None:
        return self.dates[-1] if self.dates else None

    def covers(self, start: str, end: str) -> bool:
        """True if the run's months span ``start..end``."""
        return bool(self.dates) and self.dates[0] <= start and self.dates[-1] >= end

    def has_firm(self, name: str) -> bool:
        return name in self._firm_row

    # -- firms
    def value(self, firm: str, column: str, date: str) -> Any:
        """``column`` of ``firm`` at ``date``, or None if there is no such row."""
        i = self._firm_row.get(firm, {}).get(date)
        return None if i is None else self.firms[column][i]

    def series(self, firm: str, column: str, start: str | None = None, end: str | None = None) -> list[tuple[str, Any]]:
        """``[(date, value)]`` of ``firm``'s ``column`` in ``start..end`` (inclusive), by date."""
        rows = self._firm_row.get(firm, {})
        return [(d, self.firms[column][rows[d]]) for d in sorted(rows)
                if (start is None or d >= start) and (end is None or d <= end)]

    def firms_of_kind(self, kind: str) -> list[str]:
        return sorted({f for f, k in zip(self.firms["firm"], self.firms["kind"], strict=True) if k == kind})

    def first_date(self, firm: str, column: str, values: tuple[str, ...], end: str | None = None) -> str | None:
        """First date (up to ``end``) on which ``firm``'s ``column`` takes one of ``values``."""
        for d, v in self.series(firm, column, None, end):
            if v in values:
                return d
        return None

    # -- model
    def model_values(self, column: str, start: str, end: str) -> list[float]:
        return [self.model[column][i] for d, i in sorted(self._model_row.items()) if start <= d <= end]

    def model_value(self, column: str, date: str) -> Any:
        i = self._model_row.get(date)
        return None if i is None else self.model[column][i]

    # -- events
    def select(self, type_: str, firms: tuple[str, ...] | list[str] | None = None, start: str | None = None,
               end: str | None = None) -> list[dict[str, Any]]:
        """Events of ``type_`` by ``firms`` (all if None) dated in ``start..end`` (inclusive)."""
        return [e for e in self._events if e["type"] == type_ and (firms is None or e["firm"] in firms)
                and (start is None or e["date"] >= start) and (end is None or e["date"] <= end)]


# ---------------------------------------------------------------------------------------------- patterns
@dataclass(frozen=True)
class Pattern:
    """A named pattern: metadata for reports plus the function that checks one seed.

    ``firms`` must all be present and the run must span ``covers`` (start, end), else the
    pattern is not applicable (fails, distance 1). ``given`` says whether the named firm's
    outcome emerges from its starting position or is partly given by inputs.
    """

    id: str
    name: str
    window: str
    tolerance: str
    evidence: str
    given: str
    firms: tuple[str, ...]
    covers: tuple[str, str] | None
    check: Callable[[RunTables], list[Check]] = field(repr=False)

    @property
    def doc(self) -> str:
        """The check's docstring: operationalisation and why the tolerance."""
        return (self.check.__doc__ or "").strip()

    def __call__(self, run: RunTables) -> PatternResult:
        for f in self.firms:
            if not run.has_firm(f):
                return PatternResult(self.id, self.name, False, 1.0, f"not applicable: firm {f} absent",
                                     Applicability.FIRM_ABSENT)
        if self.covers is not None and not run.covers(*self.covers):
            span = f"{run.first}..{run.last}" if run.dates else "no months"
            return PatternResult(self.id, self.name, False, 1.0,
                                 f"not applicable: run covers {span}, pattern needs {self.covers[0]}..{self.covers[1]}",
                                 Applicability.OUTSIDE_WINDOW)
        checks = self.check(run)
        passed = all(c.ok for c in checks)
        distance = float(sum(c.distance for c in checks))
        return PatternResult(self.id, self.name, passed, 0.0 if passed else distance, "; ".join(c.text for c in checks))


_REGISTRY: list[Pattern] = []


def pattern(id: str, name: str, *, window: str, tolerance: str, evidence: str, given: str,
            firms: tuple[str, ...] = SIX, covers: tuple[str, str] | None = None
            ) -> Callable[[Callable[[RunTables], list[Check]]], Callable[[RunTables], list[Check]]]:
    """Register the decorated check function as pattern ``id``."""
    def deco(fn: Callable[[RunTables], list[Check]]) -> Callable[[RunTables], list[Check]]:
        _REGISTRY.append(Pattern(id, name, window, tolerance, evidence, given, tuple(firms), covers, fn))
        return fn
    return deco


def _departures(run: RunTables, firms: tuple[str, ...] | list[str], start: str = DEPARTURES_START,
                end: str = HISTORY_END) -> list[dict[str, Any]]:
    return run.select(EventType.DEPARTURE, firms, start, end)


@pattern("T1", "Core-executive departures from the six", window="2024-01..2025-06",
         tolerance="22-33 departures", evidence="¶3",
         given="emergent (talent hazard; no departure is scripted)", covers=(DEPARTURES_START, HISTORY_END))
def t1_departures(run: RunTables) -> list[Check]:
    """Departure events of the six dated 2024-01..2025-06 number 22-33.

    ¶3 says "at least 22", a lower bound of publicly reported core-executive departures. The
    upper bound 33 (1.5 x 22) allows for departures the press did not count, but a run with,
    say, 60 has lost the six's leadership wholesale, which is not the article's history.
    """
    n = len(_departures(run, SIX))
    lo, hi = DEPARTURES_RANGE
    return [in_range(n, lo, hi, f"{n} departures from the six 2024-01..2025-06 (target {lo}-{hi})")]


@pattern("T2", "Departures accelerate in H1 2025", window="2025-01..2025-06 vs 2024-01..2024-12",
         tolerance="rate ratio 1.5-4.0", evidence="¶3", given="emergent",
         covers=(DEPARTURES_START, HISTORY_END))
def t2_acceleration(run: RunTables) -> list[Check]:
    """Monthly departure rate of the six in H1 2025 over that of 2024 lies in 1.5-4.0.

    The article's 12 in H1 2025 and 10 in 2024 give (12/6)/(10/12) = 2.4. With counts this
    small the ratio is noisy (Poisson: relative s.d. about sqrt(1/12 + 1/10) = 0.43), so the
    tolerance is a factor 1.6 either side of 2.4 on a log scale: [1.5, 4.0]. No 2024
    departures leaves the ratio undefined: a miss of 1.
    """
    n24 = len(_departures(run, SIX, *YEAR_2024))
    n25 = len(_departures(run, SIX, *H1_2025))
    if n24 == 0:
        return [flag(False, f"no departures in 2024 and {n25} in H1 2025: ratio undefined (target 1.5-4.0)")]
    r24, r25 = n24 / 12.0, n25 / 6.0
    ratio = r25 / r24
    return [in_range(ratio, 1.5, 4.0, f"{r25:.2f}/month in H1 2025 ({n25}) vs {r24:.2f}/month in 2024 ({n24}): "
                                      f"ratio {ratio:.2f} (target 1.5-4.0)")]


@pattern("T3", "01.AI loses the most executives, mostly technical", window="2024-01..2025-06 (state at 2025-06)",
         tolerance="most of the six (ties allowed); 5-9 departures; >= 60% technical; 0 technical and >= 1 "
                   "commercial executive in post at 2025-06", evidence="¶4",
         given="partly given: 01.AI starts with the most technical executives (7, an assumption informed by ¶4) "
               "and Alibaba as investor ([S-FUNDING-2023]), which favours an early integrator pivot; the count and "
               "the shedding are emergent", covers=(DEPARTURES_START, HISTORY_END))
def t3_01ai(run: RunTables) -> list[Check]:
    """01.AI: most departures of the six, 5-9 of them, mostly technical, no technical leader left.

    * 01.AI's departures 2024-01..2025-06 are at least every other firm's (ties allowed: the
      article ranks it first, but a tie with Baichuan's or Zhipu's 5 is within counting noise).
    * 5-9 departures: the article's 7, +-2 (about one Poisson s.d. of a count of 7).
    * At least 60% technical: the article has 5 of 7 (71%); 60% is a clear majority at these
      counts (3 of 5, 4 of 6, 5 of 8).
    * At 2025-06 no technical executive is in post (``executives_technical == 0``) and at
      least one commercial one is: "only Qi Ruifeng (commercial) and Huang Huiwen (brand
      marketing) remain". This also rules out 01.AI having exited by then.
    """
    counts = {f: len(_departures(run, (f,))) for f in SIX}
    mine = _departures(run, (ZERO_ONE,))
    n = len(mine)
    top_other = max(v for f, v in counts.items() if f != ZERO_ONE)
    checks = [
        check(n >= top_other, (top_other - n) / max(top_other, 1),
              f"01.AI {n} departures vs most of the others {top_other} (target: the most)"),
        in_range(n, 5, 9, f"01.AI {n} departures 2024-01..2025-06 (target 5-9)"),
    ]
    tech = sum(1 for e in mine if e["role"] == "technical")
    share = tech / n if n else float("nan")
    checks.append(check(n > 0 and share >= 0.6, 1.0 if n == 0 else (0.6 - share) / 0.6,
                        f"{tech} of {n} technical (target >= 60%)"))
    tech_left = run.value(ZERO_ONE, "executives_technical", HISTORY_END)
    all_left = run.value(ZERO_ONE, "executives", HISTORY_END)
    start = run.series(ZERO_ONE, "executives_technical")
    tech0 = start[0][1] if start else 0
    if tech_left is None or all_left is None:
        checks.append(flag(False, "01.AI has no row at 2025-06"))
    else:
        checks.append(check(tech_left == 0, tech_left / max(tech0, 1),
                            f"{tech_left} technical executives in post at 2025-06 (target 0)"))
        comm = all_left - tech_left
        checks.append(flag(comm >= 1, f"{comm} commercial executives in post at 2025-06 (target >= 1)"))
    return checks


@pattern("T4", "Baichuan and Zhipu lose about five each, the rest five",
         window="2024-01..2025-06", tolerance="Baichuan 3-7, Zhipu 3-7, MiniMax+Moonshot+StepFun 2-9",
         evidence="¶5, ¶6", given="emergent", covers=(DEPARTURES_START, HISTORY_END))
def t4_others(run: RunTables) -> list[Check]:
    """Baichuan and Zhipu each have 3-7 departures 2024-01..2025-06; the other three 2-9 together.

    The article's 5 and 5 get +-2 (about one Poisson s.d. of a count of 5). The other three's
    "about 5" is a residual (22 - 7 - 5 - 5) of a lower bound, so it gets more room upwards:
    2-9.
    """
    rest = (MINIMAX, MOONSHOT, STEPFUN)
    nb, nz = len(_departures(run, (BAICHUAN,))), len(_departures(run, (ZHIPU,)))
    nr = len(_departures(run, rest))
    return [in_range(nb, 3, 7, f"Baichuan {nb} (target 3-7)"), in_range(nz, 3, 7, f"Zhipu {nz} (target 3-7)"),
            in_range(nr, 2, 9, f"MiniMax+Moonshot+StepFun {nr} (target 2-9)")]


@pattern("T5", "Departed executives join giants or found focused startups", window="2024-01..2025-06",
         tolerance="each destination at least once", evidence="¶3, ¶5", given="emergent",
         covers=(DEPARTURES_START, HISTORY_END))
def t5_destinations(run: RunTables) -> list[Check]:
    """Among the six's departures 2024-01..2025-06, at least one goes to a giant
    (``giant:<name>``) and at least one founds a venture (``founded:<niche>``).

    The article names both (¶3) without shares, so only presence is tested. The targets'
    window "2024-2025" is read up to the article's date, 2025-06.
    """
    dests = [e["destination"] or "" for e in _departures(run, SIX)]
    giant = sum(1 for d in dests if d.startswith("giant:"))
    founded = [d.split(":", 1)[1] for d in dests if d.startswith("founded:")]
    niches = ", ".join(sorted(set(founded))) or "none"
    return [flag(giant > 0, f"{giant} to giants (target >= 1)"),
            flag(bool(founded), f"{len(founded)} founded ventures ({niches}) (target >= 1)")]


def _pivot_month(run: RunTables, firm: str, end: str = HISTORY_END) -> str | None:
    return run.first_date(firm, "strategy", PIVOTED, end)


@pattern("T6", "Firms stop training; departures follow the turn",
         window="by 2025-06 (rates from the run's start to 2025-06)",
         tolerance="01.AI an integrator and Baichuan pivoted at 2025-06; pooled technical departure rate after "
                   "pivots > before", evidence="¶4, ¶10",
         given="partly given: 01.AI's cloud partner (Alibaba, investor, [S-FUNDING-2023]) and Baichuan's medicine "
               "affinity are inputs; whether and when they pivot, and the shedding after, are emergent",
         covers=(DEPARTURES_START, HISTORY_END))
def t6_turn(run: RunTables) -> list[Check]:
    """01.AI and Baichuan stopped training by 2025-06, 01.AI as an integrator; departures follow pivots.

    * 01.AI and Baichuan are alive and not 'foundation' at 2025-06 (they gave up training but
      kept operating: Baichuan turned to medicine, 01.AI to its Wanzhi platform).
    * 01.AI became an integrator: its strategy is 'integrator' at 2025-06, or its pivot event
      names a cloud partner ("... with Alibaba cloud"; ¶4's joint lab with Alibaba Cloud).
    * Departures follow the turn: pooled over the six that pivoted by 2025-06, technical
      departures per firm-month *after* the pivot month (to 2025-06 or the firm's exit) exceed
      those from the run's start up to and including the pivot month. (In the model, the
      month's talent decisions precede its strategy review, so the pivot month's departures
      come before the turn.) Strictly greater: the article says a firm that stops pre-training
      "no longer needs" its technical team. Miss: relative shortfall of the after-rate.
    """
    checks = []
    for firm in (ZERO_ONE, BAICHUAN):
        s = run.value(firm, "strategy", HISTORY_END)
        checks.append(flag(s in PIVOTED, f"{firm} is {s or 'missing'} at 2025-06 (target vertical or integrator)"))
    s01 = run.value(ZERO_ONE, "strategy", HISTORY_END)
    cloud = [e["detail"] for e in run.select(EventType.PIVOT, (ZERO_ONE,), None, HISTORY_END) if e["partner"]]
    checks.append(flag(s01 == INTEGRATOR or bool(cloud),
                       f"01.AI integrator: strategy {s01}" + (f", pivot '{cloud[0]}'" if cloud else "")
                       + " (target integrator or a cloud partner)"))
    before_n = before_m = after_n = after_m = 0
    for firm in SIX:
        piv = _pivot_month(run, firm)
        if piv is None:
            continue
        start = run.series(firm, "strategy")[0][0]
        exit_ = run.first_date(firm, "strategy", (EXITED,), HISTORY_END)
        stop = exit_ or HISTORY_END
        tech = [e["date"] for e in run.select(EventType.DEPARTURE, (firm,), None, stop) if e["role"] == "technical"]
        before_n += sum(1 for d in tech if d <= piv)
        before_m += _months(start, piv) + 1
        after_n += sum(1 for d in tech if d > piv)
        after_m += max(0, _months(piv, stop))
    if after_m == 0:
        checks.append(flag(False, "no firm-months after a pivot by 2025-06: departures cannot follow the turn"))
        return checks
    rb = before_n / before_m if before_m else 0.0
    ra = after_n / after_m
    miss = (rb - ra) / rb if rb > 0 else 1.0
    checks.append(check(ra > rb, miss, f"technical departures {ra:.3f}/firm-month after pivots ({after_n} in "
                                      f"{after_m}) vs {rb:.3f} before ({before_n} in {before_m}) "
                                      "(target after > before)"))
    return checks


@pattern("T7", "The first firm gives up training before DeepSeek V3/R1", window="2024-06..2025-01",
         tolerance="first pivot of the six dated 2024-06..2025-01; miss in years outside the window",
         evidence="¶9", given="emergent (the open-weight schedule is an input, the decision is not)",
         covers=FIRST_ABANDONMENT_WINDOW)
def t7_first_abandonment(run: RunTables) -> list[Check]:
    """The first month any of the six is 'vertical' or 'integrator' falls in 2024-06..2025-01.

    ¶9: some firms gave up training once DeepSeek V2.5 and Qwen-70B-class open models were out
    (from 2024-05/06, V2.5 in 2024-09) and before V3/R1 (2024-12/2025-01). The window opens at
    2024-06 rather than 2024-09 because Qwen2-72B (2024-06) already reached that parity. An
    exit is not counted: the firms of ¶9 gave up training and carried on. Miss: months outside
    the window / 12; if no firm ever pivots, the first pivot counts as one month after the
    run's end.
    """
    firsts = [d for d in (run.first_date(f, "strategy", PIVOTED) for f in SIX) if d is not None]
    if firsts:
        first = min(firsts)
        who = [f for f in SIX if run.first_date(f, "strategy", PIVOTED) == first]
        text = f"first abandonment {first} by {', '.join(who)} (target 2024-06..2025-01)"
    else:
        first = format_month(parse_month(run.last) + 1)
        text = f"none of the six gives up training by {run.last} (target first in 2024-06..2025-01)"
    opens, closes = FIRST_ABANDONMENT_WINDOW
    early, late = max(0, _months(first, opens)), max(0, _months(closes, first))
    return [check(early == 0 and late == 0, (early + late) / 12.0, text)]


@pattern("T8", "Two survival pivots: vertical and integrator", window="state at 2025-06",
         tolerance="at least one vertical and one integrator among the six", evidence="¶10, ¶15",
         given="emergent (which firm goes where is helped by inputs: Baichuan's medicine affinity, "
               "giants' stakes)", covers=(HISTORY_END, HISTORY_END))
def t8_two_pivots(run: RunTables) -> list[Check]:
    """At 2025-06 at least one of the six is 'vertical' and at least one is 'integrator'.

    The article has exactly one of each (Baichuan to medicine, 01.AI's platform); "at least"
    because further pivots by 2025-06 are not contradicted by it (the others' strategies are
    not reported). Each missing kind misses by 1.
    """
    states = {f: run.value(f, "strategy", HISTORY_END) for f in SIX}
    vert = [f for f, s in states.items() if s == VERTICAL]
    integ = [f for f, s in states.items() if s == INTEGRATOR]
    return [flag(bool(vert), f"vertical: {', '.join(vert) or 'none'}"),
            flag(bool(integ), f"integrator: {', '.join(integ) or 'none'}")]


@pattern("T9", "A firm cuts a side product to concentrate resources", window="by 2025-06",
         tolerance="at least one product_cut by the six", evidence="¶11",
         given="partly given: only firms given side products in the inputs (StepFun's companion app in the "
               "baseline) can cut one; when they do is emergent (runway)", covers=(HISTORY_END, HISTORY_END))
def t9_product_cut(run: RunTables) -> list[Check]:
    """At least one ``product_cut`` event by the six dated up to 2025-06.

    ¶11 reports one (StepFun closing Maopaoya); a single cut suffices, no upper bound because
    other cuts are not contradicted by the article.
    """
    cuts = run.select(EventType.PRODUCT_CUT, SIX, None, HISTORY_END)
    text = ", ".join(f"{e['firm']} {e['date']}" for e in cuts) or "none"
    return [flag(bool(cuts), f"{len(cuts)} product cuts by 2025-06 ({text}) (target >= 1)")]


def _listed(e: dict[str, Any]) -> bool:
    return e["type"] == EventType.IPO and e["stage"] == IPO_LISTING


@pattern("T10", "Only Zhipu raises in 2025, and it starts an IPO", window="2025-01..2025-06",
         tolerance="exactly one of the six raises (a round or a listing), it is Zhipu; Zhipu started an IPO "
                   "by 2025-06 and has not listed", evidence="¶6",
         given="emergent from Zhipu's starting position (enterprise focus, sales capacity, funding; "
               "[S-FUNDING-2023]); the IPO trigger is a revenue threshold (input)", covers=H1_2025)
def t10_zhipu_raises(run: RunTables) -> list[Check]:
    """Exactly one of the six raises money in 2025-01..2025-06, it is Zhipu, and Zhipu is in an IPO process.

    * Raising money = a ``funding_round`` event, or an ``ipo`` event that lists the shares
      (a listing raises money too). The number of firms raising is 1 (range [1, 1]:
      "the only one of the six to raise money this year"), and Zhipu is among them (miss 1).
    * Zhipu has an ``ipo`` event "starts IPO process" dated by 2025-06 and no listing by then
      (¶6: it has *started* the process). Miss 1.
    """
    events = run.select(EventType.FUNDING_ROUND, SIX, *H1_2025)
    events += [e for e in run.select(EventType.IPO, SIX, *H1_2025) if _listed(e)]
    raisers = sorted({e["firm"] for e in events}, key=SIX.index)
    n = len(raisers)
    ipo = run.select(EventType.IPO, (ZHIPU,), None, HISTORY_END)
    started = [e["date"] for e in ipo if e["stage"] == IPO_FILING]
    listed = [e["date"] for e in ipo if _listed(e)]
    return [
        in_range(n, 1, 1, f"{n} of the six raise in H1 2025 ({', '.join(raisers) or 'none'}) (target exactly 1)"),
        flag(ZHIPU in raisers, f"Zhipu {'raises' if ZHIPU in raisers else 'does not raise'} in H1 2025"),
        flag(bool(started) and not listed,
             f"Zhipu IPO started {started[0] if started else 'never'}" + (f", listed {listed[0]}" if listed else "")
             + " (target: started by 2025-06, not yet listed)"),
    ]


@pattern("T11", "Zhipu is the commercial leader", window="calendar 2024",
         tolerance="Zhipu's 2024 revenue 25-58 million USD (42 +-40%) and the highest of the six", evidence="¶13",
         given="emergent from Zhipu's starting position (B2B focus and sales capacity, [S-FIRM-PROFILES]); "
               "the level is a calibration target", covers=YEAR_2024)
def t11_zhipu_revenue(run: RunTables) -> list[Check]:
    """Zhipu's revenue summed over 2024-01..2024-12 is within +-40% of 41.7 million USD and the six's highest.

    300 million RMB at 7.2 RMB/USD ([S-FX]) = 41.7 million USD. +-40%: the figure is a
    press report ("about"), its revenue definition (recognised vs contracted, including
    government projects) is unknown, and the model's monthly revenue is a stylised flow.
    Miss: relative miss from [25.0, 58.3] million, plus the shortfall to the best other firm
    relative to that firm's revenue.
    """
    target = 300e6 / 7.2
    lo, hi = 0.6 * target, 1.4 * target
    rev = {f: sum(v for _, v in run.series(f, "revenue_usd", *YEAR_2024) if _finite(v)) for f in SIX}
    z = rev[ZHIPU]
    best_other, who = max((rev[f], f) for f in SIX if f != ZHIPU)
    return [in_range(z, lo, hi, f"Zhipu 2024 revenue {z / 1e6:.1f} MUSD (target {lo / 1e6:.1f}-{hi / 1e6:.1f})"),
            check(z >= best_other, (best_other - z) / best_other if best_other > 0 else 1.0,
                  f"best other {who} {best_other / 1e6:.1f} MUSD (target: Zhipu highest)")]


@pattern("T12", "Kimi trails the leaders by an order of magnitude", window=ARTICLE_DATE,
         tolerance="each of DeepSeek, ByteDance, Tencent has 10-100x Moonshot's MAU; Moonshot alive with users",
         evidence="¶11",
         given="emergent from starting positions (Moonshot's marketing, giants' distribution) and DeepSeek's app "
               "launch date (input, 2025-01)",
         firms=(MOONSHOT, *CONSUMER_LEADERS), covers=(HISTORY_END, HISTORY_END))
def t12_kimi_gap(run: RunTables) -> list[Check]:
    """At 2025-06 Moonshot (Kimi) is alive with users and each leader has 10-100 times its MAU.

    ¶11: "an order of magnitude or more below" DeepSeek, Doubao (ByteDance) and Yuanbao
    (Tencent); taken literally, factor 10, no slack. The check is two-sided: "or more" is not
    "any amount more". At most two orders of magnitude (100x), because Kimi is still the
    best-known startup product: 100x below a leader of 100-200 million MAU is 1-2 million
    users, the size of Yuanbao before it grew, while Kimi had 19 million in 2025-01
    ([S-APP-MAU]); a run whose Kimi has all but vanished does not reproduce ¶11
    (:data:`sim.facts.KIMI_GAP_RANGE`). Kimi must still exist (not exited, MAU > 0) for the
    comparison to mean anything (miss 1). Miss: orders of magnitude outside the range,
    ``max(0, log10(10 * kimi / leader)) + max(0, log10(leader / (100 * kimi)))``, for the worst
    of the three leaders (1 if that leader has no users).
    """
    lo, hi = KIMI_GAP_RANGE
    strat = run.value(MOONSHOT, "strategy", HISTORY_END)
    kimi = run.value(MOONSHOT, "mau", HISTORY_END)
    if strat in (None, EXITED) or not _finite(kimi) or kimi <= 0:
        return [flag(False, f"Moonshot {strat or 'missing'} with MAU {kimi} at 2025-06 (target: alive with users)")]
    worst, parts = 0.0, []
    for leader in CONSUMER_LEADERS:
        m = run.value(leader, "mau", HISTORY_END)
        if not _finite(m) or m <= 0:
            worst = max(worst, 1.0)
            parts.append(f"{leader} has no users")
            continue
        gap = m / kimi
        worst = max(worst, max(0.0, math.log10(lo / gap)) + max(0.0, math.log10(gap / hi)))
        parts.append(f"{leader} {gap:.1f}x")
    return [check(worst == 0.0, worst, f"Kimi {kimi / 1e6:.2f}M MAU; leaders {', '.join(parts)} "
                                       f"(target each {lo:.0f}-{hi:.0f}x)")]


@pattern("T13", "A startup training run costs 1-50 million USD", window="2023-01..2025-06",
         tolerance="every run of the six 1-50 million USD; at least one run", evidence="¶10",
         given="partly given: run costs follow the input cost trend (Cottier et al.) and the startups' budget "
               "rule; the check guards that the tuned inputs stay consistent with ¶10",
         covers=(HISTORY_END, HISTORY_END))
def t13_run_cost(run: RunTables) -> list[Check]:
    """Every endogenous training run of the six released 2023-01..2025-06 cost 1-50 million USD.

    Runs are ``release`` events of the six with a finite ``amount_usd`` (the training spend;
    scheduled open-weight releases have none). ¶10's "millions to tens of millions of US
    dollars" read as 1-50 million (tens of millions: up to about half of 100 million). The
    targets' window "2023-2025" is read up to the article's date. At least one run must exist
    (miss 1). Miss: the worst run's relative miss from [1, 50] million.
    """
    costs = [e["amount_usd"] for e in run.select(EventType.RELEASE, SIX, HISTORY_START, HISTORY_END)
             if _finite(e["amount_usd"])]
    if not costs:
        return [flag(False, "no training runs by the six 2023-01..2025-06 (target >= 1 run of 1-50 MUSD)")]
    worst = max(range_miss(c, 1e6, 50e6) for c in costs)
    outside = sum(1 for c in costs if not 1e6 <= c <= 50e6)
    return [check(outside == 0, worst, f"{len(costs)} runs, {min(costs) / 1e6:.1f}-{max(costs) / 1e6:.1f} MUSD, "
                                       f"{outside} outside 1-50 MUSD")]


@pattern("T14", "DeepSeek: parent-funded, priced at or near cost", window="whole run (prices from 2024-05)",
         tolerance="no funding_round ever; API price <= 0.5 USD/Mtok every month from 2024-05 and below every "
                   "foundation startup's", evidence="¶8",
         given="given by model structure and inputs: open labs never seek rounds and price at cost times "
               "(1 + open_price_markup); a consistency check, not evidence", firms=(DEEPSEEK,),
         covers=(PRICE_WAR_DATE, PRICE_WAR_DATE))
def t14_deepseek(run: RunTables) -> list[Check]:
    """DeepSeek never raises a funding round, and from 2024-05 to the run's end prices low.

    * No ``funding_round`` event of DeepSeek in the whole run (¶8, funded by High-Flyer). Miss 1.
    * Its API price is at most 0.5 USD per million tokens every month from 2024-05 (the month
      DeepSeek-V2 launched at 1-2 RMB per million tokens, 0.14-0.28 USD; 0.5 allows for the
      model's single blended price). Miss: worst month's relative excess over 0.5 (a missing
      price counts 1).
    * In every such month its price is strictly below the lowest price of any startup then
      training foundation models (kind 'startup', strategy 'foundation'; months with none are
      skipped): "low-cost, even free". Miss: share of months where it is not (at least
      :data:`MIN_MISS`).
    """
    rounds = run.select(EventType.FUNDING_ROUND, (DEEPSEEK,))
    checks = [flag(not rounds, f"{len(rounds)} funding rounds (target 0)")]
    prices = run.series(DEEPSEEK, "api_price_usd_per_mtok", PRICE_WAR_DATE)
    worst, high = 0.0, 0
    for _, p in prices:
        if not _finite(p):
            worst, high = max(worst, 1.0), high + 1
        elif p > 0.5:
            worst, high = max(worst, (p - 0.5) / 0.5), high + 1
    top = max((p for _, p in prices if _finite(p)), default=float("nan"))
    checks.append(check(high == 0, worst, f"price max {top:.3f} USD/Mtok from 2024-05, {high} months above 0.5"))
    startups = run.firms_of_kind("startup")
    compared = above = 0
    for d, p in prices:
        rivals = [run.value(f, "api_price_usd_per_mtok", d) for f in startups
                  if run.value(f, "strategy", d) == FOUNDATION]
        rivals = [r for r in rivals if _finite(r)]
        if not rivals:
            continue
        compared += 1
        if not (_finite(p) and p < min(rivals)):
            above += 1
    checks.append(check(above == 0, above / compared if compared else 0.0,
                        f"not below the cheapest foundation startup in {above} of {compared} months"))
    return checks


@pattern("T15", "Capital turns from foundation models to embodied AI", window="2025-01..2025-06 vs 2024",
         tolerance="mean sentiment lower, mean outside appeal higher", evidence="¶12",
         given="outside appeal is an exogenous dated ramp (input): that half is a check of inputs; the fall "
               "in sentiment is emergent (open-source shocks, departures)", firms=(),
         covers=(YEAR_2024[0], HISTORY_END))
def t15_capital_rotation(run: RunTables) -> list[Check]:
    """Mean ``vc_sentiment`` over 2025-01..2025-06 is below its 2024 mean; mean ``outside_appeal`` is above.

    ¶12: capital markets lose confidence in foundation-model R&D and turn to embodied AI. The
    article gives directions, not sizes, so any strict fall/rise passes; "2025" is read up to
    the article's date. Miss: relative change in the wrong direction (at least :data:`MIN_MISS`).
    """
    def mean(column: str, start: str, end: str) -> float:
        vals = [v for v in run.model_values(column, start, end) if _finite(v)]
        return statistics.fmean(vals) if vals else float("nan")

    s24, s25 = mean("vc_sentiment", *YEAR_2024), mean("vc_sentiment", *H1_2025)
    a24, a25 = mean("outside_appeal", *YEAR_2024), mean("outside_appeal", *H1_2025)
    return [check(s25 < s24, (s25 - s24) / s24 if s24 > 0 else 1.0,
                  f"sentiment {s24:.3f} (2024) -> {s25:.3f} (H1 2025) (target lower)"),
            check(a25 > a24, (a24 - a25) / a24 if a24 > 0 else 1.0,
                  f"outside appeal {a24:.3f} -> {a25:.3f} (target higher)")]


@pattern("T16", "Enterprise demand matures slowly", window="2024-06..2025-06; market to 2027-12",
         tolerance="the six's B2B revenue grows 1.0-3.0x in the year to 2025-06; enterprise market at 2025-06 "
                   "<= half its 2027-12 size", evidence="¶13",
         given="the market's size is exogenous (logistic, input): that half checks inputs; the six's B2B "
               "revenue is emergent", covers=(B2B_YEAR_START, PROJECTION_DATE))
def t16_enterprise(run: RunTables) -> list[Check]:
    """B2B revenue of the six grows, but at most 3x, from 2024-06 to 2025-06; the market is far from mature.

    * B2B = enterprise + vertical revenue (a vertical sells to businesses too, so pivots do not
      break the series), summed over the six, at 2025-06 over 2024-06: within [1.0, 3.0]. ¶13:
      enterprise customers pay cautiously and the market "is not yet mature" - B2B revenue
      grows (it is the six's survival path; Zhipu's grew) but no faster than about the 2.4x a
      year at which frontier training costs rise ([Cottier2024]), so B2B alone
      cannot pay for the race.
    * Enterprise spending (``enterprise_market_usd``) at 2025-06 is at most half its 2027-12
      level: "huge potential" still ahead. Miss: relative excess over one half.
    """
    def b2b(date: str) -> float:
        tot = 0.0
        for f in SIX:
            for col in ("revenue_enterprise_usd", "revenue_vertical_usd"):
                v = run.value(f, col, date)
                tot += v if _finite(v) else 0.0
        return tot

    r0, r1 = b2b(B2B_YEAR_START), b2b(HISTORY_END)
    checks = []
    if r0 <= 0:
        checks.append(flag(False, f"no B2B revenue at 2024-06 ({r1 / 1e6:.2f} MUSD/month at 2025-06)"))
    else:
        g = r1 / r0
        checks.append(in_range(g, 1.0, 3.0, f"the six's B2B revenue {r0 / 1e6:.2f} -> {r1 / 1e6:.2f} MUSD/month, "
                                            f"x{g:.2f} (target 1.0-3.0)"))
    m25 = run.model_value("enterprise_market_usd", HISTORY_END)
    m27 = run.model_value("enterprise_market_usd", PROJECTION_DATE)
    if not (_finite(m25) and _finite(m27)) or m27 <= 0:
        checks.append(flag(False, "enterprise market missing at 2025-06 or 2027-12"))
    else:
        share = m25 / m27
        checks.append(check(share <= 0.5, (share - 0.5) / 0.5,
                            f"enterprise market at 2025-06 is {share:.0%} of 2027-12 (target <= 50%)"))
    return checks


@pattern("T17", "Only one or two startups keep a seat", window="2027-12 (projection)",
         tolerance="1-2 of the six 'foundation' at 2027-12", evidence="¶14", given="emergent (projection)",
         covers=(PROJECTION_DATE, PROJECTION_DATE))
def t17_end_state(run: RunTables) -> list[Check]:
    """At 2027-12, one or two of the six still train foundation models (strategy 'foundation').

    ¶14's industry consensus, "perhaps only one or two", is a projection, not history: the
    range is taken as stated. Exited firms have no seat. Miss: relative miss from [1, 2].
    """
    seats = [f for f in SIX if run.value(f, "strategy", PROJECTION_DATE) == FOUNDATION]
    lo, hi = SEATS_AT_PROJECTION
    return [in_range(len(seats), lo, hi, f"{len(seats)} foundation at 2027-12 ({', '.join(seats) or 'none'}) "
                                         f"(target {lo}-{hi})")]


#: The patterns, T1-T17 in order.
PATTERNS: tuple[Pattern, ...] = tuple(_REGISTRY)
#: The patterns by id.
PATTERN_BY_ID: dict[str, Pattern] = {p.id: p for p in PATTERNS}


# ---------------------------------------------------------------------------------------------- entry points
def evaluate_tables(model: dict[str, list[Any]], firms: dict[str, list[Any]],
                    events: dict[str, list[Any]]) -> list[PatternResult]:
    """Every pattern on one seed's tables (column dicts, name -> list), in id order."""
    run = RunTables(model, firms, events)
    return [p(run) for p in PATTERNS]


def evaluate(run: RunResult) -> list[PatternResult]:
    """Every pattern on one seed's :class:`sim.results.RunResult`."""
    return evaluate_tables(run.model, run.firms, run.events)


def split_seeds(model: dict[str, list[Any]], firms: dict[str, list[Any]], events: dict[str, list[Any]]
                ) -> dict[int, tuple[dict[str, list[Any]], dict[str, list[Any]], dict[str, list[Any]]]]:
    """Split multi-seed column dicts by their ``seed`` column: ``{seed: (model, firms, events)}``.

    Seeds are those of the model table (in ascending order); a seed with no events gets an
    empty events table with every column.
    """
    def by_seed(table: dict[str, list[Any]]) -> dict[int, dict[str, list[Any]]]:
        rows: dict[int, list[int]] = {}
        for i, s in enumerate(table.get("seed", [])):
            rows.setdefault(int(s), []).append(i)
        return {s: {c: [col[i] for i in idx] for c, col in table.items()} for s, idx in rows.items()}

    m, f, e = by_seed(model), by_seed(firms), by_seed(events)
    empty = ({c: [] for c in firms}, {c: [] for c in events})
    return {s: (m[s], f.get(s, empty[0]), e.get(s, empty[1])) for s in sorted(m)}


def scorecard(per_seed: list[list[PatternResult]], built_in: tuple[str, ...] = BUILT_IN) -> dict[str, Any]:
    """Summarise results over seeds.

    Returns ``{"seeds": N, "patterns": [{"id", "name", "pass_rate", "median_distance",
    "tolerance", "window", "evidence", "mean_distance", "n_passed", "built_in"}, ...],
    "evidence": {"counted": [...], "built_in": [...]}}`` in id order; with no seeds, pass rates
    are 0.0 and distances None. ``built_in`` marks the patterns of ``built_in`` (default
    :data:`BUILT_IN`): they hold everywhere, so ``evidence.counted`` (the ids that count as
    evidence) leaves them out.
    """
    n = len(per_seed)
    by_id: dict[str, list[PatternResult]] = {}
    for results in per_seed:
        for r in results:
            by_id.setdefault(r.id, []).append(r)
    ids = [p.id for p in PATTERNS] + [i for i in by_id if i not in PATTERN_BY_ID]
    rows = []
    for pid in ids:
        rs = by_id.get(pid, [])
        meta = PATTERN_BY_ID.get(pid)
        dists = [r.distance for r in rs]
        rows.append({
            "id": pid,
            "name": meta.name if meta else (rs[0].name if rs else pid),
            "pass_rate": round(sum(r.passed for r in rs) / len(rs), 4) if rs else 0.0,
            "median_distance": round(statistics.median(dists), 4) if dists else None,
            "tolerance": meta.tolerance if meta else "",
            "window": meta.window if meta else "",
            "evidence": meta.evidence if meta else "",
            "mean_distance": round(statistics.fmean(dists), 4) if dists else None,
            "n_passed": sum(r.passed for r in rs),
            "built_in": pid in built_in,
        })
    return {"seeds": n, "patterns": rows,
            "evidence": {"counted": [r["id"] for r in rows if not r["built_in"]],
                         "built_in": [r["id"] for r in rows if r["built_in"]]}}
