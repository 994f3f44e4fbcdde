"""Respondent linkage checks for panels: are the same ids the same people in every wave.

A respondent whose stable attributes (e.g. gender) differ between waves, or whose implied
birth year (wave - age) moves by more than a tolerance, is flagged in the linkage table.
Flagged rows stay in the data: a changed answer is evidence of a linkage or keying error,
not proof, and the evaluator decides. The check assumes wave labels are calendar years.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from wellby.config.typed import Study
from wellby.errors import DataError
from wellby.prepare.analysis_file import person_codes
from wellby.prepare.grouping import codes_with_several_values
from wellby.prepare.ingest import SOURCE_ROW

LINKAGE_COLUMNS = ["person", "rule", "column", "detail", "waves", "source_rows"]


def _show(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _describe(group: pd.DataFrame, column: str, wave: str) -> tuple[str, str, str]:
    values = "; ".join(f"{w}: {_show(v)}"
                       for w, v in zip(group[wave], group[column], strict=True))
    waves = ", ".join(str(w) for w in group[wave])
    rows = ", ".join(f"{w}:{r}" for w, r in zip(group[wave], group[SOURCE_ROW], strict=True))
    return values, waves, rows


def _rows_of(data: pd.DataFrame, person: str, wave: str, codes: np.ndarray,
             flagged: np.ndarray) -> pd.DataFrame:
    """Return the flagged persons' rows with their code (``_code``), by person then wave.

    Rows of one wave keep their file order.
    """
    rows = np.isin(codes, flagged)
    return data[rows].assign(_code=codes[rows]).sort_values([person, wave], kind="stable")


def check_linkage(data: pd.DataFrame, *, person: str, wave: str, stable: Sequence[str] = (),
                  age: str | None = None, age_tolerance: int) -> pd.DataFrame:
    """Flag respondents whose stable attributes or implied birth year change across waves.

    Parameters
    ----------
    data : pandas.DataFrame
        Stacked cleaned waves with the ``_row`` source-row column.
    person, wave : str
        Respondent id and wave columns.
    stable : sequence of str
        Columns that should be the same for a person in every wave.
    age : str, optional
        Age column; ``wave - age`` (the implied birth year) may vary by at most
        ``age_tolerance`` years.
    age_tolerance : int
        Allowed spread of the implied birth year (age is asked, not computed from a date):
        ``data.linkage.age_tolerance``.

    Returns
    -------
    pandas.DataFrame
        One row per flagged respondent and check: person, rule, column, detail (the values
        by wave), waves, source_rows (``wave:row`` in the source files).
    """
    records = []
    used = [c for c in dict.fromkeys([person, wave, SOURCE_ROW, *stable, age])
            if c and c in data.columns]
    codes = person_codes(data, person)
    for column in stable:
        changed = codes_with_several_values(codes, data[column])
        flagged = _rows_of(data[used], person, wave, codes, changed).dropna(subset=[column])
        for pid, group in flagged.groupby(person, sort=True):
            detail, waves, rows = _describe(group, column, wave)
            records.append({"person": pid, "rule": "changed_across_waves", "column": column,
                            "detail": detail, "waves": waves, "source_rows": rows})
    if age is not None:
        birth_year = (data[wave] - data[age]).to_numpy(dtype=float, na_value=np.nan)
        answered = (codes >= 0) & ~np.isnan(birth_year)
        by_person = pd.Series(birth_year[answered]).groupby(codes[answered])
        spread = by_person.max() - by_person.min()
        moved = spread[spread > age_tolerance]
        flagged = _rows_of(data[used], person, wave, codes, moved.index.to_numpy())
        flagged = flagged.dropna(subset=[age])
        for pid, group in flagged.groupby(person, sort=True):
            detail, waves, rows = _describe(group, age, wave)
            records.append({"person": pid, "rule": "birth_year_inconsistent", "column": age,
                            "detail": f"age by wave {detail} (implied birth year moves "
                                      f"{moved[group['_code'].iloc[0]]:g} years)",
                            "waves": waves, "source_rows": rows})
    return pd.DataFrame(records, columns=LINKAGE_COLUMNS)


def linkage_table(data: pd.DataFrame, config: Study | Mapping[str, Any]) -> pd.DataFrame:
    """Run :func:`check_linkage` as the study config asks (panels only; else empty).

    Parameters
    ----------
    data : pandas.DataFrame
        The stacked analysis file.
    config : Study or mapping
        The study config, typed or as :func:`wellby.config.validate_config` returns it
        (``design``, ``data.linkage`` and ``columns`` are read).

    Returns
    -------
    pandas.DataFrame
        The linkage table (empty for repeated cross-sections or without checks).
    """
    study = Study.coerce(config)
    if study.design != "panel":
        return pd.DataFrame(columns=LINKAGE_COLUMNS)
    settings = study.data.linkage
    missing = [c for c in [*settings.stable, settings.age] if c and c not in data]
    if missing:
        raise DataError(f"linkage check columns {missing} are not in the cleaned waves",
                        column=missing[0], config_key="data.linkage")
    return check_linkage(data, person=study.columns.id, wave=study.columns.wave,
                         stable=list(settings.stable), age=settings.age,
                         age_tolerance=settings.age_tolerance)
