"""Standard errors from influence functions: the multiplier bootstrap.

The influence functions are summed within clusters (``S_c``, see
:func:`wellby.estimators.callaway_santanna.aggregate.influence_basis`); the analytic
standard error is ``sqrt(sum_c S_c^2) / n``. :func:`multiplier_bootstrap` draws
Mammen or Rademacher multipliers over the same sums (R did's ``mboot``) and returns
robust standard errors and the draws, from which :func:`uniform_critical_value` gives the
critical value of a uniform (simultaneous) confidence band.
"""

from __future__ import annotations

import math

import numpy as np

from wellby.estimators.distributions import normal_quantile

__all__ = [
    "BOOTSTRAP_WEIGHTS",
    "SE_FLOOR",
    "multiplier_bootstrap",
    "uniform_critical_value",
]

BOOTSTRAP_WEIGHTS: tuple[str, ...] = ("mammen", "rademacher")
# R did sets standard errors below this to NA (degenerate influence functions).
SE_FLOOR = math.sqrt(np.finfo(float).eps) * 10
# Bootstrap draws are generated this many at a time (bounds memory with many clusters).
_BOOT_CHUNK = 2_000_000


def _draw_weights(rng: np.random.Generator, kind: str, shape: tuple[int, int]) -> np.ndarray:
    if kind == "rademacher":
        return rng.integers(0, 2, size=shape) * 2.0 - 1.0
    s5 = math.sqrt(5.0)
    p = (s5 + 1) / (2 * s5)  # Mammen (1993): mean 0, variance 1, third moment 1
    return np.where(rng.random(shape) < p, (1 - s5) / 2, (1 + s5) / 2)


def multiplier_bootstrap(
    sums: np.ndarray, n: int, n_boot: int, kind: str, seed, alpha: float
) -> tuple[np.ndarray, np.ndarray]:
    """Multiplier bootstrap over cluster sums: robust SEs and the draws (B, M)."""
    rng = np.random.default_rng(seed)
    g, m = sums.shape
    draws = np.empty((n_boot, m))
    chunk = max(1, _BOOT_CHUNK // max(g, 1))
    for start in range(0, n_boot, chunk):
        b = min(chunk, n_boot - start)
        draws[start : start + b] = _draw_weights(rng, kind, (b, g)) @ sums / n
    q75, q25 = np.quantile(draws, [0.75, 0.25], axis=0, method="inverted_cdf")
    se = (q75 - q25) / (normal_quantile(0.75) - normal_quantile(0.25))
    se[se <= SE_FLOOR] = np.nan
    return se, draws


def uniform_critical_value(draws: np.ndarray, se: np.ndarray, alpha: float) -> float:
    """Bootstrap critical value of a uniform ``1 - alpha`` band over the draws' columns."""
    ok = np.isfinite(se)
    if not ok.any():
        return np.nan
    t_max = np.max(np.abs(draws[:, ok] / se[ok]), axis=1)
    return float(np.quantile(t_max, 1 - alpha, method="inverted_cdf"))
