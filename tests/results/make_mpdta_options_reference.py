"""Regenerate tests/results/mpdta_options_reference.csv (not run by the tests).

Needs moderndid==0.2.0 (with polars<1.34, pyarrow, narwhals, prettytable) and csdid==0.4.3
(with drdid), e.g. installed with ``pip install --target DIR --no-deps`` and put on
PYTHONPATH (they are test oracles, not dependencies of wellby):

    PYTHONPATH=DIR python tests/results/make_mpdta_options_reference.py \
        > tests/results/mpdta_options_reference.csv

Two groups of cases on mpdta (lemp on year, countyreal, first.treat; doubly robust, no
covariates, analytic standard errors):

``dyn_*``
    R did's dynamic aggregation options, ``aggte(type = "dynamic", min_e, max_e,
    balance_e)``. Values from moderndid; csdid computes the same cases (except the
    universal base period, which its ``ATTgt`` does not take) and the script stops unless
    the two agree to 1e-12.
``unbal_*``
    An unbalanced panel: mpdta without the rows at the positions
    ``numpy.random.default_rng(2026).choice(2500, 250, replace=False)`` (10%; row positions
    of mpdta.csv in file order; their sum, 310017, is written in the header so that a
    change of numpy's generator is noticed). ``unbal_balanced_first``: R did's default
    (``allow_unbalanced_panel = FALSE``: units not observed in every period are dropped
    first), from moderndid, checked against csdid. ``unbal_allow_unbalanced``: R did's
    ``allow_unbalanced_panel = TRUE`` (repeated cross-section estimators on the rows,
    influence functions summed by unit), from csdid only (moderndid 0.2.0 raises a
    TypeError there). ``unbal_pairwise_cells``: each ATT(g, t) of wellby's default panel
    estimator (each 2x2 on the units observed in both of its periods) recomputed as a
    two-period moderndid ``att_gt`` on exactly those units, plus the simple aggregation's
    point estimate from those cells with R did's weights (cohort shares of all units).
"""

import contextlib
import io
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

warnings.simplefilter("ignore")
import moderndid as md  # noqa: E402
from csdid.att_gt import ATTgt  # noqa: E402

HERE = Path(__file__).resolve().parent
MPDTA = pd.read_csv(HERE / "mpdta.csv", comment="#")
DROP_SEED = 2026
DROP = np.sort(np.random.default_rng(DROP_SEED).choice(len(MPDTA), len(MPDTA) // 10, replace=False))
UNBAL = MPDTA.drop(index=DROP).reset_index(drop=True)

COLS = [
    "case",
    "control_group",
    "base_period",
    "min_e",
    "max_e",
    "balance_e",
    "term",
    "group",
    "period",
    "rel_time",
    "estimate",
    "std_error",
    "source",
]
rows = []
MAX_DIFF = {"estimate": 0.0, "std_error": 0.0}


def num(v):
    return repr(float(v))


def add(case, spec, term, est, se, source, group="", period="", rel=""):
    rows.append(
        {
            "case": case,
            **spec,
            "term": term,
            "group": group,
            "period": period,
            "rel_time": rel,
            "estimate": num(est),
            "std_error": num(se),
            "source": source,
        }
    )


def spec(control_group="never_treated", base_period="varying", min_e="", max_e="", balance_e=""):
    return {
        "control_group": control_group,
        "base_period": base_period,
        "min_e": min_e,
        "max_e": max_e,
        "balance_e": balance_e,
    }


def md_att_gt(data, s, **kw):
    return md.att_gt(
        data=data,
        yname="lemp",
        tname="year",
        idname="countyreal",
        gname="first.treat",
        est_method="dr",
        control_group=s["control_group"].replace("_", ""),
        base_period=s["base_period"],
        boot=False,
        cband=False,
        **kw,
    )


def cs_att_gt(data, s, **kw):
    return ATTgt(
        yname="lemp",
        gname="first.treat",
        idname="countyreal",
        tname="year",
        data=data,
        control_group=s["control_group"].replace("_", ""),
        panel=True,
        **kw,
    ).fit(est_method="dr", bstrap=False)


def window(s):
    kw = {}
    for key in ("min_e", "max_e", "balance_e"):
        if s[key] != "":
            kw[key] = s[key]
    return kw


def agree(a, b, what):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape or not np.array_equal(np.isnan(a), np.isnan(b)):
        raise AssertionError(f"moderndid and csdid differ in shape or NaNs: {what}")
    ok = ~np.isnan(a)
    diff = float(np.max(np.abs(a[ok] - b[ok]), initial=0.0))
    if diff > 1e-12:
        raise AssertionError(f"moderndid and csdid differ by {diff:.3g}: {what}")
    key = "std_error" if what.endswith(" se") else "estimate"
    MAX_DIFF[key] = max(MAX_DIFF[key], diff)


# --------------------------------------------------------------------------- dynamic options

DYN = [
    ("dyn_balance1", {"balance_e": 1}),
    ("dyn_window_m2_2", {"min_e": -2, "max_e": 2}),
    ("dyn_balance1_window_m2_2", {"balance_e": 1, "min_e": -2, "max_e": 2}),
    ("dyn_balance1_window_m1_0", {"balance_e": 1, "min_e": -1, "max_e": 0}),
    ("dyn_min1", {"min_e": 1}),
    ("dyn_max_m1", {"max_e": -1}),
    ("dyn_balance0", {"balance_e": 0}),
    ("dyn_balance3", {"balance_e": 3}),
]
for cg in ("never_treated", "not_yet_treated"):
    base = spec(control_group=cg)
    m = md_att_gt(MPDTA, base)
    att = cs_att_gt(MPDTA, base)
    for case, kw in DYN:
        s = {**base, **kw}
        a = md.aggte(m, type="dynamic", boot=False, cband=False, **window(s))
        with contextlib.redirect_stdout(io.StringIO()):
            att.aggte(typec="dynamic", bstrap=False, cband=False, **window(s))
        c = att.atte
        agree(a.event_times, c["egt"], f"{case} {cg} event times")
        agree(a.att_by_event, c["att_egt"], f"{case} {cg} att_e")
        agree(a.se_by_event, np.ravel(c["se_egt"]), f"{case} {cg} att_e se")
        agree([a.overall_att], [c["overall_att"]], f"{case} {cg} att_dynamic")
        agree([a.overall_se], [np.ravel(c["overall_se"])[0]], f"{case} {cg} att_dynamic se")
        args = ", ".join(f"{k}={v}" for k, v in window(s).items())
        src = f"moderndid 0.2.0 aggte(type='dynamic', {args}, boot=False); csdid 0.4.3 agrees"
        add(case, s, "att_dynamic", a.overall_att, a.overall_se, src)
        for e, at, se in zip(a.event_times, a.att_by_event, a.se_by_event, strict=True):
            add(case, s, "att_e", at, se, src, rel=int(e))

# universal base period: csdid's ATTgt has no base_period, so moderndid only
s = spec(base_period="universal", balance_e=1)
m = md_att_gt(MPDTA, s)
a = md.aggte(m, type="dynamic", boot=False, cband=False, balance_e=1)
src = (
    "moderndid 0.2.0 att_gt(base_period='universal') + "
    "aggte(type='dynamic', balance_e=1, boot=False)"
)
add("dyn_universal_balance1", s, "att_dynamic", a.overall_att, a.overall_se, src)
for e, at, se in zip(a.event_times, a.att_by_event, a.se_by_event, strict=True):
    add("dyn_universal_balance1", s, "att_e", at, se, src, rel=int(e))

# --------------------------------------------------------------------------- unbalanced panel

full_units = (UNBAL.groupby("countyreal")["year"].transform("size") == MPDTA["year"].nunique())
N_BALANCED = UNBAL.loc[full_units, "countyreal"].nunique()
N_UNITS = UNBAL["countyreal"].nunique()

for cg in ("never_treated", "not_yet_treated"):
    s = spec(control_group=cg)
    # R did's default: balance the panel first (allow_unbalanced_panel = FALSE)
    m = md_att_gt(UNBAL, s)
    att = cs_att_gt(UNBAL, s)
    agree(m.att_gt, att.results["att"], f"unbal {cg} att_gt")
    agree(m.se_gt, att.results["se"], f"unbal {cg} att_gt se")
    src = "moderndid 0.2.0 att_gt(allow_unbalanced_panel=False, boot=False); csdid 0.4.3 agrees"
    for g, t, at, se in zip(m.groups, m.times, m.att_gt, m.se_gt, strict=True):
        add("unbal_balanced_first", s, "att_gt", at, se, src, int(g), int(t), int(t - g))
    for typ, term in (("simple", "att_simple"), ("dynamic", "att_dynamic")):
        a = md.aggte(m, type=typ, boot=False, cband=False)
        with contextlib.redirect_stdout(io.StringIO()):
            att.aggte(typec=typ, bstrap=False, cband=False)
        agree([a.overall_att], [att.atte["overall_att"]], f"unbal {cg} {term}")
        agree([a.overall_se], [np.ravel(att.atte["overall_se"])[0]], f"unbal {cg} {term} se")
        src = f"moderndid 0.2.0 aggte(type='{typ}', boot=False); csdid 0.4.3 agrees"
        add("unbal_balanced_first", s, term, a.overall_att, a.overall_se, src)

    # R did's allow_unbalanced_panel = TRUE: csdid only (moderndid 0.2.0 raises TypeError)
    att = cs_att_gt(UNBAL, s, allow_unbalanced_panel=True)
    src = "csdid 0.4.3 ATTgt(allow_unbalanced_panel=True).fit(bstrap=False)"
    res = att.results
    for g, t, at, se in zip(res["group"], res["year"], res["att"], res["se"], strict=True):
        add("unbal_allow_unbalanced", s, "att_gt", at, se, src, int(g), int(t), int(t - g))
    for typ, term in (("simple", "att_simple"), ("dynamic", "att_dynamic")):
        with contextlib.redirect_stdout(io.StringIO()):
            att.aggte(typec=typ, bstrap=False, cband=False)
        src = f"csdid 0.4.3 ATTgt(allow_unbalanced_panel=True).aggte(typec='{typ}', bstrap=False)"
        add("unbal_allow_unbalanced", s, term, att.atte["overall_att"],
            np.ravel(att.atte["overall_se"])[0], src)

    # wellby's default panel estimator, cell by cell: the 2x2 of cohort g against the
    # controls on the units observed in both the base period and t, as a two-period panel
    years = np.sort(MPDTA["year"].unique())
    wide = UNBAL.pivot(index="countyreal", columns="year", values="lemp")
    cohort = UNBAL.groupby("countyreal")["first.treat"].first().reindex(wide.index)
    cells = []
    for g in sorted(c for c in cohort.unique() if c > 0):
        for k in range(1, len(years)):
            t = years[k]
            b = years[list(years).index(g) - 1] if t >= g else years[k - 1]
            ctrl = cohort == 0
            if cg == "not_yet_treated":
                ctrl |= (cohort > max(t, b)) & (cohort != g)
            keep = ((cohort == g) | ctrl) & wide[t].notna() & wide[b].notna()
            ids = wide.index[keep]
            two = pd.DataFrame(
                {
                    "countyreal": np.repeat(ids, 2),
                    "year": np.tile([1, 2], ids.size),
                    "lemp": np.column_stack([wide.loc[ids, b], wide.loc[ids, t]]).ravel(),
                    "first.treat": np.repeat(np.where(cohort[ids] == g, 2, 0), 2),
                }
            )
            m2 = md_att_gt(two, spec())
            (at,), (se,) = m2.att_gt, m2.se_gt
            src = (
                f"moderndid 0.2.0 att_gt on the {ids.size} units of cohort {g:g} and controls "
                f"observed in {b:g} and {t:g}, recoded as periods 1, 2 (cohort -> 2, controls -> 0)"
            )
            add("unbal_pairwise_cells", s, "att_gt", at, se, src, int(g), int(t), int(t - g))
            cells.append((g, t, at))
    share = cohort.value_counts(normalize=True)
    post = [(share[g], at) for g, t, at in cells if t >= g]
    simple = sum(p * at for p, at in post) / sum(p for p, _ in post)
    add(
        "unbal_pairwise_cells",
        s,
        "att_simple",
        simple,
        float("nan"),
        "R did aggte(type='simple') weights (cohort shares of all units) on the cells above; "
        "estimate only",
    )

out = pd.DataFrame(rows, columns=COLS)
sys.stdout.write(f"""\
# Callaway and Sant'Anna (2021) options on mpdta (mpdta.csv): lemp on year, countyreal,
# first.treat, doubly robust, no covariates, analytic standard errors (boot=False). Cases
# dyn_*: R did's aggte(type = "dynamic", min_e, max_e, balance_e) (columns min_e, max_e,
# balance_e; empty = not set), from moderndid 0.2.0 att_gt + aggte. csdid 0.4.3 ATTgt.fit +
# aggte was run on every dyn_* case but dyn_universal_balance1 and on unbal_balanced_first:
# largest difference from moderndid {max(MAX_DIFF.values()):.1g} (estimates and SEs).
# Cases unbal_*: mpdta without the {DROP.size} rows at positions
# numpy.random.default_rng({DROP_SEED}).choice({len(MPDTA)}, {DROP.size}, replace=False)
# (sum of positions {int(DROP.sum())}): {N_UNITS} counties, {N_BALANCED} observed in every year.
# unbal_balanced_first = R did's default allow_unbalanced_panel = FALSE (moderndid; csdid
# agrees); unbal_allow_unbalanced = allow_unbalanced_panel = TRUE (csdid only: moderndid
# 0.2.0 fails there); unbal_pairwise_cells = two-period moderndid 2x2s on the units observed
# in both periods of each cell. Column `source` gives the exact call.
# Produced by: PYTHONPATH=<moderndid+csdid> python tests/results/make_mpdta_options_reference.py
""")
out.to_csv(sys.stdout, index=False, lineterminator="\n")
