"""Aggregations of the group-time ATTs: overall, by cohort, by event time and by period.

:func:`aggregate` averages the ``ATT(g, t)`` with cohort-size weights as R did's
``compute.aggte`` does (``att_simple``, ``att_group`` with ``att_g``, ``att_dynamic`` with
``att_e``, ``att_calendar`` with ``att_t``), adding the influence function of the
estimated weights (R did's ``wif``), and restricts the dynamic aggregation to the window
of ``min_e``, ``max_e`` and ``balance_e``.

Every estimate's influence function is linear in two blocks of per-unit columns: the
cells' influence functions (``n x K``) and the unit's weight in each cohort (``w_i 1{g_i =
g}``, ``n x T``; the weight-estimation term of R did's ``wif`` reduces to it). An
:class:`Aggregates` therefore keeps, instead of ``n x M`` columns, the ``(K + T) x M``
coefficients of each estimate on those blocks; :func:`influence_basis` sums the blocks
within clusters once, and :func:`covariance` gives the covariance of every estimate from
their ``(K + T) x (K + T)`` cross-product, in time linear in units and independent of the
number of estimates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from wellby.estimators.callaway_santanna.att_gt import GroupTimeCells
from wellby.estimators.callaway_santanna.preprocess import PreparedData

__all__ = ["Aggregates", "aggregate", "covariance", "influence_basis"]


# --------------------------------------------------------------------------- aggregation


@dataclass
class Aggregates:
    """Estimates with their influence functions' coefficients on the basis, and labels.

    ``coef`` holds one column per estimate, of length ``K + T``: the weights of the ``K``
    cells' influence functions, then those of the ``T`` cohort-weight columns.
    """

    n_cells: int
    n_periods: int
    est: list[float] = field(default_factory=list)
    coef: list[np.ndarray] = field(default_factory=list)
    term: list[str] = field(default_factory=list)
    group: list[float] = field(default_factory=list)
    period: list[float] = field(default_factory=list)
    rel: list[float] = field(default_factory=list)
    n_obs: list[int] = field(default_factory=list)

    def add(self, term, est, coef, group=np.nan, period=np.nan, rel=np.nan, n_obs=0):
        """Append one estimate, its coefficients (K + T,) and its labels."""
        self.term.append(term)
        self.est.append(float(est))
        self.coef.append(coef)
        self.group.append(group)
        self.period.append(period)
        self.rel.append(rel)
        self.n_obs.append(int(n_obs))

    def matrix(self) -> np.ndarray:
        """Coefficients of every estimate, ``(K + T, M)``."""
        return np.column_stack(self.coef)


def _wif_coef(
    groups_k: np.ndarray, pg_k: np.ndarray, att_k: np.ndarray, n_periods: int
) -> np.ndarray:
    """Coefficients on the cohort-weight columns of R did's ``wif(...) %*% att``.

    R's ``wif`` column ``k`` is ``ind_k / s - rowSums(ind) pg_k / s^2`` with ``ind_k =
    w_i 1{g_i = g_k} - pg_k`` and ``s = sum(pg)``; times ``att`` the constants cancel and
    what is left is ``w_i B[g_i]``, ``B[g] = A[g] / s - C[g] (pg' att) / s^2``, ``A[g]`` the
    sum of ``att_k`` and ``C[g]`` the count of cells of cohort ``g``.
    """
    s = pg_k.sum()
    a = np.bincount(groups_k, weights=att_k, minlength=n_periods)
    c = np.bincount(groups_k, minlength=n_periods)
    return a / s - c * (pg_k @ att_k) / s**2


@dataclass(frozen=True)
class _Cells:
    """What every aggregation reads of the cells."""

    att: np.ndarray
    group: np.ndarray
    pg: np.ndarray
    n_cells: int
    n_periods: int

    def combine(self, which: np.ndarray, with_wif: bool) -> tuple[float, np.ndarray]:
        """Cohort-size weighted average of the cells ``which``, with its coefficients."""
        wts = self.pg[which] / self.pg[which].sum()
        coef = np.zeros(self.n_cells + self.n_periods)
        coef[which] = wts
        if with_wif:
            coef[self.n_cells :] = _wif_coef(
                self.group[which], self.pg[which], self.att[which], self.n_periods
            )
        return float(wts @ self.att[which]), coef


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
    n_cells, n_periods = cells.att.size, periods.size
    agg = Aggregates(n_cells=n_cells, n_periods=n_periods)
    ok = ~np.isnan(cells.att)
    for j in range(n_cells):
        coef = np.zeros(n_cells + n_periods)
        coef[j] = 1.0
        agg.add(
            "att_gt",
            cells.att[j],
            coef,
            group=periods[cells.group[j]],
            period=periods[cells.period[j]],
            rel=float(cells.period[j] - cells.group[j]),
            n_obs=cells.n_obs[j],
        )
    groups = np.array(dat.groups, dtype=np.intp)
    treated = dat.cohort >= 0
    mass = np.bincount(dat.cohort[treated], weights=dat.w[treated], minlength=n_periods)
    pg_group = mass[groups] / dat.n
    pg = pg_group[np.searchsorted(groups, cells.group)]
    cs = _Cells(cells.att, cells.group, pg, n_cells, n_periods)
    post = (cells.period >= cells.group) & ok

    n_rows = dat.n_rows
    if not post.any():
        raise ValueError("no post-treatment group-time effect could be estimated")
    # simple: weighted by cohort size over all post-treatment cells
    est, coef = cs.combine(np.flatnonzero(post), True)
    agg.add("att_simple", est, coef, n_obs=n_rows)
    # group: per cohort, the average over its post-treatment periods; then by cohort size
    g_est, g_coef, g_keep = [], [], []
    for gi, pgv in zip(groups, pg_group, strict=True):
        which = np.flatnonzero(post & (cells.group == gi))
        if which.size == 0:
            continue
        est, coef = cs.combine(which, False)
        agg.add("att_g", est, coef, group=periods[gi], n_obs=n_rows)
        g_est.append(est)
        g_coef.append(coef)
        g_keep.append((gi, pgv))
    gk = np.array([k[0] for k in g_keep], dtype=np.intp)
    pgk = np.array([k[1] for k in g_keep])
    wts = pgk / pgk.sum()
    coef = np.column_stack(g_coef) @ wts
    coef[n_cells:] += _wif_coef(gk, pgk, np.array(g_est), n_periods)
    agg.add("att_group", float(wts @ np.array(g_est)), coef, n_obs=n_rows)
    # dynamic: by time since the start (within the window; balanced cohorts only with
    # balance_e), then the average over the event times e >= 0 of the window
    e_all = cells.period - cells.group
    eseq, include = _event_window(e_all, cells.group, cells.period, ok, min_e, max_e, balance_e)
    e_est, e_coef = [], []
    for e in eseq:
        est, coef = cs.combine(np.flatnonzero(include & (e_all == e)), True)
        agg.add("att_e", est, coef, rel=float(e), n_obs=n_rows)
        if e >= 0:
            e_est.append(est)
            e_coef.append(coef)
    if e_est:
        agg.add("att_dynamic", float(np.mean(e_est)), np.mean(e_coef, axis=0), n_obs=n_rows)
    else:  # R did: mean over no event time is NaN, and its standard error NA
        dat.notes.append(
            "no event time >= 0 in the dynamic aggregation's window: att_dynamic is not "
            "estimated"
        )
        agg.add("att_dynamic", np.nan, np.zeros(n_cells + n_periods), n_obs=n_rows)
    # calendar: by period (post-treatment cells), then the average over periods
    c_est, c_coef = [], []
    for ti in np.unique(cells.period[post]):
        est, coef = cs.combine(np.flatnonzero(post & (cells.period == ti)), True)
        agg.add("att_t", est, coef, period=periods[ti], n_obs=n_rows)
        c_est.append(est)
        c_coef.append(coef)
    agg.add("att_calendar", float(np.mean(c_est)), np.mean(c_coef, axis=0), n_obs=n_rows)
    return agg


# --------------------------------------------------------------------------- inference


def influence_basis(dat: PreparedData, cells: GroupTimeCells) -> np.ndarray:
    """Sum the basis of the influence functions within clusters: ``(G, K + T)``.

    The columns are the cells' influence functions and, per period ``g``, the units'
    weights in cohort ``g``; each estimate's cluster sums are this matrix times its
    coefficients (:meth:`Aggregates.matrix`). With one unit per cluster (the default
    cluster in a panel) the sums are the rows themselves, and nothing is summed.
    """
    n, k, t = dat.n, cells.att.size, dat.periods.size
    basis = np.zeros((n, k + t), order="F")
    basis[:, :k] = cells.inf
    treated = np.flatnonzero(dat.cohort >= 0)
    basis[treated, k + dat.cohort[treated]] = dat.w[treated]
    if dat.n_clusters == n and np.array_equal(dat.clusters, np.arange(n)):
        return basis
    order = np.argsort(dat.clusters, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(dat.clusters[order]) != 0])
    return np.add.reduceat(basis[order], starts, axis=0)


def covariance(basis: np.ndarray, coef: np.ndarray, n: int) -> np.ndarray:
    """Analytic covariance ``S'S / n^2`` of the estimates, ``S = basis @ coef``: ``(M, M)``."""
    return coef.T @ (basis.T @ basis) @ coef / n**2
