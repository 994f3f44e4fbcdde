"""Rambachan-Roth sensitivity analysis (wellby.estimators.honest_did) against R HonestDiD.

References (tests/results/honestdid/, see its README.md): the three examples of R HonestDiD's
README (Medicaid TWFE event study, Sun-Abraham, Callaway-Sant'Anna), with full-precision
values from the README's knitr cache, and the Python port honestdid 0.1.1 on a simulated
event study. Given R's grid and R's random draws (set.seed(0), mvtnorm::rmvnorm, reproduced
below) the C-LF sets equal R's to rounding error; with the defaults (bisected ends, more
draws) they agree within R's grid step.
"""

from __future__ import annotations

import dataclasses
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import optimize
from scipy.special import ndtri

from wellby.estimators.callaway_santanna import fit_callaway_santanna
from wellby.estimators.event_study import fit_event_study
from wellby.estimators.honest_did import (
    HONEST_COLUMNS,
    callaway_santanna_inputs,
    event_study_inputs,
    honest_did,
)
from wellby.estimators.honest_did_flci import FlciProblem, flci, sd_upper_bound_m
from wellby.estimators.honest_did_inference import (
    _dual_vertices,
    _psd_sqrt,
    original_ci,
    rm_confidence_set,
    rm_identified_set,
    sd_identified_set,
)
from wellby.report.figures import save_figure

REF = Path(__file__).parent / "results" / "honestdid"


def load(name: str) -> dict:
    return json.loads((REF / f"{name}.json").read_text())


# --------------------------------------------------------------------------- R's draws


class RNormal:
    """R's ``set.seed(seed); rnorm(n)``: Mersenne-Twister, normals by inversion."""

    def __init__(self, seed: int = 0) -> None:
        s = seed & 0xFFFFFFFF
        for _ in range(50):  # R's initial scrambling
            s = (69069 * s + 1) & 0xFFFFFFFF
        key = np.empty(625, dtype=np.uint32)
        for j in range(625):
            s = (69069 * s + 1) & 0xFFFFFFFF
            key[j] = s
        self.bg = np.random.MT19937()
        self.bg.state = {"bit_generator": "MT19937", "state": {"key": key[1:], "pos": 624}}

    def rnorm(self, n: int) -> np.ndarray:
        u = self.bg.random_raw(2 * n).astype(np.float64) * 2.3283064365386963e-10
        u = np.clip(u, 0.5 * 2.328306437080797e-10, 1 - 0.5 * 2.328306437080797e-10)
        u = u.reshape(n, 2)
        big = 134217728.0  # 2^27
        return ndtri((np.floor(big * u[:, 0]) + u[:, 1]) / big)


def r_mvnorm(n: int, sigma: np.ndarray) -> np.ndarray:
    """R's ``set.seed(0); mvtnorm::rmvnorm(n, sigma = sigma)`` (eigen square root, by rows)."""
    k = sigma.shape[0]
    return RNormal(0).rnorm(n * k).reshape(n, k) @ _psd_sqrt(sigma)


def test_r_generator_reproduces_rnorm():
    # the README's fake control is set.seed(0); rnorm(344)
    data = pd.read_csv(REF / "ehec_data.csv", comment="#")
    control = data["control"].dropna().to_numpy()
    assert control.size == 344
    np.testing.assert_allclose(RNormal(0).rnorm(344), control, rtol=0, atol=1e-15)


# --------------------------------------------------------------------------- R references


def _cases():
    med = load("medicaid_readme")
    for res in med["results"]:
        inp = med[res["inputs"]]
        yield "medicaid/" + res["name"], inp, res
    sa = load("sunab_readme")
    for res in sa["results"]:
        yield "sunab/" + res["name"], sa, res
    cs = load("callaway_santanna_readme")
    keep = np.array(cs["egt"]) != -1
    inp = {
        "betahat": np.array(cs["att_egt"])[keep],
        "sigma": np.array(cs["V"])[np.ix_(keep, keep)],
        "n_pre": 4,
        "n_post": 6,
    }
    for res in cs["results"]:
        yield "callaway_santanna/" + res["name"], inp, res


CASES = {name: (inp, res) for name, inp, res in _cases()}


def _arrays(inp):
    return np.asarray(inp["betahat"], dtype=float), np.asarray(inp["sigma"], dtype=float)


def _ids(method):
    return [k for k, (_, r) in CASES.items() if r["method"] == method]


@pytest.mark.parametrize("case", _ids("C-LF"))
def test_rm_reproduces_r_exactly_with_r_grid_and_draws(case):
    inp, res = CASES[case]
    b, s = _arrays(inp)
    lv = np.asarray(res["l_vec"], dtype=float)
    for mbar, lb, ub in zip(res["parameter"], res["lb"], res["ub"], strict=True):
        r = rm_confidence_set(
            b, s, inp["n_pre"], inp["n_post"], lv, mbar, grid_points=res["grid_points"],
            refine=False, lf_sims=1000, normal_draws=r_mvnorm,
        )
        assert r.lb == pytest.approx(lb, abs=1e-10), (mbar, "lb")
        assert r.ub == pytest.approx(ub, abs=1e-10), (mbar, "ub")


@pytest.mark.parametrize("case", _ids("C-LF"))
def test_rm_defaults_agree_with_r_within_its_grid_step(case):
    inp, res = CASES[case]
    b, s = _arrays(inp)
    n_pre, n_post = inp["n_pre"], inp["n_post"]
    lv = np.asarray(res["l_vec"], dtype=float)
    sd = np.sqrt(lv @ s[n_pre:, n_pre:] @ lv)
    for mbar, lb, ub in zip(res["parameter"], res["lb"], res["ub"], strict=True):
        id_lb, id_ub = rm_identified_set(b, n_pre, n_post, lv, mbar)
        step = (id_ub - id_lb + 40 * sd) / (res["grid_points"] - 1)  # R's grid step
        r = rm_confidence_set(b, s, n_pre, n_post, lv, mbar)
        tol = max(1e-3, 1.5 * step)
        assert abs(r.lb - lb) <= tol and abs(r.ub - ub) <= tol, (mbar, r.lb - lb, r.ub - ub)
        if res["grid_points"] == 1000:
            assert abs(r.lb - lb) <= 1e-3 and abs(r.ub - ub) <= 1e-3


def test_rm_printed_readme_table():
    # README.md: createSensitivityResults_relativeMagnitudes(..., Mbarvec = seq(0.5, 2, by = 0.5))
    med = load("medicaid_readme")
    b, s = _arrays(med["twfe"])
    printed = [(0.0241, 0.0673), (0.0171, 0.0720), (0.00859, 0.0796), (-0.00107, 0.0883)]
    res = honest_did(b, s, 5, 2, grid=[0.5, 1, 1.5, 2])
    tab = res.table()
    rows = tab[tab["target"] == "post 1"]
    np.testing.assert_allclose(rows["lb"], [p[0] for p in printed], atol=1e-3)
    np.testing.assert_allclose(rows["ub"], [p[1] for p in printed], atol=1e-3)
    # the average (README's l_vec = c(0.5, 0.5) example, Mbar 0.5 .. 2)
    avg = med["results"][1]
    rows = tab[tab["target"] == "average"]
    np.testing.assert_allclose(rows["lb"], avg["lb"][1:], atol=1e-3)
    np.testing.assert_allclose(rows["ub"], avg["ub"][1:], atol=1e-3)


@pytest.mark.parametrize("case", _ids("FLCI"))
def test_flci_reproduces_r(case):
    inp, res = CASES[case]
    b, s = _arrays(inp)
    lv = np.asarray(res["l_vec"], dtype=float)
    # full-precision values: R's folded-normal quantile is simulated (10^6 draws), ~2e-5 off
    printed = "printed only" in res["source"]
    for m, lb, ub in zip(res["parameter"], res["lb"], res["ub"], strict=True):
        r = flci(b, s, inp["n_pre"], inp["n_post"], lv, m)
        tol = 1e-3 if printed else 1e-4
        assert r.lb == pytest.approx(lb, abs=tol) and r.ub == pytest.approx(ub, abs=tol), m
        if printed:  # within rounding of what R prints (3 digits) and R's simulation error
            for ours, theirs in ((r.lb, lb), (r.ub, ub)):
                unit = 10.0 ** (np.floor(np.log10(abs(theirs))) - 2)
                assert abs(ours - theirs) <= unit / 2 + 3e-5


def test_sd_through_api_matches_readme():
    med = load("medicaid_readme")
    b, s = _arrays(med["twfe"])
    sd = med["results"][2]
    res = honest_did(b, s, 5, 2, method="smoothness", grid=sd["parameter"])
    rows = res.table().query("target == 'post 1'")
    np.testing.assert_allclose(rows["lb"], sd["lb"], atol=1e-4)
    np.testing.assert_allclose(rows["ub"], sd["ub"], atol=1e-4)
    assert set(rows["ci_method"]) == {"FLCI"} and set(rows["parameter"]) == {"M"}


@pytest.mark.parametrize("case", _ids("Original"))
def test_original_ci_reproduces_r(case):
    inp, res = CASES[case]
    b, s = _arrays(inp)
    _, _, lb, ub = original_ci(b, s, inp["n_pre"], np.asarray(res["l_vec"], float), 0.05)
    assert lb == pytest.approx(res["lb"][0], abs=1e-12)
    assert ub == pytest.approx(res["ub"][0], abs=1e-12)


def test_breakdown_values_of_readme():
    # README: "the breakdown value for a significant effect is Mbar = 2" (significant at 1.5,
    # not at 2) and "M ~ 0.03" (significant at 0.02, not at 0.03)
    med = load("medicaid_readme")
    b, s = _arrays(med["twfe"])
    rm = honest_did(b, s, 5, 2, grid=[0.5, 1, 1.5, 2])
    bd = rm.breakdown(targets="post 1").set_index("target")
    assert list(bd.index) == ["post 1"]
    assert 1.5 < bd.loc["post 1", "breakdown"] < 2
    x, hi = bd.loc["post 1", "breakdown"], bd.loc["post 1", "bracket_high"]
    assert hi - x <= 2 / 1000 + 1e-12
    lb, ub = rm.confidence_set(x, "post 1")
    assert lb > 0
    lb, ub = rm.confidence_set(hi, "post 1")
    assert lb <= 0 <= ub
    sd = honest_did(b, s, 5, 2, method="smoothness", grid=np.arange(0, 0.051, 0.01))
    bd = sd.breakdown().set_index("target")
    assert list(bd.index) == ["average", "post 1", "post 2"]
    assert 0.02 < bd.loc["post 1", "breakdown"] < 0.03
    assert sd.confidence_set(bd.loc["post 1", "breakdown"], "post 1")[0] > 0


# --------------------------------------------------------------------------- inputs


@pytest.fixture(scope="module")
def ehec():
    data = pd.read_csv(REF / "ehec_data.csv", comment="#")
    data["cohort"] = data["yexp2"].fillna(0)
    return data


def test_event_study_inputs_reproduce_fixest(ehec):
    med = load("medicaid_readme")
    ns = ehec[(ehec["year"] < 2016) & (ehec["yexp2"] != 2015)].copy()
    ns["cohort"] = np.where(ns["yexp2"] == 2014, 2014, 0)
    fit = fit_event_study(ns, "dins", "stfips", "year", "cohort", covariates=["control"],
                          cluster="stfips")
    b, s, n_pre, n_post = event_study_inputs(fit)
    assert (n_pre, n_post) == (5, 2)
    np.testing.assert_allclose(b, med["twfe_control"]["betahat"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(s, med["twfe_control"]["sigma"], rtol=1e-10, atol=0)
    fit = fit_event_study(ns, "dins", "stfips", "year", "cohort", cluster="stfips")
    b, s, _, _ = event_study_inputs(fit)
    np.testing.assert_allclose(b, med["twfe"]["betahat"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(s, med["twfe"]["sigma"], rtol=1e-10, atol=0)


def test_callaway_santanna_inputs_reproduce_r(ehec):
    cs = load("callaway_santanna_readme")
    fit = fit_callaway_santanna(
        ehec, "dins", "stfips", "year", "cohort", control_group="not_yet_treated",
        base_period="universal", dynamic_min_e=-5, dynamic_max_e=5,
    )
    keep = np.array(cs["egt"]) != -1
    # The fit keeps the event-time covariance: R's V, from the fit alone.
    b, s, n_pre, n_post = callaway_santanna_inputs(fit)
    assert (n_pre, n_post) == (4, 6)
    np.testing.assert_allclose(b, np.array(cs["att_egt"])[keep], rtol=0, atol=1e-12)
    np.testing.assert_allclose(s, np.array(cs["V"])[np.ix_(keep, keep)], rtol=1e-10, atol=0)
    # Without it, the covariance is rebuilt from the data the fit was made on.
    fit = dataclasses.replace(fit, dynamic_cov=None)
    b, s, n_pre, n_post = callaway_santanna_inputs(fit, ehec)
    np.testing.assert_allclose(s, np.array(cs["V"])[np.ix_(keep, keep)], rtol=1e-10, atol=0)
    # the covariance can also be passed in
    v_all = np.zeros((11, 11))
    v_all[np.ix_(keep, keep)] = s
    b2, s2, _, _ = callaway_santanna_inputs(fit, cov=v_all)
    np.testing.assert_array_equal(b2, b)
    np.testing.assert_array_equal(s2, s)
    with pytest.raises(ValueError, match="influence functions"):
        callaway_santanna_inputs(fit)
    with pytest.raises(ValueError, match="do not reproduce"):
        callaway_santanna_inputs(fit, ehec[ehec["stfips"] != 1])
    varying = fit_callaway_santanna(ehec, "dins", "stfips", "year", "cohort",
                                    control_group="not_yet_treated")
    with pytest.raises(ValueError, match="universal base period"):
        callaway_santanna_inputs(varying, ehec)


def test_event_study_inputs_checks():
    rng = np.random.default_rng(3)
    unit = np.repeat(np.arange(60), 6)
    year = np.tile(np.arange(2010, 2016), 60)
    cohort = np.where(unit < 30, 2013, 0)
    df = pd.DataFrame({"u": unit, "t": year, "g": cohort, "y": rng.normal(size=unit.size)})
    fit = fit_event_study(df, "y", "u", "t", "g", leads=2)
    with pytest.warns(UserWarning, match="bins its end points"):
        b, s, n_pre, n_post = event_study_inputs(fit)
    assert (n_pre, n_post) == (1, 3)
    # reference -3 is the earliest relative time: no pre-period left
    fit = fit_event_study(df, "y", "u", "t", "g", reference=-3)
    with pytest.raises(ValueError, match="pre- and post-period"):
        event_study_inputs(fit)


# --------------------------------------------------------------------------- Python port


def test_agrees_with_python_port_honestdid():
    ref = load("python_port_simulated")
    b, s = np.array(ref["betahat"]), np.array(ref["sigma"])
    n_pre, n_post = ref["n_pre"], ref["n_post"]

    def port_draws(n, sigma):  # the port's np.random.RandomState(0).multivariate_normal
        return np.random.RandomState(0).multivariate_normal(np.zeros(len(sigma)), sigma, size=n)

    for res in ref["results"]:
        lv = np.asarray(res["l_vec"], dtype=float)
        sd = np.sqrt(lv @ s[n_pre:, n_pre:] @ lv)
        for v, lb, ub in zip(res["parameter"], res["lb"], res["ub"], strict=True):
            key = (res["target"], res["method"], v)
            if res["method"] == "C-LF":
                # its grid (-+20 standard errors around zero) and its draws: the same set
                r = rm_confidence_set(b, s, n_pre, n_post, lv, v, grid_lb=-20 * sd,
                                      grid_ub=20 * sd, refine=False, lf_sims=1000,
                                      normal_draws=port_draws)
                assert (r.lb, r.ub) == pytest.approx((lb, ub), abs=1e-10), key
                # the defaults: within two of its grid steps
                d = rm_confidence_set(b, s, n_pre, n_post, lv, v)
                step = 40 * sd / 999
                assert abs(d.lb - lb) <= 2 * step and abs(d.ub - ub) <= 2 * step, key
            else:
                # its folded-normal quantile is simulated and its SOCP solved by a generic
                # solver: bounds within 1% of the half-length, and never a longer interval
                # beyond the 0.2% error of its quantile
                r = flci(b, s, n_pre, n_post, lv, v)
                half = (ub - lb) / 2
                assert abs(r.lb - lb) <= 0.01 * half and abs(r.ub - ub) <= 0.01 * half, key
                assert r.ub - r.lb <= (ub - lb) * 1.002, key


# --------------------------------------------------------------------------- simulations


def _ar1(n: int, rho: float, sd: float) -> np.ndarray:
    idx = np.arange(n)
    return sd**2 * rho ** np.abs(np.subtract.outer(idx, idx))


def test_rm_at_zero_covers_truth_without_violation():
    # parallel trends hold: the C-LF set at Mbar = 0 covers the average effect ~95% of the time
    rng = np.random.default_rng(2026)
    n_pre, n_post = 3, 2
    s = _ar1(n_pre + n_post, 0.5, 0.01)
    tau = np.r_[np.zeros(n_pre), 0.02, 0.03]
    lv = np.full(n_post, 0.5)
    chol = np.linalg.cholesky(s)
    reps = 150
    cover = 0
    for i in range(reps):
        b = tau + chol @ rng.standard_normal(n_pre + n_post)
        r = rm_confidence_set(b, s, n_pre, n_post, lv, 0.0, grid_points=200, refine=False,
                              lf_sims=1000, seed=i)
        cover += r.lb <= lv @ tau[n_pre:] <= r.ub
    assert 0.89 <= cover / reps <= 0.995


def test_sd_flci_covers_under_linear_pretrend_where_original_fails():
    # a linear difference in trends (Delta^SD(0) holds): the original CI is biased, the FLCI
    # with M = 0 extrapolates the pre-trend and covers at the nominal rate
    rng = np.random.default_rng(11)
    n_pre, n_post = 3, 2
    s = _ar1(n_pre + n_post, 0.5, 0.01)
    t = np.r_[np.arange(-n_pre, 0), np.arange(1, n_post + 1)]
    tau = np.r_[np.zeros(n_pre), 0.02, 0.03]
    beta = tau + 0.02 * t
    lv = np.full(n_post, 0.5)
    theta = lv @ tau[n_pre:]
    prob = FlciProblem(s, n_pre, n_post, lv)
    chol = np.linalg.cholesky(s)
    reps = 1000
    c_orig = c_flci = 0
    for _ in range(reps):
        b = beta + chol @ rng.standard_normal(n_pre + n_post)
        _, _, lo, hi = original_ci(b, s, n_pre, lv, 0.05)
        c_orig += lo <= theta <= hi
        r = flci(b, s, n_pre, n_post, lv, 0.0, problem=prob)
        c_flci += r.lb <= theta <= r.ub
    assert c_orig / reps < 0.2
    assert 0.93 <= c_flci / reps <= 0.97
    # and the identified set at M = 0 is the linear extrapolation
    lo, hi = sd_identified_set(beta, n_pre, n_post, lv, 0.0)
    assert lo == pytest.approx(theta, abs=1e-9) and hi == pytest.approx(theta, abs=1e-9)


# --------------------------------------------------------------------------- internals


def test_dual_vertices_give_the_lp_value():
    # eta = min_{eta, d} eta s.t. y - X d <= eta sd equals the largest vertex value
    rng = np.random.default_rng(5)
    for m, k in ((4, 2), (6, 3), (8, 4), (5, 1)):
        for _ in range(5):
            x = rng.normal(size=(m, k - 1))
            sd = rng.uniform(0.5, 2, size=m)
            y = rng.normal(size=m)
            v = _dual_vertices(np.column_stack([sd, x]))
            lp = optimize.linprog(
                np.r_[1.0, np.zeros(k - 1)], A_ub=-np.column_stack([sd, x]), b_ub=-y,
                bounds=(None, None), method="highs",
            )
            if lp.status == 3:  # unbounded: no dual vertex
                assert v.shape[0] == 0
            else:
                assert np.max(v @ y) == pytest.approx(lp.fun, abs=1e-9)


def test_identified_sets():
    b = np.array([0.01, -0.02, 0.005, 0.3, 0.4])
    lv = np.array([0.5, 0.5])
    # Mbar = 0: no post-period change in the trend difference -> the point l' beta_post
    lo, hi = rm_identified_set(b, 3, 2, lv, 0.0)
    assert lo == pytest.approx(0.35) and hi == pytest.approx(0.35)
    # Mbar = 1: post changes up to the largest pre change, 0.03 (-0.02 -> 0.01 ... ), so
    # delta_1 in [-m, m] and delta_2 in [-2m, 2m] with m = max |pre change| = 0.03
    lo, hi = rm_identified_set(b, 3, 2, lv, 1.0)
    m = max(abs(np.diff(np.r_[b[:3], 0.0])))
    assert lo == pytest.approx(0.35 - 1.5 * m) and hi == pytest.approx(0.35 + 1.5 * m)


def test_default_grids():
    med = load("medicaid_readme")
    b, s = _arrays(med["twfe"])
    res = honest_did(b, s, 5, 2, method="relative_magnitudes", grid_points=100,
                     l_vec=[1, 0], lf_sims=1000)
    np.testing.assert_allclose(res.grid, np.linspace(0, 2, 10))
    sd = honest_did(b, s, 5, 2, method="smoothness", l_vec=[1, 0])
    top = sd_upper_bound_m(b, s, 5)
    np.testing.assert_allclose(sd.grid, np.linspace(0, top, 10))
    # R's DeltaSD_upperBound_Mpre by hand: second differences of (beta_pre, 0)
    a6 = np.zeros((4, 6))  # second differences of (beta_pre, delta_0 = 0)
    for r in range(4):
        a6[r, r : r + 3] = (1, -2, 1)
    d2 = a6 @ np.r_[b[:5], 0.0]
    a = a6[:, :5]
    se = np.sqrt(np.diag(a @ s[:5, :5] @ a.T))
    assert top == pytest.approx(np.max(np.r_[d2 + 1.6448536269514722 * se,
                                              -d2 + 1.6448536269514722 * se]))


# --------------------------------------------------------------------------- API


@pytest.fixture(scope="module")
def simulated():
    rng = np.random.default_rng(8)
    n_pre, n_post = 4, 4
    a = rng.normal(size=(8, 8))
    s = (a @ a.T / 8 + np.eye(8)) * 0.01**2
    b = np.r_[0.002 * np.arange(-4, 0), 0.05 + 0.01 * np.arange(4)]
    b = b + rng.multivariate_normal(np.zeros(8), s)
    return b, s, n_pre, n_post


def test_table_layout(simulated):
    b, s, n_pre, n_post = simulated
    res = honest_did(b, s, n_pre, n_post, grid=[0, 1], rel_times=[-5, -4, -3, -2, 0, 1, 2, 3],
                     outcome="life satisfaction", lf_sims=2000)
    tab = res.table()
    assert list(tab.columns) == HONEST_COLUMNS
    assert res.targets == ("average", "post 1", "post 2", "post 3", "post 4")
    assert len(tab) == 2 * 5
    assert tab["rel_time"].dtype == "Int64"
    assert tab.loc[tab["target"] == "post 3", "rel_time"].tolist() == [2, 2]
    assert tab.loc[tab["target"] == "average", "rel_time"].isna().all()
    # the robust set contains the identified set, and at Mbar = 0 is close to the original
    assert np.all(tab["lb"] <= tab["id_lb"] + 1e-12) and np.all(tab["ub"] >= tab["id_ub"] - 1e-12)
    z = tab[tab["value"] == 0]
    np.testing.assert_allclose(z["lb"], z["original_lb"], atol=0.01)
    assert res.tidy().equals(tab)
    assert "relative magnitudes" in res.summary()
    custom = honest_did(b, s, n_pre, n_post, grid=[0.5], l_vec=[0, 0, 0.5, 0.5], lf_sims=1000)
    assert custom.targets == ("custom",)
    assert custom.table()["estimate"].iloc[0] == pytest.approx(0.5 * (b[6] + b[7]))


def test_plot(simulated, tmp_path):
    b, s, n_pre, n_post = simulated
    res = honest_did(b, s, n_pre, n_post, method="smoothness", grid=[0, 0.005, 0.01],
                     outcome="life satisfaction")
    ax = res.plot("post 1")
    assert len(ax.containers) == 2  # original and robust intervals
    assert ax.get_xticklabels()[0].get_text() == "orig."
    save_figure(ax.figure, tmp_path / "sensitivity.png")
    assert (tmp_path / "sensitivity.png").stat().st_size > 0
    rm = honest_did(b, s, n_pre, n_post, grid=[0, 0.5, 1], l_vec=[0.25] * 4, lf_sims=1000)
    ax = rm.plot("custom")
    assert "Mbar" in ax.get_xlabel()
    with pytest.raises(ValueError, match="target"):
        rm.plot("average")


def test_no_pyplot_in_module():
    for name in ("honest_did.py", "honest_did_inference.py", "honest_did_flci.py"):
        src = (Path(__file__).parents[1] / "src" / "wellby" / "estimators" / name).read_text()
        assert "matplotlib.pyplot" not in src and "import pyplot" not in src


def test_bad_input(simulated):
    b, s, n_pre, n_post = simulated
    with pytest.raises(ValueError, match="method"):
        honest_did(b, s, n_pre, n_post, method="linear")
    with pytest.raises(ValueError, match="n_pre"):
        honest_did(b, s, 0, 8)
    with pytest.raises(ValueError, match="coefficients"):
        honest_did(b[:-1], s, n_pre, n_post)
    with pytest.raises(ValueError, match="sigma must be"):
        honest_did(b, s[:-1, :-1], n_pre, n_post)
    asym = s.copy()
    asym[0, 1] += 1e-3
    with pytest.raises(ValueError, match="symmetric"):
        honest_did(b, asym, n_pre, n_post)
    with pytest.raises(ValueError, match="non-negative"):
        honest_did(b, s, n_pre, n_post, grid=[-1, 1])
    with pytest.raises(ValueError, match="l_vec"):
        honest_did(b, s, n_pre, n_post, l_vec=[1, 0])
    with pytest.raises(ValueError, match="alpha"):
        honest_did(b, s, n_pre, n_post, alpha=1.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        honest_did(b, s, n_pre, n_post, method="smoothness", grid=[0])


@pytest.mark.parametrize("p", [0.9, 0.95, 0.99])
@pytest.mark.parametrize("lo, hi", [(-np.inf, -3.0), (-40.0, -38.0), (-3.0, 1.0), (-1.0, np.inf),
                                    (0.0, 1e-6), (0.5, 0.51), (2.0, 12.0), (12.0, np.inf),
                                    (30.0, 30.5)])
def test_truncated_normal_exceeds_is_scipys_quantile_comparison(lo, hi, p):
    from scipy import stats

    from wellby.estimators.honest_did_inference import truncated_normal_exceeds

    quantile = stats.truncnorm.ppf(p, lo, hi)
    low = lo if np.isfinite(lo) else quantile - 5
    high = hi if np.isfinite(hi) else quantile + 5
    spread = min(high - low, 1.0)
    x = np.concatenate([np.linspace(low, high, 201),
                        quantile + spread * np.array([-1e-3, -1e-6, 1e-6, 1e-3])])
    x = np.clip(x, low, high)
    not_a_tie = np.abs(x - quantile) > 1e-9 * max(1.0, abs(quantile))
    got = truncated_normal_exceeds(x, np.full_like(x, lo), np.full_like(x, hi), p)
    assert got.any() and not got.all()
    np.testing.assert_array_equal(got[not_a_tie], (x > quantile)[not_a_tie])


@pytest.mark.parametrize("edge", [0.3712345, 0.0000001, 0.9999999])
@pytest.mark.parametrize("from_above", [True, False])
def test_refined_end_is_accepted_and_within_tolerance(edge, from_above):
    """The end of a set, refined between a rejected and an accepted point."""
    from wellby.estimators.honest_did_inference import _refine_edge

    calls = []

    def accept(points):
        points = np.asarray(points)
        calls.append(points.size)
        return points >= edge if from_above else points <= edge

    rejected, accepted = (0.0, 1.0) if from_above else (1.0, 0.0)
    end = _refine_edge(accept, rejected, accepted, tol=1e-9)
    assert accept(np.array([end]))[0]
    assert abs(end - edge) <= 1e-9
    assert len(calls) <= 8  # 22 points a round: about 7 rounds for 1e-9, not 30 bisections
