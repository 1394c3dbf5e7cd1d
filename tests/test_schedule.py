"""The ``[schedule] order`` option: validation, the default month unchanged, a permuted month runs and
differs, and the orderings the model needs (``sim.month.REQUIRED``) are the ones whose breach breaks it."""

from __future__ import annotations

import pytest
import test_invariants as inv

import sim.month as month
from sim.errors import InputError
from sim.model import MarketModel, release, run
from sim.month import MONTH, REQUIRED, name, order_problem, scheduled
from sim.params import ScheduleParams
from sim.scenario import Scenario

DEFAULT = [name(m) for m in MONTH]
#: A valid permutation: model 3.8's month (capital before talent and strategy: departures reach sentiment the next
#: month) with entry first (entrants act in the month they enter).
PERMUTED = ["entry", "technology", "open_source", "pricing", "demand", "consumer", "accounts", "capital", "talent",
            "strategy", "exits"]


def _moved(order: list[str], mechanism: str, after: str) -> list[str]:
    """``order`` with ``mechanism`` moved to just after ``after``."""
    out = [n for n in order if n != mechanism]
    out.insert(out.index(after) + 1, mechanism)
    return out


def test_the_default_is_the_month_of_sim_month(baseline: Scenario) -> None:
    assert baseline.schedule.order == []
    model = MarketModel(baseline, 0)
    try:
        assert model.month == MONTH
    finally:
        release(model)
    assert scheduled(PERMUTED) == tuple(next(m for m in MONTH if name(m) == n) for n in PERMUTED)


def test_the_default_written_out_gives_the_same_tables(short: Scenario) -> None:
    a = run(short, 3)
    b = run(short.with_overrides({"schedule.order": DEFAULT}), 3)
    for table in ("model", "firms", "events"):
        assert getattr(a, table) == getattr(b, table), table


def test_a_permuted_month_runs_differs_and_keeps_the_books(short: Scenario) -> None:
    sc = short.with_overrides({"schedule.order": PERMUTED})
    a, b = run(short, 1), run(sc, 1)
    assert a.model["n_foundation"] and len(a.model["step"]) == len(b.model["step"])
    assert a.model["vc_sentiment"] != b.model["vc_sentiment"]
    inv.test_money_is_conserved(inv.trace(sc, 1))


@pytest.mark.parametrize("order, words", [
    (DEFAULT[:-1], ["permutation", "missing ['entry']"]),
    ([*DEFAULT, "marketing"], ["unknown ['marketing']"]),
    ([*DEFAULT, "exits"], ["repeated ['exits']"]),
    (_moved(DEFAULT, "demand", "accounts"), ["'demand' before 'accounts'"]),
    (_moved(DEFAULT, "exits", "open_source"), ["'accounts' before 'exits'"]),
    (["exits", *[n for n in DEFAULT if n != "exits"]], ["'accounts' before 'exits'"]),
])
def test_an_invalid_order_names_the_key_and_what_was_expected(short: Scenario, order: list[str],
                                                              words: list[str]) -> None:
    with pytest.raises(InputError) as err:
        short.with_overrides({"schedule.order": order}, origin="spec.toml")
    assert err.value.file == "spec.toml" and err.value.key == "schedule.order"
    for w in words:
        assert w in err.value.expected


def test_every_required_ordering_is_needed(baseline: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each rule of REQUIRED, broken alone (the check switched off), breaks the ledger of the firms table:
    the rules are the model's bookkeeping, not a taste. (A run without venture money has exits.)"""
    monkeypatch.setattr(month, "REQUIRED", ())
    distressed = baseline.with_overrides({"capital.enabled": False, "time.end": "2025-06"})
    for earlier, later, _ in REQUIRED:
        order = _moved(DEFAULT, earlier, later)  # 'earlier' now runs just after 'later'
        assert order_problem(order) is None
        with pytest.raises(AssertionError, match="ledger breaks"):
            inv.test_money_is_conserved(inv.trace(distressed.with_overrides({"schedule.order": order}), 0))


def test_a_valid_order_keeps_every_rule_and_the_default_keeps_them_too() -> None:
    assert order_problem(DEFAULT) is None and order_problem([]) is None and order_problem(PERMUTED) is None
    position = {n: i for i, n in enumerate(DEFAULT)}
    assert all(position[a] < position[b] for a, b, _ in REQUIRED)


def test_the_parameter_text_lists_the_default_month_and_the_rules() -> None:
    text = ScheduleParams.model_fields["order"].description
    assert ", ".join(DEFAULT) in text
    for earlier, later, _ in REQUIRED:
        assert earlier in text and later in text
