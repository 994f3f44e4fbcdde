"""The random-intercept fit from group sums against statsmodels' MixedLM and dense algebra.

lme4's own values (dietox, Orthodont, BodyWeight) are checked in ``test_cohort.py`` and
``test_cohort_subgroups.py``; here the fit is compared, on unbalanced groups of many
sizes, with statsmodels' ``MixedLM`` (a second implementation of the same likelihood)
and with the fixed-effect covariance and likelihood built from the dense ``V``.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import linalg

from wellby.estimators.random_intercept import BOUNDARY_WARNING, fit_random_intercept


def _data(seed=11, n_groups=120):
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 6, n_groups)
    groups = np.repeat(np.arange(n_groups), sizes)
    n = groups.size
    x = np.column_stack([np.ones(n), rng.normal(size=n), rng.integers(0, 2, n),
                         rng.uniform(0, 3, n)])
    y = x @ [1.0, 0.5, -0.3, 0.2] + rng.normal(scale=0.8, size=n_groups)[groups] + rng.normal(
        size=n)
    return y, x, groups


@pytest.mark.parametrize("reml", [True, False])
def test_matches_statsmodels_mixedlm(reml):
    from statsmodels.regression.mixed_linear_model import MixedLM

    y, x, groups = _data()
    ours = fit_random_intercept(y, x, groups, reml=reml)
    theirs = MixedLM(y, x, groups=groups).fit(reml=reml, gtol=1e-12)
    np.testing.assert_allclose(ours.params, theirs.fe_params, rtol=1e-6)
    assert ours.residual_variance == pytest.approx(theirs.scale, rel=1e-5)
    assert ours.re_variance == pytest.approx(float(np.asarray(theirs.cov_re)[0, 0]), rel=1e-4)
    assert ours.log_likelihood == pytest.approx(theirs.llf, rel=1e-8)
    assert ours.converged and ours.warnings == ()
    assert (ours.n_obs, ours.n_groups) == (y.size, 120)


@pytest.mark.parametrize("reml", [True, False])
def test_covariance_and_likelihood_equal_the_dense_formulas(reml):
    y, x, groups = _data(seed=4, n_groups=40)
    fit = fit_random_intercept(y, x, groups, reml=reml)
    same = groups[:, None] == groups[None, :]
    v = fit.residual_variance * np.eye(y.size) + fit.re_variance * same
    v_inv = linalg.inv(v)
    info = x.T @ v_inv @ x
    np.testing.assert_allclose(fit.cov, linalg.inv(info), rtol=1e-9)
    beta = linalg.solve(info, x.T @ v_inv @ y)
    np.testing.assert_allclose(fit.params, beta, rtol=1e-9)
    resid = y - x @ beta
    n, p = x.shape
    minus_two_ll = np.linalg.slogdet(v)[1] + resid @ v_inv @ resid
    if reml:
        minus_two_ll += (n - p) * np.log(2 * np.pi) + np.linalg.slogdet(info)[1]
    else:
        minus_two_ll += n * np.log(2 * np.pi)
    assert fit.log_likelihood == pytest.approx(-minus_two_ll / 2, rel=1e-10)


def test_known_variances_are_recovered():
    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(4000), 3)
    x = np.column_stack([np.ones(groups.size), np.tile([0.0, 1.0, 2.0], 4000)])
    y = 2 + 0.5 * x[:, 1] + rng.normal(scale=1.5, size=4000)[groups] + rng.normal(
        size=groups.size)
    fit = fit_random_intercept(y, x, groups)
    assert fit.re_variance == pytest.approx(2.25, rel=0.05)
    assert fit.residual_variance == pytest.approx(1.0, rel=0.03)
    assert fit.params[1] == pytest.approx(0.5, abs=4 * np.sqrt(fit.cov[1, 1]))


def test_no_group_effect_is_reported_on_the_boundary():
    # answers of the same person negatively correlated: the between-person variance that
    # fits best is negative, so its estimate is zero, on the boundary
    rng = np.random.default_rng(5)
    groups = np.repeat(np.arange(50), 2)
    shock = rng.normal(size=50)
    y = np.column_stack([shock, -shock]).ravel() + rng.normal(scale=0.3, size=100)
    x = np.ones((100, 1))
    fit = fit_random_intercept(y, x, groups)
    assert fit.re_variance < 1e-3 * fit.residual_variance
    assert fit.warnings == (BOUNDARY_WARNING,)
    assert fit.params[0] == pytest.approx(y.mean(), abs=1e-9)


def test_rank_deficient_design_is_refused():
    y, x, groups = _data()
    with pytest.raises(ValueError, match="rank deficient"):
        fit_random_intercept(y, np.column_stack([x, x[:, 1]]), groups)
