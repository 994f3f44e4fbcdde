import numpy as np
import pandas as pd
import pytest

from wellby.config import validate_config
from wellby.errors import DataError
from wellby.prepare.clean import clean_wave, map_levels

from .conftest import SCHEMA, minimal_config


def study(**data_options):
    config = minimal_config(
        outcomes=["life_satisfaction", "swemwbs_metric"],
        scales={"ons4": {"items": ["life_satisfaction", "worthwhile", "happy", "anxiety"]},
                "swemwbs": {"items": [f"swemwbs_{i}" for i in range(1, 8)]}},
        subgroups={"gender": {"column": "gender", "levels": {"male": [1, "M"],
                                                             "female": [2, "F"]}}},
    )
    config["data"].update(data_options)
    return validate_config(config, SCHEMA)


def wave_frame():
    rows = 6
    frame = pd.DataFrame({
        "_row": np.arange(1, rows + 1),
        "person_id": [1, 2, 3, 3, 5, np.nan],
        "area_id": ["A", "A", "B", None, "B", "B"],
        "cohort": [2018, 2018, np.nan, np.nan, 0, 0],
        "wave": 2016,
        "gender": [1, 2, "M", "F", 3, 1],
        "life_satisfaction": [7, 11, -9, 6, 5, 4],
        "worthwhile": 7, "happy": 7, "anxiety": 2,
    })
    for i in range(1, 8):
        frame[f"swemwbs_{i}"] = 3
    frame.loc[4, "swemwbs_1"] = 6
    frame.loc[2, ["swemwbs_1", "swemwbs_2"]] = -8
    return frame


def test_clean_wave_accounts_for_every_row():
    result = clean_wave(wave_frame(), study(), wave=2016, source="w.csv",
                        config_key="data.waves[0]")
    summary = result.summary.iloc[0]
    assert (summary["rows_in"], summary["rows_excluded"], summary["rows_out"]) == (6, 3, 3)
    excluded = result.exclusions.set_index("row")["rule"].to_dict()
    assert excluded == {4: "missing_area", 6: "missing_id", 3: "no_outcome"}
    assert sorted(result.data["_row"]) == [1, 2, 5]


def test_missing_codes_and_out_of_range_values():
    result = clean_wave(wave_frame(), study(), wave=2016, source="w.csv",
                        config_key="data.waves[0]")
    data = result.data.set_index("_row")
    assert np.isnan(data.loc[2, "life_satisfaction"])  # 11 is out of 0-10
    assert np.isnan(data.loc[5, "swemwbs_1"])  # 6 is out of 1-5
    # One item missing: prorated 18 * 7 / 6 = 21 -> metric 19.25.
    assert data.loc[5, "swemwbs"] == pytest.approx(21)
    assert data.loc[5, "swemwbs_metric"] == pytest.approx(19.25)
    corrections = result.corrections
    assert sorted(zip(corrections["row"], corrections["column"], strict=True)) == [
        (2, "life_satisfaction"), (5, "swemwbs_1")]
    assert (corrections["rule"] == "out_of_range_set_missing").all()


def test_out_of_range_can_exclude_rows():
    result = clean_wave(wave_frame(), study(out_of_range="exclude_row"), wave=2016,
                        source="w.csv", config_key="data.waves[0]")
    rules = result.exclusions.set_index("row")["rule"].to_dict()
    assert rules[2] == "out_of_range" and rules[5] == "out_of_range"
    assert result.summary["rows_in"].iloc[0] == (result.summary["rows_out"].iloc[0] +
                                                 result.summary["rows_excluded"].iloc[0])


def test_cohort_empty_means_never_treated_and_groups_mapped():
    result = clean_wave(wave_frame(), study(), wave=2016, source="w.csv",
                        config_key="data.waves[0]")
    data = result.data.set_index("_row")
    assert data.loc[5, "cohort"] == 0
    assert data.loc[1, "cohort"] == 2018
    assert data.loc[1, "gender"] == "male"
    assert data.loc[5, "gender"] == "unknown"


def test_duplicate_ids_keep_first_or_error():
    frame = wave_frame()
    frame.loc[3, "area_id"] = "B"
    result = clean_wave(frame, study(), wave=2016, source="w.csv", config_key="data.waves[0]")
    duplicate = result.exclusions[result.exclusions["rule"] == "duplicate_id"]
    assert duplicate["row"].tolist() == [4]
    assert "already seen at row 3" in duplicate["detail"].iloc[0]
    with pytest.raises(DataError, match="data.duplicate_ids"):
        clean_wave(frame, study(duplicate_ids="error"), wave=2016, source="w.csv",
                   config_key="data.waves[0]")


def test_junk_text_in_item_names_rows():
    frame = wave_frame()
    frame["happy"] = frame["happy"].astype(object)
    frame.loc[1, "happy"] = "seven"
    with pytest.raises(DataError) as err:
        clean_wave(frame, study(), wave=2016, source="w.csv", config_key="data.waves[0]")
    message = str(err.value)
    assert "happy" in message and "rows: 2" in message and "w.csv" in message


def test_missing_item_column_names_the_key():
    with pytest.raises(DataError, match="data.waves\\[0\\].rename"):
        clean_wave(wave_frame().drop(columns="swemwbs_7"), study(), wave=2016, source="w.csv",
                   config_key="data.waves[0]")


def test_recode_per_wave():
    frame = wave_frame()
    frame["gender"] = [2, 1, 2, 1, 1, 1]
    result = clean_wave(frame, study(), wave=2016, source="w.csv", config_key="data.waves[0]",
                        recode={"gender": {1: 2, 2: 1}})
    assert result.data.set_index("_row").loc[1, "gender"] == "male"


def test_map_levels_matches_numbers_and_text():
    codes = pd.Series([1, 1.0, "1", " M", "F", 7, None])
    levels = map_levels(codes, {"male": [1, "M"], "female": [2, "F"]})
    assert levels.tolist() == ["male", "male", "male", "male", "female", "unknown", "unknown"]
    assert list(levels.cat.categories) == ["male", "female", "unknown"]


def test_canonical_ids_are_numbers_only_when_every_id_is_a_whole_number():
    from wellby.prepare.clean import canonical_ids

    numbers = pd.Series([f"{i}.0" for i in range(3000)], dtype="string")
    assert canonical_ids(numbers).dtype == "int64"
    late_text = numbers.copy()
    late_text.iloc[2500] = "R2500"  # past the ids looked at first
    assert canonical_ids(late_text).tolist()[2499:2501] == ["2499.0", "R2500"]
    early_text = pd.Series([" p1a ", *map(str, range(3000))], dtype="string")
    assert canonical_ids(early_text).iloc[0] == "p1a"
    assert canonical_ids(pd.Series([1.0, 2.5] * 600)).dtype != "int64"
