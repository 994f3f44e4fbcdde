"""Argument checks shared by the estimators: frames, columns and numeric data.

Each check raises a ``ValueError`` (or ``TypeError``) whose message names the column and
its role, which the study-level code turns into a :class:`wellby.errors.DataError`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd


def check_frame(data: object) -> None:
    """Raise ``TypeError`` unless ``data`` is a pandas DataFrame."""
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")


def require_columns(data: pd.DataFrame, roles: Mapping[str, Sequence[str]]) -> None:
    """Raise ``ValueError`` naming the first column (and its role) missing from ``data``.

    Parameters
    ----------
    data : pandas.DataFrame
        The data.
    roles : mapping
        Role (e.g. "outcome") -> the columns in that role.
    """
    for role, cols in roles.items():
        for col in cols:
            if col not in data.columns:
                raise ValueError(f"{role} column '{col}' is not in the data")


def numeric_column(data: pd.DataFrame, col: str, role: str) -> np.ndarray:
    """Return ``data[col]`` as float64 with NaN for missing; reject non-numeric data.

    Parameters
    ----------
    data : pandas.DataFrame
        The data.
    col : str
        The column.
    role : str
        Its role, for the error message.

    Returns
    -------
    numpy.ndarray
    """
    s = data[col]
    if not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)):
        raise ValueError(f"{role} column '{col}' must be numeric, got dtype {s.dtype}")
    arr = s.to_numpy(dtype=np.float64, na_value=np.nan)
    if np.isinf(arr).any():
        raise ValueError(f"{role} column '{col}' contains infinite values")
    return arr


def check_did_columns(data: pd.DataFrame, *, outcome: str, unit: str, time: str, cohort: str,
                      covariates: Sequence[str], cluster: str | None,
                      weights: str | None) -> None:
    """Check the columns of a staggered-adoption DiD: present, and in one role each.

    Parameters
    ----------
    data : pandas.DataFrame
        The data.
    outcome, unit, time, cohort : str
        The outcome, unit, period and first-treated-period columns.
    covariates : sequence of str
        Covariates.
    cluster, weights : str, optional
        Cluster and weights columns.
    """
    require_columns(
        data,
        {
            "outcome": [outcome],
            "unit": [unit],
            "time": [time],
            "cohort": [cohort],
            "covariate": covariates,
            "cluster": [cluster] if cluster else [],
            "weights": [weights] if weights else [],
        },
    )
    if len({outcome, unit, time, cohort}) < 4:
        raise ValueError("outcome, unit, time and cohort must be four different columns")
    for c in covariates:
        if c in (outcome, unit, time, cohort):
            raise ValueError(f"covariate '{c}' is also the outcome, unit, time or cohort column")
