"""Run many seeds of a scenario, serially or on a process pool, with a progress bar.

Seed ``i`` of a run is reproducible on its own: the model's streams come from
``numpy.random.SeedSequence(i)`` (see :mod:`sim.model`), whichever worker runs it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

from tqdm import tqdm

from .model import run
from .results import RunResult
from .scenario import Scenario


def _run_one(args: tuple[Scenario, int]) -> RunResult:
    scenario, seed = args
    return run(scenario, seed)


def run_seeds(scenario: Scenario, seeds: Iterable[int], workers: int = 1, progress: bool = True) -> list[RunResult]:
    """Run ``scenario`` once per seed; results come back in seed order."""
    seeds = list(seeds)
    return list(iter_runs(scenario, seeds, workers, progress))


def iter_runs(scenario: Scenario, seeds: list[int], workers: int = 1, progress: bool = True) -> Iterator[RunResult]:
    """Yield one :class:`RunResult` per seed, in seed order."""
    bar = tqdm(total=len(seeds), desc=f"{scenario.name}", unit="run", disable=not progress, leave=False)
    try:
        if workers <= 1:
            for seed in seeds:
                yield run(scenario, seed)
                bar.update()
        else:
            # mesa sets the default start method to "spawn"; forkserver starts workers far faster
            with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("forkserver")) as pool:
                chunk = max(1, len(seeds) // (workers * 8))
                for result in pool.map(_run_one, [(scenario, s) for s in seeds], chunksize=chunk):
                    yield result
                    bar.update()
    finally:
        bar.close()
