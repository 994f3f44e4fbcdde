"""The design facts of the demo study, recorded in its truth.

This module's one concern is :func:`design_facts`, the ``truth["design"]`` section: the
study's sizes and timing, the rates of attrition and missing codes, the effect model, the
areas' attributes and, from the deprivation drift of :mod:`wellby.demo.items`, roughly the
bias of estimates that compare programme areas with all comparison areas unmatched.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from wellby.demo.areas import DEPRIVATION_MEAN, DEPRIVATION_SD
from wellby.demo.items import (
    DEPRIVATION_LEVEL,
    DEPRIVATION_TREND,
    ITEM_MODEL,
    swemwbs_metric_table,
)
from wellby.demo.layouts import (
    GENDER_LEVELS,
    ITEMS,
    MISSING_CODES,
    ONS_ITEMS,
    QUALIFICATION_LEVELS,
    SWEMWBS_ITEMS,
)
from wellby.demo.mess import INCOME_MISSING_RATE, MISSING_RATE
from wellby.demo.persons import ATTRITION
from wellby.demo.truth import GENDER_SHIFT, INCOME_EFFECT, QUAL_MULTIPLIER, TRUE_EFFECTS, counts

__all__ = ["design_facts"]


def _drift_weights(areas: pd.DataFrame, waves) -> dict[str, float]:
    """How much of the deprivation drift (``z * wave index``) each estimator picks up.

    ``twfe``: the coefficient of the treatment in a two-way (area and wave) fixed effects
    regression of ``z * wave index`` on the balanced areas x waves grid, the closed form
    ``sum(D~ * x) / sum(D~ * D)`` with ``D~`` the two-way demeaned treatment (the demo's
    area-wave cells have nearly equal sizes). ``callaway_santanna_simple``: the mean over
    post-start cells (g, t), weighted by cohort size as the simple aggregation is, of
    ``z`` times the waves between t and the base wave g - 1, with never-treated areas as
    the comparison.
    """
    waves = list(waves)
    cohort = areas["cohort"].to_numpy()
    index = np.arange(len(waves))
    start = np.array([waves.index(int(c)) if c > 0 else len(waves) for c in cohort])
    treat = (index[None, :] >= start[:, None]).astype(float)
    demeaned = treat - treat.mean(1, keepdims=True) - treat.mean(0, keepdims=True) + treat.mean()
    drift = areas["deprivation_z"].to_numpy()[:, None] * index[None, :]
    z_never = areas.loc[cohort == 0, "deprivation_z"].mean()
    cells = [
        (z - z_never) * (t - (g - 1))
        for g, z in zip(start[cohort > 0], areas.loc[cohort > 0, "deprivation_z"], strict=True)
        for t in range(g, len(waves))
    ]
    return {
        "twfe": float((demeaned * drift).sum() / (demeaned * treat).sum()),
        "callaway_santanna_simple": float(np.mean(cells)),
    }


def _expected_unmatched_bias(areas: pd.DataFrame, waves, po: pd.DataFrame) -> dict:
    """Roughly the bias of unmatched estimates that the deprivation drift causes.

    Per item, ``loading * trend * weight`` (see :func:`_drift_weights`); rounding and
    clipping are ignored, and the metric score's bias uses the conversion's local slope
    at the treated rows' mean untreated raw total.
    """
    metric = swemwbs_metric_table()
    centre = int(np.clip(np.rint(po["swemwbs_untreated"].mean()), 8, 34))
    slope = (metric[centre + 1] - metric[centre - 1]) / 2.0
    weights = _drift_weights(areas, waves)
    out = {"weight": weights}
    for estimator, weight in weights.items():
        per_item = {item: ITEM_MODEL[item][1] * DEPRIVATION_TREND * weight for item in ITEMS}
        bias = {item: float(per_item[item]) for item in ONS_ITEMS}
        bias["swemwbs"] = float(sum(per_item[item] for item in SWEMWBS_ITEMS))
        bias["swemwbs_metric"] = float(bias["swemwbs"] * slope)
        out[estimator] = bias
    return out


def _deprivation_gap(areas: pd.DataFrame) -> float:
    """Programme minus comparison areas' mean deprivation, in comparison-pool SDs."""
    z = areas.groupby("programme")["deprivation_z"].mean()
    return float(z[True] - z[False])


def _area_facts(areas: pd.DataFrame) -> dict:
    """Summarise the areas' attributes by programme status."""
    group = np.where(areas["programme"], "programme", "comparison")
    deprivation = areas.groupby(group)["deprivation"].agg(["mean", "std"])
    return {
        "deprivation_mean": {g: float(v) for g, v in deprivation["mean"].items()},
        "deprivation_sd": {g: float(v) for g, v in deprivation["std"].items()},
        "population_thousands": [float(areas["population"].min()),
                                 float(areas["population"].max())],
        "urban_share": float((areas["urban"] == "Urban").mean()),
        "regions": {str(k): int(v) for k, v in areas["region"].value_counts().sort_index().items()},
    }


def design_facts(seed: int, areas: pd.DataFrame, data: pd.DataFrame, waves,
                 residents_per_area: int, po: pd.DataFrame) -> dict:
    """Collect the design facts recorded in the truth (``truth["design"]``).

    Parameters
    ----------
    seed : int
        The study's seed.
    areas : pandas.DataFrame
        From :func:`wellby.demo.areas.make_areas`.
    data : pandas.DataFrame
        The residents' clean long data.
    waves : sequence of int
        Survey years.
    residents_per_area : int
        Target respondents per area and wave.
    po : pandas.DataFrame
        The treated rows' potential outcomes (for the metric score's local slope).

    Returns
    -------
    dict
        JSON-serialisable facts: sizes, cohorts, rows and new persons per wave, attrition,
        missing-code rates, the effect model, income quintile shares, the areas'
        attributes, the deprivation model and ``expected_unmatched_bias``.
    """
    cohorts = areas.loc[areas["programme"], "cohort"].value_counts().sort_index()
    first_seen = data.groupby("person_id")["wave"].transform("min")
    persons = data.drop_duplicates("person_id")
    return {
        "seed": int(seed),
        "n_areas": len(areas),
        "n_programme_areas": int(areas["programme"].sum()),
        "n_comparison_areas": int((~areas["programme"]).sum()),
        "residents_per_area": int(residents_per_area),
        "waves": [int(w) for w in waves],
        "cohorts": {str(int(k)): int(v) for k, v in cohorts.items()},
        "rows_per_wave": counts(data["wave"]),
        "new_persons_per_wave": counts(data.loc[data["wave"] == first_seen, "wave"]),
        "n_persons": int(data["person_id"].nunique()),
        "n_rows": len(data),
        "attrition_rate": ATTRITION,
        "missing_codes": {str(k): v for k, v in MISSING_CODES.items()},
        "missing_rate": MISSING_RATE,
        "income_missing_rate": INCOME_MISSING_RATE,
        "latent_effects": {k: float(v) for k, v in TRUE_EFFECTS.items()},
        "effect_multiplier_by_qualification": {
            QUALIFICATION_LEVELS[k]: float(v) for k, v in QUAL_MULTIPLIER.items()
        },
        "effect_shift_by_gender_first_waves": {
            GENDER_LEVELS[k]: float(v) for k, v in GENDER_SHIFT.items()
        },
        "effect_shift_per_income_quintile_above_expected": INCOME_EFFECT,
        "income_quintile_shares": {
            k: v / len(persons) for k, v in counts(persons["income_quintile"]).items()
        },
        "areas": _area_facts(areas),
        "deprivation": {
            "z_score": f"(score - {DEPRIVATION_MEAN:g}) / {DEPRIVATION_SD:g}",
            "latent_level_per_sd": DEPRIVATION_LEVEL,
            "latent_trend_per_wave_per_sd": DEPRIVATION_TREND,
            "gap_programme_minus_comparison_sd": _deprivation_gap(areas),
        },
        "expected_unmatched_bias": {
            "description": (
                "rough bias of estimates comparing programme areas with all comparison "
                "areas (no matching), caused by the deprivation drift: item loading x "
                "latent trend x weight, where weight is how much of z x wave index the "
                "estimator picks up (twfe: area and wave fixed effects on the areas x "
                "waves grid; a respondent-level TWFE picks up about 0.85-0.9 of it in the "
                "demo; callaway_santanna_simple: never-treated comparison areas); rounding "
                "ignored. Matching or weighting comparison areas on deprivation removes it"
            ),
            **_expected_unmatched_bias(areas, waves, po),
        },
    }
