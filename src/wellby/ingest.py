"""Ingest one wave: rename to canonical names, drop direct identifiers, tag source rows.

Direct identifiers never get past this step: the columns listed in the config's
``data.identifiers`` (by source or canonical name) are dropped, and so is any column whose
name looks like a name, address, postcode, e-mail, phone number or date of birth.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from wellby.errors import DataError

SOURCE_ROW = "_row"
"""Column holding each row's 1-based position among the source file's data rows."""

IDENTIFIER_PATTERN = re.compile(
    r"(^|[_\W])(name|fullname|firstname|forename|surname|lastname|address|addr|street|"
    r"postcode|post_code|pcode|zip|zipcode|email|e_mail|phone|telephone|tel|mobile|"
    r"dob|date_of_birth|birthdate|birth_date|nino|nhs_number)($|[_\W])",
    re.IGNORECASE,
)


class IdentifierWarning(UserWarning):
    """A column that looks like a direct identifier was found by its name and dropped."""


@dataclass(frozen=True)
class IngestedWave:
    """A wave after ingest.

    Attributes
    ----------
    data : pandas.DataFrame
        Canonical columns plus ``_row`` (1-based source row); identifiers removed.
    dropped_identifiers : list of str
        Source names of the configured identifier columns that were dropped.
    detected_identifiers : list of str
        Source names of columns dropped because their name looks like an identifier.
    """

    data: pd.DataFrame
    dropped_identifiers: list[str] = field(default_factory=list)
    detected_identifiers: list[str] = field(default_factory=list)


def looks_like_identifier(column: str) -> bool:
    """Return True when a column name looks like a direct identifier (name, postcode, ...)."""
    return bool(IDENTIFIER_PATTERN.search(column.replace(" ", "_")))


def ingest_wave(
    frame: pd.DataFrame,
    *,
    wave: int,
    wave_column: str,
    rename: Mapping[str, str],
    identifiers: Sequence[str],
    source: str,
    config_key: str,
    source_rows: np.ndarray | None = None,
) -> IngestedWave:
    """Rename a wave's columns, drop identifiers and record each row's source position.

    Parameters
    ----------
    frame : pandas.DataFrame
        The wave as read from its file, rows in source order.
    wave : int
        The wave's label from the config.
    wave_column : str
        Canonical name of the wave column (``columns.wave``); set to ``wave`` for every row.
        When the file has such a column, its values must all equal ``wave``.
    rename : mapping
        Source column name -> canonical name.
    identifiers : sequence of str
        Columns (source or canonical names) to drop.
    source : str
        The file's path, for error messages.
    config_key : str
        The config key of this wave's entry (e.g. ``data.waves[2]``), for error messages.
    source_rows : numpy.ndarray, optional
        1-based source rows of ``frame``'s rows when they are not simply 1..n (a wave
        taken out of one long file).

    Returns
    -------
    IngestedWave
    """
    if frame.empty:
        raise DataError("the wave's file has no rows", file=source, config_key=f"{config_key}.path")
    missing = [col for col in rename if col not in frame.columns]
    if missing:
        raise DataError(
            f"columns named in the rename map are not in the file: {missing}; "
            f"the file has: {list(frame.columns)}",
            file=source,
            column=missing[0],
            config_key=f"{config_key}.rename",
        )
    identifier_set = set(identifiers)
    configured = [
        col for col in frame.columns
        if col in identifier_set or rename.get(col) in identifier_set
    ]
    detected = [
        col for col in frame.columns
        if col not in configured and col not in rename and looks_like_identifier(col)
    ]
    if detected:
        warnings.warn(
            f"{source}: dropped columns that look like direct identifiers: {detected} "
            "(list them under data.identifiers to silence this warning)",
            IdentifierWarning,
            stacklevel=2,
        )
    data = frame.drop(columns=configured + detected).rename(columns=dict(rename))
    duplicated = sorted({c for c in data.columns if list(data.columns).count(c) > 1})
    if duplicated:
        raise DataError(
            f"two source columns are renamed to the same canonical name {duplicated}",
            file=source,
            column=duplicated[0],
            config_key=f"{config_key}.rename",
        )
    rows = (np.arange(1, len(data) + 1, dtype=np.int64) if source_rows is None
            else np.asarray(source_rows, dtype=np.int64))
    if wave_column in data.columns:
        values = pd.to_numeric(data[wave_column], errors="coerce")
        wrong = np.flatnonzero((values != wave).to_numpy())
        if wrong.size:
            raise DataError(
                f"the wave column does not match the configured wave {wave}",
                file=source,
                column=wave_column,
                rows=rows[wrong].tolist(),
                config_key=f"{config_key}.wave",
            )
    data[wave_column] = np.int64(wave)
    data.insert(0, SOURCE_ROW, rows)
    return IngestedWave(data.reset_index(drop=True), configured, detected)


def source_wave_column(rename: Mapping[str, str], wave_column: str) -> str:
    """Return the source name of the wave column (its canonical name when not renamed)."""
    for source, canonical in rename.items():
        if canonical == wave_column:
            return source
    return wave_column


def long_file_wave_labels(frame: pd.DataFrame, *, wave_column: str,
                          rename: Mapping[str, str], source: str) -> np.ndarray:
    """Read and check the wave label of every row of a long file (all waves in one file).

    Parameters
    ----------
    frame : pandas.DataFrame
        The long file as read, source column names.
    wave_column : str
        Canonical wave column (``columns.wave``).
    rename : mapping
        The long file's rename map (``data.rename``).
    source : str
        The file, for error messages.

    Returns
    -------
    numpy.ndarray
        Integer wave label per row.
    """
    column = source_wave_column(rename, wave_column)
    if column not in frame.columns:
        raise DataError("the long file has no wave column", file=source, column=column,
                        config_key="columns.wave")
    labels = pd.to_numeric(frame[column], errors="coerce")
    bad = labels.isna() | (labels != np.round(labels))
    if bad.any():
        raise DataError("wave labels must be whole numbers (e.g. the survey year)",
                        file=source, column=column,
                        rows=(np.flatnonzero(bad.to_numpy()) + 1).tolist(),
                        config_key="data.path")
    return labels.to_numpy().astype(np.int64)


def ingest_long_file(
    frame: pd.DataFrame,
    *,
    wave_column: str,
    rename: Mapping[str, str],
    identifiers: Sequence[str],
    source: str,
) -> dict[int, IngestedWave]:
    """Split one long file (every wave, with a wave column) into ingested waves.

    Each wave is ingested as by :func:`ingest_wave`; its ``_row`` is the row's 1-based
    position in the long file, so the exclusions table points into that file.

    Returns
    -------
    dict of int to IngestedWave
        By wave label, in ascending order.
    """
    labels = long_file_wave_labels(frame, wave_column=wave_column, rename=rename,
                                   source=source)
    rows = np.arange(1, len(frame) + 1, dtype=np.int64)
    waves = {}
    for wave in np.unique(labels):
        mask = labels == wave
        waves[int(wave)] = ingest_wave(
            frame.loc[mask].reset_index(drop=True), wave=int(wave), wave_column=wave_column,
            rename=rename, identifiers=identifiers, source=source, config_key="data",
            source_rows=rows[mask])
    return waves
