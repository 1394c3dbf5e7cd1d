"""Every parameter of the model: unit, default, valid range and source, in one typed schema.

Each mechanism (a module listed in :data:`sim.month.MONTH`) owns one section of the scenario file
(``[technology]``, ``[open_source]``, ``[demand]``, ``[capital]``, ``[talent]``, ``[strategy]``,
``[entry]``; the name is the module's ``SECTION``) and one section of ``docs/ODD.md``. Firms are
listed as ``[[startups]]``, ``[[giants]]`` and ``[[open_labs]]`` and generic, unnamed firms are
asked for in ``[population]``; ``[schedule]`` may reorder the month. :class:`ScenarioSections` at the
end lists every section.

Units: money in US dollars (1 USD = 7.2 RMB, [S-FX] in ``docs/sources.md``), time in months unless a
name says otherwise, capability in *doublings of effective training compute* relative to the
global frontier of 2023-01 (so a firm one doubling behind the frontier has half its
effective compute).

The models are frozen and strict: an unknown key, a wrong type or a value out of range is
rejected (see :mod:`sim.scenario` for the error messages); nothing is clamped or coerced.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from .config import DATE_PATTERN, Strict


def P(default: Any, lo: float | None, hi: float | None, unit: str, doc: str, source: str) -> Any:
    """A documented parameter: default, inclusive range [lo, hi], unit, meaning and source."""
    extra = {"unit": unit, "source": source}
    return Field(default, ge=lo, le=hi, description=doc, json_schema_extra=extra)


def D(default: str, doc: str, source: str) -> Any:
    """A documented ``YYYY-MM`` date parameter."""
    extra = {"unit": "YYYY-MM", "source": source}
    return Field(default, pattern=DATE_PATTERN, description=doc, json_schema_extra=extra)


def S(default: Any, unit: str, doc: str, source: str) -> Any:
    """A documented parameter without a numeric range (switches, names, lists)."""
    return Field(default, description=doc, json_schema_extra={"unit": unit, "source": source})


class Section(Strict):
    """Base of every scenario section: frozen, strict, no unknown keys."""


# --------------------------------------------------------------------------- time
class TimeParams(Section):
    start: str = D("2023-01", "First simulated month (step 0).", "model design: before the events of [Article]")
    end: str = D("2027-12", "Last simulated month.", "assumption: horizon of [Article] ¶14 (T17)")


# --------------------------------------------------------------------------- technology
class TechnologyParams(Section):
    frontier_compute_growth_per_year: float = P(
        4.5, 1.0, 10.0, "x per year",
        "Growth of the largest training runs' physical compute; moves the frontier.",
        "[S-EPOCH-COMPUTE]: 4-5x a year")
    algorithmic_halving_months: float = P(
        8.0, 3.0, 36.0, "months",
        "Months for algorithmic progress to halve the compute needed for a fixed capability.",
        "[Ho2024]: 8 months (95% CI 5-14)")
    run_cost_growth_per_year: float = P(
        2.4, 1.0, 5.0, "x per year",
        "Growth of the cost of a frontier training run (hardware and energy amortised). "
        "The strength of the rising-cost mechanism: 1.0 means flat costs.",
        "[Cottier2024]: 2.4x (95% CI 2.0-3.1)")
    frontier_run_cost_usd_2023: float = P(
        3.0e7, 1e6, 5e8, "USD",
        "Cost in 2023-01 of one training run that reaches the global frontier at efficiency 1.",
        "[Cottier2024] puts GPT-4-class runs at tens of millions USD; set a priori in model 3")
    run_cost_scale: float = P(
        1.0, 0.05, 5.0, "multiplier",
        "Multiplies every training run's cost (the cheap_compute counterfactual lowers it).",
        "1.0 = the cited trends; [S-GPU-RENT]: GPU rent fell from >8 to <2 USD/hour 2023-2024")
    training_run_months: int = P(3, 1, 12, "months", "Duration of one training run; capability arrives at its end.",
                                 "[DeepSeek2024]: DeepSeek-V3 trained for about 2 months; plus preparation")
    release_interval_months: int = P(6, 2, 24, "months", "Months between the starts of a foundation firm's "
                                                         "training runs.",
                                     "assumption: the six released major versions about twice a year 2023-2025")
    training_budget_share: float = P(0.1371, 0.02, 1.0, "share of cash",
        "Share of its cash a startup is willing to commit to one training run.",
        "assumption; tuned so startup runs cost 1-50 million USD (T13 is then checked, not forced)"
            "; calibrated (experiments/calibration.toml)")
    max_run_spend_usd: float = P(1.0e8, 1e6, 1e9, "USD", "Most a startup spends on one run (board limit).",
                                 "assumption: a board limit on one run; set a priori in model 3")
    training_reserve_months: float = P(9.0, 0.0, 60.0, "months",
                                       "Months of operating burn a startup keeps in cash and never spends on training.",
                                       "assumption")
    talent_efficiency_floor: float = P(
        0.3, 0.0, 1.0, "multiplier",
        "Training efficiency of a startup that has lost all its technical executives "
        "(linear in the share still in post, 1.0 when all are).",
        "assumption: departures 'disrupt the iteration rhythm' ([Article] ¶3)")
    serving_cost_usd_per_mtok_2023: float = P(
        6.0, 0.1, 50.0, "USD per million tokens",
        "Cost to serve a near-frontier model in 2023-01 at efficiency 1.",
        "assumption: a dense ~100B-parameter model on A100s rented above 8 USD/hour [S-GPU-RENT] costs several USD "
        "per million tokens; below the typical ~17 USD (120 RMB) list price before the 2024 price war [S-PRICE-WAR]")
    serving_cost_decline_per_year: float = P(
        2.5, 1.0, 50.0, "x per year",
        "Fall of the cost to serve a near-frontier model (10x at constant capability, less the rise of capability).",
        "[S-LLMFLATION]: 10x/yr at constant capability; GPU rent 8 -> 2 USD/hour 2023-2024 [S-GPU-RENT]; "
        "assumption for the frontier mix")
    serving_learning_exponent: float = P(
        0.2, 0.0, 1.0, "elasticity",
        "Learning by doing in serving: a firm's cost to serve its API falls by this elasticity of its own cumulative "
        "API tokens served, once they pass serving_learning_start_mtok (2**-b per doubling: 0.2 is a progress "
        "ratio of 87%).",
        "learning curves [DuttonThomas1984] (median progress ratio 80%, b = 0.32) and [ArgoteEpple1990]; "
        "assumption: below the median, since serving cost also falls industry-wide")
    serving_learning_start_mtok: float = P(
        5.0e5, 1.0, 1e12, "million tokens",
        "Cumulative API tokens a firm must have served before its serving cost starts to fall with them.",
        "assumption: about one month of the whole 2023 API market (8 MUSD at 17 USD per million tokens)")
    architecture_spillover: float = P(
        0.3, 0.0, 1.0, "share",
        "When an open-weight release publishes an efficiency, every closed lab trains at least this share of it "
        "at once, and serves it from its next release.",
        "assumption: open releases publish their architectures (mixture of experts, attention compression; "
        "[DeepSeek2024]); 0 switches the spillover off")
    giant_release_gap: float = P(
        0.5, 0.0, 5.0, "doublings",
        "How far below the frontier a giant's own closed model lands when it trains.",
        "assumption: Chinese giants trailed the US frontier by about 6-12 months in 2024")
    departure_setback_months: int = P(
        12, 1, 60, "months",
        "Window of technical departures that set back a startup's next run (talent.cap_loss_per_tech_departure "
        "per departure in the window).",
        "assumption: a departed leader's know-how is missed for about a year")


# --------------------------------------------------------------------------- open source
class Release(Section):
    date: str = D("2024-01", "Month of the open-weight release.", "[S-OPEN-RELEASES]")
    firm: str = S("", "name", "Firm that releases it (its event row); may be unsimulated.", "[S-OPEN-RELEASES]")
    name: str = S("", "text", "Model name, for the event log.", "[S-OPEN-RELEASES]")
    gap_doublings: float = P(1.0, 0.0, 10.0, "doublings", "Distance below the frontier at release.",
                             "assumption from benchmark parity claims in each release's report")


class OpenSourceParams(Section):
    enabled: bool = S(True, "switch", "Open-weight releases raise the open floor; false removes every release.",
                      "counterfactual switch (no_open_source)")
    releases: list[Release] = S([], "list", "Dated exogenous open-weight releases.", "[S-OPEN-RELEASES]")
    release_gap_scale: float = P(1.0, 0.1, 5.0, "multiplier",
                                 "Multiplies every release's gap below the frontier (>1 = weaker open models).",
                                 "strength of open-source pressure; 1.0 = history")
    shift_months: int = P(0, -36, 36, "months", "Moves every scheduled release later (positive) or earlier.",
                          "counterfactual timing")
    initial_floor_gap: float = P(4.5, 0.0, 12.0, "doublings",
                                 "Open floor below the frontier at the start (LLaMA-1 era open models).",
                                 "assumption: open models trailed GPT-4 by well over a year in early 2023")
    endogenous_after: str = D("2025-06", "After this month open labs (and open-weight giants) release on their own "
                              "schedule; before it only the dated releases count.",
                              "[S-OPEN-RELEASES] schedule ends 2025-04; [Article] was written 2025-06")
    lab_release_interval_months: int = P(4, 1, 24, "months", "Months between an open lab's own releases.",
                                         "assumption: DeepSeek and Qwen released every 3-6 months 2024-2025")
    lab_release_gap: float = P(0.3, 0.0, 5.0, "doublings", "An open lab's own release: distance below the frontier.",
                               "assumption, as DeepSeek-V3/R1 [S-OPEN-RELEASES]")


# --------------------------------------------------------------------------- demand
class Niche(Section):
    name: str = S("medicine", "name", "Vertical niche.", "[Article] ¶5, ¶10, ¶15")
    market_usd_per_month_2025: float = P(1.0e7, 0.0, 1e10, "USD per month", "Niche spending on AI in 2025-01.",
                                         "assumption, order of magnitude")
    growth_per_year: float = P(1.6, 1.0, 10.0, "x per year", "Growth of the niche.", "assumption")
    heat: float = P(0.5, 0.0, 1.0, "0-1", "How hot the niche is for new ventures (drives founder departures).",
                    "[Article] ¶5: AI coding and AI voice")


class DemandParams(Section):
    enterprise_usd_per_month_2023: float = P(8.0e6, 0.0, 1e10, "USD per month",
                                             "Potential enterprise API spending E in 2023-01, at the reference price.",
                                             "assumption, order of magnitude of China's 2023 B2B LLM market"
                                                 "; set a priori in model 3")
    enterprise_usd_per_month_max: float = P(4.0e8, 0.0, 1e11, "USD per month", "Mature potential spending.",
                                            "assumption")
    enterprise_maturity_per_month: float = P(0.0536, 0.0, 1.0, "per month",
                                             "Logistic growth rate of potential spending: slow (article ¶13).",
                                             "assumption; enterprise_boom raises it; "
        "calibrated (experiments/calibration.toml)")
    reference_price_usd_per_mtok: float = P(17.0, 0.01, 1000.0, "USD per million tokens",
                                            "Reference price P0 at which E is spent (the price index's anchor).",
                                            "[S-PRICE-WAR]: the typical list price before 2024-05, 120 RMB per million")
    price_elasticity: float = P(1.0, 0.0, 3.0, "elasticity",
                                "Tokens demanded in the whole market rise by this per unit fall of log price index.",
                                "[S-PRICE-WAR]: 'price down 10x, volume up 10x', the industry's reading in 2024")
    price_weight: float = P(1.25, 0.5, 10.0, "utility per log price",
                            "Buyers' disutility of log API price (the logit's price coefficient a; sets the "
                            "best-response markup a(1-s)/(a(1-s)-1)).",
                            "assumption: with shares near 0.1 it gives markups of about 9x, as 2023 list prices over "
                            "serving cost [S-PRICE-WAR]")
    quality_weight: float = P(1.2, 0.0, 10.0, "utility per doubling",
                              "Buyers' utility of one doubling of capability.",
                              "assumption: about the price weight, so one doubling of capability is worth about "
                              "e (2.7x) in price")
    capacity_weight: float = P(1.0, 0.0, 10.0, "utility per log unit",
                               "Buyers' utility of log service capacity (a giant's cloud, a startup's sales force).",
                               "assumption: B2B needs fit and service capacity (article ¶13)")
    open_nest_correlation: float = P(0.7, 0.0, 0.95, "0-1",
                                     "Nesting parameter rho of the offers of the open floor (integrators, open labs, "
                                     "firms serving the floor, self-hosting): buyers' tastes for these near-identical "
                                     "offers are correlated, so they compete with each other 1/(1-rho) times as hard "
                                     "as with a closed model; 0 is the plain logit.",
                                     "nested logit [Berry1994], [Cardell1997]; assumption: offers of the same open "
                                     "model differ only in service")
    self_host_cost_multiple: float = P(3.0, 1.0, 100.0, "multiple of cost",
                                       "In-house deployment of the open floor costs this times the open serving "
                                       "cost (engineers, idle GPUs).", "assumption")
    self_deploy_utility: float = P(0.5, -10.0, 10.0, "utility",
                                   "Extra utility of the outside option: buyers deploy open models themselves or wait.",
                                   "assumption: enterprise customers pay cautiously ([Article] ¶13)")
    enterprise_adjust_per_month: float = P(0.1, 0.01, 1.0, "share per month",
                                           "Share of the gap to its logit share a seller's token share (and a "
                                           "vertical's revenue) closes each month (contracts are sticky).",
                                           "assumption")
    sales_learning_per_month: float = P(0.03, 0.0, 1.0, "per month",
                                        "Rate at which service capacity moves to a firm's enterprise focus.",
                                        "assumption: B2B needs fit and service capacity ([Article] ¶13)")
    capacity_half_revenue_usd_per_month: float = P(
        1e6, 0.0, 1e9, "USD per month",
        "Customer capital: a startup's service capacity moves towards its enterprise focus (1 for an integrator) "
        "times k0 + (1 - k0) R / (R + this), R its enterprise revenue (API and vertical) of the month and k0 "
        "capacity_floor_share, so a firm builds its sales and delivery organisation out of the business it wins; "
        "0 switches it off (capacity moves to the focus alone, as before model 3.6).",
        "customer capital [GourioRudanko2014] and increasing returns [Arthur1989]; assumption: 1 MUSD a month, "
        "the order of a leading startup's enterprise revenue in 2023")
    capacity_floor_share: float = P(
        0.25, 0.0, 1.0, "share of focus",
        "Share of its focus a startup's service capacity keeps with no business at all (customer capital's floor: "
        "a founding team can serve its first customers before it has a book).",
        "assumption: without a floor a firm with no revenue would lose all its capacity and could never win a "
        "first customer")
    standing_sd_per_month: float = P(
        0.1, 0.0, 5.0, "utility per month",
        "Standard deviation of the monthly innovation of a startup's standing with enterprise buyers (an AR(1) "
        "shock to the utility of its API offer and, as exp(standing), to its fit in a niche: contracts won or "
        "lost, references, a key account); 0 switches it off.",
        "the unobserved product characteristic of [Berry1994]; "
        "assumption: a startup's book is a handful of large contracts, a giant's cloud thousands")
    standing_persistence: float = P(
        0.95, 0.0, 1.0, "share per month",
        "Share of last month's standing a startup keeps (the AR(1) coefficient): a half-life of about 14 months.",
        "assumption: enterprise contracts run for a year or more")
    niches: list[Niche] = S([], "list", "Vertical niches.", "[Article] ¶5,¶10,¶15")
    vertical_capture: float = P(0.25, 0.0, 1.0, "share", "Most of a niche's spending the firms serving it can win.",
                                "assumption")
    niche_outside_fit: float = P(0.5, 0.0, 10.0, "fit", "Fit of a niche's outside option (in-house or no AI): "
                                 "a lone vertical of fit k wins vertical_capture k / (k + this).", "assumption")
    giant_vertical_fit: float = P(0.5, 0.0, 10.0, "fit per unit cloud", "A giant's fit in a niche per unit of cloud.",
                                  "assumption: giants sell industry solutions through their clouds")
    giant_niche_entry_usd_per_month: float = P(3.0e7, 0.0, 1e12, "USD per month",
                                               "A giant with a cloud enters a niche once its spending passes this "
                                               "times (1 + giants already in it).",
                                               "assumption: giants enter markets worth their while")


# --------------------------------------------------------------------------- pricing
class PricingParams(Section):
    max_markup: float = P(10.0, 1.0, 100.0, "multiple of cost", "Highest price over serving cost any seller asks.",
                          "assumption: 2023 list prices (~17 USD per million tokens) were several times serving cost")
    switching_utility: float = P(2.0, 0.0, 20.0, "utility",
                                 "How much more utility a rival offer must give before a seller meets its price "
                                 "(buyers' switching costs).",
                                 "assumption [Klemperer1995]: integration work ties buyers to their supplier")
    max_subsidy: float = P(0.9, 0.0, 1.0, "share of cost", "Deepest price cut below cost (price >= cost x (1 - this)).",
                           "[S-PRICE-WAR]: giants made light models free and main models 90-99% cheaper in 2024-05")
    giant_subsidy_share: float = P(0.3, 0.0, 1.0, "share of monthly AI budget",
                                   "Loss a giant allows its API each month (its loss allowance).", "assumption")
    startup_loss_share: float = P(0.1, 0.0, 1.0, "share of cash per year",
                                  "Loss a startup allows its API in a year, as a share of its cash.", "assumption")
    volume_guess_share: float = P(0.02, 0.0, 1.0, "share of market volume",
                                  "Volume a seller with no sales yet expects (sizes its loss floor).", "assumption")
    open_price_markup: float = P(0.2, 0.0, 2.0, "multiple of cost", "Open labs price at cost times (1 + this).",
                                 "[S-DEEPSEEK-PRICE]: DeepSeek-V2 API at 1-2 RMB per million tokens, near cost")
    price_cut_threshold: float = P(0.3, 0.05, 0.95, "share",
                                   "A price fall of at least this share within one month is a price_cut event.",
                                   "assumption: ByteDance's 2024-05 cut was 99% [S-PRICE-WAR]")


# --------------------------------------------------------------------------- consumer
class ConsumerParams(Section):
    consumer_mau_2023: float = P(3.0e7, 0.0, 2e9, "MAU", "Chinese consumer AI-assistant users in 2023-01.",
                                 "assumption, order of magnitude (ERNIE Bot launched 2023-03, [S-GIANT-PROFILES])")
    consumer_mau_max: float = P(7.0e8, 1e6, 2e9, "MAU", "Saturation of the consumer AI market.",
                                "assumption: about half of China's ~1.1 billion internet users [S-INTERNET-USERS]")
    consumer_growth_per_month: float = P(0.1, 0.0, 1.0, "per month", "Logistic growth rate of potential users N.",
                                         "assumption")
    quality_weight: float = P(1.0, 0.0, 10.0, "per doubling", "App attractiveness of one doubling of capability.",
                              "assumption")
    distribution_weight: float = P(0.5, 0.0, 10.0, "per log unit", "App attractiveness of log distribution reach.",
                                   "assumption: giants' super-apps ([Article] ¶11)")
    churn_per_month: float = P(0.08, 0.0, 1.0, "share per month", "Users who stop using AI apps each month.",
                               "assumption: chat apps keep few of their monthly users a year later")
    switch_per_month: float = P(0.05, 0.0, 1.0, "share per month",
                                "Users who re-choose their app each month by attractiveness.", "assumption")
    adoption_per_month: float = P(0.1, 0.0, 1.0, "share per month", "Share of the undecided who adopt an app.",
                                  "assumption [Bass1969]")
    cac_usd: float = P(1.75, 0.0, 1000.0, "USD per user", "Cost per user acquired by marketing in an empty market.",
                       "[S-KIMI-ADS]: 30 RMB (4.2 USD) per user on one platform in early 2024 at about 14% "
                       "penetration; an input from the period's data, so that figure is not a fit")
    cac_saturation: float = P(10.0, 0.0, 100.0, "per unit penetration",
                              "CAC rises by this times penetration (all app users / market maximum).",
                              "[S-KIMI-ADS]: CAC rose from 30 to 50 RMB as penetration about doubled in 2024")
    paying_share: float = P(0.03, 0.0, 1.0, "share of MAU", "Users who pay a subscription.",
                            "assumption: most Chinese assistants were free")
    subscription_usd_per_month: float = P(5.0, 0.0, 100.0, "USD per paying user", "Subscription price.",
                                          "assumption")
    ad_usd_per_mau: float = P(0.05, 0.0, 10.0, "USD per MAU per month", "Advertising and other revenue per user.",
                              "assumption")
    tokens_per_mau_month: float = P(0.1, 0.0, 100.0, "million tokens per MAU per month",
                                    "Tokens one active user consumes a month (serving cost per user = this x cost).",
                                    "assumption: a few dozen conversations a month")
    marketing_cash_share: float = P(0.03, 0.0, 0.5, "share of cash per month",
                                    "A consumer-only startup's monthly marketing, as a share of its cash (times its "
                                    "consumer weight, 1 - enterprise focus).",
                                    "[S-KIMI-ADS]: Kimi spent about 30 million USD a month in late 2024 with about "
                                    "1 billion USD raised; an input from the period's data")
    marketing_runway_months: float = P(6.0, 0.0, 120.0, "months",
                                       "A startup markets its app only while its runway exceeds this.", "assumption")
    viral_boost: float = P(4.0, 0.0, 10.0, "utility",
                           "Attractiveness of a viral rush when a new model makes an app the best one.",
                           "[Article] ¶8: the DeepSeek app went viral in 2025-01")
    viral_gap: float = P(0.5, 0.0, 5.0, "doublings", "A rush needs the app's model within this of the frontier.",
                         "assumption")
    viral_decay_per_month: float = P(0.15, 0.0, 1.0, "share per month", "Fade of a viral rush.",
                                     "assumption: the rush fades within months")


# --------------------------------------------------------------------------- accounts
class AccountsParams(Section):
    board_window_months: int = P(12, 1, 60, "months", "Window of the AI business's results a giant's board reviews.",
                                 "assumption: annual budgets")
    board_loss_tolerance: float = P(0.5, 0.0, 10.0, "share of budget",
                                    "A board cuts the AI budget when the window's loss exceeds this share of its "
                                    "budget over the window.", "assumption")
    board_cut_per_month: float = P(0.05, 0.0, 1.0, "per month", "Speed of a board's cut (and of its recovery).",
                                   "assumption")
    board_floor: float = P(0.3, 0.0, 1.0, "share of budget", "The least budget a board keeps granting.",
                           "assumption: AI stays strategic for every giant")


# --------------------------------------------------------------------------- capital
class CapitalParams(Section):
    enabled: bool = S(True, "switch", "Venture rounds can be raised; false closes the venture market.", "switch")
    vc_pool_usd_2023: float = P(2.85e9, 0.0, 1e12, "USD per year", "China's generative-AI venture financing in 2023.",
                                "[S-ITJUZI]: 143 deals, 20.5 billion RMB; an input, so it is not a fit")
    vc_pool_usd_2024: float = P(4.86e9, 0.0, 1e12, "USD per year", "China's generative-AI venture financing in 2024.",
                                "[S-ITJUZI]: 113 deals, 35 billion RMB; an input, so it is not a fit")
    pool_share_simulated: float = P(0.5, 0.0, 100.0, "share",
                                    "Share of that money available to the simulated startups (above 1 for a larger "
                                    "simulated economy).",
                                    "[S-ITJUZI]: the four best-funded startups took about half of 2024's")
    pool_return_weight: float = P(1.0, 0.0, 20.0, "per unit rate",
                                  "Growth of next year's pool per unit of this year's net realised outcome rate.",
                                  "assumption [Gompers2004]: venture money follows realised returns")
    pool_rotation_weight: float = P(1.0, 0.0, 20.0, "per unit appeal",
                                    "Fall of next year's pool per unit rise of the outside sector's appeal.",
                                    "[Article] ¶12; [S-EMBODIED-FUNDING]")
    pool_carryover: float = P(1.0, 0.0, 1.0, "share", "Share of a month's unspent venture money still there "
        "next month.",
                              "[Gompers2004]: funds draw their commitments down over an investment period of "
                              "several years, so money not invested this month is still there (dry powder)")
    min_round_share: float = P(0.3, 0.0, 1.0, "share of ask", "Least share of its ask a round accepts.", "assumption")
    round_dilution: float = P(0.2, 0.01, 0.9, "share", "Share of the company a venture round sells: a round "
        "asks for this share of its post-money valuation, and the starting cash and an entrant's seed are valued at "
        "the amount / this.",
                              "[S-FUNDING-2023]: the six's 2023 rounds sold about a fifth (MiniMax 250 million USD "
                              "at 1.2 billion, Baichuan 300 million at 1-1.3 billion)")
    valuation_traction_elasticity: float = P(1.0, 0.0, 3.0, "elasticity",
                                             "Elasticity of a round's pre-money valuation to the firm's 1 + traction "
                                             "since its last priced round.",
                                             "assumption: the comparable-company method (a valuation moves with "
                                             "traction, elasticity 1); calibrated (experiments/calibration.toml)")
    valuation_pool_elasticity: float = P(0.2, 0.0, 2.0, "elasticity",
                                         "Elasticity of a round's pre-money valuation to the year's venture pool "
                                         "since the firm's last priced round (money chasing deals).",
                                         "[Gompers2000]: a doubling of inflows to venture funds raised valuations "
                                         "by 7-21%, an elasticity of about 0.1-0.3")
    valuation_moat_weight: float = P(1.0, 0.0, 10.0, "log units per unit moat",
                                     "Change in a round's log pre-money valuation per unit change, since the firm's "
                                     "last priced round, of its model's moat over the open floor (0-1, "
                                     "strategy.moat_doublings).",
                                     "assumption: a model that loses its whole lead over the free models divides "
                                     "the valuation by e; calibrated (experiments/calibration.toml)")
    flat_round_band: float = P(0.05, 0.0, 0.5, "share of post-money",
                               "A round priced within this share of the last post-money is flat (neither up nor "
                               "down).", "assumption: press reports call a round within a few percent 'flat'")
    return_sensitivity: float = P(0.5, 0.0, 10.0, "per unit rate",
                                  "Rise of sentiment's level per unit of the 12-month net realised outcome rate.",
                                  "assumption [Gompers2004]")
    sentiment_initial: float = P(0.7707, 0.0, 1.0, "0-1", "Investor sentiment for foundation-model startups at the "
                                                          "start.",
                                 "[Article] ¶1: the 2023 capital boom; calibrated (experiments/calibration.toml)")
    sentiment_base: float = P(0.4902, 0.0, 1.0, "0-1", "Level sentiment reverts to without shocks.", "assumption"
        "; calibrated (experiments/calibration.toml)")
    sentiment_reversion_per_month: float = P(0.02, 0.0, 1.0, "per month", "Speed of reversion to the base level.",
                                             "assumption; set a priori in model 3")
    open_shock_sensitivity: float = P(0.292, 0.0, 2.0, "per doubling",
                                      "Sentiment lost per unit of open-source shock: the record narrowing of the "
                                      "floor's gap to the "
                                      "frontier (doublings) divided by 1 + the new gap.",
                                      "[Article] ¶8, ¶12: open-source shocks cost investors' confidence"
                                          "; set a priori in model 3")
    departure_sensitivity: float = P(1.0, 0.0, 50.0, "per unit rate",
                                     "Fall of sentiment's level per unit of the month's departures per executive in "
                                     "post.", "assumption: [Article] ¶3")
    outside_rise_start: str = D("2024-06", "Month the outside sector starts to attract capital.",
                                "exogenous input: the embodied-AI funding wave from mid-2024 [S-EMBODIED-FUNDING]")
    outside_rise_end: str = D("2025-06", "Month the outside sector's appeal peaks.", "exogenous input")
    outside_appeal_max: float = P(0.6, 0.0, 1.0, "0-1", "Peak appeal of the outside sector.",
                                  "strength of the rotation; assumption")
    rotation_sensitivity: float = P(0.534, 0.0, 3.0, "per unit appeal",
                                    "Fall of the level sentiment reverts to per unit of outside appeal (capital "
                                    "rotates away).",
                                    "[Article] ¶12; calibrated (experiments/calibration.toml)")
    round_interval_months: int = P(10, 1, 36, "months", "Least time between two rounds of one startup.",
                                   "assumption: the six raised about once or twice a year; set a priori in model 3")
    round_runway_trigger_months: float = P(18.0, 0.0, 60.0, "months", "A startup seeks a round when runway falls "
                                                                      "below this.",
                                           "assumption")
    bridge_runway_months: float = P(6.0, 0.0, 60.0, "months",
                                    "Below this runway a startup seeks a bridge round whatever its last round's date.",
                                    "assumption")
    fundraising_months: int = P(3, 1, 24, "months", "A fundraising attempt takes this long; one attempt per period.",
                                "assumption: a round takes about a quarter to close")
    traction_scale_usd: float = P(1.0e7, 1e5, 1e10, "USD per year",
                                  "Annualised revenue that counts as one unit of traction.", "assumption")
    pre_ipo_bonus: float = P(2.0, 0.0, 10.0, "logit", "Log-odds bonus of a round for a firm in an IPO process.",
                             "[Article] ¶6: Zhipu kept its financing pace while preparing an IPO"
                                 "; set a priori in model 3")
    foundation_always_raise: bool = S(True, "switch",
                                      "Startups training foundation models seek a round whenever the last one is "
                                      "round_interval_months old, whatever their runway.",
                                      "[Article] ¶10: 'saturation investment'; all six raised repeatedly in 2023-2024")
    round_intercept: float = P(-3.714, -10.0, 10.0, "logit", "Log-odds of a round closing at zero sentiment and "
                                                             "traction.",
                               "assumption; calibrated (experiments/calibration.toml)")
    round_sentiment_weight: float = P(12.43, 0.0, 20.0, "logit per unit", "Weight of investor sentiment.", "assumption"
        "; calibrated (experiments/calibration.toml)")
    round_traction_weight: float = P(2.0, 0.0, 10.0, "logit per unit",
                                     "Weight of traction: annualised revenue over traction_scale_usd (at most 10) "
                                     "plus 5 x MAU share.",
                                     "assumption; set a priori in model 3")
    round_rank_weight: float = P(1.0, 0.0, 10.0, "logit per unit",
                                 "Weight of rank (1 for the most capable startup, 0 for the least).", "assumption")
    round_talent_weight: float = P(2.0, 0.0, 20.0, "logit per unit",
                                   "Weight of talent stability (share of executives still in post).",
                                   "assumption: [Article] ¶3")
    round_foundation_penalty: float = P(-1.5, -10.0, 10.0, "logit",
                                        "Change in log-odds for a startup that no longer trains foundation models.",
                                        "assumption: venture investors fund the race to the frontier, not services "
                                        "firms")
    round_size_sentiment_elasticity: float = P(2.0, 0.0, 5.0, "elasticity",
                                               "Round size (the stake round_dilution of the post-money) scales with "
                                               "sentiment to this power: a cool market fills smaller syndicates.",
                                               "assumption; calibrated (experiments/calibration.toml)")
    ipo_revenue_usd_per_year: float = P(4.435e+07, 0.0, 1e10, "USD per year",
                                        "Revenue booked over its last twelve months at which a startup can start "
                                        "an IPO process.",
                                        "assumption: about 320 million RMB a year, the order of Hong Kong chapter "
                                        "18C thresholds [S-HKEX-18C]"
                                            "; calibrated (experiments/calibration.toml)")
    ipo_months_to_list: int = P(12, 1, 48, "months", "Months from starting the IPO process to listing.", "assumption"
        "; set a priori in model 3")
    ipo_proceeds_months_of_burn: float = P(36.0, 0.0, 120.0, "months", "IPO proceeds in months of burn.", "assumption")
    pre_ipo_round: bool = S(True, "switch", "A firm that starts an IPO process raises a pre-IPO round if it can.",
                            "[Article] ¶6: Zhipu raised and started an IPO in 2025")
    giant_stake_probability: float = P(0.5, 0.0, 1.0, "probability", "Chance a giant joins a round and takes a stake.",
                                       "[S-FUNDING-2023]: Alibaba and Tencent invested in most of the six")
    giant_stake_share: float = P(0.3, 0.0, 1.0, "share of round", "Share of a round a joining giant pays.",
                                 "assumption")
    traction_cap: float = P(10.0, 0.0, 1000.0, "units of traction_scale_usd",
                            "Cap of the revenue term of traction (annualised revenue over traction_scale_usd).",
                            "assumption: investors stop rewarding revenue beyond a scale")
    traction_share_weight: float = P(5.0, 0.0, 100.0, "traction per unit share",
                                     "Traction of the consumer market share (share 0-1 times this).",
                                     "assumption: a leading consumer app counts like a large revenue")


# --------------------------------------------------------------------------- talent
class TalentParams(Section):
    enabled: bool = S(True, "switch", "Executives can leave; false keeps every executive in post.", "switch")
    base_hazard_per_month: float = P(0.0031, 0.0, 0.5, "per month", "Monthly chance a settled executive leaves.",
                                     "assumption: about 4% a year in a calm startup, before poaching and niche pull"
                                         "; calibrated (experiments/calibration.toml)")
    abandoned_work_multiplier: float = P(19.9, 1.0, 100.0, "multiplier",
                                         "Hazard multiplier for a technical executive whose firm stopped training "
                                         "foundation models.", "[Article] ¶4: 01.AI no longer needs its technical team"
                                             "; calibrated (experiments/calibration.toml)")
    runway_multiplier: float = P(5.0, 1.0, 20.0, "multiplier", "Hazard multiplier when runway is below "
                                                               "runway_alarm_months.",
                                 "assumption: money runs short ([Article] ¶1); "
        "calibrated (experiments/calibration.toml)")
    runway_alarm_months: float = P(12.0, 0.0, 60.0, "months", "Runway below which executives worry.", "assumption")
    poaching_weight: float = P(1.145, 0.0, 20.0, "multiplier per unit",
                               "Hazard multiplier (1 + this x the giants' mean hiring power): poaching offers.",
                               "[S-TALENT-PAY]: star offers near 10 million RMB a year; "
        "calibrated (experiments/calibration.toml)")
    poaching_rank_focus: float = P(0.6833, 0.0, 1.0, "0-1",
                                   "How much giants aim offers at the most capable startups (0: evenly; 1: offers "
                                   "scale with 2 x capability rank).",
                                   "[S-TALENT-PAY]: star researchers poached with offers near 10 million RMB"
                                       "; calibrated (experiments/calibration.toml)")
    niche_heat_weight: float = P(0.2, 0.0, 20.0, "multiplier per unit",
                                 "Hazard rises by this times the hottest niche's heat (founding a venture).",
                                 "[Article] ¶5: AI coding, AI voice; set a priori in model 3")
    contagion_weight: float = P(0.03351, 0.0, 5.0, "multiplier per departure",
                                "Hazard rises by this per departure from the same firm in the last 6 months.",
                                "assumption: departures cluster ([Article] ¶3); "
        "calibrated (experiments/calibration.toml)")
    sentiment_weight: float = P(2.073, 0.0, 20.0, "multiplier per unit",
                                "Hazard rises by this times the fall of investor sentiment below its starting level "
                                "(startup equity and careers lose value as the boom recedes).",
                                "[Article] ¶1, ¶3: talent drains away as the gold rush recedes"
                                    "; calibrated (experiments/calibration.toml)")
    pivot_commercial_multiplier: float = P(2.0, 1.0, 20.0, "multiplier",
                                           "Hazard multiplier for commercial executives in a firm that pivoted.",
                                           "assumption; set a priori in model 3")
    giant_destination_weight: float = P(1.0, 0.0, 10.0, "weight", "Relative pull of joining a giant.", "[Article] ¶3")
    founder_destination_weight: float = P(0.8, 0.0, 10.0, "weight", "Relative pull of founding a focused startup.",
                                          "[Article] ¶3, ¶5")
    sales_loss_per_commercial_departure: float = P(0.1, 0.0, 1.0, "share",
                                                   "Share of enterprise service capacity lost per commercial "
                                                   "departure.",
                                                   "assumption: Baichuan's commercial head left ([Article] ¶5)")
    cap_loss_per_tech_departure: float = P(0.1, 0.0, 2.0, "doublings",
                                           "Capability lost by the firm's next run per technical departure in the "
                                           "last year.", "[Article] ¶3")
    contagion_window_months: int = P(6, 1, 60, "months",
                                     "Window over which a firm's departures raise its executives' hazard "
                                     "(contagion_weight per departure in the window).",
                                     "assumption: departures cluster ([Article] ¶3)")


# --------------------------------------------------------------------------- strategy
class StrategyParams(Section):
    review_interval_months: int = P(3, 1, 24, "months", "Months between a startup's strategy reviews (staggered).",
                                    "assumption: quarterly board reviews")
    commitment_months: int = P(12, 0, 120, "months",
                               "A startup's first strategy review comes this long after it entered (or after "
                               "the start).",
                               "assumption: a venture round funds a plan of a year or more")
    horizon_months: int = P(24, 3, 120, "months", "Horizon over which a board values each path.",
                            "assumption: boards plan about two years ahead")
    temperature: float = P(0.15, 0.01, 10.0, "share of horizon burn",
                           "Logit temperature of the choice among paths, in units of the firm's burn over the horizon "
                           "(bounded rationality).", "assumption")
    inertia: float = P(2.0, 0.0, 20.0, "logit", "Bonus for keeping the current path (in the logit; times the "
        "temperature it is a share of the horizon burn).",
                       "assumption: switching costs")
    foundation_revenue_multiple: float = P(40.0, 0.0, 200.0, "x annual revenue",
                                           "Venture multiple on the revenue of a firm still training foundation models "
                                           "(at the starting sentiment; it scales with sentiment).",
                                           "assumption: the six were valued at 1-3 billion USD on revenues of "
                                           "tens of millions [S-FUNDING-2023]")
    moat_doublings: float = P(2.0, 0.01, 10.0, "doublings",
                              "Projected lead over the open floor at which investors value a foundation firm's "
                              "revenue at the full venture multiple (linear below, 0 at no lead).",
                              "assumption: [Article] ¶9, firms that could neither keep up nor pull ahead")
    services_revenue_multiple: float = P(4.0, 0.0, 100.0, "x annual revenue",
                                         "Multiple on the revenue of a vertical or an integrator.",
                                         "assumption: software-services multiples")
    vertical_margin: float = P(0.5, 0.0, 1.0, "share of revenue", "Gross margin of a vertical's solutions.",
                               "assumption: delivery needs engineers on site")
    partner_capacity_share: float = P(0.5, 0.0, 1.0, "share",
                                      "An integrator with a cloud partner sells with this share of the partner's "
                                      "cloud capacity.", "assumption: 01.AI's joint lab with Alibaba Cloud "
                                      "(article ¶4) is the kind of channel meant")
    floor_trend_weight: float = P(0.25, 0.0, 5.0, "share",
                                  "Weight firms give to the open floor's recent catch-up when they project it.",
                                  "assumption: bounded foresight")
    floor_trend_window_months: int = P(12, 1, 60, "months",
                                       "Window over which firms observe the open floor's catch-up (its narrowing "
                                       "gap to the frontier) when they project it.", "assumption: bounded foresight")
    cut_runway_months: float = P(18.0, 0.0, 60.0, "months", "Runway below which a side product is cut.",
                                 "[Article] ¶11: StepFun closed its companion app to concentrate resources")
    vertical_cost_share: float = P(0.35, 0.0, 1.0, "share", "Payroll a vertical or integrator keeps after pivoting.",
                                   "assumption: smaller teams fine-tune open models")


# --------------------------------------------------------------------------- exits
class ExitsParams(Section):
    exit_runway_months: float = P(2.0, 0.0, 24.0, "months", "Runway below which a firm that did not raise exits.",
                                  "assumption")
    user_value_usd: float = P(2.0, 0.0, 1000.0, "USD per MAU", "A buyer's value of one user.",
                              "assumption: about the cost of acquiring one [S-KIMI-ADS]")
    acquihire_usd_per_executive: float = P(5e6, 0.0, 1e9, "USD per executive", "A buyer's value of a core leader.",
                                           "[S-TALENT-PAY]: star offers near 10 million RMB a year, over a few years")
    acquisition_revenue_multiple: float = P(3.0, 0.0, 100.0, "x annual revenue", "A buyer's value of revenue.",
                                            "assumption")
    fire_sale_share: float = P(0.3, 0.0, 1.0, "share of value", "Price of a firm sold when out of money.",
                               "assumption: distressed sales")
    sale_floor_share: float = P(1.0, 0.0, 10.0, "share of the firm's mark",
                                "A board considers selling only at this share of the firm's current mark or more "
                                "(its last post-money marked to now, capital.valuation_*).",
                                "assumption: venture investors hold out for what the next round would price the "
                                "firm at")
    min_deal_usd: float = P(1e6, 0.0, 1e10, "USD", "Below this price nobody buys: the firm shuts down.", "assumption")
    buyer_reserve_months: float = P(12.0, 0.0, 120.0, "months",
                                    "A buyer keeps this many months of its own spending after paying.", "assumption")
    user_retention: float = P(0.5, 0.0, 1.0, "share", "Users who follow an acquired app to its buyer.", "assumption")
    customer_retention: float = P(0.5, 0.0, 1.0, "share", "API customers (token share) who move to the buyer.",
                                  "assumption")
    staff_retention: float = P(0.3, 0.0, 1.0, "share", "Staff a startup buyer takes on.", "assumption: acqui-hires")


# --------------------------------------------------------------------------- entry
class EntryParams(Section):
    enabled: bool = S(False, "switch", "New generic startups enter while sentiment is high.",
                      "shakeout test [Klepper1996]")
    sentiment_threshold: float = P(0.6, 0.0, 1.0, "0-1", "Entry happens only above this sentiment.", "assumption")
    rate_per_month: float = P(1.0, 0.0, 100.0, "firms per month at full sentiment",
                              "Poisson rate of entry per unit of sentiment above the threshold.", "assumption")
    seed_capital_usd: float = P(5.0e7, 1e5, 1e10, "USD", "Median capital of an entrant.", "assumption")
    follows_prospect: bool = S(True, "switch", "Entry scales with the moat an entrant's first run would buy over "
                               "the open floor (false: sentiment alone, the rule of model 3.1).",
                               "entry condition of industry life-cycle models [Klepper1996]")


# --------------------------------------------------------------------------- firms
class StartupSpec(Section):
    name: str = S("", "name", "Firm name used in outputs.", "")
    cash_usd: float = P(1e8, 0.0, 1e11, "USD", "Cash at the start.", "")
    staff: int = P(300, 1, 100000, "people", "Staff on the payroll.", "")
    salary_usd_per_year: float = P(7.0e4, 1e3, 1e7, "USD per person-year", "Blended cost per staff member.",
                                   "[S-TALENT-PAY]: engineers 850k RMB, blended with other staff (assumption)")
    tech_executives: int = P(4, 0, 50, "people", "Core technical executives.", "")
    commercial_executives: int = P(3, 0, 50, "people", "Core commercial and brand executives.", "")
    capability_gap: float = P(3.0, 0.0, 12.0, "doublings", "Own model's distance below the frontier at the start.", "")
    consumer: bool = S(True, "switch", "Has a consumer app.", "")
    side_products: list[str] = S([], "names", "Side consumer products that can be cut.", "")
    enterprise_focus: float = P(0.3, 0.0, 1.0, "0-1", "Weight on enterprise and government customers (its "
                                "service capacity grows towards it; 1 - focus weights its consumer marketing).", "")
    side_product_usd_per_month: float = P(1e6, 0.0, 1e9, "USD per month", "Cost of each side product.", "")
    investors: list[str] = S([], "names", "Giants holding a stake at the start.", "")
    efficiency: float = P(1.0, 0.05, 20.0, "multiplier", "Training efficiency.", "")
    open_weights: bool = S(False, "switch", "Releases some models as open weights.", "")
    source: str = S("", "text", "Where the starting values come from.", "")


class GiantSpec(Section):
    name: str = S("", "name", "Firm name used in outputs.", "")
    cash_usd: float = P(1e10, 0.0, 1e13, "USD", "Cash it can put into AI.", "")
    external_cash_usd_per_month: float = P(1e8, 0.0, 1e12, "USD per month",
                                           "Cash flow from other businesses into AI.", "")
    distribution: float = P(20.0, 1.0, 1000.0, "x a startup", "Reach of existing apps relative to a startup's.", "")
    cloud: float = P(0.5, 0.0, 1.0, "0-1", "Strength of its cloud channel to enterprises.", "")
    capability_gap: float = P(2.5, 0.0, 12.0, "doublings", "Own model's distance below the frontier at the start.", "")
    open_weights: bool = S(False, "switch", "Releases open-weight models.", "")
    consumer_launch: str = D("2023-01", "Month its consumer assistant launches.", "")
    hiring_power: float = P(1.0, 0.0, 10.0, "0-10", "Pull on startups' executives.", "")
    marketing_usd_per_month: float = P(5e6, 0.0, 1e10, "USD per month", "Consumer marketing spend.", "")
    integrates_open_models: bool = S(True, "switch", "Its consumer app uses the open floor when that is better.",
                                     "Tencent Yuanbao integrated DeepSeek R1 in 2025-02")
    efficiency: float = P(1.0, 0.05, 20.0, "multiplier", "Training efficiency (1 = the frontier's cost of a run).",
                          "assumption: giants train at frontier cost (their advantage is cash, not efficiency)")
    source: str = S("", "text", "Where the starting values come from.", "")


class OpenLabSpec(Section):
    name: str = S("", "name", "Firm name used in outputs.", "")
    cash_usd: float = P(5e8, 0.0, 1e12, "USD", "Cash at the start.", "")
    parent_funding_usd_per_month: float = P(1e7, 0.0, 1e11, "USD per month", "Funding from the parent; never VC.", "")
    capability_gap: float = P(3.5, 0.0, 12.0, "doublings", "Own model's distance below the frontier at the start.", "")
    efficiency: float = P(4.0, 0.05, 50.0, "multiplier", "Training efficiency.", "")
    app_launch: str = D("2025-01", "Month its consumer app launches.", "")
    marketing_usd_per_month: float = P(0.0, 0.0, 1e9, "USD per month", "Consumer marketing spend.", "")
    sales_capacity: float = P(0.2, 0.0, 1.0, "0-1", "Enterprise service capacity (constant: an open lab does not "
                              "build a sales force).", "assumption: as a startup's default (StartupSpec)")
    source: str = S("", "text", "Where the starting values come from.", "")


class PopulationParams(Section):
    startups: int = P(0, 0, 100000, "firms", "Generic startups besides the named ones.", "")
    giants: int = P(0, 0, 10000, "firms", "Generic giants besides the named ones.", "")
    open_labs: int = P(0, 0, 10000, "firms", "Generic open labs besides the named ones.", "")
    startup_cash_usd_median: float = P(1.5e8, 1e5, 1e11, "USD", "Median cash of a generic startup (lognormal).",
                                       "median of the six's starting cash [S-FUNDING-2023]")
    startup_cash_sigma: float = P(0.8, 0.0, 5.0, "log units", "Dispersion of generic startups' cash.", "assumption")
    startup_gap_mean: float = P(3.0, 0.0, 12.0, "doublings", "Mean starting gap of generic startups.", "assumption")
    startup_executives: int = P(7, 1, 50, "people", "Executives per generic startup (about 4 technical).", "assumption")
    startup_tech_share: float = P(0.6, 0.0, 1.0, "share",
                                  "Share of a generic startup's executives who are technical (at least one).",
                                  "assumption: about the technical share of the six's assumed leadership teams")
    startup_min_staff: int = P(20, 1, 10000, "people", "Smallest staff of a generic startup.", "assumption")
    startup_cash_usd_per_staff: float = P(5e5, 1e3, 1e8, "USD per person",
                                          "Starting cash per staff member of a generic startup (sets its staff).",
                                          "assumption")
    startup_gap_sigma: float = P(0.5, 0.0, 5.0, "doublings", "Dispersion of generic startups' starting gap "
                                 "(normal, floored at 0).", "assumption")
    startup_consumer_probability: float = P(0.6, 0.0, 1.0, "probability", "Chance a generic startup has a "
                                            "consumer app.", "assumption")
    startup_focus_min: float = P(0.1, 0.0, 1.0, "0-1", "Lowest enterprise focus of a generic startup (uniform).",
                                 "assumption")
    startup_focus_max: float = P(0.9, 0.0, 1.0, "0-1", "Highest enterprise focus of a generic startup (uniform).",
                                 "assumption")
    startup_sales_capacity: float = P(0.2, 0.0, 1.0, "0-1",
                                      "Enterprise service capacity of every startup at the start (named and generic: "
                                      "the same for all, as no source measures it).", "assumption")
    giant_distribution_min: float = P(5.0, 1.0, 1000.0, "x a startup", "Lowest distribution of a generic giant "
                                      "(uniform).", "assumption")
    giant_distribution_max: float = P(40.0, 1.0, 1000.0, "x a startup", "Highest distribution of a generic giant.",
                                      "assumption")
    giant_cloud_min: float = P(0.2, 0.0, 1.0, "0-1", "Weakest cloud channel of a generic giant (uniform).",
                               "assumption")
    giant_cloud_max: float = P(0.9, 0.0, 1.0, "0-1", "Strongest cloud channel of a generic giant.", "assumption")
    giant_open_weights_probability: float = P(0.3, 0.0, 1.0, "probability",
                                              "Chance a generic giant releases open weights.", "assumption")
    giant_hiring_min: float = P(0.5, 0.0, 10.0, "0-10", "Lowest hiring power of a generic giant (uniform).",
                                "assumption")
    giant_hiring_max: float = P(2.0, 0.0, 10.0, "0-10", "Highest hiring power of a generic giant.", "assumption")
    lab_efficiency_min: float = P(2.0, 0.05, 50.0, "multiplier", "Lowest training efficiency of a generic open lab "
                                  "(uniform).", "assumption")
    lab_efficiency_max: float = P(6.0, 0.05, 50.0, "multiplier", "Highest training efficiency of a generic open lab.",
                                  "assumption")


# --------------------------------------------------------------------------- schedule
class ScheduleParams(Section):
    order: list[str] = S([], "mechanism names",
                         "The month's mechanisms in the order they run. [] (the default) is the order of "
                         "sim/month.py MONTH (technology, open_source, pricing, demand, consumer, accounts, talent, "
                         "strategy, capital, exits, entry); otherwise a permutation of those names that keeps demand "
                         "and consumer before accounts, and accounts before exits.",
                         "model design: ODD section 3; a structural-robustness option (docs/robustness.md)")


# --------------------------------------------------------------------------- the scenario file
class ScenarioSections(BaseModel):
    """Every key and section of a scenario file (:class:`sim.scenario.Scenario` adds loading and overrides).

    A mechanism with parameters of its own adds its section here, named as its ``SECTION``. Not a
    :class:`Section` itself (it holds the sections), but as strict: frozen, no unknown keys.
    """

    model_config = Section.model_config

    name: str = S("scenario", "name", "Scenario name; default output folder results/<name>/.", "the scenario file")
    description: str = S("", "text", "What the scenario asks.", "the scenario file")
    time: TimeParams = TimeParams()
    technology: TechnologyParams = TechnologyParams()
    open_source: OpenSourceParams = OpenSourceParams()
    demand: DemandParams = DemandParams()
    pricing: PricingParams = PricingParams()
    consumer: ConsumerParams = ConsumerParams()
    accounts: AccountsParams = AccountsParams()
    capital: CapitalParams = CapitalParams()
    talent: TalentParams = TalentParams()
    strategy: StrategyParams = StrategyParams()
    exits: ExitsParams = ExitsParams()
    entry: EntryParams = EntryParams()
    population: PopulationParams = PopulationParams()
    schedule: ScheduleParams = ScheduleParams()
    startups: list[StartupSpec] = []
    giants: list[GiantSpec] = []
    open_labs: list[OpenLabSpec] = []


Kind = Literal["startup", "giant", "open_source"]
