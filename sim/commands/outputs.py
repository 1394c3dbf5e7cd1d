"""The one rule for output folders of ``run``, ``sweep``, ``sensitivity``, ``compare`` and ``sbc``.

A command writes into a fresh folder, or into one that holds results of the same scenario
(``run``) or experiment spec (the others): ``run`` then replaces its results, a sweep resumes.
A folder that holds results of a different scenario or spec, or files that are not results of
this command, is refused (exit 2) unless ``--force``, which first removes the results there (of
``run`` or of a sweep; files of neither stay, and a sweep still refuses a folder holding them).
The folder is checked (writable, not a file) before anything is simulated.
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
            try:
                old = json.loads(summary.read_text(encoding="utf-8")).get("scenario_hash")
            except (OSError, ValueError):
                old = None
            if old != scenario_hash:
                raise InputError(str(summary), "scenario_hash", (
                    f"the folder holds results of another scenario (hash {old}, this one {scenario_hash}); "
                    "use another --out folder, or --force to replace them"))
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
