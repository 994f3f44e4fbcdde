"""Staggered-adoption difference-in-differences: Callaway and Sant'Anna (2021).

:func:`fit_callaway_santanna` estimates a group-time average treatment effect
``ATT(g, t)`` for every cohort ``g`` (units first treated in period ``g``) and period ``t``
from 2x2 comparisons of the cohort with a control group (never-treated or
not-yet-treated units), and aggregates them into an overall effect (``att_simple``), effects
by cohort (``att_group``), by time since the start (``att_dynamic``, an event study) and by
calendar period (``att_calendar``). Each 2x2 comparison is the doubly robust (``"dr"``),
inverse probability weighting (``"ipw"``) or outcome regression (``"reg"``) estimator of
Sant'Anna and Zhao (2020), for panels or repeated cross-sections.

Standard errors come from the estimators' influence functions, summed within clusters
(the unit by default), as R's ``did`` package computes them; a multiplier bootstrap over
the same cluster sums is available. The implementation follows ``did`` 2.x and ``DRDID``
1.x (Callaway and Sant'Anna; Sant'Anna and Zhao) formula for formula and is checked
against their published results on ``mpdta`` (see ``tests/results/README.md``). Every step
is vectorised with numpy: no Python loop runs over units, rows or clusters, only over the
handful of (cohort, period) cells.

Why not a library: the Python ports were compared on ``mpdta`` and on the demo study.
moderndid (the most faithful port) supports Python 3.11 only up to 0.2.0, pulls in polars,
crashes on unbalanced panels and on aggregating repeated cross-sections, and ignores a
cluster variable for analytic standard errors; csdid 0.4.3 depends on twine and plotnine
and its repeated cross-section doubly robust standard errors differ from R's with
covariates; differences 0.3.0 fails with pandas 3 when clustering; pyfixest offers TWFE,
``did2s`` and local projections but not Callaway-Sant'Anna. Where they work, the ports
agree with this module to 1e-12 (the frozen references come from them).

References
----------
Callaway, B. and Sant'Anna, P. H. C. (2021). Difference-in-differences with multiple time
periods. *Journal of Econometrics* 225(2), 200-230.

Sant'Anna, P. H. C. and Zhao, J. (2020). Doubly robust difference-in-differences
estimators. *Journal of Econometrics* 219(1), 101-122.

The package is split as R's ``did`` is: ``preprocess`` (the estimation sample), ``drdid``
(the 2x2 estimators), ``att_gt`` (the group-time ATTs and their influence functions),
``aggregate`` (their aggregations and covariance), ``bootstrap`` (the multiplier bootstrap
and uniform critical values), ``results`` (:class:`CallawaySantAnnaResult` and the
pre-trend test) and ``fit`` (:func:`fit_callaway_santanna`, which runs them in that order).
"""

from __future__ import annotations

from wellby.estimators.callaway_santanna.att_gt import BASE_PERIODS
from wellby.estimators.callaway_santanna.bootstrap import BOOTSTRAP_WEIGHTS
from wellby.estimators.callaway_santanna.drdid import METHODS
from wellby.estimators.callaway_santanna.fit import fit_callaway_santanna
from wellby.estimators.callaway_santanna.preprocess import CONTROL_GROUPS, DESIGNS
from wellby.estimators.callaway_santanna.results import CS_TIDY_COLUMNS, CallawaySantAnnaResult

__all__ = [
    "BASE_PERIODS",
    "BOOTSTRAP_WEIGHTS",
    "CONTROL_GROUPS",
    "CS_TIDY_COLUMNS",
    "DESIGNS",
    "METHODS",
    "CallawaySantAnnaResult",
    "fit_callaway_santanna",
]
