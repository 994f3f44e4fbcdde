"""Tests of the random-intercept cohort model (wellby.estimators.mixed)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import optimize

from wellby.analysis.tables import DID_COLUMNS
from wellby.demo import (
    ITEMS,
    MEMBER_COLUMN,
    MISSING_CODES,
    SWEMWBS_ITEMS,
    simulate_demo_study,
)
from wellby.estimators.mixed import MixedCohortResult, _fit_random_intercept, fit_mixed_cohort
from wellby.prepare.scales import swemwbs_scores

RESULTS = Path(__file__).parent / "results"


@pytest.fixture(scope="module")
def dietox():
    return pd.read_csv(RESULTS / "dietox.csv", comment="#")


@pytest.fixture(scope="module")
def lme4():
    ref = pd.read_csv(RESULTS / "dietox_lme4_random_intercept.csv", comment="#")
    ref["term"] = ref["term"].fillna("")
    return ref.set_index(["reml", "quantity", "term"])["value"]


def _profile_fit(y, x, groups, reml=True):
    """Random-intercept (RE)ML by profiling over lambda = var_u / var_e (closed form).

    An implementation independent of statsmodels: for a group of size n the scaled
    covariance is H = I + lambda J, with H^-1 = I - lambda / (1 + n lambda) J and
    log det H = log(1 + n lambda).
    """
    y = np.asarray(y, float)
    x = np.asarray(x, float)
    codes, _ = pd.factorize(np.asarray(groups))
    sizes = np.bincount(codes)
    xs = np.zeros((len(sizes), x.shape[1]))
    np.add.at(xs, codes, x)
    ys = np.bincount(codes, weights=y)
    n, p = x.shape

    def parts(lam):
        c = lam / (1 + sizes * lam)
        xhx = x.T @ x - (xs * c[:, None]).T @ xs
        xhy = x.T @ y - (xs * c[:, None]).T @ ys
        yhy = y @ y - c @ ys**2
        beta = np.linalg.solve(xhx, xhy)
        rhr = yhy - beta @ xhy
        dof = n - p if reml else n
        return beta, rhr / dof, xhx, dof

    def negloglik(log_lam):
        lam = np.exp(log_lam)
        _, s2, xhx, dof = parts(lam)
        value = dof * np.log(s2) + np.log1p(sizes * lam).sum()
        if reml:
            value += np.linalg.slogdet(xhx)[1]
        return value / 2

    best = optimize.minimize_scalar(
        negloglik, bounds=(-15, 8), method="bounded", options={"xatol": 1e-10}
    )
    lam = np.exp(best.x)
    beta, s2, xhx, _ = parts(lam)
    se = np.sqrt(np.diag(s2 * np.linalg.inv(xhx)))
    return beta, se, s2, lam * s2


# ---------------------------------------------------------------- reference: lme4 on dietox


@pytest.mark.parametrize("reml", [True, False])
def test_dietox_matches_lme4(dietox, lme4, reml):
    x = pd.DataFrame({"Intercept": 1.0, "Time": dietox["Time"].astype(float)})
    fit = _fit_random_intercept(dietox["Weight"], x, dietox["Pig"], reml=reml)
    ref = lme4.loc[reml]
    for term in ("Intercept", "Time"):
        assert fit.params[term] == pytest.approx(ref.loc[("estimate", term)], rel=1e-6)
        assert fit.std_errors[term] == pytest.approx(ref.loc[("std_error", term)], rel=1e-5)
    assert fit.residual_variance == pytest.approx(ref.loc[("residual_variance", "")], rel=1e-5)
    assert fit.re_variance == pytest.approx(ref.loc[("re_variance", "")], rel=1e-5)
    assert fit.log_likelihood == pytest.approx(ref.loc[("loglik", "")], rel=1e-6)
    assert fit.converged and not fit.warnings
    assert (fit.n_obs, fit.n_groups) == (861, 72)
    # the independent profile-likelihood fit used below agrees with lme4 too
    beta, se, s2, s2u = _profile_fit(dietox["Weight"], x, dietox["Pig"], reml=reml)
    assert_allclose(beta, fit.params.to_numpy(), rtol=1e-6)
    assert_allclose(se, fit.std_errors.to_numpy(), rtol=1e-5)
    assert_allclose([s2, s2u], [fit.residual_variance, fit.re_variance], rtol=1e-5)


@pytest.mark.parametrize("reml", [True, False])
def test_dietox_categorical_weeks(dietox, reml):
    """fit_mixed_cohort with Time as 12 categorical waves, against the profile fit."""
    res = fit_mixed_cohort(dietox, "Weight", "Pig", "Time", reml=reml)
    weeks = sorted(dietox["Time"].unique())
    x = pd.get_dummies(dietox["Time"], dtype=float).iloc[:, 1:]
    x.insert(0, "const", 1.0)
    beta, se, s2, s2u = _profile_fit(dietox["Weight"], x, dietox["Pig"], reml=reml)
    tidy = res.tidy()
    assert tidy["term"].tolist() == [f"change_{w}_vs_1" for w in weeks[1:]]
    assert_allclose(tidy["estimate"], beta[1:], rtol=1e-6)
    assert_allclose(tidy["std_error"], se[1:], rtol=1e-5)
    # statsmodels stops its optimiser a little earlier than the 1-D profile search
    assert_allclose([res.residual_variance, res.re_variance], [s2, s2u], rtol=1e-4)
    assert res.intercept == pytest.approx(beta[0], rel=1e-6)
    assert res.converged and res.n_obs == 861 and res.n_clusters == 72
    # week 12 lacks 3 pigs, so its change is not the raw difference of means
    means = dietox.groupby("Time")["Weight"].mean()
    assert tidy["estimate"].iloc[-1] != pytest.approx(means[12] - means[1], abs=1e-3)


# ---------------------------------------------------------------- hand-checkable


def _balanced():
    y = np.array([[10, 12, 11], [14, 15, 17], [6, 9, 7], [12, 13, 16]], dtype=float)
    return pd.DataFrame(
        {"pid": np.repeat(list("ABCD"), 3), "wave": np.tile([2016, 2018, 2020], 4), "y": y.ravel()}
    )


def test_balanced_cohort_by_hand():
    # Wave means 10.5, 12.25, 12.75. Two-way ANOVA (person + wave): SSE = 53/6 on
    # (4-1)(3-1) = 6 df, so MSE = 53/36; MS(person) = 329/9; REML on balanced data gives
    # the ANOVA estimates: residual variance MSE, intercept variance (329/9 - 53/36) / 3
    # = 1263/108; SE of a change = sqrt(2 MSE / 4) = sqrt(53/72).
    res = fit_mixed_cohort(_balanced(), "y", "pid", "wave")
    tidy = res.tidy()
    assert list(tidy.columns) == DID_COLUMNS
    assert tidy["term"].tolist() == ["change_2018_vs_2016", "change_2020_vs_2016"]
    assert_allclose(tidy["estimate"], [1.75, 2.25], rtol=1e-9)
    assert_allclose(tidy["std_error"], np.sqrt(53 / 72), rtol=1e-4)
    assert res.residual_variance == pytest.approx(53 / 36, rel=1e-4)
    assert res.re_variance == pytest.approx(1263 / 108, rel=1e-4)
    assert res.icc == pytest.approx(1263 / 108 / (1263 / 108 + 53 / 36), rel=1e-4)
    assert res.intercept == pytest.approx(10.5, rel=1e-9)
    z = 1.75 / np.sqrt(53 / 72)
    assert tidy.loc[0, "p_value"] == pytest.approx(2 * (1 - _norm_cdf(z)), rel=1e-3)
    assert tidy.loc[0, "ci_low"] == pytest.approx(1.75 - 1.959964 * np.sqrt(53 / 72), rel=1e-4)
    assert (tidy["n_obs"] == 12).all() and (tidy["n_clusters"] == 4).all()
    assert (tidy["estimator"] == "mixed_cohort").all() and (tidy["outcome"] == "y").all()
    assert res.converged and res.warnings == ()
    text = res.summary()
    assert "change_2020_vs_2016" in text and "ICC" in text and "persons" in text


def _norm_cdf(z):
    from scipy.stats import norm

    return norm.cdf(z)


def test_reference_wave_and_alpha():
    data = _balanced()
    res = fit_mixed_cohort(data, "y", "pid", "wave", reference=2018, alpha=0.10)
    tidy = res.tidy().set_index("term")
    assert list(tidy.index) == ["change_2016_vs_2018", "change_2020_vs_2018"]
    assert_allclose(tidy["estimate"], [-1.75, 0.5], rtol=1e-9, atol=1e-12)
    half = tidy["ci_high"] - tidy["estimate"]
    assert_allclose(half, 1.644854 * tidy["std_error"], rtol=1e-6)
    # string waves work too
    data["wave"] = data["wave"].map({2016: "w1", 2018: "w2", 2020: "w3"})
    assert fit_mixed_cohort(data, "y", "pid", "wave").tidy()["term"].tolist() == [
        "change_w2_vs_w1",
        "change_w3_vs_w1",
    ]


def test_missing_rows_and_covariates_dropped():
    data = _balanced()
    data["age"] = [30, 32, 34, 50, 52, 54, 41, 43, 45, 22, 24, 26.0]
    data["sex"] = np.repeat(["f", "m", "f", "m"], 3)
    data.loc[1, "y"] = np.nan
    data.loc[5, "age"] = np.nan
    res = fit_mixed_cohort(data, "y", "pid", "wave", covariates=["sex"])
    assert res.n_obs == 11 and res.n_dropped_missing == 1 and res.n_clusters == 4
    assert [c.term for c in res.covariates] == ["sex[T.m]"]
    res = fit_mixed_cohort(data, "y", "pid", "wave", covariates=("age", "sex"), reml=False)
    assert res.n_obs == 10 and res.n_dropped_missing == 2
    tidy = res.tidy()
    assert tidy["term"].tolist() == [
        "change_2018_vs_2016",
        "change_2020_vs_2016",
        "age",
        "sex[T.m]",
    ]
    assert not res.reml and np.isfinite(tidy["std_error"]).all()


def test_boundary_warning_is_captured(recwarn):
    # Independent noise, no person effect: with this draw the between-person variance
    # is estimated at about 0 (0.04% of the residual variance; statsmodels' MixedLM also
    # flags it).
    rng = np.random.default_rng(2)
    data = pd.DataFrame(
        {"pid": np.repeat(np.arange(30), 2), "wave": np.tile([1, 2], 30), "y": rng.normal(size=60)}
    )
    res = fit_mixed_cohort(data, "y", "pid", "wave")
    assert len(recwarn) == 0  # captured, not emitted
    assert res.re_variance < 0.01 and res.icc < 0.01
    assert any("boundary" in w for w in res.warnings)
    means = data.groupby("wave")["y"].mean()
    assert res.tidy()["estimate"].iloc[0] == pytest.approx(means[2] - means[1], abs=1e-9)
    assert "warning: The MLE may be on the boundary" in res.summary()
    assert isinstance(res, MixedCohortResult)


def test_convergence_failure_is_reported(monkeypatch, recwarn):
    from scipy import optimize

    from wellby.estimators import random_intercept

    real_search = optimize.minimize_scalar

    def failing_search(*args, **kwargs):
        result = real_search(*args, **kwargs)
        result.success = False
        return result

    monkeypatch.setattr(random_intercept.optimize, "minimize_scalar", failing_search)
    res = fit_mixed_cohort(_balanced(), "y", "pid", "wave")
    assert len(recwarn) == 0
    assert not res.converged
    assert "converged: NO" in res.summary()


# ---------------------------------------------------------------- demo member cohort


def _members_from_raw(study):
    """The members' rows of the raw waves, back to canonical names, scored as cleaned."""
    frames = []
    for entry in study.spec:
        if MEMBER_COLUMN not in entry["rename"].values():
            continue
        raw = study.raw[entry["wave"]].rename(columns=entry["rename"])
        rows = raw[raw[MEMBER_COLUMN].fillna(0) == 1].copy()
        rows[list(ITEMS)] = rows[list(ITEMS)].mask(rows[list(ITEMS)].isin(list(MISSING_CODES)))
        scores = swemwbs_scores(rows[list(SWEMWBS_ITEMS)].astype(float))
        frames.append(pd.concat([rows[["person_id", "wave", "life_satisfaction"]], scores], axis=1))
    return pd.concat(frames, ignore_index=True)


def test_demo_member_cohort_recovers_truth():
    study = simulate_demo_study()
    truth = study.truth["members"]
    members = _members_from_raw(study)
    assert members["swemwbs_metric"].isna().sum() > 0  # some members skipped 2+ items
    res = fit_mixed_cohort(members, "swemwbs_metric", "person_id", "wave")
    tidy = res.tidy().set_index("term")
    assert res.n_clusters == truth["n_members"] == 300
    est = tidy.loc["change_2018_vs_2016"]
    true_2018 = truth["swemwbs_metric"]["change"]["2018"]
    assert 0.1 < est["std_error"] < 0.4
    assert abs(est["estimate"] - true_2018) < 2 * est["std_error"], (est, true_2018)
    assert est["p_value"] < 0.001
    late = tidy.loc["change_2020_vs_2016"]
    assert abs(late["estimate"] - truth["swemwbs_metric"]["change"]["2020"]) < 2 * late["std_error"]
    assert abs(late["estimate"]) < 2 * late["std_error"]  # the gain is gone by 2020
    assert 0.3 < res.icc < 0.8 and res.converged
    # on the complete (pre-mess) scores of a balanced cohort, the estimate is the truth
    clean = study.members.assign(
        swemwbs_metric=swemwbs_scores(study.members[list(SWEMWBS_ITEMS)])["swemwbs_metric"]
    )
    exact = fit_mixed_cohort(clean, "swemwbs_metric", "person_id", "wave").tidy()
    assert_allclose(
        exact["estimate"], [true_2018, truth["swemwbs_metric"]["change"]["2020"]], rtol=1e-8
    )


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"outcome": "nope"}, "outcome column 'nope'"),
        ({"person": "who"}, "person column 'who'"),
        ({"wave": "when"}, "wave column 'when'"),
        ({"covariates": ["age"]}, "covariate column 'age'"),
        ({"reference": 2017}, "reference wave 2017"),
        ({"alpha": 1.5}, "alpha"),
    ],
)
def test_errors_name_the_problem(kwargs, message):
    args = {"outcome": "y", "person": "pid", "wave": "wave", **kwargs}
    data = _balanced()
    with pytest.raises(ValueError, match=message):
        fit_mixed_cohort(data, args.pop("outcome"), args.pop("person"), args.pop("wave"), **args)


def test_errors_on_degenerate_data():
    data = _balanced()
    with pytest.raises(ValueError, match="wave column 'wave' has fewer than 2 waves"):
        fit_mixed_cohort(data[data["wave"] == 2016], "y", "pid", "wave")
    only_2016 = data.assign(y=data["y"].where(data["wave"] == 2016))
    with pytest.raises(ValueError, match="found: 2016"):
        fit_mixed_cohort(only_2016, "y", "pid", "wave")
    with pytest.raises(ValueError, match="person column 'pid' has 1 person"):
        fit_mixed_cohort(data[data["pid"] == "A"], "y", "pid", "wave")
    with pytest.raises(ValueError, match="outcome column 'pid' is not numeric"):
        fit_mixed_cohort(data, "pid", "pid", "wave")
    with pytest.raises(ValueError, match="collinear"):
        fit_mixed_cohort(data.assign(k=1.0), "y", "pid", "wave", covariates=["k"])
