"""Survey codes: compare them as a person reads them, and map them once per distinct value."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def code_key(value: Any) -> Any:
    """Normalise a source code so that 1, 1.0 and "1" match, and text is compared stripped."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, str):
        text = value.strip()
        try:
            return float(text)
        except ValueError:
            return text
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)


def map_distinct(values: pd.Series, function: Callable[[Any], Any]) -> pd.Series:
    """Apply ``function`` once per distinct value (not once per row) and broadcast back.

    Survey code columns hold a handful of distinct values over many rows, so recoding
    them this way is a vectorised pass over the rows. Missing values stay missing.
    """
    return map_uniques(values, lambda uniques: [function(value) for value in uniques])


def map_uniques(values: pd.Series, function: Callable[[pd.Index], Sequence[Any]]
                ) -> pd.Series:
    """Apply ``function`` to the distinct values at once and broadcast back to the rows.

    As :func:`map_distinct`, for a ``function`` that maps all distinct values in one call
    (a vectorised string operation): it receives them as an index and returns one result
    for each, in order. Missing values stay missing.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = np.empty(len(uniques) + 1, dtype=object)
    mapped[:-1] = function(uniques)
    mapped[-1] = None
    return pd.Series(mapped[codes], index=values.index, dtype=object)


PYTHON_ASCII_SPACE = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"
"""The ASCII characters Python's ``str.strip()`` and ``str.split()`` take as space."""


def ascii_text(values: pd.Index) -> pa.Array | None:
    """Return distinct values as an Arrow string array when all are ASCII text, else None.

    An ASCII id needs no Unicode normalisation and its letters, digits and spaces are
    the ASCII ones, so Arrow's vectorised string functions give what Python's per-value
    ones give; the ids of a wave are mostly distinct, so a Python call per id costs
    seconds a million rows. Anything else (numbers, other scripts) returns None, and the
    caller falls back to Python.
    """
    if not len(values) or not pd.api.types.is_string_dtype(values.dtype):
        return None
    try:
        text = pa.array(values, type=pa.large_string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    if text.null_count or not pc.all(pc.string_is_ascii(text)).as_py():
        return None
    return text
