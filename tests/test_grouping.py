"""The panel step's checks on integer codes give pandas' groupby answers."""

import numpy as np
import pandas as pd
import pytest

from wellby.prepare.areas import attach_areas
from wellby.prepare.grouping import (
    SMALL_SPAN,
    codes_with_several_values,
    counts_by_group_and_value,
    groups_with_several_values,
    sorted_codes,
)
from wellby.prepare.panel import linkage_rates


def _messy_rows(seed: int, n: int = 4000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    person = pd.Series([f"R{i:05d}" for i in rng.integers(0, n // 3, n)], dtype="string")
    person[rng.random(n) < 0.03] = pd.NA
    gender = pd.Series(rng.choice(["f", "m"], n), dtype="category")
    gender[rng.random(n) < 0.05] = np.nan
    # most persons keep one value; some change it in one row
    area = person.str.slice(1, 4).astype("string")
    area[rng.random(n) < 0.01] = "XXX"
    area[rng.random(n) < 0.02] = pd.NA
    return pd.DataFrame({"person": person, "gender": gender, "area": area,
                         "wave": rng.integers(2016, 2021, n),
                         "score": np.where(rng.random(n) < 0.1, np.nan, rng.integers(0, 3, n))})


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("column", ["gender", "area", "score"])
def test_groups_with_several_values_is_groupby_nunique(seed, column):
    data = _messy_rows(seed)
    counts = data.groupby("person", observed=True)[column].nunique()
    expected = counts[counts > 1].index
    assert len(expected) > 0
    found = groups_with_several_values(data["person"], data[column])
    assert found.tolist() == expected.tolist()


def test_codes_with_several_values_ignores_rows_without_a_group():
    codes = np.array([0, 0, -1, -1, 1, 1, 2])
    values = pd.Series([1.0, 1.0, 5.0, 6.0, 1.0, 2.0, np.nan])
    assert codes_with_several_values(codes, values).tolist() == [1]


def _linkage_rates_by_groupby(data, person, wave):
    """The formulation the code-based linkage rates replaced (pandas groupby)."""
    pairs = data[[person, wave]].drop_duplicates()
    waves_per_person = pairs.groupby(person, observed=True)[wave].transform("size")
    linked = (waves_per_person > 1).groupby(pairs[wave].to_numpy()).agg(["size", "sum"])
    table = linked.rename(columns={"size": "persons", "sum": "linked"})
    table.index.name = "wave"
    table = table.reset_index()
    table["rate"] = table["linked"] / table["persons"]
    return table


@pytest.mark.parametrize("seed", [0, 1])
def test_linkage_rates_equal_the_groupby_formulation(seed):
    data = _messy_rows(seed)  # missing ids count once per wave, never linked
    expected = _linkage_rates_by_groupby(data, "person", "wave")
    got = linkage_rates(data, "person", "wave")
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    assert got["linked"].sum() > 0


def test_attach_areas_takes_each_rows_entry_without_changing_the_survey_frame():
    data = pd.DataFrame({"area": pd.Series(["B", "A", "B", "C"], dtype="string"),
                         "wave": [1, 1, 2, 2], "_row": [1, 2, 3, 4]})
    areas = pd.DataFrame({"area": ["A", "B", "C"], "cohort": [0, 2, 0],
                          "region": ["north", "south", "east"], "_area_row": [1, 2, 3]})
    out = attach_areas(data, areas, area="area", cohort="cohort", wave="wave",
                       area_file="areas.csv")
    assert out["cohort"].tolist() == [2, 0, 2, 0]
    assert out["region"].tolist() == ["south", "north", "south", "east"]
    assert list(data.columns) == ["area", "wave", "_row"]


@pytest.mark.parametrize("text", ["str", "string", "category", "object"])
def test_area_attributes_are_text_with_missing_values_however_the_file_stored_them(text):
    data = pd.DataFrame({"area": pd.Series(["B", "A", "B", "C"], dtype="string"),
                         "wave": [1, 1, 2, 2], "_row": [1, 2, 3, 4]})
    areas = pd.DataFrame({"area": ["A", "B", "C"], "cohort": [0, 2, 0],
                          "region": pd.Series(["north", None, "east"], dtype=text),
                          "population": [1200.0, np.nan, 800.0], "_area_row": [1, 2, 3]})
    out = attach_areas(data, areas, area="area", cohort="cohort", wave="wave",
                       area_file="areas.csv")
    # as a column of Python strings taken row by row would be stored (pandas' own type)
    expected = pd.Series(areas["region"].take([1, 0, 1, 2]).to_numpy(), name="region")
    pd.testing.assert_series_equal(out["region"], expected)
    assert out["region"].dtype == pd.StringDtype("pyarrow", na_value=np.nan)
    assert out["region"].isna().tolist() == [True, False, True, False]
    np.testing.assert_array_equal(out["population"], [np.nan, 1200.0, np.nan, 800.0])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_counts_by_group_and_value_are_the_groupby_table(seed):
    rng = np.random.default_rng(seed)
    n = 3000
    wave = pd.Series(rng.choice([2016, 2017, 2018, 2019], n), name="wave")
    answer = pd.Series(rng.integers(0, 11, n).astype(float), name="ls")
    answer[rng.random(n) < 0.1] = np.nan
    answer[wave == 2019] = np.nan  # a wave without the item: not a row of the table
    answer[answer == 7] = np.nan  # a value no one gave: not a column
    expected = pd.concat([wave, answer], axis=1).groupby(["wave", "ls"]).size().unstack(
        fill_value=0)
    got = counts_by_group_and_value(wave, answer)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    assert 2019 not in got.index and 7.0 not in got.columns


@pytest.mark.parametrize("values", [
    pd.Series([3.0, np.nan, 1.0, 5.0, 3.0, 1.0]),  # answers with a gap and a missing one
    pd.Series([2018, 2016, 2016, 2020], dtype=np.int64),  # wave labels
    pd.Series([4, 0, 4, 255], dtype=np.uint8),
    pd.Series([-3, 7, -3, 0], dtype=np.int32),
    pd.Series([0.0, -0.0, 1.0]),
    pd.Series([1.5, 0.5, 1.5]),  # not whole numbers: factorised
    pd.Series([0.5, 1.0, 1.7, 1.0]),  # nor these, whose differences are not whole either
    pd.Series([1.0, np.inf, 1.0]),  # infinite: factorised
    pd.Series([np.nan, np.nan]),
    pd.Series([], dtype=float),
    pd.Series([np.iinfo(np.int64).min, np.iinfo(np.int64).max]),  # a span beyond int64
    pd.Series([0, 10 * SMALL_SPAN, 5]),  # too wide to code by subtraction
    pd.Series([1e20, 1e20 + 2 ** 14, 1e20]),
    pd.Series(["b", None, "a", "b"]),
    pd.Series([2, None, 1], dtype="Int64"),
])
def test_sorted_codes_are_those_of_a_sorted_factorize(values):
    codes, uniques = sorted_codes(values)
    expected_codes, expected_uniques = pd.factorize(values, sort=True)
    np.testing.assert_array_equal(codes, expected_codes)
    np.testing.assert_array_equal(np.asarray(uniques), np.asarray(expected_uniques))
    assert np.asarray(uniques).dtype == np.asarray(expected_uniques).dtype


def test_whole_numbers_in_a_short_range_are_coded_without_factorising(monkeypatch):
    def no_factorize(*args, **kwargs):
        raise AssertionError("factorised")

    monkeypatch.setattr(pd, "factorize", no_factorize)
    codes, uniques = sorted_codes(pd.Series([7.0, np.nan, 2.0, 7.0, 4.0]))
    assert codes.tolist() == [2, -1, 0, 2, 1] and uniques.tolist() == [2.0, 4.0, 7.0]


def test_counts_of_some_rows_are_the_counts_of_those_rows_alone():
    rng = np.random.default_rng(5)
    n = 2000
    wave = pd.Series(rng.choice([2016, 2017, 2018], n), name="wave")
    answer = pd.Series(rng.integers(1, 6, n).astype(float), name="item")
    answer[rng.random(n) < 0.1] = np.nan
    rows = rng.random(n) < 0.7
    rows[wave.to_numpy() == 2018] = False  # a wave with no counted row: not in the table
    got = counts_by_group_and_value(wave, answer, rows=rows)
    expected = counts_by_group_and_value(wave[rows].reset_index(drop=True),
                                         answer[rows].reset_index(drop=True))
    pd.testing.assert_frame_equal(got, expected)
    assert got.index.tolist() == [2016, 2017]
    assert got.to_numpy().sum() == (rows & answer.notna().to_numpy()).sum()
