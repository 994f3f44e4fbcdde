"""Survey codes: compare them as a person reads them, and map them once per distinct value."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd


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
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = np.empty(len(uniques) + 1, dtype=object)
    mapped[:-1] = [function(value) for value in uniques]
    mapped[-1] = None
    return pd.Series(mapped[codes], index=values.index, dtype=object)
