"""The analysis file's respondent codes group rows exactly as the pseudonyms do."""

import numpy as np
import pandas as pd

from wellby.prepare.analysis_file import PERSON_CODE, read_analysis_file, with_person_codes

COLUMNS = {"id": "person_id", "wave": "wave", "area": "area_id"}


def _panel(n_persons: int = 50, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ids = pd.Series([f"p{rng.integers(1e12):016x}" for _ in range(n_persons)], dtype="string")
    rows = rng.integers(0, n_persons, 4 * n_persons)
    return pd.DataFrame({"person_id": ids.iloc[rows].to_numpy(),
                         "wave": rng.integers(1, 5, rows.size),
                         "area_id": [f"A{r % 7}" for r in rows],
                         "y": rng.normal(size=rows.size)})


def test_codes_share_a_value_exactly_when_the_pseudonyms_do():
    data = _panel()
    coded = with_person_codes(data, COLUMNS)
    assert PERSON_CODE not in data.columns  # the caller's frame is left alone
    pairs = coded[["person_id", PERSON_CODE]].drop_duplicates()
    assert pairs["person_id"].is_unique and pairs[PERSON_CODE].is_unique
    assert coded[PERSON_CODE].dtype == np.int32
    assert coded[PERSON_CODE].min() == 0


def test_no_codes_when_an_id_is_missing_or_there_is_no_id():
    data = _panel()
    data.loc[3, "person_id"] = pd.NA
    assert PERSON_CODE not in with_person_codes(data, COLUMNS).columns
    assert PERSON_CODE not in with_person_codes(data.drop(columns="person_id"),
                                                COLUMNS).columns


def test_the_steps_read_the_codes_in_place_of_the_pseudonyms(tmp_path):
    data = with_person_codes(_panel(), COLUMNS)
    path = tmp_path / "panel.parquet"
    data.to_parquet(path, index=False)
    read = read_analysis_file(path, ["person_id", "wave", "y"], COLUMNS)
    assert list(read.columns) == ["person_id", "wave", "y"]
    assert read["person_id"].tolist() == data[PERSON_CODE].tolist()
    means = read.groupby("person_id")["y"].mean().sort_values().to_numpy()
    expected = data.groupby("person_id")["y"].mean().sort_values().to_numpy()
    np.testing.assert_allclose(means, expected)
    # without the id asked for, or in a file without codes, the file's own columns
    assert list(read_analysis_file(path, ["wave", "y"], COLUMNS).columns) == ["wave", "y"]
    plain = tmp_path / "plain.parquet"
    data.drop(columns=PERSON_CODE).to_parquet(plain, index=False)
    assert read_analysis_file(plain, ["person_id"], COLUMNS)["person_id"].tolist() == \
        data["person_id"].tolist()


def test_person_codes_come_from_the_file_or_from_the_ids():
    from wellby.prepare.analysis_file import person_codes

    data = _panel()
    coded = with_person_codes(data, COLUMNS)
    np.testing.assert_array_equal(person_codes(coded, "person_id"), coded[PERSON_CODE])
    factorized = person_codes(data, "person_id")
    assert (pd.Series(factorized).groupby(data["person_id"].to_numpy()).nunique() == 1).all()
    data.loc[0, "person_id"] = pd.NA
    assert person_codes(data, "person_id")[0] == -1


def test_residents_only_reads_the_rows_residents_keeps(tmp_path):
    """Filtered as the file is read: the same rows, in the same order, as residents() on the
    whole file, a missing member flag kept as residents() keeps it; every row without a
    member column."""
    from wellby.prepare.panel import residents

    columns = {**COLUMNS, "member": "member"}
    data = with_person_codes(_panel(n_persons=80, seed=3), columns)
    data["member"] = np.random.default_rng(4).choice([0.0, 1.0, np.nan], size=len(data),
                                                     p=[0.6, 0.3, 0.1])
    path = tmp_path / "panel.parquet"
    data.to_parquet(path, index=False)
    needed = ["person_id", "wave", "y", "member"]
    got = read_analysis_file(path, needed, columns, residents_only=True)
    expected = residents(read_analysis_file(path, needed, columns), columns)
    assert 0 < len(got) < len(data) and got["member"].isna().any()
    pd.testing.assert_frame_equal(got, expected.reset_index(drop=True))
    without = tmp_path / "no_member.parquet"
    data.drop(columns="member").to_parquet(without, index=False)
    assert len(read_analysis_file(without, needed[:3], columns, residents_only=True)) == len(data)
