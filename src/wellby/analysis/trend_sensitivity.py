"""How far parallel trends may fail before the effect, or its value for money, is lost.

:func:`trend_sensitivity` runs Rambachan and Roth's (2023) sensitivity analysis
(:mod:`wellby.estimators.honest_did`) on an event study of one outcome: robust
confidence sets for the average post-period effect under relative-magnitude bounds
(``Mbar``: post-start violations at most ``Mbar`` times the largest pre-start one) and
smoothness bounds (``M``: the slope of the violation changes by at most ``M`` per wave), and
the breakdown value of each, the largest bound at which the effect's sign stays identified.

:func:`robust_value_for_money` carries it into the cost-benefit case: the central
benefit-cost ratio at each bound of each robust set, and the largest bound at which the
robust set's lower end still pays for the programme (BCR 1).

Each estimator gets its own sets: the TWFE event study's, and Callaway-Sant'Anna's from a fit
with a universal base period (R HonestDiD's requirement; :mod:`wellby.analysis.effects` makes
a second fit when ``models.base_period`` is ``varying``). The value for money uses the sets of
the estimator the case values (the event study's for TWFE's ``att``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from wellby.config.typed import TrendSensitivity

SENSITIVITY_COLUMNS = ["outcome", "estimator", "method", "parameter", "value", "target",
                       "rel_time", "estimate", "lb", "ub", "original_lb", "original_ub",
                       "breakdown"]
AVERAGE = "average"
"""The target valued and reported first: the average of the post-start effects."""
METHODS = (("relative_magnitudes", "mbar"), ("smoothness", "m"))


def trend_sensitivity(result: Any | None, outcome: str, settings: TrendSensitivity,
                      alpha: float, estimator: str = "event_study") -> pd.DataFrame:
    """Return the robust sets of an event study's average post-period effect.

    Parameters
    ----------
    result : EventStudyResult, CallawaySantAnnaResult or None
        The outcome's TWFE event study, or its Callaway-Sant'Anna fit with a universal base
        period (its event-time effects ``att_e`` and their covariance ``dynamic_cov``);
        None: an empty table.
    outcome : str
        The outcome.
    settings : TrendSensitivity
        ``models.sensitivity``: ``enabled`` and the ``mbar`` and ``m`` grids (empty: R
        HonestDiD's defaults).
    alpha : float
        The sets' level is ``1 - alpha`` (``models.alpha``).
    estimator : {"event_study", "callaway_santanna"}, default "event_study"
        Which of the two ``result`` is.

    Returns
    -------
    pandas.DataFrame
        :data:`SENSITIVITY_COLUMNS`: one row per method, bound and target (the average of
        the post-start effects, and with ``settings.periods`` each post period: ``post 1``,
        ... with its ``rel_time``); ``breakdown`` (the same on every row of a method and
        target) is the largest bound whose robust set excludes zero.
        Empty without an event study, with no wave before or after the start, or when
        ``enabled`` is false.
    """
    from wellby.estimators.honest_did import honest_did

    if result is None or not settings.enabled:
        return pd.DataFrame(columns=SENSITIVITY_COLUMNS)
    found = _inputs(result, estimator)
    if found is None:
        return pd.DataFrame(columns=SENSITIVITY_COLUMNS)
    betahat, sigma, n_pre, n_post, rel_times = found
    # Every post period as well (honest_did's default targets), or the average alone: one
    # target, so the cost does not grow with the number of post periods.
    l_vec = None if settings.periods else np.full(n_post, 1.0 / n_post)
    tables = []
    for method, key in METHODS:
        grid = list(getattr(settings, key)) or None
        sets = honest_did(betahat, sigma, n_pre, n_post, method=method, grid=grid,
                          l_vec=l_vec, alpha=alpha, rel_times=rel_times, outcome=outcome)
        table = sets.table().assign(outcome=outcome, estimator=estimator)
        table["target"] = table["target"].replace({"custom": AVERAGE})
        breakdown = sets.breakdown()
        breakdown["target"] = breakdown["target"].replace({"custom": AVERAGE})
        table["breakdown"] = table["target"].map(
            breakdown.set_index("target")["breakdown"].astype(float))
        tables.append(table[SENSITIVITY_COLUMNS])
    return pd.concat(tables, ignore_index=True)


def _inputs(result: Any, estimator: str) -> tuple | None:
    """Return ``(betahat, sigma, n_pre, n_post, rel_times)``, or None without pre or post."""
    from wellby.estimators.honest_did import callaway_santanna_inputs, event_study_inputs

    if estimator == "event_study":
        betahat, sigma, n_pre, n_post = event_study_inputs(result)
        rel_times = [e for e in result.rel_times if e != result.reference]
    else:
        times = result.aggregation("dynamic")["rel_time"].to_numpy(dtype=float)
        reference = -1 - result.anticipation
        if not ((times < reference).any() and (times > reference).any()):
            return None
        betahat, sigma, n_pre, n_post = callaway_santanna_inputs(result)
        rel_times = [int(e) for e in times if e != reference]
    if n_pre < 1 or n_post < 1:
        return None
    return betahat, sigma, n_pre, n_post, rel_times


def robust_value_for_money(sensitivity: pd.DataFrame, cba: pd.DataFrame, outcome: str,
                           estimate: float, estimator: str = "twfe") -> pd.DataFrame:
    """Return the central benefit-cost ratio at the bounds of each robust set.

    The central BCR is proportional to the effect valued (benefits are the WELLBY value
    times the discounted WELLBYs, which scale with the effect; costs do not depend on it),
    so at an effect ``e`` it is ``bcr x e / effect valued``.

    Parameters
    ----------
    sensitivity : pandas.DataFrame
        :func:`trend_sensitivity`'s rows (any outcomes).
    cba : pandas.DataFrame
        ``cba.csv``: its central row's ``bcr``.
    outcome : str
        The valued outcome (``cba.outcome``).
    estimate : float
        The estimate the case values, in the outcome's units (``cba_montecarlo.csv``'s
        ``estimate``).
    estimator : {"twfe", "callaway_santanna"}, default "twfe"
        Whose effect the case values (``cba.csv``'s ``estimator``): the robust sets of the
        same estimator are used, the TWFE event study's for TWFE.

    Returns
    -------
    pandas.DataFrame
        Per method and bound: ``method, parameter, value, lb, ub, bcr_lb, bcr_ub,
        pays_at_lb`` (the robust lower end still has a BCR of at least 1) and
        ``breakdown_pays``: the largest bound on the grid at which it does (NaN when not
        even at the smallest).
    """
    columns = ["outcome", "estimator", "method", "parameter", "value", "lb", "ub", "bcr_lb",
               "bcr_ub", "pays_at_lb", "breakdown_pays"]
    source = "event_study" if estimator == "twfe" else estimator
    rows = (sensitivity[(sensitivity["outcome"] == outcome)
                        & (sensitivity["estimator"] == source)
                        & (sensitivity.get("target", AVERAGE) == AVERAGE)]
            if len(sensitivity) else sensitivity)
    central = cba[cba["scenario"] == "central"]
    if not len(rows) or not len(central):
        return pd.DataFrame(columns=columns)
    bcr = float(central["bcr"].iloc[0])
    if estimate == 0 or not math.isfinite(estimate):
        return pd.DataFrame(columns=columns)
    out = rows[["outcome", "estimator", "method", "parameter", "value", "lb", "ub"]].copy()
    out["bcr_lb"] = bcr * out["lb"] / estimate
    out["bcr_ub"] = bcr * out["ub"] / estimate
    out["pays_at_lb"] = out["bcr_lb"] >= 1
    out["breakdown_pays"] = np.nan
    for _, group in out.groupby("method", sort=False):
        ordered = group.sort_values("value")
        values, pays = ordered["value"].to_numpy(), ordered["pays_at_lb"].to_numpy()
        failing = np.flatnonzero(~pays)
        paid = values if not len(failing) else values[: failing[0]]
        out.loc[group.index, "breakdown_pays"] = paid.max() if len(paid) else np.nan
    return out[columns].reset_index(drop=True)
