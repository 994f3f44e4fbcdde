import pandas as pd
import pytest

from wellby.errors import DataError
from wellby.prepare.ingest import IdentifierWarning, ingest_wave, looks_like_identifier
from wellby.prepare.read import read_survey_file


def raw_wave():
    return pd.DataFrame({
        "RespID": [11, 12, 13],
        "Name": ["Ann Lee", "Bob Roy", "Cy Dee"],
        "post_code": ["NE1 4XY", "M1 2AB", "L3 9QQ"],
        "LS": [7, 8, -9],
        "wave_no": [2017, 2017, 2017],
    })


def ingest(frame, **kw):
    args = dict(wave=2017, wave_column="wave", rename={"RespID": "person_id",
                "LS": "life_satisfaction", "wave_no": "wave"},
                identifiers=["Name"], source="w.csv", config_key="data.waves[1]")
    args.update(kw)
    return ingest_wave(frame, **args)


def test_rename_drop_identifiers_and_number_rows():
    with pytest.warns(IdentifierWarning, match="post_code"):
        result = ingest(raw_wave())
    assert list(result.data.columns) == ["_row", "person_id", "life_satisfaction", "wave"]
    assert result.data["_row"].tolist() == [1, 2, 3]
    assert result.dropped_identifiers == ["Name"]
    assert result.detected_identifiers == ["post_code"]


def test_identifier_listed_by_canonical_name_is_dropped():
    frame = raw_wave().drop(columns="post_code")
    result = ingest(frame, rename={"RespID": "person_id", "Name": "respondent_name"},
                    identifiers=["respondent_name"])
    assert "respondent_name" not in result.data.columns
    assert "Name" not in result.data.columns


def test_rename_of_absent_column_names_file_column_and_key():
    with pytest.raises(DataError) as err:
        ingest(raw_wave(), rename={"resp_id": "person_id"}, identifiers=["Name", "post_code"])
    message = str(err.value)
    assert "w.csv" in message and "resp_id" in message and "data.waves[1].rename" in message


def test_wave_column_must_match_config():
    frame = raw_wave()
    frame.loc[2, "wave_no"] = 2018
    with pytest.raises(DataError, match="rows: 3"):
        ingest(frame, identifiers=["Name", "post_code"])


def test_empty_wave_is_an_error():
    with pytest.raises(DataError, match="no rows"):
        ingest(raw_wave().iloc[0:0], identifiers=["Name", "post_code"])


@pytest.mark.parametrize("name", ["Name", "resp_name", "full_name", "postcode", "Pcode",
                                  "email", "phone", "date_of_birth", "dob", "Address"])
def test_identifier_patterns(name):
    assert looks_like_identifier(name)


@pytest.mark.parametrize("name", ["person_id", "area_id", "qualification", "happy", "anxiety",
                                  "wave", "age", "life_satisfaction", "swemwbs_1", "gender"])
def test_not_identifiers(name):
    assert not looks_like_identifier(name)


@pytest.mark.parametrize("suffix", ["csv", "sav", "dta", "xlsx", "parquet"])
def test_readers_round_trip(tmp_path, suffix):
    import pyreadstat

    frame = pd.DataFrame({"resp_id": [1.0, 2.0], "ls": [7.0, 5.0]})
    path = tmp_path / f"wave.{suffix}"
    {"csv": lambda: frame.to_csv(path, index=False),
     "sav": lambda: pyreadstat.write_sav(frame, path),
     "dta": lambda: pyreadstat.write_dta(frame, path),
     "xlsx": lambda: frame.to_excel(path, index=False),
     "parquet": lambda: frame.to_parquet(path)}[suffix]()
    read = read_survey_file(path)
    pd.testing.assert_frame_equal(read.astype(float), frame, check_dtype=False)


def test_reader_errors_name_the_file(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        read_survey_file(tmp_path / "missing.csv", config_key="data.waves[0].path")
    odd = tmp_path / "wave.txt"
    odd.write_text("a,b\n")
    with pytest.raises(DataError, match="unsupported file type"):
        read_survey_file(odd)
    broken = tmp_path / "wave.sav"
    broken.write_bytes(b"not an spss file")
    with pytest.raises(DataError, match="could not be read") as err:
        read_survey_file(broken)
    assert str(broken) in str(err.value)


def test_spss_value_labels_can_be_read_as_text(tmp_path):
    import pyreadstat

    frame = pd.DataFrame({"sex": [1.0, 2.0, 3.0], "ls": [7.0, 5.0, 6.0]})
    path = tmp_path / "wave.sav"
    pyreadstat.write_sav(frame, path, variable_value_labels={"sex": {1: "Male", 2: "Female"}})
    codes = read_survey_file(path)
    assert codes["sex"].tolist() == [1.0, 2.0, 3.0]
    labels = read_survey_file(path, value_labels=True)
    assert labels["sex"].tolist() == ["Male", "Female", 3.0]
    assert labels["ls"].tolist() == [7.0, 5.0, 6.0]
