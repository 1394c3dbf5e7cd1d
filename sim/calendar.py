"""Monthly calendar: step ``t`` is a month counted from the scenario's start (``YYYY-MM``)."""

from __future__ import annotations

import re

from .facts import HISTORY_START

#: Months in a year (a unit: annual rates and "a year of revenue").
MONTHS_PER_YEAR = 12.0

_DATE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse_month(text: str) -> int:
    """Return the absolute month number (year*12 + month-1) of ``YYYY-MM``.

    Raises ``ValueError`` when ``text`` is not a ``YYYY-MM`` date.
    """
    m = _DATE.match(text) if isinstance(text, str) else None
    if not m:
        raise ValueError(f"expected a date 'YYYY-MM', got {text!r}")
    return int(m.group(1)) * 12 + int(m.group(2)) - 1


def format_month(absolute: int) -> str:
    """Inverse of :func:`parse_month`."""
    return f"{absolute // 12:04d}-{absolute % 12 + 1:02d}"


class Calendar:
    """Maps model steps (months since ``start``) to ``YYYY-MM`` labels and back."""

    def __init__(self, start: str, end: str) -> None:
        self.start = parse_month(start)
        self.end = parse_month(end)
        self.n_steps = self.end - self.start + 1
        self.labels = [format_month(self.start + t) for t in range(self.n_steps)]
        self._offset_2023 = self.start - parse_month(HISTORY_START)

    def step_of(self, date: str) -> int:
        """Step index of ``date`` (may be negative or beyond the horizon)."""
        return parse_month(date) - self.start

    def label(self, step: int) -> str:
        """``YYYY-MM`` of ``step`` (also outside the horizon)."""
        return format_month(self.start + step)

    def year_of(self, step: int) -> int:
        """Calendar year of ``step``."""
        return (self.start + step) // 12

    def years_since_2023(self, step: int) -> float:
        """Years elapsed since 2023-01 at ``step``: exogenous trends are anchored there."""
        return (self._offset_2023 + step) / 12.0
