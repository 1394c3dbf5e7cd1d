"""Accounts: each firm's monthly money flows (USD), kept so that money is conserved, and its budget.

cash' = cash + revenue + funding (VC, IPO) + external (a giant's AI budget, an open lab's parent)
        + transfers (stakes and acquisitions between agents) - costs (payroll, side products,
        marketing, serving, training). Training installments are paid in :mod:`sim.technology`;
rounds and stakes in :mod:`sim.capital`; acquisitions in :mod:`sim.exits`; everything else here.

**Budgets bind.** Revenue is ``p x`` for API tokens plus the consumer and vertical revenue, and
serving is paid per token (:meth:`sim.agents.Firm.serving_bill_usd`), so a price below cost is a
loss. No firm spends money it does not have (:meth:`sim.agents.Firm.pay_bill`): a firm that
cannot pay a bill (this month's costs, or a training installment) pays what it has and defaults,
and a startup that defaults exits this month (:mod:`sim.exits`); runs start only within a
training budget (cash less ``training_reserve_months`` of spending); prices go below cost only
within a loss allowance (:mod:`sim.pricing`). The board test below compares the loss with the
giant's full (uncut) budget over the window.

**Giants' boards.** A giant's AI business receives ``external_cash_usd_per_month`` from the
group's other businesses times a board factor ``b``. Each month the board looks at the AI
business's operating result over the last ``board_window_months`` (revenue less costs, its
budget excluded): when the loss exceeds ``board_loss_tolerance`` times the budget over that
window, ``b`` falls by ``board_cut_per_month`` (to at least ``board_floor``); otherwise it recovers
at the same speed towards 1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .agents import Giant
    from .model import MarketModel

#: Scenario section of this mechanism's parameters ("" for none) and its section of docs/ODD.md.
SECTION, ODD = 'accounts', '7.6 Accounts and budgets'
#: This mechanism in a student's words, for the explorer's About tab: (heading, Markdown paragraph;
#: ``{...}`` fields are filled from the scenario shown by :func:`sim.app_about.mechanisms_html`).
STUDENT = ("Money", """\
Revenue comes in (price times tokens sold, app users), salaries, marketing, serving and training go
out. Nobody spends money they do not have: a startup that cannot pay exits. *Runway* = months of
cash left at this rate of loss. A giant's board cuts its AI budget when the losses mount.""")


def init(model: MarketModel) -> None:
    """Accounts keep no model-level state: the ledger is each firm's (cash and this month's flows)."""


def step(model: MarketModel) -> None:
    """Book this month's revenue, external inflows and costs for every live firm; then the giants' boards."""
    for f in model.live_firms:
        f.learn_sales(model.sc.demand)
        f.book_month(model)  # inflows and costs differ by kind of firm (sim/agents.py)
    for g in model.giants:
        review_budget(model, g)


def review_budget(model: MarketModel, giant: Giant) -> None:
    """Move the giant's board factor (see the module docstring)."""
    ap = model.sc.accounts
    window = giant.results_usd[-ap.board_window_months:]
    del giant.results_usd[:-ap.board_window_months]
    loss = -sum(window)
    budget = giant.external_cash_usd_per_month * len(window)
    if budget > 0 and loss > ap.board_loss_tolerance * budget:
        cut = giant.board_factor - ap.board_cut_per_month
        giant.board_factor = cut if cut > ap.board_floor else ap.board_floor  # max(board_floor, cut)
    else:
        raised = giant.board_factor + ap.board_cut_per_month
        giant.board_factor = raised if raised < 1.0 else 1.0  # min(1.0, raised)
