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


def small_count_marker(min_cell: int) -> str:
    """Return the text shown in place of a suppressed count (e.g. ``<10``)."""
    return f"<{min_cell}"


def mark_small_counts(table: pd.DataFrame, columns: Sequence[str], min_cell: int
                      ) -> pd.DataFrame:
    """Replace published counts from 1 to ``min_cell - 1`` by a marker such as ``<10``.

    Counts already suppressed (missing, or flagged in a ``suppressed`` column) get the
    marker too, so a suppressed value is marked rather than blank. Zero stays zero: an
    empty cell discloses nothing about a person.

    Parameters
    ----------
    table : pandas.DataFrame
        A table about to be published (report, workbook).
    columns : sequence of str
        Its count columns.
    min_cell : int
        Smallest count that may be shown.

    Returns
    -------
    pandas.DataFrame
        A copy with the count columns as text where marked.
    """
    out = table.copy()
    flagged = out[SUPPRESSED].astype(bool) if SUPPRESSED in out else pd.Series(False,
                                                                                 out.index)
    for column in columns:
        if column not in out:
            continue
        values = pd.to_numeric(out[column], errors="coerce")
        small = ((values > 0) & (values < min_cell)) | (flagged & values.isna())
        if small.any():
            out[column] = out[column].astype(object)
            out.loc[small, column] = small_count_marker(min_cell)
    return out


COUNT_COLUMNS = ("n", "n_obs", "n_clusters", "n_complete", "n_treated_obs", "rows_in",
                 "rows_excluded", "rows_out", "rows", "values")


def publishable(table: pd.DataFrame, min_cell: int) -> pd.DataFrame:
    """Mark every small count in a table's count columns (see :data:`COUNT_COLUMNS`)."""
    return mark_small_counts(table, [c for c in table.columns if c in COUNT_COLUMNS], min_cell)
