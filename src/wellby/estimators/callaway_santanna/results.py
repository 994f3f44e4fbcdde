"""The result of a Callaway-Sant'Anna fit: its tables, summary, figure and pre-trend test.

:class:`CallawaySantAnnaResult` holds every estimate in the layout :data:`CS_TIDY_COLUMNS`
and the overall effect of each aggregation, with :meth:`~CallawaySantAnnaResult.tidy`,
:meth:`~CallawaySantAnnaResult.summary` and :meth:`~CallawaySantAnnaResult.plot`.
:func:`pretrend_test` is R did's Wald pre-test that every pre-treatment ``ATT(g, t)`` is
zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from wellby.estimators._results import Coefficient, EstimatorResult
from wellby.estimators.callaway_santanna.att_gt import GroupTimeCells
from wellby.estimators.callaway_santanna.preprocess import PreparedData
from wellby.estimators.distributions import chi2_sf
from wellby.estimators.plots import event_plot
from wellby.estimators.pretrend import PretrendTest, wald

__all__ = ["CS_TIDY_COLUMNS", "CallawaySantAnnaResult", "pretrend_test"]

CS_TIDY_COLUMNS = [
    "outcome",
    "estimator",
    "term",
    "group",
    "period",
    "rel_time",
    "estimate",
    "std_error",
    "ci_low",
    "ci_high",
    "p_value",
    "n_obs",
    "n_clusters",
]


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, eq=False)
class CallawaySantAnnaResult(EstimatorResult):
    """Results of :func:`fit_callaway_santanna`.

    Attributes
    ----------
    outcome : str
        Outcome column.
    estimator : str
        ``"callaway_santanna"``.
    design, control_group, method, base_period : str
        Options used.
    anticipation : int
        Periods of anticipation allowed for.
    alpha : float
        Significance level (normal critical values, as R did).
    estimates : DataFrame
        Every estimate, one row each, in the layout of :meth:`tidy`.
    att_gt : DataFrame
        Group-time ATTs: ``group, period, base_period, rel_time, post, estimate,
        std_error, ci_low, ci_high, p_value, n_obs``.
    simple, group, dynamic, calendar : Coefficient
        The overall ATT of each aggregation (terms ``att_simple``, ``att_group``,
        ``att_dynamic``, ``att_calendar``).
    n_obs : int
        Rows used (after dropping missing values and cohorts without a base period).
    n_units : int
        Units (panel) or rows (repeated cross-section) behind the influence functions.
    n_clusters : int
        Clusters the standard errors are summed over (units unless ``cluster``).
    unit, time, cohort : str
        Columns used.
    cluster, weights : str or None
        Columns used for clustering and weights.
    covariates : tuple of str
        Covariates.
    bootstrap : bool
        Whether standard errors come from the multiplier bootstrap.
    n_bootstrap : int
        Bootstrap draws (0 without the bootstrap).
    bootstrap_weights : str or None
        ``"mammen"`` or ``"rademacher"``.
    critical_values : dict
        Bootstrap critical values of uniform (simultaneous) confidence bands for each family
        of estimates (``att_gt``, ``att_g``, ``att_e``, ``att_t``); empty without the
        bootstrap.
    dropped_cohorts : tuple of float
        Cohorts dropped because they have no pre-treatment period.
    n_dropped_missing : int
        Rows dropped for missing values (or zero weights).
    inference : str
        One line describing the standard errors.
    notes : tuple of str
        Anything else the user should know about the sample.
    dynamic_min_e, dynamic_max_e, dynamic_balance_e : int or None
        Window and balancing of the dynamic aggregation (``att_e``, ``att_dynamic``);
        None when not restricted.
    dynamic_cov : ndarray or None
        The analytic covariance of the ``att_e`` estimates, in event-time order, from the
        influence functions summed within clusters (``S'S / n^2``, the covariance behind
        their analytic standard errors), which the sensitivity to parallel trends needs
        (:func:`wellby.estimators.honest_did.callaway_santanna_inputs`).

    """

    outcome: str
    estimator: str
    design: str
    control_group: str
    method: str
    base_period: str
    anticipation: int
    alpha: float
    estimates: pd.DataFrame
    att_gt: pd.DataFrame
    simple: Coefficient
    group: Coefficient
    dynamic: Coefficient
    calendar: Coefficient
    n_obs: int
    n_units: int
    n_clusters: int
    unit: str
    time: str
    cohort: str
    cluster: str | None
    weights: str | None
    covariates: tuple[str, ...]
    bootstrap: bool
    n_bootstrap: int
    bootstrap_weights: str | None
    critical_values: dict
    dropped_cohorts: tuple[float, ...]
    n_dropped_missing: int
    inference: str
    notes: tuple[str, ...]
    _pretrend: PretrendTest = field(repr=False)
    dynamic_min_e: int | None = None
    dynamic_max_e: int | None = None
    dynamic_balance_e: int | None = None
    dynamic_cov: np.ndarray | None = field(default=None, repr=False)

    @property
    def estimate(self) -> float:
        """The overall ATT (``att_simple``)."""
        return self.simple.estimate

    @property
    def std_error(self) -> float:
        """Standard error of the overall ATT (``att_simple``)."""
        return self.simple.std_error

    def aggregation(self, kind: Literal["group", "dynamic", "calendar"]) -> pd.DataFrame:
        """Return the components of an aggregation.

        Parameters
        ----------
        kind : {"group", "dynamic", "calendar"}
            Effects by cohort (``att_g``), by time since the start (``att_e``, including
            pre-treatment placebo estimates) or by calendar period (``att_t``).

        Returns
        -------
        DataFrame
            Rows of :meth:`tidy` for those components.

        """
        term = {"group": "att_g", "dynamic": "att_e", "calendar": "att_t"}.get(kind)
        if term is None:
            raise ValueError(f"kind must be 'group', 'dynamic' or 'calendar', got {kind!r}")
        return self.estimates[self.estimates["term"] == term].reset_index(drop=True)

    def pretrend(self) -> PretrendTest:
        """Wald pre-test that all pre-treatment ATT(g, t) are zero (R did's ``W``).

        Returns
        -------
        PretrendTest
            ``W = a' V^-1 a`` over the pre-treatment group-time ATTs ``a`` (``t < g``)
            with their analytic covariance ``V`` from the (cluster-summed) influence
            functions, referred to a chi-squared distribution with as many degrees of
            freedom as ATTs tested. Cells with a zero or missing standard error are left
            out, as in R did; NaN when fewer than one remains or ``V`` is singular.

        """
        return self._pretrend

    def tidy(self, disaggregated: bool = True) -> pd.DataFrame:
        """Return the estimates as a tidy table.

        Parameters
        ----------
        disaggregated : bool, default True
            Include the components of the aggregations (``att_g`` by cohort, ``att_e`` by
            relative time, ``att_t`` by calendar period) and the group-time ATTs
            (``att_gt``) after the four overall rows.

        Returns
        -------
        DataFrame
            Columns ``outcome, estimator, term, group, period, rel_time, estimate,
            std_error, ci_low, ci_high, p_value, n_obs, n_clusters``. The overall rows
            (terms ``att_simple, att_group, att_dynamic, att_calendar``) come first, with
            ``group``, ``period`` and ``rel_time`` empty; ``rel_time`` counts periods.

        """
        order = ["att_simple", "att_group", "att_dynamic", "att_calendar"]
        est = self.estimates
        head = pd.concat([est[est["term"] == t] for t in order], ignore_index=True)
        if not disaggregated:
            return head
        rest = [est[est["term"] == t] for t in ("att_g", "att_e", "att_t", "att_gt")]
        return pd.concat([head, *rest], ignore_index=True)

    def summary(self) -> str:
        """Return a readable multi-line summary."""
        level = f"{100 * (1 - self.alpha):g}% CI"
        lines = [
            f"Callaway and Sant'Anna (2021) staggered DiD: {self.outcome}",
            f"  design: {self.design}; control group: {self.control_group.replace('_', '-')}; "
            f"method: {_METHOD_NAMES[self.method]}; base period: {self.base_period}"
            + (f"; anticipation: {self.anticipation}" if self.anticipation else ""),
            f"  N = {self.n_obs:,} rows ({self.n_units:,} "
            f"{'units' if self.design == 'panel' else 'observations'}), "
            f"{self.n_clusters:,} clusters ({self.cluster or self.unit})"
            + (f"; weights: {self.weights}" if self.weights else "")
            + (f"; covariates: {', '.join(self.covariates)}" if self.covariates else ""),
        ]
        if self.dropped_cohorts:
            lines.append(
                "  dropped cohorts without a pre-treatment period: "
                + ", ".join(f"{v:g}" for v in self.dropped_cohorts)
            )
        window = [
            f"{label} {v}"
            for label, v in (
                ("min_e", self.dynamic_min_e),
                ("max_e", self.dynamic_max_e),
                ("balance_e", self.dynamic_balance_e),
            )
            if v is not None
        ]
        if window:
            lines.append(f"  dynamic aggregation restricted: {', '.join(window)}")
        lines += [f"  {note}" for note in self.notes]
        lines += ["", f"  {'term':<14} {'estimate':>11} {'std_error':>11} {'p_value':>9}   {level}"]
        for c in (self.simple, self.group, self.dynamic, self.calendar):
            lines.append(
                f"  {c.term:<14} {c.estimate:>11.5g} {c.std_error:>11.5g} {c.p_value:>9.4g}"
                f"   [{c.ci_low:.5g}, {c.ci_high:.5g}]"
            )
        for kind, label, col in (
            ("dynamic", "by time since start (att_e)", "rel_time"),
            ("group", "by cohort (att_g)", "group"),
            ("calendar", "by period (att_t)", "period"),
        ):
            comp = self.aggregation(kind)
            lines += ["", f"  {label}:"]
            for _, r in comp.iterrows():
                lines.append(
                    f"    {col} {_fmt_label(r[col]):>6} {r['estimate']:>11.5g} "
                    f"{r['std_error']:>11.5g} {r['p_value']:>9.4g}   "
                    f"[{r['ci_low']:.5g}, {r['ci_high']:.5g}]"
                )
        lines += ["", "  " + self._pretrend.summary(), f"  Inference: {self.inference}"]
        return "\n".join(lines)

    def plot(self, ax=None):
        """Draw the event study of the dynamic aggregation (``att_e``) with its intervals.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Axes to draw on; by default a new figure (Agg canvas).

        Returns
        -------
        matplotlib.axes.Axes

        """
        comp = self.aggregation("dynamic")
        x = comp["rel_time"].to_numpy(dtype=float)
        return event_plot(
            ax,
            x=x,
            est=comp["estimate"].to_numpy(dtype=float),
            low=comp["ci_low"].to_numpy(dtype=float),
            high=comp["ci_high"].to_numpy(dtype=float),
            outcome=self.outcome,
            alpha=self.alpha,
            title=f"Callaway-Sant'Anna event study: {self.outcome}",
            ticklabels=[f"{v:g}" for v in x],
        )


_METHOD_NAMES = {
    "dr": "doubly robust",
    "ipw": "inverse probability weighting",
    "reg": "outcome regression",
}


def _fmt_label(v) -> str:
    try:
        return f"{float(v):g}"
    except (TypeError, ValueError):
        return str(v)


def pretrend_test(
    dat: PreparedData, cells: GroupTimeCells, v: np.ndarray, pre: np.ndarray, outcome: str
):
    """Wald pre-test that the ATT(g, t) of the cells ``pre`` are all zero (R did's ``W``).

    ``v`` is the analytic covariance of those cells' estimates.
    """
    terms = tuple(
        f"ATT({dat.periods[cells.group[j]]:g},{dat.periods[cells.period[j]]:g})" for j in pre
    )
    note = (
        "W = a'V^-1 a over the pre-treatment ATT(g,t), V from the cluster-summed influence "
        "functions, chi2(q) reference distribution [R did's pre-test]"
    )
    if pre.size == 0:
        return PretrendTest(
            outcome,
            "callaway_santanna",
            np.nan,
            0,
            None,
            np.nan,
            "chi2",
            (),
            dat.n_rows,
            dat.n_clusters,
            "no pre-treatment ATT(g,t) to test",
        )
    a = cells.att[pre]
    if np.linalg.cond(v) > 1 / np.finfo(float).eps:
        return PretrendTest(
            outcome,
            "callaway_santanna",
            np.nan,
            int(pre.size),
            None,
            np.nan,
            "chi2",
            terms,
            dat.n_rows,
            dat.n_clusters,
            "singular covariance of the pre-treatment ATT(g,t); not computed",
        )
    w_stat = wald(a, v)
    return PretrendTest(
        outcome=outcome,
        estimator="callaway_santanna",
        statistic=float(w_stat),
        df1=int(pre.size),
        df2=None,
        p_value=float(chi2_sf(w_stat, pre.size)),
        distribution="chi2",
        terms=terms,
        n_obs=dat.n_rows,
        n_clusters=dat.n_clusters,
        note=note,
    )
