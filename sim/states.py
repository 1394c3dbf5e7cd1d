"""The names of firms' strategies and executives' roles, shared by the agents and every mechanism.

A module of its own so that the mechanisms can use them without importing :mod:`sim.agents`
(which imports the mechanisms whose formulas the firm classes apply).
"""

from __future__ import annotations

FOUNDATION, VERTICAL, INTEGRATOR, EXITED = "foundation", "vertical", "integrator", "exited"
TECHNICAL, COMMERCIAL = "technical", "commercial"
