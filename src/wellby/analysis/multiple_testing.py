"""Adjusting the p-values of a family of tests (the subgroup tables' ``p_adjusted``).

The subgroup steps test an effect in every level of every subgroup; ``models.subgroups.adjust``
says how their p-values are adjusted for the number of tests: Holm's step-down, which
controls the family-wise error rate, or Benjamini-Hochberg's, which controls the false
discovery rate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def adjust_p_values(p_values: pd.Series, method: str) -> pd.Series:
    """Adjust p-values for multiple testing, leaving missing ones missing.

    Parameters
    ----------
    p_values : pandas.Series
        Raw p-values (NaN where no test was made).
    method : {"holm", "fdr_bh"}
        Holm's step-down (family-wise error) or Benjamini-Hochberg (false discovery rate):
        ``models.subgroups.adjust``.

    Returns
    -------
    pandas.Series
        Adjusted p-values, each at least the raw one.

    Notes
    -----
    Benjamini-Hochberg is scipy's ``false_discovery_control``. Holm's adjustment is
    written out (sorted p-values times ``m, m-1, ..., 1``, their running maximum, capped
    at 1) because statsmodels' ``multipletests``, which gives the same values (tested),
    forces a full garbage collection on every call: 80 ms each beside a million-row
    analysis file, and the subgroup step calls it for every family.
    """
    adjusted = pd.Series(np.nan, index=p_values.index)
    present = p_values.notna()
    if present.any():
        raw = p_values[present].to_numpy(dtype=float)
        if method == "fdr_bh":
            from scipy import stats  # here: importing scipy.stats costs a job half a second

            adjusted[present] = stats.false_discovery_control(raw, method="bh")
        else:
            order = np.argsort(raw, kind="stable")
            steps = raw[order] * np.arange(raw.size, 0, -1)
            holm = np.empty_like(raw)
            holm[order] = np.minimum(np.maximum.accumulate(steps), 1.0)
            adjusted[present] = holm
    return adjusted
