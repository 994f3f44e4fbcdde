"""Studies given as one long file (data.path) and the in-memory study runner."""

import numpy as np
import pandas as pd
import pytest

from wellby.config import validate_config
from wellby.demo import simulate_demo_study
from wellby.errors import ConfigError, DataError
from wellby.prepare.pseudonyms import load_or_create_key, pseudonymise
from wellby.prepare.study import long_file_waves, missing_wave_files, prepare_study

from .conftest import SCHEMA

ITEMS = [f"swemwbs_{i}" for i in range(1, 8)]


def long_study(tmp_path, mess=None):
    data = simulate_demo_study(seed=3, n_programme_areas=5, n_comparison_areas=5,
                               residents_per_area=10).data.copy()
    data = data.rename(columns={"wave": "year", "life_satisfaction": "ls"})
    data["postcode"] = "NE1 4XY"  # found by its name and dropped
    if mess:
        data = mess(data)
    path = tmp_path / "all_waves.csv"
    data.to_csv(path, index=False)
    config = validate_config({
        "data": {"path": str(path), "rename": {"year": "wave", "ls": "life_satisfaction"},
                 "missing_codes": [-9, -8]},
        "columns": {"id": "person_id", "wave": "wave", "area": "area_id", "cohort": "cohort"},
        "design": "panel",
        "scales": {"swemwbs": {"items": ITEMS},
                   "ons4": {"items": ["life_satisfaction", "worthwhile", "happy", "anxiety"]}},
        "outcomes": ["life_satisfaction", "swemwbs_metric"],
    }, SCHEMA)
    return config, data


def test_long_file_is_split_into_waves_with_long_file_rows(tmp_path):
    config, data = long_study(tmp_path, mess=lambda d: d.assign(
        ls=d["ls"].where(d.index != 7, 77)))
    assert long_file_waves(config) == [2016, 2017, 2018, 2019, 2020]
    with pytest.warns(UserWarning, match="postcode"):
        prepared = prepare_study(config)
    assert len(prepared.panel) == len(data)
    assert "postcode" not in prepared.panel.columns
    # Row 8 of the long file (index 7) had the typo; the correction points at it.
    assert prepared.corrections[["row", "column"]].values.tolist() == [[8, "life_satisfaction"]]
    first = data.iloc[0]
    panel_row = prepared.panel.set_index("_row").loc[1]
    key = load_or_create_key(config["data"]["pseudonym_key"])
    pseudonym = pseudonymise(pd.Series([first["person_id"]]), key).iloc[0]
    assert panel_row["person_id"] == pseudonym and panel_row["wave"] == first["year"]


def test_long_file_wave_labels_must_be_numbers(tmp_path):
    config, _ = long_study(tmp_path, mess=lambda d: d.assign(
        year=d["year"].astype(object).where(d.index != 4, "wave two")))
    with pytest.raises(DataError, match="rows: 5"):
        long_file_waves(config)


def test_long_file_settings_only_with_path():
    base = {"columns": {"id": "p", "wave": "w", "area": "a", "cohort": "c"},
            "design": "panel", "outcomes": ["life_satisfaction"]}
    with pytest.raises(ConfigError, match="exactly one of data.waves"):
        validate_config({**base, "data": {"waves": [{"wave": 1, "path": "x.csv"}],
                                          "rename": {"a": "b"}}}, SCHEMA)
    config = validate_config({**base, "data": {"path": "missing.csv"}}, SCHEMA)
    assert config["data"]["encoding"] == "utf-8"
    assert missing_wave_files(config)[0].startswith("data.path: the file missing.csv")


def test_prepared_study_tables_reconcile(tmp_path):
    config, data = long_study(tmp_path, mess=lambda d: d.assign(
        ls=np.where(d.index < 3, -9, d["ls"]),
        swemwbs_1=np.where(d.index < 3, -9, d["swemwbs_1"]),
        swemwbs_2=np.where(d.index < 3, -9, d["swemwbs_2"])))
    with pytest.warns(UserWarning, match="postcode"):
        prepared = prepare_study(config)
    summary = prepared.summary
    assert summary["rows_in"].sum() == len(data)
    assert (summary["rows_in"] == summary["rows_out"] + summary["rows_excluded"]).all()
    assert sorted(prepared.exclusions["row"]) == [1, 2, 3]
    assert set(prepared.exclusions["rule"]) == {"no_outcome"}
    assert isinstance(prepared.linkage, pd.DataFrame)
