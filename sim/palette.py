"""One palette for every figure and the explorer: colours and words for strategies, kinds of firm,
event types and the article's reference marks (Okabe-Ito colours, readable with colour-blindness)."""

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
EVENT_COLOURS = {
    "release": "#0072B2", "price_cut": "#999999", "funding_round": "#56B4E9", "departure": "#D55E00",
    "pivot": "#009E73", "product_cut": "#CC79A7", "ipo": "#B8A000", "exit": "#000000", "entry": "#E69F00",
}
