"""The staggered-adoption sample: unit, cluster and cohort codes shared by the DiD estimators.

:func:`wellby.estimators.event_study.fit_event_study` and
:func:`wellby.estimators.callaway_santanna.fit_callaway_santanna` build their estimation
samples from the same pieces: integer codes of the unit and cluster columns, the flag of
never-treated units (cohort 0 or missing), each cohort's position among the observed
periods, and the check that a column is constant within a unit. They live here, once, so
that both estimators read the cohort column the same way. (The checks of the columns'
presence and roles are :func:`wellby.estimators.validation.check_did_columns`.)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["cohort_index", "constant_within", "dense_codes", "factor_codes", "never_treated"]


def factor_codes(data: pd.DataFrame, col: str) -> np.ndarray:
    """Integer codes of a column (any dtype); -1 for missing."""
    return pd.factorize(data[col], use_na_sentinel=True)[0].astype(np.intp)


def never_treated(cohort: np.ndarray, name: str) -> np.ndarray:
    """Flag never-treated rows (cohort 0 or missing); reject negative cohorts."""
    never = np.isnan(cohort) | (cohort == 0)
    negative = ~never & (cohort < 0)
    if negative.any():
        bad = np.unique(cohort[negative])[:5].tolist()
        raise ValueError(
            f"cohort column '{name}' must be the first treated period (0 or missing = never "
            f"treated); found negative values {bad}"
        )
    return never


def cohort_index(
    cohort: np.ndarray, never: np.ndarray, periods: np.ndarray, cohort_name: str, time_name: str
) -> np.ndarray:
    """Map cohorts to positions in ``periods`` (-1 for never treated); reject unobserved ones."""
    idx = np.full(cohort.shape[0], -1, dtype=np.intp)
    treated = ~never
    if treated.any():
        pos = np.searchsorted(periods, cohort[treated])
        pos_c = np.minimum(pos, periods.size - 1)
        found = periods[pos_c] == cohort[treated]
        if not found.all():
            bad = np.unique(cohort[treated][~found])
            shown = ", ".join(f"{v:g}" for v in bad[:5]) + (" ..." if bad.size > 5 else "")
            raise ValueError(
                f"cohort column '{cohort_name}' has first-treated periods that are never "
                f"observed in time column '{time_name}': {shown}. A cohort must be one of the "
                f"observed periods ({', '.join(f'{p:g}' for p in periods[:8])}"
                f"{' ...' if periods.size > 8 else ''}); code units first treated after the "
                "last period as 0 (never treated) if that is what they are"
            )
        idx[treated] = pos
    return idx


def constant_within(
    values: np.ndarray, unit_codes: np.ndarray, n_units: int
) -> tuple[bool, np.ndarray]:
    """Tell whether ``values`` is constant within each unit; return one value per unit."""
    per_unit = np.empty(n_units, dtype=values.dtype)
    per_unit[unit_codes] = values
    return bool(np.array_equal(per_unit[unit_codes], values, equal_nan=True)), per_unit


def dense_codes(codes: np.ndarray) -> tuple[np.ndarray, int]:
    """Renumber integer codes 0..k-1 in sorted order; return them and ``k``."""
    uniq, dense = np.unique(codes, return_inverse=True)
    return dense.astype(np.intp), int(uniq.size)
