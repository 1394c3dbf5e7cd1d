"""Extending an experiment: a spec with more replications or more points keeps the runs done.

A results folder holds one experiment (its manifest's spec). A changed spec pointed at it is an
*extension* when every run recorded there is, unchanged, a run of the new spec: same model and
model version, base and fixed values, outputs, master seed, ``crn`` and seed scheme; at least as
many replications; and, for ``grid``, ``list``, ``oat`` and ``scenarios`` designs, at least as
many points, the recorded ones at the same index with the same values (new points come after the
old: values appended to the *first* grid parameter, points appended to a list, values appended
to the last oat parameter, scenarios appended to a scenarios design), and the runs table keeps
its columns. Sampled designs (``lhs``, ``sobol``, ``morris``) can only gain replications:
another sample size or range moves every point. Because a seed depends only on (master seed,
point, replication) (:mod:`.design`), the recorded runs keep their keys; the sweep then runs only
the new ones and the manifest records the extended spec (and the hashes of the specs it extends
under ``extends``).

Anything else is refused with a one-line error naming the key (exit code 2), and the folder is
left as it was.
"""

from __future__ import annotations

from typing import Any

import pyarrow.compute as pc

from ..errors import InputError
from .design import SEED_SCHEME, Design
from .locks import is_held
from .spec import SAMPLED, ExperimentSpec
from .store import Store

#: Keys of a spec's identity that an extension may change (each within the rules above).
EXTENSIBLE = ("replications", "design", "parameters", "scenarios")


def extend_manifest(store: Store, old: dict[str, Any], spec: ExperimentSpec, design: Design,
                    manifest: dict[str, Any]) -> dict[str, Any]:
    """The manifest of ``spec`` extending the folder's experiment ``old``; :class:`InputError` if it does not.

    ``manifest`` is the new spec's own manifest (see ``sweep.manifest_for``).
    """
    folder = str(store.folder)
    scheme = old.get("seed_scheme", 1)
    if scheme != SEED_SCHEME:
        raise InputError(folder, "seed_scheme", (
            f"its runs were seeded by seed scheme {scheme}, this version uses scheme {SEED_SCHEME} (other seeds), "
            "so they can be neither resumed nor extended; use another --out folder, or --force to replace its results"))
    a, b = old["spec"]["identity"], manifest["spec"]["identity"]
    changed = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    if any(k not in EXTENSIBLE for k in changed):
        raise store.different_experiment(old, manifest)

    def refuse(key: str, why: str) -> InputError:
        return InputError(spec.file, key, f"{why}; so this spec does not extend the experiment in {folder}: use "
                                          "another --out folder, or --force to replace its results")

    method = a["design"]["method"]
    if b["design"]["method"] != method:
        raise refuse("design.method", f"expected '{method}' (the folder's), got '{b['design']['method']}'")
    if b["replications"] < a["replications"]:
        raise refuse("replications", f"expected at least {a['replications']} (the folder's), got {b['replications']}"
                                     ": an extension adds replications, it does not remove them")
    if method in SAMPLED:
        for key in ("design", "parameters"):
            if key in changed:
                raise refuse(key, f"'{method}' designs can only gain replications: another sample size, range or "
                                  "parameter moves every point")
    if design.n_points < old["n_points"]:
        raise refuse("design", f"expected at least {old['n_points']} points (the folder's), got {design.n_points}"
                               ": an extension adds points, it does not remove them")
    gone = sorted(k for k, h in a["scenarios"].items() if b["scenarios"].get(k) != h)
    if gone:
        raise refuse("design.scenarios", f"scenario(s) {', '.join(gone)} changed or are missing")
    if manifest["runs_schema"] != old["runs_schema"]:
        raise refuse("parameters", "the runs table's columns would change (a parameter or point key added, removed "
                                   "or of another type)")
    if is_held(store.journal / "sweep.lock") and store.manifest()["spec_hash"] != manifest["spec_hash"]:
        # (a shard of this spec that extended the folder a moment ago is not a reason to refuse)
        raise InputError(folder, "", "a sweep of its current spec is running on this folder; wait for it to finish "
                                     "(or stop it) before extending the experiment")
    _check_recorded_runs(store, design, refuse)
    hashes = [*old.get("extends", []), old["spec_hash"]]
    return {**manifest, "created": old["created"], "extends": hashes}


def _check_recorded_runs(store: Store, design: Design, refuse: Any) -> None:
    """Every recorded run must be the run of the same point and replication of ``design``."""
    cols = ["run_key", "point", "replication", *design.columns]
    t = store.read("runs", columns=cols)
    t = t.take(pc.sort_indices(t, sort_keys=[("point", "ascending"), ("replication", "ascending")]))
    last, pt = -1, {}
    for row in t.to_pylist():
        i, r = row["point"], row["replication"]
        if i != last:
            last, pt = i, design.point(i)
        if design.run_key(pt, design.seed(i, r)) != row["run_key"]:
            was = {c: row[c] for c in design.columns}
            raise refuse("design", f"point {i} is {pt} in this spec but {was} in the folder: an extension may only "
                                   "add points after the existing ones (e.g. values appended to the first grid "
                                   "parameter, points appended to a list)")

