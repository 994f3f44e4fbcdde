"""Cell text: which texts are missing, and id columns read as exact text.

:data:`NA_STRINGS` lists the cell texts read as missing in CSV and Excel files.
:func:`as_text` turns a column named in ``text_columns`` into pandas ``"string"`` text with
exact digits (whole numbers without ``.0``, numbers too large to be exact refused), spaces
stripped and blanks missing, whatever the format stored it as.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from wellby.prepare.read_request import ReadRequest

#: Cell texts read as missing in CSV and Excel files (pandas' default ``na_values``).
NA_STRINGS: frozenset[str] = frozenset({
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
    "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
})

#: Largest magnitude at which every whole number is exact in a double (2**53).
EXACT_DOUBLE = 2.0**53


def _cell_text(value: Any) -> str | None:
    """Return one cell as id text: whole numbers without ``.0``, missing as None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        number = float(value)
        if np.isnan(number):
            return None
        if number.is_integer():
            if abs(number) > EXACT_DOUBLE:
                raise OverflowError
            return str(int(number))
        return repr(number)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def as_text(req: ReadRequest, column: str, series: pd.Series) -> pd.Series:
    """Convert one column to text (pandas ``"string"`` dtype) for ``text_columns``."""
    dtype = series.dtype
    kind = "" if pd.api.types.is_numeric_dtype(dtype) else pd.api.types.infer_dtype(
        series, skipna=True)
    if pd.api.types.is_integer_dtype(dtype) or kind in ("string", "empty", "integer"):
        text = series.astype("string")
    elif pd.api.types.is_float_dtype(dtype) or kind in ("floating", "mixed-integer-float"):
        text = _float_text(req, column, series.astype(float).to_numpy(na_value=np.nan))
    else:  # a mix (e.g. value labels and codes, text and numbers): one cell at a time
        values = series.to_numpy(dtype=object)
        out = np.full(len(values), None, dtype=object)
        inexact = np.zeros(len(values), dtype=bool)
        for i, value in enumerate(values):
            try:
                out[i] = _cell_text(value)
            except OverflowError:
                inexact[i] = True
        _refuse_inexact(req, column, inexact)
        text = pd.Series(pd.array(out, dtype="string"))
    text = text.str.strip()
    return pd.Series(text.mask(text == "", pd.NA).array, index=series.index)


def _float_text(req: ReadRequest, column: str, values: np.ndarray) -> pd.Series:
    """Write doubles as text: whole numbers without ``.0``; refuse ones not exact."""
    finite = np.isfinite(values)
    safe = np.where(finite, values, 0.0)
    whole = finite & (np.floor(safe) == safe)
    _refuse_inexact(req, column, whole & (np.abs(safe) > EXACT_DOUBLE))
    integers = pd.arrays.IntegerArray(np.where(whole, safe, 0.0).astype(np.int64), ~whole)
    text = pd.Series(integers).astype("string")
    other = np.flatnonzero(~whole & ~np.isnan(values))  # fractions and infinities
    if other.size:
        text = text.astype(object)
        text.iloc[other] = [repr(float(v)) for v in values[other]]
        text = text.astype("string")
    return text


def _refuse_inexact(req: ReadRequest, column: str, inexact: np.ndarray) -> None:
    if inexact.any():
        rows = (np.flatnonzero(inexact) + 1).tolist()
        raise req.error(
            "the text column holds numbers too large to be stored exactly as numbers (more "
            "than 15-16 digits): the program that wrote the file has rounded them, so ids "
            "would be wrong; store the column as text in the file", column=column, rows=rows)


def text_positions(req: ReadRequest, names: Sequence[str]) -> list[int]:
    """Return the 0-based positions of the ``text_columns`` among a file's column names."""
    return [i for i, name in enumerate(names) if name in req.text_columns]
