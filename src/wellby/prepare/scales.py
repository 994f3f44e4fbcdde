"""Wellbeing scales: item ranges, scoring, the item-missing rule and output labels.

Scales
------
- ``swemwbs``: Short Warwick-Edinburgh Mental Wellbeing Scale, 7 items scored 1-5. Raw
  total 7-35 (``swemwbs``) and the Rasch-transformed metric score (``swemwbs_metric``)
  from the Warwick conversion table shipped in ``wellby/data/swemwbs_raw_to_metric.csv``.
- ``wemwbs``: Warwick-Edinburgh Mental Wellbeing Scale, 14 items scored 1-5, total 14-70
  (``wemwbs``). Higher is better wellbeing.
- ``ghq12``: General Health Questionnaire, 12 items coded 0-3 (Likert coding). Likert total
  0-36 (``ghq12_likert``) and caseness (GHQ) score 0-12 (``ghq12_caseness``). Higher is
  more distress. See :func:`ghq12_scores` for the item coding assumed.
- ``ons4``: ONS personal wellbeing, four 0-10 items (life satisfaction, worthwhile, happy,
  anxiety). They are analysed item by item; anxiety keeps its own direction (higher is
  worse) and is never reversed; :func:`scale_labels` says so.

Item-missing rule
-----------------
Every summed score uses :func:`prorated_total`: with at most ``max_missing`` items missing
the total is the mean of the answered items times the number of items; with more missing
the score is missing. ``max_missing`` is configured per scale (``scales.<name>.max_missing``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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
    "wemwbs": ScaleSpec("wemwbs", 14, 1, 5),
    "ghq12": ScaleSpec("ghq12", 12, 0, 3),
    "ons4": ScaleSpec("ons4", 4, 0, 10),
}

#: Labels of the four ONS personal wellbeing items, in the configured item order.
ONS4_LABELS: tuple[str, ...] = (
    "Life satisfaction (0-10, higher = more satisfied)",
    "Worthwhile (0-10, higher = things done in life feel more worthwhile)",
    "Happiness yesterday (0-10, higher = happier)",
    "Anxiety yesterday (0-10, higher = more anxious; not reversed)",
)

#: GHQ-12 Likert item scores (0-3) that count as 1 in the caseness (GHQ 0-0-1-1) coding.
GHQ_CASE_MIN = 2


@cache
def swemwbs_metric_table() -> pd.Series:
    """Return the SWEMWBS raw-to-metric conversion table, indexed by raw score 7-35.

    Returns
    -------
    pandas.Series
        Metric score (float) indexed by the integer raw total.

    Notes
    -----
    Source: Warwick Medical School SWEMWBS conversion table (Stewart-Brown et al. 2009),
    copied unchanged from ``shared/reference/swemwbs_raw_to_metric.csv``.
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
        The (possibly fractional) total, NaN where too many items are missing. A row with
        no answered item is always missing.
    """
    values = items.to_numpy(dtype=float)
    answered = ~np.isnan(values)
    n_answered = answered.sum(axis=1)
    sums = np.where(answered, values, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        total = sums / n_answered * values.shape[1]
    total[values.shape[1] - n_answered > max_missing] = np.nan
    return pd.Series(total, index=items.index)


def _check_items(name: str, items: pd.DataFrame, max_missing: int) -> pd.DataFrame:
    """Validate a scale's item frame and return it as floats."""
    spec = SCALES[name]
    if items.shape[1] != spec.n_items:
        raise ValueError(f"{name.upper()} has {spec.n_items} items, got {items.shape[1]}")
    if isinstance(max_missing, bool) or not isinstance(max_missing, (int, np.integer)) \
            or max_missing < 0:
        raise ValueError(f"max_missing must be a non-negative integer, got {max_missing!r}")
    try:
        values = items.astype(float)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} items must be numeric: {error}") from None
    out = values.notna() & ((values < spec.item_min) | (values > spec.item_max))
    if out.any().any():
        column = out.any().idxmax()
        raise ValueError(f"{name} item {column!r} has values outside "
                         f"{spec.item_min}-{spec.item_max}")
    return values


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
    total can be fractional), as the conversion table is defined on integer totals. The
    raw total itself is kept unrounded.
    """
    values = _check_items("swemwbs", items, max_missing)
    raw = prorated_total(values, max_missing)
    rounded = np.floor(raw + 0.5)
    metric = rounded.map(swemwbs_metric_table())
    return pd.DataFrame({"swemwbs": raw, "swemwbs_metric": metric.astype(float)})


def wemwbs_scores(items: pd.DataFrame, max_missing: int = 1) -> pd.DataFrame:
    """Score WEMWBS: the 14-70 total.

    Parameters
    ----------
    items : pandas.DataFrame
        The 14 items (1-5), NaN for missing.
    max_missing : int, default 1
        Prorate the total when at most this many items are missing.

    Returns
    -------
    pandas.DataFrame
        ``wemwbs``: total 14-70, prorated and not rounded (it can be fractional).

    Notes
    -----
    All 14 WEMWBS items are positively worded, so none is reversed. There is no Rasch
    metric for the 14-item scale in this package.
    """
    values = _check_items("wemwbs", items, max_missing)
    return pd.DataFrame({"wemwbs": prorated_total(values, max_missing)})


def ghq12_scores(items: pd.DataFrame, max_missing: int = 1) -> pd.DataFrame:
    """Score the GHQ-12: Likert total and caseness (GHQ) score.

    Parameters
    ----------
    items : pandas.DataFrame
        The 12 items coded 0-3, higher = worse for every item, NaN for missing.
    max_missing : int, default 1
        Prorate both scores when at most this many items are missing.

    Returns
    -------
    pandas.DataFrame
        ``ghq12_likert`` (0-36) and ``ghq12_caseness`` (0-12); higher is more distress.

    Notes
    -----
    Item coding assumed: every configured item is coded 0-3 by response position, 0 being
    the first (best) response option and 3 the last (worst), so higher = worse on every
    item. In the GHQ-12 the response options of both the positively worded items ("able
    to concentrate": better than usual ... much less than usual) and the negatively worded
    ones ("lost sleep": not at all ... much more than usual) run from better to worse, so
    no item is reversed. This is the coding of derived GHQ-12 variables in UK survey
    releases (e.g. Understanding Society's Likert 0-36 and caseness 0-12 scores). Items
    released as 1-4 must be recoded to 0-3 first (``data.waves[].recode``); the cleaning
    step's range check (0-3) otherwise sets the 4s to missing.

    Likert score: the sum of the 0-3 items. Caseness score (GHQ coding 0-0-1-1): an item
    counts 1 when its Likert score is 2 or 3, else 0; the score is the number of such
    items. A common case threshold is a caseness score of 4 or more; it is not applied
    here.

    Missing items: both scores follow the same rule, :func:`prorated_total` (mean of the
    answered items times 12 when at most ``max_missing`` are missing, else missing), so
    they are missing together. The prorated caseness score is not rounded: with 11
    answered items of which 5 are cases it is 5 / 11 * 12 = 5.45, the expected count,
    rather than a count rounded to 5 (rounding would bias the mean of the score).
    """
    values = _check_items("ghq12", items, max_missing)
    cases = (values >= GHQ_CASE_MIN).astype(float).where(values.notna())
    return pd.DataFrame({
        "ghq12_likert": prorated_total(values, max_missing),
        "ghq12_caseness": prorated_total(cases, max_missing),
    })


_SCORERS: dict[str, Callable[[pd.DataFrame, int], pd.DataFrame]] = {
    "swemwbs": swemwbs_scores,
    "wemwbs": wemwbs_scores,
    "ghq12": ghq12_scores,
}


def score_scale(name: str, items: pd.DataFrame, max_missing: int | None) -> pd.DataFrame:
    """Score any configured scale: the entry point of the cleaning step.

    Parameters
    ----------
    name : str
        The scale's config key (a key of :data:`SCALES`).
    items : pandas.DataFrame
        The scale's item columns in the configured order, NaN for missing.
    max_missing : int or None
        Item-missing rule: prorate when at most this many items are missing, else missing.
        Ignored for ``ons4`` (whose config section has no such rule: None).

    Returns
    -------
    pandas.DataFrame
        The scale's output columns (see :func:`scale_outputs`), indexed like ``items``. For
        ``ons4`` a frame with no columns: the items themselves are the outputs.

    Raises
    ------
    KeyError
        For an unknown scale.
    ValueError
        For the wrong number of items, non-numeric items, values outside the scale's range
        or a negative ``max_missing``.
    """
    if name not in SCALES:
        raise KeyError(f"unknown scale {name!r}; known scales: {', '.join(SCALES)}")
    if name == "ons4":
        spec = SCALES[name]
        if items.shape[1] != spec.n_items:
            raise ValueError(f"ONS4 has {spec.n_items} items, got {items.shape[1]}")
        return pd.DataFrame(index=items.index)
    return _SCORERS[name](items, max_missing)


def scale_outputs(name: str, items: Sequence[str]) -> list[str]:
    """Return the columns a configured scale adds to (or keeps in) the cleaned data.

    Parameters
    ----------
    name : str
        The scale's config key.
    items : sequence of str
        The configured item columns (the outputs of ``ons4``).

    Returns
    -------
    list of str
    """
    return list(scale_labels(name, items))


def scale_labels(name: str, items: Sequence[str]) -> dict[str, str]:
    """Return output column -> human label, with range and direction, for a scale.

    Parameters
    ----------
    name : str
        The scale's config key.
    items : sequence of str
        The configured item columns; for ``ons4`` in the order life satisfaction,
        worthwhile, happy, anxiety.

    Returns
    -------
    dict of str to str
        One entry per output column, in the order of :func:`scale_outputs`.

    Examples
    --------
    >>> scale_labels("ons4", ["ls", "ww", "hp", "ax"])["ax"]
    'Anxiety yesterday (0-10, higher = more anxious; not reversed)'
    """
    if name == "swemwbs":
        return {
            "swemwbs": "SWEMWBS raw score (7-35, higher = better wellbeing)",
            "swemwbs_metric": "SWEMWBS metric score (7-35, Rasch-transformed, "
                              "higher = better wellbeing)",
        }
    if name == "wemwbs":
        return {"wemwbs": "WEMWBS score (14-70, higher = better wellbeing)"}
    if name == "ghq12":
        return {
            "ghq12_likert": "GHQ-12 Likert score (0-36, higher = more distress)",
            "ghq12_caseness": "GHQ-12 caseness score (0-12, items scored 2-3 count 1, "
                              "higher = more distress)",
        }
    if name == "ons4":
        items = list(items)
        if len(items) != len(ONS4_LABELS):
            raise ValueError(f"ONS4 has {len(ONS4_LABELS)} items, got {len(items)}")
        return dict(zip(items, ONS4_LABELS, strict=True))
    raise KeyError(name)
