"""The result of an event-study fit: its table, summary, figure and pre-trend test.

:class:`EventStudyResult` holds the relative-time coefficients of
:func:`wellby.estimators.event_study.fit_event_study` with
:meth:`~EventStudyResult.tidy` (the layout :data:`EVENT_STUDY_COLUMNS`),
:meth:`~EventStudyResult.summary`, :meth:`~EventStudyResult.plot` and
:meth:`~EventStudyResult.pretrend`, the joint F test that every lead is zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from wellby.estimators._results import Coefficient, EstimatorResult, sample_lines
from wellby.estimators.distributions import f_sf
from wellby.estimators.plots import event_plot
from wellby.estimators.pretrend import PretrendTest, wald

__all__ = ["EVENT_STUDY_COLUMNS", "EventStudyResult"]

EVENT_STUDY_COLUMNS = [
    "outcome",
    "estimator",
    "term",
    "rel_time",
    "estimate",
    "std_error",
    "ci_low",
    "ci_high",
    "p_value",
    "n_obs",
    "n_clusters",
    "n_treated_obs",
]


@dataclass(frozen=True, eq=False)
class EventStudyResult(EstimatorResult):
    """Results of :func:`wellby.estimators.event_study.fit_event_study`.

    Attributes
    ----------
    outcome : str
        Outcome column.
    estimator : str
        ``"event_study"``.
    rel_times : tuple of int
        Relative times in the model, sorted, including the reference period.
    coefficients : tuple of Coefficient
        One per entry of ``rel_times``; the reference period has estimate 0 and NaN
        standard error, statistic, p-value and interval.
    terms : tuple of str
        Term names, one per entry of ``rel_times`` (``"rel_time=-2"``; binned end points
        ``"rel_time<=-4"`` and ``"rel_time>=3"``).
    reference : int
        The omitted relative time.
    lead_bin, lag_bin : int or None
        Relative times at which the end points were binned (``None``: not binned).
    cov : ndarray
        Covariance of the estimated (non-reference) relative-time coefficients, in the
        order of ``rel_times`` without the reference.
    n_treated_obs : tuple of int
        Observations of ever-treated units at each relative time (bin).
    covariates : tuple of Coefficient
        Coefficients of the covariates.
    n_obs, n_clusters, df_resid : int
        Observations used, clusters (``None`` unless clustered) and the degrees of freedom
        of the t distribution (``G - 1`` when clustered).
    n_units, n_periods, n_treated_units, n_never_treated_units : int
        Levels of the fixed effects and units by treatment status.
    vcov_type, vcov_description : str
        Variance estimator and its convention.
    alpha : float
        Significance level.
    unit, time, cohort : str
        Columns used.
    cluster, weights : str or None
        Columns used for clustering and weights.
    n_dropped_missing, n_dropped_singletons : int
        Rows dropped for missing values (or zero weights) and as singletons.
    design : DataFrame or None
        With ``keep_design=True``, the rows fitted: the outcome, ``__unit``, ``__time``,
        ``__cluster`` (when clustered), one dummy per estimated relative time, the
        covariates and the weights (for the wild cluster bootstrap).
    design_terms : dict of int to str
        The design's dummy column of each estimated relative time.

    """

    outcome: str
    estimator: str
    rel_times: tuple[int, ...]
    coefficients: tuple[Coefficient, ...]
    terms: tuple[str, ...]
    reference: int
    lead_bin: int | None
    lag_bin: int | None
    cov: np.ndarray
    n_treated_obs: tuple[int, ...]
    covariates: tuple[Coefficient, ...]
    n_obs: int
    n_clusters: int | None
    df_resid: int
    n_units: int
    n_periods: int
    n_treated_units: int
    n_never_treated_units: int
    vcov_type: str
    vcov_description: str
    alpha: float
    unit: str
    time: str
    cohort: str
    cluster: str | None
    weights: str | None
    n_dropped_missing: int
    n_dropped_singletons: int
    design: pd.DataFrame | None = field(default=None, repr=False)
    design_terms: dict[int, str] = field(default_factory=dict, repr=False)

    @property
    def params(self) -> pd.Series:
        """Estimates indexed by relative time (reference included, at 0)."""
        return pd.Series(
            [c.estimate for c in self.coefficients],
            index=pd.Index(self.rel_times, name="rel_time"),
            name=self.outcome,
        )

    @property
    def std_errors(self) -> pd.Series:
        """Standard errors indexed by relative time (NaN for the reference)."""
        return pd.Series(
            [c.std_error for c in self.coefficients],
            index=pd.Index(self.rel_times, name="rel_time"),
            name=self.outcome,
        )

    @property
    def lead_times(self) -> tuple[int, ...]:
        """Estimated relative times before the start (negative, reference excluded)."""
        return tuple(e for e in self.rel_times if e < 0 and e != self.reference)

    def pretrend(self) -> PretrendTest:
        """Joint Wald test that every lead coefficient is zero.

        Returns
        -------
        PretrendTest
            ``F = W / q`` with ``W = b' V^-1 b`` over the ``q`` lead coefficients ``b``
            and their block ``V`` of the model's covariance (the cluster-robust one by
            default), referred to ``F(q, df_resid)``: ``df_resid = G - 1`` when
            clustered. This is pyfixest's ``Feols.wald_test`` (and fixest's ``wald``)
            with ``distribution="F"``.

        """
        est = [e for e in self.rel_times if e != self.reference]
        pos = [i for i, e in enumerate(est) if e < 0]
        terms = tuple(self.terms[self.rel_times.index(est[i])] for i in pos)
        note = (
            "F = W/q, W = b'V^-1 b over the lead coefficients with the model's covariance "
            f"({self.vcov_type}), F(q, {self.df_resid}) reference distribution"
        )
        if not pos:
            return PretrendTest(
                outcome=self.outcome,
                estimator=self.estimator,
                statistic=np.nan,
                df1=0,
                df2=float(self.df_resid),
                p_value=np.nan,
                distribution="F",
                terms=(),
                n_obs=self.n_obs,
                n_clusters=self.n_clusters,
                note="no lead coefficients to test",
            )
        b = np.array([self.coefficients[self.rel_times.index(est[i])].estimate for i in pos])
        v = self.cov[np.ix_(pos, pos)]
        q = len(pos)
        f_stat = wald(b, v) / q
        p = float(f_sf(f_stat, q, self.df_resid))
        return PretrendTest(
            outcome=self.outcome,
            estimator=self.estimator,
            statistic=float(f_stat),
            df1=q,
            df2=float(self.df_resid),
            p_value=p,
            distribution="F",
            terms=terms,
            n_obs=self.n_obs,
            n_clusters=self.n_clusters,
            note=note,
        )

    def tidy(self) -> pd.DataFrame:
        """Return one row per relative time, the reference period included.

        Returns
        -------
        DataFrame
            Columns ``outcome, estimator, term, rel_time, estimate, std_error, ci_low,
            ci_high, p_value, n_obs, n_clusters, n_treated_obs``: the layout of
            ``results/tables/event_study.csv`` plus inference and counts. ``n_obs`` is the
            model's number of observations, ``n_treated_obs`` the observations of
            ever-treated units at that relative time (bin). The reference row has
            estimate 0 and missing standard error, interval and p-value.

        """
        rows = [
            {
                "outcome": self.outcome,
                "estimator": self.estimator,
                "term": term,
                "rel_time": e,
                "estimate": c.estimate,
                "std_error": c.std_error,
                "ci_low": c.ci_low,
                "ci_high": c.ci_high,
                "p_value": c.p_value,
                "n_obs": self.n_obs,
                "n_clusters": self.n_clusters,
                "n_treated_obs": k,
            }
            for e, c, term, k in zip(
                self.rel_times, self.coefficients, self.terms, self.n_treated_obs, strict=True
            )
        ]
        out = pd.DataFrame(rows, columns=EVENT_STUDY_COLUMNS)
        out["rel_time"] = out["rel_time"].astype("int64")
        out["n_clusters"] = out["n_clusters"].astype("Int64")
        return out

    def summary(self) -> str:
        """Return a readable multi-line summary."""
        level = f"{100 * (1 - self.alpha):g}% CI"
        bins = []
        if self.lead_bin is not None:
            bins.append(f"leads binned at <= {self.lead_bin}")
        if self.lag_bin is not None:
            bins.append(f"lags binned at >= {self.lag_bin}")
        lines = [
            f"Event study (TWFE with relative-time dummies): {self.outcome}",
            f"  fixed effects: {self.unit} ({self.n_units:,} levels), "
            f"{self.time} ({self.n_periods:,} levels)",
            f"  units: {self.n_treated_units:,} ever treated, "
            f"{self.n_never_treated_units:,} never treated; reference period "
            f"rel_time = {self.reference}" + (f"; {', '.join(bins)}" if bins else ""),
            *sample_lines(self),
        ]
        width = max(10, *(len(t) for t in self.terms))
        lines += [
            "",
            f"  {'term':<{width}} {'estimate':>12} {'std_error':>12} {'p_value':>9} "
            f"{'N treated':>10}   {level}",
        ]
        for term, c, k in zip(self.terms, self.coefficients, self.n_treated_obs, strict=True):
            if np.isnan(c.std_error):
                lines.append(f"  {term:<{width}} {0.0:>12.6g} {'(reference)':>12} {'':>9} {k:>10,}")
                continue
            lines.append(
                f"  {term:<{width}} {c.estimate:>12.6g} {c.std_error:>12.6g} "
                f"{c.p_value:>9.4g} {k:>10,}   [{c.ci_low:.6g}, {c.ci_high:.6g}]"
            )
        lines += ["", "  " + self.pretrend().summary(), f"  Variance: {self.vcov_description}"]
        return "\n".join(lines)

    def plot(self, ax=None, label: str | None = None):
        """Draw the event-study figure: estimates with confidence intervals by relative time.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Axes to draw on. By default a new figure is made (Agg canvas, no pyplot state).
        label : str, optional
            The outcome's label with its units for the axis (default: the column name).

        Returns
        -------
        matplotlib.axes.Axes
            The axes, with a zero line, a dashed vertical line half a period before the
            start (between the reference period and the first treated period), labelled
            axes and a title (the label without its range, or the column name).

        """
        from wellby.report.figures import short_label

        return event_plot(
            ax,
            x=np.asarray(self.rel_times, dtype=float),
            est=np.array([c.estimate for c in self.coefficients]),
            low=np.array([c.ci_low for c in self.coefficients]),
            high=np.array([c.ci_high for c in self.coefficients]),
            outcome=label or self.outcome,
            alpha=self.alpha,
            title=f"Event study (TWFE): {short_label(label) if label else self.outcome}",
            ticklabels=_tick_labels(self.rel_times, self.lead_bin, self.lag_bin),
            reference=self.reference,
        )


def _tick_labels(rel_times, lead_bin, lag_bin) -> list[str]:
    out = []
    for e in rel_times:
        if lead_bin is not None and e == lead_bin:
            out.append(f"≤{e}")
        elif lag_bin is not None and e == lag_bin:
            out.append(f"≥{e}")
        else:
            out.append(str(e))
    return out
