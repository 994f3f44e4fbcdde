import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from scipy.stats import f

from wellby.analysis.reliability import RELIABILITY_COLUMNS, cronbach_alpha_by_wave

# Five respondents, three items. By hand (variances with n - 1):
# item variances 2.5, 1.8, 1.3 (sum 5.6); totals 5, 7, 10, 13, 14 have variance 14.7;
# alpha = 3/2 * (1 - 5.6 / 14.7) = 13/14.
SMALL = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 2, 4, 4, 5], "c": [2, 3, 3, 5, 4]},
                     dtype=float)

# pingouin's "cronbach_wide_missing" data set, copied from the cronbach_alpha docstring
# example (pingouin 0.7, https://pingouin-stats.org/build/html/generated/
# pingouin.cronbach_alpha.html): 12 respondents, 11 binary items, 4 missing answers.
NAN = np.nan
WIDE_MISSING = pd.DataFrame(
    [
        [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
        [1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0],
        [NAN, 0, 1, 1, NAN, 1, 1, 1, 1, 0, 0],
        [1, 1, 1, 0, 1, 1, 0, 1, 1, 0, 0],
        [1, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0],
        [0, 1, NAN, 0, 1, 1, 1, 1, 0, 0, 0],
        [1, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0],
        [1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0],
        [0, 1, 0, 1, 1, 0, 0, 0, 0, 1, 0],
        [1, 0, 0, 1, 0, 1, 0, 0, NAN, 0, 0],
        [1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0],
        [1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0],
    ],
    columns=[f"Q{i}" for i in range(1, 12)],
)


def feldt(alpha, n, k, ci=0.95):
    """Feldt's interval, by the formula in pingouin's docstring."""
    df1, df2 = n - 1, (n - 1) * (k - 1)
    return (1 - (1 - alpha) * f.isf((1 - ci) / 2, df1, df2),
            1 - (1 - alpha) * f.isf(1 - (1 - ci) / 2, df1, df2))


def textbook_alpha(items):
    k = items.shape[1]
    return k / (k - 1) * (1 - items.var(ddof=1).sum() / items.sum(axis=1).var(ddof=1))


def test_alpha_against_the_textbook_formula_by_hand():
    data = SMALL.assign(wave=2016)
    table = cronbach_alpha_by_wave(data, {"mine": ["a", "b", "c"]}, "wave", min_cell=5)
    assert list(table.columns) == RELIABILITY_COLUMNS
    row = table.iloc[0]
    assert row["alpha"] == pytest.approx(13 / 14, abs=1e-12)
    assert row["alpha"] == pytest.approx(textbook_alpha(SMALL), abs=1e-12)
    low, high = feldt(13 / 14, n=5, k=3)
    assert row["ci_low"] == pytest.approx(low, abs=5e-4)
    assert row["ci_high"] == pytest.approx(high, abs=5e-4)
    assert (row["n_complete"], row["n_items"]) == (5, 3)
    assert pd.isna(row["note"])


def test_alpha_matches_the_pingouin_docs_example_with_listwise_deletion():
    # Docs: pg.cronbach_alpha(data, nan_policy="listwise") -> 0.8016949152542373,
    # "In R: psych:alpha(data, use='complete.obs')". Nine rows are complete.
    data = WIDE_MISSING.assign(wave=1)
    table = cronbach_alpha_by_wave(data, {"q": list(WIDE_MISSING.columns)}, "wave",
                                   min_cell=9)
    row = table.iloc[0]
    assert row["alpha"] == pytest.approx(0.8016949152542373, abs=1e-12)
    assert row["n_complete"] == 9
    # Feldt's interval on the 9 complete cases; pingouin's own listwise call gives
    # [0.581, 0.933] because it takes n = 12 rows from before the deletion.
    low, high = feldt(0.8016949152542373, n=9, k=11)
    assert (row["ci_low"], row["ci_high"]) == (pytest.approx(low, abs=5e-4),
                                               pytest.approx(high, abs=5e-4))
    assert (row["ci_low"], row["ci_high"]) == (0.533, 0.947)


def test_alpha_matches_the_pingouin_docs_long_format_example():
    # Docs: pg.cronbach_alpha(data=read_dataset("cronbach_alpha"), items="Items",
    # scores="Scores", subject="Subj") -> (0.5917188485995826, [0.195, 0.84]).
    long = pg.read_dataset("cronbach_alpha")
    wide = long.pivot(index="Subj", columns="Items", values="Scores").astype(float)
    data = wide.reset_index(drop=True).assign(wave=3)
    table = cronbach_alpha_by_wave(data, {"q": list(wide.columns)}, "wave")
    row = table.iloc[0]
    assert row["alpha"] == pytest.approx(0.5917188485995826, abs=1e-12)
    assert (row["ci_low"], row["ci_high"]) == (0.195, 0.84)
    assert row["n_complete"] == 15


def test_one_row_per_scale_and_wave_and_ons4_is_skipped():
    rng = np.random.default_rng(3)
    latent = rng.normal(size=60)
    data = pd.DataFrame({f"s{i}": np.clip(np.round(3 + latent + rng.normal(size=60)), 1, 5)
                         for i in range(7)})
    data["ls"], data["ww"], data["hp"], data["ax"] = 7.0, 6.0, 5.0, 2.0
    data["wave"] = np.repeat([2018, 2016, 2020], 20)
    scales = {"swemwbs": [f"s{i}" for i in range(7)], "ons4": ["ls", "ww", "hp", "ax"]}
    table = cronbach_alpha_by_wave(data, scales, "wave")
    assert list(table["scale"]) == ["swemwbs"] * 3
    assert list(table["wave"]) == [2016, 2018, 2020]
    for wave, row in zip([2016, 2018, 2020], table.itertuples(), strict=True):
        expected = textbook_alpha(data.loc[data["wave"] == wave, scales["swemwbs"]])
        assert row.alpha == pytest.approx(expected, abs=1e-12)
        assert row.n_complete == 20 and row.n_items == 7


def test_small_cells_are_suppressed_with_a_note_and_never_crash():
    rows = pd.concat([SMALL] * 2, ignore_index=True)  # 10 complete rows in 2016
    data = pd.concat([
        rows.assign(wave=2016),
        SMALL.iloc[:4].assign(wave=2018),  # 4 complete rows
        pd.DataFrame({"a": [1.0, NAN], "b": [NAN, 2.0], "c": [3.0, 3.0], "wave": 2020}),
    ], ignore_index=True)
    table = cronbach_alpha_by_wave(data, {"mine": ["a", "b", "c"]}, "wave", min_cell=10)
    assert list(table["wave"]) == [2016, 2018, 2020]
    ok, small, empty = (table.iloc[i] for i in range(3))
    assert ok["n_complete"] == 10 and pd.isna(ok["note"]) and not np.isnan(ok["alpha"])
    for row in (small, empty):
        assert np.isnan(row["alpha"]) and np.isnan(row["ci_low"]) and np.isnan(row["ci_high"])
        assert np.isnan(row["n_complete"])
        assert "fewer than 10 complete responses" in row["note"]
        assert row["n_items"] == 3


def test_degenerate_cells_get_a_note_not_an_error():
    constant = pd.DataFrame({"a": [2.0] * 12, "b": [2.0] * 12, "wave": 1})
    table = cronbach_alpha_by_wave(constant, {"x": ["a", "b"]}, "wave")
    assert np.isnan(table["alpha"].iloc[0]) and "no variance" in table["note"].iloc[0]
    assert table["n_complete"].iloc[0] == 12
    single = pd.DataFrame({"a": [1.0], "b": [2.0], "wave": 1})
    table = cronbach_alpha_by_wave(single, {"x": ["a", "b"]}, "wave", min_cell=1)
    assert "at least 2 complete" in table["note"].iloc[0]
    one_item = cronbach_alpha_by_wave(SMALL.assign(wave=1), {"x": ["a"]}, "wave", min_cell=1)
    assert "at least 2 items" in one_item["note"].iloc[0]


def test_missing_columns_are_reported():
    with pytest.raises(KeyError, match="not in the data"):
        cronbach_alpha_by_wave(SMALL.assign(wave=1), {"x": ["a", "zz"]}, "wave")
    with pytest.raises(KeyError, match="wave column"):
        cronbach_alpha_by_wave(SMALL, {"x": ["a", "b"]}, "wave")
