"""The experiment layer: sweeps, sensitivity analysis, scenario comparison and scenario discovery.

Flow: spec (TOML, :mod:`.spec`) -> design (:mod:`.design`) -> runs on an executor
(:mod:`.executors`, :mod:`.worker`) -> results store (:mod:`.store`, Parquet) -> analysis
(:mod:`.analysis`), discovery (:mod:`.discovery`) and figures (:mod:`.figures`); a spec that
extends a folder's experiment runs only its new runs (:mod:`.extend`). The layer
knows the model only through ``sim.model.run(scenario, seed)`` (or any
``f(parameters, seed) -> dict`` named by the spec's ``model``).
"""

from .spec import ExperimentSpec, load_spec
from .store import Store
from .sweep import SweepReport, run_sweep, status

__all__ = ["ExperimentSpec", "Store", "SweepReport", "load_spec", "run_sweep", "status"]
