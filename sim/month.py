"""The model's month: the ordered list of mechanisms, declared here and nowhere else.

Each mechanism is one module of :mod:`sim` that declares

* ``SECTION``: the scenario section of its parameters (``[technology]`` ...; ``""`` for none),
* ``ODD``: the heading of its section of ``docs/ODD.md`` (section 7),
* ``STUDENT``: (heading, one paragraph) in a student's words, for the explorer's About tab,
* ``init(model)``: sets up the model-level state it owns, once the firms are built,
* ``step(model)``: its part of one month.

:class:`sim.model.MarketModel` initialises the mechanisms in the order of :data:`MONTH` and steps
them in that order unless the scenario's ``[schedule] order`` names another permutation of them
(:func:`scheduled`; the orderings the model needs whatever the file says are :data:`REQUIRED`,
checked by :func:`order_problem` when a scenario is loaded); ``docs/gen_params.py`` orders the
parameter sections by :data:`MONTH` and checks that ``docs/ODD.md`` lists the month in this order;
the tests read it too.
"""

from __future__ import annotations

from collections.abc import Sequence
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
MONTH: tuple[ModuleType, ...] = (technology, open_source, pricing, demand, consumer, accounts, talent, strategy,
                                 capital, exits, entry)


def name(mechanism: ModuleType) -> str:
    """A mechanism's short name: its module's name (``technology``)."""
    return mechanism.__name__.rsplit(".", 1)[-1]


#: Orderings of the month that every ``[schedule] order`` must keep: (earlier, later, why). Each is a
#: bookkeeping rule of the model, not a behavioural assumption (docs/ODD.md section 3), and breaking any
#: one alone breaks the ledger of the firms table (tests/test_schedule.py):
#:
#: * a firm's revenue is computed (demand, consumer) before it is booked (accounts), so that the month's
#:   revenue in the firms table is the money that reached its cash;
#: * the month is booked (accounts) before the exits step, so that an exiting firm's last revenue is booked
#:   and a default on the month's bills (``defaulted``, cleared at the start of every month) is turned into
#:   an exit in its month (budgets bind, docs/ODD.md 7.6).
REQUIRED: tuple[tuple[str, str, str], ...] = (
    ("demand", "accounts", "API and vertical revenue must be earned before it is booked"),
    ("consumer", "accounts", "consumer revenue must be earned before it is booked"),
    ("accounts", "exits", "an exiting firm's month must be booked, and a default acted on, before it leaves"),
)


def order_problem(order: Sequence[str], month: Sequence[ModuleType] = MONTH) -> str | None:
    """What is wrong with ``order`` as a ``[schedule] order`` (the expected form, for an error message), or None.

    ``[]`` stands for ``month``'s own order; otherwise ``order`` must name every mechanism of ``month`` once
    and keep every ordering of :data:`REQUIRED`.
    """
    names = [name(m) for m in month]
    if not order:
        return None
    unknown = [n for n in order if n not in names]
    missing = [n for n in names if n not in order]
    repeated = sorted({n for n in order if order.count(n) > 1})
    if unknown or missing or repeated:
        found = "; ".join(part for part in (
            f"unknown {unknown}" if unknown else "", f"missing {missing}" if missing else "",
            f"repeated {repeated}" if repeated else "") if part)
        return f"expected a permutation of the month's mechanisms {names} (or [] for that order); {found}"
    position = {n: i for i, n in enumerate(order)}
    for earlier, later, why in REQUIRED:
        if earlier in position and later in position and position[earlier] > position[later]:
            return f"expected '{earlier}' before '{later}' ({why}; docs/ODD.md section 3)"
    return None


def scheduled(order: Sequence[str], month: Sequence[ModuleType] = MONTH) -> tuple[ModuleType, ...]:
    """The mechanisms of ``month`` in the order ``order`` names them (``[]``: ``month`` as it is).

    ``order`` is assumed valid (:func:`order_problem`, checked when the scenario was loaded)."""
    if not order:
        return tuple(month)
    by_name = {name(m): m for m in month}
    return tuple(by_name[n] for n in order)
