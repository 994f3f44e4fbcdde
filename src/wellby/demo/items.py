"""The latent item model of the demo study: wellbeing items from two correlated factors.

This module's one concern is how the demo's wellbeing answers arise: each item is
``mean + loading * factor + sd * noise``, rounded and clipped to its range, where the ONS
items load on a factor f and the SWEMWBS items on a factor g (correlated about 0.7).
A factor adds a person's trait, a person-wave state and the row's context: the area's
random effect, the area's deprivation (a level and a drift over the waves), the person's
qualification, a common wave shock and an area-wave shock. :func:`draw_items` draws the
untreated latent items; :func:`potential_outcomes` turns latent items and effects into the
observed items and both potential outcomes of the treated rows.
"""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd

from wellby.demo.layouts import ITEM_RANGES, ITEMS, ONS_ITEMS, SWEMWBS_ITEMS
from wellby.demo.persons import FACTOR_CORR

__all__ = [
    "DEPRIVATION_LEVEL",
    "DEPRIVATION_TREND",
    "ITEM_MODEL",
    "draw_items",
    "latent_items",
    "potential_outcomes",
    "round_clip",
    "swemwbs_metric_table",
]

# Latent item model: item = mean + loading * factor + sd * noise, then rounded and clipped.
# ONS items load on factor f, SWEMWBS items on factor g (f and g correlate ~0.7).
ITEM_MODEL: dict[str, tuple[float, float, float]] = {
    "life_satisfaction": (7.45, 1.65, 1.35),
    "worthwhile": (7.80, 1.40, 1.15),
    "happy": (7.50, 1.55, 1.55),
    "anxiety": (2.90, -1.40, 2.45),
    **{item: (3.47, 0.56, 0.62) for item in SWEMWBS_ITEMS},
}
_TRAIT_SD, _STATE_SD = 0.75, 0.55
_AREA_WAVE_SD, _WAVE_SD = 0.05, 0.05
_QUAL_LEVEL = {0: -0.15, 1: 0.0, 2: 0.10}
# Deprivation (z = (score - 20) / 8) lowers both latent factors: a level, and a drift per
# wave (centred on the middle wave) that makes untreated trends differ by deprivation.
# Programme areas are ~1 SD more deprived: their level is ~0.15 lower (as before the area
# file, when a programme-area level of -0.15 stood in for disadvantage).
DEPRIVATION_LEVEL = -0.15
DEPRIVATION_TREND = -0.010


def round_clip(latent: np.ndarray, item: str) -> np.ndarray:
    """Round a latent item score and clip it to the item's valid range."""
    low, high = ITEM_RANGES[item]
    return np.clip(np.rint(latent), low, high).astype(np.int64)


def latent_items(rng, panel: pd.DataFrame, areas: pd.DataFrame, n_waves: int):
    """Draw the untreated latent score of every item for every person-wave.

    Parameters
    ----------
    rng : numpy.random.Generator
        The residents' stream.
    panel : pandas.DataFrame
        One row per person-wave: ``area``, ``wave_idx``, ``qualification``, ``trait_f``
        and ``trait_g``.
    areas : pandas.DataFrame
        From :func:`wellby.demo.areas.make_areas`.
    n_waves : int
        Number of waves.

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


def _deprivation_context(areas: pd.DataFrame, area: np.ndarray, wave_idx: np.ndarray,
                         n_waves: int) -> np.ndarray:
    """Return the deprivation level and drift of each row's latent factors."""
    z = areas["deprivation_z"].to_numpy()[area]
    centred = wave_idx - (n_waves - 1) / 2.0
    return DEPRIVATION_LEVEL * z + DEPRIVATION_TREND * z * centred


def draw_items(rng, panel: pd.DataFrame, areas: pd.DataFrame, shocks: dict) -> dict:
    """Draw person-wave states and item noise around the factors' context.

    The context of a row adds its area's effect, the area's deprivation level and drift,
    the person's qualification level, the wave's common shock and the area-wave shock.

    Parameters
    ----------
    rng : numpy.random.Generator
        The stream to draw from (the residents' or the members').
    panel : pandas.DataFrame
        One row per person-wave, as for :func:`latent_items`.
    areas : pandas.DataFrame
        From :func:`wellby.demo.areas.make_areas`.
    shocks : dict
        ``wave`` (one shock per wave) and ``area_wave`` (areas x waves).

    Returns
    -------
    dict of str to numpy.ndarray
        The untreated latent score of each item, one value per row of ``panel``.
    """
    n = len(panel)
    area = panel["area"].to_numpy()
    wave_idx = panel["wave_idx"].to_numpy()
    wave_shock, area_wave = shocks["wave"], shocks["area_wave"]
    context = (
        areas["effect"].to_numpy()[area]
        + _deprivation_context(areas, area, wave_idx, area_wave.shape[1])
        + pd.Series(_QUAL_LEVEL).reindex(panel["qualification"]).to_numpy()
        + wave_shock[wave_idx]
        + area_wave[area, wave_idx]
    )
    state_f = rng.standard_normal(n)
    state_g = FACTOR_CORR * state_f + np.sqrt(1 - FACTOR_CORR**2) * rng.standard_normal(n)
    factor_f = _TRAIT_SD * panel["trait_f"].to_numpy() + _STATE_SD * state_f + context
    factor_g = _TRAIT_SD * panel["trait_g"].to_numpy() + _STATE_SD * state_g + context
    noise = rng.standard_normal((n, len(ITEMS)))
    latent = {}
    for j, item in enumerate(ITEMS):
        mean, loading, sd = ITEM_MODEL[item]
        factor = factor_f if item in ONS_ITEMS else factor_g
        latent[item] = mean + loading * factor + sd * noise[:, j]
    return latent


def swemwbs_metric_table() -> pd.Series:
    """Return the SWEMWBS Rasch conversion, raw total (7-35) to metric score."""
    path = resources.files("wellby") / "data" / "swemwbs_raw_to_metric.csv"
    with path.open("r") as handle:
        table = pd.read_csv(handle)
    return table.set_index("raw")["metric"]


def potential_outcomes(latent: dict, tau: dict, treated: np.ndarray):
    """Return observed items and, per outcome, both potential outcomes for treated rows.

    Parameters
    ----------
    latent : dict of str to numpy.ndarray
        Untreated latent score of each item.
    tau : dict of str to numpy.ndarray
        Latent effect of each item on each row.
    treated : numpy.ndarray of bool
        Rows of programme areas at or after their start.

    Returns
    -------
    observed : dict of str to numpy.ndarray
        Each item on the observed scale: treated potential outcome on treated rows,
        untreated elsewhere.
    pairs : dict of str to tuple of numpy.ndarray
        Per outcome (the ONS items, ``swemwbs`` raw total, ``swemwbs_metric``): the
        untreated and treated potential outcomes of the treated rows.
    """
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
