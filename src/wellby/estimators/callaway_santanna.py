"""Staggered-adoption difference-in-differences: Callaway and Sant'Anna (2021).

:func:`fit_callaway_santanna` estimates a group-time average treatment effect
``ATT(g, t)`` for every cohort ``g`` (units first treated in period ``g``) and period ``t``
from 2x2 comparisons of the cohort with a control group (never-treated or
not-yet-treated units), and aggregates them into an overall effect (``att_simple``), effects
by cohort (``att_group``), by time since the start (``att_dynamic``, an event study) and by
calendar period (``att_calendar``). Each 2x2 comparison is the doubly robust (``"dr"``),
inverse probability weighting (``"ipw"``) or outcome regression (``"reg"``) estimator of
Sant'Anna and Zhao (2020), for panels or repeated cross-sections.

Standard errors come from the estimators' influence functions, summed within clusters
(the unit by default), as R's ``did`` package computes them; a multiplier bootstrap over
the same cluster sums is available. The implementation follows ``did`` 2.x and ``DRDID``
1.x (Callaway and Sant'Anna; Sant'Anna and Zhao) formula for formula and is checked
against their published results on ``mpdta`` (see ``tests/results/README.md``). Every step
is vectorised with numpy: no Python loop runs over units, rows or clusters, only over the
handful of (cohort, period) cells.

Why not a library: the Python ports were compared on ``mpdta`` and on the demo study.
moderndid (the most faithful port) supports Python 3.11 only up to 0.2.0, pulls in polars,
crashes on unbalanced panels and on aggregating repeated cross-sections, and ignores a
cluster variable for analytic standard errors; csdid 0.4.3 depends on twine and plotnine
and its repeated cross-section doubly robust standard errors differ from R's with
covariates; differences 0.3.0 fails with pandas 3 when clustering; pyfixest offers TWFE,
``did2s`` and local projections but not Callaway-Sant'Anna. Where they work, the ports
agree with this module to 1e-12 (the frozen references come from them).

References
----------
Callaway, B. and Sant'Anna, P. H. C. (2021). Difference-in-differences with multiple time
periods. *Journal of Econometrics* 225(2), 200-230.

Sant'Anna, P. H. C. and Zhao, J. (2020). Doubly robust difference-in-differences
estimators. *Journal of Econometrics* 219(1), 101-122.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from wellby.estimators.event_study import (
    PretrendTest,
    _codes,
    _cohort_index,
    _constant_within,
    _dense,
    _event_plot,
    _never_treated,
    _wald,
)
from wellby.estimators.twfe import Coefficient
from wellby.estimators.validation import check_did_columns, check_frame, numeric_column

__all__ = [
    "BASE_PERIODS",
    "CONTROL_GROUPS",
    "CS_TIDY_COLUMNS",
    "DESIGNS",
    "METHODS",
    "CallawaySantAnnaResult",
    "fit_callaway_santanna",
]

DESIGNS: tuple[str, ...] = ("panel", "repeated_cross_section")
CONTROL_GROUPS: tuple[str, ...] = ("never_treated", "not_yet_treated")
METHODS: tuple[str, ...] = ("dr", "ipw", "reg")
BASE_PERIODS: tuple[str, ...] = ("varying", "universal")
BOOTSTRAP_WEIGHTS: tuple[str, ...] = ("mammen", "rademacher")

CS_TIDY_COLUMNS = [
    "outcome",
    "estimator",
    "term",
    "group",
    "period",
    "rel_time",
    "estimate",
    "std_error",
    "ci_low",
    "ci_high",
    "p_value",
    "n_obs",
    "n_clusters",
]

# DRDID's propensity-score safeguards: fitted values capped at 1 - 1e-6, and control
# observations with a fitted value of at least TRIM_LEVEL dropped from the comparison.
_PS_CAP = 1 - 1e-6
_TRIM_LEVEL = 0.995
# R did sets standard errors below this to NA (degenerate influence functions).
_SE_FLOOR = math.sqrt(np.finfo(float).eps) * 10
# Bootstrap draws are generated this many at a time (bounds memory with many clusters).
_BOOT_CHUNK = 2_000_000


# --------------------------------------------------------------------------- 2x2 estimators


def _singular(mat: np.ndarray) -> bool:
    """Tell whether a Gram matrix is (numerically) singular, whatever the columns' scales."""
    diag = np.diag(mat)
    if np.any(diag <= 0):
        return True
    scale = np.sqrt(diag)
    return bool(np.linalg.cond(mat / np.outer(scale, scale)) > 1e10)


def _wls(x: np.ndarray, y: np.ndarray, w: np.ndarray, what: str) -> tuple[np.ndarray, np.ndarray]:
    """Weighted least squares; return coefficients and ``X'WX``."""
    xw = x * w[:, None]
    xtx = xw.T @ x
    if _singular(xtx):
        raise ValueError(
            f"the outcome regression for {what} is singular: a covariate has no variation "
            "there or the covariates are collinear"
        )
    return np.linalg.solve(xtx, xw.T @ y), xtx


def _logit(x: np.ndarray, d: np.ndarray, w: np.ndarray, what: str) -> tuple[np.ndarray, np.ndarray]:
    """Weighted logistic regression by Newton-Raphson; return fitted values and information."""
    k = x.shape[1]
    beta = np.zeros(k)
    share = float(np.sum(w * d) / np.sum(w))
    beta[0] = math.log(share / (1 - share))  # first column is the intercept
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-(x @ beta)))
        info = (x * (w * p * (1 - p))[:, None]).T @ x
        grad = x.T @ (w * (d - p))
        if _singular(info):
            raise ValueError(
                f"the propensity-score model for {what} is singular: the covariates are "
                "collinear, a covariate has no variation, or they predict treatment perfectly"
            )
        step = np.linalg.solve(info, grad)
        beta = beta + step
        if np.max(np.abs(step)) < 1e-10 * (1 + np.max(np.abs(beta))):
            break
    else:
        raise ValueError(
            f"the propensity-score model for {what} did not converge (perfect prediction of "
            "treatment by the covariates?)"
        )
    p = 1.0 / (1.0 + np.exp(-(x @ beta)))
    info = (x * (w * p * (1 - p))[:, None]).T @ x
    return p, info


def _pscore(x, d, w, what):
    """Capped propensity score, trimming indicator and its linear representation."""
    n = d.size
    p, info = _logit(x, d, w, what)
    p = np.minimum(p, _PS_CAP)
    trim = np.ones(n, dtype=bool)
    trim[d == 0] = p[d == 0] < _TRIM_LEVEL
    # R: asy.lin.rep.ps = score.ps %*% (vcov(glm) * n)
    alr_ps = (x * (w * (d - p))[:, None]) @ (np.linalg.inv(info) * n)
    return p, trim.astype(float), alr_ps


def _ols_alr(x, resid, wsel, xtx):
    """Asymptotic linear representation of a weighted OLS fit (R's asy.lin.rep.ols)."""
    n = resid.size
    return (x * (wsel * resid)[:, None]) @ np.linalg.inv(xtx / n)


def _panel_2x2(method: str, dy, d, x, w, what: str) -> tuple[float, np.ndarray]:
    """ATT and influence function of a panel 2x2 comparison (DRDID's panel estimators)."""
    w = w / w.mean()
    ctrl = d == 0
    if method == "reg":  # reg_did_panel
        beta, xtx = _wls(x[ctrl], dy[ctrl], w[ctrl], what)
        out = x @ beta
        w_treat = w * d
        att_treat = w_treat * dy
        att_cont = w_treat * out
        eta_treat = att_treat.mean() / w_treat.mean()
        eta_cont = att_cont.mean() / w_treat.mean()
        alr_ols = _ols_alr(x, dy - out, w * (1 - d), xtx)
        inf_treat = (att_treat - w_treat * eta_treat) / w_treat.mean()
        m1 = (w_treat[:, None] * x).mean(axis=0)
        inf_cont = (att_cont - w_treat * eta_cont + alr_ols @ m1) / w_treat.mean()
        return eta_treat - eta_cont, inf_treat - inf_cont
    ps, trim, alr_ps = _pscore(x, d, w, what)
    w_treat = trim * w * d
    w_cont = trim * w * ps * (1 - d) / (1 - ps)
    if method == "ipw":  # std_ipw_did_panel
        att_treat = w_treat * dy
        att_cont = w_cont * dy
        eta_treat = att_treat.mean() / w_treat.mean()
        eta_cont = att_cont.mean() / w_cont.mean()
        inf_treat = (att_treat - w_treat * eta_treat) / w_treat.mean()
        m2 = (w_cont[:, None] * (dy - eta_cont)[:, None] * x).mean(axis=0)
        inf_cont = (att_cont - w_cont * eta_cont + alr_ps @ m2) / w_cont.mean()
        return eta_treat - eta_cont, inf_treat - inf_cont
    # dr: drdid_panel
    beta, xtx = _wls(x[ctrl], dy[ctrl], w[ctrl], what)
    out = x @ beta
    resid = dy - out
    att_treat = w_treat * resid
    att_cont = w_cont * resid
    eta_treat = att_treat.mean() / w_treat.mean()
    eta_cont = att_cont.mean() / w_cont.mean()
    alr_ols = _ols_alr(x, resid, w * (1 - d), xtx)
    m1 = (w_treat[:, None] * x).mean(axis=0)
    inf_treat = (att_treat - w_treat * eta_treat - alr_ols @ m1) / w_treat.mean()
    m2 = (w_cont[:, None] * (resid - eta_cont)[:, None] * x).mean(axis=0)
    m3 = (w_cont[:, None] * x).mean(axis=0)
    inf_cont = (att_cont - w_cont * eta_cont + alr_ps @ m2 - alr_ols @ m3) / w_cont.mean()
    return eta_treat - eta_cont, inf_treat - inf_cont


def _rcs_2x2(method: str, y, post, d, x, w, what: str) -> tuple[float, np.ndarray]:
    """ATT and influence function of a repeated cross-section 2x2 (DRDID's RCS estimators)."""
    w = w / w.mean()
    pre = 1.0 - post
    c_pre = (d == 0) & (post == 0)
    c_post = (d == 0) & (post == 1)

    def fit(sel, label):
        beta, xtx = _wls(x[sel], y[sel], w[sel], f"{what} ({label})")
        fitted = x @ beta
        alr = _ols_alr(x, y - fitted, w * sel, xtx)
        return fitted, alr

    if method == "reg":  # reg_did_rc
        out_pre, alr_pre = fit(c_pre, "controls, base period")
        out_post, alr_post = fit(c_post, "controls, current period")
        w_tpre = w * d * pre
        w_tpost = w * d * post
        w_c = w * d
        a_tpre = w_tpre * y
        a_tpost = w_tpost * y
        a_c = w_c * (out_post - out_pre)
        e_tpre = a_tpre.mean() / w_tpre.mean()
        e_tpost = a_tpost.mean() / w_tpost.mean()
        e_c = a_c.mean() / w_c.mean()
        inf_treat = (a_tpost - w_tpost * e_tpost) / w_tpost.mean() - (
            a_tpre - w_tpre * e_tpre
        ) / w_tpre.mean()
        m1 = (w_c[:, None] * x).mean(axis=0)
        inf_cont = (a_c - w_c * e_c + alr_post @ m1 - alr_pre @ m1) / w_c.mean()
        return (e_tpost - e_tpre) - e_c, inf_treat - inf_cont

    ps, trim, alr_ps = _pscore(x, d, w, what)
    odds = ps / (1 - ps)
    w_tpre = trim * w * d * pre
    w_tpost = trim * w * d * post
    w_cpre = trim * w * odds * (1 - d) * pre
    w_cpost = trim * w * odds * (1 - d) * post

    if method == "ipw":  # std_ipw_did_rc

        def part(wt):
            eta = wt * y / wt.mean()
            att = eta.mean()
            return att, eta - wt * att / wt.mean()

        a_tpre, i_tpre = part(w_tpre)
        a_tpost, i_tpost = part(w_tpost)
        a_cpre, i_cpre = part(w_cpre)
        a_cpost, i_cpost = part(w_cpost)
        m2_pre = (w_cpre[:, None] * (y - a_cpre)[:, None] * x).mean(axis=0) / w_cpre.mean()
        m2_post = (w_cpost[:, None] * (y - a_cpost)[:, None] * x).mean(axis=0) / w_cpost.mean()
        inf_cont = i_cpost - i_cpre + alr_ps @ (m2_post - m2_pre)
        att = (a_tpost - a_tpre) - (a_cpost - a_cpre)
        return att, (i_tpost - i_tpre) - inf_cont

    # dr: drdid_rc (locally efficient doubly robust)
    t_pre = (d == 1) & (post == 0)
    t_post = (d == 1) & (post == 1)
    out_cpre, alr_cpre = fit(c_pre, "controls, base period")
    out_cpost, alr_cpost = fit(c_post, "controls, current period")
    out_tpre, alr_tpre = fit(t_pre, "cohort, base period")
    out_tpost, alr_tpost = fit(t_post, "cohort, current period")
    out_c = post * out_cpost + pre * out_cpre
    w_d = trim * w * d
    w_dt1 = trim * w * d * post
    w_dt0 = trim * w * d * pre
    r = y - out_c

    def eta(wt, v):
        e = wt * v / wt.mean()
        return e, e.mean()

    e_tpre, a_tpre = eta(w_tpre, r)
    e_tpost, a_tpost = eta(w_tpost, r)
    e_cpre, a_cpre = eta(w_cpre, r)
    e_cpost, a_cpost = eta(w_cpost, r)
    e_dpost, a_dpost = eta(w_d, out_tpost - out_cpost)
    e_dt1, a_dt1 = eta(w_dt1, out_tpost - out_cpost)
    e_dpre, a_dpre = eta(w_d, out_tpre - out_cpre)
    e_dt0, a_dt0 = eta(w_dt0, out_tpre - out_cpre)
    att = (a_tpost - a_tpre) - (a_cpost - a_cpre) + (a_dpost - a_dt1) - (a_dpre - a_dt0)

    i_tpre = e_tpre - w_tpre * a_tpre / w_tpre.mean()
    i_tpost = e_tpost - w_tpost * a_tpost / w_tpost.mean()
    m1_post = -(w_tpost[:, None] * post[:, None] * x).mean(axis=0) / w_tpost.mean()
    m1_pre = -(w_tpre[:, None] * pre[:, None] * x).mean(axis=0) / w_tpre.mean()
    inf_treat = i_tpost - i_tpre + alr_cpost @ m1_post + alr_cpre @ m1_pre

    i_cpre = e_cpre - w_cpre * a_cpre / w_cpre.mean()
    i_cpost = e_cpost - w_cpost * a_cpost / w_cpost.mean()
    m2_pre = (w_cpre[:, None] * (r - a_cpre)[:, None] * x).mean(axis=0) / w_cpre.mean()
    m2_post = (w_cpost[:, None] * (r - a_cpost)[:, None] * x).mean(axis=0) / w_cpost.mean()
    m3_post = -(w_cpost[:, None] * post[:, None] * x).mean(axis=0) / w_cpost.mean()
    m3_pre = -(w_cpre[:, None] * pre[:, None] * x).mean(axis=0) / w_cpre.mean()
    inf_cont = (
        i_cpost - i_cpre + alr_ps @ (m2_post - m2_pre) + alr_cpost @ m3_post + alr_cpre @ m3_pre
    )
    inf_eff = (
        (e_dpost - w_d * a_dpost / w_d.mean())
        - (e_dt1 - w_dt1 * a_dt1 / w_dt1.mean())
        - ((e_dpre - w_d * a_dpre / w_d.mean()) - (e_dt0 - w_dt0 * a_dt0 / w_dt0.mean()))
    )
    mom_post = ((w_d / w_d.mean() - w_dt1 / w_dt1.mean())[:, None] * x).mean(axis=0)
    mom_pre = ((w_d / w_d.mean() - w_dt0 / w_dt0.mean())[:, None] * x).mean(axis=0)
    inf_or = (alr_tpost - alr_cpost) @ mom_post - (alr_tpre - alr_cpre) @ mom_pre
    return att, inf_treat - inf_cont + inf_eff + inf_or


# --------------------------------------------------------------------------- data


@dataclass
class _Data:
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


def _prepare(
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
) -> _Data:
    y = numeric_column(data, outcome, "outcome")
    t = numeric_column(data, time, "time")
    g = numeric_column(data, cohort, "cohort")
    never_all = _never_treated(g, cohort)
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
    u_codes = _codes(data, unit)
    keep &= u_codes >= 0
    cl_codes = _codes(data, cluster) if cluster else u_codes
    keep &= cl_codes >= 0
    n_missing = int(len(data) - keep.sum())
    if not keep.any():
        raise ValueError("no observations left after dropping rows with missing values")

    tk = t[keep]
    periods = np.unique(tk)
    if periods.size < 2:
        raise ValueError(f"time column '{time}' has fewer than two periods with data")
    gi = _cohort_index(g[keep], never_all[keep], periods, cohort, time)
    ti = np.searchsorted(periods, tk)
    uk, n_units = _dense(u_codes[keep])
    same, gi_unit = _constant_within(gi, uk, n_units)
    if not same:
        raise ValueError(
            f"cohort column '{cohort}' varies within units of '{unit}'; the first treated "
            "period must be constant within a unit"
        )
    clk, _ = _dense(cl_codes[keep])
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
        uk2, n = _dense(uk[sel])
        tsel = ti[sel]
        pair = uk2 * periods.size + tsel
        if np.unique(pair).size != pair.size:
            raise ValueError(
                f"unit column '{unit}' has more than one row in some period of '{time}'; a "
                "panel needs one row per unit and period (for different respondents each wave "
                "use design='repeated_cross_section')"
            )
        for name, values in (("weights", wk), ("cluster", clk)):
            ok, _ = _constant_within(values[sel], uk2, n)
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
        cl_u, n_cl = _dense(cl_u)
        return _Data(
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
    cl_r, n_cl = _dense(clk[sel])
    w_r = wk[sel]
    return _Data(
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


# --------------------------------------------------------------------------- ATT(g, t)


@dataclass
class _Cells:
    group: np.ndarray  # cohort period index
    period: np.ndarray  # current period index
    base: np.ndarray  # base period index
    att: np.ndarray
    inf: np.ndarray  # (n, K) influence functions, scaled as in R did
    n_obs: np.ndarray  # rows used by each 2x2


def _group_time(
    dat: _Data, method: str, control_group: str, base_period: str, anticipation: int
) -> _Cells:
    periods = dat.periods
    n = dat.n
    cols = []
    groups, curs, bases, atts, nobs = [], [], [], [], []
    first_cur = 1 if base_period == "varying" else 0
    for gi in dat.groups:
        for cur in range(first_cur, dat.last_period + 1):
            post = cur >= gi
            base = gi - anticipation - 1 if (post or base_period == "universal") else cur - 1
            groups.append(gi)
            curs.append(cur)
            bases.append(base)
            what = f"ATT(g={periods[gi]:g}, t={periods[cur]:g})"
            if base == cur:  # universal base period: the reference cell
                atts.append(0.0)
                cols.append(None)
                nobs.append(0)
                continue
            treat = dat.cohort == gi
            if control_group == "never_treated":
                ctrl = dat.cohort < 0
            else:
                ctrl = (dat.cohort < 0) | (
                    (dat.cohort > max(cur, base) + anticipation) & (dat.cohort != gi)
                )
            if dat.design == "panel":
                yc, yb = dat.y_wide[:, cur], dat.y_wide[:, base]
                ok = (treat | ctrl) & ~np.isnan(yc) & ~np.isnan(yb)
                xb = dat.x_wide[:, base, :]
                if xb.shape[1]:
                    ok &= ~np.isnan(xb).any(axis=1)
                idx = np.flatnonzero(ok)
                d = treat[idx].astype(float)
                n_t, n_c = int(d.sum()), int(idx.size - d.sum())
                if n_t == 0 or n_c == 0:
                    atts.append(np.nan)
                    cols.append(None)
                    nobs.append(0)
                    warnings.warn(
                        f"{what}: no {'units of the cohort' if n_t == 0 else 'control units'} "
                        "observed in both periods; not estimated",
                        stacklevel=4,
                    )
                    continue
                xmat = np.column_stack([np.ones(idx.size), xb[idx]])
                att, inf = _panel_2x2(method, yc[idx] - yb[idx], d, xmat, dat.w[idx], what)
                rows_used = 2 * idx.size
            else:
                ok = (treat | ctrl) & ((dat.t == cur) | (dat.t == base))
                idx = np.flatnonzero(ok)
                d = treat[idx].astype(float)
                pst = (dat.t[idx] == cur).astype(float)
                cells = [int(np.sum((d == a) & (pst == b))) for a in (0, 1) for b in (0, 1)]
                if min(cells) == 0:
                    atts.append(np.nan)
                    cols.append(None)
                    nobs.append(0)
                    warnings.warn(
                        f"{what}: the cohort or the control group has no observations "
                        "in one of the two periods; not estimated",
                        stacklevel=4,
                    )
                    continue
                xmat = np.column_stack([np.ones(idx.size), dat.x[idx]])
                att, inf = _rcs_2x2(method, dat.y[idx], pst, d, xmat, dat.w[idx], what)
                rows_used = idx.size
            col = np.zeros(n)
            col[idx] = (n / idx.size) * inf
            atts.append(float(att))
            cols.append(col)
            nobs.append(rows_used)
    k = len(atts)
    inf_mat = np.zeros((n, k))
    for j, c in enumerate(cols):
        if c is not None:
            inf_mat[:, j] = c
    return _Cells(
        group=np.array(groups, dtype=np.intp),
        period=np.array(curs, dtype=np.intp),
        base=np.array(bases, dtype=np.intp),
        att=np.array(atts),
        inf=inf_mat,
        n_obs=np.array(nobs, dtype=np.int64),
    )


# --------------------------------------------------------------------------- aggregation


def _wif(cohort: np.ndarray, w: np.ndarray, groups_k: np.ndarray, pg_k: np.ndarray) -> np.ndarray:
    """Influence function of the estimated aggregation weights (R did's ``wif``)."""
    ind = w[:, None] * (cohort[:, None] == groups_k[None, :]) - pg_k[None, :]
    s = pg_k.sum()
    return ind / s - ind.sum(axis=1, keepdims=True) * (pg_k / s**2)[None, :]


@dataclass
class _Agg:
    """Estimates (M,) with influence functions (n, M) and labels."""

    est: list[float] = field(default_factory=list)
    inf: list[np.ndarray] = field(default_factory=list)
    term: list[str] = field(default_factory=list)
    group: list[float] = field(default_factory=list)
    period: list[float] = field(default_factory=list)
    rel: list[float] = field(default_factory=list)
    n_obs: list[int] = field(default_factory=list)

    def add(self, term, est, inf, group=np.nan, period=np.nan, rel=np.nan, n_obs=0):
        self.term.append(term)
        self.est.append(float(est))
        self.inf.append(inf)
        self.group.append(group)
        self.period.append(period)
        self.rel.append(rel)
        self.n_obs.append(int(n_obs))


def _event_window(
    e_all: np.ndarray,
    group: np.ndarray,
    period: np.ndarray,
    ok: np.ndarray,
    min_e: int | None,
    max_e: int | None,
    balance_e: int | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Event times and cells of the dynamic aggregation (R did's ``aggte(type="dynamic")``).

    Parameters
    ----------
    e_all, group, period : ndarray
        Event time, cohort and period (period indices) of every ATT(g, t) cell.
    ok : ndarray of bool
        Cells with an estimate.
    min_e, max_e : int or None
        Event times below ``min_e`` or above ``max_e`` are dropped.
    balance_e : int or None
        Keep only the cohorts observed at least ``balance_e`` periods after their start
        (the last period being the latest of an estimated cell), and the event times up to
        ``balance_e``.

    Returns
    -------
    eseq : ndarray
        Sorted event times to report.
    include : ndarray of bool
        Cells that may enter an event time's average.

    Raises
    ------
    ValueError
        If no event time is left.

    """
    include = ok.copy()
    eseq = np.unique(e_all[ok])
    if balance_e is not None:
        # R: include.balanced.gt <- (t2orig(maxT) - originalgroup >= balance_e), maxT the
        # latest period among the ATT(g, t). R's further bound eseq >= balance_e - maxT +
        # t2orig(1) never binds: a kept cohort g <= last - balance_e has e >= -g.
        last = int(period[ok].max())
        include &= (last - group) >= balance_e
        eseq = np.unique(e_all[include])
        eseq = eseq[eseq <= balance_e]
    if min_e is not None:
        eseq = eseq[eseq >= min_e]
    if max_e is not None:
        eseq = eseq[eseq <= max_e]
    if eseq.size == 0:
        raise ValueError(
            "no event time of the dynamic aggregation falls within the requested window "
            f"(dynamic_min_e={min_e}, dynamic_max_e={max_e}, dynamic_balance_e={balance_e}); "
            "widen it so that at least one event time is included"
        )
    return eseq, include


def _aggregate(
    dat: _Data,
    cells: _Cells,
    min_e: int | None = None,
    max_e: int | None = None,
    balance_e: int | None = None,
) -> _Agg:
    """Group-time ATTs and their four aggregations (R did's ``compute.aggte``).

    ``min_e``, ``max_e`` and ``balance_e`` restrict the dynamic aggregation only, as R did's
    arguments of the same names with ``type = "dynamic"``.
    """
    periods = dat.periods
    agg = _Agg()
    ok = ~np.isnan(cells.att)
    for j in range(cells.att.size):
        agg.add(
            "att_gt",
            cells.att[j],
            cells.inf[:, j],
            group=periods[cells.group[j]],
            period=periods[cells.period[j]],
            rel=float(cells.period[j] - cells.group[j]),
            n_obs=cells.n_obs[j],
        )
    groups = np.array(dat.groups, dtype=np.intp)
    pg_group = np.array([np.mean(dat.w * (dat.cohort == g)) for g in groups])
    pg = pg_group[np.searchsorted(groups, cells.group)]
    att, inf = cells.att, cells.inf
    post = (cells.period >= cells.group) & ok

    def combine(which: np.ndarray, with_wif: bool) -> tuple[float, np.ndarray]:
        wts = pg[which] / pg[which].sum()
        est = float(wts @ att[which])
        col = inf[:, which] @ wts
        if with_wif:
            col = col + _wif(dat.cohort, dat.w, cells.group[which], pg[which]) @ att[which]
        return est, col

    n_rows = dat.n_rows
    if not post.any():
        raise ValueError("no post-treatment group-time effect could be estimated")
    # simple: weighted by cohort size over all post-treatment cells
    est, col = combine(np.flatnonzero(post), True)
    agg.add("att_simple", est, col, n_obs=n_rows)
    # group: per cohort, the average over its post-treatment periods; then by cohort size
    g_est, g_inf, g_keep = [], [], []
    for gi, pgv in zip(groups, pg_group, strict=True):
        which = np.flatnonzero(post & (cells.group == gi))
        if which.size == 0:
            continue
        est, col = combine(which, False)
        agg.add("att_g", est, col, group=periods[gi], n_obs=n_rows)
        g_est.append(est)
        g_inf.append(col)
        g_keep.append((gi, pgv))
    gk = np.array([k[0] for k in g_keep], dtype=np.intp)
    pgk = np.array([k[1] for k in g_keep])
    wts = pgk / pgk.sum()
    col = np.column_stack(g_inf) @ wts + _wif(dat.cohort, dat.w, gk, pgk) @ np.array(g_est)
    agg.add("att_group", float(wts @ np.array(g_est)), col, n_obs=n_rows)
    # dynamic: by time since the start (within the window; balanced cohorts only with
    # balance_e), then the average over the event times e >= 0 of the window
    e_all = cells.period - cells.group
    eseq, include = _event_window(e_all, cells.group, cells.period, ok, min_e, max_e, balance_e)
    e_est, e_inf = [], []
    for e in eseq:
        which = np.flatnonzero(include & (e_all == e))
        est, col = combine(which, True)
        agg.add("att_e", est, col, rel=float(e), n_obs=n_rows)
        if e >= 0:
            e_est.append(est)
            e_inf.append(col)
    if e_est:
        agg.add(
            "att_dynamic", float(np.mean(e_est)), np.column_stack(e_inf).mean(axis=1), n_obs=n_rows
        )
    else:  # R did: mean over no event time is NaN, and its standard error NA
        dat.notes.append(
            "no event time >= 0 in the dynamic aggregation's window: att_dynamic is not "
            "estimated"
        )
        agg.add("att_dynamic", np.nan, np.zeros(dat.n), n_obs=n_rows)
    # calendar: by period (post-treatment cells), then the average over periods
    c_est, c_inf = [], []
    for ti in np.unique(cells.period[post]):
        which = np.flatnonzero(post & (cells.period == ti))
        est, col = combine(which, True)
        agg.add("att_t", est, col, period=periods[ti], n_obs=n_rows)
        c_est.append(est)
        c_inf.append(col)
    agg.add(
        "att_calendar", float(np.mean(c_est)), np.column_stack(c_inf).mean(axis=1), n_obs=n_rows
    )
    return agg


def _cluster_sums(inf: np.ndarray, clusters: np.ndarray, n_clusters: int) -> np.ndarray:
    """Sum the rows of ``inf`` (n, M) within clusters: (G, M)."""
    out = np.zeros((n_clusters, inf.shape[1]))
    for j in range(inf.shape[1]):
        out[:, j] = np.bincount(clusters, weights=inf[:, j], minlength=n_clusters)
    return out


def _draw_weights(rng: np.random.Generator, kind: str, shape: tuple[int, int]) -> np.ndarray:
    if kind == "rademacher":
        return rng.integers(0, 2, size=shape) * 2.0 - 1.0
    s5 = math.sqrt(5.0)
    p = (s5 + 1) / (2 * s5)  # Mammen (1993): mean 0, variance 1, third moment 1
    return np.where(rng.random(shape) < p, (1 - s5) / 2, (1 + s5) / 2)


def _bootstrap(
    sums: np.ndarray, n: int, n_boot: int, kind: str, seed, alpha: float
) -> tuple[np.ndarray, np.ndarray]:
    """Multiplier bootstrap over cluster sums: robust SEs and the draws (B, M)."""
    rng = np.random.default_rng(seed)
    g, m = sums.shape
    draws = np.empty((n_boot, m))
    chunk = max(1, _BOOT_CHUNK // max(g, 1))
    for start in range(0, n_boot, chunk):
        b = min(chunk, n_boot - start)
        draws[start : start + b] = _draw_weights(rng, kind, (b, g)) @ sums / n
    q75, q25 = np.quantile(draws, [0.75, 0.25], axis=0, method="inverted_cdf")
    se = (q75 - q25) / (stats.norm.ppf(0.75) - stats.norm.ppf(0.25))
    se[se <= _SE_FLOOR] = np.nan
    return se, draws


def _uniform_crit(draws: np.ndarray, se: np.ndarray, alpha: float) -> float:
    ok = np.isfinite(se)
    if not ok.any():
        return np.nan
    t_max = np.max(np.abs(draws[:, ok] / se[ok]), axis=1)
    return float(np.quantile(t_max, 1 - alpha, method="inverted_cdf"))


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, eq=False)
class CallawaySantAnnaResult:
    """Results of :func:`fit_callaway_santanna`.

    Attributes
    ----------
    outcome : str
        Outcome column.
    estimator : str
        ``"callaway_santanna"``.
    design, control_group, method, base_period : str
        Options used.
    anticipation : int
        Periods of anticipation allowed for.
    alpha : float
        Significance level (normal critical values, as R did).
    estimates : DataFrame
        Every estimate, one row each, in the layout of :meth:`tidy`.
    att_gt : DataFrame
        Group-time ATTs: ``group, period, base_period, rel_time, post, estimate,
        std_error, ci_low, ci_high, p_value, n_obs``.
    simple, group, dynamic, calendar : Coefficient
        The overall ATT of each aggregation (terms ``att_simple``, ``att_group``,
        ``att_dynamic``, ``att_calendar``).
    n_obs : int
        Rows used (after dropping missing values and cohorts without a base period).
    n_units : int
        Units (panel) or rows (repeated cross-section) behind the influence functions.
    n_clusters : int
        Clusters the standard errors are summed over (units unless ``cluster``).
    unit, time, cohort : str
        Columns used.
    cluster, weights : str or None
        Columns used for clustering and weights.
    covariates : tuple of str
        Covariates.
    bootstrap : bool
        Whether standard errors come from the multiplier bootstrap.
    n_bootstrap : int
        Bootstrap draws (0 without the bootstrap).
    bootstrap_weights : str or None
        ``"mammen"`` or ``"rademacher"``.
    critical_values : dict
        Bootstrap critical values of uniform (simultaneous) confidence bands for each family
        of estimates (``att_gt``, ``att_g``, ``att_e``, ``att_t``); empty without the
        bootstrap.
    dropped_cohorts : tuple of float
        Cohorts dropped because they have no pre-treatment period.
    n_dropped_missing : int
        Rows dropped for missing values (or zero weights).
    inference : str
        One line describing the standard errors.
    notes : tuple of str
        Anything else the user should know about the sample.
    dynamic_min_e, dynamic_max_e, dynamic_balance_e : int or None
        Window and balancing of the dynamic aggregation (``att_e``, ``att_dynamic``);
        None when not restricted.

    """

    outcome: str
    estimator: str
    design: str
    control_group: str
    method: str
    base_period: str
    anticipation: int
    alpha: float
    estimates: pd.DataFrame
    att_gt: pd.DataFrame
    simple: Coefficient
    group: Coefficient
    dynamic: Coefficient
    calendar: Coefficient
    n_obs: int
    n_units: int
    n_clusters: int
    unit: str
    time: str
    cohort: str
    cluster: str | None
    weights: str | None
    covariates: tuple[str, ...]
    bootstrap: bool
    n_bootstrap: int
    bootstrap_weights: str | None
    critical_values: dict
    dropped_cohorts: tuple[float, ...]
    n_dropped_missing: int
    inference: str
    notes: tuple[str, ...]
    _pretrend: PretrendTest = field(repr=False)
    dynamic_min_e: int | None = None
    dynamic_max_e: int | None = None
    dynamic_balance_e: int | None = None

    @property
    def estimate(self) -> float:
        """The overall ATT (``att_simple``)."""
        return self.simple.estimate

    @property
    def std_error(self) -> float:
        """Standard error of the overall ATT (``att_simple``)."""
        return self.simple.std_error

    def aggregation(self, kind: Literal["group", "dynamic", "calendar"]) -> pd.DataFrame:
        """Return the components of an aggregation.

        Parameters
        ----------
        kind : {"group", "dynamic", "calendar"}
            Effects by cohort (``att_g``), by time since the start (``att_e``, including
            pre-treatment placebo estimates) or by calendar period (``att_t``).

        Returns
        -------
        DataFrame
            Rows of :meth:`tidy` for those components.

        """
        term = {"group": "att_g", "dynamic": "att_e", "calendar": "att_t"}.get(kind)
        if term is None:
            raise ValueError(f"kind must be 'group', 'dynamic' or 'calendar', got {kind!r}")
        return self.estimates[self.estimates["term"] == term].reset_index(drop=True)

    def pretrend(self) -> PretrendTest:
        """Wald pre-test that all pre-treatment ATT(g, t) are zero (R did's ``W``).

        Returns
        -------
        PretrendTest
            ``W = a' V^-1 a`` over the pre-treatment group-time ATTs ``a`` (``t < g``)
            with their analytic covariance ``V`` from the (cluster-summed) influence
            functions, referred to a chi-squared distribution with as many degrees of
            freedom as ATTs tested. Cells with a zero or missing standard error are left
            out, as in R did; NaN when fewer than one remains or ``V`` is singular.

        """
        return self._pretrend

    def tidy(self, disaggregated: bool = True) -> pd.DataFrame:
        """Return the estimates as a tidy table.

        Parameters
        ----------
        disaggregated : bool, default True
            Include the components of the aggregations (``att_g`` by cohort, ``att_e`` by
            relative time, ``att_t`` by calendar period) and the group-time ATTs
            (``att_gt``) after the four overall rows.

        Returns
        -------
        DataFrame
            Columns ``outcome, estimator, term, group, period, rel_time, estimate,
            std_error, ci_low, ci_high, p_value, n_obs, n_clusters``. The overall rows
            (terms ``att_simple, att_group, att_dynamic, att_calendar``) come first, with
            ``group``, ``period`` and ``rel_time`` empty; ``rel_time`` counts periods.

        """
        order = ["att_simple", "att_group", "att_dynamic", "att_calendar"]
        est = self.estimates
        head = pd.concat([est[est["term"] == t] for t in order], ignore_index=True)
        if not disaggregated:
            return head
        rest = [est[est["term"] == t] for t in ("att_g", "att_e", "att_t", "att_gt")]
        return pd.concat([head, *rest], ignore_index=True)

    def summary(self) -> str:
        """Return a readable multi-line summary."""
        level = f"{100 * (1 - self.alpha):g}% CI"
        lines = [
            f"Callaway and Sant'Anna (2021) staggered DiD: {self.outcome}",
            f"  design: {self.design}; control group: {self.control_group.replace('_', '-')}; "
            f"method: {_METHOD_NAMES[self.method]}; base period: {self.base_period}"
            + (f"; anticipation: {self.anticipation}" if self.anticipation else ""),
            f"  N = {self.n_obs:,} rows ({self.n_units:,} "
            f"{'units' if self.design == 'panel' else 'observations'}), "
            f"{self.n_clusters:,} clusters ({self.cluster or self.unit})"
            + (f"; weights: {self.weights}" if self.weights else "")
            + (f"; covariates: {', '.join(self.covariates)}" if self.covariates else ""),
        ]
        if self.dropped_cohorts:
            lines.append(
                "  dropped cohorts without a pre-treatment period: "
                + ", ".join(f"{v:g}" for v in self.dropped_cohorts)
            )
        window = [
            f"{label} {v}"
            for label, v in (
                ("min_e", self.dynamic_min_e),
                ("max_e", self.dynamic_max_e),
                ("balance_e", self.dynamic_balance_e),
            )
            if v is not None
        ]
        if window:
            lines.append(f"  dynamic aggregation restricted: {', '.join(window)}")
        lines += [f"  {note}" for note in self.notes]
        lines += ["", f"  {'term':<14} {'estimate':>11} {'std_error':>11} {'p_value':>9}   {level}"]
        for c in (self.simple, self.group, self.dynamic, self.calendar):
            lines.append(
                f"  {c.term:<14} {c.estimate:>11.5g} {c.std_error:>11.5g} {c.p_value:>9.4g}"
                f"   [{c.ci_low:.5g}, {c.ci_high:.5g}]"
            )
        for kind, label, col in (
            ("dynamic", "by time since start (att_e)", "rel_time"),
            ("group", "by cohort (att_g)", "group"),
            ("calendar", "by period (att_t)", "period"),
        ):
            comp = self.aggregation(kind)
            lines += ["", f"  {label}:"]
            for _, r in comp.iterrows():
                lines.append(
                    f"    {col} {_fmt_label(r[col]):>6} {r['estimate']:>11.5g} "
                    f"{r['std_error']:>11.5g} {r['p_value']:>9.4g}   "
                    f"[{r['ci_low']:.5g}, {r['ci_high']:.5g}]"
                )
        lines += ["", "  " + self._pretrend.summary(), f"  Inference: {self.inference}"]
        return "\n".join(lines)

    def plot(self, ax=None):
        """Draw the event study of the dynamic aggregation (``att_e``) with its intervals.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Axes to draw on; by default a new figure (Agg canvas).

        Returns
        -------
        matplotlib.axes.Axes

        """
        comp = self.aggregation("dynamic")
        x = comp["rel_time"].to_numpy(dtype=float)
        return _event_plot(
            ax,
            x=x,
            est=comp["estimate"].to_numpy(dtype=float),
            low=comp["ci_low"].to_numpy(dtype=float),
            high=comp["ci_high"].to_numpy(dtype=float),
            outcome=self.outcome,
            alpha=self.alpha,
            title=f"Callaway-Sant'Anna event study: {self.outcome}",
            ticklabels=[f"{v:g}" for v in x],
        )


_METHOD_NAMES = {
    "dr": "doubly robust",
    "ipw": "inverse probability weighting",
    "reg": "outcome regression",
}


def _fmt_label(v) -> str:
    try:
        return f"{float(v):g}"
    except (TypeError, ValueError):
        return str(v)


def _maybe_int(values: list[float]) -> pd.Series:
    arr = np.asarray(values, dtype=float)
    fin = arr[np.isfinite(arr)]
    if fin.size == 0 or np.all(fin == np.round(fin)):
        out = pd.array(np.where(np.isfinite(arr), arr, 0).astype(np.int64), dtype="Int64")
        out[~np.isfinite(arr)] = pd.NA
        return pd.Series(out)
    return pd.Series(arr)


# --------------------------------------------------------------------------- entry point


def fit_callaway_santanna(
    data: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    cohort: str,
    *,
    design: Literal["panel", "repeated_cross_section"] = "panel",
    control_group: Literal["never_treated", "not_yet_treated"] = "never_treated",
    cluster: str | None = None,
    weights: str | None = None,
    covariates: Sequence[str] = (),
    method: Literal["dr", "ipw", "reg"] = "dr",
    alpha: float = 0.05,
    bootstrap: bool = False,
    n_bootstrap: int = 999,
    seed: int | np.random.Generator | None = None,
    anticipation: int = 0,
    base_period: Literal["varying", "universal"] = "varying",
    bootstrap_weights: Literal["mammen", "rademacher"] = "mammen",
    balanced_panel: bool = False,
    dynamic_min_e: int | None = None,
    dynamic_max_e: int | None = None,
    dynamic_balance_e: int | None = None,
) -> CallawaySantAnnaResult:
    """Group-time average treatment effects and their aggregations (Callaway-Sant'Anna).

    Parameters
    ----------
    data : DataFrame
        Long data, one row per unit and period (panel) or per respondent (repeated
        cross-sections).
    outcome : str
        Numeric outcome.
    unit : str
        Panel: the unit followed over time (respondent). Repeated cross-sections: the
        area (the level at which treatment is assigned); its only roles are the default
        cluster and the check that ``cohort`` is constant within it.
    time : str
        Numeric period (wave).
    cohort : str
        First treated period, one of the observed periods; 0 or missing for never-treated
        units. Constant within ``unit``.
    design : {"panel", "repeated_cross_section"}, default "panel"
        Same units followed over time, or different respondents each period.
    control_group : {"never_treated", "not_yet_treated"}, default "never_treated"
        Compare each cohort with the never-treated units, or with the units not yet
        treated (less anticipation) in both periods of the comparison, never-treated
        included.
    cluster : str, optional
        Cluster variable; the influence functions are summed within its levels. Default:
        ``unit`` (the respondent in a panel, the area in repeated cross-sections). In a
        panel it must be constant within a unit.
    weights : str, optional
        Sampling weights (constant within a unit in a panel).
    covariates : sequence of str, default ()
        Numeric covariates for the conditional parallel-trends assumption (in a panel,
        their values in the comparison's base period are used).
    method : {"dr", "ipw", "reg"}, default "dr"
        Doubly robust, inverse probability weighting (normalised weights) or outcome
        regression 2x2 estimator.
    alpha : float, default 0.05
        Confidence intervals have level ``1 - alpha``.
    bootstrap : bool, default False
        Replace the analytic standard errors with the multiplier bootstrap's.
    n_bootstrap : int, default 999
        Bootstrap draws.
    seed : int or numpy.random.Generator, optional
        Seed of the bootstrap.
    anticipation : int, default 0
        Periods before the start in which units may already react; the base period of a
        cohort is then ``anticipation + 1`` periods before its start.
    base_period : {"varying", "universal"}, default "varying"
        Pre-treatment cells compare consecutive periods ("varying") or every period with
        the cohort's last untreated period ("universal", where that cell is 0).
    bootstrap_weights : {"mammen", "rademacher"}, default "mammen"
        Multiplier distribution of the bootstrap.
    balanced_panel : bool, default False
        Panel only: keep only units observed in every period (R did's default). By
        default every 2x2 comparison uses the units observed in both of its periods.
    dynamic_min_e, dynamic_max_e : int, optional
        Dynamic aggregation only (R did's ``aggte(type = "dynamic", min_e, max_e)``):
        report ``att_e`` only for event times ``dynamic_min_e <= e <= dynamic_max_e``, and
        average ``att_dynamic`` over the event times ``e >= 0`` of that window. Default:
        every event time.
    dynamic_balance_e : int, optional
        Dynamic aggregation only (R did's ``balance_e``): use only the cohorts observed for
        at least ``dynamic_balance_e`` periods after their start (``g + dynamic_balance_e
        <= T``, ``T`` the latest period of an estimated ``ATT(g, t)``), so that every
        event time from 0 to ``dynamic_balance_e`` averages the same cohorts, and report
        the event times up to ``dynamic_balance_e`` only. Non-negative. Default: every
        cohort.

    Returns
    -------
    CallawaySantAnnaResult

    Raises
    ------
    ValueError
        For a missing or non-numeric column (named in the message), a negative cohort, a
        cohort that is not an observed period, a cohort (or, in a panel, a weight or
        cluster) varying within a unit, several rows for a unit in a period of a panel,
        ``control_group="never_treated"`` without never-treated units, no cohort with a
        pre-treatment period, singular covariate models, a ``dynamic_*`` option that is
        not an integer (or a negative ``dynamic_balance_e``), or a dynamic window that
        leaves no event time.

    Notes
    -----
    *Group-time effects.* For cohort ``g`` and period ``t``, ``ATT(g, t)`` compares the
    change in the outcome from the base period to ``t`` between units of the cohort and
    control units. In post-treatment periods (``t >= g``) the base period is
    ``g - anticipation - 1``; in pre-treatment periods it is ``t - 1`` ("varying", short
    placebo differences) or ``g - anticipation - 1`` ("universal"). Periods count positions
    among the observed periods. Cohorts starting in the first period have no base period
    and are dropped with a warning. With ``control_group="not_yet_treated"`` and no
    never-treated units, periods from the last cohort's start on are dropped and that
    cohort serves only as a control (as R did).

    *2x2 estimators* (Sant'Anna and Zhao 2020, as in R's ``DRDID``): for a panel, the
    estimators on the outcome change of units observed in both periods (``drdid_panel``,
    ``std_ipw_did_panel``, ``reg_did_panel``); for repeated cross-sections, those on the
    rows of both periods (``drdid_rc``, the locally efficient doubly robust estimator;
    ``std_ipw_did_rc``; ``reg_did_rc``). The propensity score is a logit on the
    covariates, capped at ``1 - 1e-6``, with control units whose score is at least 0.995
    trimmed. Without covariates all three methods give the same point estimate.

    *Unbalanced panels.* By default each comparison uses the units observed in both of
    its periods, and each unit's influence function enters the aggregations, so units that
    miss some waves still contribute; this assumes attrition is unrelated to outcome
    trends (given the covariates). ``balanced_panel=True`` keeps only units observed in
    every period, as R did does by default. On a balanced panel the two coincide.

    *Aggregations* (R did's ``aggte``): ``att_simple`` averages all post-treatment
    ``ATT(g, t)`` weighted by cohort size; ``att_group`` averages, across cohorts weighted by
    size, each cohort's average effect over its post-treatment periods (``att_g``);
    ``att_dynamic`` averages over ``e >= 0`` the effects ``att_e`` at ``e`` periods since the
    start (cohort-size weighted; ``e < 0`` are placebo estimates); ``att_calendar`` averages
    over periods the effects ``att_t`` of the cohorts treated by then. Estimated weights
    enter the influence functions. ``dynamic_min_e``, ``dynamic_max_e`` and
    ``dynamic_balance_e`` restrict ``att_e`` and ``att_dynamic`` exactly as R did's
    ``min_e``, ``max_e`` and ``balance_e`` do ``aggte(type = "dynamic")`` (the event
    times ``e >= 0`` left by ``dynamic_min_e > 0`` are averaged; with ``dynamic_max_e <
    0``, ``att_dynamic`` is NaN, as R's); they leave ``att_simple``, ``att_group`` and
    ``att_calendar`` unrestricted (R did's ``max_e`` also truncates ``aggte(type =
    "simple")`` and ``"group"`` when passed there). Event times, like ``rel_time``, count
    positions among the observed periods: with consecutive integer periods these are R
    did's event times; with gaps between periods R counts time units instead.

    *Standard errors.* The influence function of every estimate, one value per unit
    (panel) or row (repeated cross-section), is summed within clusters ``c``:
    ``se = sqrt(sum_c S_c^2) / n``. With the default cluster this is R did's analytic
    standard error (``bstrap=FALSE``); with a cluster variable it is R did's analytic
    clustered standard error (did >= 2.4) -- no small-sample factor. Confidence intervals
    and p-values use the normal distribution. With ``bootstrap=True`` the standard errors
    are the multiplier bootstrap's: each draw is ``sum_c v_c S_c / n`` with Mammen (or
    Rademacher) multipliers ``v_c``, and the standard error is the draws' interquartile
    range divided by that of the standard normal (R did's robust scale);
    ``critical_values`` holds the uniform-band critical values for each family. Cluster at
    the level treatment is assigned (the area) when units are respondents in areas.

    """
    check_frame(data)
    covariates = list(covariates)
    if design not in DESIGNS:
        raise ValueError(f"design must be one of {DESIGNS}, got {design!r}")
    if control_group not in CONTROL_GROUPS:
        raise ValueError(f"control_group must be one of {CONTROL_GROUPS}, got {control_group!r}")
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if base_period not in BASE_PERIODS:
        raise ValueError(f"base_period must be one of {BASE_PERIODS}, got {base_period!r}")
    if bootstrap_weights not in BOOTSTRAP_WEIGHTS:
        raise ValueError(
            f"bootstrap_weights must be one of {BOOTSTRAP_WEIGHTS}, got {bootstrap_weights!r}"
        )
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha}")
    if (
        isinstance(anticipation, bool)
        or not isinstance(anticipation, (int, np.integer))
        or (anticipation < 0)
    ):
        raise ValueError(f"anticipation must be a non-negative integer, got {anticipation!r}")
    anticipation = int(anticipation)
    dyn = {}
    for name, value in (
        ("dynamic_min_e", dynamic_min_e),
        ("dynamic_max_e", dynamic_max_e),
        ("dynamic_balance_e", dynamic_balance_e),
    ):
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, (int, np.integer))
        ):
            raise ValueError(f"{name} must be an integer or None, got {value!r}")
        dyn[name] = None if value is None else int(value)
    if dyn["dynamic_balance_e"] is not None and dyn["dynamic_balance_e"] < 0:
        raise ValueError(
            f"dynamic_balance_e must be a non-negative integer, got {dynamic_balance_e!r}"
        )
    if bootstrap and (not isinstance(n_bootstrap, (int, np.integer)) or n_bootstrap < 10):
        raise ValueError(f"n_bootstrap must be an integer >= 10, got {n_bootstrap!r}")
    check_did_columns(data, outcome=outcome, unit=unit, time=time, cohort=cohort,
                      covariates=covariates, cluster=cluster, weights=weights)

    dat = _prepare(
        data,
        outcome,
        unit,
        time,
        cohort,
        design=design,
        control_group=control_group,
        cluster=cluster,
        weights=weights,
        covariates=covariates,
        anticipation=anticipation,
        balanced_panel=balanced_panel and design == "panel",
    )
    cells = _group_time(dat, method, control_group, base_period, anticipation)
    agg = _aggregate(
        dat, cells, dyn["dynamic_min_e"], dyn["dynamic_max_e"], dyn["dynamic_balance_e"]
    )
    inf = np.column_stack(agg.inf)
    sums = _cluster_sums(inf, dat.clusters, dat.n_clusters)
    n = dat.n
    se = np.sqrt(np.sum(sums**2, axis=0)) / n
    se[se <= _SE_FLOOR] = np.nan
    terms = np.array(agg.term)
    crit_vals: dict = {}
    if bootstrap:
        se, draws = _bootstrap(sums, n, int(n_bootstrap), bootstrap_weights, seed, alpha)
        for fam in ("att_gt", "att_g", "att_e", "att_t"):
            m = terms == fam
            if m.any():
                crit_vals[fam] = _uniform_crit(draws[:, m], se[m], alpha)
    est = np.array(agg.est)
    z = stats.norm.ppf(1 - alpha / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        stat = est / se
    pval = 2 * stats.norm.sf(np.abs(stat))
    table = pd.DataFrame(
        {
            "outcome": outcome,
            "estimator": "callaway_santanna",
            "term": terms,
            "group": _maybe_int(agg.group),
            "period": _maybe_int(agg.period),
            "rel_time": _maybe_int(agg.rel),
            "estimate": est,
            "std_error": se,
            "ci_low": est - z * se,
            "ci_high": est + z * se,
            "p_value": pval,
            "n_obs": np.array(agg.n_obs, dtype=np.int64),
            "n_clusters": pd.array([dat.n_clusters] * est.size, dtype="Int64"),
        },
        columns=CS_TIDY_COLUMNS,
    )
    gt = table[table["term"] == "att_gt"].reset_index(drop=True)
    att_gt = pd.DataFrame(
        {
            "group": gt["group"],
            "period": gt["period"],
            "base_period": _maybe_int([dat.periods[b] for b in cells.base]),
            "rel_time": gt["rel_time"],
            "post": cells.period >= cells.group,
            "estimate": gt["estimate"],
            "std_error": gt["std_error"],
            "ci_low": gt["ci_low"],
            "ci_high": gt["ci_high"],
            "p_value": gt["p_value"],
            "n_obs": gt["n_obs"],
        }
    )

    def coef(term: str) -> Coefficient:
        j = int(np.flatnonzero(terms == term)[0])
        return Coefficient(
            term,
            float(est[j]),
            float(se[j]),
            float(stat[j]),
            float(pval[j]),
            float(est[j] - z * se[j]),
            float(est[j] + z * se[j]),
        )

    # Wald pre-test on the pre-treatment cells with the analytic covariance
    k_gt = cells.att.size
    pre = np.flatnonzero((cells.period < cells.group) & ~np.isnan(cells.att))
    analytic_se = np.sqrt(np.sum(sums[:, :k_gt] ** 2, axis=0)) / n
    pre = pre[np.isfinite(analytic_se[pre]) & (analytic_se[pre] > _SE_FLOOR)]
    pretrend = _pretrend(dat, cells, sums, pre, outcome)

    cl_name = cluster or unit
    inference = (
        f"influence-function standard errors summed within {dat.n_clusters:,} clusters "
        f"({cl_name}): se = sqrt(sum_c S_c^2)/n [R did analytic, no small-sample factor]"
    )
    if bootstrap:
        inference = (
            f"multiplier bootstrap ({int(n_bootstrap):,} draws, {bootstrap_weights} weights) "
            f"over {dat.n_clusters:,} clusters ({cl_name}); se = IQR/1.349 [R did mboot]"
        )
    inference += f"; normal critical values (z = {z:.4g})"
    return CallawaySantAnnaResult(
        outcome=outcome,
        estimator="callaway_santanna",
        design=design,
        control_group=control_group,
        method=method,
        base_period=base_period,
        anticipation=anticipation,
        alpha=alpha,
        estimates=table,
        att_gt=att_gt,
        simple=coef("att_simple"),
        group=coef("att_group"),
        dynamic=coef("att_dynamic"),
        calendar=coef("att_calendar"),
        n_obs=dat.n_rows,
        n_units=n,
        n_clusters=dat.n_clusters,
        unit=unit,
        time=time,
        cohort=cohort,
        cluster=cluster,
        weights=weights,
        covariates=tuple(covariates),
        bootstrap=bool(bootstrap),
        n_bootstrap=int(n_bootstrap) if bootstrap else 0,
        bootstrap_weights=bootstrap_weights if bootstrap else None,
        critical_values=crit_vals,
        dropped_cohorts=dat.dropped_cohorts,
        n_dropped_missing=dat.n_dropped_missing,
        inference=inference,
        notes=tuple(dat.notes),
        _pretrend=pretrend,
        dynamic_min_e=dyn["dynamic_min_e"],
        dynamic_max_e=dyn["dynamic_max_e"],
        dynamic_balance_e=dyn["dynamic_balance_e"],
    )


def _pretrend(dat: _Data, cells: _Cells, sums: np.ndarray, pre: np.ndarray, outcome: str):
    terms = tuple(
        f"ATT({dat.periods[cells.group[j]]:g},{dat.periods[cells.period[j]]:g})" for j in pre
    )
    note = (
        "W = a'V^-1 a over the pre-treatment ATT(g,t), V from the cluster-summed influence "
        "functions, chi2(q) reference distribution [R did's pre-test]"
    )
    if pre.size == 0:
        return PretrendTest(
            outcome,
            "callaway_santanna",
            np.nan,
            0,
            None,
            np.nan,
            "chi2",
            (),
            dat.n_rows,
            dat.n_clusters,
            "no pre-treatment ATT(g,t) to test",
        )
    s = sums[:, pre]
    v = s.T @ s / dat.n**2
    a = cells.att[pre]
    if np.linalg.cond(v) > 1 / np.finfo(float).eps:
        return PretrendTest(
            outcome,
            "callaway_santanna",
            np.nan,
            int(pre.size),
            None,
            np.nan,
            "chi2",
            terms,
            dat.n_rows,
            dat.n_clusters,
            "singular covariance of the pre-treatment ATT(g,t); not computed",
        )
    w_stat = _wald(a, v)
    return PretrendTest(
        outcome=outcome,
        estimator="callaway_santanna",
        statistic=float(w_stat),
        df1=int(pre.size),
        df2=None,
        p_value=float(stats.chi2.sf(w_stat, pre.size)),
        distribution="chi2",
        terms=terms,
        n_obs=dat.n_rows,
        n_clusters=dat.n_clusters,
        note=note,
    )
