"""Tables people read: every cell of a published table formatted by what it holds.

The column dictionary (:mod:`wellby.report.columns`) says what each column is (pounds,
percentages, counts, estimates, p-values, ...); this module turns a table's cells into the
text a reader expects: ``£1,234,567``, ``76%``, ``3.50%``, ``12,345``, ``0.096``,
``<0.001``. Outcomes read as their labels with their range, estimators and subgroup levels
by name, and the sensitivity table's values in each input's own unit (a discount rate as a
percentage, not ``0.015``). Markers of withheld counts (``<10``, ``suppressed``) pass
through as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from wellby.prepare.derived import SHARE_SUFFIX
from wellby.report.columns import (
    COUNT,
    ESTIMATE,
    INTEGER,
    P_VALUE,
    PERCENT,
    POUNDS,
    RATE,
    RATIO,
    TEXT,
    YEAR,
    Kind,
    describe_column,
)

ESTIMATOR_LABELS = {
    "twfe": "TWFE", "event_study": "Event study (TWFE)",
    "callaway_santanna": "Callaway-Sant'Anna", "mixed_cohort": "Followed cohort (mixed model)",
    "twfe_interaction": "TWFE, pooled with interactions",
    "mixed_cohort_interaction": "Followed cohort, pooled with interactions (mixed model)",
}
SENSITIVITY_KINDS: dict[str, Kind] = {
    "effect": ESTIMATE, "wellby_value": POUNDS, "duration_years": INTEGER,
    "population": COUNT, "costs": POUNDS, "attribution": PERCENT, "displacement": PERCENT,
    "drop_off": PERCENT, "persistence_years": INTEGER, "discounting": RATE,
}
"""The unit of each input of ``cba_sensitivity.csv`` (its low, high and base values)."""
SENSITIVITY_VALUES = ("low_value", "high_value", "base_value")
MISSING = "—"


def format_value(value: Any, kind: Kind) -> str:
    """Return one cell as a reader sees it.

    Examples
    --------
    >>> format_value(1234567.8, POUNDS), format_value(0.7578, PERCENT)
    ('£1,234,568', '75.8%')
    >>> format_value(0.0004, P_VALUE), format_value(-0.0024, PERCENT)
    ('<0.001', '-0.2%')
    """
    if isinstance(value, str):
        return value
    if value is None or pd.isna(value):
        return MISSING
    number = float(value)
    if kind is POUNDS:
        return f"-£{-number:,.0f}" if number < 0 else f"£{number:,.0f}"
    if kind is PERCENT:
        return f"{100 * number:.1f}%"
    if kind is RATE:
        return f"{100 * number:.2f}%"
    if kind is P_VALUE:
        return "<0.001" if number < 0.001 else f"{number:.3f}"
    if kind in (COUNT, INTEGER, YEAR) and number.is_integer():
        return f"{int(number):,}" if kind is COUNT else str(int(number))
    if kind is RATIO:
        return f"{number:.2f}"
    if kind is ESTIMATE:
        return f"{number:.3f}"
    if kind.name == "wellbys":
        return f"{number:,.1f}"
    if kind.name == "factor":
        return f"{number:.4f}"
    if abs(number) >= 1e5:
        return f"{number:,.0f}"
    return f"{number:,.3f}".rstrip("0").rstrip(".") if not number.is_integer() else (
        f"{int(number):,}")


def outcome_label(outcome: str, labels: Mapping[str, str]) -> str:
    """Return an outcome as a reader names it, with its range: ``Life satisfaction (0-10)``."""
    label = labels.get(outcome)
    if not label:
        return outcome
    name, _, rest = label.partition(" (")
    scale = rest.split(",")[0].rstrip(")") if rest else ""
    text = f"{name} ({scale})" if scale and scale[0].isdigit() else name
    return text + (", %" if label.endswith(SHARE_SUFFIX) else "")


def readable(table: pd.DataFrame, name: str, labels: Mapping[str, str] | None = None
             ) -> pd.DataFrame:
    """Return the table's cells as text, each formatted by its column's kind.

    Parameters
    ----------
    table : pandas.DataFrame
        A published view of a study table (markers as text).
    name : str
        The table's name (``did``, ``cba_sensitivity``, ...): some columns mean
        different things in different tables.
    labels : mapping of str to str, optional
        Each outcome's label, so ``outcome`` reads as its label.

    Returns
    -------
    pandas.DataFrame
        The same rows and columns, every cell text.
    """
    from wellby.report.subgroup_figures import level_label, subgroup_label

    labels = labels or {}
    out = pd.DataFrame(index=table.index)
    for column in table.columns:
        values = table[column]
        if column == "outcome":
            out[column] = [outcome_label(str(v), labels) for v in values]
        elif column == "estimator":
            out[column] = [ESTIMATOR_LABELS.get(str(v), str(v)) for v in values]
        elif column == "level" and "subgroup" in table:
            out[column] = [v if str(v).endswith("_wald") else
                           level_label(str(s), v).split(": ", 1)[-1]
                           for s, v in zip(table["subgroup"], values, strict=True)]
        elif column == "subgroup":
            out[column] = [subgroup_label(str(v)) for v in values]
        elif name == "cba_sensitivity" and column in SENSITIVITY_VALUES:
            out[column] = [format_value(v, SENSITIVITY_KINDS.get(str(i), ESTIMATE))
                           for i, v in zip(table["input"], values, strict=True)]
        else:
            kind = describe_column(name, column, values,
                                   ignore=frozenset({"suppressed"})).kind
            if kind is TEXT:
                out[column] = ["" if v is None or (not isinstance(v, str) and pd.isna(v))
                               else str(v) for v in values]
            else:
                out[column] = [_marker_or(v, kind) for v in values]
    return out


def _marker_or(value: Any, kind: Kind) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (np.integer, int)) and kind is ESTIMATE:
        return str(value)
    return format_value(value, kind)
