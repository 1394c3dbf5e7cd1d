"""The pre-registered hold-out: which patterns and targets fit the model and which validate it.

One file (``experiments/holdout.toml``) lists every pattern of :mod:`sim.patterns` and every
target of :mod:`sim.targets` exactly once, as an ``[[entries]]`` table with its ``id``, its
``use`` and the ``reason``:

* ``fit`` - a calibration may fit the model to it;
* ``validate`` - kept back to test the fitted model; never seen by a fit;
* ``none`` - reported, but neither: it holds by construction (built in) or a starting value
  was set from the same number (a target flagged ``input``), so it is no evidence either way.

Rules the loader enforces (each breach is one :class:`~sim.errors.InputError` naming the file,
the key and what was expected; the command line exits with code 2):

* every id is a known pattern or target (with a did-you-mean), listed once; none is missing;
* **nothing dated after the article is ever fitted**: a fitting entry reads no month after
  :data:`sim.patterns.HISTORY_END` (2025-06) and its number was public by then (targets'
  ``date`` and ``published``; the patterns in :data:`sim.patterns.READS_PROJECTION`);
* a target flagged ``input`` is ``none``: a fit to it, or a validation on it, proves nothing;
* a pattern or target measured *built in* (:data:`sim.patterns.BUILT_IN`,
  :data:`sim.targets.BUILT_IN`; ``python -m sim informative``) is ``none``: it holds everywhere.

The file is read with the project's config toolkit (:mod:`sim.config`: strict schema, ``extends``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from .config import Strict, did_you_mean, load_toml, validate
from .errors import InputError
from .facts import PROJECTION_DATE
from .patterns import BUILT_IN as BUILT_IN_PATTERNS
from .patterns import HISTORY_END, PATTERN_BY_ID, READS_PROJECTION
from .targets import AFTER, TARGET_BY_ID
from .targets import BUILT_IN as BUILT_IN_TARGETS

#: The shipped hold-out file.
HOLDOUT_FILE = Path(__file__).resolve().parents[1] / "experiments" / "holdout.toml"
USES = ("fit", "validate", "none")


class HoldoutSection(Strict):
    description: str = Field("", description="What the split is for.")


class Entry(Strict):
    """One pattern or target: its id, its use and why."""

    id: str = Field(description="A pattern id (T1-T17) or a target id of sim.targets.")
    use: Literal["fit", "validate", "none"] = Field(description="fit, validate or none.")
    reason: str = Field(min_length=1, description="Why this use (required).")


class HoldoutFile(Strict):
    holdout: HoldoutSection = HoldoutSection()
    entries: list[Entry] = Field(min_length=1)


@dataclass(frozen=True)
class Holdout:
    """A validated hold-out: id -> use and id -> reason, in the file's order."""

    file: str
    description: str
    use: dict[str, str]
    reason: dict[str, str]

    def ids(self, use: str) -> list[str]:
        return [i for i, u in self.use.items() if u == use]


def known_ids() -> list[str]:
    """Every pattern id, then every target id."""
    return [*PATTERN_BY_ID, *TARGET_BY_ID]


def last_month(id_: str) -> str:
    """The last month an entry depends on: the latest month it reads or the month its number became public.

    ``"after"`` (a number known only after the article) sorts after every month.
    """
    if id_ in PATTERN_BY_ID:
        return PROJECTION_DATE if id_ in READS_PROJECTION else HISTORY_END
    t = TARGET_BY_ID[id_]
    return AFTER if t.published == AFTER else max(t.date, t.published)


def after_history(id_: str) -> bool:
    """True if the entry reads a month after :data:`HISTORY_END` or was public only after it."""
    m = last_month(id_)
    return m == AFTER or m > HISTORY_END


def load_holdout(path: str | Path = HOLDOUT_FILE) -> Holdout:
    """Read and validate a hold-out file (see the module docstring)."""
    loaded = load_toml(path)
    hf: HoldoutFile = validate(HoldoutFile, loaded.data, loaded)

    def err(key: str, expected: str) -> InputError:
        return InputError(loaded.file_of(key), key, expected)

    known = known_ids()
    use: dict[str, str] = {}
    reason: dict[str, str] = {}
    for i, e in enumerate(hf.entries):
        key = f"entries.{i}"
        if e.id not in known:
            raise err(f"{key}.id", f"unknown pattern or target '{e.id}'{did_you_mean(e.id, known)}; "
                                   f"known: {', '.join(known)}")
        if e.id in use:
            raise err(f"{key}.id", f"'{e.id}' is listed twice (first as '{use[e.id]}'); list each id once")
        if not e.reason.strip():
            raise err(f"{key}.reason", "expected a non-empty reason")
        if e.use == "fit" and after_history(e.id):
            when = last_month(e.id)
            what = "a number published only after the article" if when == AFTER else f"months up to {when}"
            raise err(f"{key}.use", f"expected 'validate' or 'none': '{e.id}' depends on {what}, after "
                                    f"{HISTORY_END}, and data after {HISTORY_END} is never a fitting target")
        if e.id in TARGET_BY_ID and TARGET_BY_ID[e.id].input and e.use != "none":
            raise err(f"{key}.use", f"expected 'none': a starting value was set from the same number as "
                                    f"'{e.id}' ({TARGET_BY_ID[e.id].input}), so it is no evidence")
        if e.id in BUILT_IN_PATTERNS + BUILT_IN_TARGETS and e.use != "none":
            raise err(f"{key}.use", f"expected 'none': '{e.id}' is built in (it holds at every corner of the prior "
                                    "and with its mechanisms off; python -m sim informative), so it is no evidence")
        use[e.id], reason[e.id] = e.use, e.reason
    missing = [k for k in known if k not in use]
    if missing:
        raise err("entries", f"expected every pattern and target once; missing: {', '.join(missing)}")
    return Holdout(str(path), hf.holdout.description, use, reason)


def summarise_targets(rows: list[dict[str, Any]], holdout: Holdout) -> dict[str, dict[str, Any]]:
    """Per use (fit, validate, none): the scored targets of ``rows`` (:func:`sim.targets.target_card`'s), the
    sum of their mean log-likelihoods and the mean of their hold rates; skipped targets are left out."""
    out: dict[str, dict[str, Any]] = {}
    for use in USES:
        scored = [r for r in rows if holdout.use.get(r["id"]) == use and r["mean_loglik"] is not None]
        out[use] = {"targets": [r["id"] for r in scored],
                    "sum_mean_loglik": round(sum(r["mean_loglik"] for r in scored), 4),
                    "mean_hold_rate": round(sum(r["hold_rate"] for r in scored) / len(scored), 4) if scored else None}
    return out
