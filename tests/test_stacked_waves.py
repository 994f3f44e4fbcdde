"""Reading cleaned waves' files stacked: the same frame as reading each and stacking them."""

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from wellby.errors import DataError
from wellby.prepare.panel import stack_waves
from wellby.prepare.stacked_waves import read_stacked_waves, same_layout

LEVELS = ["none", "below_degree", "degree", "unknown"]


def cleaned_wave(wave: int, n: int, seed: int) -> pd.DataFrame:
    """A cleaned wave as the clean step writes it: numbers, text ids, a categorical."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "wave": np.full(n, wave, dtype=np.int64),
        "person_id": [f"p{wave}{i:04d}" for i in range(n)],
        "area_id": rng.choice(["E01", "E02", "E03"], size=n),
        "qualification": pd.Categorical(rng.choice(LEVELS[:3], size=n), categories=LEVELS),
        "life_satisfaction": rng.integers(0, 11, size=n).astype(float),
        "member": rng.integers(0, 2, size=n).astype(np.int8),
    })


def write(frames, folder, **kwargs):
    paths = []
    for number, frame in enumerate(frames):
        path = folder / f"wave_{number}.parquet"
        frame.to_parquet(path, **{"index": False, **kwargs})
        paths.append(str(path))
    return paths


def read_one_by_one(paths):
    return stack_waves([pd.read_parquet(path) for path in paths], "wave")


def tables(paths):
    return [pq.read_table(path) for path in paths]


def test_waves_with_one_layout_are_stacked_in_wave_order_as_one_by_one(tmp_path):
    frames = [cleaned_wave(2018, 7, 1), cleaned_wave(2016, 5, 2), cleaned_wave(2017, 6, 3)]
    # the clean step writes each wave's columns in the order its file had them
    frames[1] = frames[1][["life_satisfaction", "wave", "qualification", "member",
                           "area_id", "person_id"]]
    paths = write(frames, tmp_path)
    assert same_layout(tables(paths))
    stacked = read_stacked_waves(paths, "wave")
    pd.testing.assert_frame_equal(stacked, read_one_by_one(paths))
    assert stacked["wave"].tolist() == [2016] * 5 + [2017] * 6 + [2018] * 7
    assert list(stacked["qualification"].cat.categories) == LEVELS
    assert stacked["person_id"].iloc[0] == "p20160000"


def test_a_file_with_several_waves_is_sorted_stably_by_wave(tmp_path):
    long = pd.concat([cleaned_wave(2017, 4, 1), cleaned_wave(2016, 3, 2)], ignore_index=True)
    paths = write([long, cleaned_wave(2015, 2, 3)], tmp_path)
    stacked = read_stacked_waves(paths, "wave")
    pd.testing.assert_frame_equal(stacked, read_one_by_one(paths))
    assert stacked["person_id"].tolist()[:5] == ["p20150000", "p20150001", "p20160000",
                                                  "p20160001", "p20160002"]


def test_a_written_index_is_dropped_as_concat_ignore_index_drops_it(tmp_path):
    frames = [cleaned_wave(2016, 4, 1).set_index("person_id"),
              cleaned_wave(2017, 3, 2).set_index("person_id")]
    paths = write(frames, tmp_path, index=True)
    stacked = read_stacked_waves(paths, "wave")
    pd.testing.assert_frame_equal(stacked, read_one_by_one(paths))
    assert isinstance(stacked.index, pd.RangeIndex) and len(stacked) == 7


@pytest.mark.parametrize("change", ["missing column", "number and text", "categories"])
def test_files_that_differ_are_read_one_by_one(tmp_path, change):
    first, second = cleaned_wave(2016, 5, 1), cleaned_wave(2017, 4, 2)
    if change == "missing column":
        second = second.drop(columns="member")
    elif change == "number and text":
        first = first.assign(sex=[1.0, 2.0, None, 1.0, 2.0])
        second = second.assign(sex=["M", "F", "X", "M"])
    else:  # a wave whose categories differ: the first wave's are kept, as stack_waves keeps
        second = second.assign(qualification=second["qualification"].cat.set_categories(
            ["degree", "none", "below_degree", "unknown"]))
    paths = write([first, second], tmp_path)
    assert not same_layout(tables(paths))
    pd.testing.assert_frame_equal(read_stacked_waves(paths, "wave"), read_one_by_one(paths))


def test_an_empty_wave_file_stacks(tmp_path):
    paths = write([cleaned_wave(2017, 3, 1), cleaned_wave(2016, 0, 2),
                   cleaned_wave(2016, 2, 3)], tmp_path)
    stacked = read_stacked_waves(paths, "wave")
    pd.testing.assert_frame_equal(stacked, read_one_by_one(paths))
    assert stacked["wave"].tolist() == [2016, 2016, 2017, 2017, 2017]


def test_no_wave_file_is_an_error():
    with pytest.raises(DataError, match="no waves to stack"):
        read_stacked_waves([], "wave")
