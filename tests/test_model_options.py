"""Every ``models`` option of the study config reaches its estimator and is honoured.

The options are set the way a user sets them, in a study config validated against the
schema, and run through :func:`wellby.analysis.effects.estimate_outcome` (what the workflow's
estimate
step calls). Callaway-Sant'Anna options are checked against values wellby did not write:
``tests/results/mpdta_cs_reference.csv`` (moderndid 0.2.0 ``att_gt``/``aggte`` and csdid
0.4.3 on R did's ``mpdta``; the calls are in that file's header and
``make_mpdta_reference.py``).
"""

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wellby.analysis.effects import estimate_outcome
from wellby.config import validate_config
from wellby.errors import ConfigError
from wellby.prepare.panel import attach_treatment

from .conftest import SCHEMA

RESULTS = Path(__file__).parent / "results"
REF = pd.read_csv(RESULTS / "mpdta_cs_reference.csv", comment="#", keep_default_na=False)
PANEL_CASES = sorted(REF.loc[REF["design"] == "panel", "case"].unique())
AGGREGATIONS = ["att_simple", "att_group", "att_dynamic", "att_calendar"]


@pytest.fixture(scope="module")
def mpdta():
    data = pd.read_csv(RESULTS / "mpdta.csv", comment="#")
    data["state"] = data["countyreal"] // 1000
    return attach_treatment(data, "year", "first.treat")


def study_models(member=None, **models):
    """The ``models`` section as validation fills it, from a user's study file."""
    config = {
        "data": {"waves": [{"wave": 2003, "path": "mpdta.csv"}],
                 "ranges": {"lemp": {"min": -100, "max": 100}}},
        "columns": {"id": "countyreal", "wave": "year", "area": "countyreal",
                    "cohort": "first.treat", **({"member": member} if member else {})},
        "design": "panel", "outcomes": ["lemp"], "models": models,
    }
    return validate_config(config, SCHEMA)["models"]


COLUMNS = {"id": "countyreal", "wave": "year", "area": "countyreal", "cohort": "first.treat"}


@pytest.mark.filterwarnings("ignore:cohort")  # anticipation=1 drops the 2004 cohort, as R did
@pytest.mark.parametrize("case", PANEL_CASES)
def test_cs_options_from_the_config_reproduce_the_did_ports(mpdta, case):
    ref = REF[REF["case"] == case]
    spec = ref.iloc[0]
    options = {"estimators": ["callaway_santanna"], "control_group": spec["control_group"],
               "cs_method": spec["method"], "base_period": spec["base_period"],
               "anticipation": int(spec["anticipation"]),
               "covariates": [spec["covariates"]] if spec["covariates"] else []}
    if spec["cluster"]:
        options["cluster"] = spec["cluster"]
    estimates = estimate_outcome(mpdta, "lemp", columns=COLUMNS, design="panel",
                                 models=study_models(**options))
    did = estimates.did.set_index("term")
    for row in ref[ref["term"].isin(AGGREGATIONS)].itertuples():
        assert did.loc[row.term, "estimate"] == pytest.approx(float(row.estimate), abs=1e-9)
        assert did.loc[row.term, "std_error"] == pytest.approx(float(row.std_error), rel=1e-6)
    group_time = estimates.group_time
    cells = ref[ref["term"] == "att_gt"]
    for row in cells.itertuples():
        mine = group_time[(group_time["term"] == "att_gt") & (group_time["group"] == int(row.group))
                          & (group_time["period"] == int(row.period))]
        assert mine["estimate"].iloc[0] == pytest.approx(float(row.estimate), abs=1e-9)
    text = did.loc["att_simple", "vcov"]
    assert {"dr": "doubly robust", "ipw": "inverse probability", "reg": "outcome regression"}[
        spec["method"]] in text
    assert f"{spec['base_period']} base period" in text
    if spec["cluster"]:
        assert "clustered by state" in text


def test_hc1_leaves_cs_influence_functions_at_the_unit(mpdta):
    # R did without clustervars: unit-level standard errors (case panel_never_dr).
    ref = REF[(REF["case"] == "panel_never_dr") & (REF["term"] == "att_simple")].iloc[0]
    clustered_by_state = estimate_outcome(
        mpdta, "lemp", columns={**COLUMNS, "area": "state"}, design="panel",
        models=study_models(estimators=["callaway_santanna"], vcov="hc1")).did
    simple = clustered_by_state.set_index("term").loc["att_simple"]
    assert simple["std_error"] == pytest.approx(float(ref["std_error"]), rel=1e-6)
    assert "at the unit (countyreal)" in simple["vcov"]


def test_classical_vcov_is_refused_for_callaway_santanna():
    with pytest.raises(ConfigError, match="models.vcov: classical has no meaning"):
        study_models(estimators=["callaway_santanna"], vcov="classical")


def test_cba_estimator_must_be_estimated():
    config = {"data": {"waves": [{"wave": 1, "path": "x.csv"}]},
              "columns": {"wave": "w", "area": "a", "cohort": "c"},
              "design": "repeated_cross_section", "outcomes": ["life_satisfaction"],
              "models": {"estimators": ["twfe"]},
              "cba": {"estimator": "callaway_santanna", "population": 10,
                      "duration_years": 1, "costs": {"0": 1}}}
    with pytest.raises(ConfigError, match="cba.estimator: 'callaway_santanna' is not one of"):
        validate_config(config, SCHEMA)


def test_balanced_panel_drops_units_not_seen_in_every_wave(mpdta):
    rng = np.random.default_rng(3)
    unbalanced = mpdta.drop(index=rng.choice(mpdta.index, size=250, replace=False))
    complete = unbalanced.groupby("countyreal")["year"].transform("size") == 5
    models = study_models(estimators=["callaway_santanna"], balanced_panel=True)
    balanced = estimate_outcome(unbalanced, "lemp", columns=COLUMNS, design="panel",
                                models=models).did.set_index("term")
    # The same as estimating on the complete units alone (R did's default).
    only_complete = estimate_outcome(unbalanced[complete], "lemp", columns=COLUMNS,
                                     design="panel",
                                     models=study_models(estimators=["callaway_santanna"])
                                     ).did.set_index("term")
    assert balanced.loc["att_simple", "estimate"] == pytest.approx(
        only_complete.loc["att_simple", "estimate"], abs=1e-12)
    assert "balanced first" in balanced.loc["att_simple", "vcov"]
    default = estimate_outcome(unbalanced, "lemp", columns=COLUMNS, design="panel",
                               models=study_models(estimators=["callaway_santanna"])
                               ).did.set_index("term")
    assert default.loc["att_simple", "estimate"] != pytest.approx(
        balanced.loc["att_simple", "estimate"], abs=1e-6)


def test_event_window_bins_and_marks_the_end_points(mpdta):
    models = study_models(estimators=["event_study"], event_window={"leads": 2, "lags": 1})
    rows = estimate_outcome(mpdta, "lemp", columns=COLUMNS, design="panel",
                            models=models).event_study
    assert rows["rel_time"].min() == -2 and rows["rel_time"].max() == 1
    marks = rows.set_index("rel_time")["binned"]
    assert marks.loc[-2] == "<= -2" and marks.loc[1] == ">= 1" and marks.loc[0] == ""


def test_event_window_without_binning_leaves_rows_out(mpdta):
    pf = pytest.importorskip("pyfixest")
    models = study_models(estimators=["event_study"],
                          event_window={"leads": 2, "lags": 1, "bin_endpoints": False})
    rows = estimate_outcome(mpdta, "lemp", columns=COLUMNS, design="panel",
                            models=models).event_study.set_index("rel_time")
    # pyfixest on the rows inside the window: never-treated counties and treated ones with
    # -2 <= year - first.treat <= 1 (mpdta's waves are consecutive years).
    rel = mpdta["year"] - mpdta["first.treat"]
    inside = mpdta[(mpdta["first.treat"] == 0) | rel.between(-2, 1)].copy()
    inside["rel"] = np.where(inside["first.treat"] == 0, -1, inside["year"]
                             - inside["first.treat"])
    fit = pf.feols("lemp ~ i(rel, ref=-1) | countyreal + year", data=inside,
                   vcov={"CRV1": "countyreal"})
    for e in (-2, 0, 1):
        assert rows.loc[e, "estimate"] == pytest.approx(
            float(fit.coef()[f"rel::{e}"]), rel=1e-8)
    assert (rows["binned"] == "").all()


def test_wild_bootstrap_weights_and_seed_from_the_config():
    rng = np.random.default_rng(8)
    areas, per = 10, 8
    data = pd.DataFrame({"area": np.repeat(np.arange(areas), per * 3),
                         "wave": np.tile(np.repeat([1, 2, 3], per), areas)})
    data["pid"] = data["area"] * 100 + np.tile(np.arange(per), areas * 3)
    data["cohort"] = np.where(data["area"] < 4, 3, 0)
    data = attach_treatment(data, "wave", "cohort")
    data["y"] = 0.5 * data["treated"] + rng.normal(size=len(data))
    columns = {"id": "pid", "wave": "wave", "area": "area", "cohort": "cohort"}
    base = {"estimators": ["twfe"], "bootstrap": {"reps": 999, "seed": 3}}
    runs = {}
    for weights in ("auto", "rademacher", "mammen"):
        config = copy.deepcopy(base)
        config["bootstrap"]["weights"] = weights
        did = estimate_outcome(data, "y", columns=columns, design="panel",
                               models=study_models(**config)).did.iloc[0]
        runs[weights] = did
    assert "webb weights" in runs["auto"]["wild_bootstrap"]  # 10 clusters: Webb
    assert "mammen weights" in runs["mammen"]["wild_bootstrap"]
    assert runs["rademacher"]["wild_p_value"] != runs["mammen"]["wild_p_value"]
    assert runs["auto"]["inference"] == "wild_bootstrap"
    assert "4 treated clusters" in runs["auto"]["note"] or "10 clusters" in runs["auto"]["note"]


def test_one_treated_cluster_carries_a_warning():
    rng = np.random.default_rng(2)
    data = pd.DataFrame({"area": np.repeat(np.arange(12), 30),
                         "wave": np.tile(np.repeat([1, 2, 3], 10), 12)})
    data["cohort"] = np.where(data["area"] == 0, 2, 0)
    data = attach_treatment(data, "wave", "cohort")
    data["y"] = rng.normal(size=len(data))
    did = estimate_outcome(data, "y", columns={"wave": "wave", "area": "area",
                                               "cohort": "cohort"},
                           design="repeated_cross_section",
                           models=study_models(estimators=["twfe"],
                                               bootstrap={"reps": 199})).did.iloc[0]
    assert did["note"].startswith("headline inference: wild cluster bootstrap")
    assert "WARNING: one treated cluster" in did["note"]


def test_mixed_method_reaches_the_mixed_model():
    rng = np.random.default_rng(4)
    persons = np.repeat(np.arange(60), 3)
    data = pd.DataFrame({"pid": persons, "wave": np.tile([2016, 2018, 2020], 60),
                         "member": 1, "area": persons // 6, "cohort": 0})
    data = attach_treatment(data, "wave", "cohort")
    data["y"] = rng.normal(size=60)[persons] + 0.8 * (data["wave"] == 2018) \
        + rng.normal(size=len(data))
    columns = {"id": "pid", "wave": "wave", "area": "area", "cohort": "cohort",
               "member": "member"}
    reml = estimate_outcome(data, "y", columns=columns, design="panel",
                            models=study_models(member="member", estimators=["mixed_cohort"])).did
    ml = estimate_outcome(data, "y", columns=columns, design="panel",
                          models=study_models(member="member", estimators=["mixed_cohort"],
                                              mixed_method="ml")).did
    assert "(REML)" in reml["vcov"].iloc[0] and "(ML)" in ml["vcov"].iloc[0]
    # Same fixed effects in a balanced design; ML's standard errors are smaller (no
    # degrees-of-freedom correction of the variance components).
    assert ml["estimate"].to_numpy() == pytest.approx(reml["estimate"].to_numpy(), abs=1e-6)
    assert (ml["std_error"].to_numpy() < reml["std_error"].to_numpy()).all()


OPTIONS_REF = pd.read_csv(RESULTS / "mpdta_options_reference.csv", comment="#",
                          keep_default_na=False)
DYNAMIC_CASES = ["dyn_balance1", "dyn_window_m2_2", "dyn_balance1_window_m2_2", "dyn_min1"]


@pytest.mark.parametrize("control_group", ["never_treated", "not_yet_treated"])
@pytest.mark.parametrize("case", DYNAMIC_CASES)
def test_dynamic_window_from_the_config_reproduces_the_did_ports(mpdta, case, control_group):
    # moderndid 0.2.0 aggte(type='dynamic', min_e=..., max_e=..., balance_e=...) on mpdta,
    # csdid 0.4.3 agreeing (tests/results/make_mpdta_options_reference.py).
    ref = OPTIONS_REF[(OPTIONS_REF["case"] == case)
                      & (OPTIONS_REF["control_group"] == control_group)]
    spec = ref.iloc[0]
    dynamic = {key: int(spec[key]) for key in ("min_e", "max_e", "balance_e") if spec[key] != ""}
    estimates = estimate_outcome(
        mpdta, "lemp", columns=COLUMNS, design="panel",
        models=study_models(estimators=["callaway_santanna"],
                            control_group=spec["control_group"],
                            base_period=spec["base_period"], dynamic=dynamic))
    overall = ref[ref["term"] == "att_dynamic"].iloc[0]
    did = estimates.did.set_index("term")
    assert did.loc["att_dynamic", "estimate"] == pytest.approx(float(overall["estimate"]),
                                                               abs=1e-10)
    assert did.loc["att_dynamic", "std_error"] == pytest.approx(float(overall["std_error"]),
                                                                rel=1e-8)
    by_time = estimates.event_study.set_index("rel_time")
    expected = ref[ref["term"] == "att_e"]
    assert sorted(by_time.index) == sorted(int(e) for e in expected["rel_time"])
    for row in expected.itertuples():
        assert by_time.loc[int(row.rel_time), "estimate"] == pytest.approx(
            float(row.estimate), abs=1e-10)


def test_event_study_without_never_treated_compares_with_the_last_cohort(mpdta):
    pf = pytest.importorskip("pyfixest")
    # mpdta without its never-treated counties: cohorts 2004, 2006, 2007.
    treated_only = mpdta[mpdta["first.treat"] > 0]
    models = study_models(estimators=["event_study"], control_group="not_yet_treated")
    result = estimate_outcome(treated_only, "lemp", columns=COLUMNS, design="panel",
                              models=models)
    rows = result.event_study.set_index("rel_time")
    # pyfixest on the same comparison (Sun and Abraham 2021): the 2007 cohort is the
    # control, years from 2007 on are left out.
    sample = treated_only[treated_only["year"] < 2007].copy()
    sample["rel"] = np.where(sample["first.treat"] == 2007, -1,
                             sample["year"] - sample["first.treat"])
    fit = pf.feols("lemp ~ i(rel, ref=-1) | countyreal + year", data=sample,
                   vcov={"CRV1": "countyreal"})
    for name, value in fit.coef().items():
        e = int(name.split("::")[1])
        assert rows.loc[e, "estimate"] == pytest.approx(float(value), rel=1e-8)
    note = result.did.set_index("estimator").loc["event_study", "note"]
    assert "compares with the last cohort (2007)" in note


def test_a_cohort_with_one_treated_cluster_gets_no_cs_interval():
    rng = np.random.default_rng(6)
    data = pd.DataFrame({"area": np.repeat(np.arange(8), 40),
                         "wave": np.tile(np.repeat([1, 2, 3, 4], 10), 8)})
    data["cohort"] = np.select([data["area"] == 0, data["area"].isin([1, 2])], [3, 2], 0)
    data = attach_treatment(data, "wave", "cohort")
    data["y"] = 0.5 * data["treated"] + rng.normal(size=len(data))
    did = estimate_outcome(data, "y", columns={"wave": "wave", "area": "area",
                                               "cohort": "cohort"},
                           design="repeated_cross_section",
                           models=study_models(estimators=["callaway_santanna"])).did
    simple = did.set_index("term").loc["att_simple"]
    assert simple["inference"] == "none_reliable" and np.isnan(simple["headline_ci_low"])
    assert "cohort(s) [3] have a single treated cluster" in simple["note"]
    assert simple["std_error"] > 0  # R did's standard error is still reported
