"""Regenerate tests/results/mpdta_cs_reference.csv (not run by the tests).

Needs moderndid==0.2.0 (and polars) and csdid==0.4.3 (and drdid), e.g. installed with
``pip install --target DIR --no-deps`` and put on PYTHONPATH:

    PYTHONPATH=DIR python tests/results/make_mpdta_reference.py \
        > tests/results/mpdta_cs_reference.csv

moderndid is a port of R's did 2.x validated by its authors against R (their
tests/did/test_r_validation.py); csdid is an independent port (d2cml-ai). Where both apply
they agree to 1e-12 on these cases.
"""

import contextlib
import io
import sys
import warnings
from pathlib import Path

import pandas as pd

warnings.simplefilter("ignore")
import moderndid as md  # noqa: E402
from csdid.att_gt import ATTgt  # noqa: E402

HERE = Path(__file__).resolve().parent
d = pd.read_csv(HERE / "mpdta.csv", comment="#")
d["state"] = d["countyreal"] // 1000  # FIPS state code

COLS = [
    "case",
    "design",
    "control_group",
    "method",
    "covariates",
    "base_period",
    "anticipation",
    "cluster",
    "term",
    "group",
    "period",
    "rel_time",
    "estimate",
    "std_error",
    "source",
]
rows = []


def add(case, spec, term, est, se, source, group="", period="", rel=""):
    rows.append(
        {
            "case": case,
            **spec,
            "term": term,
            "group": group,
            "period": period,
            "rel_time": rel,
            "estimate": repr(float(est)),
            "std_error": repr(float(se)),
            "source": source,
        }
    )


def from_moderndid(case, spec, aggregates=True):
    panel = spec["design"] == "panel"
    data = d if panel else d.drop(columns="countyreal")
    m = md.att_gt(
        data=data,
        yname="lemp",
        tname="year",
        idname="countyreal" if panel else None,
        gname="first.treat",
        est_method=spec["method"],
        control_group=spec["control_group"].replace("_", ""),
        boot=False,
        cband=False,
        xformla=f"~{spec['covariates']}" if spec["covariates"] else None,
        base_period=spec["base_period"],
        anticipation=spec["anticipation"],
        panel=panel,
    )
    src = "moderndid 0.2.0 att_gt(boot=False)"
    for g, t, a, s in zip(m.groups, m.times, m.att_gt, m.se_gt, strict=True):
        add(case, spec, "att_gt", a, s, src, group=int(g), period=int(t), rel=int(t - g))
    if not aggregates:
        return
    src = "moderndid 0.2.0 aggte(boot=False)"
    for typ, term, comp, col in (
        ("simple", "att_simple", None, None),
        ("group", "att_group", "att_g", "group"),
        ("dynamic", "att_dynamic", "att_e", "rel"),
        ("calendar", "att_calendar", "att_t", "period"),
    ):
        a = md.aggte(m, type=typ, boot=False, cband=False)
        add(case, spec, term, a.overall_att, a.overall_se, src)
        if comp:
            for e, at, se in zip(a.event_times, a.att_by_event, a.se_by_event, strict=True):
                add(case, spec, comp, at, se, src, **{col: int(e)})


def from_csdid(case, spec):
    panel = spec["design"] == "panel"
    att = ATTgt(
        yname="lemp",
        gname="first.treat",
        idname="countyreal" if panel else None,
        tname="year",
        data=d,
        control_group=spec["control_group"].replace("_", ""),
        panel=panel,
        clustervar=spec["cluster"] or None,
        xformla=f"lemp~{spec['covariates']}" if spec["covariates"] else None,
    ).fit(est_method=spec["method"], bstrap=False)
    res = att.results
    src = "csdid 0.4.3 ATTgt.fit(bstrap=False)"
    for g, t, a, s in zip(res["group"], res["year"], res["att"], res["se"], strict=True):
        add(case, spec, "att_gt", a, s, src, group=int(g), period=int(t), rel=int(t - g))
    src = "csdid 0.4.3 ATTgt.aggte(bstrap=False)"
    for typ, term in (
        ("simple", "att_simple"),
        ("group", "att_group"),
        ("dynamic", "att_dynamic"),
        ("calendar", "att_calendar"),
    ):
        with contextlib.redirect_stdout(io.StringIO()):
            att.aggte(typec=typ, bstrap=False)
        add(case, spec, term, att.atte["overall_att"], att.atte["overall_se"], src)


def spec(
    design="panel",
    control_group="never_treated",
    method="dr",
    covariates="",
    base_period="varying",
    anticipation=0,
    cluster="",
):
    return {
        "design": design,
        "control_group": control_group,
        "method": method,
        "covariates": covariates,
        "base_period": base_period,
        "anticipation": anticipation,
        "cluster": cluster,
    }


from_moderndid("panel_never_dr", spec())
from_moderndid("panel_notyet_dr", spec(control_group="not_yet_treated"))
from_moderndid("panel_never_dr_lpop", spec(covariates="lpop"))
from_moderndid(
    "panel_notyet_ipw_lpop", spec(control_group="not_yet_treated", method="ipw", covariates="lpop")
)
from_moderndid("panel_never_reg_lpop", spec(method="reg", covariates="lpop"))
from_moderndid("panel_never_dr_universal", spec(base_period="universal"))
from_moderndid(
    "panel_notyet_dr_anticipation1", spec(control_group="not_yet_treated", anticipation=1)
)
# repeated cross-sections: moderndid 0.2.0's aggte fails there, csdid's dr-with-covariates
# standard errors differ from both (by 4e-4), so: att_gt from moderndid, aggregates from csdid
# where it agrees
from_moderndid("rcs_never_dr", spec(design="repeated_cross_section"), aggregates=False)
from_csdid("rcs_never_dr", spec(design="repeated_cross_section"))
from_moderndid(
    "rcs_never_dr_lpop", spec(design="repeated_cross_section", covariates="lpop"), aggregates=False
)
from_moderndid(
    "rcs_notyet_ipw_lpop",
    spec(
        design="repeated_cross_section",
        control_group="not_yet_treated",
        method="ipw",
        covariates="lpop",
    ),
    aggregates=False,
)
from_csdid(
    "rcs_never_reg_lpop", spec(design="repeated_cross_section", method="reg", covariates="lpop")
)
# analytic clustered standard errors (cluster = state); moderndid 0.2.0 ignores clustervars
# without the bootstrap, csdid sums the influence function within clusters as R did >= 2.4
from_csdid("panel_never_dr_state", spec(cluster="state"))
from_csdid("rcs_never_dr_state", spec(design="repeated_cross_section", cluster="state"))

out = pd.DataFrame(rows, columns=COLS)
# drop duplicate att_gt rows where both sources were used (keep moderndid's)
out = out.drop_duplicates(subset=["case", "term", "group", "period", "rel_time"], keep="first")
sys.stdout.write("""\
# Callaway and Sant'Anna (2021) estimates on mpdta (mpdta.csv), lemp on year, countyreal,
# first.treat, for the cases in column `case`, from two Python ports of R's did 2.x: moderndid
# 0.2.0 (att_gt/aggte, boot=False) and csdid 0.4.3 (ATTgt.fit/aggte, bstrap=False); column
# `source` names which. Analytic standard errors; `cluster` = state means FIPS countyreal // 1000.
# Produced by: PYTHONPATH=<moderndid+csdid> python tests/results/make_mpdta_reference.py
""")
out.to_csv(sys.stdout, index=False, lineterminator="\n")
