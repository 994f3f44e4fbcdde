"""The data checks table: what the data gate found that need not stop the run.

Each step of the gate (ingest, clean, panel) records what an evaluator should look at before
putting their name to the results: identifier columns dropped, a lower linkage rate, many
corrections in one wave, codes mapped to no level, a wave whose distribution of a measure
differs from the other waves. ``results/tables/data_checks.csv`` gathers them and the report
shows them first. What must not pass (a wave coded on a shifted scale, text in a numeric
column, ...) is not a check but an error that stops the run.

Columns: ``check`` (a stable name), ``wave`` (empty for the whole study), ``column``,
``severity`` (``warning``: look at it before publishing; ``info``: for the record),
``count`` (rows or persons concerned) and ``message`` (what was found and the config key that
changes it). Messages never quote a value of a column that is not an analysis column.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

CHECK_COLUMNS = ["check", "wave", "column", "severity", "count", "message"]
SEVERITIES = ("warning", "info")


def check_row(check: str, message: str, *, wave: int | None = None, column: str | None = None,
              severity: str = "warning", count: int | None = None) -> dict[str, Any]:
    """Return one row of the data checks table.

    Parameters
    ----------
    check : str
        Stable name of the check, e.g. ``linkage_rate``.
    message : str
        What was found, and what to do about it.
    wave : int, optional
        The wave concerned (None for the whole study).
    column : str, optional
        The column concerned.
    severity : {"warning", "info"}
        ``warning`` needs the evaluator's attention; ``info`` is for the record.
    count : int, optional
        Rows or persons concerned.

    Returns
    -------
    dict
    """
    if severity not in SEVERITIES:
        raise ValueError(f"severity must be one of {SEVERITIES}, got {severity!r}")
    return {"check": check, "wave": wave, "column": column, "severity": severity,
            "count": count, "message": message}


def check_rows(records: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Return check rows (from :func:`check_row`) as a table with the standard columns."""
    table = pd.DataFrame(list(records), columns=CHECK_COLUMNS)
    table["wave"] = table["wave"].astype("Int64")
    table["count"] = table["count"].astype("Int64")
    return table


def gather_checks(tables: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Stack check tables in the order given, warnings first within the stable order.

    Parameters
    ----------
    tables : sequence of pandas.DataFrame
        Check tables (ingest, clean and panel steps).

    Returns
    -------
    pandas.DataFrame
        One table; warnings before information, otherwise in the order given.
    """
    parts = [t for t in tables if len(t)]
    if not parts:
        return check_rows([])
    stacked = pd.concat(parts, ignore_index=True)[CHECK_COLUMNS]
    rank = stacked["severity"].map({s: i for i, s in enumerate(SEVERITIES)})
    order = rank.sort_values(kind="stable").index
    out = stacked.loc[order].reset_index(drop=True)
    out["wave"] = out["wave"].astype("Int64")
    out["count"] = out["count"].astype("Int64")
    return out
