"""Deterministic generator of a Big Local-like resident survey study (the embedded demo).

The demo study has programme areas with a staggered start (two cohorts) and never-treated
comparison areas, residents followed over annual waves with attrition and refreshment, the
four ONS personal wellbeing items (0-10) and the seven SWEMWBS items (1-5). The programme
has a known effect, heterogeneous by qualification, by household income quintile and (in
the first waves after the start) by gender, whose population average is constant over event
time and equal across cohorts.

Areas have attributes (:mod:`wellby.demo.areas`): an IMD-like deprivation score (programme
areas about one standard deviation more deprived than the comparison pool), population,
urban/rural and region. Wellbeing is lower in more deprived areas and, untreated, drifts
down over the waves there, so parallel trends hold between areas of equal deprivation but
not between programme areas and the whole comparison pool: an unmatched two-way fixed
effects estimate is biased (by about ``truth["design"]["expected_unmatched_bias"]``),
and matching or weighting comparison areas on deprivation removes the bias.

The raw wave files are made messy the way real waves are (by :mod:`wellby.demo.mess`):
wave-specific column names and codings, missing codes, out-of-range typos, direct
identifiers and mixed file formats.
:func:`demo_wave_spec` documents, per wave, how to map each file back to the canonical
names, and :func:`~wellby.demo.areas.demo_area_spec` the area file. The truth is computed
from potential outcomes on the observed (rounded, clipped) scale before the mess is
injected.

The demo also has a small cohort of partnership members (by default two per programme
area), surveyed in the first, middle and last waves only (2016, 2018 and 2020), as the
Big Local evaluation surveyed its partnership members: their rows follow the residents'
rows in those waves' files, flagged by a member column whose source name differs by wave.
Their SWEMWBS score rises by about 1.46 metric points at the middle wave and falls back by
the last (the published finding). Everything about the members is drawn from a separate
random stream, so the residents are the same with or without them; they are drawn by
:mod:`wellby.demo.members`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from wellby.demo.areas import area_file_frame, make_areas
from wellby.demo.design import design_facts
from wellby.demo.items import (
    draw_items,
    latent_items,
    potential_outcomes,
    round_clip,
    swemwbs_metric_table,
)
from wellby.demo.layouts import (
    CANONICAL_COLUMNS,
    DEFAULT_WAVES,
    ITEMS,
    MEMBER_COLUMN,
    ONS_ITEMS,
    SWEMWBS_ITEMS,
    demo_wave_spec,
    member_waves,
    wave_layout,
)
from wellby.demo.mess import raw_wave
from wellby.demo.persons import SIZE_JITTER, make_panel, new_persons
from wellby.demo.truth import (
    TRUE_EFFECTS,
    TRUTH_DESCRIPTION,
    counts,
    effect_multiplier,
    truth_for_outcome,
)

__all__ = [
    "TRUE_EFFECTS",
    "DemoStudy",
    "counts",
    "draw_items",
    "new_persons",
    "round_clip",
    "simulate_demo_study",
    "swemwbs_metric_table",
]

_AREA_STREAM = 2  # areas are drawn from default_rng([seed, _AREA_STREAM]); members use 1


@dataclass
class DemoStudy:
    """A simulated demo study.

    Attributes
    ----------
    data : pandas.DataFrame
        Long clean data of the residents, one row per respondent and wave, canonical
        column names and standard codes (gender 1/2/3, qualification 0/1/2, income
        quintile 1-5, cohort 0 = never treated), before missing codes, typos and
        identifiers are added.
    raw : dict of int to pandas.DataFrame
        The raw frame of each wave as written to its file: source column names and codes,
        missing codes, out-of-range typos and direct identifiers. In the member waves the
        residents' rows come first (in the order of ``data``), then the members' rows.
    truth : dict
        True effects (see :func:`simulate_demo_study`) and design facts; JSON-serialisable.
    potential_outcomes : pandas.DataFrame
        For every treated-post observation: keys, event time, subgroups and, per outcome,
        ``<outcome>_untreated`` and ``<outcome>_treated`` on the observed scale.
    spec : list of dict
        The per-wave specification, as returned by :func:`demo_wave_spec`.
    members : pandas.DataFrame
        Long clean data of the partnership members (member waves only), the columns of
        ``data`` plus ``member`` (always 1); empty when there are no members.
    areas : pandas.DataFrame
        One row per area (see :func:`wellby.demo.areas.make_areas`): ids, programme
        status, cohort and attributes.
    area_file : pandas.DataFrame
        The area file's table as written (source names; see
        :func:`wellby.demo.areas.demo_area_spec`).

    """

    data: pd.DataFrame
    raw: dict[int, pd.DataFrame]
    truth: dict
    potential_outcomes: pd.DataFrame
    spec: list[dict] = field(default_factory=list)
    members: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=[*CANONICAL_COLUMNS, MEMBER_COLUMN])
    )
    areas: pd.DataFrame = field(default_factory=pd.DataFrame)
    area_file: pd.DataFrame = field(default_factory=pd.DataFrame)


def _check_args(
    n_programme_areas, n_comparison_areas, residents_per_area, waves, members_per_area=0
) -> None:
    """Validate the size arguments of :func:`simulate_demo_study`."""
    if len(waves) < 4 or list(waves) != sorted(set(waves)):
        raise ValueError(f"waves must be at least 4 increasing distinct years, got {waves!r}")
    if n_programme_areas < 2 or n_comparison_areas < 1:
        raise ValueError("need at least 2 programme areas and 1 comparison area")
    if residents_per_area < 2 * SIZE_JITTER + 2:
        raise ValueError(f"residents_per_area must be >= {2 * SIZE_JITTER + 2}")
    if isinstance(members_per_area, bool) or not isinstance(members_per_area, (int, np.integer)):
        raise ValueError(f"members_per_area must be an integer, got {members_per_area!r}")
    if members_per_area < 0:
        raise ValueError(f"members_per_area must be >= 0, got {members_per_area}")


# --------------------------------------------------------------------------- simulate


def simulate_demo_study(
    seed: int = 2010,
    n_programme_areas: int = 150,
    n_comparison_areas: int = 150,
    residents_per_area: int = 40,
    waves: tuple[int, ...] = DEFAULT_WAVES,
    members_per_area: int = 2,
) -> DemoStudy:
    """Simulate the Big Local-like demo study.

    Parameters
    ----------
    seed : int, default 2010
        Seed of :func:`numpy.random.default_rng`; the study is a deterministic function
        of the seed and the sizes.
    n_programme_areas, n_comparison_areas : int, default 150
        Numbers of programme areas (split about half and half into cohorts first treated
        at ``waves[2]`` and ``waves[3]``) and never-treated comparison areas.
    residents_per_area : int, default 40
        Target respondents per area and wave (each area-wave varies by up to +-2).
    waves : tuple of int, default (2016, 2017, 2018, 2019, 2020)
        Survey years (at least four).
    members_per_area : int, default 2
        Partnership members per programme area, surveyed in the waves of
        :func:`member_waves`; 0 leaves them out (and the member flag with them).

    Returns
    -------
    DemoStudy
        Clean long data, raw wave frames, truth and potential outcomes, the members, and
        the areas with the area file's table.

    Notes
    -----
    Residents leave the panel at random with probability 0.18 per wave and are replaced by
    new residents of the same area. Items are ``mean + loading * factor + sd * noise``,
    rounded and clipped, where the factor adds a person trait, a person-wave state, an area
    effect, the area's deprivation (``z = (score - 20) / 8``: a level of ``-0.15 z`` and
    a drift of ``-0.01 z`` per wave, centred on the middle wave), a qualification level, a
    common wave shock and a small area-wave shock. Parallel trends hold on the latent
    scale between areas of equal deprivation, not between programme areas (about 1 SD
    more deprived) and the whole comparison pool. The treated potential outcome adds
    ``effect * multiplier`` with multiplier 0 / 0.89 / 2 for none / below degree /
    degree, plus 0.15 per household income quintile above the quintile expected from the
    resident's qualification and area, plus +0.8 (men) or -0.8 (women) at event times
    0-1; the multiplier averages 1 in the population at every event time.

    Partnership members (``members_per_area`` per programme area, ids from 900001 or
    after the last resident's) are surveyed in the first, middle and last waves with no
    attrition. Their items follow the residents' latent model (same area effects,
    deprivation and common wave shocks; new traits and states) plus a member shift
    at the middle wave: +0.258 on each SWEMWBS item (an expected +1.46 on the metric
    score, the published Big Local finding) and +0.3 on life satisfaction, both back to 0
    at the last wave. They are not given the programme effect: their change over waves
    is the quantity of interest (``truth["members"]``). Their rows, identifiers and
    missing codes (no typos, no linkage errors) are drawn from
    ``numpy.random.default_rng([seed, 1])``, so the residents' data, raw rows and truth
    do not depend on ``members_per_area``. The areas (timing, effects and attributes) are
    drawn from ``numpy.random.default_rng([seed, 2])``, so they do not depend on the
    residents' sizes.

    """
    _check_args(n_programme_areas, n_comparison_areas, residents_per_area, waves, members_per_area)
    waves = tuple(int(w) for w in waves)
    rng = np.random.default_rng(seed)
    area_rng = np.random.default_rng([seed, _AREA_STREAM])
    areas = make_areas(area_rng, n_programme_areas, n_comparison_areas, waves)
    persons, panel = make_panel(rng, areas, residents_per_area, len(waves))
    panel = panel.join(persons, on="person")
    wave = np.asarray(waves)[panel["wave_idx"].to_numpy()]
    cohort = areas["cohort"].to_numpy()[panel["area"].to_numpy()]
    treated = (cohort > 0) & (wave >= cohort)
    event_time = np.where(cohort > 0, wave - cohort, -999)

    latent, shocks = latent_items(rng, panel, areas, len(waves))
    multiplier = effect_multiplier(
        panel["qualification"], panel["gender"], event_time,
        panel["income_quintile"], panel["income_expected"],
    )
    tau = {item: TRUE_EFFECTS[item] * multiplier for item in ITEMS}
    observed, pairs = potential_outcomes(latent, tau, treated)
    keys = pd.DataFrame(
        {
            "person_id": panel["person_id"].to_numpy(),
            "area_id": areas["area_id"].to_numpy()[panel["area"].to_numpy()],
            "wave": wave,
            "cohort": cohort,
            "gender": panel["gender"].to_numpy(),
            "qualification": panel["qualification"].to_numpy(),
            "income_quintile": panel["income_quintile"].to_numpy(),
        }
    )
    data = keys.assign(
        age=(panel["entry_age"] + panel["wave_idx"] - panel["entry_wave"]).to_numpy(),
        **observed,
    )[list(CANONICAL_COLUMNS)]
    data = data.sort_values(["wave", "area_id", "person_id"], ignore_index=True)
    po = keys[treated].reset_index(drop=True)
    po.insert(4, "event_time", event_time[treated])
    for outcome, (y0, y1) in pairs.items():
        po[f"{outcome}_untreated"] = y0
        po[f"{outcome}_treated"] = y1

    truth = {
        "description": TRUTH_DESCRIPTION,
        "design": design_facts(seed, areas, data, waves, residents_per_area, po),
    }
    for outcome, effect in _latent_effects(tau, treated).items():
        truth[outcome] = truth_for_outcome(po, outcome, effect)
    truth["swemwbs_metric"]["latent_att"] = None
    po = po.sort_values(["wave", "area_id", "person_id"], ignore_index=True)

    members = _members(seed, areas, shocks, waves, members_per_area, persons)
    if members is not None:
        truth["members"] = members[3]
    raw = _raw_waves(rng, data, persons, waves, members)
    return DemoStudy(
        data=data,
        raw=raw,
        truth=truth,
        potential_outcomes=po,
        spec=demo_wave_spec(waves, members=members is not None),
        members=members[0] if members is not None else pd.DataFrame(
            columns=[*CANONICAL_COLUMNS, MEMBER_COLUMN]),
        areas=areas,
        area_file=area_file_frame(areas),
    )


def _latent_effects(tau: dict, treated: np.ndarray) -> dict:
    """Return each outcome's latent effect on the treated rows (NaN for the metric score)."""
    effects = {o: tau[o][treated] for o in ONS_ITEMS}
    effects["swemwbs"] = sum(tau[item][treated] for item in SWEMWBS_ITEMS)
    effects["swemwbs_metric"] = np.full(int(treated.sum()), np.nan)
    return effects


def _members(seed, areas, shocks, waves, members_per_area, persons):
    """Draw the members (their own stream): (members, persons, rng, truth) or None."""
    if members_per_area == 0:
        return None
    # Imported here: wellby.demo.members builds on this module's item model.
    from wellby.demo.members import MEMBER_FIRST_ID, members_truth, simulate_members

    first_id = max(MEMBER_FIRST_ID, int(persons["person_id"].max()) + 1)
    members, member_persons, member_rng = simulate_members(
        seed, areas, shocks, waves, members_per_area, first_id
    )
    truth = members_truth(members, members_per_area, shocks, waves)
    return members, member_persons, member_rng, truth


def _raw_waves(rng, data, persons, waves, members) -> dict[int, pd.DataFrame]:
    """Make each wave's raw frame; the member waves get the members' rows after the rest."""
    surveyed = set(member_waves(waves)) if members is not None else set()
    raw = {}
    for index, w in enumerate(waves):
        clean_wave = data[data["wave"] == w]
        layout = wave_layout(index)
        if w not in surveyed:
            raw[w] = raw_wave(rng, clean_wave, persons, layout, index)
            continue
        member_data, member_persons, member_rng, _ = members
        residents = raw_wave(rng, clean_wave, persons, layout, index, flag=0)
        clean_members = member_data.loc[member_data["wave"] == w, list(CANONICAL_COLUMNS)]
        member_rows = raw_wave(member_rng, clean_members, member_persons, layout, index, 1)
        raw[w] = pd.concat([residents, member_rows], ignore_index=True)
    return raw
