"""The estimation sample of Callaway-Sant'Anna, prepared as R did's ``pre_process_did``.

:func:`prepare` takes the rows from the estimators' one sample builder,
:func:`wellby.estimators._sample.estimation_sample` (rows with a missing value or a zero
weight dropped; cohorts checked to be observed periods, constant within units); drops the
cohorts without a base period and, without never-treated units, the periods from the last
cohort's start on; balances a panel on request; checks that a panel has one row per unit
and period; and returns a :class:`PreparedData`: periods and cohorts as indices,
outcomes (wide for a panel), weights normalised to mean 1 and dense cluster codes.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from wellby.estimators._sample import (
    EstimationSample,
    constant_within,
    dense_codes,
    duplicated_pairs,
    estimation_sample,
)

__all__ = ["CONTROL_GROUPS", "DESIGNS", "PreparedData", "prepare"]

DESIGNS: tuple[str, ...] = ("panel", "repeated_cross_section")
CONTROL_GROUPS: tuple[str, ...] = ("never_treated", "not_yet_treated")


# --------------------------------------------------------------------------- data


@dataclass
class PreparedData:
    """Estimation sample in index form (periods 0..T-1, cohorts -1 = never treated)."""

    design: str
    periods: np.ndarray  # sorted time values
    n: int  # units (panel) or rows (repeated cross-section)
    n_rows: int
    cohort: np.ndarray  # per unit / row: period index of first treatment, -1 never
    w: np.ndarray  # per unit / row weights, mean 1
    clusters: np.ndarray  # per unit / row dense cluster codes
    n_clusters: int
    # panel: (n, T) outcomes and (n, T, p) covariates with NaN where unobserved
    y_wide: np.ndarray | None = None
    x_wide: np.ndarray | None = None
    # repeated cross-section: per row outcome, period index and covariates
    y: np.ndarray | None = None
    t: np.ndarray | None = None
    x: np.ndarray | None = None
    groups: tuple[int, ...] = ()
    dropped_cohorts: tuple[float, ...] = ()
    n_dropped_missing: int = 0
    n_dropped_units: int = 0
    last_period: int = 0  # highest period index used for ATT(g, t)
    notes: list[str] = field(default_factory=list)


def prepare(
    data: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    cohort: str,
    *,
    design: str,
    control_group: str,
    cluster: str | None,
    weights: str | None,
    covariates: list[str],
    anticipation: int,
    balanced_panel: bool,
) -> PreparedData:
    """Check the data and build the estimation sample (R did's ``pre_process_did``).

    Parameters
    ----------
    data : pandas.DataFrame
        Long data.
    outcome, unit, time, cohort : str
        The outcome, unit, period and first-treated-period columns.
    design : {"panel", "repeated_cross_section"}
        The survey design.
    control_group : {"never_treated", "not_yet_treated"}
        The comparison units.
    cluster, weights : str or None
        Cluster and weights columns.
    covariates : list of str
        Covariates.
    anticipation : int
        Periods of anticipation.
    balanced_panel : bool
        Keep only the units observed in every period (panel).

    Returns
    -------
    PreparedData
    """
    sample = estimation_sample(
        data,
        outcome,
        unit,
        time,
        cohort,
        cluster=cluster,
        weights=weights,
        covariates=covariates,
        min_periods=2,
    )
    periods, gi = sample.periods, sample.cohort
    # cohorts without a base period (treated in the first period, or anticipation reaching
    # before it) are dropped, as R did does
    too_early = (gi >= 0) & (gi - anticipation <= 0)
    dropped = tuple(float(v) for v in np.unique(periods[gi[too_early]]))
    if dropped:
        warnings.warn(
            f"cohort(s) {', '.join(f'{v:g}' for v in dropped)} of '{cohort}' start in the first "
            f"period{' or within the anticipation window of it' if anticipation else ''}: "
            "there is no pre-treatment period to compare with, so their units are dropped",
            stacklevel=3,
        )
    sel, groups, last_period = _select_cells(
        sample, ~too_early, control_group, cohort, anticipation
    )
    common = {
        "design": design,
        "periods": periods,
        "groups": tuple(int(v) for v in groups),
        "dropped_cohorts": dropped,
        "n_dropped_missing": sample.n_dropped_missing,
        "last_period": last_period,
    }
    if design == "panel":
        return _panel(sample, sel, balanced_panel, (unit, time, cluster, weights), common)
    return _cross_sections(sample, sel, common)


def _select_cells(
    sample: EstimationSample, sel: np.ndarray, control_group: str, cohort: str,
    anticipation: int,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Restrict the rows and cohorts to the estimable ATT(g, t); return rows, cohorts, last t."""
    gi, ti = sample.cohort, sample.period
    has_never = bool(np.any(gi[sel] < 0))
    last_period = sample.periods.size - 1
    if not has_never:
        if control_group == "never_treated":
            raise ValueError(
                f"control_group='never_treated' needs never-treated units, but cohort column "
                f"'{cohort}' has no 0 or missing values; use control_group='not_yet_treated'"
            )
        # not yet treated without never-treated units: as R did, keep the periods before the
        # last cohort starts (less anticipation); the last cohort serves only as a control
        latest = int(gi[sel].max())
        last_period = latest - anticipation - 1
        sel &= ti <= last_period
    groups = np.flatnonzero(np.bincount(gi[sel & (gi >= 0)], minlength=sample.periods.size))
    if not has_never:
        groups = groups[groups < latest]
    if groups.size == 0:
        raise ValueError(
            f"cohort column '{cohort}' leaves no cohort with both a pre-treatment period and "
            "a period to estimate (all units never treated, or treated from the first period)"
        )
    return sel, groups, last_period


def _panel(
    sample: EstimationSample, sel: np.ndarray, balanced_panel: bool,
    names: tuple[str, str, str | None, str | None], common: dict,
) -> PreparedData:
    """Put a panel's rows in wide form, one row per unit; check units and periods."""
    unit, time, cluster, weights = names
    uk, ti, periods = sample.unit, sample.period, sample.periods
    notes = []
    n_dropped_units = 0
    if balanced_panel:
        counts = np.bincount(uk[sel], minlength=sample.n_units)
        full = counts == common["last_period"] + 1
        n_dropped_units = int(np.count_nonzero((counts > 0) & ~full))
        sel &= full[uk]
        if n_dropped_units:
            notes.append(f"{n_dropped_units:,} units not observed in every period dropped")
    uk2, n = dense_codes(uk[sel])
    tsel = ti[sel]
    if duplicated_pairs(uk2, tsel, periods.size).any():
        raise ValueError(
            f"unit column '{unit}' has more than one row in some period of '{time}'; a "
            "panel needs one row per unit and period (for different respondents each wave "
            "use design='repeated_cross_section')"
        )
    for name, col, values in (("weights", weights, sample.weights),
                              ("cluster", cluster, sample.cluster)):
        if col is not None and not constant_within(values[sel], uk2, n)[0]:
            raise ValueError(
                f"{name} column '{col}' varies within units of '{unit}'; in a panel it must "
                "be constant within a unit"
            )
    y_wide = np.full((n, periods.size), np.nan, order="F")  # read a period at a time
    y_wide[uk2, tsel] = sample.y[sel]
    x_wide = np.full((n, periods.size, sample.x.shape[1]), np.nan)
    x_wide[uk2, tsel, :] = sample.x[sel]
    cohort_u = np.empty(n, dtype=np.intp)
    cohort_u[uk2] = sample.cohort[sel]
    w_u = np.empty(n)
    w_u[uk2] = sample.weights[sel]
    cl_u = np.empty(n, dtype=np.intp)
    cl_u[uk2] = sample.cluster[sel]
    cl_u, n_cl = dense_codes(cl_u)
    return PreparedData(
        n=n,
        n_rows=int(sel.sum()),
        cohort=cohort_u,
        w=w_u / w_u.mean(),
        clusters=cl_u,
        n_clusters=n_cl,
        y_wide=y_wide,
        x_wide=x_wide,
        n_dropped_units=n_dropped_units,
        notes=notes,
        **common,
    )


def _cross_sections(sample: EstimationSample, sel: np.ndarray, common: dict) -> PreparedData:
    """Keep repeated cross-sections in long form, one entry per row."""
    cl_r, n_cl = dense_codes(sample.cluster[sel])
    w_r = sample.weights[sel]
    return PreparedData(
        n=int(sel.sum()),
        n_rows=int(sel.sum()),
        cohort=sample.cohort[sel],
        w=w_r / w_r.mean(),
        clusters=cl_r,
        n_clusters=n_cl,
        y=sample.y[sel],
        t=sample.period[sel],
        x=sample.x[sel],
        **common,
    )
