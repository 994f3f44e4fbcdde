"""Small helpers for the study's tidy tables."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

DID_COLUMNS = ["outcome", "estimator", "term", "estimate", "std_error", "ci_low", "ci_high",
               "p_value", "n_obs", "n_clusters"]
TEST_COLUMNS = ["statistic", "df1", "df2", "distribution"]
"""A test's own columns (its statistic, degrees of freedom and reference distribution): a
test row of did.csv or subgroups.csv leaves ``estimate`` empty and gives its p-value in
``p_value``."""
SUBGROUP_COLUMNS = ["outcome", "subgroup", "level", "estimate", "std_error", "ci_low",
                    "ci_high", "p_value", "p_adjusted", "n_obs"]


def _read(path: str | Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path)
    except pd.errors.EmptyDataError:  # a table with no columns at all
        return pd.DataFrame()


def concat_csv(paths: Iterable[str | Path]) -> pd.DataFrame:
    """Read CSV tables with the same columns and stack them in the given order.

    Parameters
    ----------
    paths : iterable of str or Path
        The tables.

    Returns
    -------
    pandas.DataFrame
        The rows of every table; the columns of the first table when all are empty.
    """
    frames = [_read(path) for path in paths]
    if not frames:
        return pd.DataFrame()
    non_empty = [f for f in frames if not f.empty]
    if not non_empty:
        return frames[0]
    return pd.concat(non_empty, ignore_index=True)
