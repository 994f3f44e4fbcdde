"""The estimation sample of Callaway-Sant'Anna, prepared as R did's ``pre_process_did``.

:func:`prepare` reads the outcome, period, cohort, covariates, weights, unit and cluster
columns; drops rows with a missing value (or a zero weight); checks that cohorts are
observed periods and constant within units; drops the cohorts without a base period and,
without never-treated units, the periods from the last cohort's start on; balances a
panel on request; and returns a :class:`PreparedData`: periods and cohorts as indices,
outcomes (wide for a panel), weights normalised to mean 1 and dense cluster codes.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from wellby.estimators._sample import (
    cohort_index,
    constant_within,
    dense_codes,
    factor_codes,
    never_treated,
)
from wellby.estimators.validation import numeric_column

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
    """Check the data and build the estimation sample (R did's ``pre_process_did``)."""
    y = numeric_column(data, outcome, "outcome")
    t = numeric_column(data, time, "time")
    g = numeric_column(data, cohort, "cohort")
    never_all = never_treated(g, cohort)
    xs = [numeric_column(data, c, "covariate") for c in covariates]
    keep = ~np.isnan(y) & ~np.isnan(t)
    for x in xs:
        keep &= ~np.isnan(x)
    w = np.ones(len(data))
    if weights:
        w = numeric_column(data, weights, "weights")
        if (w < 0).any():
            raise ValueError(f"weights column '{weights}' has negative values")
        keep &= ~np.isnan(w) & (w > 0)
    u_codes = factor_codes(data, unit)
    keep &= u_codes >= 0
    cl_codes = factor_codes(data, cluster) if cluster else u_codes
    keep &= cl_codes >= 0
    n_missing = int(len(data) - keep.sum())
    if not keep.any():
        raise ValueError("no observations left after dropping rows with missing values")

    tk = t[keep]
    periods = np.unique(tk)
    if periods.size < 2:
        raise ValueError(f"time column '{time}' has fewer than two periods with data")
    gi = cohort_index(g[keep], never_all[keep], periods, cohort, time)
    ti = np.searchsorted(periods, tk)
    uk, n_units = dense_codes(u_codes[keep])
    same, gi_unit = constant_within(gi, uk, n_units)
    if not same:
        raise ValueError(
            f"cohort column '{cohort}' varies within units of '{unit}'; the first treated "
            "period must be constant within a unit"
        )
    clk, _ = dense_codes(cl_codes[keep])
    wk = w[keep]
    xk = np.column_stack([x[keep] for x in xs]) if xs else np.empty((tk.size, 0))
    yk = y[keep]

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
    sel = ~too_early
    has_never = bool(np.any(gi[sel] < 0))
    last_period = periods.size - 1
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
    groups = np.unique(gi[sel & (gi >= 0)])
    if not has_never:
        groups = groups[groups < latest]
    if groups.size == 0:
        raise ValueError(
            f"cohort column '{cohort}' leaves no cohort with both a pre-treatment period and "
            "a period to estimate (all units never treated, or treated from the first period)"
        )
    notes = []
    n_dropped_units = 0
    if design == "panel":
        if balanced_panel:
            counts = np.bincount(uk[sel], minlength=n_units)
            n_t = last_period + 1
            full = counts == n_t
            n_dropped_units = int(np.count_nonzero((counts > 0) & ~full))
            sel &= full[uk]
            if n_dropped_units:
                notes.append(f"{n_dropped_units:,} units not observed in every period dropped")
        uk2, n = dense_codes(uk[sel])
        tsel = ti[sel]
        pair = uk2 * periods.size + tsel
        if np.unique(pair).size != pair.size:
            raise ValueError(
                f"unit column '{unit}' has more than one row in some period of '{time}'; a "
                "panel needs one row per unit and period (for different respondents each wave "
                "use design='repeated_cross_section')"
            )
        for name, values in (("weights", wk), ("cluster", clk)):
            ok, _ = constant_within(values[sel], uk2, n)
            if not ok:
                col = weights if name == "weights" else cluster
                raise ValueError(
                    f"{name} column '{col}' varies within units of '{unit}'; in a panel it must "
                    "be constant within a unit"
                )
        y_wide = np.full((n, periods.size), np.nan)
        y_wide[uk2, tsel] = yk[sel]
        x_wide = np.full((n, periods.size, xk.shape[1]), np.nan)
        x_wide[uk2, tsel, :] = xk[sel]
        cohort_u = np.empty(n, dtype=np.intp)
        cohort_u[uk2] = gi[sel]
        w_u = np.empty(n)
        w_u[uk2] = wk[sel]
        cl_u = np.empty(n, dtype=np.intp)
        cl_u[uk2] = clk[sel]
        cl_u, n_cl = dense_codes(cl_u)
        return PreparedData(
            design=design,
            periods=periods,
            n=n,
            n_rows=int(sel.sum()),
            cohort=cohort_u,
            w=w_u / w_u.mean(),
            clusters=cl_u,
            n_clusters=n_cl,
            y_wide=y_wide,
            x_wide=x_wide,
            groups=tuple(int(v) for v in groups),
            dropped_cohorts=dropped,
            n_dropped_missing=n_missing,
            n_dropped_units=n_dropped_units,
            last_period=last_period,
            notes=notes,
        )
    cl_r, n_cl = dense_codes(clk[sel])
    w_r = wk[sel]
    return PreparedData(
        design=design,
        periods=periods,
        n=int(sel.sum()),
        n_rows=int(sel.sum()),
        cohort=gi[sel],
        w=w_r / w_r.mean(),
        clusters=cl_r,
        n_clusters=n_cl,
        y=yk[sel],
        t=ti[sel],
        x=xk[sel],
        groups=tuple(int(v) for v in groups),
        dropped_cohorts=dropped,
        n_dropped_missing=n_missing,
        last_period=last_period,
        notes=notes,
    )
