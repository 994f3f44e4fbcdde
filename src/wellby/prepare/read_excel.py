"""Read one sheet of an Excel workbook (``.xlsx``) as pandas would.

The sheet is chosen by name or 1-based position (``sheet``) and its header row by
``header_row``; missing-value markers and Excel error values are missing, and whole numbers
stored as doubles become integers.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import pandas as pd

from wellby.prepare.read_header import check_unnamed, header_names
from wellby.prepare.read_request import ReadRequest
from wellby.prepare.read_text import EXACT_DOUBLE, NA_STRINGS, text_positions

#: Excel error values (what a formula shows when it fails): missing, as pandas reads them.
_EXCEL_ERRORS = frozenset({"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!",
                           "#GETTING_DATA", "#SPILL!", "#CALC!"})


def read_excel(req: ReadRequest) -> pd.DataFrame:
    """Read the requested sheet of an Excel workbook (the ``.xlsx`` reader)."""
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # openpyxl's notes on unsupported styles
        book = openpyxl.load_workbook(req.path, read_only=True, data_only=True, keep_links=False)
        try:
            sheet = book[_sheet_name(req, book.sheetnames)]
            if hasattr(sheet, "reset_dimensions"):
                sheet.reset_dimensions()  # some writers record a wrong used range
            rows = [tuple(row) for row in sheet.iter_rows(values_only=True)]
        finally:
            book.close()
    while rows and all(_excel_missing(v) for v in rows[-1]):
        rows.pop()
    if not rows and req.header_row == 1:
        return pd.DataFrame()
    if req.header_row > len(rows):
        raise req.error(f"the sheet has {len(rows)} rows, so row {req.header_row} cannot be the "
                        "header row", config_key=req.key("header_row"))
    header, body = rows[req.header_row - 1], rows[req.header_row:]
    width = max((_used_width(row) for row in rows[req.header_row - 1:]), default=0)
    cells = list(header[:width]) + [None] * (width - len(header[:width]))
    names = header_names(req, cells, req.header_row)
    text = set(text_positions(req, names))
    columns: dict[str, pd.Series] = {}
    for i, name in enumerate(names):
        values = [_excel_value(row[i]) if i < len(row) else None for row in body]
        # Text columns stay as cells (object) until read_survey_file makes them text.
        columns[name] = pd.Series(values, dtype=object if i in text or not values else None)
    frame = pd.DataFrame(columns, index=pd.RangeIndex(len(body)))
    check_unnamed(req, frame, names, cells, req.header_row)
    return frame


def _sheet_name(req: ReadRequest, sheetnames: Sequence[str]) -> str:
    listed = ", ".join(repr(name) for name in sheetnames)
    sheet = req.sheet
    if sheet is None:
        return sheetnames[0]
    if isinstance(sheet, int) and not isinstance(sheet, bool):
        if 1 <= sheet <= len(sheetnames):
            return sheetnames[sheet - 1]
        raise req.error(f"the workbook has {len(sheetnames)} sheet(s), so there is no sheet "
                        f"{sheet} (sheets are counted from 1): its sheets are {listed}",
                        config_key=req.key("sheet"))
    if sheet in sheetnames:
        return sheet
    near = [name for name in sheetnames if name.strip().casefold() == str(sheet).strip().casefold()]
    if len(near) == 1:
        return near[0]
    raise req.error(f"the workbook has no sheet {sheet!r}: its sheets are {listed}",
                    config_key=req.key("sheet"))


def _excel_missing(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value == "")


def _used_width(row: Sequence[Any]) -> int:
    for i in range(len(row) - 1, -1, -1):
        if not _excel_missing(row[i]):
            return i + 1
    return 0


def _excel_value(value: Any) -> Any:
    """One cell as pandas would read it: missing markers as None, whole floats as ints."""
    if isinstance(value, str):
        return None if value in NA_STRINGS or value in _EXCEL_ERRORS else value
    if isinstance(value, float) and value.is_integer() and abs(value) <= EXACT_DOUBLE:
        return int(value)
    return value
