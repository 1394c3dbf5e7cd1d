"""Quantitative targets (sim.targets), the hold-out (sim.holdout), the informative check (sim.informative)
and the two-sided T12.

Observation models are checked against values computed by hand; statistics on small tables built
here; the informative check on a tiny case (one ``judge`` that holds everywhere, one that needs a
mechanism) with a serial executor. The full check of the baseline is ``slow``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from test_patterns import World

from sim.calibration.abc import Prior
from sim.calibration.spec import load_spec
from sim.cli import main
from sim.experiments.executors import make_executor
from sim.holdout import HOLDOUT_FILE, after_history, known_ids, load_holdout
from sim.informative import (
    BUILT_IN,
    INFORMATIVE,
    MECHANISMS,
    SKIPPED,
    Mechanism,
    check,
    corner_design,
    format_report,
    out_of_reach,
)
from sim.outputs import EVENT_FIELD_DEFAULTS, EVENTS_COLUMNS
from sim.patterns import BUILT_IN as BUILT_IN_PATTERNS
from sim.patterns import PATTERN_BY_ID, REQUIRED_COLUMNS, RunTables
from sim.patterns import scorecard as pattern_scorecard
from sim.scenario import load_scenario
from sim.targets import (
    AFTER,
    COUNT_FLOOR,
    HOLD_DISTANCE,
    MAX_DISTANCE,
    TARGET_BY_ID,
    TARGETS,
    DateWindow,
    LogNormal,
    NegBinomial,
    Poisson,
    Status,
    column_ratio,
    count_events,
    count_events_in_state,
    count_in_state,
    distinct_firms,
    evaluate_targets_tables,
    first_event,
    first_turn,
    peak,
    price_ratio,
    sum_event_amounts,
    sum_firm_column,
    target_card,
)

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"
#: Parameters of the shipped calibration spec, whose prior corners `informative` runs by default.
N_CALIBRATED = len(load_spec(ROOT / "experiments" / "calibration.toml").parameters)
SQRT_2PI = math.sqrt(2 * math.pi)


# ---------------------------------------------------------------------------------------------- observation models
def test_poisson_by_hand() -> None:
    m = Poisson()
    assert m.loglik(2.0, 3) == pytest.approx(3 * math.log(2) - 2 - math.log(6))  # -1.7123
    assert m.loglik(2.0, 3) == pytest.approx(-1.712318, abs=1e-6)
    assert m.loglik(0.0, 2) == pytest.approx(2 * math.log(COUNT_FLOOR) - COUNT_FLOOR - math.log(2))  # floored mean
    assert m.distance(3.0, 3) == 0.0
    # deviance residual: sqrt(2 (y ln(y/s) - (y - s))) = sqrt(2 (3 ln 1.5 - 1)) at s = 2, y = 3
    assert m.distance(2.0, 3) == pytest.approx(math.sqrt(2 * (3 * math.log(1.5) - 1)))
    assert m.distance(5.0, 0) == pytest.approx(math.sqrt(10.0))  # y = 0: 2 s


def test_negative_binomial_by_hand() -> None:
    geo = NegBinomial(1.0)  # size 1: geometric, p(y) = (1/(1+s)) (s/(1+s))^y
    assert geo.loglik(1.0, 0) == pytest.approx(math.log(0.5))
    assert geo.loglik(1.0, 2) == pytest.approx(math.log(0.5 * 0.25))
    assert geo.loglik(3.0, 1) == pytest.approx(math.log(0.25 * 0.75))
    assert geo.distance(4.0, 4) == 0.0
    # a large size approaches the Poisson; a small one makes a miss cheaper (wider)
    assert NegBinomial(1e7).loglik(2.0, 3) == pytest.approx(Poisson().loglik(2.0, 3), abs=1e-5)
    assert NegBinomial(10.0).distance(15.0, 22) < Poisson().distance(15.0, 22)


def test_lognormal_by_hand() -> None:
    m = LogNormal(0.5)
    assert m.loglik(7.0, 7.0) == pytest.approx(-math.log(0.5 * SQRT_2PI))  # -0.2258
    assert m.loglik(7.0, 7.0) == pytest.approx(-0.225791, abs=1e-6)
    assert m.distance(7.0 * math.exp(0.5), 7.0) == pytest.approx(1.0)   # one sigma above
    assert m.distance(7.0 / math.exp(1.0), 7.0) == pytest.approx(2.0)   # two sigma below
    assert m.loglik(7.0 * math.exp(1.0), 7.0) == pytest.approx(-math.log(0.5 * SQRT_2PI) - 2.0)
    for bad in (0.0, -1.0, float("nan"), None):
        assert m.distance(bad, 7.0) == MAX_DISTANCE
        assert math.isfinite(m.loglik(bad, 7.0))


def test_date_window_by_hand() -> None:
    m = DateWindow(2)
    inside = -math.log(2 * (2 + SQRT_2PI))  # density c = 1 / (w (2 + sqrt(2 pi)))
    assert m.loglik("2024-10", "2024-10") == pytest.approx(inside)
    assert m.loglik("2024-12", "2024-10") == pytest.approx(inside)  # edge of the window
    assert m.distance("2024-08", "2024-10") == 0.0
    assert m.distance("2025-02", "2024-10") == pytest.approx(1.0)  # 4 months off: (4 - 2) / 2
    assert m.loglik("2025-02", "2024-10") == pytest.approx(inside - 0.5)
    assert m.distance(None, "2024-10") == MAX_DISTANCE
    # the density integrates to 1 over months (a check of c), to within the discreteness
    total = sum(math.exp(m.loglik(f"{2020 + k // 12}-{k % 12 + 1:02d}", "2024-10")) for k in range(120))
    assert total == pytest.approx(1.0, abs=0.05)


# ---------------------------------------------------------------------------------------------- small tables
FIRM_COLS = REQUIRED_COLUMNS["firms"]


def make_tables(firm_rows: list[dict[str, Any]], events: list[dict[str, Any]] = (),
                model_rows: list[dict[str, Any]] = (), extra_firm_cols: tuple[str, ...] = ()
                ) -> tuple[dict[str, list], dict[str, list], dict[str, list]]:
    """Column dicts of one seed from a few rows; missing values take neutral defaults."""
    defaults = {"kind": "startup", "strategy": "foundation", "mau": 0.0, "revenue_usd": 0.0,
                "revenue_enterprise_usd": 0.0, "revenue_vertical_usd": 0.0, "api_price_usd_per_mtok": 1.0,
                "executives": 0, "executives_technical": 0, "costs_usd": 0.0}
    cols = (*FIRM_COLS, "costs_usd", *extra_firm_cols)
    firms = {c: [r.get(c, defaults.get(c, 0.0)) for r in firm_rows] for c in cols}
    dates = sorted({r["date"] for r in firm_rows} | {r["date"] for r in model_rows})
    mrow = {r["date"]: r for r in model_rows}
    model = {"date": dates, **{c: [mrow.get(d, {}).get(c, 0.5) for d in dates]
                               for c in REQUIRED_COLUMNS["model"] if c != "date"},
             "consumer_market_mau": [mrow.get(d, {}).get("consumer_market_mau", 0.0) for d in dates]}
    ev_cols = [c.name for c in EVENTS_COLUMNS if c.name not in ("seed", "step")]
    ev = {c: [(dict(EVENT_FIELD_DEFAULTS) | e).get(c) for e in events] for c in ev_cols}
    return model, firms, ev


def monthly(firm: str, start: int, n: int, **cols: Any) -> list[dict[str, Any]]:
    """Rows of ``firm`` for months 2024-(start)..; a list value gives one value per month."""
    rows = []
    for k in range(n):
        m = start + k
        row = {"date": f"{2023 + (m - 1) // 12}-{(m - 1) % 12 + 1:02d}", "firm": firm}
        for c, v in cols.items():
            row[c] = v[k] if isinstance(v, list) else v
        rows.append(row)
    return rows


def ev(firm: str, type_: str, date: str, amount: float = math.nan, **fields: Any) -> dict[str, Any]:
    return {"firm": firm, "type": type_, "date": date, "amount_usd": amount, **fields}


@pytest.fixture
def small() -> RunTables:
    """Two firms over 2024 (months 13-24 of the 2023-01 calendar) with a few events."""
    rows = (monthly("A", 13, 12, mau=[1e6 * (k + 1) for k in range(6)] + [6e6] * 6,
                    api_price_usd_per_mtok=[2.0] * 4 + [0.2] * 8, revenue_usd=1e6, costs_usd=3e6,
                    strategy=["foundation"] * 7 + ["vertical"] * 5)
            + monthly("B", 13, 12, kind="giant", api_price_usd_per_mtok=[1.0] * 4 + [0.4] * 8, revenue_usd=2e6))
    events = [ev("A", "departure", "2024-02"), ev("A", "departure", "2024-09"), ev("B", "departure", "2024-03"),
              ev("A", "funding_round", "2024-03", 1e8, down_round=False),
              ev("A", "funding_round", "2024-10", 5e7, down_round=True),
              ev("B", "price_cut", "2024-05"), ev("A", "price_cut", "2024-05"), ev("A", "price_cut", "2024-06"),
              ev("A", "ipo", "2024-11", stage="filing"), ev("A", "ipo", "2024-12", 3e8, stage="listing")]
    return RunTables(*make_tables(rows, events))


def test_statistics_on_a_small_table(small: RunTables) -> None:
    assert count_events("departure", ("A",), "2024-01", "2024-12", "d")(small).value == 2
    assert count_events("departure", ("A", "B"), "2024-03", "2024-12", "d")(small).value == 2
    assert sum_event_amounts("funding_round", ("A",), "2024-01", "2024-06", "r")(small).value == 1e8
    assert count_events("funding_round", ("A",), "2024-01", "2024-12", "down", flag="down_round")(small).value == 1
    assert count_events("funding_round", ("A",), "2024-01", "2024-06", "down", flag="down_round")(small).value == 0
    assert sum_firm_column("A", "revenue_usd", "2024-01", "2024-12", "rev")(small).value == 12e6
    assert sum_firm_column("A", "costs_usd", "2024-01", "2024-12", "loss", minus="revenue_usd")(small).value == 24e6
    assert peak("A", "mau", "2024-01", "2024-12", "MAU")(small).value == 6e6
    assert peak("A", "mau", "2024-01", "2024-12", "MAU", when=True)(small).value == "2024-06"  # first month of the max
    assert first_turn("A", "2024-01", "2024-12")(small).value == "2024-08"
    assert first_turn("B", "2024-01", "2024-12")(small).value is None
    assert first_event("ipo", "A", "2024-01", "2024-12", "ipo", "filing")(small).value == "2024-11"
    assert first_event("ipo", "A", "2024-01", "2024-12", "ipo", "listing")(small).value == "2024-12"
    assert distinct_firms("price_cut", ("A", "B"), "2024-05", "2024-06", "cut")(small).value == 2
    # geometric mean of 0.2/2.0 and 0.4/1.0 = sqrt(0.1 * 0.4) = 0.2
    assert price_ratio(("A", "B"), "2024-04", "2024-06")(small).value == pytest.approx(0.2)
    assert column_ratio("firms", "mau", "2024-01", "2024-03", "A")(small).value == pytest.approx(3.0)
    assert math.isnan(column_ratio("firms", "mau", "2024-01", "2024-03", "nobody")(small).value)


def test_counts_by_strategy_read_the_state_of_the_month_before(small: RunTables) -> None:
    # A is 'foundation' to 2024-07 and 'vertical' from 2024-08; B is always 'foundation' (the default)
    assert count_in_state(("A", "B"), "foundation", "2024-07", "train")(small).value == 2
    assert count_in_state(("A", "B"), "foundation", "2024-08", "train")(small).value == 1
    assert count_in_state(("A", "B", "nobody"), "vertical", "2024-12", "turned")(small).value == 1
    # A's departures: 2024-02 (foundation the month before) and 2024-09 (vertical since 2024-08); B's 2024-03
    assert count_events_in_state("departure", ("A",), "2024-01", "2024-12", "foundation", "d")(small).value == 1
    assert count_events_in_state("departure", ("A", "B"), "2024-01", "2024-12", "foundation", "d")(small).value == 2
    assert count_events_in_state("departure", ("A",), "2024-01", "2024-12", "vertical", "d")(small).value == 1
    # a departure in the month a firm turns counts as from a firm still training (its state the month before)
    turn = RunTables(*make_tables(monthly("C", 13, 3, strategy=["foundation", "vertical", "vertical"]),
                                  [ev("C", "departure", "2024-02")]))
    assert count_events_in_state("departure", ("C",), "2024-01", "2024-03", "foundation", "d")(turn).value == 1
    # with no row the month before (the table's first month), the event's own month decides
    first = RunTables(*make_tables(monthly("C", 13, 2, strategy=["foundation", "vertical"]),
                                   [ev("C", "departure", "2024-01")]))
    assert count_events_in_state("departure", ("C",), "2024-01", "2024-02", "foundation", "d")(first).value == 1


def _baseline_like(extra: tuple[str, ...] = (), tokens: list[float] | None = None) -> list:
    """A run of ByteDance over 2024-12..2025-05 (and the columns targets need), as column dicts."""
    cols = {"kind": "giant", "mau": 5e7}
    if tokens is not None:
        cols["tokens_mtok"] = tokens
    return make_tables(monthly("ByteDance", 24, 6, **cols), extra_firm_cols=extra)


def test_a_target_whose_column_is_missing_skips_with_its_reason() -> None:
    t = TARGET_BY_ID["doubao_tokens_growth"]
    (r,) = evaluate_targets_tables(*_baseline_like(), targets=(t,))
    assert r.status == Status.SKIPPED and r.loglik is None and r.distance is None and not r.holds
    assert "tokens_mtok" in r.detail and r.detail.startswith("skipped")
    # with the column (model 3), it is scored: x4.0 against the observed x4.1
    (r,) = evaluate_targets_tables(*_baseline_like(("tokens_mtok",), [1e6, 1.5e6, 2e6, 2.5e6, 3e6, 4e6]),
                                   targets=(t,))
    assert r.status == Status.OK and r.statistic == pytest.approx(4.0)
    assert r.distance == pytest.approx(abs(math.log(4.1 / 4.0)) / 0.3)
    assert r.holds


def test_a_target_with_an_absent_firm_or_a_short_run_is_not_applicable() -> None:
    (r,) = evaluate_targets_tables(*_baseline_like(), targets=(TARGET_BY_ID["kimi_mau_2025_01"],))
    assert r.status == Status.NOT_APPLICABLE and "Moonshot absent" in r.detail
    (r,) = evaluate_targets_tables(*_baseline_like(), targets=(TARGET_BY_ID["yuanbao_mau_2024_11"],))
    assert r.status == Status.NOT_APPLICABLE


def test_a_target_scores_its_statistic_against_the_observation() -> None:
    t = TARGET_BY_ID["doubao_mau_2025_01"]
    (r,) = evaluate_targets_tables(*_baseline_like(), targets=(t,))  # 50 million at 2025-01 vs 78.6
    z = math.log(78.6e6 / 5e7) / 0.4
    assert r.status == Status.OK and r.statistic == 5e7
    assert r.distance == pytest.approx(z) and r.loglik == pytest.approx(-math.log(0.4 * SQRT_2PI) - z * z / 2)
    assert r.holds == (z <= HOLD_DISTANCE)


def test_every_target_is_declared_completely() -> None:
    sources = (ROOT / "docs" / "sources.md").read_text()
    doc = (ROOT / "docs" / "targets.md").read_text()
    assert len({t.id for t in TARGETS}) == len(TARGETS) and not set(TARGET_BY_ID) & set(PATTERN_BY_ID)
    for t in TARGETS:
        assert t.name and t.statistic and t.error and t.observed_text, t.id
        key = t.source.split("]")[0] + "]"
        assert f"**{key}**" in sources or key == "[Article]", f"{t.id}: source {t.source} not in docs/sources.md"
        assert t.date <= "2025-06", f"{t.id} reads months after the article"
        assert t.published == AFTER or t.published <= "2025-06"
        assert f"`{t.id}`" in doc, f"docs/targets.md lacks {t.id}"


def test_the_docs_list_every_mechanism_switch_as_the_code_sets_it() -> None:
    """docs/targets.md's table of mechanisms switched off is the code's (it had drifted from it)."""
    doc = (ROOT / "docs" / "targets.md").read_text()
    for name, m in MECHANISMS.items():
        settings = ", ".join(f"`{k} = {str(v).lower() if isinstance(v, bool) else repr(v)}`"
                             for k, v in m.overrides.items())
        assert f"| `{name}` | {settings} | {m.doc} |" in doc, name


def test_targets_on_the_handbuilt_history_and_their_card() -> None:
    w = World()
    results = evaluate_targets_tables(*w.tables())
    by_id = {r.id: r for r in results}
    assert by_id["dep_six"].statistic == 22 and by_id["dep_six"].holds  # the article's history: 22 departures
    assert by_id["dep_six_h1_2025"].statistic == 12
    assert by_id["zhipu_ipo_date"].statistic == "2025-04" and by_id["zhipu_ipo_date"].distance == 0.0
    assert by_id["minimax_loss_2024"].status == Status.SKIPPED  # the hand-built tables have no costs_usd
    card = target_card([results, results])
    assert card["seeds"] == 2 and [r["id"] for r in card["targets"]] == [t.id for t in TARGETS]
    row = next(r for r in card["targets"] if r["id"] == "dep_six")
    assert row["hold_rate"] == 1.0 and row["median_statistic"] == 22 and row["status"] == "ok"
    assert json.loads(json.dumps(card)) == card


# ---------------------------------------------------------------------------------------------- T12 two-sided
def test_t12_fails_above_the_upper_bound() -> None:
    w = World()
    assert w.results()["T12"].passed  # Kimi 5 million: leaders 16-30x
    w.mau["Moonshot"] = 1e5  # leaders 800-1500x: more than two orders of magnitude
    r = w.results()["T12"]
    assert not r.passed and "(miss)" in r.detail and "10-100x" in r.detail
    assert r.distance == pytest.approx(math.log10(1.5e8 / (100 * 1e5)))  # ByteDance, the worst: log10(15)
    w.mau["Moonshot"] = 1.5e6  # 53-100x: inside
    assert w.results()["T12"].passed


# ---------------------------------------------------------------------------------------------- scorecard
def test_scorecard_reports_built_in_patterns_apart() -> None:
    results = list(World().results().values())
    assert pattern_scorecard([results])["evidence"]["built_in"] == list(BUILT_IN_PATTERNS)  # the measured set
    built = ("T13", "T14")  # the machinery, on a set that is not empty (model 2's)
    card = pattern_scorecard([results], built_in=built)
    assert {"seeds", "patterns", "evidence"} <= set(card)
    assert card["evidence"]["built_in"] == list(built)
    assert set(card["evidence"]["counted"]) == set(PATTERN_BY_ID) - set(built)
    assert all(p["built_in"] == (p["id"] in built) for p in card["patterns"])
    assert pattern_scorecard([results], built_in=())["evidence"]["built_in"] == []
    from sim.commands.score import format_scorecard

    text = format_scorecard(card)
    assert "built in" in text and f"/{len(PATTERN_BY_ID) - len(built)} patterns hold" in text


# ---------------------------------------------------------------------------------------------- hold-out
def test_the_shipped_holdout_lists_every_id_once_and_fits_nothing_after_the_article() -> None:
    import tomllib

    raw = tomllib.loads(HOLDOUT_FILE.read_text())["entries"]
    ids = [e["id"] for e in raw]
    assert sorted(ids) == sorted(known_ids()) and len(ids) == len(set(ids))  # every pattern and target exactly once
    h = load_holdout()
    fit, validate = set(h.ids("fit")), set(h.ids("validate"))
    assert fit and validate and not fit & validate
    for i in fit:
        assert not after_history(i), i
        if i in TARGET_BY_ID:
            t = TARGET_BY_ID[i]
            assert t.date <= "2025-06" and t.published != AFTER and t.published <= "2025-06" and not t.input
    assert {"T16", "T17"} <= validate  # they read 2027-12
    assert {"zhipu_revenue_2024", "minimax_revenue_2024"} <= validate  # published only after the article
    assert all(h.use[i] == "none" for i in BUILT_IN_PATTERNS)


def _write_holdout(tmp_path: Path, change: dict[str, Any] | None = None, drop: str = "", add: dict | None = None,
                   text: str = "") -> Path:
    import tomllib

    data = tomllib.loads(HOLDOUT_FILE.read_text())
    entries = [e | (change if change and e["id"] == change["id"] else {}) for e in data["entries"] if e["id"] != drop]
    if add:
        entries.append(add)
    lines = [text] if text else []
    for e in entries:
        lines.append("[[entries]]")
        lines += [f"{k} = {json.dumps(v)}" for k, v in e.items()]
    path = tmp_path / "holdout.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("kwargs, key, words", [
    ({"change": {"id": "T17", "use": "fit"}}, "use", "never a fitting target"),
    ({"change": {"id": "zhipu_revenue_2024", "use": "fit"}}, "use", "published only after the article"),
    ({"change": {"id": "dep_01ai", "use": "fit"}}, "use", "starting value was set from the same number"),
    ({"change": {"id": "doubao_mau_2025_01", "use": "validate"}}, "use", "built in"),
    ({"change": {"id": "T1", "use": "fitt"}}, "use", "expected one of"),
    ({"drop": "T9"}, "entries", "missing: T9"),
    ({"add": {"id": "T1", "use": "validate", "reason": "again"}}, "id", "listed twice"),
    ({"add": {"id": "dep_sixx", "use": "validate", "reason": "typo"}}, "id", "did you mean 'dep_six'"),
    ({"add": {"id": "T1", "use": "fit", "reasn": "typo"}}, "reasn", "did you mean 'reason'"),
])
def test_a_bad_holdout_is_one_clear_error_with_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture,
                                                      kwargs: dict, key: str, words: str) -> None:
    path = _write_holdout(tmp_path, **kwargs)
    code = main(["informative", str(BASELINE), "--holdout", str(path), "--seeds", "1", "--workers", "1"])
    err = capsys.readouterr().err
    assert code == 2 and str(path) in err and key in err and words in err, err
    assert "Traceback" not in err


# ---------------------------------------------------------------------------------------------- informative check
def test_corner_design() -> None:
    small = [Prior("a.x", "uniform", 0.0, 1.0), Prior("a.y", "loguniform", 1.0, 100.0)]
    desc, points = corner_design(small)
    assert len(points) == 4 and "all 2^2" in desc
    assert {tuple(sorted(p.overrides.items())) for p in points} == {
        (("a.x", lo), ("a.y", hi)) for lo in (0.0, 1.0) for hi in (1.0, 100.0)}
    many = [Prior(f"p.{i}", "uniform", 0.0, 1.0) for i in range(8)]
    desc, points = corner_design(many, random_corners=3, design_seed=1)
    assert len(points) == 2 * 8 + 3 and "16 one-at-a-time" in desc
    assert all(len(p.overrides) == 1 for p in points[:16]) and all(len(p.overrides) == 8 for p in points[16:])
    assert corner_design(many, 3, 1) == (desc, points)  # the same design every time


def _always(result: Any) -> dict[str, str]:
    departed = any(t == "departure" for t in result.events["type"])
    return {"always": "holds", "needs_talent": "holds" if departed else "fails", "skip": "skipped"}


def test_informative_check_on_a_tiny_case() -> None:
    scenario = load_scenario(BASELINE)
    priors = [Prior("talent.base_hazard_per_month", "loguniform", 0.002, 0.01)]
    mechanisms = {"talent": Mechanism({"talent.enabled": False}, "no departures")}
    with make_executor("serial") as pool:
        report = check(scenario, priors, [0], pool, judge=_always, ids=["always", "needs_talent", "skip"],
                       produced_by={"always": ("talent",), "needs_talent": ("talent",)}, mechanisms=mechanisms)
    rows = {r["id"]: r for r in report["items"]}
    assert report["points"] == 1 + 2 + 1 and report["runs"] == 4
    assert rows["always"]["class"] == BUILT_IN and rows["always"]["mechanisms_off"] == {"talent": 1.0}
    assert rows["needs_talent"]["class"] == INFORMATIVE and rows["needs_talent"]["scenario"] == 1.0
    assert rows["needs_talent"]["mechanisms_off"] == {"talent": 0.0} and "talent off" in rows["needs_talent"]["why"]
    assert rows["skip"]["class"] == SKIPPED
    # the best share over every point: 1 for both that hold somewhere; none for the skipped one
    assert rows["always"]["best"] == rows["needs_talent"]["best"] == 1.0 and rows["skip"]["best"] is None
    assert out_of_reach(report) == [] and "out of the check's reach" in format_report(report)
    assert json.loads(json.dumps(report)) == report


def _never(result: Any) -> dict[str, str]:
    departed = any(t == "departure" for t in result.events["type"])
    return {"never": "fails", "only_without_talent": "fails" if departed else "holds"}


def test_no_new_mechanism_switch_repeats_a_corner_of_the_prior() -> None:
    """A switch whose only setting is a prior's bound reruns that corner on the same seeds: it adds no evidence.
    (Two older switches, sentiment_departures and valuation_traction, do that and are kept for their names in the
    reports; no other may.)"""
    from sim.calibration.spec import load_spec

    bounds = {(p.name, float(b)) for p in load_spec(ROOT / "experiments" / "calibration.toml").priors
              for b in (p.low, p.high)}
    repeats = {name for name, m in MECHANISMS.items()
               if len(m.overrides) == 1 and all((k, float(v)) in bounds for k, v in m.overrides.items())}
    assert repeats <= {"sentiment_departures", "valuation_traction"}, repeats


def test_an_entry_that_holds_nowhere_is_reported_out_of_reach() -> None:
    """The mirror of built in: an entry failing in every seed at every point is out of the check's reach; one that
    holds only with its mechanism off is not (the switch is a point of the check)."""
    scenario = load_scenario(BASELINE)
    priors = [Prior("talent.base_hazard_per_month", "loguniform", 0.002, 0.01)]
    mechanisms = {"talent": Mechanism({"talent.enabled": False}, "no departures")}
    with make_executor("serial") as pool:
        report = check(scenario, priors, [0], pool, judge=_never, ids=["never", "only_without_talent"],
                       produced_by={"never": ("talent",), "only_without_talent": ("talent",)}, mechanisms=mechanisms)
    rows = {r["id"]: r for r in report["items"]}
    assert rows["never"]["best"] == 0.0 and rows["never"]["class"] == INFORMATIVE
    assert rows["only_without_talent"]["best"] == 1.0 and rows["only_without_talent"]["corners_max"] == 0.0
    assert out_of_reach(report) == ["never"]
    assert "out of the check's reach (hold in under 10% of seeds at every point): never" in format_report(report)
    del report["items"][0]["best"]  # a report of an older version: refused, not read as "none out of reach"
    with pytest.raises(ValueError, match="rerun the check"):
        out_of_reach(report)


def test_informative_command_writes_its_report_and_keeps_the_folder_rule(tmp_path: Path,
                                                                          capsys: pytest.CaptureFixture) -> None:
    args = ["informative", str(BASELINE), "--seeds", "1", "--random-corners", "0", "--workers", "1"]
    out = tmp_path / "check"
    assert main([*args, "--out", str(out), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    saved = json.loads((out / "informative.json").read_text())
    assert printed == saved and saved["seeds"] == [0] and saved["design"]["n_corners"] == 2 * N_CALIBRATED
    assert {r["id"] for r in saved["items"]} == set(known_ids())
    assert all(r["use"] in ("fit", "validate", "none") for r in saved["items"])
    assert main([*args, "--out", str(out)]) == 0  # the same check: replaced
    assert "built-in" in capsys.readouterr().out
    assert main([*args, "--seeds", "2", "--out", str(out)]) == 2  # another check: refused
    assert "another check" in capsys.readouterr().err
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    assert main([*args, "--out", str(other)]) == 2
    assert "notes.txt" in capsys.readouterr().err
    assert main([*args, "--seeds", "0"]) == 2


@pytest.mark.slow
def test_the_baseline_classification_is_the_shipped_one() -> None:
    """The full check of the baseline (20 seeds, 53 points): the built-in ids are those the code declares."""
    from sim.calibration.spec import load_spec
    from sim.targets import BUILT_IN as BUILT_IN_TARGETS

    scenario = load_scenario(BASELINE)
    priors = load_spec(ROOT / "experiments" / "calibration.toml").priors
    with make_executor("process", 2) as pool:
        report = check(scenario, priors, list(range(20)), pool)
    built = {r["id"] for r in report["items"] if r["class"] == BUILT_IN}
    assert built == set(BUILT_IN_PATTERNS) | set(BUILT_IN_TARGETS)


def test_score_targets_adds_keys_and_keeps_the_scorecard(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from sim.model import run
    from sim.patterns import evaluate
    from sim.results import write_tables
    from sim.targets import evaluate_targets

    runs = [run(load_scenario(BASELINE), s) for s in (0, 1)]
    write_tables(runs, tmp_path)
    assert main(["score", str(tmp_path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == pattern_scorecard([evaluate(r) for r in runs])
    assert main(["score", str(tmp_path), "--targets", "--json"]) == 0
    card = json.loads(capsys.readouterr().out)
    assert card["targets"] == target_card([evaluate_targets(r) for r in runs])["targets"]
    h = load_holdout()
    fit = card["targets_by_use"]["fit"]
    scored_fit = [r for r in card["targets"] if h.use[r["id"]] == "fit" and r["mean_loglik"] is not None]
    assert fit["targets"] == [r["id"] for r in scored_fit]
    assert fit["sum_mean_loglik"] == pytest.approx(sum(r["mean_loglik"] for r in scored_fit), abs=1e-3)
    assert main(["score", str(tmp_path), "--targets"]) == 0
    out = capsys.readouterr().out
    assert "dep_six" in out and "fit:" in out


def test_informative_check_is_the_same_on_one_process_or_two() -> None:
    scenario = load_scenario(BASELINE)
    priors = [Prior("talent.base_hazard_per_month", "loguniform", 0.002, 0.01)]
    reports = []
    for kind, n in (("serial", 1), ("process", 2)):
        with make_executor(kind, n) as pool:
            reports.append(check(scenario, priors, [0, 1, 2], pool))
    assert reports[0]["items"] == reports[1]["items"]
