"""Robust confidence sets of Rambachan and Roth (2023): the numerics of the sensitivity analysis.

:mod:`wellby.estimators.honest_did` builds the tables, breakdown values and figures; this
module computes one confidence set at a time, as R's ``HonestDiD`` 0.2.8 does:

- :func:`original_ci`, the confidence interval that assumes parallel trends
  (``constructOriginalCS``);
- :func:`rm_confidence_set`, the conditional least-favourable hybrid ("C-LF") confidence set
  under relative-magnitude bounds ``Delta^RM(Mbar)`` (``computeConditionalCS_DeltaRM`` with
  ``hybrid_flag = "LF"``, ``postPeriodMomentsOnly = TRUE``): the union over the period ``s``
  and sign of the largest pre-period change of the sets accepted by the test of Andrews, Roth
  and Pakes (ARP, 2023) with nuisance parameters;
- the identified sets under both restrictions (``rm_identified_set``, ``sd_identified_set``).

The smoothness bounds ``Delta^SD(M)`` (the optimal FLCI, ``findOptimalFLCI``, and R's
``DeltaSD_upperBound_Mpre``) are in :mod:`wellby.estimators.honest_did_flci`.

Notation: ``betahat`` stacks the ``n_pre`` pre-period then the ``n_post`` post-period
event-study coefficients (the reference period dropped), ``sigma`` is their covariance and the
target is ``theta = l_vec' tau_post``.

How the computations differ from R's (the confidence sets are the same up to R's grid and
Monte Carlo error):

- ARP test. R solves one linear programme per grid point for ``eta`` (the largest
  studentised moment after profiling out the nuisance parameters), and locates the conditioning
  interval ``[vlo, vup]`` by bisection over further programmes. Here the vertices of the dual
  feasible set ``{gamma >= 0, gamma' [sd, X] = e_1}`` are enumerated once per ``(Mbar, s,
  sign)`` (at most ``C(2 n_post, n_post)`` bases), so that ``eta(theta)`` is the largest of a
  few linear functions and ``vlo``, ``vup`` follow in closed form: vectorised over every
  ``theta`` at once, and exact where R's bisection stops at 1e-6.
- Grid. R reports the smallest and largest accepted point of a grid of 1,000 points (the
  README's examples: 100). HonestDiD 0.2.8's code spans ``+-20`` standard errors of
  ``l_vec' betahat_post`` around zero; the output printed in its README (and cached with it)
  was computed on ``[id_lb - 20 se, id_ub + 20 se]`` around the identified set, and that is the
  default here (it never misses a set far from zero). With that grid, R's 1,000 draws
  (``set.seed(0)``, ``mvtnorm::rmvnorm``) and ``refine=False`` this module reproduces every
  bound of the README's three examples to 1e-10. By default (``refine=True``) each end is
  then refined between the last accepted and the first rejected grid point (to 1e-4 of the
  grid's step, testing many points per call), and the grid is widened when the set
  reaches one of its ends (R then warns that the interval is open).
- Least-favourable critical value: the ``1 - kappa`` quantile of ``eta`` under the null,
  simulated with ``lf_sims`` draws (R: 1,000 draws; here 10,000 by default, with numpy's
  generator seeded by ``seed``, so it is less noisy but not R's draw).
- FLCI: the worst-case bias given the estimator's standard deviation ``h`` is a small
  second-order-cone programme in R (CVXR/ECOS); here it is written in the cumulative weights
  ``c`` (``bias = const + |sum(w)| + ||c||_1``) and solved by SLSQP, and the folded-normal
  quantile is computed exactly rather than from 10^6 draws.

References
----------
Rambachan, A. and Roth, J. (2023). A more credible approach to parallel trends. *Review of
Economic Studies* 90(5), 2555-2591.

Andrews, I., Roth, J. and Pakes, A. (2023). Inference for linear conditional moment
inequalities. *Review of Economic Studies* 90(6), 2763-2791.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize, special

from wellby.estimators.distributions import normal_quantile

__all__ = [
    "RobustSet",
    "original_ci",
    "rm_confidence_set",
    "rm_identified_set",
    "sd_identified_set",
    "sd_matrix",
]

NormalDraws = Callable[[int, np.ndarray], np.ndarray]
"""``f(n, sigma)`` -> an ``(n, k)`` array of draws from ``N(0, sigma)``, ``sigma`` (k, k)."""

# Largest number of candidate bases of the dual vertex enumeration (C(2 n_post, n_post)).
MAX_BASES = 250_000
# Widen the test grid at most this many times when the set reaches one of its ends.
MAX_GRID_EXTENSIONS = 8
# Relative tolerance (of the grid step) of the refinement of the confidence set's ends.
REFINE_RTOL = 1e-4
REFINE_POINTS = 22
"""Points tested together in each round of refining an end of the set."""


# --------------------------------------------------------------------------- original CI


def original_ci(
    betahat: np.ndarray, sigma: np.ndarray, n_pre: int, l_vec: np.ndarray, alpha: float
) -> tuple[float, float, float, float]:
    """Return ``(estimate, std_error, lb, ub)`` of ``l_vec' beta_post``.

    The normal interval that assumes parallel trends (R's ``constructOriginalCS``).
    """
    post = slice(n_pre, None)
    est = float(l_vec @ betahat[post])
    se = float(math.sqrt(max(l_vec @ sigma[post, post] @ l_vec, 0.0)))
    z = normal_quantile(1 - alpha / 2)
    return est, se, est - z * se, est + z * se


# --------------------------------------------------------------------------- Delta^RM


def _rm_matrix(n_pre: int, n_post: int, mbar: float, s: int, max_positive: bool) -> np.ndarray:
    """Constraints ``A delta <= 0`` of ``Delta^RM_{s,sign}(Mbar)`` (R's ``.create_A_RM``).

    Every first difference ``delta_t - delta_{t-1}`` (with ``delta_0 = 0``) is bounded in absolute
    value by the one ending in pre-period ``s`` (times ``Mbar`` after the start), with the sign
    of that one fixed by ``max_positive``.
    """
    n = n_pre + n_post
    atilde = np.zeros((n, n + 1))
    idx = np.arange(n)
    atilde[idx, idx] = -1.0
    atilde[idx, idx + 1] = 1.0
    v = np.zeros(n + 1)
    v[n_pre + s - 1], v[n_pre + s] = -1.0, 1.0
    if not max_positive:
        v = -v
    a_ub = np.vstack([np.tile(v, (n_pre, 1)), np.tile(mbar * v, (n_post, 1))])
    a = np.vstack([atilde - a_ub, -atilde - a_ub])
    a = a[np.sum(a * a, axis=1) > 1e-10]
    return np.delete(a, n_pre, axis=1)


def sd_matrix(n_pre: int, n_post: int) -> np.ndarray:
    """Return ``A`` of ``Delta^SD(M) = {A delta <= M}`` (R's ``.create_A_SD``).

    The second differences of ``delta`` (``delta_0 = 0``), stacked with their negatives.
    """
    n = n_pre + n_post
    atilde = np.zeros((n - 1, n + 1))
    for r in range(n - 1):
        atilde[r, r : r + 3] = (1.0, -2.0, 1.0)
    atilde = np.delete(atilde, n_pre, axis=1)
    return np.vstack([atilde, -atilde])


def _lp_bounds(
    betahat: np.ndarray, n_pre: int, l_vec: np.ndarray, a: np.ndarray, d: np.ndarray
) -> tuple[float, float] | None:
    """Return the range of ``l_vec' (beta_post - delta_post)`` over the restriction.

    ``A delta <= d`` with ``delta_pre = beta_pre`` (R's ``.compute_IDset_*`` linear
    programmes); ``None`` when infeasible.
    """
    n = betahat.size
    f = np.concatenate([np.zeros(n_pre), l_vec])
    a_eq = np.hstack([np.eye(n_pre), np.zeros((n_pre, n - n_pre))])
    kw = dict(A_ub=a, b_ub=d, A_eq=a_eq, b_eq=betahat[:n_pre], bounds=(None, None),
              method="highs")
    hi = optimize.linprog(-f, **kw)
    lo = optimize.linprog(f, **kw)
    if hi.status != 0 and lo.status != 0:
        return None
    theta = float(l_vec @ betahat[n_pre:])
    lb = theta + hi.fun if hi.status == 0 else -np.inf  # theta - max l'delta
    ub = theta - lo.fun if lo.status == 0 else np.inf  # theta - min l'delta
    return lb, ub


def rm_identified_set(
    betahat: np.ndarray, n_pre: int, n_post: int, l_vec: np.ndarray, mbar: float
) -> tuple[float, float]:
    """Return the identified set of ``l_vec' tau_post`` under ``Delta^RM(Mbar)``.

    At ``beta = betahat``: the union over the period ``s`` and sign of the largest
    pre-period change of the sets of each polyhedron (R's ``.compute_IDset_DeltaRM``); a
    polyhedron that the pre-period coefficients contradict contributes the point
    ``l_vec' betahat_post``, as in R.
    """
    theta = float(l_vec @ betahat[n_pre:])
    lb, ub = np.inf, -np.inf
    for s in range(-(n_pre - 1), 1):
        for max_positive in (True, False):
            a = _rm_matrix(n_pre, n_post, mbar, s, max_positive)
            b = _lp_bounds(betahat, n_pre, l_vec, a, np.zeros(a.shape[0]))
            lo_s, hi_s = (theta, theta) if b is None else b
            lb, ub = min(lb, lo_s), max(ub, hi_s)
    return lb, ub


def sd_identified_set(
    betahat: np.ndarray, n_pre: int, n_post: int, l_vec: np.ndarray, m_bound: float
) -> tuple[float, float]:
    """Return the identified set of ``l_vec' tau_post`` under ``Delta^SD(M)``.

    At ``beta = betahat`` (R's ``.compute_IDset_DeltaSD``); the point ``l_vec' betahat_post``
    when the pre-period coefficients contradict the restriction.
    """
    a = sd_matrix(n_pre, n_post)
    b = _lp_bounds(betahat, n_pre, l_vec, a, np.full(a.shape[0], float(m_bound)))
    theta = float(l_vec @ betahat[n_pre:])
    return (theta, theta) if b is None else b


def _construct_gamma(l_vec: np.ndarray) -> np.ndarray:
    """Invertible matrix with first row ``l_vec'`` (R's ``.construct_Gamma``).

    The other rows are the unit vectors that R's reduced-row-echelon pivots pick: each ``e_j``
    in turn that is not in the span of ``l_vec`` and the ones already taken.
    """
    rows = [np.asarray(l_vec, dtype=float)]
    for j in range(l_vec.size):
        e = np.zeros(l_vec.size)
        e[j] = 1.0
        if np.linalg.matrix_rank(np.vstack([*rows, e])) > len(rows):
            rows.append(e)
    return np.vstack(rows)


def _psd_sqrt(s: np.ndarray) -> np.ndarray:
    vals, vecs = np.linalg.eigh((s + s.T) / 2)
    return (vecs * np.sqrt(np.clip(vals, 0.0, None))) @ vecs.T


def _dual_vertices(w: np.ndarray) -> np.ndarray:
    """Vertices of ``{g >= 0 : w' g = e_1}`` for ``w`` (m, k), one per row (may be empty).

    They are the basic feasible solutions: ``r`` rows ``B`` (``r`` the rank of ``w``) with
    ``w_B`` invertible and ``g_B = w_B'^{-1} e_1 >= 0``.
    """
    m, k = w.shape
    rhs = np.zeros(k)
    rhs[0] = 1.0
    # scale each equation, then keep r independent combinations of them
    eq = w.T / np.maximum(np.abs(w.T).max(axis=1, keepdims=True), 1e-300)
    rhs = rhs / np.maximum(np.abs(w.T).max(axis=1), 1e-300)
    u, sv, vt = np.linalg.svd(eq, full_matrices=False)
    r = int(np.sum(sv > sv[0] * 1e-10)) if sv.size else 0
    if r == 0:
        return np.zeros((0, m))
    resid = rhs - u[:, :r] @ (u[:, :r].T @ rhs)
    if np.linalg.norm(resid) > 1e-9 * max(np.linalg.norm(rhs), 1.0):
        return np.zeros((0, m))  # no g solves the equations: eta is unbounded below
    eq_r = sv[:r, None] * vt[:r]
    rhs_r = u[:, :r].T @ rhs
    n_bases = math.comb(m, r)
    if n_bases > MAX_BASES:
        raise ValueError(
            f"too many post periods for the relative-magnitude confidence set ({n_bases:,} "
            "candidate bases); combine post periods or use method='smoothness'"
        )
    combos = np.array(list(itertools.combinations(range(m), r)), dtype=np.intp)
    mats = eq_r[:, combos].transpose(1, 0, 2)  # (n_bases, r, r)
    ok = np.linalg.cond(mats) < 1e10
    if not ok.any():
        return np.zeros((0, m))
    sol = np.linalg.solve(mats[ok], np.broadcast_to(rhs_r, (int(ok.sum()), r))[..., None])[..., 0]
    feas = np.all(sol >= -1e-10, axis=1)
    g = np.zeros((int(feas.sum()), m))
    np.put_along_axis(g, combos[ok][feas], np.clip(sol[feas], 0.0, None), axis=1)
    if g.shape[0] == 0:
        return g
    scale = np.abs(g).max()
    _, first = np.unique(np.round(g / scale, 10), axis=0, return_index=True)
    return g[np.sort(first)]


@dataclass
class _ArpProblem:
    """The moment inequalities ``E[y0 - a1 theta - X nu] <= 0`` of one ``(Mbar, s, sign)``."""

    y0: np.ndarray  # (m,) A betahat - d on the moments used
    a1: np.ndarray  # (m,) coefficient of theta
    sigma_y: np.ndarray  # (m, m) covariance of y0
    vertices: np.ndarray  # (nv, m) vertices of the dual feasible set
    lf_cv: float  # least-favourable critical value of eta
    truncate_at_lf: bool  # R truncates vup at lf_cv only with nuisance parameters

    def accept(self, thetas: np.ndarray, alpha: float, kappa: float) -> np.ndarray:
        """Whether the hybrid test accepts each ``theta`` (R's ``.lp_conditional_test_fn``)."""
        thetas = np.atleast_1d(np.asarray(thetas, dtype=float))
        if self.vertices.shape[0] == 0:  # the LP is unbounded: R does not reject
            return np.ones(thetas.size, dtype=bool)
        v = self.vertices
        y = self.y0[None, :] - thetas[:, None] * self.a1[None, :]  # (n, m)
        vals = y @ v.T  # (n, nv)
        j = np.argmax(vals, axis=1)
        rows = np.arange(thetas.size)
        eta = vals[rows, j]
        g = v[j]  # optimal dual vertex (n, m)
        sg = g @ self.sigma_y
        s2 = np.sum(sg * g, axis=1)
        reject = eta > self.lf_cv  # first stage of the least-favourable hybrid
        degenerate = s2 < np.finfo(float).eps * max(float(np.max(np.diag(self.sigma_y))), 1e-300)
        reject |= degenerate & (eta > 0)  # R: zero variance -> reject iff eta > 0
        todo = ~reject & ~degenerate
        if todo.any():
            s2t = s2[todo]
            b = sg[todo] / s2t[:, None]
            s_t = y[todo] - b * eta[todo][:, None]
            num = s_t @ v.T
            den = 1.0 - b @ v.T
            tol = 1e-10
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = num / den
            vlo = np.max(np.where(den > tol, ratio, -np.inf), axis=1)
            vup = np.min(np.where(den < -tol, ratio, np.inf), axis=1)
            if self.truncate_at_lf:
                vup = np.minimum(vup, self.lf_cv)
            sd_b = np.sqrt(s2t)
            stat = eta[todo] / sd_b
            zlo, zup = vlo / sd_b, vup / sd_b
            inside = (zlo <= stat) & (stat <= zup)
            p = 1.0 - (alpha - kappa) / (1.0 - kappa)
            # R rejects when stat exceeds max(0, q), q the truncated normal's p-quantile
            # (lo when the interval is a point): stat > q is the same as its cdf > p.
            above = np.zeros(stat.size, dtype=bool)
            if inside.any():
                lo, hi, at = zlo[inside], zup[inside], stat[inside]
                wide = hi - lo > 1e-12
                above[inside] = np.where(
                    wide, truncated_normal_exceeds(at, np.where(wide, lo, -1.0),
                                                   np.where(wide, hi, 1.0), p), at > lo)
            reject[todo] = inside & (stat > 0.0) & above
        return ~reject


def truncated_normal_exceeds(x: np.ndarray, lo: np.ndarray, hi: np.ndarray, p: float
                             ) -> np.ndarray:
    """Whether ``x`` lies above the ``p``-quantile of the standard normal truncated to ``[lo, hi]``.

    The same answer as ``x > scipy.stats.truncnorm.ppf(p, lo, hi)`` for ``lo <= x <= hi``,
    as the truncated distribution function at ``x`` exceeding ``p``. It is computed from
    ``log_ndtr`` in the tail the interval lies in, so intervals far out in either tail keep
    their precision (scipy's ``truncnorm`` works in logs for the same reason). Written out
    because the robust sets' refinements ask this of a few points at a time, hundreds of
    times an outcome, and ``truncnorm.ppf``'s argument handling took a second of each estimate
    step (tested against ``truncnorm``).
    """
    x, lo, hi = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (x, lo, hi)))
    right = lo > 0  # mirror an interval in the right tail into the left one
    a, b, z = np.where(right, -hi, lo), np.where(right, -lo, hi), np.where(right, -x, x)
    log_a, log_b, log_z = special.log_ndtr(a), special.log_ndtr(b), special.log_ndtr(z)
    # P(Z <= z | a <= Z <= b) = (Phi(z) - Phi(a)) / (Phi(b) - Phi(a)), divided through by Phi(b)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = (np.exp(log_z - log_b) - np.exp(log_a - log_b)) / -np.expm1(log_a - log_b)
    return np.where(right, share < 1.0 - p, share > p)


def _lf_critical_value(
    vertices: np.ndarray,
    sigma_y: np.ndarray,
    kappa: float,
    sims: int,
    seed: int,
    normal_draws: NormalDraws | None,
) -> float:
    """``1 - kappa`` quantile of ``eta`` at ``E[y] = 0`` (R's ``.compute_least_favorable_cv``).

    By default the draws are ``xi = Z S^(1/2)``, ``Z`` standard normal from numpy's generator
    seeded with ``seed`` and ``S^(1/2)`` the symmetric square root (as ``mvtnorm::rmvnorm``'s
    default).
    """
    if vertices.shape[0] == 0:
        return np.inf
    if normal_draws is None:
        z = np.random.default_rng(seed).standard_normal((sims, sigma_y.shape[0]))
        xi = z @ _psd_sqrt(sigma_y)
    else:
        xi = np.asarray(normal_draws(sims, sigma_y), dtype=float)
    eta = np.empty(sims)
    chunk = max(1, 2_000_000 // max(vertices.shape[0], 1))
    for start in range(0, sims, chunk):
        eta[start : start + chunk] = (xi[start : start + chunk] @ vertices.T).max(axis=1)
    return float(np.quantile(eta, 1 - kappa))


def _rm_problems(
    betahat: np.ndarray,
    sigma: np.ndarray,
    n_pre: int,
    n_post: int,
    l_vec: np.ndarray,
    mbar: float,
    kappa: float,
    lf_sims: int,
    seed: int,
    normal_draws: NormalDraws | None = None,
) -> list[_ArpProblem]:
    """One ARP problem for each period ``s`` and sign of the largest pre-period change."""
    gamma_inv = np.linalg.inv(_construct_gamma(l_vec))
    out = []
    for s in range(-(n_pre - 1), 1):
        for max_positive in (True, False):
            a = _rm_matrix(n_pre, n_post, mbar, s, max_positive)
            a = a[np.any(a[:, n_pre:] != 0, axis=1)]  # postPeriodMomentsOnly
            y0 = a @ betahat
            sigma_y = a @ sigma @ a.T
            sd = np.sqrt(np.clip(np.diag(sigma_y), 0.0, None))
            ag = a[:, n_pre:] @ gamma_inv
            w = np.column_stack([sd, ag[:, 1:]])
            vertices = _dual_vertices(w)
            lf_cv = _lf_critical_value(
                vertices, sigma_y, kappa, lf_sims, seed, normal_draws
            )
            out.append(
                _ArpProblem(y0, ag[:, 0], sigma_y, vertices, lf_cv, truncate_at_lf=n_post > 1)
            )
    return out


@dataclass(frozen=True)
class RobustSet:
    """A robust confidence set ``[lb, ub]`` with how it was found."""

    lb: float
    ub: float
    id_lb: float  # identified set at beta = betahat
    id_ub: float
    grid_lb: float
    grid_ub: float
    grid_points: int
    notes: tuple[str, ...] = field(default=())

    def excludes_zero(self) -> bool:
        """Whether the set lies wholly on one side of zero (NaN bounds: False)."""
        return bool(self.lb > 0 or self.ub < 0)


def rm_confidence_set(
    betahat: np.ndarray,
    sigma: np.ndarray,
    n_pre: int,
    n_post: int,
    l_vec: np.ndarray,
    mbar: float,
    alpha: float = 0.05,
    *,
    grid_lb: float | None = None,
    grid_ub: float | None = None,
    grid_points: int = 1000,
    refine: bool = True,
    lf_sims: int = 10_000,
    seed: int = 0,
    normal_draws: NormalDraws | None = None,
) -> RobustSet:
    """C-LF confidence set for ``l_vec' tau_post`` under ``Delta^RM(Mbar)``.

    Parameters
    ----------
    betahat, sigma : ndarray
        Event-study coefficients (pre then post, reference dropped) and their covariance.
    n_pre, n_post : int
        Numbers of pre- and post-period coefficients.
    l_vec : ndarray
        Weights of the target on the post-period effects.
    mbar : float
        The bound: post-period changes in the trend difference at most ``mbar`` times the
        largest pre-period one.
    alpha : float, default 0.05
        The set has level ``1 - alpha``; the first stage of the hybrid has size
        ``kappa = alpha / 10`` (R's default).
    grid_lb, grid_ub : float, optional
        Ends of the test grid; default the identified set at ``beta = betahat`` widened by
        20 standard errors of ``l_vec' betahat_post`` on each side, the grid of the R output
        in HonestDiD's README (HonestDiD 0.2.8's code centres ``+-20`` standard errors on
        zero instead).
    grid_points : int, default 1000
        Points of the test grid (R's ``gridPoints``).
    refine : bool, default True
        Refine each end between the grid points (:func:`_refine_edge`); ``False`` reports
        the smallest and largest accepted grid point, as R does.
    lf_sims : int, default 10000
        Draws for the least-favourable critical value.
    seed : int, default 0
        Seed of those draws.
    normal_draws : callable, optional
        ``normal_draws(n, sigma)`` returns ``n`` draws (rows) from ``N(0, sigma)`` for the
        least-favourable critical value, in place of numpy's; it is called afresh for every
        ``s`` and sign (R re-seeds each time). The tests pass R's generator
        (``set.seed(0); mvtnorm::rmvnorm``) to reproduce R's output exactly.

    Returns
    -------
    RobustSet
        NaN bounds when no point of the grid is accepted (the restriction is rejected).

    """
    kappa = alpha / 10
    problems = _rm_problems(
        betahat, sigma, n_pre, n_post, l_vec, mbar, kappa, lf_sims, seed, normal_draws
    )
    post = slice(n_pre, None)
    sd_theta = float(math.sqrt(max(l_vec @ sigma[post, post] @ l_vec, 0.0)))
    if not sd_theta > 0:
        raise ValueError("the target l_vec' betahat_post has no sampling variance")
    id_lb, id_ub = rm_identified_set(betahat, n_pre, n_post, l_vec, mbar)
    lo = (id_lb if np.isfinite(id_lb) else 0.0) - 20 * sd_theta
    hi = (id_ub if np.isfinite(id_ub) else 0.0) + 20 * sd_theta
    lo = lo if grid_lb is None else float(grid_lb)
    hi = hi if grid_ub is None else float(grid_ub)
    if not hi > lo:
        raise ValueError(f"grid_ub must exceed grid_lb, got [{lo}, {hi}]")

    def accept(thetas: np.ndarray) -> np.ndarray:
        acc = np.zeros(np.size(thetas), dtype=bool)
        for p in problems:
            acc |= p.accept(thetas, alpha, kappa)
        return acc

    grid = np.linspace(lo, hi, grid_points)
    acc = accept(grid)
    notes: list[str] = []
    if not acc.any():
        notes.append(
            f"no value on the grid [{lo:.6g}, {hi:.6g}] is accepted: the data reject "
            f"Delta^RM(Mbar={mbar:g}) at level {alpha:g}"
        )
        return RobustSet(np.nan, np.nan, id_lb, id_ub, lo, hi, grid_points, tuple(notes))
    step = (hi - lo) / max(grid_points - 1, 1)
    idx = np.flatnonzero(acc)
    ends = []
    for side, i, direction in (("lower", idx[0], -1.0), ("upper", idx[-1], 1.0)):
        j = i + int(direction)
        if 0 <= j < grid_points:
            ends.append((float(grid[i]), float(grid[j])))
            continue
        # the set reaches the grid's end (R warns the CI is open there): widen the grid
        end, outside = _extend(accept, float(grid[i]), direction, step, grid_points)
        if outside is None:
            notes.append(f"the set is open at its {side} end (grid widened "
                         f"{MAX_GRID_EXTENSIONS} times)")
            end = direction * np.inf
        ends.append((end, outside))
    (lb, lb_out), (ub, ub_out) = ends
    if refine:
        tol = REFINE_RTOL * step
        if lb_out is not None and np.isfinite(lb):
            lb = _refine_edge(accept, float(lb_out), lb, tol)
        if ub_out is not None and np.isfinite(ub):
            ub = _refine_edge(accept, float(ub_out), ub, tol)
    return RobustSet(lb, ub, id_lb, id_ub, lo, hi, grid_points, tuple(notes))


def _extend(
    accept, edge: float, direction: float, step: float, n: int
) -> tuple[float, float | None]:
    """Test ``n`` more grid points beyond ``edge``, repeatedly while the last is accepted.

    Returns the farthest accepted point and the first rejected point beyond it (``None`` when
    the set is still open after :data:`MAX_GRID_EXTENSIONS` widenings).
    """
    for _ in range(MAX_GRID_EXTENSIONS):
        ext = edge + direction * step * np.arange(1, n + 1)
        a = accept(ext)
        if a[-1]:
            edge = float(ext[-1])
            continue
        k = np.flatnonzero(a)
        if k.size == 0:
            return edge, float(ext[0])
        return float(ext[k[-1]]), float(ext[k[-1] + 1])
    return edge, None


def _refine_edge(accept, rejected: float, accepted: float, tol: float) -> float:
    """Narrow the gap between an accepted and a rejected point to ``tol``; return its end.

    Each round tests :data:`REFINE_POINTS` evenly spaced points between them in one call
    (the test is vectorised over its points, and a call costs about the same for one
    point or for twenty), then keeps the last point accepted before the first rejected
    one, walking from the accepted end: some three rounds where bisection takes fourteen
    calls, with the same bound to within ``tol``.
    """
    while abs(accepted - rejected) > tol:
        points = np.linspace(accepted, rejected, REFINE_POINTS + 2)[1:-1]
        refused = np.flatnonzero(~accept(points))
        if refused.size == 0:
            accepted = float(points[-1])
            continue
        rejected = float(points[refused[0]])
        if refused[0] > 0:
            accepted = float(points[refused[0] - 1])
    return accepted
