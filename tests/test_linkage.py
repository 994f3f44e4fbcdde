import pandas as pd

from wellby.prepare.linkage import LINKAGE_COLUMNS, check_linkage


def panel():
    return pd.DataFrame({
        "pid": [1, 1, 1, 2, 2, 3, 3],
        "wave": [2016, 2017, 2018, 2016, 2018, 2016, 2017],
        "_row": [5, 7, 2, 6, 9, 1, 1],
        "gender": ["male", "male", "female", "female", "female", "male", None],
        "age": [40, 41, 42, 30, 35, 50, 51],
    })


def test_changed_gender_is_flagged_with_waves_and_rows():
    table = check_linkage(panel(), person="pid", wave="wave", stable=["gender"],
                          age_tolerance=1)
    assert list(table.columns) == LINKAGE_COLUMNS
    assert table["person"].tolist() == [1]
    row = table.iloc[0]
    assert row["detail"] == "2016: male; 2017: male; 2018: female"
    assert row["source_rows"] == "2016:5, 2017:7, 2018:2"
    # A missing answer is not a change.
    assert 3 not in table["person"].tolist()


def test_birth_year_moving_beyond_tolerance_is_flagged():
    table = check_linkage(panel(), person="pid", wave="wave", age="age", age_tolerance=1)
    # Person 2: 2016 - 30 = 1986, 2018 - 35 = 1983: moves 3 years.
    assert table["person"].tolist() == [2]
    assert table["rule"].iloc[0] == "birth_year_inconsistent"
    assert "moves 3 years" in table["detail"].iloc[0]
    assert check_linkage(panel(), person="pid", wave="wave", age="age",
                         age_tolerance=3).empty


def test_clean_panel_has_no_flags():
    clean = panel()
    clean.loc[2, "gender"] = "male"
    clean.loc[4, "age"] = 32
    assert check_linkage(clean, person="pid", wave="wave", stable=["gender"], age="age",
                         age_tolerance=1).empty
