"""Tail areas and quantiles of the normal, t, chi-squared and F distributions.

Why not ``scipy.stats``: importing it builds every distribution's docstring, about half a
second, and every workflow job is a fresh Python process that would pay it only to turn a
statistic into a p-value or a critical value. These functions call the ``scipy.special``
routines that ``scipy.stats`` itself evaluates for these distributions (``t.sf`` is
``stdtr(df, -x)``, ``norm.ppf`` is ``ndtri``, ...), so the values are the same
(``tests/test_distributions.py`` checks them against ``scipy.stats``). Code that needs
more (the multivariate normal, noncentral distributions, random draws) uses ``scipy.stats``.

Each function takes scalars or arrays and returns a float for scalar input, else an array.
A t distribution with infinite degrees of freedom is the standard normal (as
``scipy.special`` evaluates it).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import special

__all__ = ["chi2_sf", "f_sf", "normal_cdf", "normal_quantile", "normal_sf", "t_cdf",
           "t_quantile", "t_sf"]

ArrayOrFloat = float | npt.NDArray[np.float64]


def _out(value: npt.ArrayLike) -> ArrayOrFloat:
    array = np.asarray(value, dtype=np.float64)
    return float(array) if array.ndim == 0 else array


def normal_cdf(x: npt.ArrayLike) -> ArrayOrFloat:
    """``P(Z <= x)`` for a standard normal ``Z`` (``scipy.stats.norm.cdf``)."""
    return _out(special.ndtr(np.asarray(x, dtype=np.float64)))


def normal_sf(x: npt.ArrayLike) -> ArrayOrFloat:
    """``P(Z > x)`` for a standard normal ``Z`` (``scipy.stats.norm.sf``)."""
    return _out(special.ndtr(-np.asarray(x, dtype=np.float64)))


def normal_quantile(q: npt.ArrayLike) -> ArrayOrFloat:
    """Return the standard normal's ``q`` quantile (``scipy.stats.norm.ppf``)."""
    return _out(special.ndtri(np.asarray(q, dtype=np.float64)))


def t_cdf(x: npt.ArrayLike, df: npt.ArrayLike) -> ArrayOrFloat:
    """``P(T <= x)`` for ``T`` with ``df`` degrees of freedom (``scipy.stats.t.cdf``)."""
    return _out(special.stdtr(np.asarray(df, dtype=np.float64),
                              np.asarray(x, dtype=np.float64)))


def t_sf(x: npt.ArrayLike, df: npt.ArrayLike) -> ArrayOrFloat:
    """``P(T > x)`` for ``T`` with ``df`` degrees of freedom (``scipy.stats.t.sf``)."""
    return _out(special.stdtr(np.asarray(df, dtype=np.float64),
                              -np.asarray(x, dtype=np.float64)))


def t_quantile(q: npt.ArrayLike, df: npt.ArrayLike) -> ArrayOrFloat:
    """Return the ``q`` quantile of the t distribution with ``df`` degrees of freedom.

    ``scipy.stats.t.ppf``; NaN where ``df`` is not positive or missing.
    """
    return _out(special.stdtrit(np.asarray(df, dtype=np.float64),
                                np.asarray(q, dtype=np.float64)))


def chi2_sf(x: npt.ArrayLike, df: npt.ArrayLike) -> ArrayOrFloat:
    """``P(X > x)`` for a chi-squared ``X`` with ``df`` degrees of freedom (1 below 0)."""
    return _out(special.chdtrc(np.asarray(df, dtype=np.float64),
                               np.maximum(np.asarray(x, dtype=np.float64), 0.0)))


def f_sf(x: npt.ArrayLike, dfn: npt.ArrayLike, dfd: npt.ArrayLike) -> ArrayOrFloat:
    """``P(F > x)`` for ``F`` with ``dfn`` and ``dfd`` degrees of freedom (1 below 0)."""
    return _out(special.fdtrc(np.asarray(dfn, dtype=np.float64),
                              np.asarray(dfd, dtype=np.float64),
                              np.maximum(np.asarray(x, dtype=np.float64), 0.0)))
