"""Wellbeing scales: item ranges and scoring.

Scales
------
- ``swemwbs``: Short Warwick-Edinburgh Mental Wellbeing Scale, 7 items scored 1-5. Raw
  total 7-35 (``swemwbs``) and the Rasch-transformed metric score (``swemwbs_metric``)
  from the Warwick conversion table shipped in ``wellby/data/swemwbs_raw_to_metric.csv``.
- ``ons4``: ONS personal wellbeing, four 0-10 items (life satisfaction, worthwhile, happy,
  anxiety). They are analysed item by item; anxiety keeps its own direction (higher is
  worse) and is never reversed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class ScaleSpec:
    """The fixed facts of a scale.

    Attributes
    ----------
    name : str
        The scale's config key.
    n_items : int
        Number of items.
    item_min, item_max : int
        Valid range of every item (inclusive).
    """

    name: str
    n_items: int
    item_min: int
    item_max: int


SCALES: dict[str, ScaleSpec] = {
    "swemwbs": ScaleSpec("swemwbs", 7, 1, 5),
    "ons4": ScaleSpec("ons4", 4, 0, 10),
}


@cache
def swemwbs_metric_table() -> pd.Series:
    """Return the SWEMWBS raw-to-metric conversion table, indexed by raw score 7-35.

    Source: Warwick Medical School SWEMWBS conversion table (Stewart-Brown et al. 2009).
    """
    with resources.files("wellby.data").joinpath("swemwbs_raw_to_metric.csv").open() as handle:
        table = pd.read_csv(handle)
    return table.set_index("raw")["metric"]


def prorated_total(items: pd.DataFrame, max_missing: int) -> pd.Series:
    """Sum items, prorating when at most ``max_missing`` items are missing.

    Parameters
    ----------
    items : pandas.DataFrame
        One column per item, missing answers as NaN.
    max_missing : int
        The most items that may be missing; the missing ones are replaced by the mean of
        the answered items. With more missing, the total is missing.

    Returns
    -------
    pandas.Series
        The (possibly fractional) total, NaN where too many items are missing.
    """
    values = items.to_numpy(dtype=float)
    answered = ~np.isnan(values)
    n_answered = answered.sum(axis=1)
    sums = np.where(answered, values, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        total = sums / n_answered * values.shape[1]
    total[values.shape[1] - n_answered > max_missing] = np.nan
    return pd.Series(total, index=items.index)


def swemwbs_scores(items: pd.DataFrame, max_missing: int = 1) -> pd.DataFrame:
    """Score SWEMWBS: raw total and Rasch metric.

    Parameters
    ----------
    items : pandas.DataFrame
        The 7 items (1-5), NaN for missing.
    max_missing : int, default 1
        Prorate the raw total when at most this many items are missing.

    Returns
    -------
    pandas.DataFrame
        ``swemwbs`` (raw total 7-35, prorated) and ``swemwbs_metric``.

    Notes
    -----
    The metric score converts the raw total rounded half up to an integer (a prorated
    total can be fractional), as the conversion table is defined on integer totals.
    """
    if items.shape[1] != 7:
        raise ValueError(f"SWEMWBS has 7 items, got {items.shape[1]}")
    raw = prorated_total(items, max_missing)
    rounded = np.floor(raw + 0.5)
    metric = rounded.map(swemwbs_metric_table())
    return pd.DataFrame({"swemwbs": raw, "swemwbs_metric": metric.astype(float)})


def scale_outputs(name: str, items: Sequence[str]) -> list[str]:
    """Return the columns a configured scale adds to (or keeps in) the cleaned data."""
    if name == "swemwbs":
        return ["swemwbs", "swemwbs_metric"]
    if name == "ons4":
        return list(items)
    raise KeyError(name)
