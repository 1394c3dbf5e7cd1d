"""The plain view of a scenario (sim.config.plain_view) that the model reads its parameters from."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from sim.config import plain_view
from sim.model import MarketModel, release
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def _same_objects(view: Any, model: Any) -> bool:
    """Every field of ``model`` (recursively) is the very object the view holds."""
    if isinstance(model, BaseModel):
        return type(view) is not type(model) and all(_same_objects(getattr(view, k), getattr(model, k))
                                                     for k in type(model).model_fields)
    if isinstance(model, (list, tuple)):
        return type(view) is type(model) and len(view) == len(model) and all(map(_same_objects, view, model))
    if isinstance(model, dict):
        return view.keys() == model.keys() and all(_same_objects(view[k], model[k]) for k in model)
    return view is model


def test_view_holds_the_scenarios_values_and_methods() -> None:
    sc = load_scenario(ROOT / "scenarios" / "baseline.toml")
    view = plain_view(sc)
    assert _same_objects(view, sc)
    assert view == sc and sc == view
    assert view.to_dict() == sc.to_dict() and view.hash() == sc.hash()
    assert view.with_overrides({"capital.sentiment_base": 0.4}).capital.sentiment_base == 0.4
    assert view.demand.niches[0].name == sc.demand.niches[0].name


def test_view_is_read_only() -> None:
    view = plain_view(load_scenario(ROOT / "scenarios" / "baseline.toml"))
    with pytest.raises(TypeError, match="frozen"):
        view.demand.quality_weight = 2.0  # type: ignore[misc]
    with pytest.raises(TypeError, match="frozen"):
        del view.capital


def test_model_reads_the_view() -> None:
    sc = load_scenario(ROOT / "scenarios" / "baseline.toml")
    model = MarketModel(sc, 0)
    try:
        assert model.sc == sc and type(model.sc) is not type(sc)
        assert model.sc.demand.quality_weight is sc.demand.quality_weight
    finally:
        release(model)


def test_models_of_one_scenario_share_its_view_and_a_new_scenario_gets_its_own() -> None:
    sc = load_scenario(ROOT / "scenarios" / "baseline.toml")
    first, second = MarketModel(sc, 0), MarketModel(sc, 1)
    other = MarketModel(sc.with_overrides({"demand.price_weight": sc.demand.price_weight + 1.0}), 0)
    try:
        assert first.sc is second.sc
        assert other.sc is not first.sc
        assert other.sc.demand.price_weight == sc.demand.price_weight + 1.0
        assert MarketModel(sc, 2).sc == sc and MarketModel(sc, 2).sc is not first.sc  # after another scenario
    finally:
        for m in (first, second, other):
            release(m)
