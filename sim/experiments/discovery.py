"""Scenario discovery: which regions of parameter space lead to an outcome of interest.

PRIM (Friedman & Fisher 1999, "Bump hunting in high-dimensional data") as implemented and
maintained in the EMA Workbench (``ema_workbench.analysis.prim``, Kwakkel 2017), the tool of the
scenario-discovery literature (Bryant & Lempert 2010). Each run of a sweep is a case: its
parameters are ``x`` and "the outcome of interest happened" (e.g. ``foundation_2027_12 >= 3``)
is ``y``. PRIM peels the parameter box to raise the share of cases of interest inside it
(density) while keeping as many of them as it can (coverage). From each box's peeling
trajectory we pick the box with the highest coverage among those whose density meets
``density`` (else the densest), report its limits on the restricted parameters with their
quasi-p-values (the significance of each limit: below :data:`SIGNIFICANCE` it is significant),
then look for another box among the remaining cases (up to ``max_boxes``).

Latin hypercube sweeps suit it best (cases spread over the whole box).
"""

from __future__ import annotations

import logging
import math
import operator
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from .analysis import ok_runs
from .design import OAT_COLUMN, SCENARIO_COLUMN

OPS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "==": operator.eq,
       "!=": operator.ne}


def parse_condition(text: str) -> tuple[str, str, float]:
    """``"foundation_2027_12>=3"`` -> ("foundation_2027_12", ">=", 3.0)."""
    for op in (">=", "<=", "==", "!=", ">", "<"):
        if op in text:
            metric, value = text.split(op, 1)
            try:
                return metric.strip(), op, float(value)
            except ValueError:
                break
    raise InputError("--where", "", f"expected METRIC OP NUMBER with OP one of {', '.join(OPS)}, "
                                    f"e.g. 'foundation_2027_12>=3'; got '{text}'")


def _import_prim() -> Any:
    """The EMA Workbench's PRIM (a pinned dependency), imported on first use: it is slow to import and warns."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim
    logging.getLogger("EMA").setLevel(logging.WARNING)
    return prim


def discover(folder: str | Path, metric: str, op: str, threshold: float, density: float = 0.8,
             peel_alpha: float = 0.05, mass_min: float = 0.05, max_boxes: int = 2) -> dict[str, Any]:
    """PRIM boxes where ``metric op threshold`` (see the module docstring). NaN counts as 'not of interest'."""
    man, df = ok_runs(folder)
    if metric not in man["metrics"]:
        raise InputError(str(folder), "metric", f"unknown metric '{metric}'; this sweep kept {man['metrics']}")
    params = [c for c in man["parameters"] if c not in (OAT_COLUMN, SCENARIO_COLUMN)]
    if not params:
        raise InputError(str(folder), "", "scenario discovery needs swept parameters; this sweep has none")
    if len(df) < 20:
        raise InputError(str(folder), "", f"scenario discovery needs at least 20 successful runs, found {len(df)}")
    values = df[metric].to_numpy(dtype=float)
    y = np.where(np.isnan(values), False, OPS[op](values, threshold)).astype(bool)
    x = df[params].reset_index(drop=True)
    for c in params:  # PRIM treats non-numeric columns as categories
        if x[c].dtype == bool:
            x[c] = x[c].astype(str)
    result: dict[str, Any] = {"metric": metric, "op": op, "threshold": threshold, "density_threshold": density,
                              "n_runs": int(len(y)), "n_interest": int(y.sum()),
                              "base_rate": float(y.mean()), "boxes": [], "trajectories": [],
                              "ranges": {c: [float(x[c].min()), float(x[c].max())] for c in params
                                         if np.issubdtype(x[c].dtype, np.number)}}
    if y.sum() == 0 or y.all():
        result["note"] = "the outcome never happens" if y.sum() == 0 else "the outcome always happens"
        return result
    prim = _import_prim()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = prim.Prim(x, y, threshold=density, peel_alpha=peel_alpha, mass_min=mass_min)
        for _ in range(max_boxes):
            box = p.find_box()
            if box is None:
                break
            traj = box.peeling_trajectory.reset_index(drop=True)
            good = traj[traj["density"] >= density]
            pick = int(good["coverage"].idxmax()) if len(good) else int(traj["density"].idxmax())
            if pick == 0:
                break  # no restriction helps: the dump box
            box.select(pick)
            lim = box.box_lims[pick]
            init = p.box_init
            qp = box.qp[pick] if pick < len(box.qp) else {}
            limits = {}
            for c in params:
                lo, hi = lim[c].iloc[0], lim[c].iloc[1]
                lo0, hi0 = init[c].iloc[0], init[c].iloc[1]
                if isinstance(lo, (set, frozenset)) or isinstance(lo0, (set, frozenset)):
                    if lim[c].iloc[0] != init[c].iloc[0]:
                        limits[c] = {"values": sorted(map(str, lo)), "qp": _qp(qp.get(c))}
                    continue
                if lo != lo0 or hi != hi0:
                    limits[c] = {"low": float(lo), "high": float(hi), "min": float(lo0), "max": float(hi0),
                                 "qp": _qp(qp.get(c))}
            row = traj.iloc[pick]
            result["boxes"].append({"coverage": float(row["coverage"]), "density": float(row["density"]),
                                    "mass": float(row["mass"]), "n": int(row["n"]), "k": int(row["k"]),
                                    "limits": limits, "trajectory_index": pick})
            result["trajectories"].append(traj[["coverage", "density", "mass", "res_dim"]].to_dict("list"))
            if float(row["density"]) < density:
                break
    return result


def _qp(v: Any) -> list[float | None] | None:
    """Quasi-p-values [lower limit, upper limit] of one restriction; None for a side the box does not
    restrict (the EMA Workbench writes -1 there) or that has no value."""
    if v is None:
        return None
    out: list[float | None] = []
    for q in v:
        ok = q is not None and not (isinstance(q, float) and math.isnan(q)) and float(q) >= 0
        out.append(float(q) if ok else None)
    return out


#: Quasi-p-value below which a box limit counts as significant (the conventional 5%; PRIM's
#: quasi-p is a one-sided binomial test of the density gain from that limit).
SIGNIFICANCE = 0.05


def describe_qp(qp: list[float | None] | None) -> str:
    """The quasi-p-values of one restriction as text, e.g. ``quasi-p high 3e-07`` or
    ``quasi-p low 0.21, not significant``."""
    if not qp:
        return "quasi-p n/a"
    parts = [f"{side} {q:.2g}" for side, q in zip(("low", "high"), qp, strict=False) if q is not None]
    if not parts:
        return "quasi-p n/a"
    worst = max(q for q in qp if q is not None)
    return "quasi-p " + ", ".join(parts) + ("" if worst < SIGNIFICANCE else ", not significant")
