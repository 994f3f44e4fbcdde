"""The assumptions the effect and its value rest on, each with this study's test of it.

For each: what it means, how it was tested here, and what the test found. Each
:class:`Assumption` is built from the study's tables and config, so the report says
what this study found, not what studies in general assume: the parallel-trends tests and
their p-values, the anticipation allowance and the effect one wave before the start, the
composition of repeated cross-sections wave by wave (or the panel's size), that spillover to
comparison areas cannot be tested without their geography, and where the life-satisfaction
value comes from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from wellby.config.typed import Study
from wellby.report.figures import short_label
from wellby.report.verdict import ESTIMATOR_NAMES, fmt_estimate, fmt_p

HOLDS, CAUTION, UNTESTED = "no sign of a problem", "in doubt", "not tested"
COMPOSITION_SHIFT = 0.05
"""A programme share of respondents that moves more than this between waves is flagged."""


@dataclass(frozen=True)
class Assumption:
    """One assumption, in words, with this study's test of it.

    Parameters
    ----------
    name : str
        Its short name.
    meaning : str
        What it says, for a reader who has not met it.
    test : str
        What the study did to test it (and the config keys or tables involved).
    finding : str
        What that found, with numbers from the tables.
    status : str
        :data:`HOLDS`, :data:`CAUTION` or :data:`UNTESTED`.
    """

    name: str
    meaning: str
    test: str
    finding: str
    status: str


def _label(labels: Mapping[str, str], outcome: str) -> str:
    return short_label(labels.get(outcome) or outcome)


def parallel_trends(did: pd.DataFrame | None, outcomes: Sequence[str],
                    labels: Mapping[str, str], alpha: float,
                    pretrend_power: pd.DataFrame | None = None) -> Assumption:
    """Parallel trends, from the pre-trend tests in ``did.csv`` (term ``pretrend_wald``)."""
    meaning = ("Without the programme, wellbeing in programme areas would have moved as it "
               "did in comparison areas.")
    tests = (did[(did["term"] == "pretrend_wald") & did["p_value"].notna()
                 & did["outcome"].isin(outcomes)] if did is not None else pd.DataFrame())
    if not len(tests):
        return Assumption("Parallel trends", meaning, "No pre-trend test was run (it needs "
                          "the event study or Callaway-Sant'Anna and waves before the start).",
                          "Not tested.", UNTESTED)
    found = [f"{_label(labels, r.outcome)}, {ESTIMATOR_NAMES.get(r.estimator, r.estimator)}: "
             f"{fmt_p(r.p_value)}" for r in tests.itertuples()]
    rejected = (tests["p_value"] < alpha).any()
    verdict = (f"At least one test rejects at {alpha:g}: trends differed before the start."
               if rejected else f"No test rejects at {alpha:g}.")
    return Assumption(
        "Parallel trends", meaning,
        "Joint tests that the effects in the waves before each area's start are all zero "
        "(did.csv, term pretrend_wald; a small p-value is a warning).",
        "; ".join(found) + ". " + verdict + _pretest_power(pretrend_power, labels),
        CAUTION if rejected else HOLDS)


def _pretest_power(pretrend_power: pd.DataFrame | None, labels: Mapping[str, str]) -> str:
    """Say which linear violation the joint pre-trend test detects with 80% power."""
    if pretrend_power is None or not len(pretrend_power):
        return ""
    joint = pretrend_power[(pretrend_power["test"] == "joint_wald")
                           & (pretrend_power["target_power"] == 0.8)]
    if not len(joint):
        return ""
    return (" A pass rules out only what the test can see (Roth 2022): it detects a linear "
            "pre-trend with 80% power at a slope of "
            + "; ".join(f"{r.slope:.3f} per wave ({_label(labels, r.outcome)})"
                        for r in joint.itertuples()) + " (pretrend_power.csv).")


def no_anticipation(event_study: pd.DataFrame | None, outcomes: Sequence[str],
                    labels: Mapping[str, str], anticipation: int) -> Assumption:
    """No anticipation, from Callaway-Sant'Anna's effect one wave before the start."""
    meaning = ("Residents did not change before the programme started in their area (for "
               "example because it was announced).")
    allowance = (f"The analysis allows {anticipation} wave(s) of anticipation "
                 "(models.anticipation)." if anticipation else
                 "The analysis allows none (models.anticipation: 0).")
    rows = (event_study[(event_study["estimator"] == "callaway_santanna")
                        & (event_study["rel_time"] == -1 - anticipation)
                        & event_study["outcome"].isin(outcomes)]
            if event_study is not None and len(event_study) else pd.DataFrame())
    if not len(rows):
        return Assumption("No anticipation", meaning, allowance + " The pre-trend tests "
                          "cover the waves before the start.", "See parallel trends.",
                          UNTESTED)
    found, doubt = [], False
    for r in rows.itertuples():
        low = getattr(r, "headline_ci_low", float("nan"))
        high = getattr(r, "headline_ci_high", float("nan"))
        if pd.isna(low):
            low, high = r.ci_low, r.ci_high
        doubt |= bool(low > 0 or high < 0)
        found.append(f"{_label(labels, r.outcome)}: {fmt_estimate(r.estimate)} "
                     f"(CI {fmt_estimate(low)} to {fmt_estimate(high)})")
    return Assumption(
        "No anticipation", meaning,
        allowance + " Callaway-Sant'Anna's effect in the wave just before the start "
        "(event_study.csv) should be near zero.",
        "; ".join(found) + (". At least one excludes zero." if doubt else
                            ". Each interval includes zero."),
        CAUTION if doubt else HOLDS)


def stable_composition(design: str, descriptives: pd.DataFrame | None,
                       summary: pd.DataFrame | None) -> Assumption:
    """Stable composition: programme share of respondents by wave (repeated cross-sections)."""
    if design == "panel":
        sizes = ("" if summary is None or "rows_out" not in summary else
                 " Respondents kept per wave: "
                 + ", ".join(f"{int(w)}: {v}" for w, v in zip(summary["wave"],
                                                              summary["rows_out"],
                                                              strict=True)) + ".")
        return Assumption(
            "Stable composition", "The people compared are the same before and after.",
            "Panel: each respondent is compared with themselves (respondent fixed effects), "
            "so who answers cannot shift the effect; attrition can still select who stays.",
            "Composition held fixed by design." + sizes, HOLDS)
    meaning = ("The kind of residents who answer in each area does not change over the waves "
               "in a way related to the programme.")
    if descriptives is None or not {"wave", "group", "n"} <= set(descriptives.columns):
        return Assumption("Stable composition", meaning, "No descriptives table.",
                          "Not tested.", UNTESTED)
    counts = descriptives[["outcome", "wave", "group", "n"]].copy()
    counts["n"] = pd.to_numeric(counts["n"], errors="coerce")
    first = counts[counts["outcome"] == counts["outcome"].iloc[0]]
    wide = first.pivot_table(index="wave", columns="group", values="n", aggfunc="sum")
    if not {"programme", "comparison"} <= set(wide.columns) or wide.isna().any().any():
        return Assumption("Stable composition", meaning, "Counts by wave are suppressed.",
                          "Not tested.", UNTESTED)
    share = wide["programme"] / (wide["programme"] + wide["comparison"])
    spread = float(share.max() - share.min())
    found = ("Programme areas' share of respondents by wave: "
             + ", ".join(f"{int(w)}: {100 * s:.0f}%" for w, s in share.items())
             + f" (range {100 * spread:.1f} percentage points).")
    return Assumption(
        "Stable composition", meaning,
        "Repeated cross-sections: the programme areas' share of each wave's respondents "
        f"(descriptives.csv) is compared across waves; a range above "
        f"{100 * COMPOSITION_SHIFT:.0f} points is flagged. Covariates "
        "(models.covariates) adjust for measured changes.",
        found, CAUTION if spread > COMPOSITION_SHIFT else HOLDS)


def no_spillover() -> Assumption:
    """No spillover: not testable without the areas' geography."""
    return Assumption(
        "No spillover", "The programme did not change wellbeing in comparison areas (for "
        "example neighbours using its facilities).",
        "Not testable here: wellby has no geography of the areas.",
        "Check that comparison areas are not next to programme areas. Spillover that helps "
        "them makes the effect look smaller; spillover that draws residents or resources "
        "away makes it look larger.", UNTESTED)


def valuation_source(study: Study) -> Assumption | None:
    """Where the life-satisfaction value comes from (only with a cost-benefit case)."""
    cba = study.cba
    if cba is None:
        return None
    meaning = ("The effect is worth the Green Book's WELLBY value per point of life "
               "satisfaction per person per year.")
    if cba.mapping is None:
        return Assumption("Value of the effect", meaning,
                          f"The valued outcome ({cba.outcome}) is life satisfaction itself "
                          "(0-10), so no conversion is needed.",
                          "Valued directly, at the low, central and high WELLBY values.",
                          HOLDS)
    return Assumption(
        "Value of the effect", meaning,
        f"{cba.outcome} is converted to life-satisfaction points with a factor of "
        f"{cba.mapping.factor:g} per unit (cba.mapping).",
        f"Source of the conversion: {cba.mapping.source}. The value is only as good as "
        "this mapping; the sensitivity table moves the effect.", CAUTION)


def study_assumptions(tables: Mapping[str, pd.DataFrame], study: Study,
                      labels: Mapping[str, str]) -> list[Assumption]:
    """Return the assumptions of this study with its tests and findings, in report order.

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame
        The study's tables as written (``did``, ``event_study``, ``descriptives``,
        ``cleaning_summary``).
    study : Study
        The study (design, ``models.alpha``, ``models.anticipation``, ``cba``).
    labels : mapping of str to str
        Each outcome's label.
    """
    outcomes = list(study.outcomes)
    found = [
        parallel_trends(tables.get("did"), outcomes, labels, study.models.alpha,
                        tables.get("pretrend_power")),
        no_anticipation(tables.get("event_study"), outcomes, labels,
                        int(study.models.anticipation)),
        stable_composition(study.design, tables.get("descriptives"),
                           tables.get("cleaning_summary")),
        no_spillover(),
        valuation_source(study),
    ]
    return [a for a in found if a is not None]
