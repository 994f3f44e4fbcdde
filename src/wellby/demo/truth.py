"""The demo study's programme effect and the truth recorded about it.

This module's one concern is the known truth of the demo: the population-average latent
effects (:data:`TRUE_EFFECTS`), how each resident's effect departs from the average
(:func:`effect_multiplier`: by qualification, by household income quintile and, in the
first waves after the start, by gender), and the summaries of the treated-minus-untreated
potential outcomes written to ``truth.json`` (:func:`truth_for_outcome`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from wellby.demo.layouts import GENDER_LEVELS, QUALIFICATION_LEVELS, SWEMWBS_ITEMS

__all__ = [
    "FIRST_WAVES",
    "GENDER_SHIFT",
    "INCOME_EFFECT",
    "QUAL_MULTIPLIER",
    "TRUE_EFFECTS",
    "TRUTH_DESCRIPTION",
    "counts",
    "effect_multiplier",
    "truth_for_outcome",
]

#: Population-average latent effects of the programme, per outcome, on the item scale.
#: SWEMWBS: +0.5 raw points in total, spread equally over the seven items.
TRUE_EFFECTS: dict[str, float] = {
    "life_satisfaction": 0.12,
    "worthwhile": 0.06,
    "happy": 0.08,
    "anxiety": -0.10,
    **{item: 0.5 / 7 for item in SWEMWBS_ITEMS},
}

#: Effect multipliers by qualification, scaled so their population mean is 1.
QUAL_MULTIPLIER = {0: 0.0, 1: (1.0 - 0.30 * 2.0) / 0.45, 2: 2.0}
#: Men +d, women -d (in units of the average effect) at event times 0..FIRST_WAVES-1.
GENDER_SHIFT = {1: 0.8, 2: -0.8, 3: 0.0}
FIRST_WAVES = 2
#: Income gradient of the effect, in units of the average effect per quintile above the
#: quintile expected from the resident's qualification and area (mean zero in each).
INCOME_EFFECT = 0.15


def effect_multiplier(qualification, gender, event_time, income_quintile, income_expected
                      ) -> np.ndarray:
    """Return each observation's effect in units of the population-average effect.

    Parameters
    ----------
    qualification, gender : array-like of int
        Standard codes (see :mod:`wellby.demo.layouts`).
    event_time : array-like of int
        Wave minus cohort (any value for untreated rows).
    income_quintile : array-like of int
        Household income quintile, 1-5.
    income_expected : array-like of float
        The quintile expected given qualification and area
        (:func:`wellby.demo.persons.expected_income_quintile`).

    Returns
    -------
    numpy.ndarray
        ``QUAL_MULTIPLIER[qualification] + 0.15 * (income_quintile - income_expected)
        + GENDER_SHIFT[gender] * (0 <= event_time < 2)``; its expectation is 1 at every
        event time, in every cohort and area.
    """
    qual_mult = pd.Series(QUAL_MULTIPLIER).reindex(np.asarray(qualification)).to_numpy()
    gender_shift = pd.Series(GENDER_SHIFT).reindex(np.asarray(gender)).to_numpy()
    event_time = np.asarray(event_time)
    first = (event_time >= 0) & (event_time < FIRST_WAVES)
    income = INCOME_EFFECT * (np.asarray(income_quintile) - np.asarray(income_expected))
    return qual_mult + income + gender_shift * first


TRUTH_DESCRIPTION = (
    "True average treatment effect on the treated (ATT) of the programme, on the observed "
    "scale. For every treated-post observation (programme area, wave >= the area's cohort) "
    "both potential outcomes were generated from the same latent draws and noise, rounded "
    "and clipped to the item range; att is the sample mean of treated minus untreated over "
    "those observations, and the att_by_* entries are the same means within groups. "
    "event_time = wave - cohort; first_waves = event times 0-1. swemwbs is the raw total of "
    "the 7 items (7-35); swemwbs_metric is its Rasch metric score. latent_att is the mean "
    "latent (pre-rounding) effect. Computed on complete data, before missing codes (-9, -8, "
    "about 2% of item answers, completely at random) and out-of-range typos were injected. "
    "The population-average effect is constant over event time and equal across cohorts; "
    "by design it is 0 for no qualifications and 2x average for degree holders, and men "
    "get +0.8x and women -0.8x the average at event times 0-1 only. Within a qualification "
    "and area, each household income quintile above the one expected adds 0.15x the "
    "average (mean zero), so lower income quintiles gain less (income_quintile 1 = lowest "
    "fifth of household incomes). Untreated outcomes are lower, and drift further down "
    "over the waves, in more deprived areas (design.deprivation); both potential outcomes "
    "share that drift, so the effect is unchanged, but a comparison of programme areas "
    "(about 1 SD more deprived) with unmatched comparison areas is biased "
    "(design.expected_unmatched_bias)."
)


def counts(values: pd.Series) -> dict[str, int]:
    """Count values, sorted, with JSON-friendly string keys."""
    return {str(int(k)): int(v) for k, v in values.value_counts().sort_index().items()}


def _group_means(values: pd.Series, keys: pd.Series, labels=None) -> dict[str, float]:
    """Average ``values`` within groups of ``keys``; JSON-friendly string keys."""
    means = values.groupby(keys.to_numpy()).mean().sort_index()
    out = {}
    for key, value in means.items():
        name = labels[key] if labels else str(int(key))
        out[name] = float(value)
    return out


def truth_for_outcome(po: pd.DataFrame, outcome: str, latent_effect: np.ndarray) -> dict:
    """Summarise one outcome's treated-minus-untreated differences.

    Parameters
    ----------
    po : pandas.DataFrame
        The treated-post observations: ``event_time``, ``cohort``, ``qualification``,
        ``gender``, ``income_quintile`` and ``<outcome>_treated``/``<outcome>_untreated``.
    outcome : str
        The outcome summarised.
    latent_effect : numpy.ndarray
        Each observation's latent (pre-rounding) effect.

    Returns
    -------
    dict
        ``att``, ``latent_att``, ``n_treated_obs`` and ``att_by_cohort``,
        ``att_by_event_time``, ``att_by_qualification``, ``att_by_income_quintile`` and
        ``att_by_gender`` (overall, ``first_waves`` and ``later_waves``).
    """
    diff = po[f"{outcome}_treated"] - po[f"{outcome}_untreated"]
    first = po["event_time"] < FIRST_WAVES
    gender = _group_means(diff, po["gender"], GENDER_LEVELS)
    gender["first_waves"] = _group_means(diff[first], po["gender"][first], GENDER_LEVELS)
    gender["later_waves"] = _group_means(diff[~first], po["gender"][~first], GENDER_LEVELS)
    return {
        "att": float(diff.mean()),
        "latent_att": float(np.mean(latent_effect)),
        "n_treated_obs": len(diff),
        "att_by_cohort": _group_means(diff, po["cohort"]),
        "att_by_event_time": _group_means(diff, po["event_time"]),
        "att_by_qualification": _group_means(diff, po["qualification"], QUALIFICATION_LEVELS),
        "att_by_income_quintile": _group_means(diff, po["income_quintile"]),
        "att_by_gender": gender,
    }
