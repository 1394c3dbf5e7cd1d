"""Scenario files: load TOML (with ``extends``), validate, and freeze into a :class:`Scenario`.

A scenario file may say ``extends = "other.toml"`` (relative to the file, or absolute) and
then give only what differs: tables merge key by key; lists of named tables (``[[startups]]``,
``[[giants]]``, ``[[open_labs]]``, ``demand.niches``) merge item by item by ``name`` (a child's
item overrides the keys it gives of the parent's item of that name, a new name is appended,
``remove = true`` drops the parent's item); everything else (numbers, strings, plain lists)
replaces the parent's whole. Every error names the file that set the key (a parent's value
names the parent), the key path and what was expected (:class:`sim.errors.InputError`);
nothing is clamped, ignored or defaulted silently. ``--set key=value`` on the command line
overrides one value of a loaded scenario (:func:`load_scenario`). The rules for writing a
scenario file are in ``docs/scenarios.md``; the reading, merging and error translation are
:mod:`sim.config`'s.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .calendar import parse_month
from .config import Loaded, canonical_hash, load_toml, parse_set, set_path, validate
from .errors import InputError
from .month import order_problem
from .params import ScenarioSections


class Scenario(ScenarioSections):
    """A complete, validated, frozen scenario (its keys and sections: :class:`sim.params.ScenarioSections`)."""

    def to_dict(self) -> dict[str, Any]:
        """Plain nested dict (JSON/TOML-ready) of every resolved value."""
        return self.model_dump(mode="json")

    def hash(self) -> str:
        """SHA-256 of the canonical JSON of the resolved scenario (first 16 hex digits)."""
        return canonical_hash(self.to_dict())

    def with_overrides(self, overrides: Mapping[str, Any], origin: str = "overrides") -> Scenario:
        """A copy with dotted key paths replaced, e.g. ``{"capital.sentiment_base": 0.4}``.

        A list item is addressed by its name or its index (``startups.Zhipu.cash_usd``,
        ``startups.0.cash_usd``; TOML quotes keep a dot in a name: ``startups."01.AI".staff``). Raises
        :class:`InputError` naming ``origin`` and the key as given for an unknown path or a bad
        value.
        """
        data = self.to_dict()
        given: dict[str, str] = {}
        for key, value in overrides.items():
            resolved = set_path(data, key, value, origin)
            given[resolved] = key
        try:
            return validate_dict(data, origin)
        except InputError as exc:
            if exc.key in given and given[exc.key] != exc.key:
                raise InputError(exc.file, given[exc.key], exc.expected) from None
            raise


def validate_dict(data: dict[str, Any], origin: str | Loaded) -> Scenario:
    """Validate a merged scenario dict; raise :class:`InputError` on the first problem.

    ``origin`` names the file, or is the :class:`~sim.config.Loaded` file whose provenance names
    the file that set each key (so that an error in a parent file names that file).
    """
    scenario = validate(Scenario, data, origin)
    _check_consistency(scenario, origin.file_of if isinstance(origin, Loaded) else lambda _key: origin)
    return scenario


def _check_consistency(sc: Scenario, file_of: Callable[[str], str]) -> None:
    """Checks that span keys: dates in order, unique firm names, known references, a valid month order.

    ``file_of(key)`` names the file that set ``key``.
    """

    def err(key: str, expected: str) -> InputError:
        return InputError(file_of(key), key, expected)

    if parse_month(sc.time.end) < parse_month(sc.time.start):
        raise err("time.end", f"expected a month after time.start ({sc.time.start})")
    names: set[str] = set()
    for group in ("startups", "giants", "open_labs"):
        for i, firm in enumerate(getattr(sc, group)):
            if not firm.name:
                raise err(f"{group}.{i}.name", "expected a non-empty firm name")
            if firm.name in names:
                raise err(f"{group}.{i}.name", f"firm name '{firm.name}' is used twice")
            names.add(firm.name)
    giants = {g.name for g in sc.giants}
    for i, st in enumerate(sc.startups):
        for j, inv in enumerate(st.investors):
            if inv not in giants:
                raise err(f"startups.{i}.investors.{j}",
                                 f"expected one of the giants {sorted(giants)}, got '{inv}'")
    if parse_month(sc.capital.outside_rise_end) < parse_month(sc.capital.outside_rise_start):
        raise err("capital.outside_rise_end", "expected a month after capital.outside_rise_start")
    problem = order_problem(sc.schedule.order)
    if problem is not None:
        raise err("schedule.order", problem)




def load_scenario(path: str | Path, overrides: Sequence[str] = ()) -> Scenario:
    """Load, merge and validate a scenario file. Raises :class:`InputError` on bad input.

    ``overrides`` are ``--set`` items (``"key=value"``, see :func:`sim.config.parse_set`),
    applied after the file is validated; their errors name ``--set`` and the key.
    """
    loaded = load_toml(path)
    data = loaded.data
    if loaded.provenance.get("name") != loaded.file:
        data["name"] = Path(path).stem  # a child scenario is named after its own file, not its parent
    scenario = validate_dict(data, loaded)
    return scenario.with_overrides(parse_set(overrides), origin="--set") if overrides else scenario
