"""Check the header row of a CSV file or Excel sheet, shared by both readers.

Column names must be distinct; a header row that is empty, or mostly empty or numbers, is
taken as a sign that ``header_row`` points at the wrong row (a title or a data row).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from wellby.prepare.read_request import ReadRequest

_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def header_names(req: ReadRequest, cells: Sequence[Any], row_number: int) -> list[str]:
    """Return the column names of a header row, refusing repeated names.

    Empty header cells are named ``Unnamed: i`` (0-based position), as pandas names them.
    """
    names = [_header_text(cell) for cell in cells]
    if not any(names):
        raise req.error(f"the header row (row {row_number}) is empty: the header row may be "
                        "wrong; set header_row to the row that holds the column names",
                        config_key=req.key("header_row"))
    counts = Counter(name for name in names if name)
    repeated = [name for name in counts if counts[name] > 1]
    if repeated:
        if _header_looks_wrong(names):
            raise req.error(
                f"the header row (row {row_number}) repeats column names and is mostly empty "
                "or numbers: the header row may be wrong; set header_row to the row that holds "
                "the column names", config_key=req.key("header_row"))
        first = repeated[0]
        positions = [str(i + 1) for i, name in enumerate(names) if name == first]
        others = f" (also repeated: {', '.join(repeated[1:6])})" if len(repeated) > 1 else ""
        raise req.error(
            f"the column name {first!r} occurs {counts[first]} times in the header row (row "
            f"{row_number}, columns {', '.join(positions)}){others}; each column needs its own "
            "name: rename the copies in the file so that rename maps the one you mean",
            column=first, config_key=req.key("rename"))
    return [name or f"Unnamed: {i}" for i, name in enumerate(names)]


def _header_text(cell: Any) -> str:
    if cell is None or (isinstance(cell, float) and np.isnan(cell)):
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _header_looks_wrong(names: Sequence[str]) -> bool:
    """Whether a header row looks like a title or data row: mostly empty or numbers."""
    n = len(names)
    empty = sum(not name for name in names)
    numbers = sum(bool(_NUMBER.fullmatch(name)) for name in names if name)
    return n >= 2 and 2 * (empty + numbers) > n


def check_unnamed(req: ReadRequest, frame: pd.DataFrame, names: Sequence[str],
                  cells: Sequence[Any], row_number: int) -> None:
    """Refuse a mostly empty header row when its unnamed columns hold data."""
    empty = [name for name, cell in zip(names, cells, strict=True) if not _header_text(cell)]
    if len(names) < 2 or 2 * len(empty) <= len(names):
        return
    if any(frame[name].notna().any() for name in empty):
        raise req.error(
            f"{len(empty)} of the {len(names)} column names in the header row (row {row_number})"
            " are empty, but their columns hold data: the header row may be wrong; set "
            "header_row to the row that holds the column names",
            config_key=req.key("header_row"))
