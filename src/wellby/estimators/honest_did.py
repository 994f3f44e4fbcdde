"""Sensitivity of event-study effects to violations of parallel trends (Rambachan and Roth 2023).

:func:`honest_did` asks how far parallel trends may fail before an event study's conclusion
changes. It bounds the post-period difference in trends between treated and comparison units
by what the pre-period coefficients show, in one of two ways, and reports a confidence set for
the effect that is valid whenever the bound holds, over a grid of bounds:

- *relative magnitudes*, ``Delta^RM(Mbar)``: no post-period change in the trend difference
  (from one period to the next) exceeds ``Mbar`` times the largest pre-period change; the
  confidence sets are the conditional least-favourable hybrid ("C-LF") of Andrews, Roth and
  Pakes, R HonestDiD's default for this restriction;
- *smoothness*, ``Delta^SD(M)``: the slope of the trend difference changes by at most ``M``
  per period (``M = 0``: a linear pre-trend continues exactly); the confidence sets are
  optimal fixed-length intervals (FLCI), R's default here.

Each analysis covers the average of the post-period effects and each post period (or one
weighting ``l_vec``), next to the original interval that assumes parallel trends (R's
``constructOriginalCS``). :meth:`HonestResult.breakdown` finds, on the grid refined by
bisection, the largest ``Mbar`` (or ``M``) at which the robust set still excludes zero, and
:meth:`HonestResult.plot` draws R's sensitivity plot (``createSensitivityPlot_relativeMagnitudes``,
``createSensitivityPlot``). :func:`event_study_inputs` and :func:`callaway_santanna_inputs`
take the coefficients and covariance from a fitted event study. Inference uses normal critical
values, as R's HonestDiD.

Why no library: R's HonestDiD cannot run here, and neither Python option reproduces it. The
port ``honestdid`` 0.1.1 (PyPI, one release) needs PyTorch, fails on numpy 2 (``float()`` of
arrays), and once patched takes over two minutes for the four C-LF sets of R's README example
and differs from R by up to 5e-4 there; ``diff-diff`` 3.13's ``HonestDiD`` replaces the C-LF
set for relative magnitudes by the identified set widened by a normal quantile (a naive FLCI;
its own comment defers the hybrid). So :mod:`wellby.estimators.honest_did_inference` implements
the method in numpy/scipy, reproducing R's output on the README's three examples (Medicaid TWFE,
Sun-Abraham and Callaway-Sant'Anna) exactly when given R's grid and random draws (see
``tests/test_honest_did.py``).

References
----------
Rambachan, A. and Roth, J. (2023). A more credible approach to parallel trends. *Review of
Economic Studies* 90(5), 2555-2591.
"""

from __future__ import annotations

import math
import textwrap
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from wellby.estimators._results import EstimatorResult
from wellby.estimators.honest_did_flci import FlciProblem, flci, sd_upper_bound_m
from wellby.estimators.honest_did_inference import (
    original_ci,
    rm_confidence_set,
    sd_identified_set,
)
from wellby.estimators.honest_did_inputs import callaway_santanna_inputs, event_study_inputs
from wellby.report.figures import COLOURS

if TYPE_CHECKING:
    from matplotlib.axes import Axes


__all__ = [
    "HONEST_COLUMNS",
    "HONEST_METHODS",
    "HonestResult",
    "callaway_santanna_inputs",
    "event_study_inputs",
    "honest_did",
]
# The inputs from wellby's fits live in honest_did_inputs; they are re-exported here.

HONEST_METHODS: tuple[str, ...] = ("relative_magnitudes", "smoothness")

HONEST_COLUMNS = [
    "method",
    "ci_method",
    "parameter",
    "value",
    "target",
    "rel_time",
    "estimate",
    "lb",
    "ub",
    "id_lb",
    "id_ub",
    "original_lb",
    "original_ub",
]
"""Columns of :meth:`HonestResult.table`: one row per target and bound."""

_SPEC = {"relative_magnitudes": ("C-LF", "Mbar"), "smoothness": ("FLCI", "M")}
# Breakdown search: widen past the grid at most this many doublings.
_MAX_DOUBLINGS = 10


# --------------------------------------------------------------------------- result


@dataclass(frozen=True, eq=False)
class HonestResult(EstimatorResult):
    """Results of :func:`honest_did`.

    Attributes
    ----------
    method : str
        ``"relative_magnitudes"`` or ``"smoothness"``.
    ci_method : str
        ``"C-LF"`` (relative magnitudes) or ``"FLCI"`` (smoothness).
    parameter : str
        Name of the bound: ``"Mbar"`` or ``"M"``.
    grid : tuple of float
        The bounds analysed, increasing.
    alpha : float
        The sets have level ``1 - alpha``.
    n_pre, n_post : int
        Pre- and post-period coefficients.
    targets : tuple of str
        ``"average"`` (equal weights on the post periods), ``"post 1"``, ... or ``"custom"``.
    l_vecs : dict of str to ndarray
        The post-period weights of each target.
    rel_times : tuple of int
        Relative time of each coefficient (pre then post).
    robust : DataFrame
        ``target, value, lb, ub, id_lb, id_ub``: the robust confidence set and the
        identified set at ``beta = betahat`` for each target and bound.
    original : DataFrame
        ``target, rel_time, estimate, std_error, lb, ub``: the interval under parallel trends.
    betahat, sigma : ndarray
        The inputs (pre then post coefficients, covariance).
    options : dict
        Numerical options (``grid_points``, ``refine``, ``lf_sims``, ``seed``).
    notes : tuple of str
        Anything the reader should know (empty sets, sets open at the end of the grid).
    outcome : str or None
        Label of the outcome, for the figure.

    """

    method: str
    ci_method: str
    parameter: str
    grid: tuple[float, ...]
    alpha: float
    n_pre: int
    n_post: int
    targets: tuple[str, ...]
    l_vecs: dict[str, np.ndarray]
    rel_times: tuple[int, ...]
    robust: pd.DataFrame
    original: pd.DataFrame
    betahat: np.ndarray = field(repr=False)
    sigma: np.ndarray = field(repr=False)
    options: dict = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    outcome: str | None = None
    _flci_cache: dict = field(default_factory=dict, repr=False)

    # ----------------------------------------------------------------- tables

    def table(self) -> pd.DataFrame:
        """Return one row per target and bound, in the layout :data:`HONEST_COLUMNS`.

        ``lb, ub`` is the robust confidence set, ``id_lb, id_ub`` the identified set at
        ``beta = betahat`` (no sampling error) and ``original_lb, original_ub`` the interval
        under parallel trends. NaN bounds: the data reject the restriction (an empty set).
        """
        orig = self.original.set_index("target")
        rob = self.robust
        out = pd.DataFrame(
            {
                "method": self.method,
                "ci_method": self.ci_method,
                "parameter": self.parameter,
                "value": rob["value"].to_numpy(dtype=float),
                "target": rob["target"].to_numpy(),
                "rel_time": orig.loc[rob["target"], "rel_time"].to_numpy(),
                "estimate": orig.loc[rob["target"], "estimate"].to_numpy(dtype=float),
                "lb": rob["lb"].to_numpy(dtype=float),
                "ub": rob["ub"].to_numpy(dtype=float),
                "id_lb": rob["id_lb"].to_numpy(dtype=float),
                "id_ub": rob["id_ub"].to_numpy(dtype=float),
                "original_lb": orig.loc[rob["target"], "lb"].to_numpy(dtype=float),
                "original_ub": orig.loc[rob["target"], "ub"].to_numpy(dtype=float),
            },
            columns=HONEST_COLUMNS,
        )
        out["rel_time"] = pd.array(out["rel_time"], dtype="Int64")
        return out

    def tidy(self) -> pd.DataFrame:
        """Return :meth:`table`."""
        return self.table()

    def confidence_set(self, value: float, target: str = "average") -> tuple[float, float]:
        """Robust confidence set ``(lb, ub)`` for one target at one bound, on or off the grid."""
        if target not in self.l_vecs:
            raise ValueError(f"target must be one of {list(self.l_vecs)}, got {target!r}")
        if not (np.isfinite(value) and value >= 0):
            raise ValueError(f"the bound must be a finite non-negative number, got {value!r}")
        lb, ub, _, _, _ = self._robust_set(self.l_vecs[target], float(value), target)
        return lb, ub

    def _robust_set(self, l_vec: np.ndarray, value: float, target: str):
        b, s, n_pre, n_post = self.betahat, self.sigma, self.n_pre, self.n_post
        if self.method == "relative_magnitudes":
            r = rm_confidence_set(
                b, s, n_pre, n_post, l_vec, value, self.alpha,
                grid_points=self.options["grid_points"], refine=self.options["refine"],
                lf_sims=self.options["lf_sims"], seed=self.options["seed"],
            )
            return r.lb, r.ub, r.id_lb, r.id_ub, r.notes
        prob = self._flci_cache.get(target)
        if prob is None:
            prob = self._flci_cache[target] = FlciProblem(s, n_pre, n_post, l_vec)
        r = flci(b, s, n_pre, n_post, l_vec, value, self.alpha, problem=prob)
        id_lb, id_ub = sd_identified_set(b, n_pre, n_post, l_vec, value)
        return r.lb, r.ub, id_lb, id_ub, ()

    def breakdown(
        self, targets: str | Sequence[str] | None = None, tol: float | None = None
    ) -> pd.DataFrame:
        """Largest bound at which the robust set still excludes zero, for each target.

        The sign of the effect stays identified up to this bound. It is found from the grid
        (with 0 added): the first bound whose set includes zero, then bisection between it and
        the bound before; past the grid's end the bound is doubled (at most ten times).

        Parameters
        ----------
        targets : str or sequence of str, optional
            Targets to search (default all of :attr:`targets`).
        tol : float, optional
            Width of the final bracket; default 1/1000 of the largest grid value.

        Returns
        -------
        DataFrame
            ``method, parameter, target, rel_time, breakdown, bracket_high, note``:
            ``breakdown`` is the largest bound found to exclude zero (NaN when the set
            includes zero, or is empty, already at 0; ``inf`` when it excludes zero at every
            bound tried) and ``bracket_high`` the smallest found not to.

        """
        top = max(self.grid) if max(self.grid) > 0 else 1.0
        tol = top / 1000 if tol is None else float(tol)
        if targets is None:
            targets = self.targets
        elif isinstance(targets, str):
            targets = (targets,)
        unknown = [t for t in targets if t not in self.targets]
        if unknown:
            raise ValueError(f"targets must be among {list(self.targets)}, got {unknown}")
        rows = []
        for target in targets:
            l_vec = self.l_vecs[target]
            known = {
                float(r.value): (float(r.lb), float(r.ub))
                for r in self.robust[self.robust["target"] == target].itertuples()
            }

            def excludes(v: float, known=known, l_vec=l_vec, target=target) -> bool:
                if v not in known:
                    lb, ub, *_ = self._robust_set(l_vec, v, target)
                    known[v] = (lb, ub)
                lb, ub = known[v]
                return bool(lb > 0 or ub < 0)

            values = sorted(set(known) | {0.0})
            note = ""
            lo = hi = np.nan
            if not excludes(0.0):
                lb0, _ = known[0.0]
                note = (
                    f"the data reject the restriction at {self.parameter} = 0"
                    if np.isnan(lb0)
                    else f"the robust set includes zero already at {self.parameter} = 0"
                )
            else:
                lo = 0.0
                for v in values[1:]:
                    if excludes(v):
                        lo = v
                    else:
                        hi = v
                        break
                v = max(values)
                doublings = 0
                while np.isnan(hi) and doublings < _MAX_DOUBLINGS:
                    v = 2 * v if v > 0 else top
                    doublings += 1
                    if excludes(v):
                        lo = v
                    else:
                        hi = v
                if np.isnan(hi):
                    note = f"the robust set excludes zero up to {self.parameter} = {lo:g}"
                    lo, hi = np.inf, np.nan
                else:
                    while hi - lo > tol:
                        mid = 0.5 * (lo + hi)
                        if excludes(mid):
                            lo = mid
                        else:
                            hi = mid
            rows.append(
                {
                    "method": self.method,
                    "parameter": self.parameter,
                    "target": target,
                    "rel_time": self.original.set_index("target").loc[target, "rel_time"],
                    "breakdown": lo,
                    "bracket_high": hi,
                    "note": note,
                }
            )
        out = pd.DataFrame(rows)
        out["rel_time"] = pd.array(out["rel_time"], dtype="Int64")
        return out

    def summary(self) -> str:
        """Return a readable multi-line summary."""
        name = {
            "relative_magnitudes": "relative magnitudes, Delta^RM(Mbar)",
            "smoothness": "smoothness, Delta^SD(M)",
        }[self.method]
        lines = [
            f"Sensitivity to violations of parallel trends (Rambachan-Roth): {name}",
            f"  {self.n_pre} pre-period and {self.n_post} post-period coefficients; "
            f"{self.ci_method} robust {100 * (1 - self.alpha):g}% confidence sets",
        ]
        tab = self.table()
        for target in self.targets:
            o = self.original.set_index("target").loc[target]
            lines += [
                "",
                f"  {target}: estimate {o['estimate']:.5g}, original CI "
                f"[{o['lb']:.5g}, {o['ub']:.5g}]",
                f"    {self.parameter:>6}   robust CI",
            ]
            for r in tab[tab["target"] == target].itertuples():
                lines.append(f"    {r.value:>6.4g}   [{r.lb:.5g}, {r.ub:.5g}]")
        lines += [f"  {n}" for n in self.notes]
        return "\n".join(lines)

    # ----------------------------------------------------------------- figure

    def plot(self, target: str = "average", ax: Axes | None = None) -> Axes:
        """Draw the robust sets against the bound, the original interval at the left.

        R's ``createSensitivityPlot_relativeMagnitudes`` (``createSensitivityPlot`` for
        smoothness): one interval per bound, the original one placed a grid step before the
        smallest bound, and a line at zero.

        Parameters
        ----------
        target : str, default "average"
            One of :attr:`targets`.
        ax : matplotlib.axes.Axes, optional
            Axes to draw on; by default a new figure (Agg canvas, no pyplot state).

        Returns
        -------
        matplotlib.axes.Axes

        """
        if target not in self.targets:
            raise ValueError(f"target must be one of {list(self.targets)}, got {target!r}")
        if ax is None:
            from matplotlib.backends.backend_agg import FigureCanvasAgg
            from matplotlib.figure import Figure

            fig = Figure(figsize=(7, 4.5))
            FigureCanvasAgg(fig)
            ax = fig.add_subplot()
        rob = self.robust[self.robust["target"] == target]
        x = rob["value"].to_numpy(dtype=float)
        gap = float(np.min(np.diff(np.sort(x)))) if x.size > 1 else max(float(x[0]), 1.0) / 2
        x0 = float(x.min()) - gap
        o = self.original.set_index("target").loc[target]
        ok = np.isfinite(rob["lb"].to_numpy(dtype=float))
        lo, hi = rob["lb"].to_numpy(dtype=float), rob["ub"].to_numpy(dtype=float)
        mid = (lo + hi) / 2
        ax.errorbar(
            [x0], [(o["lb"] + o["ub"]) / 2], yerr=[[(o["ub"] - o["lb"]) / 2]], fmt="none",
            color=COLOURS["overall"], capsize=4, linewidth=1.6,
            label="original (parallel trends)",
        )
        ax.errorbar(
            x[ok], mid[ok], yerr=(hi[ok] - lo[ok]) / 2, fmt="none", color=COLOURS["estimate"],
            capsize=4, linewidth=1.6, label=f"robust ({self.ci_method})",
        )
        ax.axhline(0.0, color=COLOURS["reference"], linewidth=0.8)
        ticks = [x0, *x.tolist()]
        ax.set_xticks(ticks)
        ax.set_xticklabels(["orig."] + [f"{v:g}" for v in x])
        if self.method == "relative_magnitudes":
            ax.set_xlabel(
                "Mbar: post-period trend changes at most Mbar \u00d7 the largest pre-period one"
            )
        else:
            ax.set_xlabel("M: change in the slope of the trend difference per period, at most M")
        what = target if target in ("average", "custom") else target.replace("post", "post period")
        effect = f"Effect on {self.outcome}" if self.outcome else "Effect"
        ax.set_ylabel(textwrap.fill(f"{effect} ({what}), {100 * (1 - self.alpha):g}% CI", 40))
        ax.set_title(
            "Sensitivity to violations of parallel trends ("
            + ("relative magnitudes" if self.method == "relative_magnitudes" else "smoothness")
            + ")"
        )
        ax.legend(loc="best", fontsize="small", frameon=False)
        return ax


# --------------------------------------------------------------------------- entry point


def _check_inputs(betahat, sigma, n_pre: int, n_post: int) -> tuple[np.ndarray, np.ndarray]:
    for name, v in (("n_pre", n_pre), ("n_post", n_post)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    b = np.asarray(betahat, dtype=float).reshape(-1)
    s = np.asarray(sigma, dtype=float)
    if b.size != n_pre + n_post:
        raise ValueError(
            f"betahat has {b.size} coefficients but n_pre + n_post = {n_pre + n_post}"
        )
    if s.shape != (b.size, b.size):
        raise ValueError(f"sigma must be {b.size} x {b.size}, got shape {s.shape}")
    if not (np.all(np.isfinite(b)) and np.all(np.isfinite(s))):
        raise ValueError("betahat and sigma must be finite")
    asym = float(np.max(np.abs(s - s.T))) if s.size else 0.0
    if asym > 1e-8 * max(float(np.max(np.abs(s))), 1e-300):
        raise ValueError(f"sigma is not symmetric (largest asymmetry {asym:.3g})")
    s = (s + s.T) / 2
    if np.min(np.linalg.eigvalsh(s)) < -1e-10 * max(float(np.max(np.diag(s))), 1e-300):
        warnings.warn("sigma is not positive semi-definite", stacklevel=3)
    return b, s


def honest_did(
    betahat: Sequence[float] | np.ndarray,
    sigma: np.ndarray,
    n_pre: int,
    n_post: int,
    *,
    method: Literal["relative_magnitudes", "smoothness"] = "relative_magnitudes",
    grid: Sequence[float] | None = None,
    l_vec: Sequence[float] | None = None,
    alpha: float = 0.05,
    rel_times: Sequence[int] | None = None,
    outcome: str | None = None,
    grid_points: int = 1000,
    refine: bool = True,
    lf_sims: int = 10_000,
    seed: int = 0,
) -> HonestResult:
    """Robust confidence sets for event-study effects under bounded violations of parallel trends.

    Parameters
    ----------
    betahat : array_like
        Event-study coefficients, the ``n_pre`` pre-period ones (earliest first) then the
        ``n_post`` post-period ones, the reference period (normalised to 0, just before the
        start) left out. Periods must be consecutive.
    sigma : ndarray
        Their covariance.
    n_pre, n_post : int
        Numbers of pre- and post-period coefficients.
    method : {"relative_magnitudes", "smoothness"}, default "relative_magnitudes"
        The bound on the post-period difference in trends: ``Delta^RM(Mbar)`` with C-LF
        confidence sets, or ``Delta^SD(M)`` with optimal FLCIs (R HonestDiD's defaults).
    grid : sequence of float, optional
        Values of ``Mbar`` (or ``M``, in the outcome's units per period squared); non-negative.
        Default as R: ten values on ``[0, 2]`` for ``Mbar``; ten on ``[0, Mub]`` for ``M``,
        ``Mub`` the upper ``1 - alpha`` confidence bound on the largest pre-period second
        difference (``DeltaSD_upperBound_Mpre``; the pre-period standard error with one
        pre-period).
    l_vec : sequence of float, optional
        Weights of one target ``l_vec' tau_post`` (target ``"custom"``). Default: the average
        of the post-period effects (``"average"``, equal weights) and, with several post
        periods, each of them (``"post 1"``, ...).
    alpha : float, default 0.05
        Sets have level ``1 - alpha``.
    rel_times : sequence of int, optional
        Relative time of each coefficient (for the ``rel_time`` column); default ``-n_pre-1
        .. -2`` then ``0 .. n_post-1`` (reference ``-1``).
    outcome : str, optional
        Label of the outcome, for the figure.
    grid_points : int, default 1000
        Relative magnitudes: points of the test grid (R's ``gridPoints``).
    refine : bool, default True
        Relative magnitudes: refine the ends of each set between grid points (``False``: the
        extreme accepted grid points, as R reports them).
    lf_sims : int, default 10000
        Relative magnitudes: draws for the least-favourable critical value (R: 1000).
    seed : int, default 0
        Seed of those draws.

    Returns
    -------
    HonestResult

    Raises
    ------
    ValueError
        For inputs of the wrong shape, non-finite or asymmetric ``sigma``, an unknown
        ``method``, a negative or non-finite bound, or an ``l_vec`` of the wrong length.

    Notes
    -----
    With ``beta = tau + delta`` (``tau`` the effects, zero before the start; ``delta`` the
    difference in trends, ``delta_0 = 0`` at the reference period), the target is
    ``theta = l_vec' tau_post`` and the restriction bounds ``delta_post`` by ``delta_pre``
    (identified by the pre-period coefficients). See
    :mod:`wellby.estimators.honest_did_inference` for how each set is computed and how it
    relates to R HonestDiD 0.2.8.
    """
    if method not in HONEST_METHODS:
        raise ValueError(f"method must be one of {HONEST_METHODS}, got {method!r}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha}")
    b, s = _check_inputs(betahat, sigma, n_pre, n_post)
    if method == "relative_magnitudes" and (
        isinstance(grid_points, bool) or not isinstance(grid_points, (int, np.integer))
        or grid_points < 10
    ):
        raise ValueError(f"grid_points must be an integer >= 10, got {grid_points!r}")
    if rel_times is None:
        rel = tuple(range(-n_pre - 1, -1)) + tuple(range(n_post))
    else:
        rel = tuple(int(v) for v in rel_times)
        if len(rel) != n_pre + n_post:
            raise ValueError(f"rel_times must have {n_pre + n_post} entries, got {len(rel)}")
    if grid is None:
        if method == "relative_magnitudes":
            values = np.linspace(0.0, 2.0, 10)
        else:
            top = (
                math.sqrt(s[0, 0]) if n_pre == 1 else sd_upper_bound_m(b, s, n_pre, alpha=0.05)
            )
            values = np.linspace(0.0, max(top, 0.0), 10)
    else:
        values = np.asarray(grid, dtype=float).reshape(-1)
        if values.size == 0 or not np.all(np.isfinite(values)) or np.any(values < 0):
            raise ValueError("grid must hold finite non-negative values")
    values = np.unique(values)
    if l_vec is None:
        l_vecs = {"average": np.full(n_post, 1.0 / n_post)}
        if n_post > 1:
            for k in range(n_post):
                e = np.zeros(n_post)
                e[k] = 1.0
                l_vecs[f"post {k + 1}"] = e
    else:
        lv = np.asarray(l_vec, dtype=float).reshape(-1)
        if lv.size != n_post or not np.all(np.isfinite(lv)) or not np.any(lv != 0):
            raise ValueError(f"l_vec must hold {n_post} finite weights, not all zero")
        l_vecs = {"custom": lv}
    ci_method, parameter = _SPEC[method]
    orig_rows = []
    for target, lv in l_vecs.items():
        est, se, lb, ub = original_ci(b, s, n_pre, lv, alpha)
        k = int(target.split()[1]) if target.startswith("post ") else None
        orig_rows.append(
            {
                "target": target,
                "rel_time": rel[n_pre + k - 1] if k is not None else None,
                "estimate": est,
                "std_error": se,
                "lb": lb,
                "ub": ub,
            }
        )
    original = pd.DataFrame(orig_rows)
    original["rel_time"] = pd.array(original["rel_time"], dtype="Int64")
    result = HonestResult(
        method=method,
        ci_method=ci_method,
        parameter=parameter,
        grid=tuple(float(v) for v in values),
        alpha=float(alpha),
        n_pre=int(n_pre),
        n_post=int(n_post),
        targets=tuple(l_vecs),
        l_vecs=l_vecs,
        rel_times=rel,
        robust=pd.DataFrame(),
        original=original,
        betahat=b,
        sigma=s,
        options={"grid_points": int(grid_points), "refine": bool(refine),
                 "lf_sims": int(lf_sims), "seed": int(seed)},
        outcome=outcome,
    )
    rows, notes = [], []
    for target, lv in l_vecs.items():
        for v in values:
            lb, ub, id_lb, id_ub, note = result._robust_set(lv, float(v), target)
            rows.append({"target": target, "value": float(v), "lb": lb, "ub": ub,
                         "id_lb": id_lb, "id_ub": id_ub})
            notes += [f"{target}, {parameter} = {v:g}: {n}" for n in note]
    object.__setattr__(result, "robust", pd.DataFrame(rows))
    object.__setattr__(result, "notes", tuple(notes))
    return result
