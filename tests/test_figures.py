"""Figures, tested by what they draw: intervals, labels, titles, colours, notes and files."""

import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from matplotlib.colors import to_hex
from matplotlib.container import ErrorbarContainer
from scipy import stats

from wellby.analysis.describe import outcome_means, trends_plot
from wellby.analysis.effects import EVENT_STUDY_COLUMNS
from wellby.analysis.subgroups import forest_plot as reexported
from wellby.report.effect_figures import event_study_figure
from wellby.report.figures import PALETTE, in_sentence, save_figure, short_label
from wellby.report.subgroup_figures import forest_plot, level_label, subgroup_label

LABEL = "Life satisfaction (0-10, higher = more satisfied)"
OKABE_ITO = {v.lower() for v in PALETTE.values()}


def errorbars(ax) -> list[ErrorbarContainer]:
    return [c for c in ax.containers if isinstance(c, ErrorbarContainer)]


def bar_ends(container: ErrorbarContainer, axis: int = 1) -> list[tuple[float, float]]:
    """(low, high) of each bar of an error-bar container, in drawing order."""
    return [(min(s[0][axis], s[1][axis]), max(s[0][axis], s[1][axis]))
            for s in container.lines[2][0].get_segments()]


def colours(ax) -> set[str]:
    """Every colour the axes' lines, bars and patches use (white hollow markers aside)."""
    found = set()
    for line in ax.get_lines():
        found.add(to_hex(line.get_color()))
    for collection in ax.collections:
        found |= {to_hex(c) for c in collection.get_edgecolor()}
    for patch in ax.patches:
        found.add(to_hex(patch.get_facecolor(), keep_alpha=False))
    return found


def legend_text(ax) -> str:
    legend = ax.get_legend()
    return " ".join([legend.get_title().get_text(), *(t.get_text() for t in legend.get_texts())])


def notes(ax) -> str:
    return " ".join(t.get_text() for t in ax.texts)


# ------------------------------------------------------------------ clustered means


def clustered_survey(seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 3000
    area = rng.integers(0, 40, n)
    data = pd.DataFrame({"wave": rng.choice([2016, 2018, 2020], n), "area": area,
                         "ever_treated": (area < 20).astype(int)})
    data["y"] = 7 + rng.normal(0, 0.5, 40)[area] + rng.normal(0, 2, n)
    data["z"] = rng.normal(size=n)
    data.loc[rng.random(n) < 0.1, "y"] = np.nan
    return data


def test_clustered_standard_error_and_interval_match_statsmodels():
    data = clustered_survey()
    table = outcome_means(data, ["y", "z"], wave="wave", min_cell=10, cluster="area",
                          alpha=0.10)
    assert len(table) == 12 and (table["suppressed"] == "").all()
    for _, row in table.iterrows():
        cell = data[(data["wave"] == row["wave"]) & data[row["outcome"]].notna()
                    & (data["ever_treated"] == (row["group"] == "programme"))]
        fit = sm.OLS(cell[row["outcome"]].to_numpy(), np.ones(len(cell))).fit(
            cov_type="cluster", cov_kwds={"groups": cell["area"].to_numpy()})
        assert row["mean"] == pytest.approx(fit.params[0], rel=1e-12)
        assert row["se"] == pytest.approx(fit.bse[0], rel=1e-10)
        t = stats.t.ppf(0.95, cell["area"].nunique() - 1)
        assert row["ci_low"] == pytest.approx(fit.params[0] - t * fit.bse[0], rel=1e-10)
        assert row["ci_high"] == pytest.approx(fit.params[0] + t * fit.bse[0], rel=1e-10)
    assert (table["interval"] == "90% CI, clustered by area (CR1, t with G - 1 df)").all()


def test_clustered_interval_is_wider_than_the_naive_one_when_areas_differ():
    data = clustered_survey()
    clustered = outcome_means(data, ["y"], wave="wave", min_cell=10, cluster="area")
    naive = outcome_means(data, ["y"], wave="wave", min_cell=10)
    assert (clustered["se"] > 1.2 * naive["se"]).all()
    np.testing.assert_allclose(naive["se"], naive["sd"] / np.sqrt(naive["n"]))
    assert naive["interval"].str.contains("independent").all()


def test_suppressed_cells_lose_their_interval():
    data = pd.DataFrame({"wave": [1] * 14 + [2] * 14,
                         "ever_treated": ([1] * 10 + [0] * 4) * 2,
                         "area": list(range(7)) * 4,
                         "y": np.arange(28, dtype=float)})
    rows = outcome_means(data, ["y"], wave="wave", min_cell=10,
                         cluster="area").set_index(["wave", "group"])
    primary, secondary = rows.loc[(1, "comparison")], rows.loc[(1, "programme")]
    assert primary["suppressed"] == "primary" and secondary["suppressed"] == "secondary"
    assert primary[["mean", "sd", "se", "ci_low", "ci_high"]].isna().all()
    # a secondary cell keeps its mean and SD, but SD / SE would give its count back
    assert secondary["mean"] == 4.5 and secondary[["n", "se", "ci_low", "ci_high"]].isna().all()


def test_a_cell_in_one_area_has_no_interval():
    data = pd.DataFrame({"wave": 1, "ever_treated": 1, "area": 5, "y": np.arange(12.0)})
    row = outcome_means(data, ["y"], wave="wave", min_cell=10, cluster="area").iloc[0]
    assert row["mean"] == 5.5 and np.isnan(row["se"]) and np.isnan(row["ci_low"])


# ------------------------------------------------------------------------- trends


def test_trends_figure_draws_the_clustered_intervals_and_says_so():
    table = outcome_means(clustered_survey(), ["y"], wave="wave", min_cell=10,
                          cluster="area")
    figure = trends_plot(table, "y", LABEL, alpha=0.05)
    ax = figure.axes[0]
    bars = errorbars(ax)
    assert len(bars) == 2
    programme = table[table["group"] == "programme"].sort_values("wave")
    np.testing.assert_allclose(bar_ends(bars[0]),
                               programme[["ci_low", "ci_high"]].to_numpy(), rtol=1e-12)
    text = legend_text(ax)
    assert "95% CI, clustered by area" in text
    assert "Programme areas" in text and "Comparison areas" in text
    assert ax.get_title() == "Life satisfaction: programme and comparison areas"
    assert "Mean life satisfaction" in ax.get_ylabel()
    assert colours(ax) <= OKABE_ITO


def test_trends_figure_notes_a_mean_without_an_interval():
    data = clustered_survey()
    data.loc[(data["wave"] == 2016) & (data["ever_treated"] == 0), "y"] = np.nan
    data.loc[data.index[:5], "ever_treated"] = 0
    data.loc[data.index[:5], "wave"] = 2016
    data.loc[data.index[:5], "y"] = 1.0
    table = outcome_means(data, ["y"], wave="wave", min_cell=10, cluster="area")
    assert (table["suppressed"] == "secondary").any()
    ax = trends_plot(table, "y", LABEL, alpha=0.05).axes[0]
    assert "without a bar" in notes(ax)


# ------------------------------------------------------------------- event study


def event_study_table(inference: str = "analytic") -> pd.DataFrame:
    """An outcome's event_study.csv: the TWFE event study and Callaway-Sant'Anna."""
    rows = []
    for estimator, times in (("event_study", [-3, -2, -1, 0, 1, 2]),
                             ("callaway_santanna", [-2, -1, 0, 1, 2])):
        for e in times:
            reference = estimator == "event_study" and e == -1
            est = 0.0 if reference else 0.1 * (e >= 0) + 0.01 * e
            se = np.nan if reference else 0.04
            rows.append({"outcome": "life_satisfaction", "estimator": estimator,
                         "rel_time": e, "estimate": est, "std_error": se,
                         "ci_low": est - 2 * se, "ci_high": est + 2 * se, "p_value": 0.1,
                         "n_obs": 5000, "n_clusters": 60,
                         "binned": "<= -3" if estimator == "event_study" and e == -3 else "",
                         "inference": inference,
                         # the headline differs from the analytic interval, to tell them apart
                         "headline_ci_low": est - 3 * se, "headline_ci_high": est + 3 * se,
                         "headline_p_value": 0.2})
    return pd.DataFrame(rows, columns=EVENT_STUDY_COLUMNS)


def test_event_study_figure_draws_both_estimators_side_by_side():
    table = event_study_table()
    ax = event_study_figure(table, LABEL, 0.05).axes[0]
    twfe, cs = errorbars(ax)
    assert len(twfe.lines[2][0].get_segments()) == 5  # the reference period has no bar
    assert len(cs.lines[2][0].get_segments()) == 5
    est = table[(table["estimator"] == "callaway_santanna")]
    np.testing.assert_allclose(bar_ends(cs),
                               est[["headline_ci_low", "headline_ci_high"]].to_numpy())
    # dodged: TWFE left of each relative time, Callaway-Sant'Anna right of it
    np.testing.assert_allclose(twfe.lines[0].get_xdata(), np.array([-3, -2, 0, 1, 2]) - 0.12)
    np.testing.assert_allclose(cs.lines[0].get_xdata(), np.array([-2, -1, 0, 1, 2]) + 0.12)
    text = legend_text(ax)
    assert "TWFE event study (95% CI, clustered by area)" in text
    assert "Callaway-Sant'Anna (95% CI, clustered by area)" in text
    assert "reference period" in text
    assert ax.get_title().startswith("Life satisfaction:")
    assert "life satisfaction (0-10" in ax.get_ylabel()
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks[0] == "-3\n(TWFE ≤-3)" and ticks[1:] == ["-2", "-1", "0", "1", "2"]
    assert colours(ax) <= OKABE_ITO


def test_event_study_figure_falls_back_to_the_analytic_interval():
    table = event_study_table().drop(columns=["headline_ci_low", "headline_ci_high"])
    ax = event_study_figure(table, LABEL, 0.10).axes[0]
    cs = errorbars(ax)[1]
    est = table[(table["estimator"] == "callaway_santanna")]
    np.testing.assert_allclose(bar_ends(cs), est[["ci_low", "ci_high"]].to_numpy())
    assert "90% CI" in legend_text(ax)


def test_event_study_figure_without_a_reliable_interval_draws_no_bars_and_says_why():
    table = event_study_table("none_reliable")
    estimated = table["std_error"].notna()
    table.loc[estimated, ["headline_ci_low", "headline_ci_high"]] = np.nan
    ax = event_study_figure(table, LABEL, 0.05).axes[0]
    assert not errorbars(ax)
    assert "no reliable interval" in legend_text(ax)
    assert "none_reliable" in notes(ax)


def test_event_study_figure_names_the_wild_bootstrap():
    ax = event_study_figure(event_study_table("wild_bootstrap"), LABEL, 0.05).axes[0]
    assert "95% wild cluster bootstrap CI" in legend_text(ax)


def test_event_study_figure_refuses_two_outcomes():
    table = event_study_table()
    table.loc[0, "outcome"] = "anxiety"
    with pytest.raises(ValueError, match="one outcome"):
        event_study_figure(table, LABEL, 0.05)


# -------------------------------------------------------------------- forest plot


def subgroups_table() -> pd.DataFrame:
    rows = [("gender", "male", 0.2, 10_202, "", ""), ("gender", "female", -0.03, 10_037, "", ""),
            ("gender", "other", np.nan, np.nan, "primary",
             "suppressed: fewer than 10 persons (report.min_cell); not estimated"),
            ("gender", "unknown", np.nan, 0, "", "not estimated: no observations in this level"),
            ("qualification", "below_degree", 0.09, np.nan, "secondary", "counts suppressed"),
            ("qualification_x_gender", "degree:female", 0.0, 3_038, "", "")]
    table = pd.DataFrame(rows, columns=["subgroup", "level", "estimate", "n_persons",
                                        "suppressed", "note"])
    table["estimator"], table["term"] = "twfe", "att"
    table["ci_low"], table["ci_high"] = table["estimate"] - 0.1, table["estimate"] + 0.1
    table["n_obs"] = table["n_persons"] * 2.5
    table["n_clusters"] = np.where(table["estimate"].notna(), 60, np.nan)
    table["p_value"] = 0.3
    test = {"subgroup": "gender", "level": "heterogeneity_wald", "estimator": "twfe_interaction",
            "term": "heterogeneity_wald", "estimate": 12.0, "p_value": 0.0004}
    return pd.concat([table, pd.DataFrame([test])], ignore_index=True)


def test_forest_plot_labels_levels_for_readers_with_their_persons():
    figure = forest_plot(subgroups_table(), "life_satisfaction", 0.09, alpha=0.05,
                         label=LABEL, names={"female": "women", "male": "men"})
    ax = figure.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["Gender: men (n = 10,202)", "Gender: women (n = 10,037)",
                      "Gender: other", "Qualification: below degree (n suppressed)",
                      "Degree × women (n = 3,038)"]
    (bars,) = errorbars(ax)
    assert len(bars.lines[2][0].get_segments()) == 4
    assert "suppressed: fewer than 10 persons" in notes(ax)
    assert "Not shown (no observations): Gender: unknown" in notes(ax)
    assert "Gender p < 0.001" in notes(ax)
    assert ax.get_title() == "Who gained: Life satisfaction"
    assert " ".join(ax.get_xlabel().split()) == (
        "Effect on life satisfaction (TWFE within level, 95% CI, clustered by area)")
    assert colours(ax) <= OKABE_ITO


def test_forest_plot_is_still_importable_from_subgroups():
    assert reexported is forest_plot


def test_level_and_subgroup_labels():
    assert level_label("qualification", "below_degree") == "Qualification: below degree"
    assert level_label("qualification_x_gender", "degree:female") == "Degree × female"
    assert subgroup_label("qualification_x_gender") == "Qualification × gender"
    assert short_label(LABEL) == "Life satisfaction"
    assert in_sentence("SWEMWBS metric score") == "SWEMWBS metric score"


# ---------------------------------------------------------- palette and files


def test_valuation_figures_use_the_palette():
    from wellby.valuation.uncertainty import (
        monte_carlo,
        montecarlo_plot,
        one_way_sensitivity,
        tornado_plot,
    )

    from .test_valuation import demo_like

    inputs = demo_like()
    tornado = tornado_plot(one_way_sensitivity(inputs, 0.1, 0.02, alpha=0.05), 2019).axes[0]
    assert colours(tornado) <= OKABE_ITO
    simulated = montecarlo_plot(monte_carlo(inputs, 0.1, 0.02, draws=10_000, seed=1)).axes[0]
    assert colours(simulated) <= OKABE_ITO


def test_save_figure_writes_png_and_a_parseable_svg(tmp_path):
    figure = event_study_figure(event_study_table(), LABEL, 0.05)
    save_figure(figure, tmp_path / "event_study.png")
    png, svg = tmp_path / "event_study.png", tmp_path / "event_study.svg"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    root = ET.parse(svg).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    text = " ".join("".join(node.itertext()) for node in root.iter()
                    if node.tag.endswith("text"))
    assert "Life satisfaction: effect by time since the programme started" in text
    first = svg.read_bytes()
    save_figure(figure, tmp_path / "event_study.png")
    assert svg.read_bytes() == first  # no date, fixed ids: the same figure, the same file


def test_save_figure_can_leave_out_the_svg_and_refuses_an_svg_path(tmp_path):
    figure = trends_plot(outcome_means(clustered_survey(), ["y"], wave="wave", min_cell=10,
                                       cluster="area"), "y", LABEL, alpha=0.05)
    save_figure(figure, tmp_path / "trends.png", svg=False)
    assert not (tmp_path / "trends.svg").exists()
    with pytest.raises(ValueError, match="PNG"):
        save_figure(figure, tmp_path / "trends.svg")


def test_forest_plot_of_a_study_without_subgroup_effects_is_an_empty_figure():
    # A member-cohort-only study estimates no subgroup effect: the table has its columns
    # and no rows, and the step still draws (an empty) figure rather than failing.
    from wellby.analysis.subgroups import _empty_table

    figure = forest_plot(_empty_table("life_satisfaction"), "life_satisfaction", None,
                         alpha=0.05, label=LABEL)
    assert figure.axes[0].get_yticklabels() == [] or all(
        t.get_text() == "" for t in figure.axes[0].get_yticklabels())


def test_sensitivity_figure_draws_each_estimators_robust_sets_and_the_exact_interval():
    from wellby.report.effect_figures import sensitivity_figure

    rows = []
    for estimator in ("event_study", "callaway_santanna"):
        for method, values in (("relative_magnitudes", [0.0, 0.5, 1.0]), ("smoothness", [0.0])):
            for value in values:
                rows.append({"estimator": estimator, "method": method, "value": value,
                             "target": "average", "lb": -value, "ub": 0.2 + value,
                             "original_lb": 0.05, "original_ub": 0.15})
    figure = sensitivity_figure(pd.DataFrame(rows), LABEL)
    rm, sd = figure.axes
    # Per estimator: one collection of robust sets and one of the exact interval.
    segments = [len(c.get_segments()) for c in rm.collections]
    assert sorted(segments) == [1, 1, 3, 3]
    assert [t.get_text() for t in rm.get_legend().get_texts()] == [
        "TWFE event study", "Callaway-Sant'Anna"]
    assert "Mbar" in rm.get_xlabel() and sd.get_title() == "Smoothness"
    assert figure._suptitle.get_text() == "If parallel trends fail: Life satisfaction"
    empty = sensitivity_figure(pd.DataFrame(rows).iloc[:0], LABEL)
    assert "No sensitivity analysis" in notes(empty.axes[0])
