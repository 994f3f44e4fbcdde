import numpy as np
import pandas as pd
import pytest

from wellby.config import validate_config
from wellby.errors import DataError
from wellby.prepare.panel import attach_treatment, build_panel, stack_waves

from .conftest import SCHEMA, minimal_config

COLUMNS = {"id": "pid", "wave": "wave", "area": "area", "cohort": "cohort"}


def study(**data_options):
    """A validated panel study of the outcome ``y`` (0-10) over the waves below."""
    config = minimal_config(columns=COLUMNS, outcomes=["y"])
    config["data"].update({"ranges": {"y": {"min": 0, "max": 10}}, **data_options})
    return validate_config(config, SCHEMA)


CONFIG = study()


def waves():
    w1 = pd.DataFrame({"pid": [1, 2, 3], "area": ["a", "b", "c"], "cohort": [2017, 2018, 0],
                       "wave": 2016, "y": [1.0, 2.0, 3.0], "_row": [1, 2, 3]})
    w2 = w1.assign(wave=2017)
    w3 = w1.assign(wave=2018)
    return [w1, w2, w3]


def test_treatment_is_derived_from_cohort():
    panel = build_panel(waves(), CONFIG)
    treated = panel.set_index(["pid", "wave"])["treated"]
    assert treated[(1, 2016)] == 0 and treated[(1, 2017)] == 1 and treated[(1, 2018)] == 1
    assert treated[(2, 2017)] == 0 and treated[(2, 2018)] == 1
    assert treated.xs(3, level="pid").sum() == 0
    rel = panel.set_index(["pid", "wave"])["rel_time"]
    assert rel[(1, 2016)] == -1 and rel[(2, 2018)] == 0 and pd.isna(rel[(3, 2016)])


def test_cohort_must_be_constant_within_area():
    bad = waves()
    bad[1] = bad[1].assign(cohort=[2018, 2018, 0])
    config = study(waves=[{"wave": 2016, "path": "w16.csv"},
                          {"wave": 2017, "path": "w17.sav"}])
    with pytest.raises(DataError, match="columns.cohort") as err:
        build_panel(bad, config)
    assert err.value.file == "w17.sav" and err.value.rows == ["2017:1"]
    assert "a: [2017, 2018]" in str(err.value)


def test_person_in_two_areas_is_an_error():
    bad = waves()
    bad[2] = bad[2].assign(area=["b", "b", "c"], cohort=[2018, 2018, 0])
    with pytest.raises(DataError, match="more than one area") as err:
        build_panel(bad, CONFIG)
    assert err.value.rows == ["2016:1", "2017:1", "2018:1"]
    assert err.value.config_key == "columns.id"


def test_no_treated_rows_is_an_error():
    never = [w.assign(cohort=0) for w in waves()]
    with pytest.raises(DataError, match="no row is treated"):
        build_panel(never, CONFIG)


def test_attach_treatment_never_treated_rel_time_missing():
    frame = pd.DataFrame({"wave": [1, 2], "cohort": [0, 0]})
    out = attach_treatment(frame, "wave", "cohort")
    assert out["rel_time"].isna().all() and (out["treated"] == 0).all()


def test_codes_that_are_numbers_in_one_wave_and_text_in_another_stack():
    w1, w2, w3 = waves()
    w1 = w1.assign(sex=[1.0, 2.0, None])
    w2 = w2.assign(sex=["M", "F", "X"])
    w3 = w3.assign(sex=[1.0, 1.0, 2.0])
    panel = build_panel([w1, w2, w3], CONFIG)
    assert panel["sex"].dropna().tolist() == ["1", "2", "M", "F", "X", "1", "1", "2"]
    panel.to_parquet(__import__("io").BytesIO())


def test_stacking_one_wave_per_frame_equals_a_stable_sort_of_the_rows():
    rng = np.random.default_rng(4)
    frames = [pd.DataFrame({"wave": wave, "y": rng.normal(size=n), "id": np.arange(n)})
              for wave, n in ((2018, 5), (2016, 4), (2020, 6), (2017, 3))]
    expected = (pd.concat(frames, ignore_index=True).sort_values("wave", kind="stable")
                .reset_index(drop=True))
    pd.testing.assert_frame_equal(stack_waves(frames, "wave"), expected)
    # a frame holding two waves (a long file) is sorted row by row, as before
    mixed = [pd.concat(frames[:2], ignore_index=True), frames[2]]
    expected = (pd.concat(mixed, ignore_index=True).sort_values("wave", kind="stable")
                .reset_index(drop=True))
    pd.testing.assert_frame_equal(stack_waves(mixed, "wave"), expected)
