"""Scale reliability: Cronbach's alpha per scale and wave.

The describe step writes :func:`cronbach_alpha_by_wave` to
``results/tables/reliability.csv``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import pingouin as pg

RELIABILITY_COLUMNS = ["scale", "wave", "alpha", "ci_low", "ci_high", "n_complete", "n_items",
                       "note"]

#: Scales that are not summed, so have no internal consistency to report.
NOT_SUMMED = frozenset({"ons4"})


def _alpha_row(items: pd.DataFrame, min_cell: int, ci: float) -> dict[str, object]:
    """Alpha, CI, count and note for one scale in one wave."""
    complete = items.dropna(axis=0, how="any")
    n_complete, n_items = len(complete), items.shape[1]
    row: dict[str, object] = {"alpha": np.nan, "ci_low": np.nan, "ci_high": np.nan,
                              "n_complete": float(n_complete), "n_items": n_items,
                              "note": pd.NA}
    if n_complete < min_cell:
        row["n_complete"] = np.nan
        row["note"] = (f"fewer than {min_cell} complete responses (report.min_cell): "
                       "alpha and count suppressed")
        return row
    if n_items < 2:
        row["note"] = "alpha needs at least 2 items"
        return row
    if n_complete < 2:
        row["note"] = "alpha needs at least 2 complete responses"
        return row
    if complete.sum(axis=1).var(ddof=1) == 0:
        row["note"] = "no variance in the total score: alpha undefined"
        return row
    alpha, interval = pg.cronbach_alpha(data=complete, nan_policy="listwise", ci=ci)
    row.update(alpha=float(alpha), ci_low=float(interval[0]), ci_high=float(interval[1]))
    return row


def cronbach_alpha_by_wave(
    data: pd.DataFrame,
    scales: Mapping[str, Sequence[str]],
    wave: str,
    min_cell: int = 10,
    *,
    ci: float = 0.95,
) -> pd.DataFrame:
    """Cronbach's alpha of every summed scale in every wave, on complete cases.

    Parameters
    ----------
    data : pandas.DataFrame
        Cleaned, stacked waves holding every scale's item columns.
    scales : mapping of str to sequence of str
        Scale name -> its item columns (the config's ``scales.<name>.items``).
    wave : str
        The wave column.
    min_cell : int, default 10
        Smallest number of complete responses for which alpha (and the count) is
        published (the config's ``report.min_cell``).
    ci : float, default 0.95
        Coverage of Feldt's confidence interval.

    Returns
    -------
    pandas.DataFrame
        One row per scale and wave (scales in the given order, waves ascending): ``scale``,
        ``wave``, ``alpha``, ``ci_low``, ``ci_high``, ``n_complete``, ``n_items``, ``note``.
        ``note`` is missing when alpha is reported and otherwise says why it is not.

    Raises
    ------
    KeyError
        When the wave column or an item column is absent from ``data``.

    Notes
    -----
    Alpha is computed by :func:`pingouin.cronbach_alpha` on the responses with every item
    of the scale answered (listwise deletion, as ``psych::alpha(use="complete.obs")``);
    the rows are dropped here, before the call, because pingouin 0.7 computes the degrees
    of freedom of Feldt's interval from the number of rows *before* its own listwise
    deletion, which makes the interval too narrow. The interval bounds are rounded to
    3 decimals by pingouin.

    ``ons4`` is skipped: its four items are separate measures analysed one by one (and
    anxiety runs the other way), not a summed scale, so internal consistency does not
    apply to them.

    A wave where a scale has fewer than ``min_cell`` complete responses (including none)
    gets a missing alpha and interval, its ``n_complete`` suppressed as missing for
    disclosure control, and a ``note``. Alpha is also missing, with a note, when it is
    undefined (fewer than 2 items or complete responses, or a total with no variance).
    The function never raises on small or degenerate cells.
    """
    if wave not in data.columns:
        raise KeyError(f"wave column {wave!r} is not in the data")
    rows = []
    waves = sorted(data[wave].dropna().unique())
    for name, item_columns in scales.items():
        if name in NOT_SUMMED:
            continue
        item_columns = list(item_columns)
        absent = [c for c in item_columns if c not in data.columns]
        if absent:
            raise KeyError(f"items {absent} of scale {name!r} are not in the data")
        items = data[item_columns].astype(float)
        for label in waves:
            in_wave = items.loc[(data[wave] == label).to_numpy()]
            rows.append({"scale": name, "wave": label, **_alpha_row(in_wave, min_cell, ci)})
    table = pd.DataFrame(rows, columns=RELIABILITY_COLUMNS)
    table["note"] = table["note"].astype("string")
    for column in ["alpha", "ci_low", "ci_high", "n_complete"]:
        table[column] = table[column].astype(float)
    table["n_items"] = table["n_items"].astype("int64")
    return table
