"""Callaway and Sant'Anna (2021) staggered DiD: reference values, simulations, errors."""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wellby.estimators.callaway_santanna import CS_TIDY_COLUMNS, fit_callaway_santanna
from wellby.estimators.twfe import fit_twfe

RESULTS = Path(__file__).parent / "results"


@pytest.fixture(scope="module")
def mpdta():
    data = pd.read_csv(RESULTS / "mpdta.csv", comment="#")
    data["state"] = data["countyreal"] // 1000  # FIPS state code
    return data


def cs(data, **kw):
    return fit_callaway_santanna(data, "lemp", "countyreal", "year", "first.treat", **kw)


# --------------------------------------------------------------------------- R did printed


def test_simple_att_matches_r_did(mpdta):
    # R did: att_gt(est_method="dr", nevertreated, bstrap=FALSE) + aggte(type="simple")
    res = cs(mpdta)
    assert res.simple.estimate == pytest.approx(-0.0399513, abs=1e-6)
    assert res.simple.std_error == pytest.approx(0.0120340, rel=1e-4)
    assert res.estimate == res.simple.estimate and res.std_error == res.simple.std_error
    assert res.n_obs == 2500 and res.n_units == 500 and res.n_clusters == 500


def test_printed_r_did_values(mpdta):
    ref = pd.read_csv(RESULTS / "mpdta_did_printed.csv", comment="#")
    res = cs(mpdta)
    est = res.estimates
    assert res.pretrend().p_value == pytest.approx(0.16812, abs=5e-6)
    for row in ref.itertuples():
        tol = 0.5 * 10.0**-row.digits + 1e-12
        if row.term == "pretrend_wald":
            continue
        sel = est["term"] == row.term
        for col in ("group", "period", "rel_time"):
            value = getattr(row, col)
            if not np.isnan(value):
                sel &= est[col] == int(value)
        (mine,) = est.loc[sel, "estimate"].to_numpy()
        assert mine == pytest.approx(row.estimate, abs=tol), (row.term, row.group, row.rel_time)
        if not np.isnan(row.std_error):
            (se,) = est.loc[sel, "std_error"].to_numpy()
            assert se == pytest.approx(row.std_error, rel=1e-4)


# --------------------------------------------------------------------------- ports of R did

REF = pd.read_csv(RESULTS / "mpdta_cs_reference.csv", comment="#", keep_default_na=False)
CASES = sorted(REF["case"].unique())


def _nan_or_int(v):
    return None if v == "" else int(float(v))


@pytest.mark.filterwarnings("ignore:cohort")  # anticipation=1 drops the 2004 cohort, as R did
@pytest.mark.parametrize("case", CASES)
def test_against_did_ports(mpdta, case):
    ref = REF[REF["case"] == case]
    spec = ref.iloc[0]
    kw = {
        "design": spec["design"],
        "control_group": spec["control_group"],
        "method": spec["method"],
        "covariates": [spec["covariates"]] if spec["covariates"] else [],
        "base_period": spec["base_period"],
        "anticipation": int(spec["anticipation"]),
    }
    data = mpdta
    unit = "countyreal"
    if spec["design"] == "repeated_cross_section" and not spec["cluster"]:
        data = mpdta.assign(row=np.arange(len(mpdta)))  # one cluster per row, as R did's RCS
        unit = "row"
    if spec["cluster"]:
        kw["cluster"] = spec["cluster"]
    res = fit_callaway_santanna(data, "lemp", unit, "year", "first.treat", **kw)
    est = res.estimates
    for row in ref.itertuples():
        sel = est["term"] == row.term
        for col in ("group", "period", "rel_time"):
            value = _nan_or_int(getattr(row, col))
            if value is not None:
                sel &= est[col] == value
        assert sel.sum() == 1, (row.term, row.group, row.period, row.rel_time)
        mine = est.loc[sel].iloc[0]
        ref_est, ref_se = float(row.estimate), float(row.std_error)
        assert mine["estimate"] == pytest.approx(ref_est, abs=1e-9), row
        if np.isnan(ref_se) or ref_se == 0:
            assert np.isnan(mine["std_error"]) or mine["std_error"] < 1e-12
        else:
            assert mine["std_error"] == pytest.approx(ref_se, rel=1e-6), row


def test_methods_agree_without_covariates(mpdta):
    est = {m: cs(mpdta, method=m).estimates for m in ("dr", "ipw", "reg")}
    for m in ("ipw", "reg"):
        np.testing.assert_allclose(est[m]["estimate"], est["dr"]["estimate"], atol=1e-12)
        np.testing.assert_allclose(est[m]["std_error"], est["dr"]["std_error"], rtol=1e-9)


def test_rcs_clustered_by_county_reproduces_panel(mpdta):
    # without covariates the RCS estimator with the IF summed by county equals the panel one
    panel = cs(mpdta)
    rcs = cs(mpdta, design="repeated_cross_section")
    np.testing.assert_allclose(rcs.estimates["estimate"], panel.estimates["estimate"], atol=1e-12)
    np.testing.assert_allclose(rcs.estimates["std_error"], panel.estimates["std_error"], rtol=1e-9)


def test_explicit_unit_cluster_equals_default(mpdta):
    a = cs(mpdta)
    b = cs(mpdta, cluster="countyreal")
    pd.testing.assert_frame_equal(a.estimates, b.estimates)


# --------------------------------------------------------------------------- options


def test_balanced_and_pairwise_panel(mpdta):
    a = cs(mpdta)
    b = cs(mpdta, balanced_panel=True)
    pd.testing.assert_frame_equal(a.estimates, b.estimates)
    # drop some county-years: pairwise keeps the other years of those counties
    rng = np.random.default_rng(0)
    thin = mpdta.drop(index=rng.choice(len(mpdta), 200, replace=False))
    pair = cs(thin)
    bal = cs(thin, balanced_panel=True)
    assert pair.n_obs == len(thin)
    assert bal.n_obs < pair.n_obs and bal.n_units < pair.n_units
    assert any("not observed in every period" in n for n in bal.notes)
    assert abs(pair.simple.estimate - a.simple.estimate) < 3 * a.simple.std_error


def test_weights(mpdta):
    base = cs(mpdta)
    const = cs(mpdta.assign(w=3.0), weights="w")
    np.testing.assert_allclose(const.estimates["estimate"], base.estimates["estimate"], atol=1e-12)
    np.testing.assert_allclose(const.estimates["std_error"], base.estimates["std_error"], rtol=1e-9)
    # integer weights = duplicated units, for the point estimates
    w = (mpdta["countyreal"] % 3 + 1).astype(float)
    weighted = cs(mpdta.assign(w=w), weights="w")
    dup = mpdta.loc[mpdta.index.repeat(w.astype(int))].copy()
    dup["countyreal"] = dup["countyreal"] * 10 + dup.groupby(["countyreal", "year"]).cumcount()
    duplicated = cs(dup)
    np.testing.assert_allclose(
        weighted.estimates["estimate"], duplicated.estimates["estimate"], atol=1e-12
    )


def test_bootstrap(mpdta):
    analytic = cs(mpdta)
    boot = cs(mpdta, bootstrap=True, n_bootstrap=999, seed=7)
    again = cs(mpdta, bootstrap=True, n_bootstrap=999, seed=7)
    pd.testing.assert_frame_equal(boot.estimates, again.estimates)
    np.testing.assert_allclose(boot.estimates["estimate"], analytic.estimates["estimate"])
    ratio = boot.estimates["std_error"] / analytic.estimates["std_error"]
    assert ratio.between(0.85, 1.15).all()
    assert set(boot.critical_values) == {"att_gt", "att_g", "att_e", "att_t"}
    assert all(c > 1.96 for c in boot.critical_values.values())
    rad = cs(mpdta, bootstrap=True, n_bootstrap=499, seed=1, bootstrap_weights="rademacher")
    assert rad.estimates["std_error"].div(analytic.estimates["std_error"]).between(0.8, 1.2).all()
    assert "bootstrap" in boot.inference and boot.n_bootstrap == 999
    clustered = cs(mpdta, cluster="state", bootstrap=True, seed=3)
    ratio = clustered.simple.std_error / cs(mpdta, cluster="state").simple.std_error
    assert 0.8 < ratio < 1.2


def test_universal_base_period_reference_cells(mpdta):
    res = cs(mpdta, base_period="universal")
    gt = res.att_gt
    ref = gt[gt["rel_time"] == -1]
    assert (ref["estimate"] == 0).all() and ref["std_error"].isna().all()
    assert (gt["base_period"] == gt["group"] - 1).all()


def test_no_never_treated_with_not_yet_treated(mpdta):
    treated_only = mpdta[mpdta["first.treat"] > 0]
    res = cs(treated_only, control_group="not_yet_treated")
    # as R did: periods from the last cohort's start on are dropped, the last cohort is a control
    assert set(res.att_gt["group"]) == {2004, 2006}
    assert res.att_gt["period"].max() == 2006
    assert np.isfinite(res.simple.estimate) and np.isfinite(res.simple.std_error)


def test_cohort_in_first_period_dropped_with_warning(mpdta):
    data = mpdta.copy()
    data.loc[data["countyreal"] < 13000, "first.treat"] = 2003
    with pytest.warns(UserWarning, match="start in the first period"):
        res = cs(data)
    assert res.dropped_cohorts == (2003.0,)
    assert 2003 not in set(res.att_gt["group"])


def test_tidy_summary_plot(mpdta):
    res = cs(mpdta)
    tidy = res.tidy()
    assert list(tidy.columns) == CS_TIDY_COLUMNS
    assert tidy["term"].iloc[:4].tolist() == [
        "att_simple",
        "att_group",
        "att_dynamic",
        "att_calendar",
    ]
    assert tidy.iloc[:4][["group", "period", "rel_time"]].isna().all().all()
    assert (tidy["estimator"] == "callaway_santanna").all()
    assert (tidy["term"] == "att_gt").sum() == 12
    assert (tidy["term"] == "att_e").sum() == 7
    assert str(tidy["group"].dtype) == "Int64"
    head = res.tidy(disaggregated=False)
    assert len(head) == 4
    assert (head["n_obs"] == 2500).all() and (head["n_clusters"] == 500).all()
    dyn = res.aggregation("dynamic")
    assert dyn["rel_time"].tolist() == [-3, -2, -1, 0, 1, 2, 3]
    text = res.summary()
    assert "att_simple" in text and "never-treated" in text and "Pre-trend" in text
    pre = res.pretrend().tidy()
    assert pre["term"].tolist() == ["pretrend_wald"]
    assert pre["p_value"].iloc[0] == pytest.approx(0.16812, abs=5e-6)
    ax = res.plot()
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
    with pytest.raises(ValueError, match="kind"):
        res.aggregation("cohort")


# --------------------------------------------------------------------------- errors


def test_error_no_never_treated(mpdta):
    with pytest.raises(ValueError, match="'first.treat'.*not_yet_treated"):
        cs(mpdta[mpdta["first.treat"] > 0])


def test_error_cohort_never_observed(mpdta):
    data = mpdta.astype({"first.treat": float})
    data.loc[data["countyreal"] < 13000, "first.treat"] = 2010
    with pytest.raises(ValueError, match="cohort column 'first.treat'.*never observed.*2010"):
        cs(data)
    data.loc[data["countyreal"] < 13000, "first.treat"] = 2005.5
    with pytest.raises(ValueError, match="'first.treat'.*2005.5"):
        cs(data)


@pytest.mark.parametrize(
    ("kw", "column"),
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
def test_error_missing_columns(mpdta, kw, column):
    args = {"outcome": "lemp", "unit": "countyreal", "time": "year", "cohort": "first.treat"}
    opts = {k: v for k, v in kw.items() if k not in args}
    args.update({k: v for k, v in kw.items() if k in args})
    with pytest.raises(ValueError, match=column):
        fit_callaway_santanna(mpdta, **args, **opts)


def test_error_bad_inputs(mpdta):
    with pytest.raises(ValueError, match="outcome column 'lemp' must be numeric"):
        cs(mpdta.assign(lemp=mpdta["lemp"].astype(str)))
    with pytest.raises(ValueError, match="negative"):
        cs(mpdta.assign(**{"first.treat": -mpdta["first.treat"]}))
    varying = mpdta.copy()
    varying.loc[(varying["countyreal"] == 8001) & (varying["year"] == 2003), "first.treat"] = 2006
    with pytest.raises(ValueError, match="varies within units"):
        cs(varying)
    with pytest.raises(ValueError, match="more than one row"):
        cs(pd.concat([mpdta, mpdta.iloc[:5]]))
    with pytest.raises(ValueError, match="weights column 'w' varies"):
        cs(mpdta.assign(w=np.arange(len(mpdta)) + 1.0), weights="w")
    with pytest.raises(ValueError, match="constant within a unit"):
        cs(mpdta.assign(c=np.arange(len(mpdta))), cluster="c")
    for kw, msg in (
        ({"design": "cohort"}, "design"),
        ({"control_group": "never"}, "control_group"),
        ({"method": "ols"}, "method"),
        ({"base_period": "fixed"}, "base_period"),
        ({"anticipation": -1}, "anticipation"),
        ({"alpha": 1.5}, "alpha"),
        ({"bootstrap": True, "n_bootstrap": 2}, "n_bootstrap"),
        ({"bootstrap_weights": "normal"}, "bootstrap_weights"),
    ):
        with pytest.raises(ValueError, match=msg):
            cs(mpdta, **kw)
    with pytest.raises(ValueError, match="singular"):
        cs(mpdta.assign(c=1.0), covariates=["c"])
    with pytest.raises(TypeError):
        fit_callaway_santanna(mpdta.to_numpy(), "lemp", "countyreal", "year", "first.treat")


# --------------------------------------------------------------------------- simulations

PERIODS = np.arange(2011, 2017)
COHORTS = (2013, 2014, 2015)
P_COHORT = (0.4, 0.2, 0.2, 0.2)  # never treated, then each cohort


def tau(g, e, heterogeneous):
    """True effect of cohort g at e periods since the start."""
    effect = (0.5 + 0.1 * e + 0.1 * (g - 2013)) if heterogeneous else 0.3
    return np.where(e >= 0, effect, 0.0)


def simulate(rng, design="panel", heterogeneous=True, n_units=400, n_areas=150, per_cell=10):
    """Staggered adoption with selection on levels and parallel trends; known effects."""
    if design == "panel":
        g_unit = rng.choice([0, *COHORTS], n_units, p=P_COHORT)
        alpha = rng.normal(size=n_units) + 0.5 * (g_unit > 0) - 0.1 * (g_unit - 2013) * (g_unit > 0)
        unit = np.repeat(np.arange(n_units), PERIODS.size)
        ti = np.tile(np.arange(PERIODS.size), n_units)
        y0 = alpha[unit] + 0.2 * ti + rng.normal(size=unit.size)
        g = g_unit[unit]
    else:  # respondents drawn afresh each period in areas, area-by-period shocks
        g_area = rng.choice([0, *COHORTS], n_areas, p=P_COHORT)
        alpha = rng.normal(size=n_areas) + 0.5 * (g_area > 0)
        shock = rng.normal(scale=0.2, size=(n_areas, PERIODS.size))
        unit = np.repeat(np.arange(n_areas), PERIODS.size * per_cell)
        ti = np.tile(np.repeat(np.arange(PERIODS.size), per_cell), n_areas)
        y0 = alpha[unit] + 0.2 * ti + shock[unit, ti] + rng.normal(size=unit.size)
        g = g_area[unit]
    t = PERIODS[ti]
    treated = (g > 0) & (t >= g)
    y = y0 + tau(g, t - g, heterogeneous) * treated
    return pd.DataFrame({"y": y, "unit": unit, "time": t, "cohort": g, "d": treated.astype(int)})


def truth(heterogeneous):
    """Population values of the aggregations (cohort shares P_COHORT)."""
    pg = dict(zip(COHORTS, P_COHORT[1:], strict=True))
    last = PERIODS[-1]
    cells = [(g, t) for g in COHORTS for t in PERIODS if t >= g]
    w = np.array([pg[g] for g, _ in cells])
    a = np.array([float(tau(g, t - g, heterogeneous)) for g, t in cells])
    by_e = []
    for e in sorted({t - g for g, t in cells}):
        gs = [g for g in COHORTS if g + e <= last]
        by_e.append(
            sum(pg[g] * float(tau(g, e, heterogeneous)) for g in gs) / sum(pg[g] for g in gs)
        )
    by_g = [
        np.mean([float(tau(g, t - g, heterogeneous)) for t in PERIODS if t >= g]) for g in COHORTS
    ]
    return {
        "att_simple": float(w @ a / w.sum()),
        "att_dynamic": float(np.mean(by_e)),
        "att_group": float(np.dot([pg[g] for g in COHORTS], by_g) / sum(pg.values())),
        "att_g": dict(zip(COHORTS, by_g, strict=True)),
    }


@pytest.mark.parametrize("design", ["panel", "repeated_cross_section"])
def test_single_replication_recovers_truth(design):
    rng = np.random.default_rng(2024)
    data = simulate(rng, design, heterogeneous=True, n_units=2000, n_areas=400, per_cell=20)
    res = fit_callaway_santanna(data, "y", "unit", "time", "cohort", design=design)
    true = truth(heterogeneous=True)
    for term in ("att_simple", "att_dynamic", "att_group"):
        c = getattr(res, term.removeprefix("att_"))
        assert abs(c.estimate - true[term]) < 3 * c.std_error, term
        assert c.std_error < 0.06
    for g, value in true["att_g"].items():
        row = res.estimates[(res.estimates["term"] == "att_g") & (res.estimates["group"] == g)]
        assert abs(row["estimate"].iloc[0] - value) < 3.5 * row["std_error"].iloc[0]
    pre = res.att_gt[~res.att_gt["post"]]
    assert (pre["estimate"].abs() < 3.5 * pre["std_error"]).all()


def _replicate(design, heterogeneous, reps, seed, with_twfe=True):
    rng = np.random.default_rng(seed)
    out = {k: [] for k in ("att_simple", "att_dynamic", "att_group", "twfe")}
    for _ in range(reps):
        data = simulate(rng, design, heterogeneous)
        res = fit_callaway_santanna(data, "y", "unit", "time", "cohort", design=design)
        for k, c in (
            ("att_simple", res.simple),
            ("att_dynamic", res.dynamic),
            ("att_group", res.group),
        ):
            out[k].append((c.estimate, c.std_error, c.ci_low, c.ci_high))
        if with_twfe:
            f = fit_twfe(data, "y", "d", "unit", "time", cluster="unit")
            out["twfe"].append((f.estimate, f.std_error, f.ci_low, f.ci_high))
    true = truth(heterogeneous)
    figures = {}
    for k, rows in out.items():
        if not rows:
            continue
        v = np.array(rows)
        target = true["att_simple" if k == "twfe" else k]
        figures[k] = {
            "bias": v[:, 0].mean() - target,
            "mean_se": v[:, 1].mean(),
            "sd": v[:, 0].std(ddof=1),
            "coverage": float(np.mean((v[:, 2] <= target) & (target <= v[:, 3]))),
        }
    return figures


def _report(label, figures):
    for k, f in figures.items():
        print(
            f"{label} {k:11s} bias {f['bias']:+.4f} mean SE {f['mean_se']:.4f} "
            f"sd {f['sd']:.4f} coverage {f['coverage']:.3f}"
        )


@pytest.mark.slow
@pytest.mark.parametrize("design", ["panel", "repeated_cross_section"])
def test_coverage_and_bias_constant_effect(design):
    # a constant effect: TWFE and CS are both unbiased; 1,000 replications so that the
    # Monte Carlo error of the bias (about 0.03 SE) is well below the 0.1 SE bound
    figures = _replicate(design, heterogeneous=False, reps=1000, seed=123)
    _report(f"constant {design}", figures)
    for k, f in figures.items():
        assert 0.92 <= f["coverage"] <= 0.98, (k, f)
        assert abs(f["bias"]) < 0.1 * f["mean_se"], (k, f)


@pytest.mark.slow
@pytest.mark.parametrize("design", ["panel", "repeated_cross_section"])
def test_coverage_and_bias_heterogeneous_effects(design):
    # effects varying by cohort and time since the start: CS recovers every aggregation,
    # TWFE is biased (it weights some effects negatively)
    figures = _replicate(design, heterogeneous=True, reps=1000, seed=321)
    _report(f"heterogeneous {design}", figures)
    for k in ("att_simple", "att_dynamic", "att_group"):
        f = figures[k]
        assert 0.92 <= f["coverage"] <= 0.98, (k, f)
        assert abs(f["bias"]) < 0.1 * f["mean_se"], (k, f)
    assert abs(figures["twfe"]["bias"]) > 0.2 * figures["twfe"]["mean_se"]


@pytest.mark.slow
def test_bootstrap_coverage():
    rng = np.random.default_rng(99)
    true = truth(heterogeneous=True)["att_simple"]
    hits = []
    for k in range(300):
        data = simulate(rng, "repeated_cross_section", heterogeneous=True)
        res = fit_callaway_santanna(
            data,
            "y",
            "unit",
            "time",
            "cohort",
            design="repeated_cross_section",
            bootstrap=True,
            n_bootstrap=499,
            seed=k,
        )
        hits.append(res.simple.ci_low <= true <= res.simple.ci_high)
    assert 0.92 <= np.mean(hits) <= 0.98


# --------------------------------------------------------------------------- speed


def test_big_local_demo_speed():
    from wellby.demo import simulate_demo_study

    data = simulate_demo_study().data
    assert len(data) > 59_000 and data["area_id"].nunique() == 300
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t0 = time.perf_counter()
        rcs = fit_callaway_santanna(
            data,
            "life_satisfaction",
            "area_id",
            "wave",
            "cohort",
            design="repeated_cross_section",
        )
        panel = fit_callaway_santanna(
            data,
            "life_satisfaction",
            "person_id",
            "wave",
            "cohort",
            cluster="area_id",
            covariates=["age"],
            bootstrap=True,
            seed=1,
        )
        elapsed = time.perf_counter() - t0
    assert elapsed < 5.0
    assert rcs.n_clusters == 300 and panel.n_clusters == 300
    assert rcs.n_obs == len(data)
    assert abs(rcs.simple.estimate - 0.10) < 3 * rcs.simple.std_error
