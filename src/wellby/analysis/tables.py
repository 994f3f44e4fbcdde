"""Small helpers for the study's tidy tables.

The module does not import pandas: the workflow's gather jobs stack CSV files as text
(:func:`stack_csv_files`) and pay no more than Python's start.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

DID_COLUMNS = ["outcome", "estimator", "term", "estimate", "std_error", "ci_low", "ci_high",
               "p_value", "n_obs", "n_clusters"]
TEST_COLUMNS = ["statistic", "df1", "df2", "distribution"]
"""A test's own columns (its statistic, degrees of freedom and reference distribution): a
test row of did.csv or subgroups.csv leaves ``estimate`` empty and gives its p-value in
``p_value``."""
SUBGROUP_COLUMNS = ["outcome", "subgroup", "level", "estimate", "std_error", "ci_low",
                    "ci_high", "p_value", "p_adjusted", "n_obs"]


def stack_csv_files(paths: Iterable[str | Path], output: str | Path) -> None:
    """Stack CSV tables into one file as text, in the given order.

    Parameters
    ----------
    paths : iterable of str or Path
        The tables (a header line, then rows; an empty file is a table without columns).
    output : str or Path
        The stacked table: the columns of the tables with rows, in order of first
        appearance, a column a table lacks left empty in its rows; the first table as it
        is when none has rows.

    Notes
    -----
    The cells are copied as written, so a number keeps its text (stacking through pandas
    would write a whole number as ``3.0`` once another table leaves its column empty).
    """
    tables = [_read_text(path) for path in paths]
    with_rows = [(header, rows) for header, rows in tables if rows]
    if not with_rows:
        header = tables[0][0] if tables else []
        with_rows = [(header, [])]
    columns = list(dict.fromkeys(name for header, _ in with_rows for name in header))
    with open(output, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        if columns:
            writer.writerow(columns)
        else:
            handle.write("\n")  # as pandas writes a table without columns
        for header, rows in with_rows:
            position = [header.index(name) if name in header else None for name in columns]
            for row in rows:
                writer.writerow(["" if at is None else row[at] for at in position])


def _read_text(path: str | Path) -> tuple[list[str], list[list[str]]]:
    """Return a CSV file's header and rows as text (both empty for an empty file)."""
    with open(path, newline="", encoding="utf-8") as handle:
        lines = [line for line in csv.reader(handle) if line]
    return (lines[0], lines[1:]) if lines else ([], [])
