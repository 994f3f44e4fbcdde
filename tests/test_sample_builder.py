"""The estimators' one sample builder, checked against pandas computations done by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wellby.estimators._sample import (
    dense_codes,
    duplicated_pairs,
    estimation_sample,
    n_distinct,
    sorted_unique,
)
from wellby.estimators.callaway_santanna import fit_callaway_santanna
from wellby.estimators.event_study import fit_event_study

PERIODS = (2014.0, 2016.0, 2018.0, 2020.0)


def messy_panel(seed: int = 0, n_units: int = 60) -> pd.DataFrame:
    """A panel with string units, holes in every column, zero weights and dropped rows."""
    rng = np.random.default_rng(seed)
    g_unit = rng.choice([0.0, np.nan, 2016.0, 2018.0], n_units)
    areas = ["north", "south", "east", "west", None]
    cl_unit = rng.choice(areas, n_units, p=[0.3, 0.3, 0.2, 0.15, 0.05])
    unit = np.repeat(np.arange(n_units), len(PERIODS))
    data = pd.DataFrame({
        "id": [f"p{u:03d}" for u in unit],
        "wave": np.tile(PERIODS, n_units),
        "cohort": g_unit[unit],
        "area": cl_unit[unit],
        "y": rng.normal(size=unit.size),
        "age": rng.integers(18, 90, unit.size).astype(float),
        "w": rng.uniform(0.5, 2.0, unit.size),
    })
    n = len(data)
    data.loc[rng.random(n) < 0.08, "y"] = np.nan
    data.loc[rng.random(n) < 0.05, "age"] = np.nan
    data.loc[rng.random(n) < 0.03, "wave"] = np.nan
    data.loc[rng.random(n) < 0.04, "w"] = 0.0
    data.loc[rng.random(n) < 0.02, "w"] = np.nan
    data.loc[rng.random(n) < 0.02, "id"] = None
    data = data[rng.random(n) > 0.1]
    return data.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def usable(data: pd.DataFrame, *, cluster: bool = True) -> pd.Series:
    """The rows an estimator can use, by pandas: every used column present, weight > 0."""
    cols = ["y", "wave", "age", "w", "id"] + (["area"] if cluster else [])
    return data[cols].notna().all(axis=1) & (data["w"] > 0)


def build(data: pd.DataFrame, **kw) -> object:
    opts = {"cluster": "area", "weights": "w", "covariates": ["age"]} | kw
    return estimation_sample(data, "y", "id", "wave", "cohort", **opts)


# --------------------------------------------------------------------------- the rows


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rows_dropped_match_pandas(seed):
    data = messy_panel(seed)
    s = build(data)
    expected = usable(data)
    np.testing.assert_array_equal(s.keep, expected.to_numpy())
    assert s.n_dropped_missing == int((~expected).sum()) > 0
    assert s.n_obs == int(expected.sum())
    assert s.n_dropped_singletons == 0
    kept = data[expected]
    np.testing.assert_array_equal(s.y, kept["y"].to_numpy())
    np.testing.assert_array_equal(s.weights, kept["w"].to_numpy())
    np.testing.assert_array_equal(s.x, kept[["age"]].to_numpy())


def test_missing_outcome_alone_drops_its_rows():
    data = messy_panel(3).dropna(subset=["id", "wave"]).fillna({"age": 40.0, "w": 1.0,
                                                                "area": "north"})
    data["w"] = data["w"].where(data["w"] > 0, 1.0)
    s = build(data)
    assert s.n_dropped_missing == int(data["y"].isna().sum()) > 0
    np.testing.assert_array_equal(s.keep, data["y"].notna().to_numpy())


def test_cluster_missing_drops_rows_only_when_clustering():
    data = messy_panel(4)
    with_cluster = build(data)
    without = build(data, cluster=None)
    np.testing.assert_array_equal(without.keep, usable(data, cluster=False).to_numpy())
    assert without.n_obs > with_cluster.n_obs
    np.testing.assert_array_equal(without.cluster, without.unit)
    assert without.n_clusters == without.n_units


def test_no_weights_means_unit_weights_and_zero_weights_stay():
    data = messy_panel(5)
    s = build(data, weights=None)
    assert (s.weights == 1.0).all()
    expected = data[["y", "wave", "age", "id", "area"]].notna().all(axis=1)
    np.testing.assert_array_equal(s.keep, expected.to_numpy())


# --------------------------------------------------------------------------- the codes


def test_codes_follow_pandas_groups():
    data = messy_panel(6)
    s = build(data)
    kept = data[s.keep]
    # units: one code per id, numbered by first appearance in the whole file
    order = {u: k for k, u in enumerate(pd.unique(data["id"].dropna()))}
    rank = kept["id"].map(order)
    expected_units = rank.rank(method="dense").astype(int).to_numpy() - 1
    np.testing.assert_array_equal(s.unit, expected_units)
    assert s.n_units == kept["id"].nunique()
    # clusters: the same partition as the area column, and as many codes as areas
    pairs = pd.DataFrame({"area": kept["area"].to_numpy(), "code": s.cluster})
    assert (pairs.groupby("area")["code"].nunique() == 1).all()
    assert (pairs.groupby("code")["area"].nunique() == 1).all()
    assert s.n_clusters == kept["area"].nunique() == s.cluster.max() + 1
    # periods: sorted distinct waves, and each row's position among them
    np.testing.assert_array_equal(s.periods, np.sort(kept["wave"].unique()))
    np.testing.assert_array_equal(s.periods[s.period], kept["wave"].to_numpy())


def test_cohort_positions_and_never_treated():
    data = messy_panel(7)
    s = build(data)
    kept = data[s.keep]
    never = kept["cohort"].isna() | (kept["cohort"] == 0)
    np.testing.assert_array_equal(s.never, never.to_numpy())
    assert (s.cohort[s.never] == -1).all()
    treated = ~s.never
    np.testing.assert_array_equal(
        s.periods[s.cohort[treated]], kept.loc[~never, "cohort"].to_numpy()
    )


def test_without_cohort():
    data = messy_panel(8)
    s = estimation_sample(data, "y", "id", "wave")
    assert s.cohort is None
    assert s.never is None
    assert s.x.shape == (s.n_obs, 0)
    np.testing.assert_array_equal(s.keep, data[["y", "wave", "id"]].notna().all(axis=1))


def pandas_singletons(frame: pd.DataFrame) -> pd.Series:
    """Drop rows alone in their unit or period until none is left (Correia 2015)."""
    keep = pd.Series(True, index=frame.index)
    while True:
        live = frame[keep]
        alone = (live.groupby("id")["id"].transform("size") == 1) | (
            live.groupby("wave")["wave"].transform("size") == 1
        )
        if not alone.any():
            return keep
        keep[alone[alone].index] = False


def test_singletons_dropped_as_pandas_iterates():
    data = messy_panel(9)
    # a unit seen once, and a wave seen once whose removal leaves another unit alone
    extra = pd.DataFrame({"id": ["solo", "pair", "pair"], "wave": [2014.0, 2016.0, 2030.0],
                          "cohort": 0.0, "area": "north", "y": 1.0, "age": 30.0, "w": 1.0})
    data = pd.concat([data, extra], ignore_index=True)
    s = build(data, drop_singletons=True)
    base = usable(data)
    expected = base.copy()
    expected[base] = pandas_singletons(data[base])
    np.testing.assert_array_equal(s.keep, expected.to_numpy())
    assert s.n_dropped_singletons == int(base.sum() - expected.sum()) >= 3
    assert s.n_dropped_missing == int((~base).sum())
    assert 2030.0 not in s.periods


# --------------------------------------------------------------------------- duplicates


@pytest.mark.parametrize("n_periods", [4, 10**9])  # counted by bincount, then by sorting
def test_duplicated_pairs_names_the_rows_pandas_does(n_periods):
    rng = np.random.default_rng(10)
    units = rng.integers(0, 50, 400)
    periods = rng.integers(0, 4, 400)
    flagged = duplicated_pairs(units, periods, n_periods)
    expected = pd.DataFrame({"u": units, "t": periods}).duplicated(keep=False)
    np.testing.assert_array_equal(flagged, expected.to_numpy())
    assert flagged.any() and not flagged.all()


def test_duplicated_pairs_none_and_empty():
    units = np.repeat(np.arange(5), 3)
    periods = np.tile(np.arange(3), 5)
    assert not duplicated_pairs(units, periods, 3).any()
    assert duplicated_pairs(units[:0], periods[:0], 3).size == 0
    units[4] = 0  # unit 0 now has two rows in period 1: rows 1 and 4
    np.testing.assert_array_equal(np.flatnonzero(duplicated_pairs(units, periods, 3)), [1, 4])


def test_panel_duplicates_are_looked_for_in_the_sample_only():
    data = messy_panel(11).dropna(subset=["id", "wave"])
    twice = data[data["y"].notna()].iloc[:2]
    with pytest.raises(ValueError, match="unit column 'id' has more than one row in some "
                                         "period of 'wave'; a panel needs one row per unit"):
        fit_callaway_santanna(pd.concat([data, twice]), "y", "id", "wave", "cohort")
    # the same rows twice but with no outcome: dropped before the check
    fit_callaway_santanna(pd.concat([data, twice.assign(y=np.nan)]), "y", "id", "wave", "cohort")


# --------------------------------------------------------------------------- the helpers


def test_dense_codes_equal_numpy_unique():
    rng = np.random.default_rng(12)
    for codes in (rng.integers(0, 1000, 5000), rng.integers(-3, 50, 500), np.array([7, 7, 2])):
        dense, k = dense_codes(codes)
        uniq, inverse = np.unique(codes, return_inverse=True)
        np.testing.assert_array_equal(dense, inverse)
        assert k == uniq.size
        assert dense.dtype == np.intp


def test_counts_and_sorted_unique_equal_numpy_unique():
    rng = np.random.default_rng(13)
    codes = rng.integers(0, 300, 1000)
    assert n_distinct(codes) == np.unique(codes).size
    assert n_distinct(codes[:0]) == 0
    values = rng.choice([2020.0, 2014.0, 2016.5, -1.0], 1000)
    np.testing.assert_array_equal(sorted_unique(values), np.unique(values))


# --------------------------------------------------------------------------- errors


def test_errors():
    data = messy_panel(14)
    with pytest.raises(ValueError, match="weights column 'w' has negative values"):
        build(data.assign(w=-data["w"]))
    with pytest.raises(ValueError, match="no observations left after dropping rows with missing"):
        build(data.assign(y=np.nan))
    with pytest.raises(ValueError, match="time column 'wave' has fewer than two periods"):
        build(data.assign(wave=2016.0), min_periods=2)
    varying = data.assign(y=1.0, age=1.0, w=1.0).dropna(subset=["wave", "id", "area"])
    rows = varying.index[varying["id"] == varying["id"].value_counts().index[0]]
    varying.loc[rows, "cohort"] = 2018.0
    varying.loc[rows[0], "cohort"] = 2016.0
    with pytest.raises(ValueError, match="cohort column 'cohort' varies within units of 'id'"):
        build(varying)
    with pytest.raises(ValueError, match="no observations left after dropping singletons"):
        build(data.iloc[:1].assign(y=1.0, age=1.0, w=1.0, wave=2014.0, id="a", area="b"),
              drop_singletons=True)


# --------------------------------------------------------------------------- the estimators


def test_estimators_use_the_builder_rows():
    data = messy_panel(15, n_units=120)
    s = build(data, cluster=None, weights=None, covariates=[], drop_singletons=True)
    es = fit_event_study(data, "y", "id", "wave", "cohort", vcov="hc1", leads=2, lags=1)
    assert es.n_obs == s.n_obs
    assert es.n_dropped_singletons == s.n_dropped_singletons
    assert es.n_dropped_missing == s.n_dropped_missing
    rcs = build(data, cluster=None, weights=None, covariates=[])
    cs = fit_callaway_santanna(data, "y", "id", "wave", "cohort",
                               design="repeated_cross_section")
    assert cs.n_obs == rcs.n_obs
