"""Least squares with absorbed fixed effects.

:func:`fit_ols` is weighted least squares with any number of absorbed factors (or none,
with an intercept); :func:`demeaned_design` selects its rows and absorbs the fixed effects
(the wild cluster bootstrap resamples that design), and :class:`OlsResult` holds the fit;
its coefficients, tidy table and summary lines are the shared ones of
:mod:`wellby.estimators._results`. The TWFE DiD estimator (:mod:`wellby.estimators.twfe`)
and the event study are thin layers over :func:`fit_ols`, which the reference tests also
use directly.

The fit is fully vectorised: each factor is encoded once with :func:`pandas.factorize`,
the within transformation and the cluster sums are :func:`numpy.bincount` calls
(:mod:`wellby.estimators.fixed_effects`, :mod:`wellby.estimators.covariance`), and nothing
loops over groups or rows in Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from wellby.estimators import covariance as cov_mod
from wellby.estimators._results import (
    Coefficient,
    EstimatorResult,
    coefficient_lines,
    sample_lines,
    tidy_coefficients,
)
from wellby.estimators._sample import factor_codes
from wellby.estimators.covariance import VCOV_TYPES, VcovType
from wellby.estimators.distributions import t_quantile, t_sf
from wellby.estimators.fixed_effects import (
    FactorInfo,
    compress_codes,
    demean,
    describe_factors,
    is_nested,
)
from wellby.estimators.fixed_effects import singleton_mask as _singleton_mask
from wellby.estimators.validation import check_frame, numeric_column, require_columns

__all__ = [
    "Design",
    "OlsResult",
    "demeaned_design",
    "fit_nested_blocks",
    "fit_ols",
]

# A regressor whose weighted norm falls below this fraction of its norm before the within
# transformation (or whose part not explained by earlier regressors does) is treated as
# having no variation. Alternating projections leave noise of order 1e-10.
_COLLINEAR_TOL = 1e-7


@dataclass(frozen=True, eq=False)
class OlsResult(EstimatorResult):
    """Results of :func:`fit_ols`.

    Attributes
    ----------
    outcome : str
        Dependent variable.
    coefficients : tuple of Coefficient
        One per regressor, in the order given (``"Intercept"`` last when added).
    cov : ndarray
        Covariance matrix of the coefficients, same order.
    n_obs : int
        Observations used (after dropping missing values, zero weights and singletons).
    n_clusters : int or None
        Clusters in the estimation sample; ``None`` unless ``vcov_type == "cluster"``.
    df_resid : int
        Degrees of freedom of the t distribution used for inference.
    vcov_type : str
        ``"cluster"``, ``"hc1"`` or ``"classical"``.
    vcov_description : str
        One-line statement of the variance estimator and its small-sample convention.
    alpha : float
        Significance level of the confidence intervals.
    fixed_effects : tuple of FactorInfo
        Absorbed factors with their levels and nesting in the cluster variable.
    n_dropped_missing : int
        Rows dropped for a missing value in a used column (or a zero weight).
    n_dropped_singletons : int
        Singleton rows dropped (see :func:`wellby.estimators.fixed_effects.singleton_mask`).
    cluster, weights : str or None
        Columns used for clustering and weighting.
    design : Design or None
        The demeaned design the fit was computed on, when ``fit_ols`` was asked to keep it
        (``keep_design``; :func:`fit_nested_blocks` pools such designs).

    """

    outcome: str
    coefficients: tuple[Coefficient, ...]
    cov: np.ndarray
    n_obs: int
    n_clusters: int | None
    df_resid: int
    vcov_type: str
    vcov_description: str
    alpha: float
    fixed_effects: tuple[FactorInfo, ...]
    n_dropped_missing: int
    n_dropped_singletons: int
    cluster: str | None
    weights: str | None
    design: Design | None = field(default=None, repr=False)

    @property
    def params(self) -> pd.Series:
        """Point estimates indexed by term."""
        return pd.Series(
            [c.estimate for c in self.coefficients],
            index=[c.term for c in self.coefficients],
            name=self.outcome,
        )

    @property
    def std_errors(self) -> pd.Series:
        """Standard errors indexed by term."""
        return pd.Series(
            [c.std_error for c in self.coefficients],
            index=[c.term for c in self.coefficients],
            name=self.outcome,
        )

    def tidy(self) -> pd.DataFrame:
        """Return one row per coefficient.

        Returns
        -------
        DataFrame
            Columns ``outcome, estimator, term, estimate, std_error, ci_low, ci_high,
            p_value, n_obs, n_clusters`` (estimator ``"ols"``).

        """
        return tidy_coefficients(
            self.outcome, "ols", self.coefficients, self.n_obs, self.n_clusters
        )

    def summary(self) -> str:
        """Return a readable multi-line summary."""
        fe = ", ".join(f"{f.name} ({f.n_levels:,} levels)" for f in self.fixed_effects)
        head = [
            f"Least squares: {self.outcome}",
            f"  fixed effects: {fe or 'none'}",
            *sample_lines(self),
        ]
        lines = coefficient_lines(self.coefficients, self.alpha, self.vcov_description)
        return "\n".join(head + lines)


def fit_ols(
    data: pd.DataFrame,
    outcome: str,
    regressors: Sequence[str],
    *,
    absorb: Sequence[str] = (),
    cluster: str | None = None,
    weights: str | None = None,
    vcov: VcovType | None = None,
    alpha: float = 0.05,
    intercept: bool | None = None,
    drop_singletons: bool = True,
    tol: float = 1e-10,
    roles: dict[str, str] | None = None,
    split: tuple[str, str] | None = None,
    keep_design: bool = False,
) -> OlsResult:
    """Weighted least squares with any number of absorbed fixed effects.

    Parameters
    ----------
    data : DataFrame
        One row per observation.
    outcome : str
        Numeric dependent variable.
    regressors : sequence of str
        Numeric (or boolean) regressors.
    absorb : sequence of str, default ()
        Columns whose levels get fixed effects, absorbed by the within transformation.
    cluster : str, optional
        Cluster variable for ``vcov="cluster"``.
    weights : str, optional
        Analytic weights (non-negative; zero-weight rows are dropped).
    vcov : {"cluster", "hc1", "classical"}, optional
        Variance estimator; default ``"cluster"`` when ``cluster`` is given, else
        ``"classical"``.
    alpha : float, default 0.05
        Confidence intervals have level ``1 - alpha``.
    intercept : bool, optional
        Add an intercept (term ``"Intercept"``, last). Default: only when nothing is
        absorbed (fixed effects already contain it).
    drop_singletons : bool, default True
        Drop observations that are alone in a level of an absorbed factor (pyfixest's
        default, ``fixef_rm="singleton"``; reghdfe's too).
    tol : float, default 1e-10
        Convergence tolerance of the alternating projections.
    roles : dict, optional
        Column -> role (e.g. ``"treatment"``), naming regressors in error messages;
        default ``"regressor"``.
    split : (str, str), optional
        ``(regressor, level)``: the regressor is replaced by one regressor per level of
        the column ``level`` (non-negative integer codes; a negative code is missing),
        the regressor times that level's indicator, named ``"regressor:code"`` in code
        order. This is the pooled interaction (triple-difference) model's design; see
        :func:`demeaned_design` for how it is absorbed cheaply.
    keep_design : bool, default False
        Keep the demeaned design in the result (``design``), for
        :func:`fit_nested_blocks`.

    Returns
    -------
    OlsResult

    Raises
    ------
    ValueError
        For a missing or non-numeric column, a regressor without variation after the
        fixed effects are absorbed (or collinear with other regressors), negative weights,
        fewer than 2 clusters, or no observations left.

    Notes
    -----
    Rows with a missing value in any used column (outcome, regressors, absorbed factors,
    weights and, for clustered errors, the cluster variable) are dropped. The variance
    estimators and their small-sample conventions are those of :mod:`wellby.estimators.covariance`:

    ``classical``
        ``RSS/(N-K) (X'WX)^-1``; ``K`` counts the regressors and all fixed effects;
        t(N-K) inference.
    ``hc1``
        Robust sandwich times ``N/(N-K)``, same ``K``; t(N-K).
    ``cluster``
        CRV1 sandwich times ``G/(G-1) (N-1)/(N-K)`` where ``K`` does not count fixed
        effects nested in the cluster variable; t(G-1).

    With no absorbed factor and an intercept these are Stata's ``regress``,
    ``regress, vce(robust)`` and ``regress, vce(cluster g)``.

    """
    return _fit(
        data,
        outcome,
        regressors,
        absorb=absorb,
        cluster=cluster,
        weights=weights,
        vcov=vcov,
        alpha=alpha,
        intercept=intercept,
        drop_singletons=drop_singletons,
        tol=tol,
        roles=roles or {},
        split=split,
        keep_design=keep_design,
    )


@dataclass(frozen=True)
class Design:
    """A regression's data after dropping unusable rows and absorbing fixed effects.

    Attributes
    ----------
    y : numpy.ndarray
        The demeaned outcome (length ``n_obs``).
    x : numpy.ndarray
        The demeaned regressors (``n_obs`` x k), columns in ``terms`` order.
    weights : numpy.ndarray or None
        The weights of the rows used.
    fe_codes : list of numpy.ndarray
        Compressed codes of each absorbed factor for the rows used.
    clusters : numpy.ndarray or None
        Compressed cluster codes for the rows used.
    terms : tuple of str
        Regressor names (with ``Intercept`` last when fitted).
    raw_norm : numpy.ndarray
        Norm of each regressor before demeaning (for the collinearity check).
    n_obs, n_dropped_missing, n_dropped_singletons : int
        Rows used and rows dropped.
    rows : numpy.ndarray or None
        Positions, in the data given, of the rows used (None when not known).
    """

    y: np.ndarray
    x: np.ndarray
    weights: np.ndarray | None
    fe_codes: list
    clusters: np.ndarray | None
    terms: tuple[str, ...]
    raw_norm: np.ndarray
    n_obs: int
    n_dropped_missing: int
    n_dropped_singletons: int
    rows: np.ndarray | None = None


def demeaned_design(
    data: pd.DataFrame,
    outcome: str,
    regressors: Sequence[str],
    *,
    absorb: Sequence[str] = (),
    cluster: str | None = None,
    weights: str | None = None,
    intercept: bool = False,
    drop_singletons: bool = True,
    tol: float = 1e-10,
    roles: dict[str, str] | None = None,
    split: tuple[str, str] | None = None,
) -> Design:
    """Select the usable rows and absorb the fixed effects (Frisch-Waugh-Lovell).

    Rows with a missing outcome, regressor, weight, fixed-effect level or cluster, or a
    zero weight, are dropped, then singletons (with ``drop_singletons``); the outcome and
    regressors are demeaned by the absorbed factors. :func:`fit_ols` estimates on this
    design, and the wild cluster bootstrap resamples it.

    Parameters
    ----------
    data : pandas.DataFrame
        The data.
    outcome : str
        Outcome column.
    regressors : sequence of str
        Regressor columns.
    absorb : sequence of str
        Factors whose fixed effects are absorbed.
    cluster : str, optional
        Cluster column; rows without a cluster are dropped.
    weights : str, optional
        Weights column (non-negative).
    intercept : bool, default False
        Add a constant column (only without absorbed factors).
    drop_singletons : bool, default True
        Drop rows alone in a level of an absorbed factor.
    tol : float, default 1e-10
        Convergence tolerance of the alternating projections.
    roles : dict, optional
        Column -> role, for error messages.
    split : (str, str), optional
        ``(regressor, level)``: replace the regressor by its product with each level's
        indicator (:func:`fit_ols`); rows with a negative level code are dropped.

    Returns
    -------
    Design

    Notes
    -----
    When every absorbed factor is nested in the ``split`` levels (each unit and each
    wave-by-level cell in one level, as in the triple-difference model), the fixed
    effects' dummies split into one block per level, so absorbing the regressor times a
    level's indicator gives the absorbed regressor times that indicator: the regressor is
    absorbed once, not once per level (with nine levels, two columns are swept instead of
    ten). Otherwise the per-level columns are built first and each is absorbed.
    """
    roles = roles or {}
    regressors = list(regressors)
    absorb = list(absorb)
    n_rows = len(data)
    y = numeric_column(data, outcome, "outcome")
    xs = [numeric_column(data, c, roles.get(c, "regressor")) for c in regressors]
    keep = ~np.isnan(y)
    for x in xs:
        keep &= ~np.isnan(x)
    split_levels = None
    if split is not None:
        split_levels = _split_codes(data, split, regressors)
        keep &= split_levels >= 0
    w = None
    if weights:
        w = numeric_column(data, weights, "weights")
        if (w < 0).any():
            raise ValueError(f"weights column '{weights}' has negative values")
        keep &= ~np.isnan(w)
        keep &= w > 0
    fe_codes = []
    for col in absorb:
        codes = factor_codes(data, col)
        keep &= codes >= 0
        fe_codes.append(codes)
    cl_codes = None
    if cluster is not None:
        cl_codes = factor_codes(data, cluster)
        keep &= cl_codes >= 0
    n_missing = int(n_rows - keep.sum())

    n_singletons = 0
    if absorb and drop_singletons:
        sub = [compress_codes(c[keep])[0] for c in fe_codes]
        single = _singleton_mask(sub)
        n_singletons = int(single.sum())
        if n_singletons:
            idx = np.flatnonzero(keep)
            keep[idx[single]] = False
    n = int(keep.sum())
    if n == 0:
        raise ValueError("no observations left after dropping missing values and singletons")

    all_keep = bool(keep.all())

    def take(a: np.ndarray) -> np.ndarray:
        return a if all_keep else a[keep]

    fe_codes = [compress_codes(take(c))[0] for c in fe_codes]
    if cl_codes is not None:
        cl_codes = compress_codes(take(cl_codes))[0]
    wk = None if w is None else take(w)

    terms = list(regressors) + (["Intercept"] if intercept else [])
    columns = [take(y), *(take(x) for x in xs)]
    level_codes, split_at, split_terms = None, None, []
    if split is not None:
        level_codes, level_values = _dense_levels(take(split_levels))
        split_at = regressors.index(split[0])
        split_terms = [f"{split[0]}:{value}" for value in level_values]
        terms[split_at:split_at + 1] = split_terms
        # absorbed once and split afterwards when the fixed effects allow it (see Notes)
        if not (fe_codes and all(is_nested(codes, level_codes) for codes in fe_codes)):
            columns[1 + split_at:2 + split_at] = _split_column(columns[1 + split_at],
                                                               level_codes, len(split_terms))
            level_codes = None
    mat = np.empty((n, len(columns) + intercept), dtype=np.float64, order="F")
    for j, column in enumerate(columns):
        mat[:, j] = column
    if intercept:
        mat[:, -1] = 1.0
    if wk is None:
        raw_norm = np.sqrt(np.einsum("ij,ij->j", mat[:, 1:], mat[:, 1:]))
    else:
        raw_norm = np.sqrt(np.einsum("ij,ij,i->j", mat[:, 1:], mat[:, 1:], wk))
    if fe_codes:
        mat = demean(mat, fe_codes, wk, tol=tol, copy=False)  # mat is ours: no copy
    if level_codes is not None:
        mat, raw_norm = _split_absorbed(mat, raw_norm, 1 + split_at, level_codes,
                                        len(split_terms), columns[1 + split_at], wk)
    # Views of the one column-major matrix: every regressor's column stays contiguous, and
    # no further copy of millions of rows is made.
    yd, xd = mat[:, 0], mat[:, 1:]
    return Design(
        y=yd, x=xd, weights=wk, fe_codes=fe_codes,
        clusters=cl_codes, terms=tuple(terms), raw_norm=raw_norm, n_obs=n,
        n_dropped_missing=n_missing, n_dropped_singletons=n_singletons,
        rows=np.flatnonzero(keep),
    )


def _split_codes(data: pd.DataFrame, split: tuple[str, str], regressors: list[str]
                 ) -> np.ndarray:
    """Return the ``split`` level column's codes (negative for missing), checked."""
    regressor, level = split
    if regressor not in regressors:
        raise ValueError(f"split regressor '{regressor}' is not among the regressors")
    require_columns(data, {"split level": [level]})
    values = data[level].to_numpy()
    if values.dtype.kind not in "iu":
        raise ValueError(f"split level column '{level}' must hold integer codes, "
                         f"not {values.dtype}")
    return values.astype(np.intp, copy=False)


def _dense_levels(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return dense ``0 .. L-1`` codes of non-negative integer codes and the codes present."""
    present = np.bincount(codes) > 0 if codes.size else np.zeros(0, dtype=bool)
    dense = (np.cumsum(present) - 1)[codes] if codes.size else codes
    return dense, np.flatnonzero(present)


def _split_column(column: np.ndarray, level_codes: np.ndarray, n_levels: int
                  ) -> list[np.ndarray]:
    """Return the column times each level's indicator, one array per level."""
    return [np.where(level_codes == level, column, 0.0) for level in range(n_levels)]


def _split_absorbed(mat: np.ndarray, raw_norm: np.ndarray, at: int, level_codes: np.ndarray,
                    n_levels: int, raw: np.ndarray, weights: np.ndarray | None
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Replace the absorbed column ``at`` of ``mat`` by its product with each level.

    The raw norm of each product (for the collinearity check) is the column's weighted sum
    of squares within the level.
    """
    n, width = mat.shape
    out = np.zeros((n, width - 1 + n_levels), dtype=np.float64, order="F")
    out[:, :at] = mat[:, :at]
    out[:, at + n_levels:] = mat[:, at + 1:]
    rows = np.arange(n)
    out[rows, at + level_codes] = mat[:, at]
    squares = raw * raw if weights is None else raw * raw * weights
    level_norm = np.sqrt(np.bincount(level_codes, weights=squares, minlength=n_levels))
    at_norm = at - 1  # raw_norm has no outcome column
    norms = np.concatenate([raw_norm[:at_norm], level_norm, raw_norm[at_norm + 1:]])
    return out, norms


def fit_nested_blocks(
    blocks: Sequence[Design],
    names: Sequence[object],
    clusters: Sequence[np.ndarray] | None,
    *,
    outcome: str,
    absorb: Sequence[str],
    cluster: str | None = None,
    weights: str | None = None,
    vcov: VcovType = "cluster",
    alpha: float = 0.05,
    roles: dict[str, str] | None = None,
) -> OlsResult:
    """Pool separate fits' designs into the model with one regressor per sample.

    When every absorbed factor is nested in the samples (each unit, and each period of
    each sample, in one sample, as persons and wave-by-level cells are in the levels of a
    baseline subgroup), the pooled model ``y ~ x:sample | factors`` is block diagonal:
    each sample's demeaned design is its block, so the pooled fit is the samples' own
    designs stacked, without absorbing the fixed effects again. Its coefficients are the
    separate fits' coefficients; its covariance pools the residuals, the clusters (which
    can span samples) and the degrees of freedom, as :func:`fit_ols` with ``split`` does
    on the pooled rows.

    Parameters
    ----------
    blocks : sequence of Design
        One design per sample (:func:`demeaned_design`, or an :class:`OlsResult`'s
        ``design`` from ``fit_ols(..., keep_design=True)``), each with the same single
        regressor and the same absorbed factors.
    names : sequence
        A name per sample; the pooled terms are ``"regressor:name"``.
    clusters : sequence of numpy.ndarray, optional
        For ``vcov="cluster"``: each block's rows' cluster codes, coded alike across the
        blocks (a block's own ``clusters`` are renumbered within it).
    outcome : str
        The outcome's name.
    absorb : sequence of str
        Names of the absorbed factors, in the blocks' ``fe_codes`` order.
    cluster, weights : str, optional
        Names of the cluster and weight columns, for the result.
    vcov : {"cluster", "hc1", "classical"}, default "cluster"
        Variance estimator (as :func:`fit_ols`).
    alpha : float, default 0.05
        Confidence intervals have level ``1 - alpha``.
    roles : dict, optional
        Term -> role, for error messages.

    Returns
    -------
    OlsResult
        As :func:`fit_ols` on the pooled rows with ``split``: terms in the order of
        ``names``, ``n_obs`` and the dropped counts summed over the blocks.

    Raises
    ------
    ValueError
        For no blocks, blocks with other than one regressor, factors that differ, blocks
        and names (or clusters) of different lengths, or clusters missing for
        ``vcov="cluster"``.
    """
    if not blocks:
        raise ValueError("at least one block is needed")
    if len(names) != len(blocks) or (clusters is not None and len(clusters) != len(blocks)):
        raise ValueError("give one name (and one array of cluster codes) per block")
    if any(block.x.shape[1] != 1 or block.terms != blocks[0].terms for block in blocks):
        raise ValueError("every block must have the same single regressor")
    if any(len(block.fe_codes) != len(absorb) for block in blocks):
        raise ValueError(f"every block must absorb the {len(absorb)} factor(s) {list(absorb)}")
    if vcov == "cluster" and clusters is None:
        raise ValueError("vcov='cluster' needs each block's cluster codes")
    # X is block diagonal, one column per block: X'WX is diagonal and each coefficient is
    # its block's own; nothing of size rows x blocks is formed (the covariance neither:
    # covariance.block_diagonal).
    columns = [block.x[:, 0] for block in blocks]
    weighted = [c if b.weights is None else c * b.weights
                for c, b in zip(columns, blocks, strict=True)]
    gram = np.diag([a @ c for a, c in zip(weighted, columns, strict=True)])
    terms = tuple(f"{blocks[0].terms[0]}:{name}" for name in names)
    raw_norm = np.array([block.raw_norm[0] for block in blocks])
    _check_variation(gram, raw_norm, terms, roles or {}, absorb)
    beta = np.array([(a @ b.y) / gram[j, j]
                     for j, (a, b) in enumerate(zip(weighted, blocks, strict=True))])
    resid = np.concatenate([b.y - c * beta[j]
                            for j, (c, b) in enumerate(zip(columns, blocks, strict=True))])
    fe_codes = []
    for f in range(len(absorb)):
        offsets = np.cumsum([0] + [int(b.fe_codes[f].max()) + 1 for b in blocks[:-1]])
        fe_codes.append(np.concatenate([b.fe_codes[f] + offset
                                        for b, offset in zip(blocks, offsets, strict=True)]))
    cl_codes = compress_codes(np.concatenate(clusters))[0] if vcov == "cluster" else None
    weights_used = (np.concatenate([b.weights for b in blocks])
                    if blocks[0].weights is not None else None)
    fe_info = describe_factors(fe_codes, absorb, cl_codes)
    vc = cov_mod.block_diagonal(
        vcov, columns, resid, weights_used, clusters=cl_codes,
        fe_levels=[f.n_levels for f in fe_info],
        fe_nested=[bool(f.nested_in_cluster) for f in fe_info] if vcov == "cluster" else None,
        cluster_name=cluster)
    counts = (int(resid.shape[0]), sum(block.n_dropped_missing for block in blocks),
              sum(block.n_dropped_singletons for block in blocks))
    return _result(outcome, terms, beta, vc, fe_info, counts=counts, vcov=vcov, alpha=alpha,
                   cluster=cluster if vcov == "cluster" else None, weights=weights)


def _fit(
    data: pd.DataFrame,
    outcome: str,
    regressors: Sequence[str],
    *,
    absorb: Sequence[str],
    cluster: str | None,
    weights: str | None,
    vcov: VcovType | None,
    alpha: float,
    intercept: bool | None,
    drop_singletons: bool,
    tol: float,
    roles: dict[str, str],
    split: tuple[str, str] | None = None,
    keep_design: bool = False,
) -> OlsResult:
    """Carry out :func:`fit_ols`; ``roles`` names regressors in error messages."""
    check_frame(data)
    regressors = list(regressors)
    absorb = list(absorb)
    if vcov is None:
        vcov = "cluster" if cluster is not None else "classical"
    if vcov not in VCOV_TYPES:
        raise ValueError(f"vcov must be one of {VCOV_TYPES}, got {vcov!r}")
    if vcov == "cluster" and cluster is None:
        raise ValueError("vcov='cluster' needs a cluster column")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha}")
    if not regressors:
        raise ValueError("at least one regressor is needed")
    for group, label in ((regressors, "regressor"), (absorb, "absorbed factor")):
        dup = {c for c in group if group.count(c) > 1}
        if dup:
            raise ValueError(f"{label} column(s) given twice: {sorted(dup)}")
    if intercept is None:
        intercept = not absorb
    if intercept and absorb:
        raise ValueError("an intercept cannot be estimated alongside absorbed fixed effects")
    use_cluster = vcov == "cluster"
    require_columns(
        data,
        {
            "outcome": [outcome],
            "regressor": regressors,
            "fixed-effect": absorb,
            "cluster": [cluster] if use_cluster else [],
            "weights": [weights] if weights else [],
        },
    )

    design = demeaned_design(
        data, outcome, regressors, absorb=absorb, cluster=cluster if use_cluster else None,
        weights=weights, intercept=intercept, drop_singletons=drop_singletons, tol=tol,
        roles=roles, split=split,
    )
    return _fit_design(design, outcome, absorb=absorb, cluster=cluster if use_cluster else None,
                       weights=weights, vcov=vcov, alpha=alpha, roles=roles,
                       keep_design=keep_design)


def _fit_design(design: Design, outcome: str, *, absorb: Sequence[str], cluster: str | None,
                weights: str | None, vcov: VcovType, alpha: float, roles: dict[str, str],
                keep_design: bool = False) -> OlsResult:
    """Estimate on a demeaned design: coefficients, covariance, tests and intervals.

    ``cluster`` is the cluster column's name when ``vcov`` is ``"cluster"`` (the design
    then has cluster codes), else None.
    """
    use_cluster = cluster is not None
    yd, xd, wk, fe_codes, cl_codes = (design.y, design.x, design.weights, design.fe_codes,
                                      design.clusters)
    terms, raw_norm = list(design.terms), design.raw_norm
    xw = xd if wk is None else xd * wk[:, None]
    gram = xw.T @ xd
    _check_variation(gram, raw_norm, terms, roles, absorb)
    beta = np.linalg.solve(gram, xw.T @ yd)
    resid = yd - xd @ beta

    fe_info = describe_factors(fe_codes, absorb, cl_codes) if fe_codes else ()
    vc = cov_mod.compute(
        vcov,
        xd,
        resid,
        wk,
        clusters=cl_codes,
        fe_levels=[f.n_levels for f in fe_info],
        fe_nested=[bool(f.nested_in_cluster) for f in fe_info] if use_cluster else None,
        cluster_name=cluster,
        gram=gram,
    )
    return _result(outcome, design.terms, beta, vc, fe_info, counts=_counts(design), vcov=vcov,
                   alpha=alpha, cluster=cluster, weights=weights,
                   design=design if keep_design else None)


def _check_variation(gram: np.ndarray, raw_norm: np.ndarray, terms: Sequence[str],
                     roles: dict[str, str], absorb: Sequence[str]) -> None:
    """Refuse a regressor without variation, or explained by the regressors before it."""
    where = f" after absorbing the fixed effects ({', '.join(absorb)})" if absorb else ""
    for j in range(len(terms)):
        resid_ss = gram[j, j]
        if j > 0 and resid_ss > 0:
            resid_ss -= gram[j, :j] @ np.linalg.solve(gram[:j, :j], gram[:j, j])
        if raw_norm[j] == 0 or resid_ss <= (_COLLINEAR_TOL * raw_norm[j]) ** 2:
            role = roles.get(terms[j], "regressor")
            if j == 0:
                raise ValueError(f"no variation in {role} '{terms[0]}'{where}")
            raise ValueError(
                f"{role} '{terms[j]}' has no variation{where} that is not explained "
                f"by the other regressors ({', '.join(terms[:j])}); drop it"
            )


def _counts(design: Design) -> tuple[int, int, int]:
    """Rows used, dropped for a missing value and dropped as singletons."""
    return design.n_obs, design.n_dropped_missing, design.n_dropped_singletons


def _result(outcome: str, terms: Sequence[str], beta: np.ndarray, vc: cov_mod.Covariance,
            fe_info: tuple[FactorInfo, ...], *, counts: tuple[int, int, int], vcov: VcovType,
            alpha: float, cluster: str | None, weights: str | None,
            design: Design | None = None) -> OlsResult:
    """Build the result: each coefficient with its t test and interval."""
    se = vc.std_errors
    tstat = beta / se
    pval = 2 * t_sf(np.abs(tstat), vc.df_resid)
    crit = t_quantile(1 - alpha / 2, vc.df_resid)
    coefs = tuple(
        Coefficient(
            term=term,
            estimate=float(beta[j]),
            std_error=float(se[j]),
            statistic=float(tstat[j]),
            p_value=float(pval[j]),
            ci_low=float(beta[j] - crit * se[j]),
            ci_high=float(beta[j] + crit * se[j]),
        )
        for j, term in enumerate(terms)
    )
    return OlsResult(
        outcome=outcome,
        coefficients=coefs,
        cov=vc.cov,
        n_obs=counts[0],
        n_clusters=vc.n_clusters,
        df_resid=vc.df_resid,
        vcov_type=vcov,
        vcov_description=vc.description,
        alpha=alpha,
        fixed_effects=fe_info,
        n_dropped_missing=counts[1],
        n_dropped_singletons=counts[2],
        cluster=cluster,
        weights=weights,
        design=design,
    )
