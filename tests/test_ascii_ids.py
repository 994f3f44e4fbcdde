"""Arrow's string functions on ASCII ids give what the per-id Python functions give."""

import hashlib
import hmac
import random

import numpy as np
import pandas as pd
import pytest

from wellby.prepare.codes import ascii_text, map_distinct
from wellby.prepare.ingest import _DIGIT, _SHAPE, _id_text, _text_ids, id_format
from wellby.prepare.pseudonyms import _canonical_id, _canonical_ids, pseudonymise

# Spaces Python strips (tab, newline, vertical tab, form feed, separators), digits, letters,
# punctuation, and the shapes of integral text ("12.000", "+4.", ".0").
ALPHABET = "ab Z0 9\t\n\x0b\x0c\x1c\x1d\x1e\x1f.+-/_"
SPECIAL = ["", " ", "12.000", "-3.", "+4.0", "1.5", "007", " 1 2 ", ".0", "1.0.0", "R00002",
           "\t42\n", "a_b"]


def _random_ids(seed: int, n: int = 20_000) -> pd.Series:
    rng = random.Random(seed)
    ids = ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 8))) for _ in range(n)]
    return pd.Series([*ids, *SPECIAL, None], dtype="string")


def _shape(value):
    return None if value is None or value is pd.NA else _SHAPE.sub("A", _DIGIT.sub("9", value))


@pytest.mark.parametrize("seed", [0, 1])
def test_ascii_text_ids_equal_the_per_id_function(seed):
    ids = _random_ids(seed)
    assert ascii_text(pd.Index(ids.dropna().unique())) is not None  # the fast path is taken
    fast = _text_ids(ids)
    slow = map_distinct(ids, lambda value: _id_text(value, collapse_spaces=False))
    assert fast.isna().sum() > 1
    assert fast.fillna("<missing>").tolist() == slow.fillna("<missing>").tolist()


@pytest.mark.parametrize("seed", [0, 1])
def test_ascii_id_formats_equal_the_per_id_function(seed):
    ids = _text_ids(_random_ids(seed))
    expected = map_distinct(ids, _shape).astype("string")
    pd.testing.assert_series_equal(id_format(ids), expected)


@pytest.mark.parametrize("seed", [0, 1])
def test_ascii_canonical_ids_equal_the_per_id_function(seed):
    uniques = pd.Index(_random_ids(seed).dropna().unique())
    assert _canonical_ids(uniques) == [_canonical_id(value) for value in uniques.tolist()]


def test_non_ascii_and_numeric_ids_take_the_python_path():
    assert ascii_text(pd.Index(["Ａ1", "b"])) is None
    assert ascii_text(pd.Index([1, 2])) is None
    assert ascii_text(pd.Index(np.array(["x", 5], dtype=object))) is None
    assert _text_ids(pd.Series(["Ａ1 ", " é "])).tolist() == ["A1", "é"]
    assert _text_ids(pd.Series([1.0, 2.5, np.nan])).tolist() == ["1", "2.5", None]


def test_pseudonyms_of_ascii_ids_are_hmacs_of_their_canonical_text():
    key = bytes(range(32))
    ids = pd.Series([" 100003 ", "100003.0", "R 7", "", None], dtype="string")
    got = pseudonymise(ids, key)

    def expected(text):
        return "p" + hmac.new(key, text.encode(), hashlib.sha256).hexdigest()[:16]

    assert got.iloc[0] == got.iloc[1] == expected("100003")
    assert got.iloc[2] == expected("R7")
    assert got.iloc[3:].isna().all()


def test_byte_table_shapes_equal_arrows_regular_expressions():
    import pyarrow as pa
    import pyarrow.compute as pc

    from wellby.prepare.ingest import ascii_shapes

    text = pa.array(_random_ids(3).dropna().tolist(), type=pa.large_string())
    expected = pc.replace_substring_regex(pc.replace_substring_regex(text, "[0-9]", "9"),
                                          "[A-Za-z]", "A")
    assert ascii_shapes(text).equals(expected)
    assert ascii_shapes(text.slice(7, 500)).equals(expected.slice(7, 500))
    assert ascii_shapes(pa.array(["", "Ab1-"], type=pa.string())).to_pylist() == ["", "AA9-"]
