"""The area file: programme timing and area attributes, one row per area (``data.areas``).

An evaluation usually knows when each area started from the programme's own records, not
from the survey: the area file gives each area's first treated wave (``columns.cohort``;
0 or empty = never treated) and optional attributes (deprivation score, population,
urban/rural, region). Waves then need no cohort column; where a wave has one, it must agree
with the area file.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from wellby.config.typed import AreaFile
from wellby.errors import DataError
from wellby.prepare.ingest import SOURCE_ROW, normalise_area_ids
from wellby.prepare.read import read_survey_file

AREA_ROW = "_area_row"


def read_area_file(settings: AreaFile | Mapping[str, Any], *, area: str, cohort: str
                   ) -> pd.DataFrame:
    """Read and check the area file.

    Parameters
    ----------
    settings : AreaFile or mapping
        ``data.areas``: ``path``, ``rename`` and the reading options, typed or as
        :func:`wellby.config.validate_config` returns them (every default filled in).
    area, cohort : str
        Canonical area and cohort columns (``columns.area``, ``columns.cohort``).

    Returns
    -------
    pandas.DataFrame
        One row per area: the area id as normalised text, the cohort as int64 (0 = never
        treated), the attributes, and ``_area_row`` (1-based row in the file).

    Raises
    ------
    DataError
        When a column is missing, an area is listed twice, or a cohort is not a whole
        number.
    """
    settings = AreaFile.coerce(settings)
    path = settings.path
    rename = dict(settings.rename)
    source_area = next((s for s, c in rename.items() if c == area), area)
    frame = read_survey_file(path, config_key="data.areas.path", encoding=settings.encoding,
                             sheet=settings.sheet, header_row=settings.header_row,
                             delimiter=settings.delimiter, text_columns=(source_area,))
    missing = [c for c in rename if c not in frame.columns]
    if missing:
        raise DataError(f"columns named in the rename map are not in the file: {missing}; "
                        f"the file has: {list(frame.columns)}", file=path, column=missing[0],
                        config_key="data.areas.rename")
    frame = frame.rename(columns=rename)
    for column in (area, cohort):
        if column not in frame.columns:
            raise DataError("the area file needs the area id and the first treated wave",
                            file=path, column=column, config_key="data.areas.rename")
    frame.insert(0, AREA_ROW, np.arange(1, len(frame) + 1))
    frame[area] = normalise_area_ids(frame[area])
    frame = frame[frame[area].notna()]
    duplicated = frame[area].duplicated(keep=False)
    if duplicated.any():
        raise DataError("an area is listed more than once in the area file", file=path,
                        column=area, rows=frame.loc[duplicated, AREA_ROW].tolist(),
                        config_key="data.areas.path")
    values = pd.to_numeric(frame[cohort], errors="coerce")
    text = frame[cohort].astype("string").str.strip()
    bad = (values.isna() & frame[cohort].notna() & (text != "").fillna(False)) | (
        values.notna() & (values != np.round(values)))
    if bad.any():
        raise DataError("the first treated wave must be a whole wave label, 0 or empty",
                        file=path, column=cohort, rows=frame.loc[bad, AREA_ROW].tolist(),
                        config_key="data.areas.path")
    frame[cohort] = values.fillna(0).astype("int64")
    return frame.reset_index(drop=True)


TEXT = pd.StringDtype("pyarrow", na_value=np.nan)
"""pandas' text type, which area attributes end in however the area file stored them."""


def attach_areas(data: pd.DataFrame, areas: pd.DataFrame, *, area: str, cohort: str,
                 wave: str, area_file: str, sources: Mapping[int, str] | None = None
                 ) -> pd.DataFrame:
    """Give every survey row its area's cohort and attributes from the area file.

    Parameters
    ----------
    data : pandas.DataFrame
        Stacked cleaned waves (``_row`` and the wave column locate each row).
    areas : pandas.DataFrame
        From :func:`read_area_file`.
    area, cohort, wave : str
        Canonical column names.
    area_file : str
        The area file's path, for messages.
    sources : mapping, optional
        Wave -> source file, for messages.

    Returns
    -------
    pandas.DataFrame
        ``data`` with the cohort from the area file and the area attributes (an attribute
        whose name the waves already use is not attached).

    Raises
    ------
    DataError
        When survey rows name an area the file does not list, or a wave's own cohort
        disagrees with the file.
    """
    sources = sources or {}
    lookup = areas.set_index(area)
    # Each distinct area id is looked up once; rows take their area's entry by its code.
    codes, ids = pd.factorize(data[area])
    entry = lookup.index.get_indexer(ids)
    row_entry = np.where(codes >= 0, entry[codes], -1)
    known = pd.Series(row_entry >= 0, index=data.index)
    if not known.all():
        unknown = data.loc[~known]
        waves = sorted(unknown[wave].unique())
        raise DataError(
            f"{unknown[area].nunique()} area id(s) in the survey are not in the area file, "
            f"e.g. {sorted(unknown[area].astype(str).unique())[:5]} (rows shown as wave:row)",
            file=", ".join(str(sources.get(int(w), f"wave {w}")) for w in waves),
            column=area,
            rows=[f"{w}:{r}" for w, r in zip(unknown[wave], unknown[SOURCE_ROW], strict=True)],
            config_key="data.areas.path")
    file_cohort = lookup[cohort].to_numpy()[row_entry]
    if cohort in data.columns:
        # Cleaning sets a wave's empty cohort cells to 0, so a missing value here means the
        # row's wave had no cohort column: only waves that have one are compared.
        own = pd.to_numeric(data[cohort], errors="coerce").to_numpy(dtype=float)
        differ = ~np.isnan(own) & (own != file_cohort)
        if differ.any():
            rows = data.loc[differ]
            waves = sorted(rows[wave].unique())
            raise DataError(
                "the wave's cohort column disagrees with the area file's first treated wave "
                f"for {rows[area].nunique()} area(s) (rows shown as wave:row); correct one "
                "of them",
                file=", ".join(str(sources.get(int(w), f"wave {w}")) for w in waves)
                + f" and {area_file}",
                column=cohort,
                rows=[f"{w}:{r}" for w, r in zip(rows[wave], rows[SOURCE_ROW], strict=True)],
                config_key="data.areas.path")
    out = data.copy(deep=False)  # new and replaced columns only: the rest is not copied
    out[cohort] = file_cohort.astype("int64")
    attributes = [c for c in areas.columns if c not in (area, cohort, AREA_ROW)
                  and c not in out.columns]
    for column in attributes:
        values = lookup[column].array
        if values.dtype == TEXT:
            # text taken as text: through NumPy, every row would become a Python string
            # and back, most of this function's time at millions of rows
            out[column] = values.take(row_entry)
        else:
            out[column] = lookup[column].take(row_entry).to_numpy()
    return out
