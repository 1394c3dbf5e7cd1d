"""The model's structure: the month is one declared list of mechanisms, each owning its state and
section; kind-specific behaviour lives in the firm classes; money moves in through one method; and
the generated parameter docs (docs/parameters.md, the ODD cross-check) do not drift."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from sim.agents import Firm, Giant, OpenLab, Startup
from sim.model import MarketModel, release
from sim.month import MONTH, name
from sim.params import ScenarioSections
from sim.scenario import Scenario

SIM = ROOT / "sim"
#: Modules whose behaviour must not ask a firm's type (the mechanisms, the agents, the model core).
MODEL_CODE = [*(f"{name(m)}.py" for m in MONTH), "agents.py", "model.py", "population.py", "results.py"]


def test_month_is_every_mechanism_once_and_each_declares_its_parts() -> None:
    """MONTH holds each mechanism once; each is a module of sim/ declaring what sim.month.Mechanism says (its
    order against docs/ODD.md is checked by docs/gen_params.py --check, below)."""
    assert len({name(m) for m in MONTH}) == len(MONTH)
    for m in MONTH:
        assert (SIM / f"{name(m)}.py").is_file() and m.__name__ == f"sim.{name(m)}", name(m)
        assert callable(m.init) and callable(m.step), name(m)
        assert m.SECTION == "" or m.SECTION in ScenarioSections.model_fields, name(m)
        assert m.ODD.startswith("7."), name(m)
        heading, text = m.STUDENT
        assert heading and len(text.split()) >= 5, name(m)
    sections = [m.SECTION for m in MONTH if m.SECTION]
    assert len(set(sections)) == len(sections)


def test_each_mechanism_sets_up_its_own_state(short: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    """Leaving out one mechanism's init leaves exactly its state unset: MarketModel.__init__ owns none of it."""
    import sim.capital as capital

    monkeypatch.setattr(capital, "init", lambda model: None)
    model = MarketModel(short, 0)
    try:
        assert not hasattr(model, "sentiment") and not hasattr(model, "outside_appeal")
        assert not hasattr(model, "rank_cache")  # the ranks cache is capital's, not the model's
        assert hasattr(model, "open_floor") and hasattr(model, "departures_this_month")
    finally:
        release(model)


@pytest.mark.parametrize("module", MODEL_CODE)
def test_no_isinstance_dispatch_in_model_code(module: str) -> None:
    tree = ast.parse((SIM / module).read_text(encoding="utf-8"))
    calls = [n.lineno for n in ast.walk(tree)
             if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "isinstance"]
    assert calls == [], f"sim/{module} asks a firm's type at lines {calls}: override a Firm method instead"


#: The Firm methods that may write the ledger: the opening balance, the monthly reset, the two doors and an
#: entrant's opening with its seed funding.
LEDGER_WRITERS = ("__init__", "begin_month", "receive", "pay", "open_with_funding")


@pytest.mark.parametrize("module", MODEL_CODE)
def test_money_moves_in_only_through_receive(module: str) -> None:
    """Nothing outside Firm's ledger methods adds to or sets cash or an inflow column (``x.cash_usd += ...``,
    ``x.cash_usd = 0.0``)."""
    ledger = {"cash_usd", "funding_usd", "external_usd", "transfers_usd"}
    tree = ast.parse((SIM / module).read_text(encoding="utf-8"))
    bad = []
    for fn in ast.walk(tree):
        if not isinstance(fn, ast.FunctionDef) or (module == "agents.py" and fn.name in LEDGER_WRITERS):
            continue
        for n in ast.walk(fn):
            targets = n.targets if isinstance(n, ast.Assign) else [n.target] if isinstance(
                n, ast.AugAssign | ast.AnnAssign) else []
            bad += [(fn.name, n.lineno) for t in targets for a in ast.walk(t)
                    if isinstance(a, ast.Attribute) and a.attr in ledger]
    assert bad == []


def test_every_kind_of_firm_defines_its_behaviour() -> None:
    """The methods the base class leaves abstract are overridden by every concrete kind."""
    for method in ("start_due_run",):
        assert getattr(Firm, method) is not None
        for cls in (Startup, Giant, OpenLab):
            assert getattr(cls, method) is not getattr(Firm, method), (cls.__name__, method)


def test_receive_books_the_inflow_columns(short: Scenario) -> None:
    model = MarketModel(short, 0)
    try:
        firm = model.firms[0]
        cash = firm.cash_usd
        firm.receive(100.0, funding=60.0, transfers=40.0)
        firm.receive(-10.0, transfers=-10.0)
        flows = (firm.cash_usd - cash, firm.funding_usd, firm.transfers_usd, firm.external_usd)
        assert flows == (90.0, 60.0, 30.0, 0.0)
    finally:
        release(model)


def _gen_params(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "docs/gen_params.py", *args], cwd=ROOT, capture_output=True, text=True)


def test_docs_parameters_md_is_up_to_date() -> None:
    """``docs/gen_params.py --check``: parameters.md is what the code generates, ODD.md names every parameter
    and lists the month of sim/month.py in order."""
    res = _gen_params("--check")
    assert res.returncode == 0, res.stderr


def test_gen_params_check_fails_on_a_drifted_file(tmp_path: Path) -> None:
    stale = tmp_path / "parameters.md"
    stale.write_text((ROOT / "docs" / "parameters.md").read_text(encoding="utf-8").replace("| 4.5 |", "| 4.6 |"))
    res = _gen_params("--check", "--out", str(stale))
    assert res.returncode == 1 and "out of date" in res.stderr


def test_odd_month_check_reads_sim_month() -> None:
    sys.path.insert(0, str(ROOT / "docs"))
    import gen_params

    text = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    assert gen_params.check_odd_month(text) == []
    swapped = text.replace("| 7 | talent | `talent.py`", "| 7 | strategy | `strategy.py`", 1).replace(
        "| 8 | strategy | `strategy.py`", "| 8 | talent | `talent.py`", 1)
    assert swapped != text
    assert any("MONTH" in p for p in gen_params.check_odd_month(swapped))
    month_sections = [m.SECTION for m in MONTH if m.SECTION]
    assert gen_params.SECTION_ORDER == ["time", *month_sections, "population"]
    assert set(gen_params.SECTION_ORDER) <= set(ScenarioSections.model_fields)


def test_a_mechanism_added_to_the_month_is_initialised_and_stepped_in_order(short: Scenario,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The model reads MONTH: a new mechanism needs no change to sim/model.py."""
    import types

    import sim.model

    calls: list[tuple[str, int]] = []
    extra = types.ModuleType("sim.extra")
    extra.SECTION, extra.ODD = "", "7.99 Extra"
    extra.init = lambda model: calls.append(("init", model.t))
    extra.step = lambda model: calls.append(("step", model.entrants))  # entry (the last) has already run
    monkeypatch.setattr(sim.model, "MONTH", (*MONTH, extra))
    model = MarketModel(short, 0)
    try:
        model.run()
        assert calls[0] == ("init", 0) and len(calls) == 1 + model.calendar.n_steps
    finally:
        release(model)


def test_each_kind_of_firm_has_its_own_copy_of_the_inherited_methods() -> None:
    """Firm.__init_subclass__: an inherited method is a copy with its own code object (its own attribute-read
    specialisations, docs/performance.md) and the same bytecode, name and documentation; overrides stay."""
    for cls in (Startup, Giant, OpenLab):
        copy, original = vars(cls)["revenue_usd"], vars(Firm)["revenue_usd"]
        assert copy is not original and copy.__code__ is not original.__code__
        assert copy.__code__.co_code == original.__code__.co_code
        assert (copy.__qualname__, copy.__doc__, copy.__defaults__) == (original.__qualname__, original.__doc__,
                                                                        original.__defaults__)
        assert vars(cls)["receive"].__kwdefaults__ == vars(Firm)["receive"].__kwdefaults__
    assert vars(Startup)["operating_usd"].__qualname__ == "Startup.operating_usd"  # an override is not replaced
    assert vars(Giant)["book_month"].__qualname__ == "Giant.book_month"


def test_every_firm_attribute_is_a_slot(short: Scenario) -> None:
    """A firm's instance dictionary holds only Mesa's attributes, after a whole run too: every other attribute is a
    slot (sim.agents.Firm: with more than 30 attributes in its dictionary, every method call on a firm takes the
    generic lookup, docs/performance.md)."""
    model = MarketModel(short, 0)
    try:
        model.run()
        assert {type(f) for f in model.firms} == {Startup, Giant, OpenLab}
        assert {f.name: set(vars(f)) - {"model", "unique_id", "pos"} for f in model.firms} \
            == {f.name: set() for f in model.firms}
    finally:
        release(model)
