"""The partnership members of the demo study: a followed cohort with a known change.

This module's one concern is the demo's cohort of partnership members:
:func:`simulate_members` draws them (by default two per programme area) from their own
random stream, surveyed in the first, middle and last waves (2016, 2018 and 2020) with no
attrition, as the Big Local evaluation surveyed its partnership members, with the
residents' latent model plus a member shift at the middle wave (their SWEMWBS score rises
by about 1.46 metric points and falls back by the last wave, the published finding); and
:func:`members_truth` summarises their mean changes from the first member wave for the
truth. The residents' person and item model comes from :mod:`wellby.demo.persons` and
:mod:`wellby.demo.items`; :func:`~wellby.demo.simulate.simulate_demo_study` puts the
members' rows into the wave files.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from wellby.demo.items import draw_items, round_clip, swemwbs_metric_table
from wellby.demo.layouts import ITEMS, MEMBER_COLUMN, SWEMWBS_ITEMS, member_waves
from wellby.demo.persons import new_persons
from wellby.demo.truth import counts

__all__ = ["MEMBER_FIRST_ID", "members_truth", "simulate_members"]

# Partnership members: latent shifts at the first, middle and last member wave, on each
# SWEMWBS item and on life satisfaction. The SWEMWBS shift makes the expected change in
# the metric score +1.46 at the middle wave: found by root-finding on 2 million simulated
# members (same latent model, no wave shocks), E[metric(items + d)] - E[metric(items)]
# = 1.46 at d = 0.2578 (raw total +1.76); the life-satisfaction shift of 0.3 gives an
# expected observed change of +0.27 after rounding and clipping.
_MEMBER_SWEMWBS_SHIFT = (0.0, 0.258, 0.0)
_MEMBER_LIFE_SATISFACTION_SHIFT = (0.0, 0.3, 0.0)
MEMBER_FIRST_ID = 900_001  # or the next id after the residents', if that is larger
_MEMBER_STREAM = 1  # members are drawn from default_rng([seed, _MEMBER_STREAM])


_MEMBERS_DESCRIPTION = (
    "Partnership members: a cohort of members_per_area members per programme area, "
    "surveyed in the first, middle and last waves with no attrition; change[w] is the "
    "sample mean of the outcome at wave w minus its mean at the first member wave, on the "
    "complete observed scores (before missing codes were injected), so it includes the "
    "common wave shocks and sampling noise as well as the members' latent shift "
    "(latent_member_shift: added to each SWEMWBS item, sum over items for swemwbs, and to "
    "life satisfaction; common_wave_shock is the shock to the latent factors)."
)


def simulate_members(
    seed: int,
    areas: pd.DataFrame,
    shocks: dict,
    waves: tuple[int, ...],
    members_per_area: int,
    first_id: int,
):
    """Draw the partnership-member cohort from its own random stream.

    Returns
    -------
    members : pandas.DataFrame
        Clean long data of the members, canonical columns plus ``member`` (= 1).
    persons : pandas.DataFrame
        One row per member (ids, name, postcode, constant attributes).
    rng : numpy.random.Generator
        The members' generator, to draw their missing codes from.

    """
    rng = np.random.default_rng([seed, _MEMBER_STREAM])
    programme = np.flatnonzero(areas["programme"].to_numpy())
    area_idx = np.repeat(programme, members_per_area)
    persons = pd.DataFrame(new_persons(rng, area_idx, 0, first_id, areas))
    positions = [waves.index(w) for w in member_waves(waves)]
    panel = pd.DataFrame(
        {
            "person": np.tile(np.arange(len(persons)), len(positions)),
            "wave_idx": np.repeat(positions, len(persons)),
            "member_wave": np.repeat(np.arange(len(positions)), len(persons)),
        }
    ).join(persons, on="person")
    latent = draw_items(rng, panel, areas, shocks)
    step = panel["member_wave"].to_numpy()
    for item in SWEMWBS_ITEMS:
        latent[item] = latent[item] + np.asarray(_MEMBER_SWEMWBS_SHIFT)[step]
    latent["life_satisfaction"] = (
        latent["life_satisfaction"] + np.asarray(_MEMBER_LIFE_SATISFACTION_SHIFT)[step]
    )
    members = pd.DataFrame(
        {
            "person_id": panel["person_id"].to_numpy(),
            "area_id": areas["area_id"].to_numpy()[panel["area"].to_numpy()],
            "wave": np.asarray(waves)[panel["wave_idx"].to_numpy()],
            "cohort": areas["cohort"].to_numpy()[panel["area"].to_numpy()],
            "gender": panel["gender"].to_numpy(),
            "qualification": panel["qualification"].to_numpy(),
            "income_quintile": panel["income_quintile"].to_numpy(),
            "age": (panel["entry_age"] + panel["wave_idx"]).to_numpy(),
            **{item: round_clip(latent[item], item) for item in ITEMS},
            MEMBER_COLUMN: np.ones(len(panel), dtype=np.int64),
        }
    )
    members = members.sort_values(["wave", "area_id", "person_id"], ignore_index=True)
    return members, persons, rng


def members_truth(members: pd.DataFrame, members_per_area: int, shocks: dict, waves) -> dict:
    """Summarise the members' mean changes from the first member wave."""
    mwaves = member_waves(waves)
    raw = members[list(SWEMWBS_ITEMS)].sum(axis=1)
    scores = {
        "life_satisfaction": members["life_satisfaction"],
        "swemwbs": raw,
        "swemwbs_metric": raw.map(swemwbs_metric_table()),
    }
    latent = {
        "life_satisfaction": dict(zip(mwaves, _MEMBER_LIFE_SATISFACTION_SHIFT, strict=True)),
        "swemwbs": {w: 7 * d for w, d in zip(mwaves, _MEMBER_SWEMWBS_SHIFT, strict=True)},
        "swemwbs_metric": None,
    }
    truth = {
        "description": _MEMBERS_DESCRIPTION,
        "members_per_area": int(members_per_area),
        "n_members": int(members["person_id"].nunique()),
        "person_ids": [int(members["person_id"].min()), int(members["person_id"].max())],
        "waves": [int(w) for w in mwaves],
        "rows_per_wave": counts(members["wave"]),
        "latent_swemwbs_item_shift": {
            str(w): float(d) for w, d in zip(mwaves, _MEMBER_SWEMWBS_SHIFT, strict=True)
        },
        "common_wave_shock": {str(w): float(shocks["wave"][list(waves).index(w)]) for w in mwaves},
    }
    for outcome, values in scores.items():
        means = values.astype(float).groupby(members["wave"].to_numpy()).mean()
        base = means[mwaves[0]]
        shift = latent[outcome]
        truth[outcome] = {
            "mean": {str(int(w)): float(m) for w, m in means.items()},
            "change": {str(int(w)): float(means[w] - base) for w in mwaves[1:]},
            "latent_member_shift": (
                None if shift is None else {str(w): float(shift[w]) for w in mwaves[1:]}
            ),
        }
    return truth
