"""Declared outputs (sim.outputs): the schemas, the row builders, the events' structured columns and
docs/outputs.md all come from one declaration, and the generated docs do not drift."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest
from conftest import ROOT

from sim.model import MarketModel, release
from sim.outputs import (
    EVENT_DOCS,
    EXIT_ACQUIRED,
    EXIT_FIRE_SALE,
    EXIT_SHUTDOWN,
    EXIT_WOUND_DOWN,
    IPO_FILING,
    IPO_LISTING,
    TABLE_COLUMNS,
    EventType,
)
from sim.results import SCHEMAS
from sim.scenario import Scenario

#: The column names and types every reader may rely on (model version 2): never reordered or retyped.
PINNED = {
    "model": "seed:int64 step:int32 date:string n_foundation:int32 n_alive:int32 n_pivoted:int32 n_exited:int32 "
             "hhi_consumer:double hhi_enterprise:double frontier_capability:double open_floor_capability:double "
             "vc_sentiment:double mean_api_price_usd_per_mtok:double outside_appeal:double "
             "consumer_market_mau:double enterprise_market_usd:double departures:int32",
    "firms": "seed:int64 step:int32 date:string firm:string kind:string strategy:string cash_usd:double "
             "capability:double mau:double revenue_usd:double api_price_usd_per_mtok:double executives:int32 "
             "funding_raised_usd:double executives_technical:int32 revenue_consumer_usd:double "
             "revenue_enterprise_usd:double revenue_vertical_usd:double costs_usd:double funding_usd:double "
             "external_usd:double transfers_usd:double runway_months:double niche:string",
    "events": "seed:int64 step:int32 date:string firm:string type:string amount_usd:double role:string "
              "destination:string detail:string",
}


@pytest.mark.parametrize("table", list(PINNED))
def test_existing_columns_keep_their_names_order_and_types(table: str) -> None:
    got = [f"{f.name}:{f.type}" for f in SCHEMAS[table]]
    pinned = PINNED[table].split()
    assert got[:len(pinned)] == pinned


def test_schemas_are_the_declarations() -> None:
    for name, cols in TABLE_COLUMNS.items():
        assert SCHEMAS[name].names == [c.name for c in cols]
        assert all(c.unit and c.meaning for c in cols), name


#: The event types of model version 2, in order: a new type is appended to EventType, none renamed or removed.
PINNED_EVENT_TYPES = ["release", "price_cut", "funding_round", "departure", "pivot", "product_cut", "ipo", "exit",
                      "entry"]


def test_every_event_type_is_documented_and_kept() -> None:
    assert set(EVENT_DOCS) == set(EventType)
    assert [t.value for t in EventType][:len(PINNED_EVENT_TYPES)] == PINNED_EVENT_TYPES


def test_log_refuses_an_unknown_event_type(short: Scenario) -> None:
    model = MarketModel(short, 0)
    try:
        model.log("Zhipu", EventType.PIVOT, niche="medicine")
        assert model.recorder.events["niche"] == ["medicine"]
        with pytest.raises(ValueError, match="launch"):
            model.log("Zhipu", "launch")
        with pytest.raises(TypeError):
            model.log("Zhipu", EventType.PIVOT, nicche="medicine")  # an undeclared column
        assert len(model.recorder.events["type"]) == 1  # the refused rows left nothing behind
    finally:
        release(model)


def test_structured_event_columns_agree_with_the_detail_text(runs, baseline: Scenario) -> None:
    """The facts readers use (stage, partner, niche, open_weights, model_number, gap_doublings, price_from/to,
    acquirer) are set where the detail text says them."""
    seen = set()
    for seed in range(3):
        ev = runs(baseline, seed).events
        for i, typ in enumerate(ev["type"]):
            detail, stage = ev["detail"][i], ev["stage"][i]
            if typ == "ipo":
                assert stage == (IPO_LISTING if detail == "lists its shares" else IPO_FILING)
                seen.add(stage)
            elif typ == "exit":
                buyer = ev["acquirer"][i]
                expected = {"shuts down": EXIT_SHUTDOWN, "winds down": EXIT_WOUND_DOWN,
                            f"sold in a fire sale to {buyer}": EXIT_FIRE_SALE,
                            f"acquired by {buyer}": EXIT_ACQUIRED}[detail]
                assert stage == expected and (buyer == "") == (stage in (EXIT_SHUTDOWN, EXIT_WOUND_DOWN))
                seen.add(("exit", stage))
            else:
                assert stage == ""
            if typ == "release":
                assert ev["open_weights"][i] == detail.startswith("open-weight ")
                seen.add(("open", ev["open_weights"][i]))
            else:
                assert ev["open_weights"][i] is False
            if typ == "pivot" and ev["partner"][i]:
                assert detail.endswith(f" with {ev['partner'][i]} cloud")
            if typ == "pivot" and detail.startswith("pivots to "):
                assert ev["niche"][i] == detail.removeprefix("pivots to ")
            if typ == "funding_round":
                assert detail == ("venture round" + (f" with {ev['partner'][i]}" if ev["partner"][i] else "")
                                  + (" (down round)" if ev["down_round"][i] else ""))
            if typ == EventType.RELEASE:
                gap, number = ev["gap_doublings"][i], ev["model_number"][i]
                assert detail.endswith(f", {gap:.2f} doublings below frontier")
                assert (f"model #{number}," in detail) if number else bool(ev["release_name"][i])
                seen.add("release")
            else:
                assert math.isnan(ev["gap_doublings"][i]) and ev["model_number"][i] == 0
            if typ == EventType.PRICE_CUT:
                assert detail == f"API price {ev['price_from'][i]:.3f} -> {ev['price_to'][i]:.3f} USD/Mtok"
                assert ev["price_to"][i] < ev["price_from"][i]
                seen.add("price_cut")
            else:
                assert math.isnan(ev["price_from"][i]) and math.isnan(ev["price_to"][i])
            if typ != EventType.EXIT:
                assert ev["acquirer"][i] == ""
    assert {IPO_FILING, IPO_LISTING, ("open", True), ("open", False), "release", "price_cut"} <= seen


def test_docs_outputs_md_is_generated_from_the_declarations() -> None:
    res = subprocess.run([sys.executable, "docs/gen_outputs.py", "--check"], cwd=ROOT, capture_output=True,
                         text=True)
    assert res.returncode == 0, res.stderr


def test_gen_outputs_check_fails_when_the_docs_drift(tmp_path, monkeypatch) -> None:
    sys.path.insert(0, str(ROOT / "docs"))
    import gen_outputs

    text = gen_outputs.OUT.read_text(encoding="utf-8")
    drifted = text.replace("| `niche` | string |", "| `niche` | int32 |", 1)
    assert drifted != text
    assert gen_outputs.render(drifted) == text  # regenerating restores the declared table
    monkeypatch.setattr(gen_outputs, "OUT", tmp_path / "outputs.md")
    (tmp_path / "outputs.md").write_text(drifted, encoding="utf-8")
    assert gen_outputs.main(["--check"]) == 1


def test_firms_rows_have_one_row_function_per_firm_class(short: Scenario) -> None:
    """The recorder compiles one copy of the firms-table row function per firm class (docs/performance.md):
    every class's copy gives the row of the declared getters, in column order."""
    from sim.model import MarketModel, release
    from sim.outputs import FIRMS_COLUMNS
    from sim.results import _FIRM_ROWS

    model = MarketModel(short, 0)
    try:
        model.step()
        for f in model.firms:
            row = _FIRM_ROWS[type(f)](f, 0, 0, "2023-01")
            assert len(row) == len(FIRMS_COLUMNS)
            assert row[3:7] == (f.name, f.kind, f.strategy, f.cash_usd)
        assert {cls.__name__ for cls in _FIRM_ROWS} >= {"Startup", "Giant", "OpenLab"}
        assert len({id(row.__code__) for row in _FIRM_ROWS.values()}) == len(_FIRM_ROWS)  # own code objects
    finally:
        release(model)
