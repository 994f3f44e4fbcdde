"""wellby's p-values and critical values without scipy.stats: the same numbers as scipy.stats."""

import numpy as np
import pytest
from scipy import stats

from wellby.estimators import distributions as dist

X = np.array([-3.0, -1.2, 0.0, 0.4, 1.96, 2.5, 7.0, 40.0, np.nan])
Q = np.array([1e-12, 0.001, 0.025, 0.3, 0.5, 0.8, 0.975, 0.999999])
DF = [0.5, 1, 3, 29, 1e6, np.inf]


def test_normal():
    np.testing.assert_array_equal(dist.normal_cdf(X), stats.norm.cdf(X))
    np.testing.assert_array_equal(dist.normal_sf(X), stats.norm.sf(X))
    np.testing.assert_array_equal(dist.normal_quantile(Q), stats.norm.ppf(Q))
    assert isinstance(dist.normal_quantile(0.975), float)
    assert dist.normal_quantile(0.975) == pytest.approx(1.959963984540054, abs=1e-15)


@pytest.mark.parametrize("df", DF)
def test_t(df):
    np.testing.assert_array_equal(dist.t_sf(X, df), stats.t.sf(X, df))
    np.testing.assert_array_equal(dist.t_quantile(Q, df), stats.t.ppf(Q, df))


def test_t_with_arrays_of_degrees_of_freedom_and_without_any():
    df = np.array([1.0, 4.0, np.nan, 0.0, 12.0])
    np.testing.assert_array_equal(dist.t_quantile(0.975, df), stats.t.ppf(0.975, df))
    np.testing.assert_array_equal(dist.t_sf(2.0, df), stats.t.sf(2.0, df))
    # Student's table: t(0.975; 10) = 2.228
    assert dist.t_quantile(0.975, 10) == pytest.approx(2.228138851986274, abs=1e-12)  # R qt


@pytest.mark.parametrize("df", [1, 2, 5, 30])
def test_chi2_and_f(df):
    np.testing.assert_array_equal(dist.chi2_sf(X, df), stats.chi2.sf(X, df))
    for dfd in (3, 17, 400):
        np.testing.assert_array_equal(dist.f_sf(X, df, dfd), stats.f.sf(X, df, dfd))
    # the tables: chi2(0.95; 1) = 3.841, F(0.95; 2, 10) = 4.103
    assert dist.chi2_sf(3.841458820694124, 1) == pytest.approx(0.05, abs=1e-12)
    assert dist.f_sf(4.102821015130399, 2, 10) == pytest.approx(0.05, abs=1e-12)
