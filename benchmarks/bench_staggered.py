"""Benchmark the staggered estimators on the Big Local-like demo study (about 60,000 rows).

The demo (``wellby.demo.simulate_demo_study()``): 300 areas (150 programme areas in two
cohorts, 150 comparison areas), about 40 respondents per area and wave, 5 annual waves,
respondents followed with 18% attrition per wave (about 20,700 respondents).

Run:  /work/venv/bin/python benchmarks/bench_staggered.py [--repeat 3]

Prints the best-of-``repeat`` wall time of ``fit_callaway_santanna`` (repeated
cross-sections by area; the panel of respondents clustered by area, pairwise or balanced;
with covariates; with the multiplier bootstrap) and of ``fit_event_study``, with the
estimate of ``att_simple`` against the demo's true effect. If the Python ports ``csdid``
or ``moderndid`` are importable, the same repeated cross-section fit is timed with them.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import time
import warnings

import pandas as pd

from wellby.demo import simulate_demo_study
from wellby.estimators.callaway_santanna import fit_callaway_santanna
from wellby.estimators.event_study import fit_event_study

OUTCOME = "life_satisfaction"


def best_of(repeat, fn):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    study = simulate_demo_study()
    data = study.data
    truth = study.truth[OUTCOME]["att"]
    print(
        f"demo: {len(data):,} rows, {data['area_id'].nunique()} areas, "
        f"{data['person_id'].nunique():,} respondents, {data['wave'].nunique()} waves; "
        f"true ATT on {OUTCOME} = {truth:.4f}"
    )
    cases = {
        "CS repeated cross-sections (area clusters)": dict(
            unit="area_id", design="repeated_cross_section"
        ),
        "CS panel, pairwise, clustered by area": dict(unit="person_id", cluster="area_id"),
        "CS panel, balanced only, clustered by area": dict(
            unit="person_id", cluster="area_id", balanced_panel=True
        ),
        "CS panel + covariates (age, gender)": dict(
            unit="person_id", cluster="area_id", covariates=["age", "gender"]
        ),
        "CS repeated cross-sections, not-yet-treated": dict(
            unit="area_id", design="repeated_cross_section", control_group="not_yet_treated"
        ),
        "CS panel, bootstrap 999 (area clusters)": dict(
            unit="person_id", cluster="area_id", bootstrap=True, seed=1
        ),
    }
    for label, kw in cases.items():
        kw = dict(kw)
        unit = kw.pop("unit")
        secs, res = best_of(
            args.repeat,
            lambda unit=unit, kw=kw: fit_callaway_santanna(
                data, OUTCOME, unit, "wave", "cohort", **kw
            ),
        )
        print(
            f"{label:46s} {secs:7.3f} s   att_simple {res.simple.estimate:.4f} "
            f"(se {res.simple.std_error:.4f}), N {res.n_obs:,}"
        )
    secs, es = best_of(
        args.repeat,
        lambda: fit_event_study(data, OUTCOME, "person_id", "wave", "cohort", cluster="area_id"),
    )
    print(
        f"{'event study (TWFE), respondents, area clusters':46s} {secs:7.3f} s   "
        f"{es.pretrend().summary()}"
    )

    frame = data.assign(area=pd.factorize(data["area_id"])[0], y=data[OUTCOME].astype(float))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            from csdid.att_gt import ATTgt

            def run_csdid():
                att = ATTgt(
                    yname="y",
                    gname="cohort",
                    idname=None,
                    tname="wave",
                    data=frame,
                    panel=False,
                    clustervar="area",
                ).fit(est_method="dr", bstrap=False)
                with contextlib.redirect_stdout(io.StringIO()):
                    att.aggte(typec="simple", bstrap=False)
                return att.atte["overall_att"], att.atte["overall_se"]

            secs, (a, s) = best_of(args.repeat, run_csdid)
            print(
                f"{'csdid: repeated cross-sections (area clusters)':46s} {secs:7.3f} s   "
                f"att_simple {a:.4f} (se {s:.4f})"
            )
        except ImportError:
            print("csdid not installed: skipped")
        try:
            import moderndid as md

            def run_moderndid():
                m = md.att_gt(
                    data=frame[["y", "wave", "cohort", "area"]],
                    yname="y",
                    tname="wave",
                    idname=None,
                    gname="cohort",
                    panel=False,
                    clustervars=["area"],
                    boot=False,
                    cband=False,
                )
                return m.att_gt[0], m.se_gt[0]

            secs, _ = best_of(args.repeat, run_moderndid)
            print(f"{'moderndid: repeated cross-sections, att_gt only':46s} {secs:7.3f} s")
        except ImportError:
            print("moderndid not installed: skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
