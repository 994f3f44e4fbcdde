"""Callaway-Sant'Anna options against R did's Python ports: dynamic window, unbalanced panels.

Reference values: ``tests/results/mpdta_options_reference.csv``, produced by
``tests/results/make_mpdta_options_reference.py`` from moderndid 0.2.0 and csdid 0.4.3 (ports
of R's did 2.x; each row's ``source`` column quotes the call).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wellby.estimators.callaway_santanna import fit_callaway_santanna

RESULTS = Path(__file__).parent / "results"
REF = pd.read_csv(RESULTS / "mpdta_options_reference.csv", comment="#")
EST_TOL = 1e-10  # absolute, estimates (the ports agree with wellby to ~1e-16 on mpdta)
SE_TOL = 1e-8  # relative, standard errors

# the unbalanced panel of the reference file (its header): mpdta without these rows
DROP_SEED, N_DROP, DROP_SUM = 2026, 250, 310017


@pytest.fixture(scope="module")
def mpdta():
    return pd.read_csv(RESULTS / "mpdta.csv", comment="#")


@pytest.fixture(scope="module")
def unbalanced(mpdta):
    drop = np.random.default_rng(DROP_SEED).choice(len(mpdta), N_DROP, replace=False)
    assert int(drop.sum()) == DROP_SUM  # the rows the reference was computed on
    return mpdta.drop(index=drop).reset_index(drop=True)


def cs(data, **kw):
    return fit_callaway_santanna(data, "lemp", "countyreal", "year", "first.treat", **kw)


def _opt(v) -> int | None:
    return None if pd.isna(v) else int(v)


def _select(est: pd.DataFrame, row) -> pd.Series:
    sel = est["term"] == row.term
    for col in ("group", "period", "rel_time"):
        value = getattr(row, col)
        if not pd.isna(value):
            sel &= est[col] == int(value)
    assert sel.sum() == 1, (row.term, row.group, row.period, row.rel_time)
    return est.loc[sel].iloc[0]


def _check(mine: pd.Series, row, se: bool = True) -> None:
    label = (row.case, row.control_group, row.term, row.group, row.period, row.rel_time)
    if np.isnan(row.estimate):
        assert np.isnan(mine["estimate"]), label
    else:
        assert mine["estimate"] == pytest.approx(row.estimate, abs=EST_TOL), label
    if not se:
        return
    if np.isnan(row.std_error):
        assert np.isnan(mine["std_error"]), label
    else:
        assert mine["std_error"] == pytest.approx(row.std_error, rel=SE_TOL), label


# --------------------------------------------------------------------------- dynamic options

DYN = REF[REF["case"].str.startswith("dyn_")]
DYN_CASES = sorted(DYN.groupby(["case", "control_group"]).groups)


@pytest.mark.parametrize(("case", "control_group"), DYN_CASES)
def test_dynamic_options_against_did_ports(mpdta, case, control_group):
    """Event-time effects and att_dynamic with R did's min_e / max_e / balance_e.

    Oracle (column ``source``): moderndid 0.2.0
    ``aggte(att_gt(data=mpdta, yname="lemp", tname="year", idname="countyreal",
    gname="first.treat", est_method="dr", control_group=..., base_period=..., boot=False),
    type="dynamic", min_e=..., max_e=..., balance_e=..., boot=False)``, checked against csdid
    0.4.3 ``ATTgt(...).fit(est_method="dr", bstrap=False).aggte(typec="dynamic", ...)``.
    """
    ref = DYN[(DYN["case"] == case) & (DYN["control_group"] == control_group)]
    spec = ref.iloc[0]
    res = cs(
        mpdta,
        control_group=control_group,
        base_period=spec["base_period"],
        dynamic_min_e=_opt(spec["min_e"]),
        dynamic_max_e=_opt(spec["max_e"]),
        dynamic_balance_e=_opt(spec["balance_e"]),
    )
    est = res.estimates
    # exactly the oracle's event times, no more
    want = sorted(int(e) for e in ref.loc[ref["term"] == "att_e", "rel_time"])
    assert res.aggregation("dynamic")["rel_time"].astype(int).tolist() == want
    for row in ref.itertuples():
        _check(_select(est, row), row)
    np.testing.assert_equal(
        res.dynamic.estimate, est.loc[est["term"] == "att_dynamic", "estimate"].item()
    )


def test_dynamic_options_leave_other_aggregations_alone(mpdta):
    """The window and balancing restrict att_e / att_dynamic only (as R did's type="dynamic").

    att_simple, att_group, att_calendar, every ATT(g, t) and the pre-test stay those of the
    unrestricted fit, whose values test_staggered.py checks against R did and its ports.
    """
    base = cs(mpdta)
    res = cs(mpdta, dynamic_min_e=-1, dynamic_max_e=1, dynamic_balance_e=1)
    keep = ~base.estimates["term"].isin(["att_e", "att_dynamic"])
    pd.testing.assert_frame_equal(
        res.estimates[~res.estimates["term"].isin(["att_e", "att_dynamic"])].reset_index(
            drop=True
        ),
        base.estimates[keep].reset_index(drop=True),
    )
    assert res.pretrend().statistic == base.pretrend().statistic
    assert (res.dynamic_min_e, res.dynamic_max_e, res.dynamic_balance_e) == (-1, 1, 1)
    assert "dynamic aggregation restricted: min_e -1, max_e 1, balance_e 1" in res.summary()
    assert base.dynamic_balance_e is None and "restricted" not in base.summary()


def test_dynamic_no_post_event_time_gives_nan(mpdta):
    # R did / moderndid / csdid: aggte(type="dynamic", max_e=-1) -> overall ATT NaN, SE NA
    res = cs(mpdta, dynamic_max_e=-1)
    assert np.isnan(res.dynamic.estimate) and np.isnan(res.dynamic.std_error)
    assert any("no event time >= 0" in n for n in res.notes)
    assert np.isfinite(res.simple.estimate)


def test_dynamic_option_errors(mpdta):
    # R did stops with "No event times fall within the requested window" (compute.aggte.R);
    # csdid 0.4.3 raises for balance_e=4 and min_e=5 on mpdta too
    for kw in ({"dynamic_balance_e": 4}, {"dynamic_min_e": 5}, {"dynamic_min_e": 1,
                                                               "dynamic_max_e": 0}):
        with pytest.raises(ValueError, match="no event time of the dynamic aggregation"):
            cs(mpdta, **kw)
    for kw, msg in (
        ({"dynamic_balance_e": -1}, "dynamic_balance_e must be a non-negative integer"),
        ({"dynamic_min_e": 1.5}, "dynamic_min_e must be an integer"),
        ({"dynamic_max_e": True}, "dynamic_max_e must be an integer"),
        ({"dynamic_balance_e": "1"}, "dynamic_balance_e must be an integer"),
    ):
        with pytest.raises(ValueError, match=msg):
            cs(mpdta, **kw)
    # numpy integers are integers
    assert cs(mpdta, dynamic_balance_e=np.int64(1)).dynamic_balance_e == 1


# --------------------------------------------------------------------------- unbalanced panel


def _ref(case, control_group):
    return REF[(REF["case"] == case) & (REF["control_group"] == control_group)]


@pytest.mark.parametrize("control_group", ["never_treated", "not_yet_treated"])
def test_balanced_panel_is_r_did_default_on_unbalanced_panel(unbalanced, control_group):
    """``balanced_panel=True`` = R did's default ``allow_unbalanced_panel = FALSE``.

    Oracle: moderndid 0.2.0 ``att_gt(data=<mpdta less 10% of rows>, ..., est_method="dr",
    allow_unbalanced_panel=False, boot=False)`` and ``aggte(type="simple"|"dynamic",
    boot=False)`` (it drops the 197 counties not observed in every year, as R); csdid 0.4.3
    ``ATTgt(..., allow_unbalanced_panel=False)`` agrees.
    """
    res = cs(unbalanced, control_group=control_group, balanced_panel=True)
    assert res.n_units == 303 and res.n_obs == 303 * 5
    for row in _ref("unbal_balanced_first", control_group).itertuples():
        _check(_select(res.estimates, row), row)


@pytest.mark.parametrize("control_group", ["never_treated", "not_yet_treated"])
def test_pairwise_panel_cells_are_two_period_2x2s(unbalanced, control_group):
    """``balanced_panel=False``: each ATT(g, t) is the 2x2 on the units seen in both periods.

    No port offers this estimator, so each cell is recomputed by moderndid 0.2.0 as
    ``att_gt(data=<the units of cohort g and of the control group observed in the base
    period and t, periods recoded 1, 2, cohort g -> 2, controls -> 0>, ...,
    control_group="nevertreated", boot=False)``; the simple aggregation's point estimate is
    R did's cohort-share weighting of those cells over all 500 counties.
    """
    res = cs(unbalanced, control_group=control_group)
    assert res.n_units == 500
    for row in _ref("unbal_pairwise_cells", control_group).itertuples():
        _check(_select(res.estimates, row), row, se=not np.isnan(row.std_error))


@pytest.mark.parametrize("control_group", ["never_treated", "not_yet_treated"])
def test_r_did_allow_unbalanced_panel(unbalanced, control_group):
    """R did's ``allow_unbalanced_panel = TRUE`` is not wellby's ``balanced_panel=False``.

    Oracle: csdid 0.4.3 ``ATTgt(yname="lemp", gname="first.treat", idname="countyreal",
    tname="year", data=<mpdta less 10% of rows>, control_group=..., panel=True,
    allow_unbalanced_panel=True).fit(est_method="dr", bstrap=False)`` (moderndid 0.2.0 raises
    a TypeError there). R runs the repeated cross-section 2x2 on the rows and sums the
    influence functions by unit: wellby's ``design="repeated_cross_section"`` with the panel
    id as ``unit`` reproduces its ATT(g, t) and their standard errors, but its aggregations
    weight cohorts by rows where R weights by units, so those differ; wellby's default panel
    estimator is another estimator altogether.
    """
    ref = _ref("unbal_allow_unbalanced", control_group)
    rcs = cs(unbalanced, control_group=control_group, design="repeated_cross_section")
    cells = ref[ref["term"] == "att_gt"]
    assert len(cells) == 12
    for row in cells.itertuples():
        _check(_select(rcs.estimates, row), row)
    simple = ref.loc[ref["term"] == "att_simple", "estimate"].item()
    assert 1e-6 < abs(rcs.simple.estimate - simple) < 1e-3  # rows vs units as weights
    pairwise = cs(unbalanced, control_group=control_group)
    assert abs(pairwise.simple.estimate - simple) > 0.03
