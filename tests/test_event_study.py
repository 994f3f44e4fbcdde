"""Event-study TWFE: against pyfixest, the pre-trend Wald test, binning, figure, errors."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from wellby.estimators.event_study import fit_event_study, relative_time
from wellby.estimators.event_study_results import EVENT_STUDY_COLUMNS

pf = pytest.importorskip("pyfixest")

YEARS = np.arange(2010, 2018)  # 8 periods
COHORTS = (2013, 2014, 2015)


def simulate(
    rng,
    n_areas=60,
    per_area=6,
    pretrend=0.0,
    effect=0.4,
    p_never=0.35,
    cohorts=COHORTS,
    years=YEARS,
):
    """Units nested in areas, cohorts assigned by area, parallel trends unless ``pretrend``.

    ``pretrend`` adds ``pretrend * rel_time`` to ever-treated units before their start: a
    differential trend that the leads should pick up.
    """
    p = [p_never] + [(1 - p_never) / len(cohorts)] * len(cohorts)
    g_area = rng.choice([0, *cohorts], n_areas, p=p)
    n_units = n_areas * per_area
    area = np.repeat(np.arange(n_areas), per_area)
    unit = np.repeat(np.arange(n_units), years.size)
    t = np.tile(years, n_units)
    g = g_area[area][unit]
    rel = np.where(g > 0, t - g, 0)
    y = (
        rng.normal(size=n_units)[unit]
        + rng.normal(scale=0.3, size=(n_areas, years.size))[area[unit], t - years[0]]
        + 0.1 * (t - years[0])
        + effect * ((g > 0) & (rel >= 0))
        + pretrend * np.where((g > 0) & (rel < 0), rel, 0)
        + rng.normal(size=unit.size)
    )
    return pd.DataFrame(
        {
            "y": y,
            "unit": unit,
            "area": area[unit],
            "year": t,
            "cohort": g,
            "x": rng.normal(size=unit.size),
            "w": rng.uniform(0.5, 2.0, n_units)[unit],
        }
    )


def pyfixest_fit(data, vcov, weights=None, covariates=(), leads=None, lags=None):
    d = data.copy()
    rel = np.where(d["cohort"] > 0, d["year"] - d["cohort"], -1)
    if leads is not None:
        rel = np.where((d["cohort"] > 0) & (rel < -leads), -leads, rel)
    if lags is not None:
        rel = np.where(rel > lags, lags, rel)
    d["rel"] = rel.astype(float)
    rhs = " + ".join(["i(rel, ref=-1.0)", *covariates])
    spec = {"cluster": {"CRV1": "area"}, "hc1": "hetero", "classical": "iid"}[vcov]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pf.feols(f"y ~ {rhs} | unit + year", data=d, vcov=spec, weights=weights)


@pytest.fixture(scope="module")
def panel():
    return simulate(np.random.default_rng(11))


@pytest.mark.parametrize("vcov", ["cluster", "hc1", "classical"])
@pytest.mark.parametrize(("weights", "covariates"), [(None, ()), ("w", ("x",))])
def test_matches_pyfixest(panel, vcov, weights, covariates):
    res = fit_event_study(
        panel,
        "y",
        "unit",
        "year",
        "cohort",
        cluster="area",
        vcov=vcov,
        weights=weights,
        covariates=covariates,
    )
    ref = pyfixest_fit(panel, vcov, weights=weights, covariates=covariates)
    coef, se = ref.coef(), ref.se()
    assert res.lead_bin is None and res.lag_bin is None
    for e, c in zip(res.rel_times, res.coefficients, strict=True):
        if e == -1:
            assert c.estimate == 0 and np.isnan(c.std_error)
            continue
        name = f"rel::{float(e)}"
        assert c.estimate == pytest.approx(coef[name], rel=1e-6, abs=1e-10)
        assert c.std_error == pytest.approx(se[name], rel=1e-6)
    if covariates:
        assert res.covariates[0].estimate == pytest.approx(coef["x"], rel=1e-6)
    assert res.n_obs == ref._N


def test_binned_end_points_match_pyfixest(panel):
    res = fit_event_study(panel, "y", "unit", "year", "cohort", cluster="area", leads=3, lags=2)
    assert res.lead_bin == -3 and res.lag_bin == 2
    assert res.rel_times == (-3, -2, -1, 0, 1, 2)
    assert res.terms[0] == "rel_time<=-3" and res.terms[-1] == "rel_time>=2"
    ref = pyfixest_fit(panel, "cluster", leads=3, lags=2)
    for e, c in zip(res.rel_times, res.coefficients, strict=True):
        if e != -1:
            assert c.estimate == pytest.approx(ref.coef()[f"rel::{float(e)}"], rel=1e-6)
            assert c.std_error == pytest.approx(ref.se()[f"rel::{float(e)}"], rel=1e-6)
    counts = dict(zip(res.rel_times, res.n_treated_obs, strict=True))
    rel = panel["year"] - panel["cohort"]
    assert counts[-3] == int(((panel["cohort"] > 0) & (rel <= -3)).sum())
    # a bin beyond the data's range is no bin
    wide = fit_event_study(panel, "y", "unit", "year", "cohort", leads=20, lags=20)
    assert wide.lead_bin is None and wide.lag_bin is None


def test_wald_matches_pyfixest(panel):
    res = fit_event_study(panel, "y", "unit", "year", "cohort", cluster="area")
    test = res.pretrend()
    ref = pyfixest_fit(panel, "cluster")
    names = list(ref.coef().index)
    lead_names = [f"rel::{float(e)}" for e in res.lead_times]
    sel = np.zeros((len(lead_names), len(names)))
    for i, n in enumerate(lead_names):
        sel[i, names.index(n)] = 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        chi2 = ref.wald_test(R=sel, distribution="chi2")
    q = len(lead_names)
    assert test.df1 == q and test.df2 == res.n_clusters - 1 == 59
    assert test.wald_statistic == pytest.approx(chi2["statistic"], rel=1e-6)
    assert test.statistic == pytest.approx(chi2["statistic"] / q, rel=1e-6)
    assert test.p_value == pytest.approx(stats.f.sf(test.statistic, q, 59), rel=1e-12)
    assert test.terms == tuple(f"rel_time={e}" for e in res.lead_times)


def test_wald_f_form_matches_pyfixest_when_only_leads(panel):
    # keep only pre-start rows of treated units: every coefficient is a lead, so pyfixest's
    # default wald_test (R = identity, F distribution, G-1 denominator df) is the same test
    pre = panel[
        (panel["cohort"] == 0)
        | (panel["year"] < panel["cohort"] - 1)
        | (panel["year"] == panel["cohort"] - 1)
    ]
    res = fit_event_study(pre, "y", "unit", "year", "cohort", cluster="area")
    assert all(e < 0 for e in res.rel_times)
    ref = pyfixest_fit(pre, "cluster")
    f_ref = ref.wald_test()
    test = res.pretrend()
    assert test.statistic == pytest.approx(f_ref["statistic"], rel=1e-6)
    assert test.p_value == pytest.approx(f_ref["pvalue"], rel=1e-6)
    row = test.tidy()
    assert row["term"].iloc[0] == "pretrend_wald" and row["distribution"].iloc[0] == "F"
    assert row["p_value"].iloc[0] == pytest.approx(test.p_value)
    # The test's statistic is in its own column, never in the effect's.
    assert np.isnan(row["estimate"].iloc[0])
    assert row["statistic"].iloc[0] == pytest.approx(f_ref["statistic"], rel=1e-6)


def test_pretrend_detected_and_parallel_trends_not_rejected():
    flat = fit_event_study(
        simulate(np.random.default_rng(5)), "y", "unit", "year", "cohort", cluster="area"
    )
    assert flat.pretrend().p_value > 0.05
    leads = flat.tidy().query("rel_time < -1")
    assert (leads["estimate"].abs() < 3 * leads["std_error"]).all()
    post = flat.tidy().query("rel_time >= 0")
    assert (post["estimate"] - 0.4).abs().max() < 3 * post["std_error"].max()
    trend = simulate(np.random.default_rng(5), pretrend=0.3)
    planted = fit_event_study(trend, "y", "unit", "year", "cohort", cluster="area")
    assert planted.pretrend().p_value < 0.001


def test_tidy_summary_and_plot(panel):
    res = fit_event_study(panel, "y", "unit", "year", "cohort", cluster="area")
    tidy = res.tidy()
    assert list(tidy.columns) == EVENT_STUDY_COLUMNS
    assert tidy["rel_time"].tolist() == sorted(tidy["rel_time"])
    ref_row = tidy[tidy["rel_time"] == -1].iloc[0]
    assert ref_row["estimate"] == 0 and np.isnan(ref_row["std_error"])
    assert np.isnan(ref_row["ci_low"]) and np.isnan(ref_row["p_value"])
    assert (tidy["n_obs"] == res.n_obs).all() and (tidy["n_clusters"] == 60).all()
    assert tidy["n_treated_obs"].sum() == int((panel["cohort"] > 0).sum())
    assert (tidy["estimator"] == "event_study").all()
    est = tidy[tidy["rel_time"] != -1]
    assert (est["ci_low"] < est["estimate"]).all() and (est["estimate"] < est["ci_high"]).all()
    text = res.summary()
    assert "reference" in text and "Pre-trend test" in text and "CRV1" in text
    assert res.params.loc[-1] == 0 and np.isnan(res.std_errors.loc[-1])
    ax = res.plot()
    assert "relative" in ax.get_xlabel() and "y" in ax.get_ylabel() and ax.get_title()
    xs = [tuple(line.get_xdata()) for line in ax.get_lines()]
    assert (-0.5, -0.5) in xs  # the start line
    ys = [tuple(line.get_ydata()) for line in ax.get_lines()]
    assert (0.0, 0.0) in ys  # the zero line
    import matplotlib

    fig = matplotlib.figure.Figure()
    own = fig.add_subplot()
    assert res.plot(ax=own) is own


def test_automatic_binning_of_thin_end_points():
    rng = np.random.default_rng(3)
    data = simulate(rng, n_areas=80, cohorts=(2012, 2013, 2014))
    # the latest cohort, alone at rel_time -4 (and at 2010, -4), gets only two areas
    late = data["area"].isin([0, 1])
    data.loc[late, "cohort"] = 2016
    res = fit_event_study(data, "y", "unit", "year", "cohort", cluster="area")
    assert res.lead_bin is not None and res.lead_bin > -6
    assert res.terms[0].startswith("rel_time<=")
    rel = data["year"] - data["cohort"]
    n_outer = ((data["cohort"] > 0) & (rel <= res.lead_bin)).sum()
    assert res.n_treated_obs[0] == n_outer
    # explicit leads/lags override the automatic choice
    none = fit_event_study(data, "y", "unit", "year", "cohort", cluster="area", leads=20, lags=20)
    assert none.lead_bin is None and min(none.rel_times) == -6


def test_relative_time_counts_observed_periods():
    data = pd.DataFrame(
        {"wave": [2016, 2018, 2020, 2016, 2018, 2020], "cohort": [2018] * 3 + [0] * 3}
    )
    rel = relative_time(data, "wave", "cohort")
    assert rel.tolist()[:3] == [-1, 0, 1]
    assert rel.isna().tolist()[3:] == [True] * 3


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"outcome": "nope"}, "outcome column 'nope'"),
        ({"unit": "nope"}, "unit column 'nope'"),
        ({"time": "nope"}, "time column 'nope'"),
        ({"cohort": "nope"}, "cohort column 'nope'"),
        ({"covariates": ["nope"]}, "covariate column 'nope'"),
        ({"cluster": "nope"}, "cluster column 'nope'"),
        ({"weights": "nope"}, "weights column 'nope'"),
    ],
)
def test_error_missing_columns(panel, kw, message):
    args = {"outcome": "y", "unit": "unit", "time": "year", "cohort": "cohort"}
    opts = {k: v for k, v in kw.items() if k not in args}
    args.update({k: v for k, v in kw.items() if k in args})
    with pytest.raises(ValueError, match=message):
        fit_event_study(panel, **args, **opts)


def test_error_cases(panel):
    def es(data=panel, **kw):
        return fit_event_study(data, "y", "unit", "year", "cohort", **kw)

    with pytest.raises(ValueError, match="leads=1 would put the reference"):
        es(leads=1)
    with pytest.raises(ValueError, match="reference must be a negative integer"):
        es(reference=0)
    with pytest.raises(ValueError, match="lags must be >= 0"):
        es(lags=-1)
    with pytest.raises(ValueError, match="leads must be a positive integer"):
        es(leads=2.5)
    with pytest.raises(ValueError, match="vcov"):
        es(vcov="robust")
    with pytest.raises(ValueError, match="no ever-treated units"):
        es(panel.assign(cohort=0))
    bad = panel.copy()
    bad.loc[bad["cohort"] == 2014, "cohort"] = 2030
    with pytest.raises(ValueError, match="cohort column 'cohort'.*never observed.*2030"):
        es(bad)
    varying = panel.copy()
    varying.loc[(varying["cohort"] > 0) & (varying["year"] == 2010), "cohort"] = 2011
    with pytest.raises(ValueError, match="varies within units"):
        es(varying)
    treated_only = panel[panel["cohort"] > 0]
    with pytest.raises(ValueError, match="collinear.*bin the end points"):
        es(treated_only)
    assert es(treated_only, leads=3, lags=3).lead_bin == -3  # binning identifies it
    with pytest.raises(ValueError, match="reference period rel_time=-7 is not observed"):
        es(reference=-7)
    with pytest.raises(ValueError, match="must be numeric"):
        es(panel.assign(y=panel["y"].astype(str)))


# --------------------------------------------------------------------------- simulations


@pytest.mark.slow
def test_wald_size_and_power_over_replications():
    # 150 area clusters: with 60 the clustered Wald test over-rejects a little (about 0.085
    # at 5%), the usual finite-cluster distortion of CRV1; with 300 it is about 0.06
    rng = np.random.default_rng(2025)
    reps = 500
    p_flat, p_trend, leads = [], [], []
    for _ in range(reps):
        flat = fit_event_study(
            simulate(rng, n_areas=150, per_area=4), "y", "unit", "year", "cohort", cluster="area"
        )
        p_flat.append(flat.pretrend().p_value)
        leads.append(flat.params.loc[[-5, -4, -3, -2]].to_numpy())
        trend = fit_event_study(
            simulate(rng, n_areas=150, per_area=4, pretrend=0.15),
            "y",
            "unit",
            "year",
            "cohort",
            cluster="area",
        )
        p_trend.append(trend.pretrend().p_value)
    size = np.mean(np.array(p_flat) < 0.05)
    power = np.mean(np.array(p_trend) < 0.05)
    bias = np.abs(np.mean(leads, axis=0)).max()
    print(
        f"pre-trend Wald over {reps} replications: size {size:.3f}, power {power:.3f}, "
        f"largest mean lead {bias:.4f}"
    )
    assert 0.025 <= size <= 0.085
    assert power > 0.8
    assert bias < 0.02  # the leads are ~0 on average under parallel trends
