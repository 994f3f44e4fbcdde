"""Stack cleaned waves into one analysis file and attach treatment timing.

The treatment indicator is derived from the cohort (the first treated wave of the area),
never typed in by hand: a row is treated when its area's cohort is set (non-zero) and the
row's wave is at or after it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from wellby.cleaning import map_distinct
from wellby.errors import DataError, format_rows
from wellby.ingest import SOURCE_ROW

TREATED = "treated"
EVER_TREATED = "ever_treated"
REL_TIME = "rel_time"


def stack_waves(waves: Sequence[pd.DataFrame], wave_column: str) -> pd.DataFrame:
    """Stack cleaned waves in wave order, keeping categorical subgroup columns.

    Parameters
    ----------
    waves : sequence of pandas.DataFrame
        The cleaned waves.
    wave_column : str
        The wave column, used to order the stacked rows.

    Returns
    -------
    pandas.DataFrame
    """
    if not waves:
        raise DataError("no waves to stack", config_key="data.waves")
    stacked = pd.concat(list(waves), ignore_index=True, sort=False)
    for column in stacked.columns:
        kinds = {pd.api.types.is_numeric_dtype(w[column]) for w in waves if column in w}
        if len(kinds) > 1:  # numeric codes in one wave, text in another: keep all as text
            stacked[column] = map_distinct(
                stacked[column],
                lambda v: str(int(v)) if isinstance(v, float) and v.is_integer() else str(v),
            ).astype("string")
    for column in waves[0].columns:
        if isinstance(waves[0][column].dtype, pd.CategoricalDtype):
            stacked[column] = pd.Categorical(stacked[column],
                                             categories=waves[0][column].cat.categories)
    return stacked.sort_values(wave_column, kind="stable").reset_index(drop=True)


def _where(rows: pd.DataFrame, wave: str, sources: Mapping[int, str]) -> tuple[str, list]:
    """Files and ``wave:row`` positions of some rows, for an error message."""
    waves = sorted(rows[wave].unique())
    files = ", ".join(str(sources.get(int(w), f"wave {w}")) for w in waves)
    positions = [f"{w}:{r}" for w, r in zip(rows[wave], rows[SOURCE_ROW], strict=True)]
    return files, positions


def check_cohort_constant(data: pd.DataFrame, area: str, cohort: str, wave: str,
                          sources: Mapping[int, str] | None = None) -> None:
    """Raise when an area has more than one cohort (first treated wave) across rows.

    The message names the files and the ``wave:row`` positions of the minority values.
    """
    counts = data.groupby(area, observed=True)[cohort].nunique()
    bad = counts[counts > 1].index.tolist()
    if not bad:
        return
    rows = data[data[area].isin(bad)]
    usual = rows.groupby(area, observed=True)[cohort].agg(lambda s: s.mode().iloc[0])
    odd = rows[rows[cohort].to_numpy() != usual.loc[rows[area]].to_numpy()]
    detail = rows[rows[area].isin(bad[:5])].groupby(area, observed=True)[cohort].unique()
    shown = "; ".join(
        f"{a}: {sorted(v.tolist())[:6]}{' ...' if len(v) > 6 else ''}"
        for a, v in list(detail.items())[:3])
    files, positions = _where(odd, wave, sources or {})
    raise DataError(
        f"the cohort (first treated wave) differs between rows of the same area in "
        f"{len(bad)} area(s): {shown}; rows shown as wave:row differ from their area's "
        "usual cohort",
        file=files, column=cohort, rows=positions, config_key="columns.cohort")


def check_one_area_per_person(data: pd.DataFrame, person: str, area: str, wave: str,
                              sources: Mapping[int, str] | None = None) -> None:
    """Raise when a respondent appears in more than one area."""
    counts = data.groupby(person)[area].nunique()
    bad = counts[counts > 1].index.tolist()
    if bad:
        rows = data[data[person].isin(bad[:10])].sort_values([person, wave])
        files, positions = _where(rows, wave, sources or {})
        raise DataError(
            f"{len(bad)} respondent(s) appear in more than one area, e.g. "
            f"{format_rows(bad, 5)}; person fixed effects must be nested in areas "
            "(rows shown as wave:row)",
            file=files, column=person, rows=positions, config_key="columns.id")


def attach_treatment(data: pd.DataFrame, wave: str, cohort: str) -> pd.DataFrame:
    """Add ``treated``, ``ever_treated`` and ``rel_time`` (wave - cohort) columns.

    Parameters
    ----------
    data : pandas.DataFrame
        Stacked waves with integer wave labels and cohorts (0 = never treated).
    wave, cohort : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        A copy with the three columns; ``rel_time`` is missing for never-treated rows.
    """
    out = data.copy()
    cohort_values = out[cohort].to_numpy()
    ever = cohort_values > 0
    out[EVER_TREATED] = ever.astype(np.int8)
    out[TREATED] = (ever & (out[wave].to_numpy() >= cohort_values)).astype(np.int8)
    rel = pd.array(out[wave].to_numpy() - cohort_values, dtype="Int64")
    rel[~ever] = pd.NA
    out[REL_TIME] = rel
    return out


def build_panel(waves: Sequence[pd.DataFrame], config: Mapping[str, Any]) -> pd.DataFrame:
    """Stack cleaned waves, check linkage and cohorts, and attach treatment timing.

    Parameters
    ----------
    waves : sequence of pandas.DataFrame
        The cleaned waves.
    config : mapping
        The validated study config.

    Returns
    -------
    pandas.DataFrame
        One row per respondent and wave.
    """
    columns = config["columns"]
    sources = {int(w["wave"]): w["path"] for w in config.get("data", {}).get("waves", [])}
    data = stack_waves(waves, columns["wave"])
    check_cohort_constant(data, columns["area"], columns["cohort"], columns["wave"], sources)
    if config["design"] == "panel":
        check_one_area_per_person(data, columns["id"], columns["area"], columns["wave"],
                                  sources)
    data = attach_treatment(data, columns["wave"], columns["cohort"])
    if not data[TREATED].any():
        raise DataError("no row is treated: no area has a cohort at or before the last wave",
                        column=columns["cohort"], config_key="columns.cohort")
    return data


def residents(data: pd.DataFrame, columns: Mapping[str, Any]) -> pd.DataFrame:
    """Rows of the area-level survey: everything but a followed cohort's rows.

    Parameters
    ----------
    data : pandas.DataFrame
        The analysis file.
    columns : mapping
        The config's ``columns`` (``member`` names the cohort flag, if any).

    Returns
    -------
    pandas.DataFrame
    """
    member = columns.get("member")
    if not member or member not in data.columns:
        return data
    return data[data[member] != 1]


def cohort_members(data: pd.DataFrame, columns: Mapping[str, Any]) -> pd.DataFrame:
    """Rows of the followed cohort (``columns.member`` = 1); empty without one."""
    member = columns.get("member")
    if not member or member not in data.columns:
        return data.iloc[0:0]
    return data[data[member] == 1]


def analysis_columns(columns: Mapping[str, Any], *extra: str,
                     covariates: Sequence[str] = ()) -> list[str]:
    """Columns a modelling step needs from the analysis file (read only these).

    Parameters
    ----------
    columns : mapping
        The config's ``columns``.
    *extra : str
        Further columns (the outcome, subgroup columns).
    covariates : sequence of str
        Model covariates.

    Returns
    -------
    list of str
        Distinct column names, in a stable order.
    """
    wanted = [columns.get(key) for key in ("id", "wave", "area", "cohort", "weight", "member")]
    wanted += [TREATED, EVER_TREATED, *extra, *covariates]
    return list(dict.fromkeys(c for c in wanted if c))
