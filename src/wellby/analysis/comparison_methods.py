"""Propensity scores and nearest-neighbour matching of comparison areas (config-free).

Each function here and in :mod:`wellby.analysis.comparison_weighting` takes the area
table of :func:`wellby.analysis.comparison.area_features` (one row per area, a boolean
``treated`` column and numeric covariates) and returns weights for the ATT: every programme
(treated) area keeps weight 1 unless it found no match, and the comparison areas are
weighted to resemble the programme areas.

- :func:`propensity_scores`: logistic regression (statsmodels ``Logit``, unpenalised, the
  same fit as R ``glm(family = binomial)``, which MatchIt's ``distance = "glm"`` calls).
- :func:`match_nearest`: greedy nearest-neighbour matching, a line-for-line port of MatchIt
  4.5.1's ``nn_matchC_vec`` (on the propensity score) and ``nn_matchC`` (Mahalanobis), so
  that matches, tie-breaking and weights equal MatchIt's. No maintained Python library
  reproduces MatchIt (scikit-learn's ``NearestNeighbors`` has no greedy without-replacement
  order, no caliper and different tie-breaking), hence the port. It ports the code as
  fixed upstream (commit 4b5b2f8, released in MatchIt 4.5.4): 4.5.1 as built on Linux
  truncates score differences with the integer ``abs()``, so the lower-score neighbour
  always wins and calipers never bind (MatchIt issue #163), and with replacement and
  ``ratio > 1`` it may match a comparison area twice to one programme area (issue #159).

Weighting (entropy balancing, inverse probability) is in
:mod:`wellby.analysis.comparison_weighting`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from statsmodels.tools.sm_exceptions import (
    ConvergenceWarning,
    HessianInversionWarning,
    PerfectSeparationError,
    PerfectSeparationWarning,
)

from wellby.errors import ConfigError, DataError

__all__ = ["MatchResult", "match_nearest", "propensity_scores"]

TREATED = "treated"
_SEPARATION_EPS = 1e-10


def _design(features: pd.DataFrame, covariates: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Return the treated flag and the covariate matrix, checked."""
    covariates = list(covariates)
    if TREATED not in features.columns:
        raise DataError("the area table has no 'treated' column; build it with area_features",
                        column=TREATED)
    missing = [c for c in covariates if c not in features.columns]
    if missing:
        raise ConfigError(f"covariates {missing} are not area features; the features are "
                          f"{[c for c in features.columns if c != TREATED]}")
    if not covariates:
        raise ConfigError("name at least one covariate to match or weight on")
    x = features[covariates].to_numpy(dtype=float)
    if np.isnan(x).any():
        bad = [c for c in covariates if features[c].isna().any()]
        raise DataError(f"covariates have missing values for some areas: {bad}", column=bad[0])
    treat = features[TREATED].to_numpy(dtype=bool)
    if treat.all() or not treat.any():
        raise DataError("matching needs both programme and comparison areas", column=TREATED)
    return treat, x


def _separating(x: np.ndarray, treat: np.ndarray, covariates: Sequence[str]) -> list[str]:
    """Covariates whose treated and comparison values do not overlap (one alone separates)."""
    found = []
    for j, name in enumerate(covariates):
        t, c = x[treat, j], x[~treat, j]
        if t.max() <= c.min() or c.max() <= t.min():
            found.append(name)
    return found


def propensity_scores(features: pd.DataFrame, covariates: Sequence[str]) -> pd.Series:
    """Estimate each area's probability of being a programme area.

    Parameters
    ----------
    features : pandas.DataFrame
        One row per area (index = area id) with a boolean ``treated`` column.
    covariates : sequence of str
        Numeric columns of ``features`` (categorical ones already one-hot encoded).

    Returns
    -------
    pandas.Series
        The fitted probabilities, indexed like ``features``, named ``propensity``.

    Raises
    ------
    DataError
        When the covariates separate programme from comparison areas perfectly (the
        maximum-likelihood estimate does not exist), naming the covariates that do so, or
        when the covariates are collinear.

    Notes
    -----
    Unpenalised logistic regression with an intercept, fitted by Newton-Raphson; the same
    estimate as R's ``glm(treated ~ ..., family = binomial)`` and MatchIt's default
    ``distance = "glm"`` (which uses ``quasibinomial``: same coefficients).
    """
    # Here, not at the top: every study step imports this module, few fit it. The model's
    # own modules, not statsmodels.api (which imports every model: 0.3 s more).
    from statsmodels.discrete.discrete_model import Logit
    from statsmodels.tools.tools import add_constant

    treat, x = _design(features, covariates)
    design = add_constant(x, has_constant="add")
    if np.linalg.matrix_rank(design) < design.shape[1]:
        raise DataError(f"the covariates {list(covariates)} are collinear (one is a linear "
                        "combination of the others, e.g. every level of a category): drop one")
    separating = _separating(x, treat, covariates)
    fitted = None
    with warnings.catch_warnings():
        warnings.simplefilter("error", PerfectSeparationWarning)
        warnings.simplefilter("ignore", (ConvergenceWarning, HessianInversionWarning,
                                         RuntimeWarning))
        try:
            result = Logit(treat.astype(float), design).fit(
                method="newton", maxiter=100, tol=1e-12, disp=False)
            fitted = result.predict(design)
            converged = bool(result.mle_retvals.get("converged", False))
        except (PerfectSeparationError, PerfectSeparationWarning, np.linalg.LinAlgError):
            converged = False
    extreme = fitted is None or bool(
        ((fitted < _SEPARATION_EPS) | (fitted > 1 - _SEPARATION_EPS)).any())
    if separating or not converged or extreme:
        which = (f"covariate(s) {separating} alone separate them" if separating
                 else "a combination of the covariates separates them")
        raise DataError(
            "the propensity model cannot be estimated: programme and comparison areas are "
            f"perfectly separated ({which}); use entropy balancing, or fewer or coarser "
            "covariates", column=separating[0] if separating else None)
    return pd.Series(fitted, index=features.index, name="propensity")


@dataclass
class MatchResult:
    """Nearest-neighbour matches of programme areas to comparison areas.

    Attributes
    ----------
    weights : pandas.Series
        Matching weight of every area (index = area id): 1 for a matched programme area,
        0 for an unmatched one or an unused comparison area, MatchIt's ATT weight for a
        used comparison area.
    match_matrix : pandas.DataFrame
        One row per programme area, columns ``1..ratio``: the matched comparison areas'
        ids in the order found (missing when not found).
    distance : pandas.Series or None
        The propensity score when matching on it, else None.
    caliper : float or None
        The caliper in distance units (after scaling by the SD), or None.
    dropped_treated : list
        Programme areas with no match (weight 0).
    order : str
        The order in which programme areas chose (``largest``, ``data``).
    notes : list of str
        What was done, for the report.
    """

    weights: pd.Series
    match_matrix: pd.DataFrame
    distance: pd.Series | None
    caliper: float | None
    dropped_treated: list
    order: str
    notes: list[str] = field(default_factory=list)

    @property
    def matched(self) -> pd.Series:
        """Whether each area is in the matched sample (weight above 0)."""
        return (self.weights > 0).rename("matched")


def _scan(ii: int, step: int, end: int, state: dict, row: set, caliper: float | None) -> int:
    """MatchIt's ``find_left``/``find_right``: the next eligible control from ``ii``."""
    treat, order, dist, free = state["treat"], state["order"], state["dist"], state["free"]
    k = ii + step
    while (k >= end) if step < 0 else (k <= end):
        if treat[k] or order[k] in row or not free[k]:
            k += step
            continue
        if caliper is not None and abs(dist[ii] - dist[k]) > caliper:
            return -1
        return k
    return -1


def _match_on_score(dist: np.ndarray, treat: np.ndarray, ord1: np.ndarray, ratio: int,
                    reuse_max: int, caliper: float | None) -> np.ndarray:
    """Port of MatchIt 4.5.1 ``nn_matchC_vec``; returns the match matrix (-1 = none)."""
    order = np.argsort(dist, kind="stable")  # R's sort.list (radix: stable)
    state = {"treat": treat[order], "order": order, "dist": dist[order],
             "free": ~treat[order]}
    position = np.empty(len(dist), dtype=int)
    position[order] = np.arange(len(dist))
    treated_index = np.flatnonzero(treat)
    mm = np.full((len(treated_index), ratio), -1, dtype=int)
    times = np.zeros(len(dist), dtype=int)
    free_idx = np.flatnonzero(state["free"])
    first, last = free_idx[0], free_idx[-1]
    for r in range(ratio):
        for row in ord1:
            ii = position[treated_index[row]]
            taken = set(mm[row, :r][mm[row, :r] >= 0])
            left = _scan(ii, -1, first, state, taken, caliper)
            right = _scan(ii, 1, last, state, taken, caliper)
            if left >= 0 and right >= 0:
                d = state["dist"]
                k = left if abs(d[left] - d[ii]) <= abs(d[right] - d[ii]) else right
            else:
                k = max(left, right)
                if k < 0:
                    continue
            mm[row, r] = order[k]
            times[k] += 1
            if times[k] >= reuse_max:
                state["free"][k] = False
            free_idx = np.flatnonzero(state["free"])
            if len(free_idx) == 0:
                return mm
            first, last = free_idx[0], free_idx[-1]
    return mm


def _mahalanobis_space(x: np.ndarray, treat: np.ndarray) -> np.ndarray:
    """Map areas to rows whose Euclidean distances are Mahalanobis distances.

    As MatchIt's ``transform_covariates(method = "mahalanobis")``: covariates scaled by
    their SD, pooled within-group covariance.
    """
    keep = np.ptp(x, axis=0) >= np.sqrt(np.finfo(float).eps)
    x = x[:, keep]
    z = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)
    centred = z.copy()
    for group in (True, False):
        centred[treat == group] -= z[treat == group].mean(axis=0)
    cov = centred.T @ centred / (len(z) - 2)
    if np.linalg.det(cov) > 1e-8:
        inverse = np.linalg.inv(cov)
    else:
        inverse = np.linalg.pinv(cov, rcond=1e-8, hermitian=True)
    values, vectors = np.linalg.eigh(inverse)
    return z @ (vectors * np.sqrt(np.clip(values, 0, None)))


def _first_nearest(gap: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` smallest gaps; equal gaps go to the first in the data.

    MatchIt takes the first minimum (``which.min``, ``std::partial_sort``). Distances that
    are equal in exact arithmetic (e.g. ages 19 and 23 around 21, all else equal) can
    differ in the last bits depending on how they are summed, so gaps within a relative
    ``1e-9`` of each other count as equal and the data order decides.
    """
    chosen: list[int] = []
    remaining = np.ones(len(gap), dtype=bool)
    for _ in range(min(k, len(gap))):
        smallest = gap[remaining].min()
        near = remaining & (gap <= smallest + 1e-9 * max(smallest, 1e-300))
        pick = int(np.flatnonzero(near)[0])
        chosen.append(pick)
        remaining[pick] = False
    return np.array(chosen, dtype=int)


def _match_mahalanobis(space: np.ndarray, treat: np.ndarray, ratio: int, replace: bool
                       ) -> np.ndarray:
    """Port of MatchIt 4.5.1 ``nn_matchC`` with Mahalanobis covariates, data order."""
    controls = np.flatnonzero(~treat)
    treated_index = np.flatnonzero(treat)
    mm = np.full((len(treated_index), ratio), -1, dtype=int)
    used = np.zeros(len(treat), dtype=bool)
    for r in range(1 if replace else ratio):
        for row, t_ind in enumerate(treated_index):
            eligible = controls if replace else controls[~used[controls]]
            if len(eligible) == 0:
                break
            if r > 0:
                eligible = eligible[~np.isin(eligible, mm[row, :r])]
            if len(eligible) == 0:
                continue
            if replace and len(eligible) <= ratio:
                mm[row, :len(eligible)] = eligible
                continue
            gap = np.sqrt(((space[eligible] - space[t_ind]) ** 2).sum(axis=1))
            if replace:
                mm[row, :ratio] = eligible[_first_nearest(gap, ratio)]
            else:
                chosen = eligible[_first_nearest(gap, 1)[0]]
                mm[row, r] = chosen
                used[chosen] = True
    return mm


def _weights_from_matches(mm: np.ndarray, treat: np.ndarray) -> np.ndarray:
    """Compute ATT weights from the match matrix (port of MatchIt's ``weights_matrixC``).

    Controls share each treated unit's 1, then are rescaled to sum to the number of
    distinct matched controls.
    """
    weights = np.zeros(len(treat))
    for row, t_ind in enumerate(np.flatnonzero(treat)):
        found = mm[row][mm[row] >= 0]
        if len(found) == 0:
            continue
        np.add.at(weights, found, 1.0 / len(found))
        weights[t_ind] = 1.0
    control = ~treat
    total = weights[control].sum()
    if total > 0:
        weights[control] *= (weights[control] > 0).sum() / total
    return weights


def match_nearest(features: pd.DataFrame, covariates: Sequence[str], *,
                  distance: str | pd.Series = "propensity", ratio: int = 1,
                  replace: bool = True, caliper: float | None = None,
                  caliper_scale: str = "sd") -> MatchResult:
    """Match each programme area to its nearest comparison area(s), as MatchIt does.

    Parameters
    ----------
    features : pandas.DataFrame
        One row per area with a boolean ``treated`` column and the covariates.
    covariates : sequence of str
        Covariates of the propensity model or of the Mahalanobis distance.
    distance : {"propensity", "mahalanobis"} or pandas.Series
        Match on the propensity score (logistic regression, :func:`propensity_scores`), on
        the Mahalanobis distance of the covariates, or on a given score per area.
    ratio : int
        Comparison areas per programme area.
    replace : bool
        Whether a comparison area may be matched to several programme areas.
    caliper : float, optional
        Largest allowed difference in the score; programme areas with no comparison area
        this close are dropped (weight 0) and listed.
    caliper_scale : {"sd", "raw"}
        ``sd``: the caliper is in standard deviations of the score over all areas
        (MatchIt's default ``std.caliper = TRUE``); ``raw``: in score units.

    Returns
    -------
    MatchResult

    Notes
    -----
    Reproduces MatchIt 4.5.1 ``matchit(method = "nearest", estimand = "ATT")``:

    - the score is the propensity score itself (``link = "logit"`` on the response
      scale), not its logit, and the caliper's SD is that of the score over all areas;
    - order: without replacement, programme areas choose from the largest propensity
      score down (``m.order = "largest"``); with replacement, or with the Mahalanobis
      distance, in data order; with ``ratio > 1``, every programme area takes its first
      match before any takes its second;
    Ported from MatchIt 4.5.1 with upstream's fixes to its C++ code (see the module
    docstring), which 4.5.4 and later ship.

    - ties: on the score, the comparison area with the lower score wins an equal-distance
      tie (MatchIt looks left first), and among equal scores the one later in the data;
      on the Mahalanobis distance, the first in the data;
    - the Mahalanobis distance scales each covariate by its SD and uses the pooled
      within-group covariance, as MatchIt does;
    - weights (ATT): programme area 1; a comparison area gets ``1/k`` from each programme
      area matched to ``k`` comparison areas, then comparison weights are rescaled to sum
      to the number of distinct comparison areas used.
    """
    treat, x = _design(features, covariates)
    if ratio < 1 or int(ratio) != ratio:
        raise ConfigError(f"ratio must be a whole number of at least 1, not {ratio}")
    if caliper_scale not in ("sd", "raw"):
        raise ConfigError(f"caliper_scale must be 'sd' or 'raw', not {caliper_scale!r}")
    ratio = int(ratio)
    n_control = int((~treat).sum())
    notes = []
    if not replace and n_control < ratio * int(treat.sum()):
        notes.append(f"only {n_control} comparison areas for {int(treat.sum())} programme "
                     f"areas at ratio {ratio} without replacement: some will lack matches")
    if isinstance(distance, str) and distance == "mahalanobis":
        if caliper is not None:
            raise ConfigError("a caliper needs a propensity score: with the Mahalanobis "
                              "distance leave the caliper out")
        mm = _match_mahalanobis(_mahalanobis_space(x, treat), treat, ratio, replace)
        score, cal, order = None, None, "data"
    else:
        if isinstance(distance, pd.Series):
            score = distance.reindex(features.index).astype(float)
            if score.isna().any():
                raise DataError("the given distance has no value for some areas")
        elif distance == "propensity":
            score = propensity_scores(features, covariates)
        else:
            raise ConfigError(f"distance must be 'propensity' or 'mahalanobis', not "
                              f"{distance!r}")
        dist = score.to_numpy()
        cal = None
        if caliper is not None:
            cal = abs(caliper) * (dist.std(ddof=1) if caliper_scale == "sd" else 1.0)
        order = "data" if replace else "largest"
        n1 = int(treat.sum())
        ord1 = (np.arange(n1) if replace
                else np.argsort(-dist[treat], kind="stable"))
        reuse_max = np.iinfo(np.int32).max if replace else 1
        mm = _match_on_score(dist, treat, ord1, ratio, reuse_max, cal)
    weights = _weights_from_matches(mm, treat)
    ids = features.index.to_numpy()
    treated_ids = ids[treat]
    table = pd.DataFrame(
        [[ids[j] if j >= 0 else None for j in row] for row in mm],
        index=pd.Index(treated_ids, name=features.index.name),
        columns=list(range(1, ratio + 1)))
    dropped = [a for a, row in zip(treated_ids, mm, strict=True) if (row < 0).all()]
    if dropped:
        notes.append(f"{len(dropped)} programme area(s) had no comparison area within the "
                     f"caliper and were dropped: {dropped[:10]}")
    return MatchResult(pd.Series(weights, index=features.index, name="weight"), table, score,
                       cal, dropped, order, notes)
