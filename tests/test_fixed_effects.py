import numpy as np
import pandas as pd
import pytest

from wellby.estimators import fixed_effects
from wellby.estimators.fixed_effects import (
    ConvergenceError,
    FactorInfo,
    compress_codes,
    demean,
    describe_factors,
    is_nested,
    singleton_mask,
)


def dummies(codes):
    return np.eye(codes.max() + 1)[codes]


def residual_on_dummies(x, factors, w=None):
    """Brute force: weighted residual of x on all factors' dummy columns."""
    d = np.column_stack([dummies(c) for c in factors])
    sw = np.ones(len(x)) if w is None else np.sqrt(w)
    beta = np.linalg.lstsq(d * sw[:, None], x * sw[:, None], rcond=None)[0]
    return x - d @ beta


@pytest.fixture
def unbalanced():
    rng = np.random.default_rng(42)
    unit = np.repeat(np.arange(60), 5)
    time = np.tile(np.arange(5), 60)
    keep = rng.random(unit.size) < 0.7
    unit, _ = compress_codes(unit[keep])
    time = time[keep]
    x = rng.normal(size=(unit.size, 3)) + unit[:, None] * 0.1 + time[:, None]
    w = rng.uniform(0.2, 3.0, unit.size)
    return x, unit, time, w


def test_single_factor_equals_groupby_demeaning():
    rng = np.random.default_rng(0)
    g = rng.integers(0, 7, 200)
    x = rng.normal(size=200)
    expected = x - pd.Series(x).groupby(g).transform("mean").to_numpy()
    np.testing.assert_allclose(demean(x, [g]), expected, atol=1e-12)


def test_single_factor_weighted():
    rng = np.random.default_rng(1)
    g = rng.integers(0, 5, 100)
    x = rng.normal(size=100)
    w = rng.uniform(0.5, 2, 100)
    s = pd.DataFrame({"g": g, "xw": x * w, "w": w}).groupby("g")
    means = (s["xw"].transform("sum") / s["w"].transform("sum")).to_numpy()
    np.testing.assert_allclose(demean(x, [g], w), x - means, atol=1e-12)


@pytest.mark.parametrize("weighted", [False, True])
def test_two_factors_match_dummy_regression(unbalanced, weighted):
    x, unit, time, w = unbalanced
    w = w if weighted else None
    got = demean(x, [unit, time], w)
    np.testing.assert_allclose(got, residual_on_dummies(x, [unit, time], w), atol=1e-8)


def test_three_factors_match_dummy_regression(unbalanced):
    x, unit, time, _ = unbalanced
    third = np.random.default_rng(3).integers(0, 4, unit.size)
    got = demean(x, np.column_stack([unit, time, third]))
    np.testing.assert_allclose(got, residual_on_dummies(x, [unit, time, third]), atol=1e-8)


def test_balanced_two_way_is_double_demeaning():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(8, 4))
    unit = np.repeat(np.arange(8), 4)
    time = np.tile(np.arange(4), 8)
    expected = x - x.mean(1, keepdims=True) - x.mean(0, keepdims=True) + x.mean()
    np.testing.assert_allclose(demean(x.ravel(), [unit, time]), expected.ravel(), atol=1e-12)


def test_shape_input_and_no_factors(unbalanced):
    x, unit, time, _ = unbalanced
    before = x.copy()
    out = demean(x, [unit, time])
    np.testing.assert_array_equal(x, before)  # input untouched
    assert out.shape == x.shape
    assert demean(x[:, 0], [unit]).shape == (x.shape[0],)
    same = demean(x, [])
    np.testing.assert_array_equal(same, x)
    assert same is not x


def test_convergence_guard(unbalanced, monkeypatch):
    x, unit, time, _ = unbalanced
    monkeypatch.setattr(fixed_effects, "DIRECT_MAX_LEVELS", 0)  # sweep every factor
    with pytest.raises(ConvergenceError, match="did not converge in 1 sweeps"):
        demean(x, [unit, time], maxiter=1)


@pytest.mark.parametrize("dense_counts", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
def test_direct_solution_of_small_factors_equals_dummy_regression(
    unbalanced, monkeypatch, dense_counts, weighted
):
    # two small factors crossed with each other and collinear with the unit (a wave and
    # a wave-by-subgroup factor), as the subgroup models absorb
    x, unit, time, w = unbalanced
    w = w if weighted else None
    level = np.random.default_rng(9).integers(0, 3, unit.size)
    wave_by_level = time * 3 + level
    if not dense_counts:
        monkeypatch.setattr(fixed_effects, "_DENSE_COUNT_CELLS", -(10**9))
    factors = [unit, time, wave_by_level]
    got = demean(x, factors, w)
    np.testing.assert_allclose(got, residual_on_dummies(x, factors, w), atol=1e-9)
    monkeypatch.setattr(fixed_effects, "DIRECT_MAX_LEVELS", 0)
    swept = demean(x, factors, w, tol=1e-13)
    np.testing.assert_allclose(got, swept, atol=1e-9)


def test_bad_factor_input():
    with pytest.raises(ValueError, match="integer codes"):
        demean(np.ones(3), [np.array([0.0, 1.0, 1.0])])
    with pytest.raises(ValueError, match="length 3"):
        demean(np.ones(3), [np.array([0, 1])])
    with pytest.raises(ValueError, match="negative"):
        demean(np.ones(3), [np.array([0, -1, 1])])


def test_compress_codes():
    codes, n = compress_codes(np.array([5, 2, 5, 9]))
    np.testing.assert_array_equal(codes, [1, 0, 1, 2])
    assert n == 3


def test_singletons_iterate_to_fixed_point():
    # unit 2 and time 2 have one row each; dropping row 3 leaves unit 1 with row 2 only,
    # dropping that leaves time 1 with row 1 only: a cascade down to rows 0 and 5.
    unit = np.array([0, 0, 1, 1, 2, 0])
    time = np.array([0, 1, 1, 2, 3, 0])
    mask = singleton_mask([unit, time])
    np.testing.assert_array_equal(mask, [False, True, True, True, True, False])


def test_singletons_match_pyfixest():
    from pyfixest.core.detect_singletons import detect_singletons

    rng = np.random.default_rng(11)
    unit = rng.integers(0, 400, 600)
    time = rng.integers(0, 30, 600)
    ids = np.column_stack([unit, time])
    np.testing.assert_array_equal(singleton_mask(ids), detect_singletons(ids.astype(np.uint32)))


def test_no_singletons():
    unit = np.array([0, 0, 1, 1])
    time = np.array([0, 1, 0, 1])
    assert not singleton_mask([unit, time]).any()


def test_nesting_and_description():
    unit = np.array([0, 0, 1, 1, 2, 2])
    time = np.array([0, 1, 0, 1, 0, 1])
    area = np.array([7, 7, 7, 7, 3, 3])
    assert is_nested(unit, area)
    assert not is_nested(time, area)
    info = describe_factors([unit, time], ["id", "wave"], area)
    assert info == (
        FactorInfo("id", 3, True),
        FactorInfo("wave", 2, False),
    )
    assert describe_factors([unit], ["id"])[0].nested_in_cluster is None


def test_demean_in_place_transforms_a_column_major_matrix_itself():
    rng = np.random.default_rng(4)
    n = 500
    factors = [rng.integers(0, 40, n), rng.integers(0, 5, n)]
    weights = rng.uniform(0.5, 2.0, n)
    matrix = np.asfortranarray(rng.normal(size=(n, 3)))
    expected = fixed_effects.demean(matrix, factors, weights)
    assert not np.allclose(expected, matrix)  # the default leaves the input alone
    result = fixed_effects.demean(matrix, factors, weights, copy=False)
    assert result is matrix or np.shares_memory(result, matrix)
    np.testing.assert_allclose(matrix, expected, rtol=0, atol=1e-12)


def test_weighted_gram_of_sparse_counts_equals_scipys_product():
    from scipy import sparse

    from wellby.estimators.fixed_effects import _weighted_gram

    rng = np.random.default_rng(4)
    rows = np.repeat(np.arange(500), rng.integers(0, 7, 500))  # some rows empty
    columns = rng.integers(0, 12, rows.size)
    values = rng.random(rows.size)
    # duplicates within a row are kept apart (not summed) to test them too
    counts = sparse.csr_array((values, columns, np.searchsorted(rows, np.arange(501))),
                              shape=(500, 12))
    scale = rng.random(500) + 0.5
    reference = (counts.T @ sparse.diags_array(scale) @ counts).toarray()
    np.testing.assert_allclose(_weighted_gram(counts, scale, 12), reference, rtol=1e-12)
