"""Run many seeds of a scenario on any executor of :mod:`sim.experiments.executors`, with a progress bar.

Seed ``i`` of a run is reproducible on its own: the model's streams come from
``numpy.random.SeedSequence(i)`` (see :mod:`sim.model`), whichever worker runs it, so the
results are the same on one process or many.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable
from concurrent.futures import Future

from tqdm import tqdm

from .experiments.executors import Pool, make_executor
from .model import run
from .results import RunResult
from .scenario import Scenario

#: Chunks per worker: small enough to balance seeds of unequal length, large enough to amortise transport.
CHUNKS_PER_WORKER = 8


def _run_many(scenario: Scenario, seeds: list[int]) -> list[RunResult]:
    return [run(scenario, seed) for seed in seeds]


def run_seeds(scenario: Scenario, seeds: Iterable[int], pool: Pool | None = None,
              progress: bool = True) -> list[RunResult]:
    """Run ``scenario`` once per seed on ``pool`` (default: serial, in this process); results in seed order."""
    seeds = list(seeds)
    if pool is None:
        with make_executor("serial") as serial:
            return run_seeds(scenario, seeds, serial, progress)
    size = max(1, math.ceil(len(seeds) / (pool.slots() * CHUNKS_PER_WORKER)))
    chunks = iter([seeds[i:i + size] for i in range(0, len(seeds), size)])
    window: deque[Future] = deque()  # in seed order; at most two chunks per worker in flight
    out: list[RunResult] = []
    with tqdm(total=len(seeds), desc=scenario.name, unit="run", disable=not progress, leave=False) as bar:
        try:
            while True:
                while len(window) < 2 * pool.slots() and (chunk := next(chunks, None)) is not None:
                    window.append(pool.executor.submit(_run_many, scenario, chunk))
                if not window:
                    return out
                results = window.popleft().result()
                out.extend(results)
                bar.update(len(results))
        except BaseException:
            for fut in window:
                fut.cancel()
            raise
