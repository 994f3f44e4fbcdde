import numpy as np
import pandas as pd
import pytest

from wellby.prepare.scales import (
    SCALES,
    ScaleSpec,
    ghq12_scores,
    prorated_total,
    scale_labels,
    scale_outputs,
    score_scale,
    swemwbs_metric_table,
    swemwbs_scores,
    wemwbs_scores,
)

from .conftest import reference_dir


def test_metric_table_matches_the_published_table():
    table = swemwbs_metric_table()
    assert list(table.index) == list(range(7, 36))
    # Hand-copied from the Warwick conversion table.
    assert table[7] == 7.00
    assert table[14] == 15.32
    assert table[21] == 19.25
    assert table[22] == 19.98
    assert table[28] == 25.03
    assert table[35] == 35.00
    assert table.is_monotonic_increasing


def test_swemwbs_scores_by_hand():
    items = pd.DataFrame(
        [
            [1, 1, 1, 1, 1, 1, 1],  # raw 7 -> 7.00
            [5, 5, 5, 5, 5, 5, 5],  # raw 35 -> 35.00
            [2, 3, 4, 5, 1, 2, 3],  # raw 20 -> 18.59
            [3, 3, 3, 3, 3, 3, np.nan],  # one missing: 18 * 7 / 6 = 21 -> 19.25
            [4, 4, 4, 4, 4, 3, np.nan],  # one missing: 23 * 7 / 6 = 26.833 -> round 27 -> 24.11
            [3, 3, 3, 3, 3, np.nan, np.nan],  # two missing: not scored
        ],
        dtype=float,
    )
    scores = swemwbs_scores(items, max_missing=1)
    np.testing.assert_allclose(scores["swemwbs"].to_numpy(),
                               [7, 35, 20, 21, 23 * 7 / 6, np.nan])
    np.testing.assert_allclose(scores["swemwbs_metric"].to_numpy(),
                               [7.00, 35.00, 18.59, 19.25, 24.11, np.nan])


def test_item_missing_rule_is_configurable():
    items = pd.DataFrame([[3, 3, 3, 3, 3, np.nan, np.nan]], dtype=float)
    assert np.isnan(swemwbs_scores(items, max_missing=1)["swemwbs"].iloc[0])
    assert swemwbs_scores(items, max_missing=2)["swemwbs"].iloc[0] == 21
    one_missing = pd.DataFrame([[3, 3, 3, 3, 3, 3, np.nan]], dtype=float)
    assert np.isnan(swemwbs_scores(one_missing, max_missing=0)["swemwbs"].iloc[0])


def test_prorated_total_all_missing_is_missing():
    total = prorated_total(pd.DataFrame([[np.nan, np.nan]]), max_missing=5)
    assert np.isnan(total.iloc[0])


def test_swemwbs_needs_seven_items():
    with pytest.raises(ValueError, match="7 items"):
        swemwbs_scores(pd.DataFrame([[1, 2, 3]]))


# --- Extended scales (issue 3) ---------------------------------------------------------




def test_metric_table_more_spot_values_hand_copied_from_reference():
    # Copied by hand from shared/reference/swemwbs_raw_to_metric.csv.
    table = swemwbs_metric_table()
    spots = {8: 9.51, 9: 11.25, 13: 14.75, 20: 18.59, 25: 22.35, 27: 24.11, 31: 28.13,
             33: 30.70, 34: 32.55}
    for raw, metric in spots.items():
        assert table[raw] == pytest.approx(metric, abs=1e-9)


def test_packaged_metric_table_equals_the_reference_file():
    path = reference_dir() / "swemwbs_raw_to_metric.csv"
    reference = pd.read_csv(path).set_index("raw")["metric"]
    pd.testing.assert_series_equal(swemwbs_metric_table(), reference)


def test_swemwbs_metric_rounds_a_half_prorated_total_up():
    # 6 answered items summing to 21: 21 * 7 / 6 = 24.5 -> 25 (half up, not to even) -> 22.35
    items = pd.DataFrame([[4, 4, 4, 3, 3, 3, np.nan]], dtype=float)
    scores = score_scale("swemwbs", items, max_missing=1)
    assert scores["swemwbs"].iloc[0] == 24.5
    assert scores["swemwbs_metric"].iloc[0] == 22.35


def test_wemwbs_by_hand():
    items = pd.DataFrame(
        [
            [1] * 14,  # 14
            [5] * 14,  # 70
            [1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1, 2, 3, 4],  # 15 + 15 + 10 = 40
            [3] * 13 + [np.nan],  # 39 / 13 * 14 = 42
            [4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 5, np.nan, 3],  # 52 / 13 * 14 = 56
            [4] * 12 + [np.nan, np.nan],  # two missing: not scored at max_missing=1
        ],
        dtype=float,
    )
    scores = wemwbs_scores(items, max_missing=1)
    assert list(scores.columns) == ["wemwbs"]
    np.testing.assert_allclose(scores["wemwbs"].to_numpy(), [14, 70, 40, 42, 56, np.nan])
    # Two missing allowed: 48 / 12 * 14 = 56.
    assert score_scale("wemwbs", items.iloc[[5]], max_missing=2)["wemwbs"].iloc[0] == 56


def test_ghq12_likert_and_caseness_by_hand():
    items = pd.DataFrame(
        [
            [0] * 12,  # likert 0, caseness 0
            [3] * 12,  # 36, 12
            [1] * 12,  # 12, 0 (1 = "same as usual" is not a case)
            [2] * 12,  # 24, 12
            [0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3],  # 18; items at 2 or 3: 6
            [0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, np.nan],  # 15/11*12, 5/11*12 (not rounded)
            [0, 1, 2, 3, 0, 1, 2, 3, 0, 1, np.nan, np.nan],  # two missing: both missing
        ],
        dtype=float,
    )
    scores = ghq12_scores(items, max_missing=1)
    assert list(scores.columns) == ["ghq12_likert", "ghq12_caseness"]
    np.testing.assert_allclose(scores["ghq12_likert"].to_numpy(),
                               [0, 36, 12, 24, 18, 15 / 11 * 12, np.nan])
    np.testing.assert_allclose(scores["ghq12_caseness"].to_numpy(),
                               [0, 12, 0, 12, 6, 5 / 11 * 12, np.nan])
    assert scores["ghq12_caseness"].iloc[5] == pytest.approx(5.454545, abs=1e-6)


FULL_ROWS = {"swemwbs": [3] * 7, "wemwbs": [3] * 14, "ghq12": [2] * 12}
FULL_TOTALS = {"swemwbs": 21.0, "wemwbs": 42.0, "ghq12": 24.0}


@pytest.mark.parametrize("name", ["swemwbs", "wemwbs", "ghq12"])
@pytest.mark.parametrize("max_missing", [0, 1, 2, 3])
def test_item_missing_rule_boundary(name, max_missing):
    full = FULL_ROWS[name]
    at_limit = [np.nan] * max_missing + full[max_missing:]
    over_limit = [np.nan] * (max_missing + 1) + full[max_missing + 1:]
    items = pd.DataFrame([at_limit, over_limit], dtype=float)
    scores = score_scale(name, items, max_missing=max_missing)
    first = scores.columns[0]
    # Exactly max_missing missing: prorated (constant answers -> the full total).
    assert scores[first].iloc[0] == FULL_TOTALS[name]
    # One more missing: every output missing.
    assert scores.iloc[1].isna().all()


def test_score_scale_matches_the_scale_functions():
    items = pd.DataFrame([[2, 3, 4, 5, 1, 2, 3], [1, 1, 1, 1, 1, np.nan, 2]], dtype=float)
    pd.testing.assert_frame_equal(score_scale("swemwbs", items, 1), swemwbs_scores(items, 1))


def test_ons4_is_scored_item_by_item():
    items = pd.DataFrame({"ls": [7.0, 8.0], "ww": [6.0, 9.0], "hp": [5.0, 10.0],
                          "ax": [2.0, 0.0]}, index=[10, 11])
    scores = score_scale("ons4", items, max_missing=0)
    assert scores.shape == (2, 0)
    assert list(scores.index) == [10, 11]
    assert scale_outputs("ons4", list(items)) == ["ls", "ww", "hp", "ax"]


def test_scale_specs():
    assert SCALES["wemwbs"] == ScaleSpec("wemwbs", 14, 1, 5)
    assert SCALES["ghq12"] == ScaleSpec("ghq12", 12, 0, 3)
    assert (SCALES["swemwbs"].n_items, SCALES["ons4"].item_max) == (7, 10)


def test_scale_outputs_and_labels_cover_every_scale():
    items = {"swemwbs": [f"s{i}" for i in range(7)], "wemwbs": [f"w{i}" for i in range(14)],
             "ghq12": [f"g{i}" for i in range(12)], "ons4": ["ls", "ww", "hp", "ax"]}
    assert scale_outputs("swemwbs", items["swemwbs"]) == ["swemwbs", "swemwbs_metric"]
    assert scale_outputs("wemwbs", items["wemwbs"]) == ["wemwbs"]
    assert scale_outputs("ghq12", items["ghq12"]) == ["ghq12_likert", "ghq12_caseness"]
    for name in SCALES:
        labels = scale_labels(name, items[name])
        assert list(labels) == scale_outputs(name, items[name])
        assert all(isinstance(text, str) and text for text in labels.values())
    ons = scale_labels("ons4", items["ons4"])
    assert "0-10" in ons["ax"] and "higher = more anxious" in ons["ax"]
    assert "higher = more satisfied" in ons["ls"]
    assert "0-36" in scale_labels("ghq12", items["ghq12"])["ghq12_likert"]
    assert "0-12" in scale_labels("ghq12", items["ghq12"])["ghq12_caseness"]
    assert "14-70" in scale_labels("wemwbs", items["wemwbs"])["wemwbs"]
    with pytest.raises(KeyError):
        scale_outputs("phq9", [])


@pytest.mark.parametrize(
    ("name", "items", "max_missing", "message"),
    [
        ("wemwbs", [[3] * 7], 1, "14 items"),
        ("ghq12", [[4] + [0] * 11], 1, "outside 0-3"),
        ("swemwbs", [[0] + [3] * 6], 1, "outside 1-5"),
        ("ghq12", [[0] * 12], -1, "non-negative"),
        ("ons4", [[1, 2, 3]], 0, "4 items"),
    ],
)
def test_score_scale_rejects_bad_input(name, items, max_missing, message):
    with pytest.raises(ValueError, match=message):
        score_scale(name, pd.DataFrame(items, dtype=float), max_missing)


def test_score_scale_unknown_scale():
    with pytest.raises(KeyError, match="unknown scale"):
        score_scale("phq9", pd.DataFrame([[1]]), 0)
