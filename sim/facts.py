"""The source article's facts that code reads: names, dates and counts, in one place.

The patterns (:mod:`sim.patterns`), the figures (:mod:`sim.figures`) and the explorer
(``sim/app*.py``) import them from here, so a figure's reference mark and the pattern it shows
cannot disagree. ¶ numbers are the article's paragraphs; the patterns' tolerances around these
facts are documented in ``docs/patterns.md``.
"""

from __future__ import annotations

#: The six startups ("Six Little Dragons"), in the article's order (¶2).
SIX = ("Zhipu", "MiniMax", "Moonshot", "StepFun", "Baichuan", "01.AI")
#: Each of the six by name, for the patterns and figures about one of them.
ZHIPU, MINIMAX, MOONSHOT, STEPFUN, BAICHUAN, ZERO_ONE = SIX
#: The open-source lab funded by its parent (High-Flyer) that prices near cost (¶8).
DEEPSEEK = "DeepSeek"
#: The month the article's story starts (ChatGPT's aftermath): capability is counted in doublings
#: from the best model of this month.
HISTORY_START = "2023-01"
#: The article was written in June 2025: the last month of history.
ARTICLE_DATE = "2025-06"
#: The article counts core-executive departures "since 2024" (¶3).
DEPARTURES_START = "2024-01"
#: Calendar 2024 (¶3's "10 in 2024", ¶13's 2024 revenue, ¶11's 2024 sentiment), first and last month.
YEAR_2024 = (DEPARTURES_START, "2024-12")
#: The first half of 2025, up to the article (¶3's "12 in H1 2025", ¶6's 2025 rounds).
H1_2025 = ("2025-01", ARTICLE_DATE)
#: DeepSeek-V2 launches at 1-2 RMB per million tokens and starts the price war (¶8).
PRICE_WAR_DATE = "2024-05"
#: T16: the year to the article over which the six's B2B revenue grows (¶13), first month.
B2B_YEAR_START = "2024-06"
#: Departures from the six by ``ARTICLE_DATE``: "at least 22" (¶3), 10 of them in 2024 and 12 in H1 2025.
DEPARTURES_BY_ARTICLE, DEPARTURES_2024, DEPARTURES_H1_2025 = 22, 10, 12
#: T1's range of departures: the article's lower bound up to 1.5 times it (docs/patterns.md).
DEPARTURES_RANGE = (DEPARTURES_BY_ARTICLE, 33)
#: T7: the first of the six gives up training after Qwen2-72B and before DeepSeek V3/R1 (¶9).
FIRST_ABANDONMENT_WINDOW = ("2024-06", "2025-01")
#: The industry's projection (¶14): "perhaps only one or two" of the six keep training by the end of 2027.
PROJECTION_DATE, SEATS_AT_PROJECTION = "2027-12", (1, 2)
#: The consumer leaders Kimi (Moonshot) trails by an order of magnitude at ``ARTICLE_DATE`` (T12, ¶12).
CONSUMER_LEADERS = (DEEPSEEK, "ByteDance", "Tencent")
#: T12's two-sided gap: each leader has at least 10x and at most 100x Kimi's MAU at ``ARTICLE_DATE``. ¶11's
#: "an order of magnitude or more" gives the lower bound; the upper bound (two orders of magnitude) keeps Kimi the
#: best-known startup product it still was: 100x below a leader of 100-200 million MAU would be 1-2 million users,
#: below Yuanbao's 1.2 million of 2024-11 before it grew, and Kimi had 19 million in 2025-01 ([S-APP-MAU]).
KIMI_GAP_RANGE = (10.0, 100.0)
