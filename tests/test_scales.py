import numpy as np
import pandas as pd
import pytest

from wellby.scales import prorated_total, swemwbs_metric_table, swemwbs_scores


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
