"""Respondent linkage checks for panels: are the same ids the same people in every wave.

A respondent whose stable attributes (e.g. gender) differ between waves, or whose implied
birth year (wave - age) moves by more than a tolerance, is flagged in the linkage table.
Flagged rows stay in the data: a changed answer is evidence of a linkage or keying error,
not proof, and the evaluator decides. The check assumes wave labels are calendar years.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from wellby.config.typed import Study
from wellby.errors import DataError
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
    # sort only the columns the checks read, not the whole analysis file
    used = [c for c in dict.fromkeys([person, wave, SOURCE_ROW, *stable, age])
            if c and c in data.columns]
    ordered = data[used].sort_values([person, wave], kind="stable")
    for column in stable:
        answered = ordered.dropna(subset=[column])
        distinct = answered.groupby(person, observed=True)[column].nunique()
        flagged = answered[answered[person].isin(distinct[distinct > 1].index)]
        for pid, group in flagged.groupby(person, sort=True):
            detail, waves, rows = _describe(group, column, wave)
            records.append({"person": pid, "rule": "changed_across_waves", "column": column,
                            "detail": detail, "waves": waves, "source_rows": rows})
    if age is not None:
        answered = ordered.dropna(subset=[age]).assign(
            _birth_year=lambda d: d[wave] - d[age])
        by_person = answered.groupby(person)["_birth_year"]
        spread = by_person.max() - by_person.min()
        flagged = answered[answered[person].isin(spread[spread > age_tolerance].index)]
        for pid, group in flagged.groupby(person, sort=True):
            detail, waves, rows = _describe(group, age, wave)
            records.append({"person": pid, "rule": "birth_year_inconsistent", "column": age,
                            "detail": f"age by wave {detail} (implied birth year moves "
                                      f"{spread[pid]:g} years)",
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
