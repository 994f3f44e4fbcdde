"""Group-time average treatment effects ``ATT(g, t)`` and their influence functions.

:func:`group_time_effects` runs one 2x2 comparison (:mod:`.drdid`) for every cohort ``g``
and period ``t``: the cohort against the never-treated or not-yet-treated units, from the
base period that ``base_period`` and ``anticipation`` set, as R did's ``compute.att_gt``.
It returns the estimates with their influence functions, one column per cell scaled as R
did scales them, in a :class:`GroupTimeCells`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from wellby.estimators.callaway_santanna.drdid import panel_2x2, rcs_2x2
from wellby.estimators.callaway_santanna.preprocess import PreparedData

__all__ = ["BASE_PERIODS", "GroupTimeCells", "group_time_effects"]

BASE_PERIODS: tuple[str, ...] = ("varying", "universal")


# --------------------------------------------------------------------------- ATT(g, t)


@dataclass
class GroupTimeCells:
    """The ATT(g, t) cells: indices, estimates (NaN if not estimated) and influence functions."""

    group: np.ndarray  # cohort period index
    period: np.ndarray  # current period index
    base: np.ndarray  # base period index
    att: np.ndarray
    inf: np.ndarray  # (n, K) influence functions, scaled as in R did
    n_obs: np.ndarray  # rows used by each 2x2


def group_time_effects(
    dat: PreparedData, method: str, control_group: str, base_period: str, anticipation: int
) -> GroupTimeCells:
    """Estimate every ATT(g, t) with its influence function (R did's ``compute.att_gt``)."""
    periods = dat.periods
    n = dat.n
    first_cur = 1 if base_period == "varying" else 0
    n_cells = len(dat.groups) * max(dat.last_period + 1 - first_cur, 0)
    inf_mat = np.zeros((n, n_cells), order="F")  # column-wise writes stay contiguous
    groups, curs, bases, atts, nobs = [], [], [], [], []
    never = dat.cohort < 0
    observed = ~np.isnan(dat.y_wide) if dat.design == "panel" else None
    for gi in dat.groups:
        treat = dat.cohort == gi
        for cur in range(first_cur, dat.last_period + 1):
            post = cur >= gi
            base = gi - anticipation - 1 if (post or base_period == "universal") else cur - 1
            groups.append(gi)
            curs.append(cur)
            bases.append(base)
            what = f"ATT(g={periods[gi]:g}, t={periods[cur]:g})"
            if base == cur:  # universal base period: the reference cell
                atts.append(0.0)
                nobs.append(0)
                continue
            if control_group == "never_treated":
                ctrl = never
            else:
                ctrl = never | ((dat.cohort > max(cur, base) + anticipation) & ~treat)
            if dat.design == "panel":
                ok = (treat | ctrl) & observed[:, cur] & observed[:, base]
                xb = dat.x_wide[:, base, :]
                if xb.shape[1]:
                    ok &= ~np.isnan(xb).any(axis=1)
                idx = np.flatnonzero(ok)
                d = treat[idx].astype(float)
                n_t = int(np.count_nonzero(d))
                n_c = idx.size - n_t
                if n_t == 0 or n_c == 0:
                    atts.append(np.nan)
                    nobs.append(0)
                    warnings.warn(
                        f"{what}: no {'units of the cohort' if n_t == 0 else 'control units'} "
                        "observed in both periods; not estimated",
                        stacklevel=4,
                    )
                    continue
                xmat = np.column_stack([np.ones(idx.size), xb[idx]]) if xb.shape[1] else (
                    np.ones((idx.size, 1))
                )
                dy = dat.y_wide[idx, cur] - dat.y_wide[idx, base]
                att, inf = panel_2x2(method, dy, d, xmat, dat.w[idx], what)
                rows_used = 2 * idx.size
            else:
                ok = (treat | ctrl) & ((dat.t == cur) | (dat.t == base))
                idx = np.flatnonzero(ok)
                d = treat[idx].astype(float)
                pst = (dat.t[idx] == cur).astype(float)
                cells = [int(np.sum((d == a) & (pst == b))) for a in (0, 1) for b in (0, 1)]
                if min(cells) == 0:
                    atts.append(np.nan)
                    nobs.append(0)
                    warnings.warn(
                        f"{what}: the cohort or the control group has no observations "
                        "in one of the two periods; not estimated",
                        stacklevel=4,
                    )
                    continue
                xmat = np.column_stack([np.ones(idx.size), dat.x[idx]])
                att, inf = rcs_2x2(method, dat.y[idx], pst, d, xmat, dat.w[idx], what)
                rows_used = idx.size
            inf_mat[idx, len(atts)] = (n / idx.size) * inf
            atts.append(float(att))
            nobs.append(rows_used)
    return GroupTimeCells(
        group=np.array(groups, dtype=np.intp),
        period=np.array(curs, dtype=np.intp),
        base=np.array(bases, dtype=np.intp),
        att=np.array(atts),
        inf=inf_mat,
        n_obs=np.array(nobs, dtype=np.int64),
    )
