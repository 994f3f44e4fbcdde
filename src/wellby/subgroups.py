"""Who gained: the programme's effect within each level of each configured subgroup."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

from wellby.did import model_units
from wellby.estimation import fit_twfe
from wellby.panel import TREATED
from wellby.tables import SUBGROUP_COLUMNS


def _level_fit(data: pd.DataFrame, outcome: str, columns: Mapping[str, Any], design: str,
               models: Mapping[str, Any], min_cell: int) -> dict[str, Any]:
    used = data.dropna(subset=[outcome])
    if used.empty:
        return {"n_obs": 0, "note": "not estimated: no observations in this level"}
    n_treated = int(used[TREATED].sum())
    if len(used) < min_cell or n_treated < min_cell:
        # The count itself is below the publishable cell size, so it is not shown either.
        return {"n_obs": np.nan, "note": f"not estimated: fewer than {min_cell} observations "
                                         "(or treated observations); count suppressed"}
    n_clusters = used[columns["area"]].nunique()
    if models["vcov"] == "cluster" and n_clusters < 2:
        return {"n_obs": len(used), "note": "not estimated: fewer than 2 clusters"}
    try:
        result = fit_twfe(
            used, outcome, TREATED, model_units(columns, design), columns["wave"],
            cluster=columns["area"] if models["vcov"] == "cluster" else None,
            covariates=models["covariates"], weights=columns.get("weight"),
            vcov=models["vcov"], alpha=models["alpha"])
    except ValueError as err:
        return {"n_obs": len(used), "note": f"not estimated: {err}"}
    return {"estimate": result.estimate, "std_error": result.std_error,
            "ci_low": result.ci_low, "ci_high": result.ci_high, "p_value": result.p_value,
            "n_obs": result.n_obs, "note": ""}


def adjust_p_values(p_values: pd.Series, method: str = "holm") -> pd.Series:
    """Adjust p-values for multiple testing, leaving missing ones missing.

    Parameters
    ----------
    p_values : pandas.Series
        Raw p-values (NaN where no test was made).
    method : {"holm", "fdr_bh"}
        Holm's step-down (family-wise error) or Benjamini-Hochberg (false discovery rate).

    Returns
    -------
    pandas.Series
        Adjusted p-values, each at least the raw one.
    """
    adjusted = pd.Series(np.nan, index=p_values.index)
    present = p_values.notna()
    if present.any():
        adjusted[present] = multipletests(p_values[present].to_numpy(), method=method)[1]
    return adjusted


def estimate_subgroups(data: pd.DataFrame, outcome: str, *, subgroups: Mapping[str, Any],
                       columns: Mapping[str, Any], design: str, models: Mapping[str, Any],
                       min_cell: int) -> pd.DataFrame:
    """Estimate the effect on one outcome within each level of each subgroup (stratified).

    Parameters
    ----------
    data : pandas.DataFrame
        The analysis file with derived subgroup columns (named by subgroup).
    outcome : str
        The outcome column.
    subgroups : mapping
        The config's ``subgroups`` section.
    columns, design, models
        As for :func:`wellby.did.estimate_did`.
    min_cell : int
        Levels with fewer observations (or treated observations) are reported, not fitted.

    Returns
    -------
    pandas.DataFrame
        The ``subgroups.csv`` contract columns plus ``note``; p-values Holm-adjusted over all
        the outcome's subgroup tests.
    """
    rows = []
    for name in subgroups:
        levels = data[name].cat.categories if isinstance(data[name].dtype,
                                                          pd.CategoricalDtype) \
            else sorted(data[name].dropna().unique())
        for level in levels:
            fit = _level_fit(data[data[name] == level], outcome, columns, design, models,
                             min_cell)
            rows.append({"outcome": outcome, "subgroup": name, "level": level, **fit})
    table = pd.DataFrame(rows)
    for column in [*SUBGROUP_COLUMNS, "note"]:
        if column not in table.columns:
            table[column] = np.nan
    table["p_adjusted"] = adjust_p_values(table["p_value"])
    return table[[*SUBGROUP_COLUMNS, "note"]]
