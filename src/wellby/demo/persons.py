"""The residents of the demo study: who they are and how the panel follows them.

This module's one concern is the demo's people: :func:`new_persons` draws the constant
attributes of residents recruited at a wave (gender, qualification, household income
quintile, age at entry, latent wellbeing traits, name and postcode), and
:func:`make_panel` follows residents over waves with attrition and refreshment.

The household income quintile (1 = lowest fifth of household incomes nationally) follows an
ordered probit: a latent income ``-0.25 + 0.6 * (qualification - 1) - 0.3 * z + 0.9 * e``
(``z`` the area's deprivation z-score, ``e`` standard normal) cut at the quintiles of the
standard normal, so residents of these disadvantaged areas are mostly in the lower
quintiles, more so in more deprived areas and with fewer qualifications.
:func:`expected_income_quintile` is the model's expected quintile given qualification and
area (computed from the normal distribution function); the programme effect's income
gradient is centred on it, so it averages zero within every qualification and area.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

__all__ = [
    "ATTRITION",
    "FACTOR_CORR",
    "GENDER_PROBS",
    "INCOME_QUINTILES",
    "QUALIFICATION_PROBS",
    "SIZE_JITTER",
    "expected_income_quintile",
    "make_panel",
    "new_persons",
]

# Population shares; male and female equal so the gender term averages out exactly.
GENDER_PROBS = {1: 0.4925, 2: 0.4925, 3: 0.015}
QUALIFICATION_PROBS = {0: 0.25, 1: 0.45, 2: 0.30}
INCOME_QUINTILES: tuple[int, ...] = (1, 2, 3, 4, 5)
ATTRITION = 0.18
#: Correlation of a person's two latent wellbeing factors (ONS items and SWEMWBS items).
FACTOR_CORR = 0.7
SIZE_JITTER = 2  # residents per area-wave vary by up to +-2 around the target

# Ordered probit of the income quintile (see the module docstring).
_INCOME_INTERCEPT, _INCOME_QUALIFICATION, _INCOME_DEPRIVATION = -0.25, 0.6, -0.3
_INCOME_NOISE_SD = 0.9


@cache
def _income_cuts() -> np.ndarray:
    """Return the ordered probit's cut points: standard normal quintiles.

    SciPy is imported here, not with the module: Snakemake imports ``wellby.demo`` every
    time it reads the workflow, which then costs 0.1 s less.
    """
    from scipy import special

    return special.ndtri([0.2, 0.4, 0.6, 0.8])

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
_INWARD_LETTERS = np.array(list("ABDEFGHJLNPQRSTUWXYZ"))


def _income_mean(qualification, deprivation_z) -> np.ndarray:
    """Mean of the latent household income given qualification (0-2) and area z-score."""
    qualification = np.asarray(qualification, dtype=float)
    return (
        _INCOME_INTERCEPT
        + _INCOME_QUALIFICATION * (qualification - 1.0)
        + _INCOME_DEPRIVATION * np.asarray(deprivation_z, dtype=float)
    )


def expected_income_quintile(qualification, deprivation_z) -> np.ndarray:
    """Return the expected income quintile given qualification and area deprivation.

    Parameters
    ----------
    qualification : array-like of int
        Standard codes 0 (none), 1 (below degree), 2 (degree).
    deprivation_z : array-like of float
        The area's deprivation z-score, ``(score - 20) / 8``.

    Returns
    -------
    numpy.ndarray
        ``E[quintile] = 1 + sum_j P(latent income > cut_j)`` under the ordered probit.
    """
    from scipy import special

    mean = _income_mean(qualification, deprivation_z)
    above = special.ndtr((mean[:, None] - _income_cuts()[None, :]) / _INCOME_NOISE_SD)
    return 1.0 + above.sum(axis=1)


def _income_quintile(rng, qualification, deprivation_z) -> np.ndarray:
    """Draw household income quintiles (1-5) from the ordered probit."""
    latent = _income_mean(qualification, deprivation_z)
    latent = latent + _INCOME_NOISE_SD * rng.standard_normal(len(latent))
    return 1 + np.searchsorted(_income_cuts(), latent).astype(np.int64)


def new_persons(rng, area_idx: np.ndarray, wave_idx: int, start_id: int, areas) -> dict:
    """Draw the constant attributes of the residents recruited into the study at one wave.

    Parameters
    ----------
    rng : numpy.random.Generator
        The stream to draw from.
    area_idx : numpy.ndarray of int
        Each new person's area (row position in ``areas``).
    wave_idx : int
        Position of the wave at which they enter.
    start_id : int
        The first person id; ids are consecutive.
    areas : pandas.DataFrame
        From :func:`wellby.demo.areas.make_areas` (``outward`` and ``deprivation_z``).

    Returns
    -------
    dict of str to numpy.ndarray
        ``person_id``, ``area``, ``entry_wave``, ``entry_age``, ``gender``,
        ``qualification``, ``income_quintile``, ``income_expected`` (see
        :func:`expected_income_quintile`), ``trait_f``, ``trait_g``, ``name`` and
        ``postcode``, one entry per person.
    """
    n = len(area_idx)
    outward = areas["outward"].to_numpy()
    depr_z = areas["deprivation_z"].to_numpy()[area_idx]
    gender = rng.choice(list(GENDER_PROBS), size=n, p=list(GENDER_PROBS.values()))
    qual = rng.choice(list(QUALIFICATION_PROBS), size=n, p=list(QUALIFICATION_PROBS.values()))
    income = _income_quintile(rng, qual, depr_z)
    trait_f = rng.standard_normal(n)
    trait_g = FACTOR_CORR * trait_f + np.sqrt(1 - FACTOR_CORR**2) * rng.standard_normal(n)
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
        "income_quintile": income,
        "income_expected": expected_income_quintile(qual, depr_z),
        "trait_f": trait_f,
        "trait_g": trait_g,
        "name": first + " " + surname.astype(object),
        "postcode": outward[area_idx].astype(object) + " " + inward,
    }


def _area_targets(rng, n_areas: int, residents_per_area: int) -> np.ndarray:
    """Draw the number of respondents of each area in one wave."""
    return residents_per_area + rng.integers(-SIZE_JITTER, SIZE_JITTER + 1, n_areas)


def make_panel(rng, areas: pd.DataFrame, residents_per_area: int, n_waves: int):
    """Follow residents over waves with attrition and refreshment.

    Parameters
    ----------
    rng : numpy.random.Generator
        The study's random stream.
    areas : pandas.DataFrame
        From :func:`wellby.demo.areas.make_areas`.
    residents_per_area : int
        Target respondents per area and wave (each area-wave varies by up to +-2).
    n_waves : int
        Number of waves.

    Returns
    -------
    persons : pandas.DataFrame
        One row per person (index = position used in ``rows``), the columns of
        :func:`new_persons`.
    rows : pandas.DataFrame
        One row per person-wave: ``person`` (position) and ``wave_idx``.
    """
    n_areas = len(areas)
    batches = []
    current = np.empty(0, dtype=np.int64)
    person_area = np.empty(0, dtype=np.int64)
    rows = []
    n_persons = 0
    for t in range(n_waves):
        stay = rng.random(len(current)) >= ATTRITION
        kept = current[stay]
        kept_per_area = np.bincount(person_area[kept], minlength=n_areas)
        n_new = np.maximum(_area_targets(rng, n_areas, residents_per_area) - kept_per_area, 0)
        new_area = np.repeat(np.arange(n_areas), n_new)
        batch = new_persons(rng, new_area, t, 100_001 + n_persons, areas)
        batches.append(batch)
        new_pos = n_persons + np.arange(len(new_area))
        n_persons += len(new_area)
        person_area = np.concatenate([person_area, new_area])
        current = np.sort(np.concatenate([kept, new_pos]))
        rows.append(pd.DataFrame({"person": current, "wave_idx": t}))
    persons = pd.DataFrame({k: np.concatenate([b[k] for b in batches]) for k in batches[0]})
    return persons, pd.concat(rows, ignore_index=True)
