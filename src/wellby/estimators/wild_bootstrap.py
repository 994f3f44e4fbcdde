"""Wild cluster bootstrap inference for the DiD effect when clusters are few.

With fewer than about 50 clusters, cluster-robust t tests over-reject; the restricted wild
cluster bootstrap (WCR, Cameron, Gelbach and Miller 2008; MacKinnon and Webb 2017) keeps
its size. The bootstrap itself is the ``wildboottest`` package (the engine pyfixest uses);
this module prepares the regression and inverts the test for a confidence interval.

The fixed effects nested in the clusters (respondents or areas within areas) are
projected out, and the wave effects are kept as dummy columns: projecting out only
cluster-nested effects leaves the bootstrap unchanged (Roodman, MacKinnon, Nielsen and
Webb 2019), so the result equals a bootstrap of the full dummy-variable regression.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from wellby.estimators.fixed_effects import is_nested
from wellby.estimators.ols import demeaned_design

DEFAULT_REPS = 9999


@dataclass(frozen=True)
class WildBootstrapResult:
    """Wild cluster bootstrap p-value and confidence interval for one coefficient.

    Attributes
    ----------
    term : str
        The tested coefficient.
    estimate : float
        Its OLS estimate.
    p_value : float
        Two-sided WCR bootstrap p-value of ``estimate = 0``.
    ci_low, ci_high : float
        Confidence interval from inverting the bootstrap test (level ``1 - alpha``).
    reps : int
        Bootstrap replications.
    weights_type : str
        Bootstrap weight distribution (``webb`` with 12 or fewer clusters, else
        ``rademacher``).
    n_clusters : int
        Number of clusters.
    seed : int
        Seed of the bootstrap weights.
    """

    term: str
    estimate: float
    p_value: float
    ci_low: float
    ci_high: float
    reps: int
    weights_type: str
    n_clusters: int
    seed: int


WEIGHT_TYPES = ("rademacher", "webb", "mammen")


def bootstrap_weights(clusters: np.ndarray, reps: int, seed: int,
                      weights_type: str) -> np.ndarray:
    """Draw the G x B bootstrap weights with ``wildboottest``'s own generator.

    With Rademacher weights and ``2**G < reps`` every sign pattern is enumerated instead.
    """
    from wildboottest.weights import draw_weights

    n_clusters = int(clusters.max()) + 1
    full = weights_type == "rademacher" and 2**n_clusters < reps
    weights, _ = draw_weights(t=weights_type, full_enumeration=full,
                              N_G_bootcluster=n_clusters, boot_iter=reps,
                              rng=np.random.default_rng(seed=seed))
    return np.asarray(weights, dtype=float)


class _RestrictedBootstrap:
    """WCR11 bootstrap of one coefficient, vectorised over nulls and replications.

    Cluster sums are computed once; testing ``beta_j = b`` shifts the outcome by
    ``b * x_j``, which only changes the cluster sums of ``X'y`` linearly. The formulas are
    those of ``wildboottest.WildboottestCL`` (bootstrap type "11", null imposed), checked
    against it in the tests. The same sums serve every tested column.
    """

    def __init__(self, x: np.ndarray, y: np.ndarray, clusters: np.ndarray, column: int,
                 weights: np.ndarray) -> None:
        n, k = x.shape
        n_clusters = int(clusters.max()) + 1
        self.column = column
        self.v = weights
        self.xtx_inv = np.linalg.inv(x.T @ x)
        # Per-cluster X'X and X'y, one cluster at a time: an n x k x k array would need
        # gigabytes for an event study on a million rows.
        order = np.argsort(clusters, kind="stable")
        bounds = np.searchsorted(clusters[order], np.arange(n_clusters + 1))
        self.xgxg = np.zeros((n_clusters, k, k))
        self.xgy = np.zeros((n_clusters, k))
        for g in range(n_clusters):
            rows = order[bounds[g]:bounds[g + 1]]
            xs = x[rows]
            self.xgxg[g] = xs.T @ xs
            self.xgy[g] = xs.T @ y[rows]
        self.ssc = (n - 1) / (n - k) * n_clusters / (n_clusters - 1)
        self._leverage: dict[int, np.ndarray] = {}

    def _a(self, column: int) -> np.ndarray:
        if column not in self._leverage:
            row = self.xtx_inv[column]
            self._leverage[column] = np.einsum("k,gkl,lm->gm", row, self.xgxg, self.xtx_inv)
        return self._leverage[column]

    def pvalue(self, null: float, column: int | None = None) -> float:
        """Two-sided bootstrap p-value of ``beta_column = null``.

        ``column`` defaults to the one given at construction.
        """
        j = self.column if column is None else column
        inv = self.xtx_inv
        xgy = self.xgy - null * self.xgxg[:, :, j]
        beta = inv @ xgy.sum(axis=0)
        restricted = beta - inv[:, j] * (beta[j] / inv[j, j])
        scores_r = xgy - np.einsum("gkl,l->gk", self.xgxg, restricted)
        c = scores_r @ inv[:, j]
        h = self._a(j) @ scores_r.T
        z = c[:, None] * self.v - h @ self.v
        t_boot = (c @ self.v) / np.sqrt(self.ssc * np.einsum("gb,gb->b", z, z))
        scores_u = xgy - np.einsum("gkl,l->gk", self.xgxg, beta)
        meat = scores_u.T @ scores_u
        se = np.sqrt(self.ssc * (inv @ meat @ inv)[j, j])
        return float(np.mean(np.abs(beta[j] / se) < np.abs(t_boot)))


def _bound(pvalue, estimate: float, scale: float, alpha: float, side: int) -> float:
    """Find where the bootstrap p-value falls to ``alpha`` on one side of the estimate."""
    inside, step = estimate, scale
    outside = estimate + side * step
    for _ in range(60):
        if pvalue(outside) < alpha:
            break
        inside, step = outside, step * 2
        outside = estimate + side * step
    else:  # pragma: no cover - only for degenerate data
        return float(side * np.inf)
    for _ in range(60):
        middle = (inside + outside) / 2
        if pvalue(middle) < alpha:
            outside = middle
        else:
            inside = middle
        if abs(outside - inside) < 1e-5 * scale:
            break
    return float((inside + outside) / 2)


def wild_cluster_bootstrap(
    data: pd.DataFrame,
    outcome: str,
    treatment: str,
    unit: str,
    time: str,
    cluster: str,
    *,
    covariates: Sequence[str] = (),
    weights: str | None = None,
    reps: int = DEFAULT_REPS,
    seed: int = 20101,
    alpha: float = 0.05,
    weights_type: str = "auto",
) -> WildBootstrapResult:
    """Restricted wild cluster bootstrap (WCR11) for the TWFE treatment effect.

    Parameters
    ----------
    data : pandas.DataFrame
        Long data.
    outcome, treatment, unit, time, cluster : str
        Columns, as for :func:`wellby.estimators.twfe.fit_twfe`. ``unit`` must be nested in
        ``cluster`` (respondents or areas within areas).
    covariates : sequence of str
        Covariates.
    weights : str, optional
        Analytic weights: the bootstrap runs on the weighted (``sqrt(w)``-scaled) design.
    reps : int, default 9999
        Bootstrap replications.
    seed : int
        Seed of the bootstrap weights: the same seed gives the same p-value and interval.
    alpha : float, default 0.05
        The interval has level ``1 - alpha``.
    weights_type : {"auto", "rademacher", "webb", "mammen"}, default "auto"
        Bootstrap weights; ``auto`` is Webb's with 12 or fewer clusters, else Rademacher.

    Returns
    -------
    WildBootstrapResult

    Notes
    -----
    Webb's six-point weights are used with 12 or fewer clusters, where Rademacher weights
    allow too few distinct draws; Rademacher weights otherwise. The interval collects the
    values ``b`` whose null ``effect = b`` the bootstrap does not reject at ``alpha``
    (found by bisection, with the same bootstrap weights for every ``b``).
    """
    return wild_cluster_bootstrap_terms(
        data, outcome, [treatment], unit, time, cluster, covariates=covariates,
        weights=weights, reps=reps, seed=seed, alpha=alpha, weights_type=weights_type,
    )[treatment]


def wild_cluster_bootstrap_terms(
    data: pd.DataFrame,
    outcome: str,
    tested: Sequence[str],
    unit: str,
    time: str,
    cluster: str,
    *,
    covariates: Sequence[str] = (),
    weights: str | None = None,
    reps: int = DEFAULT_REPS,
    seed: int = 20101,
    alpha: float = 0.05,
    weights_type: str = "auto",
) -> dict[str, WildBootstrapResult]:
    """Restricted wild cluster bootstrap (WCR11) of each of several coefficients.

    The regression is ``outcome ~ tested + covariates | unit + time``; each tested
    coefficient gets its own restricted bootstrap (the null imposed on it alone), with the
    same bootstrap weights for all, as ``wildboottest`` does one parameter at a time. The
    event study uses it for its relative-time coefficients.

    Parameters
    ----------
    tested : sequence of str
        The regressors to test, each a column of ``data``.
    data, outcome, unit, time, cluster, covariates, weights, reps, seed, alpha, weights_type
        As for :func:`wild_cluster_bootstrap`.

    Returns
    -------
    dict of str to WildBootstrapResult
        One result per tested regressor.
    """
    tested = list(tested)
    # The unit is often the cluster itself (areas in repeated cross-sections, states in a
    # state panel): take each column once, or pandas returns a frame for that name.
    wanted = [outcome, *tested, unit, time, cluster, *covariates,
              *([weights] if weights else [])]
    frame = data[list(dict.fromkeys(wanted))].dropna()
    if weights:
        frame = frame[frame[weights] > 0]
    # Wave dummies only for waves left with usable rows: a wave without any would be an
    # all-zero column and make the design collinear.
    waves = pd.get_dummies(frame[time], prefix="_wave", drop_first=True, dtype=float)
    frame = pd.concat([frame, waves], axis=1)
    regressors = [*tested, *covariates, *waves.columns]
    design = demeaned_design(frame, outcome, regressors, absorb=[unit], cluster=cluster,
                             weights=weights, drop_singletons=True)
    if not is_nested(design.fe_codes[0], design.clusters):
        raise ValueError(f"'{unit}' is not nested in '{cluster}': the wild cluster bootstrap "
                         "here projects out cluster-nested fixed effects only")
    x, y = design.x, design.y
    if design.weights is not None:
        root = np.sqrt(design.weights)
        x, y = x * root[:, None], y * root
    if np.linalg.matrix_rank(x) < x.shape[1]:
        raise ValueError("the bootstrap design is collinear (a wave or covariate has no "
                         "variation within the units)")
    n_clusters = int(design.clusters.max()) + 1
    if weights_type == "auto":
        weights_type = "webb" if n_clusters <= 12 else "rademacher"
    elif weights_type not in WEIGHT_TYPES:
        raise ValueError(f"bootstrap weights must be one of auto, {', '.join(WEIGHT_TYPES)}; "
                         f"got {weights_type!r}")
    boot = _RestrictedBootstrap(x, y, design.clusters, 0,
                                bootstrap_weights(design.clusters, reps, seed, weights_type))
    coefficients = boot.xtx_inv @ boot.xgy.sum(axis=0)
    # Scale for the search: the CRV1 standard errors of the estimates.
    scores = boot.xgy - np.einsum("gkl,l->gk", boot.xgxg, coefficients)
    crv1 = boot.xtx_inv @ scores.T @ scores @ boot.xtx_inv
    results = {}
    for j, term in enumerate(tested):
        def pvalue(null: float, j: int = j) -> float:
            return boot.pvalue(null, j)

        estimate = float(coefficients[j])
        scale = float(np.sqrt(crv1[j, j])) or 1.0
        results[term] = WildBootstrapResult(
            term=term, estimate=estimate, p_value=pvalue(0.0),
            ci_low=_bound(pvalue, estimate, scale, alpha, -1),
            ci_high=_bound(pvalue, estimate, scale, alpha, +1),
            reps=boot.v.shape[1], weights_type=weights_type, n_clusters=n_clusters,
            seed=seed,
        )
    return results
