"""The respondents' integer codes in the analysis file, and reading the file with them.

Every modelling step groups rows by respondent (unit fixed effects, Callaway-Sant'Anna's
units, distinct persons in a cell, baseline levels), and none needs to know who the
respondent is. The pseudonyms are text: reading them, filtering them with the rows and
coding them to integers cost each step about a second at three million rows. The panel
step therefore stores each respondent's integer code beside the pseudonym
(:data:`PERSON_CODE`, by :func:`with_person_codes`), and the modelling steps read the code
in the pseudonym's place (:func:`read_analysis_file`). The pseudonym stays in the file for
the linkage table and for an evaluator who needs to look a respondent up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.compute as pc
import pyarrow.parquet as pq

from wellby.config.typed import Columns

PERSON_CODE = "_person_code"
"""The analysis file's column of respondent codes: 0, 1, ... in order of first row."""


def with_person_codes(data: pd.DataFrame, columns: Columns | Mapping[str, Any]
                      ) -> pd.DataFrame:
    """Add :data:`PERSON_CODE`: each respondent's integer code, the same in every wave.

    Parameters
    ----------
    data : pandas.DataFrame
        The analysis file of a panel.
    columns : Columns or mapping
        The config's ``columns`` (``id`` names the respondent).

    Returns
    -------
    pandas.DataFrame
        A shallow copy with the codes (int32), or ``data`` itself when it has no id
        column or a row without an id (a missing id must not be coded as a respondent;
        the steps then code the ids themselves, as they leave missing ones).
    """
    person = Columns.coerce(columns).id
    if not person or person not in data.columns or data[person].isna().any():
        return data
    codes, persons = pd.factorize(data[person])
    dtype = np.int32 if len(persons) < np.iinfo(np.int32).max else np.int64
    out = data.copy(deep=False)
    out[PERSON_CODE] = codes.astype(dtype)
    return out


def person_codes(data: pd.DataFrame, person: str) -> np.ndarray:
    """Return each row's respondent code: :data:`PERSON_CODE`, or the ids factorized.

    Parameters
    ----------
    data : pandas.DataFrame
        Rows of the analysis file.
    person : str
        The respondent column (``columns.id``).

    Returns
    -------
    numpy.ndarray
        Integer codes, equal exactly for rows of one respondent; -1 for a row without an
        id (only when the frame has no :data:`PERSON_CODE`, which a missing id prevents).
    """
    if PERSON_CODE in data.columns:
        return data[PERSON_CODE].to_numpy()
    return pd.factorize(data[person])[0]


def read_analysis_file(path: str | Path, needed: Sequence[str],
                       columns: Columns | Mapping[str, Any], *,
                       residents_only: bool = False) -> pd.DataFrame:
    """Read columns of the analysis file, with respondent codes in place of the pseudonyms.

    Parameters
    ----------
    path : str or Path
        The analysis file (Parquet).
    needed : sequence of str
        The columns to read (:func:`wellby.prepare.panel.analysis_columns`).
    columns : Columns or mapping
        The config's ``columns``.
    residents_only : bool, default False
        Read only the rows :func:`wellby.prepare.panel.residents` keeps (all but a
        followed cohort's, ``columns.member`` equal to 1), filtered as the file is read:
        the whole file is never held in pandas beside its residents (at 3M rows that copy
        was 0.9 s and a third of the describe step's memory). The index is then 0, 1, ...
        instead of the rows' positions in the file.

    Returns
    -------
    pandas.DataFrame
        The columns asked for. When the file has :data:`PERSON_CODE` and ``columns.id``
        is asked for, the ``columns.id`` column holds the integer codes: rows of one
        respondent share a code, as they share a pseudonym. Otherwise the file's own
        column.
    """
    columns = Columns.coerce(columns)
    person, member = columns.id, columns.member
    needed = list(needed)
    names = pq.read_schema(path).names
    options: dict[str, Any] = {}
    if residents_only and member and member in names:
        flag = pc.field(member)
        options["filters"] = (flag != 1) | flag.is_null()  # as residents(): NaN is kept
    if person in needed and PERSON_CODE in names:
        read = [PERSON_CODE if name == person else name for name in needed]
        return pd.read_parquet(path, columns=read, **options).rename(
            columns={PERSON_CODE: person})
    return pd.read_parquet(path, columns=needed, **options)
