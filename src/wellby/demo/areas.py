"""The areas of the demo study: their timing, attributes and the area file.

This module's one concern is the demo's areas: :func:`make_areas` draws each area's id,
programme status, first treated wave (cohort), random effect, postcode district and the
attributes an evaluator matches comparison areas on (an IMD-like deprivation score,
population, urban/rural and region), and :func:`area_file_frame` lays them out as the
programme's area file is exported (``areas.csv``: a title line, then one row per area with
source column names that differ from the canonical ones, the start year empty for
comparison areas). :func:`demo_area_spec` documents how to map that file back to the
canonical names (the demo config's ``data.areas`` block).

Deprivation follows the Index of Multiple Deprivation's score scale: the comparison pool
has mean 20 and standard deviation 8, and programme areas are about one standard deviation
more deprived (Big Local areas were chosen as disadvantaged). Scores follow gamma
distributions (positive, right-skewed, as IMD scores are), taken as evenly spaced quantiles
so the groups' means and SDs hold in every study, and are rounded to one decimal; the
outcome model uses the rounded score, so the file holds exactly the attribute the outcomes
depend on.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "AREA_ATTRIBUTES",
    "AREA_EFFECT_SD",
    "AREA_FILE_TITLE",
    "DEPRIVATION_MEAN",
    "DEPRIVATION_SD",
    "area_file_frame",
    "demo_area_spec",
    "make_areas",
]

#: Canonical names of the area attributes written to the area file.
AREA_ATTRIBUTES: tuple[str, ...] = ("deprivation", "population", "urban", "region")
#: Deprivation score of the comparison pool (mean, SD); the outcome model's z-score uses them.
DEPRIVATION_MEAN, DEPRIVATION_SD = 20.0, 8.0
#: Programme areas' mean deprivation, in comparison-pool SDs above the pool's mean.
_PROGRAMME_DEPRIVATION_GAP = 1.0
#: SD of the areas' random effect on the latent wellbeing factors.
AREA_EFFECT_SD = 0.20
_POPULATION_RANGE = (5.0, 15.0)  # thousands of residents
_URBAN_SHARE = 0.75

AREA_FILE_TITLE = "Big Local areas: programme start year and area attributes (demo study)"
_AREA_FILENAME = "areas.csv"
# Canonical -> source column, in file order.
_AREA_SOURCE_NAMES: dict[str, str] = {
    "area_id": "AreaCode",
    "cohort": "StartYear",
    "region": "Region",
    "urban": "UrbanRural",
    "population": "Pop_000s",
    "deprivation": "IMD_score",
}

_OUTWARD_REGIONS: dict[str, str] = {
    **dict.fromkeys("NE6 NE4 SR4 TS3 TS25 DL1".split(), "North East"),
    **dict.fromkeys("BD3 BD8 LS9 HU3 DN31 S2".split(), "Yorkshire and The Humber"),
    **dict.fromkeys("M11 M40 OL1 BB1 L4 L6 WN5".split(), "North West"),
    **dict.fromkeys("ST6 B10 B33 WV10 CV2".split(), "West Midlands"),
    **dict.fromkeys("NG3 LE3 NN1".split(), "East Midlands"),
    **dict.fromkeys("PE1 NR3 IP3".split(), "East of England"),
    **dict.fromkeys("E16 N17".split(), "London"),
    **dict.fromkeys("BS13 PL2 TR15".split(), "South West"),
    **dict.fromkeys(["BN2"], "South East"),
}
_OUTWARD_CODES = np.array(list(_OUTWARD_REGIONS))


def _deprivation(rng, programme: np.ndarray) -> np.ndarray:
    """Draw IMD-like scores: the group's gamma quantiles in random order, 1 decimal.

    Each group's scores are the quantiles at ``(i + 0.5) / n`` of a gamma distribution
    with the group's mean and the pool's SD, randomly assigned to its areas, so the groups'
    means and SDs are as designed (a programme-comparison gap of 1 SD) whatever the seed.
    """
    from scipy import special  # here: Snakemake imports this module to read the workflow

    scores = np.empty(len(programme))
    for group in (False, True):
        where = np.flatnonzero(programme == group)
        mean = DEPRIVATION_MEAN + _PROGRAMME_DEPRIVATION_GAP * DEPRIVATION_SD * group
        shape, scale = (mean / DEPRIVATION_SD) ** 2, DEPRIVATION_SD**2 / mean
        probs = (np.arange(len(where)) + 0.5) / max(len(where), 1)
        scores[where] = rng.permutation(special.gammaincinv(shape, probs) * scale)
    return np.round(scores, 1)


def make_areas(rng, n_programme: int, n_comparison: int, waves) -> pd.DataFrame:
    """Draw the areas of the demo study.

    Parameters
    ----------
    rng : numpy.random.Generator
        The study's random stream.
    n_programme, n_comparison : int
        Numbers of programme and comparison (never-treated) areas.
    waves : sequence of int
        Survey years; programme areas start at ``waves[2]`` or ``waves[3]`` (about half
        each).

    Returns
    -------
    pandas.DataFrame
        One row per area, programme areas first: ``area_id`` (``BL001``..., ``CA001``...),
        ``programme`` (bool), ``cohort`` (first treated wave, 0 = never treated),
        ``effect`` (random area effect on the latent wellbeing factors, SD 0.2),
        ``outward`` (postcode district), ``deprivation`` (IMD-like score),
        ``deprivation_z`` (``(deprivation - 20) / 8``), ``population`` (thousands),
        ``urban`` (``"Urban"`` or ``"Rural"``) and ``region`` (English region of the
        postcode district).
    """
    width = max(3, len(str(max(n_programme, n_comparison))))
    ids = [f"BL{i:0{width}d}" for i in range(1, n_programme + 1)]
    ids += [f"CA{i:0{width}d}" for i in range(1, n_comparison + 1)]
    n = n_programme + n_comparison
    cohort = np.zeros(n, dtype=np.int64)
    early = rng.permutation(n_programme) < (n_programme + 1) // 2
    cohort[:n_programme] = np.where(early, waves[2], waves[3])
    programme = np.arange(n) < n_programme
    effect = rng.normal(0.0, AREA_EFFECT_SD, n)
    outward = _OUTWARD_CODES[rng.integers(0, len(_OUTWARD_CODES), n)]
    deprivation = _deprivation(rng, programme)
    population = np.round(rng.uniform(*_POPULATION_RANGE, n), 1)
    urban = np.where(rng.random(n) < _URBAN_SHARE, "Urban", "Rural")
    return pd.DataFrame(
        {
            "area_id": ids,
            "programme": programme,
            "cohort": cohort,
            "effect": effect,
            "outward": outward,
            "deprivation": deprivation,
            "deprivation_z": (deprivation - DEPRIVATION_MEAN) / DEPRIVATION_SD,
            "population": population,
            "urban": urban.astype(object),
            "region": pd.Series(outward).map(_OUTWARD_REGIONS).to_numpy(dtype=object),
        }
    )


def area_file_frame(areas: pd.DataFrame) -> pd.DataFrame:
    """Lay the areas out as the area file's table (source names, empty start year).

    Parameters
    ----------
    areas : pandas.DataFrame
        From :func:`make_areas`.

    Returns
    -------
    pandas.DataFrame
        One row per area, sorted by area code, with the source columns of
        :func:`demo_area_spec` in file order; the start year is empty (missing) for
        comparison areas.
    """
    frame = areas[list(_AREA_SOURCE_NAMES)].copy()
    frame["cohort"] = frame["cohort"].astype("Int64").mask(frame["cohort"] == 0)
    frame = frame.sort_values("area_id", ignore_index=True)
    return frame.rename(columns=_AREA_SOURCE_NAMES)


def demo_area_spec() -> dict:
    """Describe the demo study's area file.

    Returns
    -------
    dict
        ``filename`` (``"areas.csv"``), ``format`` (``"csv"``), ``header_row`` (2: the
        first line is a title, as agencies' exports have), ``title`` (that line) and
        ``rename`` (source column -> canonical name, in file order): ``AreaCode`` ->
        ``area_id``, ``StartYear`` -> ``cohort`` (empty for comparison areas),
        ``Region`` -> ``region``, ``UrbanRural`` -> ``urban`` (``Urban``/``Rural``),
        ``Pop_000s`` -> ``population`` (thousands) and ``IMD_score`` -> ``deprivation``.
    """
    return {
        "filename": _AREA_FILENAME,
        "format": "csv",
        "header_row": 2,
        "title": AREA_FILE_TITLE,
        "rename": {source: canonical for canonical, source in _AREA_SOURCE_NAMES.items()},
    }
