"""Disclosure control: no published count below the minimum cell size."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

SUPPRESSED = "suppressed"


def suppress_small_counts(table: pd.DataFrame, *, count: str, dependent: Sequence[str] = (),
                          min_cell: int) -> pd.DataFrame:
    """Blank counts below ``min_cell`` (and the statistics computed from them), marking them.

    Parameters
    ----------
    table : pandas.DataFrame
        A published table.
    count : str
        The count column.
    dependent : sequence of str
        Columns computed from the cell (means, SDs) that are suppressed with it.
    min_cell : int
        Smallest count that may be published.

    Returns
    -------
    pandas.DataFrame
        A copy with a boolean ``suppressed`` column; suppressed cells are missing.
    """
    out = table.copy()
    small = out[count] < min_cell
    out[SUPPRESSED] = small.to_numpy()
    out[count] = out[count].astype(float).mask(small, np.nan)
    for column in dependent:
        out[column] = out[column].mask(small, np.nan)
    return out
