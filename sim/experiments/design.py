"""Designs: the points of an experiment, their seeds and their run keys.

A design turns a spec into ``n_points`` points, each a dict ``key path -> value`` holding every
varied parameter (at its base value where a one-at-a-time design does not vary it). Points are
produced on demand (``Design.point(i)``), so a design of a million points costs a matrix, not a
million dicts. Samplers come from maintained libraries: Latin hypercube from
``scipy.stats.qmc``, Sobol'/Saltelli and Morris from SALib, all seeded from the spec's master
seed so the same spec gives the same points everywhere.

Seeds (seed scheme :data:`SEED_SCHEME`): point ``i`` has its own ``SeedSequence(master,
spawn_key=(i,))``; its 64-bit words (shifted to 63 bits) are the seeds of the point's
replications in order, recorded with the run and passed to the model, which spawns its own
streams from it. With common random numbers (``crn = true``) replication ``r`` has the same seed
at every point (word ``r`` of ``SeedSequence(master)``). ``generate_state`` is prefix-stable (the
first m of n words are the m words), so a seed depends only on (master, point, replication):
adding replications or points at the end of a design keeps every existing run's seed and key
(see :mod:`.extend`). A spec with ``[effects]`` runs every sampled row under the reference and
each counterfactual (``S`` design points a row, :mod:`.effects`), all with the row's seeds.

A ``scenarios`` design with ``draws`` has one point per (draw, scenario), draw-major (point ``i``
is draw ``i // S`` of scenario ``i % S`` for S scenarios), so that more draws append points. With
common random numbers the seeds are per draw: replication ``r`` of draw ``j`` has word ``r`` of
``SeedSequence(master, spawn_key=(j,))`` in every scenario, so each scenario meets the same
(draw, seed) pairs and different draws meet different seeds.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import MODEL_VERSION
from ..config import canonical_hash
from .spec import (
    DESIGN_COLUMNS,
    DRAW_COLUMN,
    OAT_COLUMN,
    SAMPLED,
    SCENARIO_COLUMN,
    ExperimentSpec,
    ParameterSpec,
    coerce,
    scenario_value,
)

#: Version of the seed scheme (see the module docstring), recorded in every results folder's
#: manifest. Scheme 1 (before extensions) drew the seeds of blocks of 256 points point-major from
#: one SeedSequence per block, so adding a replication changed every seed; its folders are refused.
SEED_SCHEME = 2


def parameter_values(p: ParameterSpec) -> list[Any]:
    """The explicit values of a grid/oat parameter (``values``, or ``steps`` over ``range``)."""
    if p.values is not None:
        return list(p.values)
    lo, hi = p.range  # type: ignore[misc]
    if p.log:
        return [float(v) for v in np.logspace(math.log10(lo), math.log10(hi), p.steps)]
    return [float(v) for v in np.linspace(lo, hi, p.steps)]


@dataclass
class Design:
    """The points of an experiment (see the module docstring)."""

    spec: ExperimentSpec
    n_points: int
    columns: list[str]                      # parameter columns of the runs table, in order
    like: dict[str, Any]                    # column -> example value (types for the schema)
    X: np.ndarray | None = None             # sampled designs: (n_points, D) in sampling space
    problem: dict[str, Any] | None = None   # SALib problem (sampling space: log10 where log = true)
    _grid: list[list[Any]] = field(default_factory=list)
    _list: list[dict[str, Any]] = field(default_factory=list)
    _base: dict[str, Any] = field(default_factory=dict)
    seed_group: int = 0                     # crn: points per group sharing seeds (0 = all points)
    _seed_key: int = -2
    _seed_words: list[int] = field(default_factory=list)

    @property
    def n_runs(self) -> int:
        return self.n_points * self.spec.replications

    @property
    def group(self) -> int:
        """Points per sampled row: 1, or with ``[effects]`` the reference and each counterfactual
        (point ``i`` is row ``i // group`` under scenario ``i % group``, see :mod:`.effects`)."""
        eff = self.spec.effects
        return 1 if eff is None else len(eff.scenario_names)

    def point(self, i: int) -> dict[str, Any]:
        """Point ``i``: column -> value (every varied parameter, base values filled in)."""
        sp, m = self.spec, self.spec.design.method
        if m in SAMPLED:
            assert self.X is not None
            row, s = divmod(i, self.group)
            out: dict[str, Any] = {}
            for j, p in enumerate(sp.parameters):
                x = float(self.X[row, j])
                out[p.key] = coerce(10.0**x if p.log else x, self._base.get(p.key, 0.0))
            if sp.effects is not None:
                out[SCENARIO_COLUMN] = sp.effects.scenario_names[s]
            return out
        if m == "grid":
            out, rem = {}, i
            for p, vals in zip(reversed(sp.parameters), reversed(self._grid), strict=False):
                rem, k = divmod(rem, len(vals))
                out[p.key] = vals[k]
            return {p.key: out[p.key] for p in sp.parameters}
        return dict(self._list[i])

    def overrides(self, point: dict[str, Any]) -> dict[str, Any]:
        """The scenario overrides of a point (drops design bookkeeping columns)."""
        return point_overrides(point)

    def _stream(self, i: int) -> int:
        """The seed stream of point ``i``: its row's (``i // group``; its own without ``[effects]``), the
        common one (-1) or its draw's (crn)."""
        if not self.spec.crn:
            return i // self.group
        return i // self.seed_group if self.seed_group else -1

    def seeds(self, i: int) -> list[int]:
        """The model seeds of every replication of point ``i`` (63-bit integers).

        Point ``i`` has its own ``SeedSequence(master, spawn_key=(i,))``, whose 64-bit words,
        shifted to 63 bits, are the seeds of its replications in order. With common random
        numbers (``crn = true``) every point uses the words of ``SeedSequence(master)``, so
        replication ``r`` has the same seed at every point (of its draw, with ``draws``). Either
        way the seed of (point, replication) does not depend on the number of points or replications.
        With ``[effects]`` the seeds are those of the sampled row (``i // group``): the reference and
        every counterfactual of a row run the same seeds (common random numbers within the row).
        """
        key = self._stream(i)
        if key != self._seed_key:
            ss = np.random.SeedSequence(self.spec.seed, spawn_key=() if key < 0 else (key,))
            words = ss.generate_state(self.spec.replications, np.uint64) >> np.uint64(1)
            self._seed_key, self._seed_words = key, [int(w) for w in words]
        return list(self._seed_words)

    def seed(self, i: int, r: int) -> int:
        """The model seed of replication ``r`` of point ``i`` (see :meth:`seeds`)."""
        if self._stream(i) != self._seed_key:
            self.seeds(i)
        return self._seed_words[r]

    def run_key(self, point: dict[str, Any], seed: int) -> str:
        """Hash of the model identity and version, the point's resolved parameters and the seed."""
        return canonical_hash([self.spec.model_id(), MODEL_VERSION, self.spec.fixed, point, seed], digits=20)

    def runs(self, indices: Iterator[int] | None = None) -> Iterator[tuple[int, int, int, int, dict[str, Any], str]]:
        """Yield ``(run_index, point, replication, seed, point_dict, run_key)``, point-major."""
        reps = self.spec.replications
        for i in range(self.n_points):
            pt = self.point(i)
            for r in range(reps):
                s = self.seed(i, r)
                yield i * reps + r, i, r, s, pt, self.run_key(pt, s)


def point_overrides(point: dict[str, Any]) -> dict[str, Any]:
    """The scenario overrides of a point: every column but the design's bookkeeping ones."""
    return {k: v for k, v in point.items() if k not in DESIGN_COLUMNS}


def build_design(spec: ExperimentSpec) -> Design:
    """All points of ``spec``'s design (deterministic in the spec)."""
    m = spec.design.method
    params = spec.parameters
    base = {p.key: _base_value(spec, p) for p in params}
    cols = [p.key for p in params]
    if m == "scenarios":
        names = list(spec.scenarios)
        if not spec.design.draws:
            return Design(spec, len(names), [SCENARIO_COLUMN], {SCENARIO_COLUMN: ""},
                          _list=[{SCENARIO_COLUMN: n} for n in names])
        keys = list(spec.design.draws[0])
        pts = [{SCENARIO_COLUMN: n, DRAW_COLUMN: j,
                **{k: spec.draw_rules[n][k].apply(v) for k, v in draw.items()}}
               for j, draw in enumerate(spec.design.draws) for n in names]
        like = {SCENARIO_COLUMN: "", DRAW_COLUMN: 0, **{k: _like([pt[k] for pt in pts]) for k in keys}}
        return Design(spec, len(pts), [SCENARIO_COLUMN, DRAW_COLUMN, *keys], like, _list=pts,
                      seed_group=len(names))
    if m == "grid":
        grid = [[coerce(v, base[p.key]) for v in parameter_values(p)] for p in params]
        n = math.prod(len(v) for v in grid)
        like = {p.key: _like(vals) for p, vals in zip(params, grid, strict=False)}
        return Design(spec, n, cols, like, _grid=grid, _base=base)
    if m == "oat":
        pts = [{**base, OAT_COLUMN: ""}]
        for p in params:
            for v in (coerce(v, base[p.key]) for v in parameter_values(p)):
                pts.append({**base, p.key: v, OAT_COLUMN: p.key})
        like = {k: _like([pt[k] for pt in pts]) for k in cols}
        like[OAT_COLUMN] = ""
        return Design(spec, len(pts), [*cols, OAT_COLUMN], like, _list=pts, _base=base)
    if m == "list":
        keys = list(dict.fromkeys(k for pt in spec.design.points for k in pt))
        fill = {k: scenario_value(spec.base, k) if spec.base is not None else None for k in keys}
        pts = [{k: pt.get(k, fill[k]) for k in keys} for pt in spec.design.points]
        like = {k: _like([pt[k] for pt in pts]) for k in keys}
        return Design(spec, len(pts), keys, like, _list=pts)
    # sampled designs
    problem = {"num_vars": len(params), "names": cols,
               "bounds": [[math.log10(p.range[0]), math.log10(p.range[1])] if p.log else list(p.range)
                          for p in params]}
    X = sample_matrix(m, problem, int(spec.design.samples), spec.seed,  # type: ignore[arg-type]
                      second_order=spec.design.second_order, levels=spec.design.levels)
    like: dict[str, Any] = {p.key: base[p.key] if isinstance(base[p.key], int) and not isinstance(base[p.key], bool)
                            else 0.0 for p in params}
    if spec.effects is not None:  # every sampled row under the reference and each counterfactual
        like[SCENARIO_COLUMN] = ""
        return Design(spec, len(X) * len(spec.effects.scenario_names), [*cols, SCENARIO_COLUMN], like,
                      X=np.asarray(X, dtype=float), problem=problem, _base=base)
    return Design(spec, len(X), cols, like, X=np.asarray(X, dtype=float), problem=problem, _base=base)


def sample_matrix(method: str, problem: dict[str, Any], samples: int, seed: int, second_order: bool = False,
                  levels: int = 4) -> np.ndarray:
    """The design matrix of a sampled design (rows: points; columns: parameters in sampling space).

    Depends only on its arguments, so analysis can rebuild it from a results folder's manifest.
    """
    seed32 = seed % (2**32)
    d = problem["num_vars"]
    if method == "lhs":
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=d, seed=np.random.default_rng(seed32)).random(samples)
        lo = np.array([b[0] for b in problem["bounds"]])
        hi = np.array([b[1] for b in problem["bounds"]])
        X = lo + unit * (hi - lo)
    elif method == "sobol":
        from SALib.sample import sobol

        X = sobol.sample(problem, samples, calc_second_order=second_order, scramble=True, seed=seed32)
    elif method == "morris":
        from SALib.sample import morris

        X = morris.sample(problem, samples, num_levels=levels, seed=seed32)
    else:
        raise ValueError(f"not a sampled design: {method}")
    return np.asarray(X, dtype=float)


def _base_value(spec: ExperimentSpec, p: ParameterSpec) -> Any:
    if p.base is not None:
        like = scenario_value(spec.base, p.key) if spec.base is not None else p.base
        return coerce(p.base, like)
    if spec.base is not None:
        return scenario_value(spec.base, p.key)
    if p.range is not None:
        return float(sum(p.range) / 2)
    return p.values[0] if p.values else None


def _like(values: list[Any]) -> Any:
    """A representative value that fixes the column type: bool, int, float or str."""
    if all(isinstance(v, bool) for v in values):
        return False
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return 0
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return 0.0
    return ""


def chunks(items: Iterator[Any], size_fn: Any) -> Iterator[list[Any]]:
    """Group ``items`` into lists whose size ``size_fn()`` may change between chunks."""
    it = iter(items)
    while True:
        chunk = list(itertools.islice(it, max(1, int(size_fn()))))
        if not chunk:
            return
        yield chunk
