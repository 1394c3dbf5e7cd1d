"""The model's month: the ordered list of mechanisms, declared here and nowhere else.

Each mechanism is one module of :mod:`sim` that declares

* ``SECTION``: the scenario section of its parameters (``[technology]`` ...; ``""`` for none),
* ``ODD``: the heading of its section of ``docs/ODD.md`` (section 7),
* ``STUDENT``: (heading, one paragraph) in a student's words, for the explorer's About tab,
* ``init(model)``: sets up the model-level state it owns, once the firms are built,
* ``step(model)``: its part of one month.

:class:`sim.model.MarketModel` initialises and steps the mechanisms in the order of
:data:`MONTH`; ``docs/gen_params.py`` orders the parameter sections by it and checks that
``docs/ODD.md`` lists the month in this order; the tests read it too.
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, Protocol

from . import accounts, capital, consumer, demand, entry, exits, open_source, pricing, strategy, talent, technology

if TYPE_CHECKING:
    from .model import MarketModel


class Mechanism(Protocol):
    """What a mechanism module declares (see the module docstring)."""

    SECTION: str
    ODD: str
    STUDENT: tuple[str, str]  # (heading, Markdown paragraph) for the explorer's About tab

    def init(self, model: MarketModel) -> None: ...

    def step(self, model: MarketModel) -> None: ...


#: One month, in order (ODD section 3).
MONTH: tuple[ModuleType, ...] = (technology, open_source, pricing, demand, consumer, accounts, capital, talent,
                                 strategy, exits, entry)


def name(mechanism: ModuleType) -> str:
    """A mechanism's short name: its module's name (``technology``)."""
    return mechanism.__name__.rsplit(".", 1)[-1]
