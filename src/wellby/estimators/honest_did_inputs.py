"""The inputs of the sensitivity analysis from wellby's fits: ``(betahat, sigma, n_pre, n_post)``.

:func:`event_study_inputs` takes a TWFE event study's coefficients and covariance, the
reference period dropped; :func:`callaway_santanna_inputs` takes Callaway-Sant'Anna's
event-time effects (``att_e``) and their covariance, as R HonestDiD's documented integration
does (``honest_did.AGGTEobj``). :func:`wellby.estimators.honest_did.honest_did` takes either.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from wellby.estimators.callaway_santanna.results import CallawaySantAnnaResult
    from wellby.estimators.event_study_results import EventStudyResult

__all__ = ["callaway_santanna_inputs", "event_study_inputs"]


def event_study_inputs(result: EventStudyResult) -> tuple[np.ndarray, np.ndarray, int, int]:
    """``(betahat, sigma, n_pre, n_post)`` of a TWFE event study, the reference dropped.

    Pre-periods are the estimated relative times before the reference, post-periods those
    after it (with ``reference = -1``: ``0, 1, ...``; with an earlier reference, the periods
    between it and the start count as post periods, as anticipation). Pass
    ``rel_times=[e for e in result.rel_times if e != result.reference]`` to :func:`honest_did`
    to label the targets.

    Raises
    ------
    ValueError
        Without a pre- or a post-period coefficient, or with a gap in the relative times.

    Warns
    -----
    UserWarning
        When the end points are binned: a bin is treated as one period.
    """
    est = [e for e in result.rel_times if e != result.reference]
    if np.any(np.diff(result.rel_times) != 1):
        raise ValueError(f"relative times must be consecutive, got {result.rel_times}")
    n_pre = sum(e < result.reference for e in est)
    n_post = len(est) - n_pre
    if n_pre == 0 or n_post == 0:
        raise ValueError(
            f"need pre- and post-period coefficients around the reference {result.reference}, "
            f"got relative times {result.rel_times}"
        )
    if result.lead_bin is not None or result.lag_bin is not None:
        warnings.warn(
            "the event study bins its end points; each bin is treated as one period",
            stacklevel=2,
        )
    betahat = np.array([result.coefficients[result.rel_times.index(e)].estimate for e in est])
    return betahat, np.asarray(result.cov, dtype=float).copy(), n_pre, n_post


def callaway_santanna_inputs(
    result: CallawaySantAnnaResult,
    data: pd.DataFrame | None = None,
    *,
    cov: np.ndarray | None = None,
    balanced_panel: bool = False,
) -> tuple[np.ndarray, np.ndarray, int, int]:
    """``(betahat, sigma, n_pre, n_post)`` of a Callaway-Sant'Anna event study (``att_e``).

    As R HonestDiD's documented integration (``honest_did.AGGTEobj``): the dynamic
    aggregation's effects by event time, their covariance from the influence functions
    (``V = S'S / n^2``, ``S`` the influence functions summed within clusters: R's
    ``IF'IF / n^2`` with unit clusters, and the covariance behind the result's analytic
    standard errors), and the reference event time ``-1 - anticipation`` (0 with a universal
    base period) dropped.

    Parameters
    ----------
    result : CallawaySantAnnaResult
        A fit with ``base_period="universal"`` (R refuses a varying base period: its
        pre-period estimates are not event-study coefficients).
    data : DataFrame, optional
        The data the result was fitted on. The result keeps no influence functions, so the
        covariance is recomputed by rerunning the estimator's steps with the result's
        options; the effects must come out the same.
    cov : ndarray, optional
        The covariance of the ``att_e`` estimates (all event times of the window, in order),
        instead of ``data``.
    balanced_panel : bool, default False
        The ``balanced_panel`` option of the fit (the result does not record it).

    Raises
    ------
    ValueError
        For a varying base period, gaps in the event times, no pre- or post-period, neither
        ``data`` nor ``cov``, or data that do not reproduce the result.
    """
    if result.base_period != "universal":
        raise ValueError(
            "honest_did needs an event study with a universal base period: refit with "
            "base_period='universal' (as R HonestDiD's honest_did requires)"
        )
    comp = result.aggregation("dynamic")
    e = comp["rel_time"].to_numpy(dtype=float)
    att = comp["estimate"].to_numpy(dtype=float)
    if np.any(np.diff(e) != 1):
        raise ValueError(f"event times must be consecutive, got {e.tolist()}")
    if cov is None:
        cov = getattr(result, "dynamic_cov", None)
    if cov is None:
        if data is None:
            raise ValueError(
                "the result keeps no influence functions: pass the data it was fitted on "
                "(data=...) or the covariance of its att_e estimates (cov=...)"
            )
        cov = _cs_dynamic_cov(result, data, balanced_panel, att)
    v = np.asarray(cov, dtype=float)
    if v.shape != (e.size, e.size):
        raise ValueError(f"cov must be {e.size} x {e.size}, got shape {v.shape}")
    ref = -1 - result.anticipation
    keep = e != ref
    n_pre = int(np.sum(e < ref))
    n_post = int(np.sum(e > ref))
    if n_pre == 0 or n_post == 0:
        raise ValueError(
            f"need event times before and after the reference {ref}, got {e.tolist()}"
        )
    return att[keep], v[np.ix_(keep, keep)], n_pre, n_post


def _cs_dynamic_cov(
    result: CallawaySantAnnaResult, data: pd.DataFrame, balanced_panel: bool, att: np.ndarray
) -> np.ndarray:
    """Covariance of the ``att_e`` estimates from the estimator's steps rerun on ``data``."""
    from wellby.estimators.callaway_santanna.aggregate import (
        aggregate,
        covariance,
        influence_basis,
    )
    from wellby.estimators.callaway_santanna.att_gt import group_time_effects
    from wellby.estimators.callaway_santanna.preprocess import prepare

    dat = prepare(
        data,
        result.outcome,
        result.unit,
        result.time,
        result.cohort,
        design=result.design,
        control_group=result.control_group,
        cluster=result.cluster,
        weights=result.weights,
        covariates=list(result.covariates),
        anticipation=result.anticipation,
        balanced_panel=balanced_panel and result.design == "panel",
    )
    cells = group_time_effects(
        dat, result.method, result.control_group, result.base_period, result.anticipation
    )
    agg = aggregate(
        dat, cells, result.dynamic_min_e, result.dynamic_max_e, result.dynamic_balance_e
    )
    idx = [i for i, t in enumerate(agg.term) if t == "att_e"]
    est = np.array([agg.est[i] for i in idx])
    if est.shape != att.shape or not np.allclose(est, att, rtol=1e-9, atol=1e-12):
        raise ValueError(
            "the data (or balanced_panel) do not reproduce the result's att_e estimates; "
            "pass the data and options the result was fitted with"
        )
    return covariance(influence_basis(dat, cells), agg.matrix()[:, idx], dat.n)
