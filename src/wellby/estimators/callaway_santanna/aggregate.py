"""Aggregations of the group-time ATTs: overall, by cohort, by event time and by period.

:func:`aggregate` averages the ``ATT(g, t)`` with cohort-size weights as R did's
``compute.aggte`` does (``att_simple``, ``att_group`` with ``att_g``, ``att_dynamic`` with
``att_e``, ``att_calendar`` with ``att_t``), adding the influence function of the
estimated weights (R did's ``wif``), and restricts the dynamic aggregation to the window
of ``min_e``, ``max_e`` and ``balance_e``. It returns every estimate with its influence
function in an :class:`Aggregates`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from wellby.estimators.callaway_santanna.att_gt import GroupTimeCells
from wellby.estimators.callaway_santanna.preprocess import PreparedData

__all__ = ["Aggregates", "aggregate"]


# --------------------------------------------------------------------------- aggregation


def _wif(cohort: np.ndarray, w: np.ndarray, groups_k: np.ndarray, pg_k: np.ndarray) -> np.ndarray:
    """Influence function of the estimated aggregation weights (R did's ``wif``)."""
    ind = w[:, None] * (cohort[:, None] == groups_k[None, :]) - pg_k[None, :]
    s = pg_k.sum()
    return ind / s - ind.sum(axis=1, keepdims=True) * (pg_k / s**2)[None, :]


@dataclass
class Aggregates:
    """Estimates (M,) with influence functions (n, M) and labels."""

    est: list[float] = field(default_factory=list)
    inf: list[np.ndarray] = field(default_factory=list)
    term: list[str] = field(default_factory=list)
    group: list[float] = field(default_factory=list)
    period: list[float] = field(default_factory=list)
    rel: list[float] = field(default_factory=list)
    n_obs: list[int] = field(default_factory=list)

    def add(self, term, est, inf, group=np.nan, period=np.nan, rel=np.nan, n_obs=0):
        """Append one estimate, its influence function (n,) and its labels."""
        self.term.append(term)
        self.est.append(float(est))
        self.inf.append(inf)
        self.group.append(group)
        self.period.append(period)
        self.rel.append(rel)
        self.n_obs.append(int(n_obs))


def _event_window(
    e_all: np.ndarray,
    group: np.ndarray,
    period: np.ndarray,
    ok: np.ndarray,
    min_e: int | None,
    max_e: int | None,
    balance_e: int | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Event times and cells of the dynamic aggregation (R did's ``aggte(type="dynamic")``).

    Parameters
    ----------
    e_all, group, period : ndarray
        Event time, cohort and period (period indices) of every ATT(g, t) cell.
    ok : ndarray of bool
        Cells with an estimate.
    min_e, max_e : int or None
        Event times below ``min_e`` or above ``max_e`` are dropped.
    balance_e : int or None
        Keep only the cohorts observed at least ``balance_e`` periods after their start
        (the last period being the latest of an estimated cell), and the event times up to
        ``balance_e``.

    Returns
    -------
    eseq : ndarray
        Sorted event times to report.
    include : ndarray of bool
        Cells that may enter an event time's average.

    Raises
    ------
    ValueError
        If no event time is left.

    """
    include = ok.copy()
    eseq = np.unique(e_all[ok])
    if balance_e is not None:
        # R: include.balanced.gt <- (t2orig(maxT) - originalgroup >= balance_e), maxT the
        # latest period among the ATT(g, t). R's further bound eseq >= balance_e - maxT +
        # t2orig(1) never binds: a kept cohort g <= last - balance_e has e >= -g.
        last = int(period[ok].max())
        include &= (last - group) >= balance_e
        eseq = np.unique(e_all[include])
        eseq = eseq[eseq <= balance_e]
    if min_e is not None:
        eseq = eseq[eseq >= min_e]
    if max_e is not None:
        eseq = eseq[eseq <= max_e]
    if eseq.size == 0:
        raise ValueError(
            "no event time of the dynamic aggregation falls within the requested window "
            f"(dynamic_min_e={min_e}, dynamic_max_e={max_e}, dynamic_balance_e={balance_e}); "
            "widen it so that at least one event time is included"
        )
    return eseq, include


def aggregate(
    dat: PreparedData,
    cells: GroupTimeCells,
    min_e: int | None = None,
    max_e: int | None = None,
    balance_e: int | None = None,
) -> Aggregates:
    """Group-time ATTs and their four aggregations (R did's ``compute.aggte``).

    ``min_e``, ``max_e`` and ``balance_e`` restrict the dynamic aggregation only, as R did's
    arguments of the same names with ``type = "dynamic"``.
    """
    periods = dat.periods
    agg = Aggregates()
    ok = ~np.isnan(cells.att)
    for j in range(cells.att.size):
        agg.add(
            "att_gt",
            cells.att[j],
            cells.inf[:, j],
            group=periods[cells.group[j]],
            period=periods[cells.period[j]],
            rel=float(cells.period[j] - cells.group[j]),
            n_obs=cells.n_obs[j],
        )
    groups = np.array(dat.groups, dtype=np.intp)
    pg_group = np.array([np.mean(dat.w * (dat.cohort == g)) for g in groups])
    pg = pg_group[np.searchsorted(groups, cells.group)]
    att, inf = cells.att, cells.inf
    post = (cells.period >= cells.group) & ok

    def combine(which: np.ndarray, with_wif: bool) -> tuple[float, np.ndarray]:
        wts = pg[which] / pg[which].sum()
        est = float(wts @ att[which])
        col = inf[:, which] @ wts
        if with_wif:
            col = col + _wif(dat.cohort, dat.w, cells.group[which], pg[which]) @ att[which]
        return est, col

    n_rows = dat.n_rows
    if not post.any():
        raise ValueError("no post-treatment group-time effect could be estimated")
    # simple: weighted by cohort size over all post-treatment cells
    est, col = combine(np.flatnonzero(post), True)
    agg.add("att_simple", est, col, n_obs=n_rows)
    # group: per cohort, the average over its post-treatment periods; then by cohort size
    g_est, g_inf, g_keep = [], [], []
    for gi, pgv in zip(groups, pg_group, strict=True):
        which = np.flatnonzero(post & (cells.group == gi))
        if which.size == 0:
            continue
        est, col = combine(which, False)
        agg.add("att_g", est, col, group=periods[gi], n_obs=n_rows)
        g_est.append(est)
        g_inf.append(col)
        g_keep.append((gi, pgv))
    gk = np.array([k[0] for k in g_keep], dtype=np.intp)
    pgk = np.array([k[1] for k in g_keep])
    wts = pgk / pgk.sum()
    col = np.column_stack(g_inf) @ wts + _wif(dat.cohort, dat.w, gk, pgk) @ np.array(g_est)
    agg.add("att_group", float(wts @ np.array(g_est)), col, n_obs=n_rows)
    # dynamic: by time since the start (within the window; balanced cohorts only with
    # balance_e), then the average over the event times e >= 0 of the window
    e_all = cells.period - cells.group
    eseq, include = _event_window(e_all, cells.group, cells.period, ok, min_e, max_e, balance_e)
    e_est, e_inf = [], []
    for e in eseq:
        which = np.flatnonzero(include & (e_all == e))
        est, col = combine(which, True)
        agg.add("att_e", est, col, rel=float(e), n_obs=n_rows)
        if e >= 0:
            e_est.append(est)
            e_inf.append(col)
    if e_est:
        agg.add(
            "att_dynamic", float(np.mean(e_est)), np.column_stack(e_inf).mean(axis=1), n_obs=n_rows
        )
    else:  # R did: mean over no event time is NaN, and its standard error NA
        dat.notes.append(
            "no event time >= 0 in the dynamic aggregation's window: att_dynamic is not "
            "estimated"
        )
        agg.add("att_dynamic", np.nan, np.zeros(dat.n), n_obs=n_rows)
    # calendar: by period (post-treatment cells), then the average over periods
    c_est, c_inf = [], []
    for ti in np.unique(cells.period[post]):
        which = np.flatnonzero(post & (cells.period == ti))
        est, col = combine(which, True)
        agg.add("att_t", est, col, period=periods[ti], n_obs=n_rows)
        c_est.append(est)
        c_inf.append(col)
    agg.add(
        "att_calendar", float(np.mean(c_est)), np.column_stack(c_inf).mean(axis=1), n_obs=n_rows
    )
    return agg
