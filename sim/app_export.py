"""Take the run away: its tables as CSV and its charts as PNG, for the page's download buttons.

The tables are the ones ``python -m sim run`` writes (``docs/outputs.md``), for the months
simulated so far; the events table gets two more columns, ``cause`` (why, in words,
:mod:`sim.app_explain`) and ``history`` (the real date of a dated release, '' for a simulated
event).
"""

from __future__ import annotations

import io
import zipfile
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.csv as pacsv

from . import app_components as ac
from .app_explain import history_mark
from .outputs import event_row

if TYPE_CHECKING:
    from .app_session import AppModel

TABLES = ("model", "firms", "events")


def table(model: AppModel, name: str, causes: list[str] | None = None) -> pa.Table:
    """One table of the run so far (``model``, ``firms`` or ``events``)."""
    t = model.recorder.result(model).table(name)
    if name == "events":
        ev = model.recorder.events
        n = t.num_rows
        why = list(causes or [])[:n]
        why += [""] * (n - len(why))
        marks = [history_mark(model, event_row(ev, i)) for i in range(n)]
        t = t.append_column("cause", pa.array(why, pa.string())).append_column("history", pa.array(marks, pa.string()))
    return t


def table_csv(model: AppModel, name: str, causes: list[str] | None = None) -> bytes:
    """CSV bytes (a header row, then one row per record) of :func:`table`."""
    buf = io.BytesIO()
    pacsv.write_csv(table(model, name, causes), buf)
    return buf.getvalue()


def file_stem(model: AppModel) -> str:
    """'baseline_seed0_2025-06': scenario, seed and month, for download file names."""
    return f"{model.sc.name}_seed{model.seed_value}_{model.date}"


def charts_zip(model: AppModel) -> bytes:
    """Every chart of the page at the current month, as PNG files in one zip."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for key, _, _ in ac.CHARTS:
            z.writestr(f"{file_stem(model)}_{key}.png", ac.render_chart(key, model))
    return buf.getvalue()
