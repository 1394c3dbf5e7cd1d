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

MECHANISMS = """
**What the model is.** About twenty Chinese large-model startups (Zhipu, MiniMax, Moonshot, StepFun,
Baichuan, 01.AI and later entrants), four tech giants (Alibaba, ByteDance, Tencent, Baidu) and
open-source labs (DeepSeek), from 2023-01 to 2027-12, one month per step. Nobody is told to give up
training: every pivot, exit and departure comes out of the rules below. Each month:

1. **Training.** A foundation-model startup spends part of its cash on a training run. Runs get
   dearer every year (*training-cost growth*); its new model lands some distance behind the best
   model in the world (*the frontier*).
2. **Open source.** Open-weight models (DeepSeek, Qwen, ...) can be used for free. The best of them
   is the *open floor*. A closed model earns only on its lead over the floor: when the floor
   catches up, prices fall to cost (a price war).
3. **Customers.** Consumers pick chatbots (quality, price, the giants' apps); companies buy models
   slowly (*enterprise demand maturing*).
4. **Money.** Revenue comes in, salaries, marketing and training go out. *Runway* = months of
   cash left at this spending.
5. **Investors.** *Investor sentiment* (0-1) rises with good news and falls with open-source shocks
   and departures; rounds close more often and are larger when it is high.
6. **People.** Each core executive may leave each month: more likely when the giants recruit
   (*poaching weight*), when runway is short, when colleagues have just left, or when the firm has
   stopped training.
7. **Strategy.** Every few months a startup reviews: keep training, become a *vertical* (one
   sector, e.g. medicine) or an *integrator* (deploy others' models for companies). It weighs its
   next model's lead over the open floor, whether it can pay for the next run, its runway and its
   rank, with some randomness (boards are not perfect calculators). A firm that cannot raise with
   under two months of cash exits.
8. **Entry.** New startups appear while investors are keen.
"""

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


def mechanisms_html() -> str:
    return md_html(MECHANISMS)


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
