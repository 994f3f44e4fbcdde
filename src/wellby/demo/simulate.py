"""Deterministic generator of a Big Local-like resident survey study (the embedded demo).

The demo study has programme areas with a staggered start (two cohorts) and never-treated
comparison areas, residents followed over annual waves with attrition and refreshment, the
four ONS personal wellbeing items (0-10) and the seven SWEMWBS items (1-5). The programme
has a known effect, heterogeneous by qualification and (in the first waves after the start)
by gender, whose population average is constant over event time and equal across cohorts,
so a two-way fixed effects estimator is unbiased for it.

The raw wave files are made messy the way real waves are (by :mod:`wellby.demo.mess`):
wave-specific column names and codings, missing codes, out-of-range typos, direct
identifiers and mixed file formats.
:func:`demo_wave_spec` documents, per wave, how to map each file back to the canonical
names. The truth is computed from potential outcomes on the observed (rounded, clipped)
scale before the mess is injected.

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
from importlib import resources

import numpy as np
import pandas as pd

from wellby.demo.layouts import (
    CANONICAL_COLUMNS,
    DEFAULT_WAVES,
    GENDER_LEVELS,
    ITEM_RANGES,
    ITEMS,
    MEMBER_COLUMN,
    MISSING_CODES,
    ONS_ITEMS,
    QUALIFICATION_LEVELS,
    SWEMWBS_ITEMS,
    demo_wave_spec,
    member_waves,
    wave_layout,
)
from wellby.demo.mess import MISSING_RATE, raw_wave

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

#: Population-average latent effects of the programme, per outcome, on the item scale.
#: SWEMWBS: +0.5 raw points in total, spread equally over the seven items.
TRUE_EFFECTS: dict[str, float] = {
    "life_satisfaction": 0.12,
    "worthwhile": 0.06,
    "happy": 0.08,
    "anxiety": -0.10,
    **{item: 0.5 / 7 for item in SWEMWBS_ITEMS},
}

# Population shares; male and female equal so the gender term averages out exactly.
_GENDER_PROBS = {1: 0.4925, 2: 0.4925, 3: 0.015}
_QUALIFICATION_PROBS = {0: 0.25, 1: 0.45, 2: 0.30}
# Effect multipliers by qualification, scaled so their population mean is 1.
_QUAL_MULTIPLIER = {0: 0.0, 1: (1.0 - 0.30 * 2.0) / 0.45, 2: 2.0}
# Men +d, women -d (in units of the average effect) at event times 0..FIRST_WAVES-1.
_GENDER_SHIFT = {1: 0.8, 2: -0.8, 3: 0.0}
_FIRST_WAVES = 2

_ATTRITION = 0.18
_SIZE_JITTER = 2  # residents per area-wave vary by up to +-2 around the target

# Latent item model: item = mean + loading * factor + sd * noise, then rounded and clipped.
# ONS items load on factor f, SWEMWBS items on factor g (f and g correlate ~0.7).
_ITEM_MODEL: dict[str, tuple[float, float, float]] = {
    "life_satisfaction": (7.45, 1.65, 1.35),
    "worthwhile": (7.80, 1.40, 1.15),
    "happy": (7.50, 1.55, 1.55),
    "anxiety": (2.90, -1.40, 2.45),
    **{item: (3.47, 0.56, 0.62) for item in SWEMWBS_ITEMS},
}
_TRAIT_SD, _STATE_SD = 0.75, 0.55
_FACTOR_CORR = 0.7
_AREA_SD, _AREA_WAVE_SD, _WAVE_SD = 0.20, 0.05, 0.05
_PROGRAMME_LEVEL = -0.15  # programme areas are disadvantaged: lower level, same trend
_QUAL_LEVEL = {0: -0.15, 1: 0.0, 2: 0.10}

_FIRST_NAMES = {
    1: "James John David Michael Paul Mark Daniel Thomas Mohammed Lee Craig Ryan Gary Peter "
    "Stephen Adam Liam Kevin".split(),
    2: "Sarah Emma Claire Laura Susan Karen Helen Amy Fatima Rachel Nicola Joanne Lisa Gemma "
    "Julie Aisha Megan Kelly".split(),
    3: "Alex Sam Jordan Charlie Robin Jamie Casey Morgan".split(),
}
_SURNAMES = (
    "Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Robinson Wright Thompson "
    "Evans Walker White Roberts Green Hall Khan Wood Jackson Clarke Hughes Edwards Hussain "
    "Turner Hill Moore Cooper Ward Morris Begum Harris Lewis Bell Kaur"
).split()
_OUTWARD_CODES = (
    "NE6 NE4 SR4 TS3 TS25 DL1 BD3 BD8 LS9 HU3 DN31 S2 M11 M40 OL1 BB1 L4 L6 WN5 ST6 B10 B33 "
    "WV10 NG3 LE3 CV2 NN1 PE1 NR3 IP3 E16 N17 BS13 PL2 TR15 BN2"
).split()
_INWARD_LETTERS = np.array(list("ABDEFGHJLNPQRSTUWXYZ"))


@dataclass
class DemoStudy:
    """A simulated demo study.

    Attributes
    ----------
    data : pandas.DataFrame
        Long clean data of the residents, one row per respondent and wave, canonical
        column names and standard codes (gender 1/2/3, qualification 0/1/2, cohort 0 =
        never treated), before missing codes, typos and identifiers are added.
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

    """

    data: pd.DataFrame
    raw: dict[int, pd.DataFrame]
    truth: dict
    potential_outcomes: pd.DataFrame
    spec: list[dict] = field(default_factory=list)
    members: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=[*CANONICAL_COLUMNS, MEMBER_COLUMN])
    )


# --------------------------------------------------------------------------- panel


def _check_args(
    n_programme_areas, n_comparison_areas, residents_per_area, waves, members_per_area=0
) -> None:
    """Validate the size arguments of :func:`simulate_demo_study`."""
    if len(waves) < 4 or list(waves) != sorted(set(waves)):
        raise ValueError(f"waves must be at least 4 increasing distinct years, got {waves!r}")
    if n_programme_areas < 2 or n_comparison_areas < 1:
        raise ValueError("need at least 2 programme areas and 1 comparison area")
    if residents_per_area < 2 * _SIZE_JITTER + 2:
        raise ValueError(f"residents_per_area must be >= {2 * _SIZE_JITTER + 2}")
    if isinstance(members_per_area, bool) or not isinstance(members_per_area, (int, np.integer)):
        raise ValueError(f"members_per_area must be an integer, got {members_per_area!r}")
    if members_per_area < 0:
        raise ValueError(f"members_per_area must be >= 0, got {members_per_area}")


def _make_areas(rng, n_programme: int, n_comparison: int, waves) -> pd.DataFrame:
    """Draw the areas: ids, programme status, cohort, area effect and postcode district."""
    width = max(3, len(str(max(n_programme, n_comparison))))
    ids = [f"BL{i:0{width}d}" for i in range(1, n_programme + 1)]
    ids += [f"CA{i:0{width}d}" for i in range(1, n_comparison + 1)]
    cohort = np.zeros(n_programme + n_comparison, dtype=np.int64)
    early = rng.permutation(n_programme) < (n_programme + 1) // 2
    cohort[:n_programme] = np.where(early, waves[2], waves[3])
    n = n_programme + n_comparison
    return pd.DataFrame(
        {
            "area_id": ids,
            "programme": np.arange(n) < n_programme,
            "cohort": cohort,
            "effect": rng.normal(0.0, _AREA_SD, n),
            "outward": np.array(_OUTWARD_CODES)[rng.integers(0, len(_OUTWARD_CODES), n)],
        }
    )


def new_persons(rng, area_idx: np.ndarray, wave_idx: int, start_id: int, outward) -> dict:
    """Draw constant attributes of the residents recruited into the study at one wave."""
    n = len(area_idx)
    gender = rng.choice(list(_GENDER_PROBS), size=n, p=list(_GENDER_PROBS.values()))
    qual = rng.choice(list(_QUALIFICATION_PROBS), size=n, p=list(_QUALIFICATION_PROBS.values()))
    trait_f = rng.standard_normal(n)
    trait_g = _FACTOR_CORR * trait_f + np.sqrt(1 - _FACTOR_CORR**2) * rng.standard_normal(n)
    first = np.empty(n, dtype=object)
    for code, names in _FIRST_NAMES.items():
        mask = gender == code
        first[mask] = np.array(names)[rng.integers(0, len(names), mask.sum())]
    surname = np.array(_SURNAMES)[rng.integers(0, len(_SURNAMES), n)]
    inward = (
        rng.integers(0, 10, n).astype(str).astype(object)
        + _INWARD_LETTERS[rng.integers(0, 20, n)].astype(object)
        + _INWARD_LETTERS[rng.integers(0, 20, n)].astype(object)
    )
    return {
        "person_id": start_id + np.arange(n, dtype=np.int64),
        "area": area_idx,
        "entry_wave": np.full(n, wave_idx),
        "entry_age": rng.integers(18, 87, n),
        "gender": gender,
        "qualification": qual,
        "trait_f": trait_f,
        "trait_g": trait_g,
        "name": first + " " + surname.astype(object),
        "postcode": outward[area_idx].astype(object) + " " + inward,
    }


def _area_targets(rng, n_areas: int, residents_per_area: int) -> np.ndarray:
    """Draw the number of respondents of each area in one wave."""
    return residents_per_area + rng.integers(-_SIZE_JITTER, _SIZE_JITTER + 1, n_areas)


def _make_panel(rng, areas: pd.DataFrame, residents_per_area: int, n_waves: int):
    """Follow residents over waves with attrition and refreshment.

    Returns
    -------
    persons : pandas.DataFrame
        One row per person (index = position used in ``rows``).
    rows : pandas.DataFrame
        One row per person-wave: ``person`` (position) and ``wave_idx``.

    """
    n_areas = len(areas)
    outward = areas["outward"].to_numpy()
    batches = []
    current = np.empty(0, dtype=np.int64)
    person_area = np.empty(0, dtype=np.int64)
    rows = []
    n_persons = 0
    for t in range(n_waves):
        stay = rng.random(len(current)) >= _ATTRITION
        kept = current[stay]
        kept_per_area = np.bincount(person_area[kept], minlength=n_areas)
        n_new = np.maximum(_area_targets(rng, n_areas, residents_per_area) - kept_per_area, 0)
        new_area = np.repeat(np.arange(n_areas), n_new)
        batch = new_persons(rng, new_area, t, 100_001 + n_persons, outward)
        batches.append(batch)
        new_pos = n_persons + np.arange(len(new_area))
        n_persons += len(new_area)
        person_area = np.concatenate([person_area, new_area])
        current = np.sort(np.concatenate([kept, new_pos]))
        rows.append(pd.DataFrame({"person": current, "wave_idx": t}))
    persons = pd.DataFrame({k: np.concatenate([b[k] for b in batches]) for k in batches[0]})
    return persons, pd.concat(rows, ignore_index=True)


# --------------------------------------------------------------------------- outcomes


def round_clip(latent: np.ndarray, item: str) -> np.ndarray:
    """Round a latent item score and clip it to the item's valid range."""
    low, high = ITEM_RANGES[item]
    return np.clip(np.rint(latent), low, high).astype(np.int64)


def _effect_multiplier(qualification, gender, event_time) -> np.ndarray:
    """Return each observation's effect in units of the population-average effect."""
    qual_mult = pd.Series(_QUAL_MULTIPLIER).reindex(qualification).to_numpy()
    gender_shift = pd.Series(_GENDER_SHIFT).reindex(gender).to_numpy()
    first = (event_time >= 0) & (event_time < _FIRST_WAVES)
    return qual_mult + gender_shift * first


def _latent_items(rng, panel: pd.DataFrame, areas: pd.DataFrame, n_waves: int):
    """Draw the untreated latent score of every item for every person-wave.

    Returns
    -------
    latent : dict of str to numpy.ndarray
        Latent score of each item.
    shocks : dict
        ``wave`` (common shock of each wave) and ``area_wave`` (areas x waves), the
        shocks of the latent factors, for use by the members.

    """
    wave_shock = rng.normal(0.0, _WAVE_SD, n_waves)
    area_wave = rng.normal(0.0, _AREA_WAVE_SD, (len(areas), n_waves))
    shocks = {"wave": wave_shock, "area_wave": area_wave}
    return draw_items(rng, panel, areas, shocks), shocks


def draw_items(rng, panel: pd.DataFrame, areas: pd.DataFrame, shocks: dict) -> dict:
    """Draw person-wave states and item noise around the factors' context."""
    n = len(panel)
    area = panel["area"].to_numpy()
    wave_idx = panel["wave_idx"].to_numpy()
    wave_shock, area_wave = shocks["wave"], shocks["area_wave"]
    context = (
        areas["effect"].to_numpy()[area]
        + _PROGRAMME_LEVEL * areas["programme"].to_numpy()[area]
        + pd.Series(_QUAL_LEVEL).reindex(panel["qualification"]).to_numpy()
        + wave_shock[wave_idx]
        + area_wave[area, wave_idx]
    )
    state_f = rng.standard_normal(n)
    state_g = _FACTOR_CORR * state_f + np.sqrt(1 - _FACTOR_CORR**2) * rng.standard_normal(n)
    factor_f = _TRAIT_SD * panel["trait_f"].to_numpy() + _STATE_SD * state_f + context
    factor_g = _TRAIT_SD * panel["trait_g"].to_numpy() + _STATE_SD * state_g + context
    noise = rng.standard_normal((n, len(ITEMS)))
    latent = {}
    for j, item in enumerate(ITEMS):
        mean, loading, sd = _ITEM_MODEL[item]
        factor = factor_f if item in ONS_ITEMS else factor_g
        latent[item] = mean + loading * factor + sd * noise[:, j]
    return latent


def swemwbs_metric_table() -> pd.Series:
    """Return the SWEMWBS Rasch conversion, raw total (7-35) to metric score."""
    path = resources.files("wellby") / "data" / "swemwbs_raw_to_metric.csv"
    with path.open("r") as handle:
        table = pd.read_csv(handle)
    return table.set_index("raw")["metric"]


def _potential_outcomes(latent: dict, tau: dict, treated: np.ndarray):
    """Return observed items and, per outcome, both potential outcomes for treated rows."""
    observed, untreated, treated_po = {}, {}, {}
    for item in ITEMS:
        y0 = round_clip(latent[item], item)
        y1 = round_clip(latent[item] + tau[item], item)
        observed[item] = np.where(treated, y1, y0)
        untreated[item], treated_po[item] = y0[treated], y1[treated]
    metric = swemwbs_metric_table()
    pairs = {}
    for item in ONS_ITEMS:
        pairs[item] = (untreated[item], treated_po[item])
    raw0 = sum(untreated[item] for item in SWEMWBS_ITEMS)
    raw1 = sum(treated_po[item] for item in SWEMWBS_ITEMS)
    pairs["swemwbs"] = (raw0, raw1)
    pairs["swemwbs_metric"] = (
        metric.reindex(raw0).to_numpy(),
        metric.reindex(raw1).to_numpy(),
    )
    return observed, pairs


# --------------------------------------------------------------------------- truth


def _group_means(values: pd.Series, keys: pd.Series, labels=None) -> dict[str, float]:
    """Average ``values`` within groups of ``keys``; JSON-friendly string keys."""
    means = values.groupby(keys.to_numpy()).mean().sort_index()
    out = {}
    for key, value in means.items():
        name = labels[key] if labels else str(int(key))
        out[name] = float(value)
    return out


def _truth_for_outcome(po: pd.DataFrame, outcome: str, latent_effect: np.ndarray) -> dict:
    """Summarise one outcome's treated-minus-untreated differences."""
    diff = po[f"{outcome}_treated"] - po[f"{outcome}_untreated"]
    first = po["event_time"] < _FIRST_WAVES
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
        "att_by_gender": gender,
    }


_TRUTH_DESCRIPTION = (
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
    "get +0.8x and women -0.8x the average at event times 0-1 only."
)


def counts(values: pd.Series) -> dict[str, int]:
    """Count values, sorted, with JSON-friendly string keys."""
    return {str(int(k)): int(v) for k, v in values.value_counts().sort_index().items()}


def _design_facts(seed, areas, data, waves, residents_per_area) -> dict:
    """Collect the design facts recorded in the truth."""
    cohorts = areas.loc[areas["programme"], "cohort"].value_counts().sort_index()
    first_seen = data.groupby("person_id")["wave"].transform("min")
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
        "attrition_rate": _ATTRITION,
        "missing_codes": {str(k): v for k, v in MISSING_CODES.items()},
        "missing_rate": MISSING_RATE,
        "latent_effects": {k: float(v) for k, v in TRUE_EFFECTS.items()},
        "effect_multiplier_by_qualification": {
            QUALIFICATION_LEVELS[k]: float(v) for k, v in _QUAL_MULTIPLIER.items()
        },
        "effect_shift_by_gender_first_waves": {
            GENDER_LEVELS[k]: float(v) for k, v in _GENDER_SHIFT.items()
        },
    }


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
        Clean long data, raw wave frames, truth and potential outcomes, and the members.

    Notes
    -----
    Residents leave the panel at random with probability 0.18 per wave and are replaced by
    new residents of the same area. Items are ``mean + loading * factor + sd * noise``,
    rounded and clipped, where the factor adds a person trait, a person-wave state, an area
    effect, a lower level in programme areas, a qualification level, a common wave shock
    and a small area-wave shock (parallel trends hold on the latent scale). The treated
    potential outcome adds ``effect * multiplier`` with multiplier 0 / 0.89 / 2 for
    none / below degree / degree, plus +0.8 (men) or -0.8 (women) at event times 0-1;
    the multiplier averages 1 in the population at every event time.

    Partnership members (``members_per_area`` per programme area, ids from 900001 or
    after the last resident's) are surveyed in the first, middle and last waves with no
    attrition. Their items follow the residents' latent model (same area effects,
    programme level and common wave shocks; new traits and states) plus a member shift
    at the middle wave: +0.258 on each SWEMWBS item (an expected +1.46 on the metric
    score, the published Big Local finding) and +0.3 on life satisfaction, both back to 0
    at the last wave. They are not given the programme effect: their change over waves
    is the quantity of interest (``truth["members"]``). Their rows, identifiers and
    missing codes (no typos, no linkage errors) are drawn from
    ``numpy.random.default_rng([seed, 1])``, so the residents' data, raw rows and truth
    do not depend on ``members_per_area``.

    """
    _check_args(n_programme_areas, n_comparison_areas, residents_per_area, waves, members_per_area)
    waves = tuple(int(w) for w in waves)
    rng = np.random.default_rng(seed)
    areas = _make_areas(rng, n_programme_areas, n_comparison_areas, waves)
    persons, panel = _make_panel(rng, areas, residents_per_area, len(waves))
    panel = panel.join(persons, on="person")
    wave = np.asarray(waves)[panel["wave_idx"].to_numpy()]
    cohort = areas["cohort"].to_numpy()[panel["area"].to_numpy()]
    treated = (cohort > 0) & (wave >= cohort)
    event_time = np.where(cohort > 0, wave - cohort, -999)

    latent, shocks = _latent_items(rng, panel, areas, len(waves))
    multiplier = _effect_multiplier(panel["qualification"], panel["gender"], event_time)
    tau = {item: TRUE_EFFECTS[item] * multiplier for item in ITEMS}
    observed, pairs = _potential_outcomes(latent, tau, treated)

    data = pd.DataFrame(
        {
            "person_id": panel["person_id"].to_numpy(),
            "area_id": areas["area_id"].to_numpy()[panel["area"].to_numpy()],
            "wave": wave,
            "cohort": cohort,
            "gender": panel["gender"].to_numpy(),
            "qualification": panel["qualification"].to_numpy(),
            "age": (panel["entry_age"] + panel["wave_idx"] - panel["entry_wave"]).to_numpy(),
            **observed,
        }
    )
    data = data.sort_values(["wave", "area_id", "person_id"], ignore_index=True)

    po = pd.DataFrame(
        {
            "person_id": panel["person_id"].to_numpy()[treated],
            "area_id": areas["area_id"].to_numpy()[panel["area"].to_numpy()][treated],
            "wave": wave[treated],
            "cohort": cohort[treated],
            "event_time": event_time[treated],
            "gender": panel["gender"].to_numpy()[treated],
            "qualification": panel["qualification"].to_numpy()[treated],
        }
    )
    for outcome, (y0, y1) in pairs.items():
        po[f"{outcome}_untreated"] = y0
        po[f"{outcome}_treated"] = y1
    latent_effect = {o: tau[o][treated] for o in ONS_ITEMS}
    latent_effect["swemwbs"] = sum(tau[item][treated] for item in SWEMWBS_ITEMS)
    latent_effect["swemwbs_metric"] = np.full(int(treated.sum()), np.nan)

    truth = {
        "description": _TRUTH_DESCRIPTION,
        "design": _design_facts(seed, areas, data, waves, residents_per_area),
    }
    for outcome in pairs:
        truth[outcome] = _truth_for_outcome(po, outcome, latent_effect[outcome])
    truth["swemwbs_metric"]["latent_att"] = None
    po = po.sort_values(["wave", "area_id", "person_id"], ignore_index=True)

    with_members = members_per_area > 0
    if with_members:
        # Imported here: wellby.demo.members builds on this module's person and item model.
        from wellby.demo.members import MEMBER_FIRST_ID, members_truth, simulate_members

        first_id = max(MEMBER_FIRST_ID, int(persons["person_id"].max()) + 1)
        members, member_persons, member_rng = simulate_members(
            seed, areas, shocks, waves, members_per_area, first_id
        )
        truth["members"] = members_truth(members, members_per_area, shocks, waves)
    else:
        members = pd.DataFrame(columns=[*CANONICAL_COLUMNS, MEMBER_COLUMN])

    spec = demo_wave_spec(waves, members=with_members)
    surveyed = set(member_waves(waves)) if with_members else set()
    raw = {}
    for index, w in enumerate(waves):
        clean_wave = data[data["wave"] == w]
        layout = wave_layout(index)
        if w not in surveyed:
            raw[w] = raw_wave(rng, clean_wave, persons, layout, index)
            continue
        residents = raw_wave(rng, clean_wave, persons, layout, index, flag=0)
        clean_members = members.loc[members["wave"] == w, list(CANONICAL_COLUMNS)]
        member_rows = raw_wave(member_rng, clean_members, member_persons, layout, index, 1)
        raw[w] = pd.concat([residents, member_rows], ignore_index=True)
    return DemoStudy(
        data=data, raw=raw, truth=truth, potential_outcomes=po, spec=spec, members=members
    )
