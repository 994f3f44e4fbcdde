"""Absorbing fixed effects: the within transformation.

This module removes (absorbs) one or more sets of fixed effects from the columns of a
design matrix by weighted demeaning, so that a regression on the transformed columns gives
the same slope coefficients as a regression with one dummy per fixed-effect level
(Frisch-Waugh-Lovell). It also finds singleton observations and describes each factor
(number of levels, nesting in a cluster variable), which the variance estimators in
:mod:`wellby.estimators.covariance` need for their degrees-of-freedom conventions.

Factors are passed as dense integer codes ``0 .. L-1`` (as returned by
:func:`pandas.factorize` or :func:`compress_codes`); every group operation is a
:func:`numpy.bincount`, so no Python loop ever runs over groups or rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse

__all__ = [
    "DIRECT_MAX_LEVELS",
    "ConvergenceError",
    "FactorInfo",
    "compress_codes",
    "demean",
    "describe_factors",
    "is_nested",
    "singleton_mask",
]

FactorCodes = npt.NDArray[np.integer]


# Factors other than the largest are solved for directly when their levels number at most
# this many (a dense Gram matrix of that size is cheap); otherwise all factors are swept.
DIRECT_MAX_LEVELS = 400
# Counts of the small factors' dummies per big level are a dense array up to this many
# cells beyond four per row, else a sparse matrix.
_DENSE_COUNT_CELLS = 1_000_000


class ConvergenceError(RuntimeError):
    """Raised when alternating projections do not converge within ``maxiter`` sweeps."""


@dataclass(frozen=True)
class FactorInfo:
    """Summary of one absorbed factor.

    Attributes
    ----------
    name : str
        Name of the factor (usually the data column).
    n_levels : int
        Number of distinct levels in the estimation sample.
    nested_in_cluster : bool or None
        Whether every level of the factor lies inside a single cluster; ``None`` when no
        cluster variable was given.

    """

    name: str
    n_levels: int
    nested_in_cluster: bool | None


def _as_factor_list(factors: Sequence[FactorCodes] | FactorCodes, n: int) -> list[np.ndarray]:
    """Return factors as a list of 1-D ``intp`` arrays of length ``n``, validated."""
    if isinstance(factors, np.ndarray):
        if factors.ndim == 1:
            factors = [factors]
        elif factors.ndim == 2:
            factors = [factors[:, j] for j in range(factors.shape[1])]
        else:
            raise ValueError("factors must be a 1-D or 2-D integer array or a list of arrays")
    out = []
    for i, codes in enumerate(factors):
        codes = np.asarray(codes)
        if codes.ndim != 1 or codes.shape[0] != n:
            raise ValueError(f"factor {i} must be a 1-D array of length {n}")
        if not np.issubdtype(codes.dtype, np.integer):
            raise ValueError(f"factor {i} must hold integer codes, got dtype {codes.dtype}")
        if n and codes.min() < 0:
            raise ValueError(f"factor {i} has negative codes (missing values?)")
        out.append(codes.astype(np.intp, copy=False))
    return out


def _n_rows(factors: Sequence[FactorCodes] | FactorCodes) -> int:
    """Return the number of rows implied by the first factor (0 when there is none)."""
    if isinstance(factors, np.ndarray):
        return int(factors.shape[0])
    return len(factors[0]) if len(factors) else 0


def compress_codes(codes: FactorCodes) -> tuple[np.ndarray, int]:
    """Renumber integer codes densely as ``0 .. L-1``, keeping their order.

    Parameters
    ----------
    codes : ndarray of int
        Non-negative integer codes, possibly with unused values (e.g. after rows were
        dropped).

    Returns
    -------
    codes : ndarray of intp
        Dense codes.
    n_levels : int
        Number of distinct codes present.

    """
    codes = np.asarray(codes, dtype=np.intp)
    if codes.size == 0:
        return codes, 0
    present = np.bincount(codes) > 0
    mapping = np.cumsum(present) - 1
    return mapping[codes], int(present.sum())


def singleton_mask(factors: Sequence[FactorCodes] | FactorCodes) -> np.ndarray:
    """Flag observations that are singletons in any factor, iterating to a fixed point.

    An observation is a singleton when it is the only observation of its level of some
    factor. Dropping singletons can create new ones in another factor, so the check is
    repeated until nothing changes (the algorithm of Correia 2015, used by reghdfe and,
    by default, by pyfixest's ``fixef_rm="singleton"``).

    Parameters
    ----------
    factors : sequence of ndarray of int, or 2-D ndarray
        Dense integer codes, one array per factor.

    Returns
    -------
    ndarray of bool
        ``True`` for rows to drop.

    Notes
    -----
    Singleton observations are fitted perfectly by their own fixed effect: dropping them
    leaves every coefficient unchanged but lowers ``N`` and the number of fixed-effect
    levels, which changes standard errors slightly.

    """
    facs = _as_factor_list(factors, _n_rows(factors))
    n = facs[0].shape[0] if facs else 0
    sizes = [int(codes.max()) + 1 if codes.size else 0 for codes in facs]
    keep = np.ones(n, dtype=bool)
    changed = True
    while changed:
        changed = False
        for codes, size in zip(facs, sizes, strict=True):
            counts = np.bincount(codes[keep], minlength=size)
            single = keep & (counts[codes] == 1)
            if single.any():
                keep &= ~single
                changed = True
    return ~keep


def is_nested(codes: FactorCodes, clusters: FactorCodes) -> bool:
    """Tell whether every level of a factor lies within a single cluster.

    Parameters
    ----------
    codes : ndarray of int
        Dense codes of the factor.
    clusters : ndarray of int
        Integer codes of the cluster variable, same length.

    Returns
    -------
    bool

    """
    codes = np.asarray(codes, dtype=np.intp)
    clusters = np.asarray(clusters)
    if codes.size == 0:
        return True
    first = np.empty(int(codes.max()) + 1, dtype=clusters.dtype)
    first[codes] = clusters  # one (arbitrary) cluster per level
    return bool(np.array_equal(first[codes], clusters))


def describe_factors(
    factors: Sequence[FactorCodes] | FactorCodes,
    names: Sequence[str],
    clusters: FactorCodes | None = None,
) -> tuple[FactorInfo, ...]:
    """Report, for each factor, its number of levels and whether it nests in the clusters.

    Parameters
    ----------
    factors : sequence of ndarray of int, or 2-D ndarray
        Dense integer codes, one array per factor.
    names : sequence of str
        One name per factor.
    clusters : ndarray of int, optional
        Cluster codes. When omitted, ``nested_in_cluster`` is ``None``.

    Returns
    -------
    tuple of FactorInfo

    """
    facs = _as_factor_list(factors, _n_rows(factors))
    if len(names) != len(facs):
        raise ValueError(f"got {len(facs)} factors but {len(names)} names")
    out = []
    for name, codes in zip(names, facs, strict=True):
        n_levels = int(np.count_nonzero(np.bincount(codes))) if codes.size else 0
        nested = None if clusters is None else is_nested(codes, clusters)
        out.append(FactorInfo(name=str(name), n_levels=n_levels, nested_in_cluster=nested))
    return tuple(out)


def demean(
    x: npt.ArrayLike,
    factors: Sequence[FactorCodes] | FactorCodes,
    weights: npt.ArrayLike | None = None,
    *,
    tol: float = 1e-10,
    maxiter: int = 10_000,
    copy: bool = True,
) -> np.ndarray:
    """Subtract weighted fixed-effect means from columns (the within transformation).

    Parameters
    ----------
    x : array_like, shape (n,) or (n, p)
        Columns to transform; converted to float64 (the input is not modified).
    factors : sequence of ndarray of int, or 2-D ndarray
        Dense integer codes (``0 .. L-1``), one array of length ``n`` per factor. An empty
        sequence returns ``x`` unchanged (as a copy).
    weights : array_like, shape (n,), optional
        Positive weights; weighted group means are removed. Default: equal weights.
    tol : float, default 1e-10
        Convergence tolerance: iteration stops once, for every column, the largest
        correction made in a full sweep over the factors is at most
        ``tol * (1 + max|x_j|)``.
    maxiter : int, default 10000
        Maximum number of sweeps before :class:`ConvergenceError` is raised.
    copy : bool, default True
        False transforms ``x`` itself when it is already a float64 column-major array
        (a design matrix of the caller's own), sparing a copy of millions of rows.

    Returns
    -------
    ndarray
        The transformed columns, same shape as ``x``.

    Raises
    ------
    ConvergenceError
        If more than one factor is given and the projections have not converged after
        ``maxiter`` sweeps.

    Notes
    -----
    With one factor the transformation is exact in a single pass: ``x - mean_g(x)``. With
    several factors it uses the method of alternating projections (Guimaraes and
    Portugal 2010; Gaure 2013): project out each factor's group means in turn and repeat
    the sweep until the corrections vanish. The fixed point is the residual of ``x`` on
    all the factors' dummies jointly. Each projection is two :func:`numpy.bincount` calls
    and one gather, so a sweep costs ``O(n)`` per factor and column. Columns that have
    converged are not swept again.

    """
    arr = np.asarray(x, dtype=np.float64)
    one_d = arr.ndim == 1
    out = np.array(arr.reshape(-1, 1) if one_d else arr, dtype=np.float64, order="F",
                   copy=True if copy else None)
    if out.ndim != 2:
        raise ValueError("x must be 1-D or 2-D")
    n, p = out.shape
    facs = _as_factor_list(factors, n) if len(factors) else []
    if not facs or n == 0:
        return out[:, 0] if one_d else out
    if weights is None:
        w = None
    else:
        w = np.asarray(weights, dtype=np.float64).reshape(-1)
        if w.shape[0] != n:
            raise ValueError(f"weights must have length {n}")
    if maxiter < 1:
        raise ValueError("maxiter must be at least 1")

    group_w = []
    for codes in facs:
        gw = np.bincount(codes, weights=w).astype(np.float64)
        gw[gw == 0] = 1.0  # unused levels: sums are zero anyway
        group_w.append(gw)

    def project(col: np.ndarray, codes: np.ndarray, gw: np.ndarray) -> float:
        sums = np.bincount(codes, weights=col if w is None else col * w, minlength=gw.size)
        means = sums / gw
        col -= means[codes]
        return float(np.max(np.abs(means)))

    if len(facs) == 1:
        for j in range(p):
            project(out[:, j], facs[0], group_w[0])
        return out[:, 0] if one_d else out

    big = int(np.argmax([gw.size for gw in group_w]))
    small = [codes for i, codes in enumerate(facs) if i != big]
    if sum(int(codes.max()) + 1 for codes in small) <= DIRECT_MAX_LEVELS:
        for j in range(p):
            project(out[:, j], facs[big], group_w[big])
        _project_out_small_factors(out, facs[big], group_w[big], small, w)
        return out[:, 0] if one_d else out

    scale = 1.0 + np.max(np.abs(out), axis=0)
    for j in range(p):
        col = out[:, j]
        thresh = tol * scale[j]
        for _ in range(maxiter):
            change = 0.0
            for codes, gw in zip(facs, group_w, strict=True):
                change = max(change, project(col, codes, gw))
            if change <= thresh:
                break
        else:
            raise ConvergenceError(
                f"alternating projections did not converge in {maxiter} sweeps "
                f"(column {j}, last correction {change:.3g} > {thresh:.3g}); the fixed "
                "effects may be weakly connected, raise maxiter or loosen tol"
            )
    return out[:, 0] if one_d else out


def _counts_by_big_level(
    big: np.ndarray, n_big: int, dummy: np.ndarray, n_dummies: int,
    weights: np.ndarray | None,
):
    """Weighted count of each dummy in each big level, ``C`` (dense when small, else sparse)."""
    if n_big * n_dummies <= 4 * big.size + _DENSE_COUNT_CELLS:
        flat = np.bincount(big * n_dummies + dummy, weights=weights, minlength=n_big * n_dummies)
        return flat.reshape(n_big, n_dummies).astype(float, copy=False)
    data = np.ones(big.size) if weights is None else weights
    return sparse.csr_array((data, (big, dummy)), shape=(n_big, n_dummies))


def _weighted_gram(counts: sparse.csr_array, scale: np.ndarray, n_columns: int
                   ) -> np.ndarray:
    """``C' diag(scale) C`` for a sparse ``C`` whose rows hold a few entries each.

    SciPy's sparse product took 0.15 s for a million rows of a few dozen columns (a
    subgroup model's persons by wave-by-level cells); here each row's pairs of entries
    are summed by :func:`numpy.bincount`, one pass over the entries per distance between
    the two entries of a pair within the row (at most the largest row's length).
    """
    lengths = np.diff(counts.indptr)
    columns, values = counts.indices.astype(np.int64), counts.data
    row = np.repeat(np.arange(lengths.size), lengths)
    weight = values * scale[row]
    size = n_columns * n_columns
    gram = np.bincount(columns * (n_columns + 1), weights=weight * values, minlength=size)
    for distance in range(1, int(lengths.max(initial=0))):
        first = np.flatnonzero(row[:-distance] == row[distance:])
        second = first + distance
        pair = weight[first] * values[second]
        gram += np.bincount(columns[first] * n_columns + columns[second], weights=pair,
                            minlength=size)
        gram += np.bincount(columns[second] * n_columns + columns[first], weights=pair,
                            minlength=size)
    return gram.reshape(n_columns, n_columns)


def _project_out_small_factors(
    out: np.ndarray,
    big: np.ndarray,
    big_weight: np.ndarray,
    small: list[np.ndarray],
    w: np.ndarray | None,
) -> None:
    """Residualise columns already demeaned within ``big`` on the small factors' dummies.

    By Frisch-Waugh-Lovell, the residual of ``x`` on all factors is ``x~ - D~ b`` with
    ``x~`` and ``D~`` (the small factors' dummies) demeaned within the big factor and ``b``
    solving ``D~'W D~ b = D~'W x~``. No ``n x L`` matrix is formed: ``D~'W D~ = E'WE -
    C' diag(1/W_g) C`` with ``E`` the dummies and ``C`` their weighted counts per big level,
    ``D~'W x~ = E'W x~`` because ``x~`` sums to zero within big levels, and ``D~ b =
    E b - (C b / W_g)[big]``. The system is solved by a pseudo-inverse: the dummies are
    collinear with the big factor (and each other), and every solution gives the same
    residual. Cost: a few passes over the rows per column, against some ten sweeps of
    alternating projections over every factor on an unbalanced panel.
    """
    n_levels = [int(codes.max()) + 1 for codes in small]
    offsets = np.cumsum([0] + n_levels)
    n_dummies = int(offsets[-1])
    # (few passes, few temporaries: each fresh array of a large panel costs page faults)
    dummy = [codes if off == 0 else codes + off for codes, off in zip(small, offsets,
                                                                      strict=False)]
    cross = np.zeros((n_dummies, n_dummies))  # E'WE: a cross-tabulation of the small factors
    for a, codes_a in enumerate(small):
        for b, codes_b in enumerate(small):
            if a == b:
                block = np.diag(np.bincount(codes_a, weights=w, minlength=n_levels[a]))
            else:
                block = np.bincount(codes_a * n_levels[b] + codes_b, weights=w,
                                    minlength=n_levels[a] * n_levels[b]).reshape(
                                        n_levels[a], n_levels[b])
            cross[offsets[a]:offsets[a + 1], offsets[b]:offsets[b + 1]] = block
    counts = [_counts_by_big_level(big, big_weight.size, d, n_dummies, w) for d in dummy]
    by_big = sum(counts[1:], counts[0])  # C
    scaled = by_big / big_weight[:, None] if isinstance(by_big, np.ndarray) else (
        sparse.diags_array(1.0 / big_weight) @ by_big
    )
    if isinstance(by_big, np.ndarray):
        within = by_big.T @ scaled
    else:
        within = _weighted_gram(sparse.csr_array(by_big), 1.0 / big_weight, n_dummies)
    gram = cross - within
    values, vectors = np.linalg.eigh((gram + gram.T) / 2)
    keep = values > values.max() * 1e-10
    pinv = (vectors[:, keep] / values[keep]) @ vectors[:, keep].T
    for j in range(out.shape[1]):
        col = out[:, j]
        weighted = col if w is None else col * w
        rhs = sum(np.bincount(d, weights=weighted, minlength=n_dummies) for d in dummy)
        coef = pinv @ rhs
        for d in dummy:
            col -= coef[d]
        col += (scaled @ coef)[big]
