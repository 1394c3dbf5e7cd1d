"""Experiment figures: one scale where panels are compared, no offset notation, no autoscaled
noise, readable annotations, sorted index bars, no empty panels; PRIM's significance is shown."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sim.experiments import figures
from sim.experiments.discovery import _qp, describe_qp

OAT = "__oat__"


@pytest.fixture()
def figs(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Keep the figures the functions make (instead of saving and closing them)."""
    made: list[Any] = []

    def keep(fig: Any, path: Path) -> Path:
        fig.canvas.draw()
        made.append(fig)
        return path

    monkeypatch.setattr(figures, "_save", keep)
    yield made
    import matplotlib.pyplot as plt

    for f in made:
        plt.close(f)


def _visible(fig: Any) -> list[Any]:
    return [a for a in fig.axes if a.get_visible() and a.get_label() != "<colorbar>"]


def _offsets(fig: Any) -> list[str]:
    return [t for a in fig.axes for t in (a.xaxis.get_offset_text().get_text(), a.yaxis.get_offset_text().get_text())
            if t]


def _oat_frame(metric: str, base: float, trend: float, noise: float) -> pd.DataFrame:
    """Three OAT parameters: 'a' moves the metric by `trend`, 'b' and 'c' by `noise` only."""
    rng = np.random.default_rng(1)
    rows = []
    for p in ("a", "b", "c"):
        for x in (0.0, 0.5, 1.0, 1.5):
            for _ in range(5):
                effect = trend * x if p == "a" else noise * x
                rows.append({OAT: p, "a": 0.5, "b": 0.5, "c": 0.5, p: x,
                             metric: base + effect + rng.normal(0, noise / 10)})
    return pd.DataFrame(rows)


def test_oat_panels_share_one_scale_and_flat_lines_stay_flat(figs: list[Any], tmp_path: Path) -> None:
    df = _oat_frame("foundation_2027_12", 1.3, 1.0, 1e-5)
    figures.response_curves(df, ["a", "b", "c"], "foundation_2027_12", tmp_path / "x.png", oat_column=OAT,
                            base={"a": 0.5, "b": 0.5, "c": 0.5})
    axes = _visible(figs[0])
    assert len(axes) == 3
    assert len({a.get_ylim() for a in axes}) == 1
    assert not _offsets(figs[0])


def test_oat_of_noise_only_spans_at_least_the_resolution(figs: list[Any], tmp_path: Path) -> None:
    df = _oat_frame("hhi_consumer_end", 0.3021, 1e-5, 1e-5)
    figures.response_curves(df, ["a", "b", "c"], "hhi_consumer_end", tmp_path / "x.png", oat_column=OAT)
    lo, hi = _visible(figs[0])[0].get_ylim()
    assert hi - lo >= figures.RESOLUTION["hhi_consumer_end"]
    assert not _offsets(figs[0])


def test_year_axes_have_plain_ticks(figs: list[Any], tmp_path: Path) -> None:
    df = _oat_frame("first_abandonment_year", 2024.5, 0.4, 0.01)
    figures.response_curves(df, ["a", "b", "c"], "first_abandonment_year", tmp_path / "x.png", oat_column=OAT)
    assert not _offsets(figs[0])
    labels = [t.get_text() for t in _visible(figs[0])[0].get_yticklabels()]
    assert any(lab.startswith("202") for lab in labels), labels


def _grid_frame(metric: str, base: float, step: float) -> pd.DataFrame:
    return pd.DataFrame([{"x": x, "y": y, metric: base + step * (i + j)}
                         for i, x in enumerate((0.5, 1.0, 2.0)) for j, y in enumerate((0.3, 0.5, 0.7))])


def test_heatmap_of_years_annotates_the_year(figs: list[Any], tmp_path: Path) -> None:
    figures.heatmap(_grid_frame("first_abandonment_year", 2024.4, 0.1), "x", "y", "first_abandonment_year",
                    tmp_path / "h.png")
    texts = [t.get_text() for t in figs[0].axes[0].texts]
    assert len(texts) == 9 and "2024.40" in texts and not any("e+" in t for t in texts)
    assert len(set(texts)) > 1
    assert not _offsets(figs[0])


def test_heatmap_colour_range_is_meaningful(figs: list[Any], tmp_path: Path) -> None:
    figures.heatmap(_grid_frame("hhi_consumer_end", 0.3021, 0.00005), "x", "y", "hhi_consumer_end",
                    tmp_path / "h.png")
    vmin, vmax = figs[0].axes[0].images[0].get_clim()
    assert vmax - vmin >= figures.RESOLUTION["hhi_consumer_end"]


def test_faceted_heatmaps_share_one_colour_scale_and_show_each_facet(figs: list[Any], tmp_path: Path) -> None:
    """A 3-parameter grid: one panel per value of the facet, all on one colour range (which spans both panels'
    values), each panel titled with its value and annotated cell by cell."""
    low, high = _grid_frame("foundation_2027_12", 0.0, 0.1), _grid_frame("foundation_2027_12", 3.0, 0.5)
    high = high[~((high["x"] == 2.0) & (high["y"] == 0.7))]  # a cell with no run: blank, the others in place
    df = pd.concat([low.assign(f=True), high.assign(f=False)], ignore_index=True)
    figures.faceted_heatmaps(df, "f", "x", "y", "foundation_2027_12", tmp_path / "h.png")
    panels = _visible(figs[0])
    assert [a.get_title() for a in panels] == ["f = True", "f = False"]  # the runs' (the spec's) order
    clims = {a.images[0].get_clim() for a in panels}
    assert len(clims) == 1
    vmin, vmax = clims.pop()
    assert vmin == 0.0 and vmax >= 4.5  # both panels' values; a count is not shown below 0
    assert [len(a.texts) for a in panels] == [9, 8]
    assert np.ma.is_masked(panels[1].images[0].get_array()[2, 2]) or np.isnan(panels[1].images[0].get_array()[2, 2])
    assert "3.0" in [t.get_text() for t in panels[1].texts]


def test_a_counts_colour_range_moves_up_from_0_keeping_its_width(figs: list[Any], tmp_path: Path) -> None:
    """Counts near 0: the range is not drawn below 0, and it still spans the metric's resolution."""
    figures.heatmap(_grid_frame("foundation_2027_12", 0.0, 0.01), "x", "y", "foundation_2027_12", tmp_path / "h.png")
    vmin, vmax = figs[0].axes[0].images[0].get_clim()
    assert vmin == 0.0 and vmax - vmin >= figures.RESOLUTION["foundation_2027_12"]


def _indices(method: str) -> dict[str, Any]:
    params = ["s.small", "s.big", "s.mid"]
    size = {"s.small": 0.05, "s.big": 0.6, "s.mid": 0.3}
    if method == "sobol":
        live = {p: {"S1": size[p] * 0.8, "S1_conf": 0.02, "ST": size[p], "ST_conf": 0.03} for p in params}
        dead = {p: {"S1": 0.0, "S1_conf": 0.0, "ST": 0.0, "ST_conf": 0.0} for p in params}
    else:
        live = {p: {"mu_star": size[p], "mu_star_conf": 0.02, "sigma": size[p] / 2} for p in params}
        dead = {p: {"mu_star": 0.0, "mu_star_conf": 0.0, "sigma": 0.0} for p in params}
    return {"method": method, "parameters": params, "outputs": {"foundation_2027_12": live, "alive_end": dead},
            "noise_share": {"foundation_2027_12": 0.2, "alive_end": 1.0}, "conf_level": 0.95, "warnings": []}


@pytest.mark.parametrize("method", ["sobol", "morris"])
def test_index_bars_sorted_readable_and_no_empty_panel(figs: list[Any], tmp_path: Path, method: str) -> None:
    figures.sensitivity_bars(_indices(method), tmp_path / "s.png")
    axes = _visible(figs[0])
    assert len(axes) == 1, "the output with all-zero indices must not get an (empty) panel"
    assert "startups alive" in figs[0]._suptitle.get_text()
    ticks = axes[0].get_yticklabels()
    assert [t.get_text() for t in ticks] == ["big", "mid", "small"]  # largest on top
    assert min(t.get_fontsize() for t in ticks) >= 8
    for ax in axes:
        assert ax.patches or ax.lines, "no panel may be empty"


def test_compare_uses_a_log_scale_when_one_market_dwarfs_the_rest(figs: list[Any], tmp_path: Path) -> None:
    scen = ["baseline", "a", "b", "large_market"]
    means = {"baseline": 6.0, "a": 6.0, "b": 5.0, "large_market": 200.0}
    df = pd.DataFrame([{"scenario": s, "alive_end": means[s] + k % 2, "mean_sentiment_2025": 0.4 + 0.01 * k}
                       for s in scen for k in range(4)])
    rows = [{"scenario": s, "metric": m, "mean": float(df.loc[df.scenario == s, m].mean()),
             "ci_high": float(df.loc[df.scenario == s, m].mean()) + 0.1}
            for s in scen for m in ("alive_end", "mean_sentiment_2025")]
    table = {"metrics": ["alive_end", "mean_sentiment_2025"], "scenarios": scen, "rows": rows,
             "replications": 4, "level": 0.95}
    figures.compare_figure(table, df, tmp_path / "c.png")
    alive, sentiment = _visible(figs[0])
    assert alive.get_yscale() == "symlog" and sentiment.get_yscale() == "linear"
    assert not _offsets(figs[0])


def test_quasi_p_values_are_reported_with_their_significance() -> None:
    assert _qp([-1.0, 2.5e-30]) == [None, 2.5e-30]
    assert describe_qp([None, 2.5e-30]) == "quasi-p high 2.5e-30"
    assert describe_qp(_qp([0.21, -1.0])) == "quasi-p low 0.21, not significant"
    assert describe_qp(None) == "quasi-p n/a"


def test_parameter_axes_carry_the_schema_unit_for_list_items_by_index_or_name() -> None:
    from sim.experiments.figures import _param_label

    assert _param_label("capital.sentiment_base") == "capital.sentiment_base [0-1]"
    assert _param_label("startups.Zhipu.cash_usd") == "startups.Zhipu.cash_usd [USD]"
    assert _param_label("startups.0.cash_usd") == "startups.0.cash_usd [USD]"
    assert _param_label('startups."01.AI".cash_usd') == 'startups."01.AI".cash_usd [USD]'
    assert _param_label("demand.niches.coding.market_usd_per_month_2025").endswith("[USD per month]")
    assert _param_label("x") == "x"  # a test function's argument stays bare
