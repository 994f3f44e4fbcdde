"""The panel step's checks on integer codes give pandas' groupby answers."""

import numpy as np
import pandas as pd
import pytest

from wellby.prepare.areas import attach_areas
from wellby.prepare.grouping import (
    codes_with_several_values,
    counts_by_group_and_value,
    groups_with_several_values,
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
