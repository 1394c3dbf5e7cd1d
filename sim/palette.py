"""One palette for every figure and the explorer: colours and words for strategies, kinds of firm,
event types and the article's reference marks (Okabe-Ito colours, readable with colour-blindness),
and the drawing conventions they share (the runway clip)."""

from __future__ import annotations

STRATEGY_COLOURS = {"foundation": "#0072B2", "vertical": "#009E73", "integrator": "#E69F00", "exited": "#CCCCCC"}
STRATEGY_LABELS = {"foundation": "foundation (trains own models)", "vertical": "vertical (sector product)",
                   "integrator": "integrator (deploys others' models)", "exited": "exited"}
KIND_COLOURS = {"startup": "#D55E00", "giant": "#0072B2", "open_source": "#009E73"}
KIND_LABELS = {"startup": "startups", "giant": "giants", "open_source": "open-source labs"}
#: The article's facts and projections drawn on a chart.
ARTICLE_COLOUR = "#CC0000"
#: Dated open-weight releases (an input) drawn as lines.
RELEASE_COLOUR = "#666666"
#: The open-weight floor (the best free model), and a simulated open-weight release.
OPEN_FLOOR_COLOUR = "#009E73"
#: A pattern's window of months shaded on a chart (T7's "first firm gives up here").
WINDOW_COLOUR = "#F0E442"
#: Runway alarm: the line at ``talent.runway_alarm_months`` (executives start to worry) and its label.
ALARM_COLOUR, ALARM_TEXT_COLOUR = "#B8A000", "#8A7800"
#: Counts of firms that are not a strategy (alive, exited) and secondary marks (commercial departures).
MUTED_COLOUR = "#777777"
#: Giants and open labs on per-firm charts: shades of grey and of green, so startups keep the colours.
GIANT_SHADES = ("#111111", "#555555", "#888888", "#333333", "#777777", "#AAAAAA")
LAB_SHADES = ("#006D4F", "#2CA02C", "#66C2A5")
#: Two runs compared in the explorer: the run shown, the other run.
RUN_COLOURS = ("#0072B2", "#D55E00")
#: The scorecard's marks: holds, misses, not yet decidable or not applicable.
STATUS_COLOURS = {"holds": "#1B7837", "misses": ARTICLE_COLOUR, "waiting": "#888888", "n/a": "#888888"}
#: Runways longer than this (months, and infinite ones) are drawn at it: a drawing limit, not a model number.
RUNWAY_CLIP = 60.0
EVENT_COLOURS = {
    "release": "#0072B2", "price_cut": "#999999", "funding_round": "#56B4E9", "departure": "#D55E00",
    "pivot": "#009E73", "product_cut": "#CC79A7", "ipo": "#B8A000", "exit": "#000000", "entry": "#E69F00",
}
#: The industry life cycle's series (``python -m sim lifecycle``): producers as startups, entries and exits as
#: their events.
LIFECYCLE_COLOURS = {"producers": KIND_COLOURS["startup"], "entries": EVENT_COLOURS["entry"],
                     "exits": EVENT_COLOURS["exit"], "output": "#0072B2", "users": "#56B4E9",
                     "top_decile_share": "#009E73"}
#: Outcomes side by side in one panel (``sensitivity --effects``'s figure), in order.
OUTCOME_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
