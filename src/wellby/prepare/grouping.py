"""Consistency checks within groups of rows, on integer codes.

The panel step asks of millions of rows whether each respondent has one area, each area
one cohort, each respondent one gender. ``groupby(...).nunique()`` answers that by sorting
and hashing every row's text id, several seconds a check at three million rows; the same
answer comes from one pass over integer codes (:func:`groups_with_several_values`). Only
the groups that fail are looked at again, with pandas, to write the message.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def groups_with_several_values(groups: pd.Series, values: pd.Series) -> pd.Index:
    """Return the groups in which ``values`` take more than one distinct value.

    The same groups as ``groupby(groups, observed=True)[values].nunique() > 1``: missing
    values, and rows without a group, are ignored.

    Parameters
    ----------
    groups : pandas.Series
        The group of each row (e.g. the respondent id).
    values : pandas.Series
        The value of each row (e.g. the area id), aligned with ``groups``.

    Returns
    -------
    pandas.Index
        The labels of those groups, sorted.
    """
    group_codes, group_labels = pd.factorize(groups)
    return pd.Index(group_labels[codes_with_several_values(group_codes, values)]).sort_values()


def codes_with_several_values(group_codes: np.ndarray, values: pd.Series) -> np.ndarray:
    """Return the codes of the groups in which ``values`` take more than one distinct value.

    Parameters
    ----------
    group_codes : numpy.ndarray
        The group of each row as a code from 0 (``pandas.factorize``); -1 for no group.
    values : pandas.Series
        The value of each row; missing values are ignored.

    Returns
    -------
    numpy.ndarray
        The codes of those groups, ascending.
    """
    value_codes = pd.factorize(values)[0]
    rows = (group_codes >= 0) & (value_codes >= 0)
    group_codes, value_codes = group_codes[rows], value_codes[rows]
    # Any value of the group serves as its representative (here the last one written):
    # a group has several values exactly when some row differs from it.
    representative = np.full(group_codes.max(initial=-1) + 1, -1, dtype=value_codes.dtype)
    representative[group_codes] = value_codes
    return np.unique(group_codes[value_codes != representative[group_codes]])


def counts_by_group_and_value(groups: pd.Series, values: pd.Series,
                              rows: np.ndarray | None = None) -> pd.DataFrame:
    """Count rows by group and value, as ``groupby([groups, values]).size().unstack(0)``.

    Parameters
    ----------
    groups, values : pandas.Series
        The group (e.g. the wave) and the value (e.g. an item's answer) of each row.
        Rows with either missing are not counted.
    rows : numpy.ndarray, optional
        Which rows to count (booleans, e.g. :func:`wellby.prepare.panel.resident_rows`);
        every row when not given. The same table as counting ``groups[rows]`` and
        ``values[rows]``, without copying them.

    Returns
    -------
    pandas.DataFrame
        One row per group and one column per value, both sorted, that occur in a counted
        row; zero where a group has no row of a value. One :func:`numpy.bincount` over the
        codes, where the groupby sorts every row.
    """
    group_codes, group_labels = sorted_codes(groups)
    value_codes, value_labels = sorted_codes(values)
    counted = (group_codes >= 0) & (value_codes >= 0)
    if rows is not None:
        counted &= rows
    n_values = len(value_labels)
    flat = np.bincount(group_codes[counted].astype(np.int64) * n_values
                       + value_codes[counted],
                       minlength=len(group_labels) * n_values)
    table = pd.DataFrame(flat.reshape(len(group_labels), n_values),
                         index=pd.Index(group_labels, name=groups.name),
                         columns=pd.Index(value_labels, name=values.name))
    return table.loc[table.sum(axis=1).to_numpy() > 0, table.sum(axis=0).to_numpy() > 0]


SMALL_SPAN = 100_000
"""The widest range of whole numbers :func:`sorted_codes` codes by subtraction."""


def sorted_codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray | pd.Index]:
    """Code values as ``pandas.factorize(values, sort=True)`` does.

    Whole numbers within a range of at most :data:`SMALL_SPAN` (answer codes, wave labels)
    are coded by subtracting the smallest, which needs no hash of every row: a few
    passes over the array, where factorising answers by hashing them took half of the
    panel step's shifted-wave check at three million rows. Anything else is factorised.

    Parameters
    ----------
    values : pandas.Series

    Returns
    -------
    codes : numpy.ndarray
        Each row's code, from 0 in sorted order of the values that occur; -1 where the
        value is missing.
    uniques : numpy.ndarray or pandas.Index
        The values that occur, sorted.
    """
    whole = _whole_number_codes(values)
    if whole is None:
        return pd.factorize(values, sort=True)
    return whole


def _whole_number_codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray] | None:
    """:func:`sorted_codes` by subtraction, or None where the values do not allow it."""
    if not isinstance(values.dtype, np.dtype) or values.dtype.kind not in "iuf":
        return None
    array = values.to_numpy()
    present = ~np.isnan(array) if array.dtype.kind == "f" else None
    given = array if present is None else array[present]
    if given.size == 0:
        return None
    low, high = given.min(), given.max()
    # the span in floats: a difference of two int64 values can overflow
    if not (np.isfinite(low) and np.isfinite(high) and float(high) - float(low) <= SMALL_SPAN):
        return None
    offsets = (given - low).astype(np.intp)
    if array.dtype.kind == "f" and not np.array_equal(offsets + low, given):
        return None  # not whole numbers
    occurs = np.bincount(offsets, minlength=int(high - low) + 1) > 0
    dense = np.cumsum(occurs) - 1  # from an offset to its rank among the values that occur
    codes = np.full(array.shape, -1, dtype=np.intp)
    if present is None:
        codes[:] = dense[offsets]
    else:
        codes[present] = dense[offsets]
    return codes, (low + np.flatnonzero(occurs)).astype(array.dtype)


def dense_codes(values: np.ndarray) -> np.ndarray | None:
    """Return ``values`` as int64 codes when they already are dense non-negative integers.

    The modelling steps code respondents as 0, 1, ... (:mod:`wellby.prepare.analysis_file`);
    such codes can index flag arrays directly. Text, missing or sparse ids (a largest value
    of twice the rows or more) give None: the caller factorises them or uses pandas.
    """
    if not (values.dtype.kind in "iu" and values.size and values.min() >= 0
            and values.max() < 2 * values.size):
        return None
    return values.astype(np.int64, copy=False)


def distinct_per_group(items: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """Count the distinct items in each group, both given as non-negative integer codes.

    One flag per item and group (a hash of the pairs takes several times as long at
    millions of rows).

    Returns
    -------
    numpy.ndarray
        Distinct items per group, length ``n_groups``.
    """
    items = items.astype(np.int64, copy=False)
    seen = np.zeros((int(items.max(initial=-1)) + 1) * n_groups, dtype=bool)
    seen[items * n_groups + groups] = True
    return np.bincount(np.flatnonzero(seen) % n_groups, minlength=n_groups)
