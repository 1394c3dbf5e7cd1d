"""The "About the model" tab: the mechanisms in a student's words, a glossary, real history, the docs.

Everything is text from this repository, rendered to HTML on the server (python-markdown), so the
tab works offline; the project's documents (``docs/*.md``) are shown in the page itself.
"""

from __future__ import annotations

import html
import math
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import markdown

from .app_explain import article_patterns, scheduled
from .month import MONTH
from .technology import frontier

if TYPE_CHECKING:
    from .model import MarketModel

DOCS_DIR = Path(__file__).resolve().parents[1] / "docs"
#: The documents the tab can show: (file in docs/, what it is).
DOCS = (
    ("app.md", "this page, for teachers"),
    ("ODD.md", "the model's full description (ODD protocol)"),
    ("patterns.md", "the article's patterns T1-T17 and how each is checked"),
    ("parameters.md", "every parameter: unit, range, source"),
    ("outputs.md", "the columns of the downloaded tables"),
    ("calibration.md", "how the values were calibrated"),
)

def _names(named: list[str], generic: int, what: str) -> str:
    """'four tech giants (Alibaba, ByteDance, Tencent, Baidu)' for ``named`` firms plus ``generic`` ones."""
    n = len(named) + generic
    if n == 1:
        what = what.removesuffix("s")
    listed = ", ".join(named) + (f" and {generic} generic" if named and generic else "")
    return f"{n} {what}" + (f" ({listed})" if named else "")


def intro(model: MarketModel) -> str:
    """What the model is, for the scenario shown: its firms, whether startups enter, its calendar."""
    sc = model.sc
    startups = _names([s.name for s in sc.startups], sc.population.startups, "Chinese large-model startups")
    if sc.entry.enabled:
        startups += ", joined by entrants while investors are keen"
    giants = _names([g.name for g in sc.giants], sc.population.giants, "tech giants")
    labs = _names([o.name for o in sc.open_labs], sc.population.open_labs, "open-source labs")
    return (f"**What the model is.** {startups}; {giants}; {labs}; from {model.calendar.labels[0]} to "
            f"{model.calendar.labels[-1]}, one month per step. Nobody is told to give up training: every pivot, "
            "exit and departure comes out of the rules below. Each month:")


def mechanisms_text(model: MarketModel) -> str:
    """The month of :data:`sim.month.MONTH`, one numbered paragraph per mechanism (its ``STUDENT`` text, with
    the scenario's values filled in), after :func:`intro`."""
    sc = model.sc
    def off(on: bool) -> str:
        return "" if on else " (switched off in this scenario)"

    fields = {"exit_runway_months": sc.exits.exit_runway_months, "entry_off": off(sc.entry.enabled),
              "standing_off": off(sc.demand.standing_sd_per_month > 0),
              "capital_off": off(sc.demand.capacity_half_revenue_usd_per_month > 0)}
    items = [f"{i}. **{head}.** " + " ".join(text.format(**fields).split())
             for i, (head, text) in enumerate((m.STUDENT for m in MONTH), start=1)]
    return intro(model) + "\n\n" + "\n".join(items) + "\n"


GLOSSARY = """
* **Doubling (of effective compute)**: the unit of capability. One doubling more = what twice the
  training compute (or an algorithm worth as much) buys. In this scenario the frontier gains
  {per_year:.1f} doublings a year, so "1 doubling behind the frontier" is about {months:.0f} months
  behind the best model.
* **Frontier**: the best model anyone has. **Open floor**: the best model anyone can use for free.
* **Runway**: cash ÷ monthly spending, in months.
* **Weight** (on a slider): how strongly one cause pushes a decision; 0 switches it off, 2 doubles
  its push. E.g. the poaching weight multiplies the giants' pull on executives.
* **Sentiment**: investors' appetite for AI startups, 0 (none) to 1 (a boom).
* **MAU**: monthly active users. **Pivot**: giving up training one's own models, for good.
* **Seed**: the number that fixes the model's dice. Same scenario, values and seed = same story.
"""


def md_html(text: str) -> str:
    """Markdown to HTML on the server (solara.Markdown would load KaTeX from a CDN)."""
    return markdown.markdown(text, extensions=["tables", "fenced_code"])


def mechanisms_html(model: MarketModel) -> str:
    """How the model works, for the scenario of ``model`` (:func:`mechanisms_text`) as HTML."""
    return md_html(mechanisms_text(model))


def glossary_html(model: MarketModel) -> str:
    """The glossary, with the scenario's pace of the frontier (doublings a year)."""
    per_year = frontier(model, 12) - frontier(model, 0)
    return md_html(GLOSSARY.format(per_year=per_year, months=12.0 / per_year if per_year > 0 else math.nan))


def history_html(model: MarketModel) -> str:
    """Real dated history in this scenario: its dated open-weight releases, and the article's facts."""
    rows = scheduled(model)
    out = ["<p>Marked <span style='background:#FFF3C4;padding:0 3px'>real release</span> in the event feed; "
           "everything else in the feed is simulated.</p>"]
    if rows:
        out.append("<table style='border-collapse:collapse;font-size:13px'><tr><th align=left>date</th>"
                   "<th align=left>in this run</th><th align=left>firm</th><th align=left>model</th></tr>")
        cell = "<td style='padding:1px 14px 1px 0'>"
        for r in rows:
            cells = "".join(f"{cell}{html.escape(str(r[k]))}</td>" for k in ("date", "in_run", "firm", "name"))
            out.append(f"<tr>{cells}</tr>")
        out.append("</table>")
    else:
        out.append("<p>This scenario has no dated open-weight releases (open source is switched off).</p>")
    facts = article_patterns()
    if facts:
        out.append("<p style='margin-top:10px'><b>The article's facts</b> (June 2025), which the scorecard checks "
                   "(docs/patterns.md):</p><ul style='font-size:13px'>")
        out += [f"<li><b>{html.escape(i)}</b> {html.escape(name)} <span style='color:#666'>({html.escape(w)})"
                "</span></li>" for i, name, w in facts]
        out.append("</ul>")
    return "".join(out)


@cache
def doc_html(name: str) -> str:
    """A document of ``docs/`` as HTML ('' if it is not one of :data:`DOCS` or is missing)."""
    if name not in dict(DOCS):
        return ""
    path = DOCS_DIR / name
    if not path.is_file():
        return f"<p>docs/{html.escape(name)} is missing from this copy.</p>"
    return md_html(path.read_text(encoding="utf-8"))
