"""The estimation sample of the staggered-adoption DiD estimators, built once.

:func:`estimation_sample` is the one sample builder of
:func:`wellby.estimators.event_study.fit_event_study` and
:func:`wellby.estimators.callaway_santanna.fit_callaway_santanna`: it reads the outcome,
period, cohort, covariate, weight, unit and cluster columns, drops the rows that cannot be
used (a missing value, a zero weight and, on request, singletons), codes units, periods,
cohorts and clusters as integers and checks that the cohort is constant within a unit. It
returns an :class:`EstimationSample` of numpy arrays, one entry per kept row, so that both
estimators read the data the same way. The pieces it is made of (codes, the never-treated
flag, cohort positions, the within-unit check and the duplicate (unit, period) check) are
public here too. (The checks of the columns' presence and roles are
:func:`wellby.estimators.validation.check_did_columns`.)

Everything runs in linear time: codes are renumbered with :func:`numpy.bincount`, not
sorted, so that a sample of millions of rows costs a few passes over its columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from wellby.estimators.fixed_effects import compress_codes, singleton_mask
from wellby.estimators.validation import numeric_column

__all__ = [
    "EstimationSample",
    "cohort_index",
    "constant_within",
    "dense_codes",
    "duplicated_pairs",
    "estimation_sample",
    "factor_codes",
    "n_distinct",
    "never_treated",
    "sorted_unique",
]

_NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five")


def _in_words(k: int) -> str:
    """Spell a small count (``2`` -> ``"two"``), as the error messages do."""
    return _NUMBER_WORDS[k] if 0 <= k < len(_NUMBER_WORDS) else str(k)


# --------------------------------------------------------------------------- pieces


def factor_codes(data: pd.DataFrame, col: str) -> np.ndarray:
    """Integer codes of a column (any dtype); -1 for missing.

    Parameters
    ----------
    data : pandas.DataFrame
        The data.
    col : str
        The column.

    Returns
    -------
    numpy.ndarray
        ``intp`` codes, one per row: equal values share a code. Codes need not be dense
        (:func:`dense_codes` renumbers them).

    Notes
    -----
    A numpy integer column whose values span at most a few times its length (respondent
    and area numbers) is coded as value minus minimum, which costs one pass instead of a
    hash table; any other column is factorised, in order of first appearance.
    """
    column = data[col]
    if isinstance(column.dtype, np.dtype) and column.dtype.kind in "iu" and len(column):
        values = column.to_numpy()
        low, high = int(values.min()), int(values.max())
        if high - low <= 4 * values.size + 1024:
            return (values - low).astype(np.intp, copy=False)
    return pd.factorize(column, use_na_sentinel=True)[0].astype(np.intp)


def never_treated(cohort: np.ndarray, name: str) -> np.ndarray:
    """Flag never-treated rows (cohort 0 or missing); reject negative cohorts.

    Parameters
    ----------
    cohort : numpy.ndarray
        First treated period per row (float, NaN for missing).
    name : str
        The cohort column, for the error message.

    Returns
    -------
    numpy.ndarray
        ``True`` for never-treated rows.

    Raises
    ------
    ValueError
        For a negative cohort.
    """
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
    """Map cohorts to positions in ``periods`` (-1 for never treated); reject unobserved ones.

    Parameters
    ----------
    cohort : numpy.ndarray
        First treated period per row.
    never : numpy.ndarray
        Never-treated flag per row (see :func:`never_treated`).
    periods : numpy.ndarray
        Sorted observed periods.
    cohort_name, time_name : str
        The cohort and period columns, for the error message.

    Returns
    -------
    numpy.ndarray
        ``intp`` position of each row's cohort in ``periods``, -1 for never treated.

    Raises
    ------
    ValueError
        For a cohort that is not one of ``periods``.
    """
    treated = ~never
    pos = np.searchsorted(periods, cohort)
    np.minimum(pos, periods.size - 1, out=pos)
    missed = treated & (periods[pos] != cohort)
    if missed.any():
        bad = np.unique(cohort[missed])
        shown = ", ".join(f"{v:g}" for v in bad[:5]) + (" ..." if bad.size > 5 else "")
        raise ValueError(
            f"cohort column '{cohort_name}' has first-treated periods that are never "
            f"observed in time column '{time_name}': {shown}. A cohort must be one of the "
            f"observed periods ({', '.join(f'{p:g}' for p in periods[:8])}"
            f"{' ...' if periods.size > 8 else ''}); code units first treated after the "
            "last period as 0 (never treated) if that is what they are"
        )
    pos[never] = -1
    return pos.astype(np.intp, copy=False)


def constant_within(
    values: np.ndarray, unit_codes: np.ndarray, n_units: int
) -> tuple[bool, np.ndarray]:
    """Tell whether ``values`` is constant within each unit; return one value per unit.

    Parameters
    ----------
    values : numpy.ndarray
        One value per row.
    unit_codes : numpy.ndarray
        Dense unit codes ``0 .. n_units-1`` per row.
    n_units : int
        Number of units.

    Returns
    -------
    same : bool
        Whether every unit has a single value (NaN equal to NaN).
    per_unit : numpy.ndarray
        One value per unit (its last row's).
    """
    per_unit = np.empty(n_units, dtype=values.dtype)
    per_unit[unit_codes] = values
    return bool(np.array_equal(per_unit[unit_codes], values, equal_nan=True)), per_unit


def dense_codes(codes: np.ndarray) -> tuple[np.ndarray, int]:
    """Renumber integer codes 0..k-1 in sorted order; return them and ``k``.

    Parameters
    ----------
    codes : numpy.ndarray
        Integer codes.

    Returns
    -------
    dense : numpy.ndarray
        ``intp`` codes ``0 .. k-1``, in the order of the original codes.
    k : int
        Number of distinct codes.

    Notes
    -----
    Non-negative codes (such as :func:`factor_codes` of the kept rows) are renumbered in
    linear time by :func:`wellby.estimators.fixed_effects.compress_codes`; the result is
    that of ``numpy.unique(codes, return_inverse=True)`` without its sort.
    """
    codes = np.asarray(codes)
    if codes.size and codes.min() >= 0:
        return compress_codes(codes)
    uniq, dense = np.unique(codes, return_inverse=True)
    return dense.astype(np.intp), int(uniq.size)


def n_distinct(codes: np.ndarray) -> int:
    """Count the distinct values of non-negative integer codes in linear time.

    Parameters
    ----------
    codes : numpy.ndarray
        Non-negative integer codes.

    Returns
    -------
    int
        ``numpy.unique(codes).size``.
    """
    return int(np.count_nonzero(np.bincount(codes))) if codes.size else 0


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """Return the sorted distinct values of a float array without NaN (hashed, not sorted).

    Parameters
    ----------
    values : numpy.ndarray
        Float values, none missing.

    Returns
    -------
    numpy.ndarray
        ``numpy.unique(values)``: the few distinct values are sorted, not the rows.
    """
    return np.sort(pd.unique(values))


def duplicated_pairs(
    unit_codes: np.ndarray, period_codes: np.ndarray, n_periods: int
) -> np.ndarray:
    """Flag the rows whose (unit, period) pair occurs more than once.

    Parameters
    ----------
    unit_codes : numpy.ndarray
        Non-negative unit codes per row.
    period_codes : numpy.ndarray
        Period codes ``0 .. n_periods-1`` per row.
    n_periods : int
        Number of periods.

    Returns
    -------
    numpy.ndarray
        ``True`` for every row of a duplicated pair (all its rows, as pandas'
        ``duplicated(keep=False)``).

    Notes
    -----
    The pair is one int64 key, ``unit * n_periods + period``. Its rows are counted with
    :func:`numpy.bincount` when the key space is at most a few times the rows (a panel:
    units x periods), else the keys are sorted: linear time either way in practice.
    """
    if unit_codes.size == 0:
        return np.zeros(0, dtype=bool)
    key = unit_codes.astype(np.int64) * int(n_periods) + period_codes
    n_keys = int(key.max()) + 1
    if n_keys <= 4 * key.size + 1024:
        return np.bincount(key, minlength=n_keys)[key] > 1
    order = np.argsort(key, kind="stable")
    ordered = key[order]
    same_next = ordered[1:] == ordered[:-1]
    dup_sorted = np.zeros(key.size, dtype=bool)
    dup_sorted[1:] |= same_next
    dup_sorted[:-1] |= same_next
    dup = np.empty(key.size, dtype=bool)
    dup[order] = dup_sorted
    return dup


# --------------------------------------------------------------------------- the builder


@dataclass(frozen=True)
class EstimationSample:
    """The rows an estimator uses, coded as integers (one entry per kept row).

    Attributes
    ----------
    keep : numpy.ndarray
        ``True`` for the rows of ``data`` in the sample (length ``len(data)``).
    y : numpy.ndarray
        Outcome.
    periods : numpy.ndarray
        Sorted distinct periods of the sample.
    period : numpy.ndarray
        Position of each row's period in ``periods`` (``0 .. n_periods-1``).
    unit : numpy.ndarray
        Dense unit codes ``0 .. n_units-1`` (see :func:`factor_codes` for their order).
    n_units : int
        Units in the sample.
    cluster : numpy.ndarray
        Dense cluster codes ``0 .. n_clusters-1`` (the unit codes without a cluster
        column).
    n_clusters : int
        Clusters in the sample.
    weights : numpy.ndarray
        Weights (ones without a weights column).
    x : numpy.ndarray
        Covariates, ``(n_obs, n_covariates)``.
    cohort : numpy.ndarray or None
        Position of each row's cohort in ``periods``, -1 for never treated (``None``
        without a cohort column).
    never : numpy.ndarray or None
        ``True`` for never-treated rows (``None`` without a cohort column).
    n_dropped_missing : int
        Rows dropped for a missing value or a zero weight.
    n_dropped_singletons : int
        Rows dropped as singletons of the unit or period.
    """

    keep: np.ndarray
    y: np.ndarray
    periods: np.ndarray
    period: np.ndarray
    unit: np.ndarray
    n_units: int
    cluster: np.ndarray
    n_clusters: int
    weights: np.ndarray
    x: np.ndarray
    cohort: np.ndarray | None
    never: np.ndarray | None
    n_dropped_missing: int
    n_dropped_singletons: int

    @property
    def n_obs(self) -> int:
        """Rows in the sample."""
        return int(self.y.size)


def _usable_rows(
    columns: dict[str, np.ndarray], unit_codes: np.ndarray, cluster_codes: np.ndarray
) -> np.ndarray:
    """Flag rows with every numeric column present, a positive weight, a unit and a cluster."""
    keep = (unit_codes >= 0) & (cluster_codes >= 0)
    for name, values in columns.items():
        keep &= ~np.isnan(values)
        if name == "weights":
            keep &= values > 0
    return keep


def _drop_singletons(keep: np.ndarray, unit_codes: np.ndarray, t: np.ndarray) -> int:
    """Drop (in ``keep``) the rows alone in their unit or period, as ``fit_ols`` would."""
    units, _ = dense_codes(unit_codes[keep])
    single = singleton_mask([units, pd.factorize(t[keep])[0]])
    n_single = int(single.sum())
    if n_single:
        keep[np.flatnonzero(keep)[single]] = False
    if not keep.any():
        raise ValueError("no observations left after dropping singletons")
    return n_single


def _read_columns(
    data: pd.DataFrame, outcome: str, period: str, cohort: str | None,
    covariates: Sequence[str], weights: str | None,
) -> tuple[dict[str, np.ndarray], np.ndarray | None, np.ndarray | None]:
    """Read the numeric columns: outcome, period, covariates, weights; cohort and its flag."""
    cols = {
        "y": numeric_column(data, outcome, "outcome"),
        "t": numeric_column(data, period, "time"),
    }
    g = never = None
    if cohort is not None:
        g = numeric_column(data, cohort, "cohort")
        never = never_treated(g, cohort)
    for j, c in enumerate(covariates):
        cols[f"x{j}"] = numeric_column(data, c, "covariate")
    if weights:
        w = numeric_column(data, weights, "weights")
        if (w < 0).any():
            raise ValueError(f"weights column '{weights}' has negative values")
        cols["weights"] = w
    return cols, g, never


def estimation_sample(
    data: pd.DataFrame,
    outcome: str,
    unit: str,
    period: str,
    cohort: str | None = None,
    *,
    cluster: str | None = None,
    weights: str | None = None,
    covariates: Sequence[str] = (),
    drop_singletons: bool = False,
    min_periods: int = 1,
) -> EstimationSample:
    """Select and code the rows of a DiD estimation sample.

    Parameters
    ----------
    data : pandas.DataFrame
        Long data.
    outcome : str
        Numeric outcome.
    unit : str
        Unit identifier (any dtype).
    period : str
        Numeric period.
    cohort : str, optional
        First treated period (0 or missing = never treated), one of the observed periods
        and constant within a unit.
    cluster : str, optional
        Cluster identifier (any dtype); default: the unit.
    weights : str, optional
        Non-negative weights; zero-weight rows are dropped.
    covariates : sequence of str, default ()
        Numeric covariates.
    drop_singletons : bool, default False
        Also drop rows alone in their unit or period (repeatedly, as
        :func:`wellby.estimators.ols.fit_ols` does), before the periods are read.
    min_periods : int, default 1
        Fewest distinct periods the sample may have.

    Returns
    -------
    EstimationSample

    Raises
    ------
    ValueError
        In this order: a non-numeric or infinite outcome or period, a non-numeric,
        infinite or negative cohort, a non-numeric or infinite covariate or weight,
        negative weights, no row left (after dropping missing values, then singletons),
        fewer than ``min_periods`` periods, a cohort that is not an observed period, a
        cohort that varies within a unit.

    Notes
    -----
    A row is dropped when its outcome, period, a covariate, its weight, unit or cluster is
    missing or its weight is zero; its cohort may be missing (never treated). The codes
    of units and clusters are those of :func:`factor_codes`, made dense.
    """
    cols, g, never_all = _read_columns(data, outcome, period, cohort, covariates, weights)
    u_codes = factor_codes(data, unit)
    cl_codes = factor_codes(data, cluster) if cluster else u_codes
    keep = _usable_rows(cols, u_codes, cl_codes)
    n_missing = int(len(data) - keep.sum())
    if not keep.any():
        raise ValueError("no observations left after dropping rows with missing values")
    t = cols["t"]
    n_single = _drop_singletons(keep, u_codes, t) if drop_singletons else 0

    tk = t[keep]
    periods = sorted_unique(tk)
    if periods.size < min_periods:
        raise ValueError(
            f"time column '{period}' has fewer than {_in_words(min_periods)} periods with data"
        )
    gi = never = None
    if cohort is not None:
        never = never_all[keep]
        gi = cohort_index(g[keep], never, periods, cohort, period)
    units, n_units = dense_codes(u_codes[keep])
    if gi is not None and not constant_within(gi, units, n_units)[0]:
        raise ValueError(
            f"cohort column '{cohort}' varies within units of '{unit}'; the first treated "
            "period must be constant within a unit"
        )
    clusters, n_clusters = dense_codes(cl_codes[keep])
    xs = [cols[f"x{j}"][keep] for j in range(len(covariates))]
    return EstimationSample(
        keep=keep,
        y=cols["y"][keep],
        periods=periods,
        period=np.searchsorted(periods, tk),
        unit=units,
        n_units=n_units,
        cluster=clusters,
        n_clusters=n_clusters,
        weights=cols["weights"][keep] if weights else np.ones(tk.size),
        x=np.column_stack(xs) if xs else np.empty((tk.size, 0)),
        cohort=gi,
        never=never,
        n_dropped_missing=n_missing,
        n_dropped_singletons=n_single,
    )
