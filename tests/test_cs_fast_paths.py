"""The shortcuts of Callaway-Sant'Anna equal the general formulas they replace.

Without covariates the panel 2x2 estimators reduce to a difference in weighted means
(:func:`wellby.estimators.callaway_santanna.drdid._difference_in_means`); the aggregations
carry coefficients on a basis of influence-function columns instead of the columns. Both
are checked here against the direct computations (DRDID's general formulas; R did's
``wif`` and the cluster sums of each estimate's own influence function).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wellby.estimators.callaway_santanna import drdid
from wellby.estimators.callaway_santanna.aggregate import (
    aggregate,
    covariance,
    influence_basis,
)
from wellby.estimators.callaway_santanna.att_gt import group_time_effects
from wellby.estimators.callaway_santanna.preprocess import prepare


@pytest.mark.parametrize("method", ["dr", "ipw", "reg"])
def test_difference_in_means_equals_drdid_general_formulas(method):
    rng = np.random.default_rng(7)
    n = 500
    d = (rng.random(n) < 0.3).astype(float)
    dy = rng.normal(size=n) + 0.5 * d
    w = rng.uniform(0.2, 3.0, n)
    w = w / w.mean()
    ones = np.ones((n, 1))
    att_fast, inf_fast = drdid._difference_in_means(dy, d, w)
    att_full, inf_full = drdid._panel_general(method, dy, d, ones, w, "test cell")
    assert att_fast == pytest.approx(att_full, abs=1e-13)
    np.testing.assert_allclose(inf_fast, inf_full, rtol=0, atol=1e-11)
    # and the public entry point takes the shortcut
    att, inf = drdid.panel_2x2(method, dy, d, ones, w, "test cell")
    assert att == att_fast


def test_panel_2x2_keeps_trimming_when_the_cohort_is_nearly_everyone():
    # a weighted cohort share of 0.996 means DRDID trims every control unit: the
    # shortcut must not apply, and the ATT is then undefined as in DRDID
    n = 1000
    d = np.ones(n)
    d[:4] = 0
    dy = np.arange(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        att, _ = drdid.panel_2x2("dr", dy, d, np.ones((n, 1)), np.ones(n), "cell")
    assert np.isnan(att)


def _direct_influence(dat, cells, agg, j):
    """Estimate j's influence function built as R did does (cells and wif, per unit)."""
    col = cells.inf @ agg.coef[j][: cells.att.size]
    b = agg.coef[j][cells.att.size :]
    treated = dat.cohort >= 0
    col[treated] += dat.w[treated] * b[dat.cohort[treated]]
    return col


def _simple_direct(dat, cells):
    """att_simple's influence function from R did's wif, with no shortcut."""
    ok = ~np.isnan(cells.att)
    post = np.flatnonzero((cells.period >= cells.group) & ok)
    pg = np.array([np.mean(dat.w * (dat.cohort == g)) for g in cells.group[post]])
    wts = pg / pg.sum()
    ind = dat.w[:, None] * (dat.cohort[:, None] == cells.group[post][None, :]) - pg[None, :]
    s = pg.sum()
    wif = ind / s - ind.sum(axis=1, keepdims=True) * (pg / s**2)[None, :]
    return cells.inf[:, post] @ wts + wif @ cells.att[post]


@pytest.mark.parametrize("cluster", [None, "area"])
def test_basis_covariance_equals_cluster_sums_of_each_influence_function(cluster):
    rng = np.random.default_rng(3)
    n_units, n_areas = 400, 30
    area = rng.integers(0, n_areas, n_units)
    cohort_of_area = rng.choice([0, 3, 4], n_areas)
    unit = np.repeat(np.arange(n_units), 5)
    wave = np.tile(np.arange(1, 6), n_units)
    g = cohort_of_area[area][unit]
    y = rng.normal(size=unit.size) + 0.4 * ((g > 0) & (wave >= g))
    data = pd.DataFrame({"y": y, "id": unit, "wave": wave, "g": g, "area": area[unit],
                         "wt": rng.uniform(0.5, 2, n_units)[unit]})
    dat = prepare(data, "y", "id", "wave", "g", design="panel", control_group="never_treated",
                  cluster=cluster, weights="wt", covariates=[], anticipation=0,
                  balanced_panel=False)
    cells = group_time_effects(dat, "dr", "never_treated", "varying", 0)
    agg = aggregate(dat, cells)
    simple = agg.term.index("att_simple")
    np.testing.assert_allclose(
        _direct_influence(dat, cells, agg, simple), _simple_direct(dat, cells), atol=1e-12
    )
    cols = np.column_stack([_direct_influence(dat, cells, agg, j) for j in range(len(agg.est))])
    sums = np.zeros((dat.n_clusters, cols.shape[1]))
    for j in range(cols.shape[1]):
        sums[:, j] = np.bincount(dat.clusters, weights=cols[:, j], minlength=dat.n_clusters)
    direct = sums.T @ sums / dat.n**2
    fast = covariance(influence_basis(dat, cells), agg.matrix(), dat.n)
    np.testing.assert_allclose(fast, direct, rtol=1e-10, atol=1e-16)
