"""The one rule for output folders of ``run``, ``sweep``, ``sensitivity``, ``compare`` and ``sbc``.

A command writes into a fresh folder, or into one that holds results of the same scenario
(``run``) or experiment spec (the others): ``run`` then replaces its results, a sweep resumes.
A folder that holds results of a different scenario or spec, or files that are not results of
this command, is refused (exit 2) unless ``--force``, which first removes the results there (of
``run`` or of a sweep; files of neither stay, and a sweep still refuses a folder holding them).
The folder is checked (writable, not a file) before anything is simulated.

An analysis of results (``lifecycle``, ``nullmodels``) follows the same rule with its own files:
the first of them is a JSON summary carrying ``"input_hash"``, the hash of what was analysed
(:func:`prepare_analysis_folder`); the same hash is replaced, another is refused unless ``--force``.
"""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path
from typing import Any

from ..errors import InputError

FORCE_HELP = ("replace the results in the output folder even if they are of another scenario or spec "
              "(default: refuse; results of the same one are resumed or replaced)")
#: ``--force`` of an analysis of results (``lifecycle``, ``nullmodels``).
ANALYSIS_FORCE_HELP = ("replace this analysis's files in the output folder even if they are of other inputs, and "
                       "write beside other files (default: refuse; the same inputs are replaced)")
#: What ``run`` writes into its folder (tables in either format, the summary and the figures).
RUN_OUTPUTS = ("model.parquet", "firms.parquet", "events.parquet", "model.csv", "firms.csv", "events.csv",
               "summary.json", "figures")

def check_writable(folder: Path, option: str = "--out") -> None:
    """Create ``folder`` if needed and check that files can be written in it; :class:`InputError` if not."""
    if folder.exists() and not folder.is_dir():
        raise InputError(str(folder), "", f"expected a folder ({option}), found a file")
    probe = folder / f".write-test-{uuid.uuid4().hex[:8]}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise InputError(str(folder), "", f"cannot write into this folder ({option}): {exc.strerror}") from None


def prepare_report_folder(folder: Path, report: str, check_hash: str, force: bool) -> None:
    """The rule for a command that writes one JSON report into ``folder`` (``informative``).

    A fresh folder, or one holding a report of the same check (its ``check_hash``), is used (the
    report is replaced); one holding a report of another check, or other files without a report,
    is refused unless ``force``, which removes only the old report (other files stay).
    """
    check_writable(folder)
    path = folder / report
    if force:
        _remove(folder, (report,))
        return
    if path.exists():
        try:
            old = json.loads(path.read_text(encoding="utf-8")).get("check_hash")
        except (OSError, ValueError, AttributeError):
            old = None
        if old != check_hash:
            raise InputError(str(path), "check_hash", (
                f"the folder holds the report of another check (hash {old}, this one {check_hash}); "
                "use another --out folder, or --force to replace it"))
        return
    others = sorted(p.name for p in folder.iterdir())
    if others:
        raise InputError(str(folder), "", f"holds {', '.join(others[:5])}{' ...' if len(others) > 5 else ''} "
                                          f"without a {report} (not a report of this command); use another "
                                          "--out folder, or --force")
def recorded(summary: Path, key: str) -> Any:
    """``key`` of the JSON object in ``summary``, or None if it cannot be read."""
    try:
        data = json.loads(summary.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data.get(key) if isinstance(data, dict) else None


def refuse_other(summary: Path, key: str, current: str, what: str) -> None:
    """:class:`InputError` unless ``summary`` records ``current`` as its ``key`` (``what`` says what it holds)."""
    old = recorded(summary, key)
    if old != current:
        raise InputError(str(summary), key, f"the folder holds {what} (hash {old}, this one {current}); "
                                            "use another --out folder, or --force to replace them")


def _remove(folder: Path, names: tuple[str, ...]) -> None:
    for name in names:
        path = folder / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()


def prepare_run_folder(folder: Path, scenario_hash: str, force: bool) -> None:
    """Apply the rule (module docstring) for ``run``: refuse a folder of other results, clear stale ones."""
    check_writable(folder)
    summary = folder / "summary.json"
    theirs = [p.name for p in folder.iterdir() if p.name in RUN_OUTPUTS]
    if not force:
        if (folder / "manifest.json").exists():
            raise InputError(str(folder), "", "holds an experiment results folder (manifest.json), not results "
                                              "of 'run'; use another --out folder, or --force")
        if summary.exists():
            refuse_other(summary, "scenario_hash", scenario_hash, "results of another scenario")
        elif theirs:
            raise InputError(str(folder), "", f"holds {', '.join(sorted(theirs))} without a summary.json (not "
                                              "results of a finished 'run'); use another --out folder, or --force")
    _remove(folder, RUN_OUTPUTS)  # no stale table of the other format is left for 'score' to read


def clear_store(folder: Path, spec: Any) -> None:
    """``--force`` for a sweep: remove the results in ``folder`` unless they are of ``spec`` already."""
    from ..experiments.locks import is_held
    from ..experiments.store import STORE_OUTPUTS, Store

    store = Store(folder)
    if not folder.exists():
        return
    if store.exists():
        try:
            if store.manifest()["spec_hash"] == spec.hash():
                return  # the same experiment: resume
        except InputError:
            pass  # an unreadable manifest is replaced too
    if is_held(store.journal / "sweep.lock"):
        raise InputError(str(folder), "", "a sweep is running on this folder; stop it before --force")
    _remove(folder, STORE_OUTPUTS + RUN_OUTPUTS)


def prepare_sbc_folder(folder: Path, identity_hash: str, force: bool) -> None:
    """Apply the rule (module docstring) for ``sbc``: resume a folder of the same spec and budget,
    refuse one of another (unless ``force``, which removes its SBC results) or one holding other files."""
    from ..calibration.sbc import SBC_OUTPUTS

    check_writable(folder)
    others = sorted(p.name for p in folder.iterdir() if p.name not in SBC_OUTPUTS and not p.name.startswith("."))
    if others:
        raise InputError(str(folder), "", f"holds {', '.join(others[:5])}, which are not results of 'sbc'; "
                                          "use another --out folder")
    ident = folder / "sbc_identity.json"
    theirs = [p.name for p in folder.iterdir() if p.name in SBC_OUTPUTS]
    if ident.exists():
        try:
            old = json.loads(ident.read_text(encoding="utf-8")).get("identity_hash")
        except (OSError, ValueError):
            old = None
        if old == identity_hash:
            return
        if not force:
            raise InputError(str(ident), "identity_hash", (
                f"the folder holds an SBC of another spec or budget (identity {old}, this one {identity_hash}); "
                "use another --out folder, or --force to replace it"))
    elif theirs and not force:
        raise InputError(str(folder), "", f"holds {', '.join(sorted(theirs))} without sbc_identity.json; "
                                          "use another --out folder, or --force")
    _remove(folder, SBC_OUTPUTS)
def prepare_analysis_folder(folder: Path, outputs: tuple[str, ...], input_hash: str, force: bool) -> None:
    """Apply the rule (module docstring) for an analysis writing ``outputs`` (the first its JSON summary).

    Refused (exit 2) unless ``force``: a folder holding this analysis's summary of another ``input_hash``, or
    holding files other than this analysis's outputs. With ``force``, only this analysis's outputs are removed;
    other files stay.
    """
    check_writable(folder)
    summary = folder / outputs[0]
    theirs = sorted(p.name for p in folder.iterdir() if p.name not in outputs and not p.name.startswith("."))
    if not force:
        if summary.exists():
            refuse_other(summary, "input_hash", input_hash, "this analysis of other inputs")
        if theirs:
            shown = ", ".join(theirs[:5]) + (", ..." if len(theirs) > 5 else "")
            raise InputError(str(folder), "", f"holds {shown}, not outputs of this analysis; use another --out "
                                              "folder, or --force")
    _remove(folder, outputs)
