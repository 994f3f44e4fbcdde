"""The variance components of a wellbeing survey's outcome, which a DiD's power depends on.

For resident ``i`` of area ``j`` in wave ``t``::

    y_ijt = mu_gt + a_j + u_jt + p_i + e_it

``mu_gt`` the mean of the area's treatment group ``g`` in wave ``t``, ``a_j`` a persistent
area effect (variance ``sigma_a^2``), ``u_jt`` an area-by-wave shock (``sigma_u^2``),
``p_i`` a persistent person effect (``sigma_p^2``; in a repeated cross-section part of the
noise) and ``e_it`` the rest (``sigma_e^2``). :func:`variance_components` estimates them
from the study's rows; :mod:`wellby.analysis.power` turns them into the minimum detectable
effect and the planning table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from wellby.estimators.fixed_effects import compress_codes, demean

__all__ = ["Design", "VarianceComponents", "check_design_name", "variance_components"]

Design = Literal["panel", "repeated_cross_section"]
_DESIGNS = ("panel", "repeated_cross_section")


# --------------------------------------------------------------------------- components


@dataclass(frozen=True)
class VarianceComponents:
    """The variance components of one outcome that a DiD's precision depends on.

    Attributes
    ----------
    outcome : str
        Outcome column (or a label for assumed components).
    design : {"panel", "repeated_cross_section"}
        Panel: the same residents in every wave; repeated cross-section: new ones.
    area : float
        ``sigma_a^2``, the persistent between-area variance.
    area_wave : float
        ``sigma_u^2``, the area-by-wave (time-varying cluster) variance.
    person : float
        ``sigma_p^2``, the persistent between-person variance within areas (0 for a
        repeated cross-section, where it cannot be told from ``residual``).
    residual : float
        ``sigma_e^2``, the rest: the within-person variance across waves (a repeated
        cross-section: the whole within-area-and-wave variance).
    n_obs, n_areas, n_waves : int
        Rows, areas and waves the estimates rest on (0 for assumed components).
    n_persons : int or None
        Persons (panel only).
    persons_per_area : float
        Mean residents per area and wave (rows / non-empty area-wave cells).
    harmonic_persons : float
        Harmonic mean of the cells' sizes (what the sampling noise of a cell mean uses).
    n_treated_areas, n_control_areas : int or None
        Areas ever treated and never treated (``None`` without a treatment column).
    n_pre, n_post : int or None
        Waves before and from the start, when every treated area starts in the same wave
        (a 2x2 or one-cohort design); ``None`` otherwise.
    method : str
        How the components were obtained.
    """

    outcome: str
    design: str
    area: float
    area_wave: float
    person: float
    residual: float
    n_obs: int = 0
    n_areas: int = 0
    n_waves: int = 0
    n_persons: int | None = None
    persons_per_area: float = math.nan
    harmonic_persons: float = math.nan
    n_treated_areas: int | None = None
    n_control_areas: int | None = None
    n_pre: int | None = None
    n_post: int | None = None
    method: str = "assumed"

    @classmethod
    def from_shares(
        cls,
        *,
        total: float = 1.0,
        icc_area: float,
        icc_area_wave: float,
        rho: float = 0.0,
        design: Design = "panel",
        outcome: str = "outcome",
    ) -> VarianceComponents:
        """Build components from a total variance, two ICCs and the panel correlation.

        Parameters
        ----------
        total : float, default 1.0
            ``sigma^2``, the total variance of the outcome (1: effects in SD units).
        icc_area, icc_area_wave : float
            Shares of ``total`` between areas (persistent) and between area-waves.
        rho : float, default 0.0
            Correlation of a resident's outcome across waves net of the area's and the
            area-wave's (``sigma_p^2 / (sigma_p^2 + sigma_e^2)``); panels only.
        design : {"panel", "repeated_cross_section"}, default "panel"
        outcome : str, default "outcome"

        Returns
        -------
        VarianceComponents
        """
        check_design_name(design)
        if not (total > 0 and 0 <= icc_area and 0 <= icc_area_wave
                and icc_area + icc_area_wave < 1 and 0 <= rho < 1):
            raise ValueError("need total > 0, ICCs >= 0 summing below 1 and 0 <= rho < 1")
        within = total * (1 - icc_area - icc_area_wave)
        rho = rho if design == "panel" else 0.0
        return cls(outcome=outcome, design=design, area=total * icc_area,
                   area_wave=total * icc_area_wave, person=within * rho,
                   residual=within * (1 - rho))

    @property
    def within(self) -> float:
        """``sigma_w^2 = sigma_p^2 + sigma_e^2``, the variance within an area and wave."""
        return self.person + self.residual

    @property
    def total(self) -> float:
        """``sigma^2``, the total variance net of group-by-wave means."""
        return self.area + self.area_wave + self.within

    @property
    def icc_area(self) -> float:
        """The area-level intra-cluster correlation ``sigma_a^2 / sigma^2`` (persistent)."""
        return self.area / self.total

    @property
    def icc_area_wave(self) -> float:
        """The area-by-wave share ``sigma_u^2 / sigma^2``."""
        return self.area_wave / self.total

    @property
    def rho(self) -> float:
        """The within-person correlation across waves ``sigma_p^2 / sigma_w^2`` (0 if RCS)."""
        return self.person / self.within if self.within > 0 else 0.0

    def tidy(self) -> pd.DataFrame:
        """Return one row: the components, their shares and the counts."""
        row = {
            "outcome": self.outcome, "design": self.design, "total": self.total,
            "area": self.area, "area_wave": self.area_wave, "person": self.person,
            "residual": self.residual, "icc_area": self.icc_area,
            "icc_area_wave": self.icc_area_wave, "rho": self.rho, "n_obs": self.n_obs,
            "n_areas": self.n_areas, "n_waves": self.n_waves, "n_persons": self.n_persons,
            "persons_per_area": self.persons_per_area,
            "n_treated_areas": self.n_treated_areas, "n_control_areas": self.n_control_areas,
            "n_pre": self.n_pre, "n_post": self.n_post, "method": self.method,
        }
        return pd.DataFrame([row])


def check_design_name(design: str) -> None:
    """Refuse a design other than ``panel`` or ``repeated_cross_section``."""
    if design not in _DESIGNS:
        raise ValueError(f"design must be one of {_DESIGNS}, not {design!r}")


def _codes(values: pd.Series) -> tuple[np.ndarray, int]:
    codes, uniques = pd.factorize(values)
    return codes.astype(np.intp), len(uniques)


def residual_on_persons_and_cells(y: np.ndarray, person: np.ndarray, area: np.ndarray,
                                  wave: np.ndarray, n_waves: int) -> np.ndarray:
    """Residual of ``y`` on person and area-by-wave effects, each person in one area.

    Parameters
    ----------
    y : ndarray of float
        The outcome, one value per row.
    person, area, wave : ndarray of int
        Dense codes of each row's person (``0 .. P-1``), area and wave (``0 ..
        n_waves-1``). Every person's rows are in one area.
    n_waves : int
        The number of waves.

    Returns
    -------
    ndarray of float
        ``y`` less its least-squares fit on person and area-by-wave dummies.

    Notes
    -----
    :func:`wellby.estimators.fixed_effects.demean` gives the same residual by alternating
    projections, which converge slowly between persons and area-by-wave cells in an
    unbalanced panel (about 30 sweeps at three million rows, a second of the power step);
    the cells are too many for its direct solution of a small factor. Persons nested in
    areas make the problem separable: once ``y`` and the cell dummies are demeaned within
    persons, the dummies of different areas share no row, so their Gram matrix is block
    diagonal, one block of at most ``n_waves`` by ``n_waves`` per area. Each block is
    singular (an area's dummies sum to one, constant within its persons): its
    pseudo-inverse gives the least-squares cell effects. ``tests/test_power.py`` holds the
    result to ``demean`` and to statsmodels' OLS on the dummies.
    """
    n_persons = int(person.max()) + 1 if person.size else 0
    n_areas = int(area.max()) + 1 if area.size else 0
    person_rows = np.bincount(person, minlength=n_persons).astype(np.float64)
    person_rows[person_rows == 0] = 1.0  # codes without rows: their sums are zero anyway
    y_within = y - (np.bincount(person, weights=y, minlength=n_persons) / person_rows)[person]
    # rows of each person in each wave, and the area of each person
    counts = np.bincount(person * n_waves + wave, minlength=n_persons * n_waves
                         ).reshape(n_persons, n_waves).astype(np.float64)
    person_area = np.zeros(n_persons, dtype=np.intp)
    person_area[person] = area
    cell = area * n_waves + wave
    # Gram blocks of the within-person cell dummies: D'D - C' diag(1 / rows) C by area
    gram = np.zeros((n_areas, n_waves, n_waves))
    diagonal = np.arange(n_waves)
    gram[:, diagonal, diagonal] = np.bincount(cell, minlength=n_areas * n_waves
                                              ).reshape(n_areas, n_waves)
    shares = counts / person_rows[:, None]
    for t in range(n_waves):
        for s in range(t, n_waves):
            cross = np.bincount(person_area, weights=shares[:, t] * counts[:, s],
                                minlength=n_areas)
            gram[:, t, s] -= cross
            if s != t:
                gram[:, s, t] -= cross
    # D~'y~ = D'y~: the person sums of y~ are zero
    rhs = np.bincount(cell, weights=y_within, minlength=n_areas * n_waves
                      ).reshape(n_areas, n_waves)
    # rcond: the null direction of a block is zero up to rounding of counts in the
    # hundreds; its other eigenvalues are of the order of one row or more
    effects = np.einsum("aij,aj->ai", np.linalg.pinv(gram, rcond=1e-10, hermitian=True),
                        rhs).reshape(-1)[cell]
    effects -= (np.bincount(person, weights=effects, minlength=n_persons)
                / person_rows)[person]
    return y_within - effects


def variance_components(
    data: pd.DataFrame,
    outcome: str,
    *,
    area: str,
    wave: str,
    person: str | None = None,
    treated_col: str | None = None,
) -> VarianceComponents:
    """Estimate an outcome's variance components from the study's own rows.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per resident and wave.
    outcome : str
        Numeric outcome.
    area, wave : str
        The area (cluster) and wave columns.
    person : str, optional
        The resident's id: given, the design is a panel and the within-person correlation
        is estimated; omitted, a repeated cross-section. The area itself (a panel of areas,
        such as counties) is taken as omitted: the area effect is then the unit's.
    treated_col : str, optional
        0/1 treatment indicator (1 = the area is treated in that wave). Areas are grouped
        by their first treated wave (never treated: one group), and the group-by-wave
        means, which hold the programme's effect, are removed before the components are
        estimated. Omitted: only wave means are removed.

    Returns
    -------
    VarianceComponents

    Raises
    ------
    ValueError
        For a missing or non-numeric column, fewer than two waves, or too few areas or
        residents to estimate a component.

    Notes
    -----
    A method-of-moments (ANOVA) estimator, not a mixed model: a few passes of
    :func:`numpy.bincount` over the rows, one fixed-effects sweep (panel) and the small
    table of area-by-wave means, so a million-row panel takes about a second. A mixed
    model (statsmodels ``MixedLM``) would carry one random effect per resident (200,000 in
    such a panel) through an iterated likelihood, far slower and apt to fail to converge
    near a zero component. For a balanced design the ANOVA estimates are unbiased and are
    REML's whenever none is negative (``tests/test_power.py`` checks this against
    ``MixedLM``); negative ones are set to 0. With ``m`` the harmonic mean cell size:

    1. ``sigma_w^2``: the pooled variance within area-wave cells (``N - cells`` df).
    2. The cell means, less their group-by-wave means: their mean square ``s_c^2``
       estimates ``sigma_a^2 + sigma_u^2 + sigma_w^2 / m``.
    3. The cell means, less area and group-by-wave effects (two-way residual, ``(J - G)
       (T - 1)`` df balanced): their mean square ``s_i^2`` estimates
       ``sigma_u^2 + sigma_e^2 / m`` in a panel (the person effects' cell means are
       constant within an area and go with the area effect), ``sigma_u^2 +
       sigma_w^2 / m`` in a repeated cross-section.
    4. Panel: ``sigma_e^2`` is the residual mean square of the rows on person and
       area-by-wave effects (exact for unbalanced panels: the person effects are absorbed),
       ``sigma_p^2 = sigma_w^2 - sigma_e^2``.

    Then ``sigma_u^2 = s_i^2 - sigma_e^2/m`` (RCS: ``- sigma_w^2/m``) and ``sigma_a^2 =
    s_c^2 - s_i^2 - (sigma_w^2 - sigma_e^2)/m`` (RCS: ``s_c^2 - s_i^2``). With attrition
    the persons in a cell change between waves and step 3 carries some of ``sigma_p^2``
    into ``sigma_u^2``: the estimate errs upwards, and so does the MDE. Effects that vary
    between treated areas also count as ``sigma_u^2`` after the start. A person is taken
    to stay in one area (a mover counts as a new person in the new area).
    """
    if person == area:  # units are the areas (a county panel): the area effect is the unit's
        person = None
    cols = [outcome, area, wave] + [c for c in (person, treated_col) if c]
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise ValueError(f"columns not in the data: {missing}")
    y_all = pd.to_numeric(data[outcome], errors="coerce")
    keep = y_all.notna() & data[[area, wave]].notna().all(axis=1)
    for c in (person, treated_col):
        if c:
            keep &= data[c].notna()
    frame = data.loc[keep, [c for c in cols if c != outcome]]
    y = y_all[keep].to_numpy(dtype=np.float64)
    if y.size == 0:
        raise ValueError(f"no rows with '{outcome}' and the design columns observed")

    area_c, n_areas = _codes(frame[area])
    waves = np.sort(frame[wave].unique())
    wave_c = np.searchsorted(waves, frame[wave].to_numpy())
    n_waves = waves.size
    if n_waves < 2:
        raise ValueError("need at least two waves to estimate the area-by-wave component")
    cell = area_c * n_waves + wave_c
    n_cell = np.bincount(cell, minlength=n_areas * n_waves).astype(np.float64)
    present = n_cell > 0

    # group of each area: its first treated wave (-1 never treated)
    group = np.full(n_areas, -1, dtype=np.intp)
    n_pre = n_post = n_treated = n_control = None
    if treated_col:
        d = pd.to_numeric(frame[treated_col], errors="coerce").to_numpy(dtype=np.float64)
        if not np.isin(d, (0.0, 1.0)).all():
            raise ValueError(f"treated_col '{treated_col}' must be 0/1")
        first = np.full(n_areas, n_waves, dtype=np.intp)
        np.minimum.at(first, area_c[d == 1], wave_c[d == 1])
        group = np.where(first < n_waves, first, -1)
        starts = np.unique(group[group >= 0])
        n_treated = int((group >= 0).sum())
        n_control = n_areas - n_treated
        if starts.size == 1:
            n_pre, n_post = int(starts[0]), int(n_waves - starts[0])
    grp_codes, n_groups = compress_codes(group + 1)

    # 1. within cells
    sums = np.bincount(cell, weights=y, minlength=n_cell.size)
    means = np.divide(sums, n_cell, out=np.zeros_like(sums), where=present)
    dev = y - means[cell]
    df_within = y.size - int(present.sum())
    # One row per area and wave (a panel of areas, such as counties): the residual cannot be
    # told from the area-by-wave shock, so it is counted in it (within = 0). A DiD of such a
    # panel needs only their sum; more residents per area cannot be planned from it.
    within = float(dev @ dev) / df_within if df_within > 0 else 0.0

    # 2. and 3. the table of cell means
    idx = np.flatnonzero(present)
    c_area, c_wave = idx // n_waves, idx % n_waves
    c_mean = means[idx]
    gw, n_gw = compress_codes(grp_codes[c_area] * n_waves + c_wave)
    c_area_dense, n_area_used = compress_codes(c_area)
    gw_sum = np.bincount(gw, weights=c_mean, minlength=n_gw)
    gw_n = np.bincount(gw, minlength=n_gw)
    r = c_mean - (gw_sum / gw_n)[gw]
    df_cells = idx.size - n_gw
    df_int = idx.size - n_area_used - n_gw + n_groups
    if df_cells <= 0 or df_int <= 0:
        raise ValueError("too few areas per group and wave to estimate the area components "
                         "(need two or more areas in some group, observed in two waves)")
    s_cells = float(r @ r) / df_cells
    r_int = demean(c_mean, [c_area_dense, gw], tol=1e-12)
    s_int = float(r_int @ r_int) / df_int
    m_h = float(idx.size / np.sum(1.0 / n_cell[idx]))

    # 4. panel: residual within persons
    n_persons = None
    if person:
        design = "panel"
        pid, _ = _codes(frame[person])
        pcode, n_persons = _codes(pd.Series(pid.astype(np.int64) * n_areas + area_c))
        df_e = y.size - n_persons - idx.size + n_area_used
        if df_e <= 0:
            raise ValueError("no resident is observed in two waves: the within-person "
                             "correlation is not identified (use person=None)")
        e = residual_on_persons_and_cells(y, pcode, area_c, wave_c, n_waves)
        residual = min(float(e @ e) / df_e, within)
        person_var = within - residual
        area_wave = max(s_int - residual / m_h, 0.0)
        area_var = max(s_cells - s_int - person_var / m_h, 0.0)
    else:
        design = "repeated_cross_section"
        residual, person_var = within, 0.0
        area_wave = max(s_int - within / m_h, 0.0)
        area_var = max(s_cells - s_int, 0.0)
    return VarianceComponents(
        outcome=outcome, design=design, area=area_var, area_wave=area_wave,
        person=person_var, residual=residual, n_obs=int(y.size), n_areas=n_areas,
        n_waves=int(n_waves), n_persons=n_persons,
        persons_per_area=float(y.size / idx.size), harmonic_persons=m_h,
        n_treated_areas=n_treated, n_control_areas=n_control, n_pre=n_pre, n_post=n_post,
        method="anova (method of moments on area-by-wave means)",
    )
