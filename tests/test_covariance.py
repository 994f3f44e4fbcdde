from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from pyfixest.utils.utils import get_ssc
from pyfixest.utils.utils import ssc as pf_ssc
from statsmodels.datasets import grunfeld

from wellby.estimators import covariance as covariance

RESULTS = Path(__file__).parent / "results"


@pytest.fixture(scope="module")
def grunfeld_design():
    data = grunfeld.load_pandas().data.iloc[:200]
    x = np.column_stack([data["value"], data["capital"], np.ones(len(data))])
    y = data["invest"].to_numpy()
    clusters = pd.factorize(data["firm"])[0]
    w = 1 / data["value"].to_numpy()
    return x, y, clusters, w


def wls(x, y, w=None):
    w = np.ones(len(y)) if w is None else w
    beta = np.linalg.solve((x * w[:, None]).T @ x, (x * w[:, None]).T @ y)
    return beta, y - x @ beta


@pytest.mark.parametrize(
    ("levels", "nested"),
    [
        ([500, 5], [True, False]),  # unit nested in area, period not
        ([500, 5], [False, False]),
        ([500, 5], None),
        ([40], [True]),
        ([40], [False]),
        ([300, 6, 12], [True, False, True]),
        ([], None),
    ],
)
def test_fixef_dof_matches_pyfixest_get_ssc(levels, nested):
    k = 2
    vtype = "CRV" if nested is not None else "iid"
    flags = np.array(nested if nested is not None else [False] * len(levels), dtype=bool)
    _, df_k, _ = get_ssc(
        ssc_dict=pf_ssc(),
        N=10_000,
        k=k,
        k_fe=int(sum(levels)),
        k_fe_nested=int(np.sum(np.array(levels)[flags])) if flags.any() else 0,
        n_fe=len(levels),
        n_fe_fully_nested=int(flags.sum()),
        G=50,
        vcov_sign=1,
        vcov_type=vtype,
    )
    assert k + covariance.fixef_dof(levels, nested) == df_k


def test_fixef_dof_panel_clustered_on_area_counts_periods_only():
    assert covariance.fixef_dof([200_000, 5], [True, False]) == 5
    assert covariance.fixef_dof([200_000, 5]) == 200_004


def test_classical_and_hc1_match_statsmodels(grunfeld_design):
    x, y, _, w = grunfeld_design
    for weights in (None, w):
        beta, u = wls(x, y, weights)
        mod = sm.WLS(y, x, weights=1.0 if weights is None else weights)
        np.testing.assert_allclose(
            covariance.classical(x, u, weights).cov, mod.fit().cov_params(), rtol=1e-10
        )
        np.testing.assert_allclose(
            covariance.hc1(x, u, weights).cov, mod.fit(cov_type="HC1").cov_params(), rtol=1e-10
        )


def test_cluster_matches_statsmodels(grunfeld_design):
    x, y, clusters, _ = grunfeld_design
    _, u = wls(x, y)
    ref = sm.OLS(y, x).fit(cov_type="cluster", cov_kwds={"groups": clusters})
    got = covariance.cluster(x, u, clusters)
    np.testing.assert_allclose(got.cov, ref.cov_params(), rtol=1e-10)
    assert got.n_clusters == 10 and got.df_resid == 9


@pytest.mark.parametrize(
    ("fname", "kind", "weighted"),
    [
        ("grunfeld_stata_cluster.csv", "cluster", False),
        ("grunfeld_stata_cluster_wls.csv", "cluster", True),
        ("grunfeld_stata_hc1_wls.csv", "hc1", True),
    ],
)
def test_against_stata(grunfeld_design, fname, kind, weighted):
    ref = pd.read_csv(RESULTS / fname, comment="#")
    x, y, clusters, w = grunfeld_design
    w = w if weighted else None
    _, u = wls(x, y, w)
    got = covariance.compute(kind, x, u, w, clusters=clusters)
    # Stata's numbers agree to about 4e-8 (statsmodels tests them at rtol=1e-6)
    np.testing.assert_allclose(got.std_errors, ref["std_error"], rtol=1e-7)
    assert got.df_resid == ref["df"].iloc[0]


def test_descriptions_state_the_convention(grunfeld_design):
    x, y, clusters, _ = grunfeld_design
    _, u = wls(x, y)
    desc = covariance.cluster(x, u, clusters, cluster_name="firm").description
    assert "G/(G-1) x (N-1)/(N-K)" in desc and "G=10" in desc and "9 df" in desc
    assert "firm" in desc and "\n" not in desc
    assert "N/(N-K)" in covariance.hc1(x, u).description
    assert "RSS/(N-K)" in covariance.classical(x, u).description


def test_cluster_needs_two_clusters(grunfeld_design):
    x, y, _, _ = grunfeld_design
    _, u = wls(x, y)
    with pytest.raises(ValueError, match="at least 2 clusters; 'area' has 1"):
        covariance.cluster(x, u, np.zeros(len(u), dtype=int), cluster_name="area")


def test_input_errors(grunfeld_design):
    x, y, clusters, _ = grunfeld_design
    _, u = wls(x, y)
    with pytest.raises(ValueError, match="same n"):
        covariance.classical(x, u[:-1])
    with pytest.raises(ValueError, match="integer codes"):
        covariance.cluster(x, u, clusters.astype(float))
    with pytest.raises(ValueError, match="vcov must be one of"):
        covariance.compute("hc3", x, u)
    with pytest.raises(ValueError, match="no residual degrees of freedom"):
        covariance.classical(x, u, n_fe_params=len(u))


@pytest.mark.parametrize("kind", ["classical", "hc1", "cluster"])
def test_a_given_gram_matrix_gives_the_same_covariance(kind):
    rng = np.random.default_rng(7)
    n = 400
    x = rng.normal(size=(n, 3))
    resid = rng.normal(size=n)
    weights = rng.uniform(0.5, 2.0, n)
    clusters = rng.integers(0, 30, n)
    options = {"clusters": clusters} if kind == "cluster" else {}
    formed = covariance.compute(kind, x, resid, weights, **options)
    given = covariance.compute(kind, x, resid, weights, gram=(x * weights[:, None]).T @ x,
                               **options)
    np.testing.assert_allclose(given.cov, formed.cov, rtol=1e-12)
    wrong = covariance.compute(kind, x, resid, weights, gram=x.T @ x, **options)
    assert not np.allclose(wrong.cov, formed.cov)


@pytest.mark.parametrize("kind", ["cluster", "hc1", "classical"])
@pytest.mark.parametrize("weighted", [False, True])
def test_block_diagonal_equals_the_full_matrix(kind, weighted):
    """Regressors that are block diagonal (one per block of rows), clusters spanning the
    blocks: the same covariance as from the full matrix with its zeros."""
    rng = np.random.default_rng(7)
    sizes = [40, 25, 60]
    columns = [rng.normal(size=n) for n in sizes]
    n = sum(sizes)
    full = np.zeros((n, len(sizes)))
    start = 0
    for j, column in enumerate(columns):
        full[start:start + len(column), j] = column
        start += len(column)
    resid = rng.normal(size=n)
    weights = rng.uniform(0.5, 2.0, size=n) if weighted else None
    clusters = rng.integers(0, 12, size=n)  # every cluster has rows in several blocks
    options = {"clusters": clusters, "fe_levels": [30, 9], "fe_nested": [False, False],
               "cluster_name": "area"}
    expected = covariance.compute(kind, full, resid, weights, **options)
    got = covariance.block_diagonal(kind, columns, resid, weights, **options)
    np.testing.assert_allclose(got.cov, expected.cov, rtol=1e-12, atol=1e-15)
    assert abs(got.cov[0, 1]) > 0 or kind != "cluster"  # the blocks share clusters
    assert (got.n_obs, got.k, got.df_resid, got.n_clusters, got.description) == (
        expected.n_obs, expected.k, expected.df_resid, expected.n_clusters,
        expected.description)


def test_block_diagonal_checks_its_input():
    columns = [np.ones(3), np.ones(2)]
    with pytest.raises(ValueError, match="add up"):
        covariance.block_diagonal("hc1", columns, np.zeros(6))
    with pytest.raises(ValueError, match="cluster codes"):
        covariance.block_diagonal("cluster", columns, np.zeros(5))
    with pytest.raises(ValueError, match="vcov must be one of"):
        covariance.block_diagonal("hc3", columns, np.zeros(5))
