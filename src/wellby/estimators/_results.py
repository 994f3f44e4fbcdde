"""The result contract the estimators share: a base class, the coefficient record, its tables.

Every estimator returns a frozen result that derives from :class:`EstimatorResult` and so
offers :meth:`~EstimatorResult.tidy` (the estimates as a table) and
:meth:`~EstimatorResult.summary` (the fit as readable text); each result keeps its own
layout where its outputs differ. :class:`Coefficient` is one estimate with its inference;
:data:`TIDY_COLUMNS` is the tidy layout of one row per coefficient (the columns of
``did.csv``). :func:`tidy_coefficients`, :func:`sample_lines`, :func:`coefficient_table`
and :func:`coefficient_lines` build the tables and summary lines several results share.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import pandas as pd

__all__ = [
    "TIDY_COLUMNS",
    "Coefficient",
    "EstimatorResult",
    "SampleCounts",
    "coefficient_lines",
    "coefficient_table",
    "sample_lines",
    "tidy_coefficients",
]

TIDY_COLUMNS = [
    "outcome",
    "estimator",
    "term",
    "estimate",
    "std_error",
    "ci_low",
    "ci_high",
    "p_value",
    "n_obs",
    "n_clusters",
]


@dataclass(frozen=True)
class Coefficient:
    """One estimated coefficient with its inference.

    Attributes
    ----------
    term : str
        Name of the coefficient (``"att"`` for the treatment effect, else the column).
    estimate, std_error, statistic, p_value, ci_low, ci_high : float
        Point estimate, standard error, t statistic, two-sided p-value and the bounds of
        the ``1 - alpha`` confidence interval (t distribution).

    """

    term: str
    estimate: float
    std_error: float
    statistic: float
    p_value: float
    ci_low: float
    ci_high: float


class EstimatorResult(ABC):
    """What every estimator's result offers: a tidy table and a readable summary.

    The results are frozen dataclasses that derive from this class; each implements both
    methods in its own layout.
    """

    @abstractmethod
    def tidy(self) -> pd.DataFrame:
        """Return the estimates as a tidy table, one row per estimate."""

    @abstractmethod
    def summary(self) -> str:
        """Return a readable multi-line summary."""


class SampleCounts(Protocol):
    """The sample counts :func:`sample_lines` reads from a result."""

    n_obs: int
    n_clusters: int | None
    n_dropped_missing: int
    n_dropped_singletons: int
    cluster: str | None
    weights: str | None


def tidy_coefficients(
    outcome: str,
    estimator: str,
    coefs: Sequence[Coefficient],
    n_obs: int,
    n_clusters: int | None,
) -> pd.DataFrame:
    """Return one row per coefficient in the layout :data:`TIDY_COLUMNS`."""
    rows = [
        {
            "outcome": outcome,
            "estimator": estimator,
            "term": c.term,
            "estimate": c.estimate,
            "std_error": c.std_error,
            "ci_low": c.ci_low,
            "ci_high": c.ci_high,
            "p_value": c.p_value,
            "n_obs": n_obs,
            "n_clusters": n_clusters,
        }
        for c in coefs
    ]
    out = pd.DataFrame(rows, columns=TIDY_COLUMNS)
    out["n_clusters"] = out["n_clusters"].astype("Int64")
    return out


def sample_lines(res: SampleCounts) -> list[str]:
    """Return the summary lines on the sample: observations, dropped rows, weights, clusters."""
    dropped = f"dropped {res.n_dropped_missing:,} with missing values"
    dropped += f", {res.n_dropped_singletons:,} singletons"
    lines = [f"  N = {res.n_obs:,} ({dropped})"]
    if res.weights:
        lines.append(f"  weights: {res.weights}")
    if res.n_clusters is not None:
        lines.append(f"  clusters: {res.n_clusters:,} ({res.cluster})")
    return lines


def coefficient_table(
    coefs: Sequence[Coefficient], alpha: float, statistic: str = "t"
) -> list[str]:
    """Return the summary lines of a coefficient table: a header and one line per term.

    ``statistic`` heads the column of test statistics (``"t"``, or ``"z"`` for normal
    inference).
    """
    level = f"{100 * (1 - alpha):g}% CI"
    width = max(8, *(len(c.term) for c in coefs))
    lines = [
        f"  {'term':<{width}} {'estimate':>12} {'std_error':>12} {statistic:>8} {'p_value':>9}"
        f"   {level}",
    ]
    for c in coefs:
        lines.append(
            f"  {c.term:<{width}} {c.estimate:>12.6g} {c.std_error:>12.6g} "
            f"{c.statistic:>8.3f} {c.p_value:>9.4g}   [{c.ci_low:.6g}, {c.ci_high:.6g}]"
        )
    return lines


def coefficient_lines(coefs: Sequence[Coefficient], alpha: float, description: str) -> list[str]:
    """Return the summary lines of a coefficient table and the variance estimator."""
    return ["", *coefficient_table(coefs, alpha), "", f"  Variance: {description}"]
