"""Scenario files: validation of bad input (one clear error naming file, key path and expectation)
and ``extends`` (relative and absolute paths, tables merge key by key, named lists merge by name,
plain lists replace whole)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import BAD_INPUTS, EXT
from pydantic import ValidationError

from sim.config import merge
from sim.errors import InputError
from sim.params import StartupSpec
from sim.scenario import Scenario, load_scenario, validate_dict


def _error(path: Path) -> InputError:
    with pytest.raises(InputError) as info:
        load_scenario(path)
    return info.value


# ----------------------------------------------------------------------------- good input
def test_baseline_validates(baseline: Scenario) -> None:
    assert baseline.name == "baseline"
    assert [s.name for s in baseline.startups] == ["Zhipu", "MiniMax", "Moonshot", "StepFun", "Baichuan", "01.AI"]
    assert "DeepSeek" in [o.name for o in baseline.open_labs]
    assert baseline.time.start == "2023-01"


def test_defaults_are_a_valid_scenario() -> None:
    sc = Scenario()
    assert validate_dict(sc.to_dict(), "defaults") == sc


def test_round_trip_and_hash(baseline: Scenario) -> None:
    again = validate_dict(baseline.to_dict(), "again")
    assert again == baseline
    assert again.hash() == baseline.hash()
    assert len(baseline.hash()) == 16
    assert baseline.with_overrides({"capital.sentiment_base": 0.31}).hash() != baseline.hash()


def test_name_defaults_to_file_stem(write_scenario) -> None:
    path = write_scenario("[time]\nend = '2023-06'\n", name="my_case.toml")
    assert load_scenario(path).name == "my_case"


def test_int_accepted_for_float(write_scenario) -> None:
    sc = load_scenario(write_scenario("[technology]\nfrontier_run_cost_usd_2023 = 20000000\n"))
    assert sc.technology.frontier_run_cost_usd_2023 == 2e7


def test_range_bounds_are_inclusive(write_scenario) -> None:
    sc = load_scenario(write_scenario("[capital]\nsentiment_base = 1.0\nsentiment_initial = 0.0\n"))
    assert sc.capital.sentiment_base == 1.0 and sc.capital.sentiment_initial == 0.0


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_names_file_key_and_expectation(case: str, write_scenario) -> None:
    text, key, words = BAD_INPUTS[case]
    path = write_scenario(text, name=f"{case}.toml")
    err = _error(path)
    msg = str(err)
    assert "\n" not in msg
    assert path.name in err.file and path.name in msg
    assert err.key == key and key in msg
    for w in words:
        assert w in msg, (w, msg)


def test_unknown_key_lists_valid_keys(write_scenario) -> None:
    msg = str(_error(write_scenario("[talent]\nbase_hazard = 0.01\n")))
    assert "did you mean 'base_hazard_per_month'" in msg and "valid keys:" in msg


def test_range_message_names_unit(write_scenario) -> None:
    msg = str(_error(write_scenario("[technology]\nalgorithmic_halving_months = 1.0\n")))
    assert "[3.0, 36.0]" in msg and "months" in msg


def test_malformed_toml(write_scenario) -> None:
    path = write_scenario("[capital\nsentiment_base = 0.5\n", name="broken.toml")
    err = _error(path)
    assert "broken.toml" in str(err) and "malformed TOML" in str(err) and "line" in str(err)
    assert "\n" not in str(err)


def test_missing_file(tmp_path: Path) -> None:
    err = _error(tmp_path / "nowhere.toml")
    assert "nowhere.toml" in str(err) and "not found" in str(err)


def test_missing_extends_target(write_scenario) -> None:
    path = write_scenario('extends = "parent_gone.toml"\n', name="child.toml")
    err = _error(path)
    assert "child.toml" in err.file
    assert err.key == "extends"
    assert "parent_gone.toml" in str(err) and "not found" in str(err)


def test_extends_cycle(write_scenario) -> None:
    a = write_scenario('extends = "b.toml"\n', name="a.toml")
    write_scenario('extends = "a.toml"\n', name="b.toml")
    err = _error(a)
    msg = str(err)
    assert err.key == "extends" and "cycle" in msg
    assert "a.toml" in msg and "b.toml" in msg
    assert "\n" not in msg


def test_extends_self_cycle(write_scenario) -> None:
    err = _error(write_scenario('extends = "me.toml"\n', name="me.toml"))
    assert err.key == "extends" and "cycle" in str(err)


def test_directory_is_not_a_scenario(tmp_path: Path) -> None:
    err = _error(tmp_path)
    assert "readable" in str(err)


def test_only_first_problem_is_reported_with_a_count(write_scenario) -> None:
    msg = str(_error(write_scenario("[capital]\nsentiment_base = 2.0\nsentiment_initial = 3.0\n")))
    assert "\n" not in msg and "1 more problem" in msg


# ----------------------------------------------------------------------------- with_overrides
def test_with_overrides(baseline: Scenario) -> None:
    sc = baseline.with_overrides({"capital.sentiment_base": 0.3, "startups.0.cash_usd": 1e9})
    assert sc.capital.sentiment_base == 0.3 and sc.startups[0].cash_usd == 1e9
    assert sc.capital.sentiment_initial == baseline.capital.sentiment_initial
    assert baseline.capital.sentiment_base != 0.3 or baseline.startups[0].cash_usd != 1e9  # original untouched


@pytest.mark.parametrize("path, value, key, words", [
    ("capital.sentiment_bse", 0.5, "capital.sentiment_bse", ["did you mean 'sentiment_base'"]),
    ("capitol.sentiment_base", 0.5, "capitol", ["did you mean 'capital'"]),
    ("startups.99.cash_usd", 1.0, "startups.99", ["index below 6"]),
    ("capital.sentiment_base", 7.0, "capital.sentiment_base", ["[0.0, 1.0]"]),
    ("time.end", "2024-6", "time.end", ["YYYY-MM"]),
])
def test_bad_overrides(baseline: Scenario, path: str, value, key: str, words: list[str]) -> None:
    with pytest.raises(InputError) as info:
        baseline.with_overrides({path: value}, origin="--set")
    err = info.value
    assert err.file == "--set" and err.key == key
    for w in words:
        assert w in str(err)


def test_scenario_is_frozen(baseline: Scenario) -> None:
    with pytest.raises(ValidationError):
        baseline.capital.sentiment_base = 0.1  # type: ignore[misc]


# ----------------------------------------------------------------------------- extends
PARENT = """\
name = "parent"
description = "the parent"
[capital]
sentiment_base = 0.4
round_interval_months = 12
[demand]
niches = [{ name = "medicine" }, { name = "coding", heat = 0.9 }]
[[giants]]
name = "G"
cloud = 0.7
[[startups]]
name = "A"
cash_usd = 2e8
staff = 111
investors = ["G"]
[[startups]]
name = "B"
cash_usd = 3e8
"""


@pytest.mark.parametrize("how", ["relative", "absolute"])
def test_extends_child_overrides_one_key(write_scenario, how: str) -> None:
    parent = write_scenario(PARENT, name="parent.toml", folder="base")
    ref = "../base/parent.toml" if how == "relative" else parent.as_posix()
    child = write_scenario(f'extends = "{ref}"\n[capital]\nsentiment_base = 0.3\n', name="child.toml", folder="kids")
    sc = load_scenario(child)
    p = load_scenario(parent)
    assert sc.capital.sentiment_base == 0.3
    assert sc.capital.round_interval_months == 12  # same table, other key: inherited (merged key by key)
    assert sc.description == "the parent"
    assert sc.startups == p.startups and sc.giants == p.giants and sc.demand.niches == p.demand.niches
    rest = sc.with_overrides({"capital.sentiment_base": 0.4, "name": p.name})
    assert rest == p


def test_child_without_name_is_named_after_its_file(write_scenario) -> None:
    """A child that does not set ``name`` must not inherit its parent's: the name is the default output
    folder, so ``run child.toml`` would otherwise overwrite ``results/<parent>/``."""
    write_scenario(PARENT, name="parent.toml")
    sc = load_scenario(write_scenario('extends = "parent.toml"\n', name="child.toml"))
    assert sc.name == "child"
    named = load_scenario(write_scenario('extends = "parent.toml"\nname = "mine"\n', name="other.toml"))
    assert named.name == "mine"


def test_extends_chain_relative_to_each_file(write_scenario) -> None:
    write_scenario(PARENT, name="parent.toml", folder="a")
    write_scenario('extends = "../a/parent.toml"\n[capital]\nround_interval_months = 6\n', name="mid.toml", folder="b")
    leaf = write_scenario('extends = "b/mid.toml"\n[capital]\nsentiment_base = 0.2\n', name="leaf.toml")
    sc = load_scenario(leaf)
    assert (sc.capital.sentiment_base, sc.capital.round_interval_months) == (0.2, 6)
    assert [s.name for s in sc.startups] == ["A", "B"]


def test_extends_named_lists_merge_by_name(write_scenario) -> None:
    write_scenario(PARENT, name="parent.toml")
    child = write_scenario('extends = "parent.toml"\n[[startups]]\nname = "C"\ninvestors = ["G"]\n'
                           '[[startups]]\nname = "A"\ncash_usd = 5e8\n'
                           '[demand]\nniches = [{ name = "voice" }, { name = "coding", heat = 0.2 }]\n',
                           name="child.toml")
    sc = load_scenario(child)
    assert [s.name for s in sc.startups] == ["A", "B", "C"]  # overridden in place, new name appended
    a = sc.startups[0]
    assert (a.cash_usd, a.staff, a.investors) == (5e8, 111, ["G"])  # only the given key changes
    assert sc.startups[2].staff == StartupSpec().staff  # a new item does not inherit another's values
    assert [(n.name, n.heat) for n in sc.demand.niches][1:] == [("coding", 0.2), ("voice", sc.demand.niches[2].heat)]
    assert [g.name for g in sc.giants] == ["G"]  # untouched lists are inherited


def test_extends_remove_an_item(write_scenario) -> None:
    write_scenario(PARENT, name="parent.toml")
    sc = load_scenario(write_scenario('extends = "parent.toml"\n[[startups]]\nname = "A"\nremove = true\n',
                                      name="child.toml"))
    assert [s.name for s in sc.startups] == ["B"]
    err = _error(write_scenario('extends = "parent.toml"\n[[startups]]\nname = "Bee"\nremove = true\n',
                                name="typo.toml"))
    assert "typo.toml" in err.file and err.key == "startups.0.name"
    assert "no item named 'Bee'" in str(err) and "did you mean 'B'" in str(err)
    err = _error(write_scenario('extends = "parent.toml"\n[[startups]]\nname = "A"\nremove = true\nstaff = 3\n',
                                name="both.toml"))
    assert err.key == "startups.0.remove" and "only name and remove = true" in str(err)
    err = _error(write_scenario('[[startups]]\nname = "A"\nremove = true\n', name="orphan.toml"))
    assert err.key == "startups.0.remove" and "there is none" in str(err)


def test_extends_unnamed_item_in_a_named_list_is_refused(write_scenario) -> None:
    write_scenario(PARENT, name="parent.toml")
    err = _error(write_scenario('extends = "parent.toml"\n[[startups]]\ncash_usd = 1e8\n', name="child.toml"))
    assert "child.toml" in err.file and err.key == "startups.0.name" and "expected a name" in str(err)


def test_child_overriding_one_startups_cash_keeps_all_six(write_scenario, baseline: Scenario) -> None:
    sc = load_scenario(write_scenario(EXT + '[[startups]]\nname = "MiniMax"\ncash_usd = 1e9\n', name="rich.toml"))
    assert [s.name for s in sc.startups] == [s.name for s in baseline.startups] and len(sc.startups) == 6
    assert sc.startups[1].cash_usd == 1e9
    assert sc.with_overrides({"startups.MiniMax.cash_usd": baseline.startups[1].cash_usd,
                              "name": baseline.name}) == baseline


def test_plain_lists_still_replace(write_scenario) -> None:
    write_scenario(PARENT, name="parent.toml")
    sc = load_scenario(write_scenario('extends = "parent.toml"\n[[startups]]\nname = "A"\ninvestors = []\n',
                                      name="child.toml"))
    assert sc.startups[0].investors == []


def test_error_in_a_parent_value_names_the_parent(write_scenario) -> None:
    parent = write_scenario("[capital]\nsentiment_base = 1.5\n", name="bad_parent.toml", folder="p")
    child = write_scenario('extends = "p/bad_parent.toml"\n[time]\nend = "2024-06"\n', name="child.toml")
    err = _error(child)
    assert err.key == "capital.sentiment_base" and Path(err.file).name == parent.name
    # a startup the child overrides is named after the child, one it does not after the parent
    write_scenario(PARENT.replace("staff = 111", "staff = 0"), name="p2.toml")
    err = _error(write_scenario('extends = "p2.toml"\n[[startups]]\nname = "B"\ncash_usd = 1e8\n', name="c2.toml"))
    assert err.key == "startups.A.staff" and Path(err.file).name == "p2.toml"
    err = _error(write_scenario('extends = "p2.toml"\n[[startups]]\nname = "A"\ncash_usd = 1e8\n', name="c3.toml"))
    assert err.key == "startups.A.staff" and Path(err.file).name == "p2.toml"
    write_scenario(PARENT, name="parent.toml")
    # the child's only item is B: it is named, not given its index in the merged list
    err = _error(write_scenario('extends = "parent.toml"\n[[startups]]\nname = "B"\nstaff = 0\n', name="c4.toml"))
    assert err.key == "startups.B.staff" and Path(err.file).name == "c4.toml"
    err = _error(write_scenario('extends = "parent.toml"\n[[startups]]\nname = "0.1"\nstaff = 0\n', name="c5.toml"))
    assert err.key == 'startups."0.1".staff'  # a name that is not a bare key is quoted, as --set writes it
    err = _error(write_scenario('extends = "parent.toml"\n[[startups]]\nname = "智谱"\nstaff = 0\n', name="c6.toml"))
    assert err.key == 'startups."智谱".staff'  # as written, not escaped


def test_extends_baseline(write_scenario, baseline: Scenario) -> None:
    child = write_scenario(EXT + '[time]\nend = "2024-06"\n', name="short.toml")
    sc = load_scenario(child)
    assert sc.time.end == "2024-06"
    assert sc.with_overrides({"time.end": baseline.time.end, "name": baseline.name}) == baseline


def test_merge_semantics() -> None:
    base = {"a": {"x": 1, "y": {"p": 1, "q": 2}}, "l": [1, 2], "t": [{"k": 1}, {"k": 2}]}
    out = merge(base, {"a": {"y": {"q": 3}}, "l": [9], "t": [{"j": 5}]})
    assert out == {"a": {"x": 1, "y": {"p": 1, "q": 3}}, "l": [9], "t": [{"j": 5}]}
    assert base["a"]["y"]["q"] == 2  # no aliasing
    named = {"n": [{"name": "a", "v": 1, "w": {"x": 1}}, {"name": "b", "v": 2}]}
    out = merge(named, {"n": [{"name": "a", "w": {"y": 2}}, {"name": "c"}]})
    assert out == {"n": [{"name": "a", "v": 1, "w": {"x": 1, "y": 2}}, {"name": "b", "v": 2}, {"name": "c"}]}
    out["n"][0]["w"]["x"] = 9
    assert named["n"][0]["w"]["x"] == 1  # no aliasing
    assert merge(named, {"n": []}) == {"n": []}  # an empty list replaces
