"""The 2x2 estimators of Sant'Anna and Zhao (2020), formula for formula as R's ``DRDID``.

:func:`panel_2x2` (``drdid_panel``, ``std_ipw_did_panel``, ``reg_did_panel``) and
:func:`rcs_2x2` (``drdid_rc``, ``std_ipw_did_rc``, ``reg_did_rc``) return the ATT of one
comparison of a cohort with its control units over two periods, and its influence
function. Their pieces are weighted least squares outcome regressions and a logit
propensity score, capped and trimmed as ``DRDID`` does, with the asymptotic linear
representations of both.

References
----------
Sant'Anna, P. H. C. and Zhao, J. (2020). Doubly robust difference-in-differences
estimators. *Journal of Econometrics* 219(1), 101-122.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["METHODS", "panel_2x2", "rcs_2x2"]

METHODS: tuple[str, ...] = ("dr", "ipw", "reg")

# DRDID's propensity-score safeguards: fitted values capped at 1 - 1e-6, and control
# observations with a fitted value of at least TRIM_LEVEL dropped from the comparison.
_PS_CAP = 1 - 1e-6
_TRIM_LEVEL = 0.995


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


def _difference_in_means(dy, d, w) -> tuple[float, np.ndarray]:
    """ATT and influence function of a panel 2x2 without covariates.

    With an intercept only, the outcome regression is the controls' mean change, the
    propensity score the cohort's weighted share, and the estimation terms of DRDID's three
    estimators cancel: each is the difference in weighted mean changes, with influence
    function ``w d (dy - m_1) / E[w d] - w (1 - d) (dy - m_0) / E[w (1 - d)]`` (algebra
    checked against the general formulas to rounding by the tests).
    """
    treat = d == 1
    w_t = np.where(treat, w, 0.0)
    w_c = w - w_t
    sum_t, sum_c = w_t.sum(), w_c.sum()
    mean_t, mean_c = (w_t @ dy) / sum_t, (w_c @ dy) / sum_c
    n = dy.size
    centred = dy - np.where(treat, mean_t, mean_c)
    scale = np.where(treat, n / sum_t, -n / sum_c)
    return float(mean_t - mean_c), w * scale * centred


def panel_2x2(method: str, dy, d, x, w, what: str) -> tuple[float, np.ndarray]:
    """ATT and influence function of a panel 2x2 comparison (DRDID's panel estimators)."""
    w = w / w.mean()
    if x.shape[1] == 1 and (
        method == "reg" or (w @ d) / w.sum() < _TRIM_LEVEL
    ):  # intercept only, and no control trimmed by the propensity score
        return _difference_in_means(dy, d, w)
    return _panel_general(method, dy, d, x, w, what)


def _panel_general(method: str, dy, d, x, w, what: str) -> tuple[float, np.ndarray]:
    """DRDID's panel estimators formula for formula (weights already of mean 1)."""
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


def rcs_2x2(method: str, y, post, d, x, w, what: str) -> tuple[float, np.ndarray]:
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
