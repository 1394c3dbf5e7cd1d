"""Agent-based model of market consolidation among China's large-model startups (2023-2027).

Data flow: scenario (TOML) -> :class:`sim.scenario.Scenario` -> :class:`sim.model.MarketModel`
-> :class:`sim.results.RunResult` (tables) -> patterns, experiments, figures.
"""

__version__ = "0.7.4"
#: Bumped whenever the model's behaviour changes; stored with every result (see CHANGELOG.md).
MODEL_VERSION = "3.10"
