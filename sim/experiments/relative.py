"""One rule for a counterfactual that sets a key which is also varied or drawn.

``scenarios/talent_retention.toml`` sets the calibrated ``talent.base_hazard_per_month`` to a
third of the baseline's. When that key is varied (an ``[effects]`` design, :mod:`.effects`) or
drawn from a posterior (``compare --posterior``, :class:`.spec.DrawRule`), running the
counterfactual at its own constant would make its "effect" depend on where the point's value is;
so the counterfactual's value ``cf`` is applied *relative to* the reference's ``ref`` at every
point ``x`` (all in the key's unit), with ``lo``/``hi`` the key's lowest/highest valid value
(:func:`sim.config.valid_range`):

* a key it **lowers** (or raises, without a highest valid value) keeps its *ratio above the
  floor* ``lo`` (:data:`UNBOUNDED_FLOOR` when the key has none, so the plain ratio):
  ``lo + (x - lo) * (cf - lo) / (ref - lo)``;
* a key it **raises** that has a highest valid value moves the same *share of the way up*:
  ``x + (hi - x) * (cf - ref) / (hi - ref)``.

Both stay inside the valid range at every valid ``x`` (nothing is clipped). With ``ref`` at the
floor and no share to move (a lowering, or no ceiling) no ratio exists: :meth:`Relative.of`
returns None, and each caller says what then happens (``[effects]`` refuses the spec,
``compare --posterior`` runs the scenario's own value).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

#: The floor of a key whose schema has no lowest valid value: 0, so a lowering keeps the plain
#: ratio ``cf / ref`` (model design: the quantities of the model are amounts, rates and weights).
UNBOUNDED_FLOOR = 0.0

#: ``"ratio"``: the ratio above the floor is kept; ``"share"``: the share of the way up to the ceiling.
RelativeKind = Literal["ratio", "share"]


def floor_of(lo: float | None) -> float:
    """The floor of a key whose lowest valid value is ``lo`` (None: unbounded), in the key's unit."""
    return UNBOUNDED_FLOOR if lo is None else float(lo)


@dataclass(frozen=True)
class Relative:
    """How a counterfactual's value of one key applies at a point (see the module docstring).

    ``factor`` is dimensionless: for ``"ratio"`` ``(cf - floor) / (ref - floor)``, for ``"share"``
    ``(cf - ref) / (ceiling - ref)``; ``floor`` and ``ceiling`` are in the key's unit (``ceiling``
    None where the key has no highest valid value).
    """

    kind: RelativeKind
    factor: float
    floor: float
    ceiling: float | None

    @classmethod
    def of(cls, ref: float, cf: float, lo: float | None, hi: float | None) -> Relative | None:
        """The rule that turns reference value ``ref`` into ``cf`` on a key valid in ``[lo, hi]``
        (None: unbounded), or None when no ratio exists (``ref`` at the floor and no share to move)."""
        floor = floor_of(lo)
        ceiling = None if hi is None else float(hi)
        if cf > ref and ceiling is not None:
            return cls("share", (float(cf) - float(ref)) / (ceiling - float(ref)), floor, ceiling)
        if ref == floor:
            return None
        return cls("ratio", (float(cf) - floor) / (float(ref) - floor), floor, ceiling)

    def at(self, x: float) -> float:
        """The counterfactual's value at a point whose (reference) value is ``x``, in the key's unit."""
        if self.kind == "share":
            assert self.ceiling is not None  # "share" is made only with a ceiling
            return x + (self.ceiling - x) * self.factor
        return self.floor + (x - self.floor) * self.factor


def relative_value(x: float, ref: float, cf: float, lo: float | None, hi: float | None) -> float:
    """The counterfactual value ``cf`` (against the reference's ``ref``) applied at point ``x`` of a
    key valid in ``[lo, hi]`` (None: unbounded), in the key's unit; ``x`` itself when ``cf == ref``.
    Raises ValueError when no ratio exists (``ref`` at the floor and no share to move)."""
    if cf == ref:
        return x
    rule = Relative.of(ref, cf, lo, hi)
    if rule is None:
        raise ValueError(f"no ratio exists: the reference's value {ref!r} is the key's lowest valid value")
    return rule.at(x)
