"""Descriptive tables: outcome means by wave for programme and comparison areas."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from wellby.disclosure import suppress_small_counts
from wellby.panel import EVER_TREATED

GROUP_LABELS = {1: "programme", 0: "comparison"}


def outcome_means(data: pd.DataFrame, outcomes: Sequence[str], *, wave: str,
                  min_cell: int) -> pd.DataFrame:
    """Mean, SD and count of each outcome by wave and group (programme / comparison).

    Parameters
    ----------
    data : pandas.DataFrame
        The analysis file (with ``ever_treated``).
    outcomes : sequence of str
        Outcome columns.
    wave : str
        Wave column.
    min_cell : int
        Smallest count published; statistics of smaller cells are suppressed.

    Returns
    -------
    pandas.DataFrame
        Columns outcome, wave, group, n, mean, sd, suppressed.
    """
    long = data.melt(id_vars=[wave, EVER_TREATED], value_vars=list(outcomes),
                     var_name="outcome", value_name="value").dropna(subset=["value"])
    table = (long.groupby(["outcome", wave, EVER_TREATED], sort=False)["value"]
             .agg(n="count", mean="mean", sd="std").reset_index())
    table["group"] = table[EVER_TREATED].map(GROUP_LABELS)
    table = table.rename(columns={wave: "wave"})[["outcome", "wave", "group", "n", "mean", "sd"]]
    order = {name: i for i, name in enumerate(outcomes)}
    table = table.sort_values(["outcome", "wave", "group"],
                              key=lambda s: s.map(order) if s.name == "outcome" else s)
    return suppress_small_counts(table.reset_index(drop=True), count="n",
                                 dependent=["mean", "sd"], min_cell=min_cell)
