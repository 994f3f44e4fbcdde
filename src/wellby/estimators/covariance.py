"""Variance estimators for least squares after absorbing fixed effects.

Three estimators, each with the small-sample convention of R's fixest and Stata's reghdfe
as implemented by default in pyfixest (``ssc(k_adj=True, k_fixef="nonnested", G_adj=True,
G_df="min")``): ``classical`` (iid errors), ``hc1`` (heteroskedasticity-robust) and
``cluster`` (one-way cluster-robust, CRV1). Each returns a :class:`Covariance` holding
the matrix, the degrees of freedom for t-based inference and a one-line description of
the convention, meant to be printed next to the estimates.

The inputs are the regressors *after* the within transformation (see
:mod:`wellby.estimators.fixed_effects`) and the residuals of the weighted fit; the number of
absorbed
fixed-effect parameters enters only through ``K``, computed by :func:`fixef_dof`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

__all__ = [
    "VCOV_TYPES",
    "Covariance",
    "VcovType",
    "classical",
    "cluster",
    "block_diagonal",
    "compute",
    "fixef_dof",
    "hc1",
]

VcovType = Literal["cluster", "hc1", "classical"]
VCOV_TYPES: tuple[str, ...] = ("cluster", "hc1", "classical")


@dataclass(frozen=True, eq=False)
class Covariance:
    """A covariance matrix with the conventions used to compute it.

    Attributes
    ----------
    kind : {"classical", "hc1", "cluster"}
        The estimator.
    cov : ndarray, shape (k, k)
        Covariance matrix of the slope coefficients.
    n_obs : int
        ``N``, observations used.
    k : int
        ``K`` in the small-sample factor: slope coefficients plus the fixed-effect
        parameters counted under the convention (see :func:`fixef_dof`).
    df_resid : int
        Degrees of freedom of the t distribution used for inference: ``N - K`` for
        ``classical`` and ``hc1``, ``G - 1`` for ``cluster``.
    factor : float
        Small-sample multiplier, as pyfixest reports it (``_ssc``): ``(N-1)/(N-K)`` for
        ``classical`` (applied to ``RSS/(N-1)``), ``N/(N-K)`` for ``hc1`` and
        ``G/(G-1) (N-1)/(N-K)`` for ``cluster`` (applied to the plain sandwich).
    n_clusters : int or None
        ``G``, number of clusters (``None`` unless ``kind == "cluster"``).
    description : str
        One line stating the estimator and convention, for printed output.

    """

    kind: str
    cov: np.ndarray
    n_obs: int
    k: int
    df_resid: int
    factor: float
    n_clusters: int | None
    description: str

    @property
    def std_errors(self) -> np.ndarray:
        """Square roots of the diagonal of :attr:`cov`."""
        return np.sqrt(np.diag(self.cov))


def fixef_dof(n_levels: Sequence[int], nested: Sequence[bool] | None = None) -> int:
    """Count the fixed-effect parameters that enter ``K`` in the small-sample factor.

    Parameters
    ----------
    n_levels : sequence of int
        Number of levels of each absorbed factor (in the estimation sample).
    nested : sequence of bool, optional
        For clustered errors: whether each factor is nested in the cluster variable.
        Omit (or pass ``None``) to count every factor, as for ``classical`` and ``hc1``.

    Returns
    -------
    int

    Notes
    -----
    This is pyfixest's ``get_ssc`` with ``k_fixef="nonnested"`` (its default), following
    fixest (see fixest issue #554):

    * all fixed effects: ``sum(L_f) - (F - 1)`` for ``F`` factors with ``L_f`` levels, i.e.
      every factor after the first loses one level to the collinearity with the first;
    * clustered errors with some factors nested in the cluster: each nested factor's
      ``L_f`` levels are removed and one parameter is added back per nested factor,
      ``sum(L_f) - (F - 1) - sum_nested(L_f) + n_nested``.

    For a unit-by-period panel clustered on an area in which units are nested this gives
    ``K_fe = L_period``: the unit effects cost nothing, the period effects count in full.

    """
    levels = [int(v) for v in n_levels]
    n_fe = len(levels)
    if n_fe == 0:
        return 0
    k_fe = sum(levels) - (n_fe - 1)
    if nested is not None:
        flags = [bool(v) for v in nested]
        if len(flags) != n_fe:
            raise ValueError(f"got {n_fe} factors but {len(flags)} nesting flags")
        if any(flags):
            k_fe += -sum(lv for lv, f in zip(levels, flags, strict=True) if f) + sum(flags)
    return k_fe


def _prepare(
    x: npt.ArrayLike, resid: npt.ArrayLike, weights: npt.ArrayLike | None,
    gram: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray]:
    """Validate inputs and return x, residuals, weights and the bread ``(X'WX)^-1``.

    ``gram`` is ``X'WX`` when the caller has already formed it (the fit has): it is not
    formed again from the rows.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        x = x.reshape(-1, 1)
    resid = np.asarray(resid, dtype=np.float64).reshape(-1)
    if x.ndim != 2 or x.shape[0] != resid.shape[0]:
        raise ValueError("x must be (n, k) and resid (n,) with the same n")
    w = None
    if weights is not None:
        w = np.asarray(weights, dtype=np.float64).reshape(-1)
        if w.shape[0] != resid.shape[0]:
            raise ValueError("weights must have the same length as resid")
    if gram is None:
        xw = x if w is None else x * w[:, None]
        gram = xw.T @ x
    bread = np.linalg.inv(gram)
    return x, resid, w, bread


def _check_df(n: int, k: int) -> None:
    if n - k <= 0:
        raise ValueError(
            f"no residual degrees of freedom: N = {n} observations but K = {k} parameters"
        )


def classical(
    x: npt.ArrayLike,
    resid: npt.ArrayLike,
    weights: npt.ArrayLike | None = None,
    *,
    n_fe_params: int = 0,
    gram: np.ndarray | None = None,
) -> Covariance:
    """Classical (iid) covariance ``s^2 (X'WX)^-1`` with ``s^2 = sum(w u^2) / (N - K)``.

    Parameters
    ----------
    x : array_like, shape (n, k)
        Regressors after the within transformation.
    resid : array_like, shape (n,)
        Residuals (unweighted) of the fit.
    weights : array_like, shape (n,), optional
        Analytic weights used in the fit.
    n_fe_params : int, default 0
        Fixed-effect parameters counted in ``K`` (from :func:`fixef_dof` without nesting).
    gram : numpy.ndarray, optional
        ``X'WX``, when the caller has formed it already (it is not formed again).

    Returns
    -------
    Covariance

    Notes
    -----
    ``K = k + n_fe_params`` counts every absorbed fixed effect (nesting in a cluster is
    irrelevant without clustering). pyfixest computes the same thing as
    ``RSS / (N - 1)`` times its ssc factor ``(N - 1) / (N - K)``. Inference uses a t
    distribution with ``N - K`` degrees of freedom, as ``regress`` and ``reghdfe`` do.

    """
    x, resid, w, bread = _prepare(x, resid, weights, gram)
    n, k = x.shape[0], x.shape[1] + int(n_fe_params)
    rss = float(resid @ resid) if w is None else float((w * resid) @ resid)
    return _classical_result(rss, bread, n, k)


def _classical_result(rss: float, bread: np.ndarray, n: int, k: int) -> Covariance:
    """Return the classical covariance from the weighted residual sum of squares."""
    _check_df(n, k)
    sigma2 = rss / (n - k)
    desc = (
        f"classical (iid): s^2 (X'WX)^-1 with s^2 = RSS/(N-K), N={n}, K={k} "
        f"(regressors + all fixed effects), t with N-K={n - k} df"
    )
    return Covariance(
        kind="classical",
        cov=sigma2 * bread,
        n_obs=n,
        k=k,
        df_resid=n - k,
        factor=(n - 1) / (n - k),
        n_clusters=None,
        description=desc,
    )


def hc1(
    x: npt.ArrayLike,
    resid: npt.ArrayLike,
    weights: npt.ArrayLike | None = None,
    *,
    n_fe_params: int = 0,
    gram: np.ndarray | None = None,
) -> Covariance:
    """Heteroskedasticity-robust HC1 covariance ``N/(N-K) (X'WX)^-1 X'W u u'W X (X'WX)^-1``.

    Parameters
    ----------
    x : array_like, shape (n, k)
        Regressors after the within transformation.
    resid : array_like, shape (n,)
        Residuals (unweighted) of the fit.
    weights : array_like, shape (n,), optional
        Analytic weights used in the fit.
    n_fe_params : int, default 0
        Fixed-effect parameters counted in ``K`` (from :func:`fixef_dof` without nesting).
    gram : numpy.ndarray, optional
        ``X'WX``, when the caller has formed it already (it is not formed again).

    Returns
    -------
    Covariance

    Notes
    -----
    The White sandwich scaled by ``N / (N - K)`` with ``K`` counting every absorbed fixed
    effect; t inference with ``N - K`` degrees of freedom. This is Stata's
    ``vce(robust)`` and pyfixest's ``"hetero"``/``"HC1"`` (``get_ssc`` uses ``N/(N-K)``
    rather than ``(N-1)/(N-K)`` for this type, as fixest does).

    """
    x, resid, w, bread = _prepare(x, resid, weights, gram)
    n, k = x.shape[0], x.shape[1] + int(n_fe_params)
    scores = x * (resid if w is None else resid * w)[:, None]
    return _hc1_result(scores.T @ scores, bread, n, k)


def _hc1_result(meat: np.ndarray, bread: np.ndarray, n: int, k: int) -> Covariance:
    """Return the HC1 covariance from the meat ``sum_i w_i^2 u_i^2 x_i x_i'``."""
    _check_df(n, k)
    factor = n / (n - k)
    desc = (
        f"HC1 heteroskedasticity-robust: sandwich x N/(N-K), N={n}, K={k} "
        f"(regressors + all fixed effects), t with N-K={n - k} df"
    )
    return Covariance(
        kind="hc1",
        cov=factor * (bread @ meat @ bread),
        n_obs=n,
        k=k,
        df_resid=n - k,
        factor=factor,
        n_clusters=None,
        description=desc,
    )


def cluster(
    x: npt.ArrayLike,
    resid: npt.ArrayLike,
    clusters: npt.ArrayLike,
    weights: npt.ArrayLike | None = None,
    *,
    n_fe_params: int = 0,
    cluster_name: str | None = None,
    gram: np.ndarray | None = None,
) -> Covariance:
    """One-way cluster-robust CRV1 covariance with the fixest/reghdfe small-sample factor.

    Parameters
    ----------
    x : array_like, shape (n, k)
        Regressors after the within transformation.
    resid : array_like, shape (n,)
        Residuals (unweighted) of the fit.
    clusters : array_like of int, shape (n,)
        Non-negative integer cluster codes.
    weights : array_like, shape (n,), optional
        Analytic weights used in the fit.
    n_fe_params : int, default 0
        Fixed-effect parameters counted in ``K`` (from :func:`fixef_dof` *with* the
        nesting flags, so fixed effects nested in the clusters are not counted).
    cluster_name : str, optional
        Name of the cluster variable, for the description.
    gram : numpy.ndarray, optional
        ``X'WX``, when the caller has formed it already (it is not formed again).

    Returns
    -------
    Covariance

    Raises
    ------
    ValueError
        If there are fewer than two clusters.

    Notes
    -----
    ``V = G/(G-1) x (N-1)/(N-K) x (X'WX)^-1 (sum_g s_g s_g') (X'WX)^-1`` with
    ``s_g = sum_{i in g} w_i u_i x_i``, and t inference with ``G - 1`` degrees of freedom.
    This is pyfixest's default ``{"CRV1": cluster}`` (``ssc(k_adj=True,
    k_fixef="nonnested", G_adj=True, G_df="min")``), fixest's default and reghdfe's.
    Without fixed effects it is Stata's ``regress ..., vce(cluster g)``.

    """
    x, resid, w, bread = _prepare(x, resid, weights, gram)
    codes = np.asarray(clusters)
    if codes.shape != resid.shape or not np.issubdtype(codes.dtype, np.integer):
        raise ValueError("clusters must be integer codes with one entry per observation")
    counts = np.bincount(codes.astype(np.intp, copy=False))
    g = _cluster_count(counts, cluster_name)
    n, k = x.shape[0], x.shape[1] + int(n_fe_params)
    _check_df(n, k)  # before the sums, which are the costly part
    uw = resid if w is None else resid * w
    sums = np.column_stack(
        [np.bincount(codes, weights=x[:, j] * uw, minlength=counts.size) for j in range(x.shape[1])]
    )
    return _cluster_result(sums.T @ sums, bread, n, k, g, cluster_name)


def _cluster_count(counts: np.ndarray, cluster_name: str | None) -> int:
    """Count the clusters present (rows per cluster code given); at least two are needed."""
    g = int(np.count_nonzero(counts))
    label = f"'{cluster_name}'" if cluster_name else "the cluster variable"
    if g < 2:
        raise ValueError(f"clustered standard errors need at least 2 clusters; {label} has {g}")
    return g


def _cluster_result(meat: np.ndarray, bread: np.ndarray, n: int, k: int, g: int,
                    cluster_name: str | None) -> Covariance:
    """Return the CRV1 covariance from the meat ``sum_g s_g s_g'`` of the score sums."""
    _check_df(n, k)
    factor = g / (g - 1) * (n - 1) / (n - k)
    name = f" by {cluster_name}" if cluster_name else ""
    desc = (
        f"CRV1 clustered{name} (G={g}): sandwich x G/(G-1) x (N-1)/(N-K), N={n}, K={k} "
        f"(fixed effects nested in clusters not counted), t with G-1={g - 1} df "
        "[fixest/reghdfe/pyfixest default]"
    )
    return Covariance(
        kind="cluster",
        cov=factor * (bread @ meat @ bread),
        n_obs=n,
        k=k,
        df_resid=g - 1,
        factor=factor,
        n_clusters=g,
        description=desc,
    )


def compute(
    kind: VcovType,
    x: npt.ArrayLike,
    resid: npt.ArrayLike,
    weights: npt.ArrayLike | None = None,
    *,
    clusters: npt.ArrayLike | None = None,
    fe_levels: Sequence[int] = (),
    fe_nested: Sequence[bool] | None = None,
    cluster_name: str | None = None,
    gram: np.ndarray | None = None,
) -> Covariance:
    """Dispatch to an estimator, counting the fixed effects by that estimator's convention.

    Parameters
    ----------
    kind : {"cluster", "hc1", "classical"}
        The estimator.
    x, resid, weights
        As for :func:`classical`.
    clusters : array_like of int, optional
        Cluster codes; required for ``"cluster"``.
    fe_levels : sequence of int
        Levels of each absorbed factor.
    fe_nested : sequence of bool, optional
        Whether each factor is nested in the clusters; used only for ``"cluster"``.
    cluster_name : str, optional
        For the description.
    gram : numpy.ndarray, optional
        ``X'WX``, when the caller has formed it already (it is not formed again).

    Returns
    -------
    Covariance

    Notes
    -----
    ``classical``
        iid errors: ``RSS/(N-K) (X'WX)^-1``, all fixed effects in ``K``, t(N-K).
    ``hc1``
        robust sandwich times ``N/(N-K)``, all fixed effects in ``K``, t(N-K).
    ``cluster``
        CRV1 sandwich times ``G/(G-1) (N-1)/(N-K)``, fixed effects nested in the cluster
        variable not counted in ``K`` (:func:`fixef_dof`), t(G-1).

    """
    if kind == "classical":
        return classical(x, resid, weights, n_fe_params=fixef_dof(fe_levels), gram=gram)
    if kind == "hc1":
        return hc1(x, resid, weights, n_fe_params=fixef_dof(fe_levels), gram=gram)
    if kind == "cluster":
        if clusters is None:
            raise ValueError("vcov='cluster' needs cluster codes")
        nested = None if fe_nested is None else list(fe_nested)
        return cluster(
            x,
            resid,
            clusters,
            weights,
            n_fe_params=fixef_dof(fe_levels, nested),
            cluster_name=cluster_name,
            gram=gram,
        )
    raise ValueError(f"vcov must be one of {VCOV_TYPES}, got {kind!r}")


def block_diagonal(
    kind: VcovType,
    columns: Sequence[np.ndarray],
    resid: npt.ArrayLike,
    weights: npt.ArrayLike | None = None,
    *,
    clusters: npt.ArrayLike | None = None,
    fe_levels: Sequence[int] = (),
    fe_nested: Sequence[bool] | None = None,
    cluster_name: str | None = None,
) -> Covariance:
    """:func:`compute` for regressors that are block diagonal, without forming them.

    The rows are in blocks (``len(columns[0])`` rows, then ``len(columns[1])``, ...);
    regressor ``j`` is ``columns[j]`` on block ``j`` and zero on every other row, as in a
    model with one coefficient per sample (:func:`wellby.estimators.ols.fit_nested_blocks`).
    ``X'WX`` is then diagonal, and every sum over rows is a sum within one block, so the
    ``n x k`` matrix of mostly zeros is never built.

    Parameters
    ----------
    kind : {"cluster", "hc1", "classical"}
        The estimator.
    columns : sequence of numpy.ndarray
        Each block's regressor (after the within transformation).
    resid : array_like, shape (n,)
        Residuals (unweighted) of the fit, rows in block order.
    weights : array_like, shape (n,), optional
        Analytic weights used in the fit.
    clusters : array_like of int, shape (n,), optional
        Cluster codes (required for ``"cluster"``); clusters may span blocks.
    fe_levels, fe_nested, cluster_name
        As for :func:`compute`.

    Returns
    -------
    Covariance
        The same as :func:`compute` on the full regressor matrix.
    """
    if kind not in VCOV_TYPES:
        raise ValueError(f"vcov must be one of {VCOV_TYPES}, got {kind!r}")
    resid = np.asarray(resid, dtype=np.float64).reshape(-1)
    sizes = [len(column) for column in columns]
    if sum(sizes) != resid.shape[0]:
        raise ValueError("the blocks' rows must add up to the residuals' length")
    starts = np.concatenate([[0], np.cumsum(sizes)]).astype(np.intp)
    blocks = [slice(int(a), int(b)) for a, b in zip(starts[:-1], starts[1:], strict=True)]
    w = None if weights is None else np.asarray(weights, dtype=np.float64).reshape(-1)
    xw = [c if w is None else c * w[rows] for c, rows in zip(columns, blocks, strict=True)]
    diagonal = np.array([a @ c for a, c in zip(xw, columns, strict=True)])
    bread = np.diag(1.0 / diagonal)
    n = resid.shape[0]
    if kind == "classical":
        rss = float(resid @ resid) if w is None else float((w * resid) @ resid)
        return _classical_result(rss, bread, n, len(columns) + fixef_dof(fe_levels))
    scores = [a * resid[rows] for a, rows in zip(xw, blocks, strict=True)]  # x w u, by block
    if kind == "hc1":
        meat = np.diag([s @ s for s in scores])
        return _hc1_result(meat, bread, n, len(columns) + fixef_dof(fe_levels))
    if clusters is None:
        raise ValueError("vcov='cluster' needs cluster codes")
    codes = np.asarray(clusters).astype(np.intp, copy=False)
    if codes.shape != resid.shape:
        raise ValueError("clusters must be integer codes with one entry per observation")
    counts = np.bincount(codes)
    g = _cluster_count(counts, cluster_name)
    k = len(columns) + fixef_dof(fe_levels, None if fe_nested is None else list(fe_nested))
    _check_df(n, k)
    sums = np.column_stack([np.bincount(codes[rows], weights=score, minlength=counts.size)
                            for score, rows in zip(scores, blocks, strict=True)])
    return _cluster_result(sums.T @ sums, bread, n, k, g, cluster_name)
