"""Disclosure control: no published number lets a reader count fewer than ``min_cell`` people.

What is counted
---------------
``report.min_cell`` applies to distinct persons. A cell's persons are the distinct
respondents (``columns.id``) in it: in a panel a person seen in five waves is one person,
not five; in a repeated cross-section every row is a person, and so is every row of one
wave of a panel (duplicate ids are excluded in cleaning). A person-wave count (``n_obs``)
is never the test: a level of 3 persons seen in 5 waves is 3, not 15.

Primary suppression
-------------------
A cell with 1 to ``min_cell - 1`` persons is suppressed: its counts (persons and
person-waves), and any statistic computed from it (means, SDs, subgroup estimates, shares),
are not published. Its row stays in the table, marked ``suppressed = "primary"`` with the
reason in ``note``. Zero is published: an empty cell says nothing about a person.

Secondary suppression
---------------------
A suppressed count must not come back by subtraction: from a total (the overall ``n_obs``
in ``did.csv``, the ``rows_in`` of a wave), the other levels of a subgroup variable, the
margins of a crossed subgroup, or ``rows_in - rows_out``. Every table that has such
additive relations is protected by complementary (secondary) cell suppression, the
standard method of official statistics (ONS, NHS England, Eurostat's tau-ARGUS): further
cells are suppressed (``suppressed = "secondary"``) until no suppressed cell is determined
by the published ones. :func:`determined` checks this exactly, by linear algebra (a cell
is recoverable when its unit vector lies in the row space of the relations restricted to
the suppressed cells), and :func:`protect` chooses the complements by backward
elimination: it hides every related cell, then publishes them back, largest counts first,
as long as no small cell becomes recoverable (zeros are never relied on: a reader may
guess them). A secondary cell loses only its counts: its statistics (a subgroup level's
estimate, a mean) reveal no count and stay. Cell suppression was chosen over the
alternatives because it keeps every publishable count exact and visible: withholding all
per-level counts of a subgroup variable loses every level's size to protect one, and
rounding every count (e.g. to base 5) breaks the additivity evaluators rely on
(``rows_in = rows_excluded + rows_out``) and, with small totals, still bounds a small cell
tightly.

Shares
------
A share (a level's proportion of the programme areas' residents, in
``cba_subgroups.csv``) is published only where its count is publishable, and rounded to
whole percent (largest remainder, so the shares of a subgroup still add to 100%). Levels
that are suppressed are left out of the denominator (:func:`publishable_shares`), so
``1 - sum(published shares)`` is zero, not the suppressed level's share; and the valued
WELLBYs are computed from the rounded shares, so no figure carries an exact share.

Which files are safe
--------------------
- Statistical tables, safe as written: ``subgroups.csv``, ``descriptives.csv``,
  ``cba_subgroups.csv`` and ``reliability.csv`` (suppressed cells blank, flagged and
  explained); ``did.csv``, ``event_study.csv`` and ``group_time.csv`` hold totals only.
- Published views, built here by :func:`published_tables` for both ``report.html`` and
  ``tables.xlsx`` (so the two cannot differ): every table above, with suppressed counts
  shown as ``<10`` (a primary person count) or ``suppressed`` (a secondary cell, or a
  person-wave count of a suppressed cell), and every other count from 1 to
  ``min_cell - 1`` marked ``<10``; the cleaning audit as counts only: the cleaning summary
  and excluded rows by wave and rule (protected together, as they add up; a wave's
  ``rows_out``, which the data checks also quote as its respondents, is kept and its
  ``rows_in`` hidden when one must go), item values set to missing by wave and column, and
  respondents flagged by linkage, by rule. ``did.csv`` and the other tables of totals are
  written by their own steps; a count of theirs below ``min_cell`` is marked here.
- Audit tables, exact by design: ``exclusions.csv``, ``corrections.csv``, ``linkage.csv``
  and ``cleaning_summary.csv`` under ``results/tables`` keep row-level detail (source row
  numbers, respondent ids) so the evaluator can check every exclusion. They are working
  files for the evaluator, not for publication; the report and the workbook never show
  them row by row.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.linalg import null_space

SUPPRESSED = "suppressed"
PRIMARY = "primary"
SECONDARY = "secondary"
SECONDARY_MARKER = "suppressed"
SHARE_STEP = 0.01

#: Columns that count people or person-waves (marked when small in published views);
#: ``count`` is the data checks' rows or persons concerned.
COUNT_COLUMNS = ("n", "n_obs", "n_persons", "n_clusters", "n_complete", "n_treated_obs",
                 "rows_in", "rows_excluded", "rows_out", "rows", "values", "count")

Cell = Hashable
Relation = Mapping[Hashable, float]


def small_count_marker(min_cell: int) -> str:
    """Return the text shown in place of a suppressed count of persons (e.g. ``<10``)."""
    return f"<{min_cell}"


def primary_reason(min_cell: int) -> str:
    """Return the note of a primarily suppressed cell."""
    return f"suppressed: fewer than {min_cell} persons (report.min_cell)"


SECONDARY_REASON = ("counts suppressed so that a smaller cell's count cannot be derived by "
                    "subtraction (secondary suppression)")


def is_small(values: pd.Series | np.ndarray | float, min_cell: int
             ) -> pd.Series | np.ndarray | bool:
    """Return whether counts are from 1 to ``min_cell - 1`` (missing is not small)."""
    values = pd.to_numeric(values, errors="coerce")
    return (values > 0) & (values < min_cell)


def count_persons(keys: pd.DataFrame | pd.Series, person: pd.Series | None = None
                  ) -> pd.Series:
    """Count distinct persons in each group.

    Parameters
    ----------
    keys : pandas.DataFrame or pandas.Series
        The group of each row (one column per key); categorical keys keep empty groups.
    person : pandas.Series, optional
        The respondent of each row (aligned with ``keys``). Without it every row is a
        person, as in a repeated cross-section.

    Returns
    -------
    pandas.Series
        Distinct persons per group (rows with a missing key are not counted).
    """
    frame = keys.to_frame() if isinstance(keys, pd.Series) else keys.copy()
    by = list(frame.columns)
    if person is None:
        return frame.groupby(by, observed=False, sort=False).size()
    frame["_person"] = person.to_numpy()
    return frame.groupby(by, observed=False, sort=False)["_person"].nunique()


def determined(suppressed: Iterable[Cell], relations: Sequence[Relation],
               tol: float = 1e-8) -> set:
    """Return the suppressed cells that the published cells determine exactly.

    Parameters
    ----------
    suppressed : iterable of hashable
        The suppressed cells.
    relations : sequence of mapping
        Additive relations, each ``{cell: coefficient}`` with ``sum(coefficient * value)
        == 0`` (e.g. ``{total: 1, part_a: -1, part_b: -1}``). A cell that is not
        suppressed is known to the reader.

    Returns
    -------
    set
        Cells whose value follows from the relations and the published cells.

    Notes
    -----
    With the published cells moved to the right-hand side, the relations are a linear
    system ``A x = b`` in the suppressed cells ``x``. A cell is determined exactly when
    every solution has the same value for it, i.e. when its component is zero in every
    vector of the null space of ``A``. Bounds (counts are not negative) are not used: the
    check is against exact recovery by subtraction, as the suppression rules require.
    """
    cells = list(dict.fromkeys(suppressed))
    if not cells:
        return set()
    index = {cell: i for i, cell in enumerate(cells)}
    rows = []
    for relation in relations:
        row = np.zeros(len(cells))
        for cell, coefficient in relation.items():
            if cell in index:
                row[index[cell]] += coefficient
        if np.any(row):
            rows.append(row)
    if not rows:
        return set()
    basis = null_space(np.vstack(rows))
    if basis.size == 0:
        return set(cells)
    free = np.linalg.norm(basis, axis=1) > tol
    return {cell for cell in cells if not free[index[cell]]}


def protect(values: Mapping[Cell, float], relations: Sequence[Relation], min_cell: int,
            *, primary: Iterable[Cell] | None = None,
            priority: Mapping[Cell, int] | None = None) -> dict:
    """Choose the cells to suppress: small cells, and complements so that none is recoverable.

    Parameters
    ----------
    values : mapping
        Every cell that may be suppressed and its count of persons (a cell that appears
        in ``relations`` but not here, such as a total published in another table, is
        known to the reader and is never suppressed).
    relations : sequence of mapping
        Additive relations between cells (see :func:`determined`).
    min_cell : int
        Smallest count of persons that may be published.
    primary : iterable, optional
        The cells to protect; by default those with 1 to ``min_cell - 1`` persons.
    priority : mapping, optional
        Cell -> rank (default 0); cells of a lower rank are kept published first (e.g.
        the levels of a subgroup before a test's count of pooled levels).

    Returns
    -------
    dict
        Suppressed cell -> ``"primary"`` or ``"secondary"`` (primary cells first).

    Notes
    -----
    Backward elimination: every cell connected to a primary cell through the relations
    starts suppressed; then each is published in turn, zeros first (a zero hides
    nothing, as a reader may guess it), then by ``priority``, then the largest count first
    (so that the suppressed counts are small: the least information lost), and it stays
    published if no primary cell becomes recoverable (:func:`determined`). A last pass
    publishes any complement whose value the others already give away. The result is
    irreducible: publishing any further complement would reveal a primary cell. A
    primary cell that a published total gives away whatever else is hidden (the total is
    then itself smaller than ``min_cell``) cannot be protected here; it is suppressed
    and must be protected where that total is published.
    """
    order = {cell: i for i, cell in enumerate(values)}
    rank = priority or {}
    if primary is None:
        primary = [cell for cell, value in values.items() if 0 < value < min_cell]
    primary = list(dict.fromkeys(primary))
    if not primary:
        return {}
    neighbours: dict = {cell: set() for cell in values}
    for relation in relations:
        members = [cell for cell in relation if cell in neighbours]
        for cell in members:
            neighbours[cell].update(members)
    connected, frontier = set(primary), list(primary)
    while frontier:
        for other in neighbours.get(frontier.pop(), ()):
            if other not in connected:
                connected.add(other)
                frontier.append(other)
    hidden = [cell for cell in values if cell in connected]
    unavoidable = determined(hidden, relations) & set(primary)

    def safe(cells) -> bool:
        return not ((determined(cells, relations) & set(primary)) - unavoidable)

    complements = sorted((cell for cell in hidden if cell not in primary),
                         key=lambda c: (values[c] != 0, rank.get(c, 0), -values[c], order[c]))
    suppressed = list(hidden)
    for cell in complements:
        trial = [c for c in suppressed if c != cell]
        if safe(trial):
            suppressed = trial
    for cell in determined(suppressed, relations) - set(primary):
        suppressed.remove(cell)
    status = {cell: PRIMARY for cell in primary}
    status.update({cell: SECONDARY for cell in suppressed if cell not in status})
    return status


def round_shares(counts: pd.Series, step: float = SHARE_STEP) -> pd.Series:
    """Turn counts into shares rounded to ``step`` that still add up to 1.

    Parameters
    ----------
    counts : pandas.Series
        Non-negative counts (at least one positive).
    step : float, default 0.01
        The rounding unit (whole percent).

    Returns
    -------
    pandas.Series
        Shares, multiples of ``step`` summing to 1: each share is rounded down and the
        remaining units go to the largest remainders (Hamilton's method), ties to the
        first.
    """
    units = round(1 / step)
    counts = counts.astype(float)
    exact = counts / counts.sum() * units
    floor = np.floor(exact + 1e-9)
    remainder = exact - floor
    missing = int(round(units - floor.sum()))
    order = np.argsort(-remainder.to_numpy(), kind="stable")[:missing]
    floor.iloc[order] += 1
    return floor / units


def publishable_shares(shares: pd.DataFrame, min_cell: int,
                       withheld: Iterable[tuple[str, str]] = ()
                       ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split population shares into those that may be published and those withheld.

    Parameters
    ----------
    shares : pandas.DataFrame
        subgroup, level, share and n_persons (the persons the share counts; see
        :func:`wellby.analysis.subgroups.population_shares`).
    min_cell : int
        Smallest count of persons that may be published.
    withheld : iterable of (subgroup, level)
        Levels to withhold whatever their count (e.g. suppressed in ``subgroups.csv``).

    Returns
    -------
    published : pandas.DataFrame
        subgroup, level, share: the other levels, their shares recomputed among the
        persons of the published levels of their subgroup and rounded to whole percent
        (:func:`round_shares`). A subgroup with no published person is left out.
    withheld : pandas.DataFrame
        subgroup, level, note: levels with 1 to ``min_cell - 1`` persons or listed in
        ``withheld``.

    Notes
    -----
    Leaving the withheld levels out of the denominator means that the published shares
    add up to 1, so no subtraction gives back a withheld level's share; and rounding
    means that no published share (nor a value computed from it) reveals its count
    exactly.
    """
    listed = set(withheld)
    keys = list(zip(shares["subgroup"], shares["level"], strict=True))
    hidden = (is_small(shares["n_persons"], min_cell)
              | pd.Series([key in listed for key in keys], index=shares.index))
    kept = shares[~hidden]
    published = []
    for _, part in kept.groupby("subgroup", sort=False):
        if part["n_persons"].sum() <= 0:
            continue
        published.append(part[["subgroup", "level"]].assign(
            share=round_shares(part["n_persons"]).to_numpy()))
    columns = ["subgroup", "level", "share"]
    published_table = (pd.concat(published, ignore_index=True) if published
                       else pd.DataFrame(columns=columns))
    withheld_table = shares.loc[hidden, ["subgroup", "level"]].assign(
        note=f"not valued: {primary_reason(min_cell)} in programme areas or in "
             "subgroups.csv; left out of the shares").reset_index(drop=True)
    return published_table, withheld_table


# ----------------------------------------------------------------- published views

def suppression_status(table: pd.DataFrame) -> pd.Series:
    """Return each row's suppression (``"primary"``, ``"secondary"`` or ``""``).

    Reads the ``suppressed`` column as written to CSV: text, a legacy boolean (True is
    primary) or missing.
    """
    if SUPPRESSED not in table:
        return pd.Series("", index=table.index)
    column = table[SUPPRESSED]

    def one(value) -> str:
        if value is True or (isinstance(value, (bool, np.bool_)) and value):
            return PRIMARY
        if isinstance(value, str) and value in (PRIMARY, SECONDARY):
            return value
        if isinstance(value, str) and value.strip().lower() == "true":
            return PRIMARY
        return ""

    return column.map(one)


def mark_small_counts(table: pd.DataFrame, columns: Sequence[str], min_cell: int, *,
                      persons: Sequence[str] = ()) -> pd.DataFrame:
    """Replace suppressed and small counts by markers for publication.

    Parameters
    ----------
    table : pandas.DataFrame
        A table about to be published (report, workbook).
    columns : sequence of str
        Its count columns.
    min_cell : int
        Smallest count of persons that may be shown.
    persons : sequence of str, optional
        Those of ``columns`` that count persons (e.g. ``n_persons``).

    Returns
    -------
    pandas.DataFrame
        A copy with the count columns as text where marked: in a row suppressed as
        ``primary`` a blank person count reads ``<10`` and any other blank count
        ``suppressed``; in a ``secondary`` row a blank count reads ``suppressed``; any
        count from 1 to ``min_cell - 1`` reads ``<10``. Zero stays zero. Only blank counts
        of a suppressed row are marked (a secondary row's count of areas, say, is still
        published).
    """
    out = table.copy()
    status = suppression_status(out)
    small_marker = small_count_marker(min_cell)
    for column in columns:
        if column not in out:
            continue
        values = pd.to_numeric(out[column], errors="coerce")
        marks = pd.Series(None, index=out.index, dtype=object)
        marks[values.isna() & (status == SECONDARY)] = SECONDARY_MARKER
        marks[values.isna() & (status == PRIMARY)] = (small_marker if column in persons
                                                      else SECONDARY_MARKER)
        marks[is_small(values, min_cell)] = small_marker
        chosen = marks.notna()
        if chosen.any():
            out[column] = out[column].astype(object)
            out.loc[chosen, column] = marks[chosen]
    return out


def publishable(table: pd.DataFrame, min_cell: int, persons: Sequence[str] = ()
                ) -> pd.DataFrame:
    """Mark every suppressed or small count in a table's count columns.

    See :func:`mark_small_counts`; the count columns are those in :data:`COUNT_COLUMNS`.
    """
    return mark_small_counts(table, [c for c in table.columns if c in COUNT_COLUMNS],
                             min_cell, persons=persons)


def _marked(value: float, state: str | None, min_cell: int) -> object:
    if state == PRIMARY:
        return small_count_marker(min_cell)
    if state == SECONDARY:
        return SECONDARY_MARKER
    return int(value) if float(value).is_integer() else value


def cleaning_views(summary: pd.DataFrame, exclusions: pd.DataFrame | None,
                   min_cell: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Build the publishable cleaning summary and excluded rows by wave and rule, together.

    Parameters
    ----------
    summary : pandas.DataFrame
        ``cleaning_summary.csv``: wave, rows_in, rows_excluded, rows_out.
    exclusions : pandas.DataFrame or None
        ``exclusions.csv`` (wave, row, rule, detail).
    min_cell : int
        Smallest count of persons that may be shown.

    Returns
    -------
    summary : pandas.DataFrame
        wave, rows_in, rows_excluded, rows_out.
    by_rule : pandas.DataFrame
        wave, rule, rows: excluded rows per wave and rule.

    Notes
    -----
    Rows of one wave are persons (one row per respondent; duplicates are counted as the
    rows they are). The relations are ``rows_in = rows_excluded + rows_out`` per wave and
    ``rows_excluded = sum of its rules' rows`` per wave; small counts are suppressed and
    complemented by :func:`protect`, so, e.g., a wave's 3 excluded rows are shown as
    ``<10`` and its ``rows_in`` as ``suppressed`` (the rows analysed, ``rows_out``, are
    kept in preference; the exact counts stay in the audit CSVs).
    """
    count_columns = ["rows_in", "rows_excluded", "rows_out"]
    exclusions = (exclusions if exclusions is not None
                  else pd.DataFrame(columns=["wave", "row", "rule", "detail"]))
    if len(exclusions):
        by_rule = (exclusions.groupby(["wave", "rule"], sort=True).size().rename("rows")
                   .reset_index())
    else:
        by_rule = pd.DataFrame({"wave": pd.Series(dtype=object), "rule": pd.Series(dtype=object),
                                "rows": pd.Series(dtype="int64")})
    values: dict = {}
    relations: list[dict] = []
    for row in summary.itertuples(index=False):
        wave = row.wave
        for column in count_columns:
            values[("summary", wave, column)] = float(getattr(row, column))
        relations.append({("summary", wave, "rows_in"): 1.0,
                          ("summary", wave, "rows_excluded"): -1.0,
                          ("summary", wave, "rows_out"): -1.0})
    for wave, part in by_rule.groupby("wave", sort=False):
        relation = {("summary", wave, "rows_excluded"): 1.0}
        for rule, rows in zip(part["rule"], part["rows"], strict=True):
            values[("rule", wave, rule)] = float(rows)
            relation[("rule", wave, rule)] = -1.0
        if ("summary", wave, "rows_excluded") in values:
            relations.append(relation)
    # keep the analysed rows (rows_out) rather than the rows read when one must go
    rows_in_last = {key: 1 for key in values if key[0] == "summary" and key[2] == "rows_in"}
    status = protect(values, relations, min_cell, priority=rows_in_last)
    shown = summary[["wave", *count_columns]].copy().astype(object)
    for index, row in shown.iterrows():
        for column in count_columns:
            shown.at[index, column] = _marked(float(row[column]),
                                              status.get(("summary", row["wave"], column)),
                                              min_cell)
    rules = by_rule.copy().astype(object)
    for index, row in rules.iterrows():
        rules.at[index, "rows"] = _marked(float(row["rows"]),
                                          status.get(("rule", row["wave"], row["rule"])),
                                          min_cell)
    return shown, rules


def corrections_view(corrections: pd.DataFrame, min_cell: int) -> pd.DataFrame:
    """Count item values set to missing by wave, column and rule, small counts marked.

    Each count is of rows of one wave, so of persons. No total of them is published, so
    no complement is needed.
    """
    if not len(corrections):
        return pd.DataFrame(columns=["wave", "column", "rule", "values"])
    counts = (corrections.groupby(["wave", "column", "rule"], sort=True).size()
              .rename("values").reset_index())
    return mark_small_counts(counts, ["values"], min_cell, persons=["values"])


def linkage_view(linkage: pd.DataFrame, min_cell: int) -> pd.DataFrame:
    """Count respondents flagged by the linkage checks, by rule and column, and in all.

    Parameters
    ----------
    linkage : pandas.DataFrame
        ``linkage.csv`` (person, rule, column, ...).
    min_cell : int
        Smallest count of persons that may be shown.

    Returns
    -------
    pandas.DataFrame
        rule, column, n_persons (distinct respondents), the last row (rule ``any``) the
        distinct respondents flagged by any rule. When no respondent is in two rules the
        rows add up to the total, and the cells are protected by :func:`protect`.
    """
    columns = ["rule", "column", "n_persons"]
    if not len(linkage):
        return pd.DataFrame({"rule": ["any"], "column": [""], "n_persons": [0]})[columns]
    parts = (linkage.groupby(["rule", "column"], sort=True)["person"].nunique()
             .rename("n_persons").reset_index())
    total = int(linkage["person"].nunique())
    values = {("part", r, c): float(n) for r, c, n in
              zip(parts["rule"], parts["column"], parts["n_persons"], strict=True)}
    values[("total",)] = float(total)
    relations = []
    if parts["n_persons"].sum() == total:
        relations.append({("total",): 1.0, **{key: -1.0 for key in values if key[0] == "part"}})
    status = protect(values, relations, min_cell)
    table = pd.concat([parts, pd.DataFrame({"rule": ["any"], "column": [""],
                                            "n_persons": [total]})], ignore_index=True)
    keys = [*[key for key in values if key[0] == "part"], ("total",)]
    table["n_persons"] = [_marked(values[key], status.get(key), min_cell) for key in keys]
    return table[columns]


def disclosure_notes(min_cell: int) -> list[str]:
    """Return the lines that explain the disclosure markers to a reader of the tables."""
    return [
        f"Counts are of persons (respondents); a count of fewer than {min_cell} persons is "
        f"not published and reads {small_count_marker(min_cell)} (report.min_cell).",
        f"A count that reads '{SECONDARY_MARKER}' is hidden so that a small count cannot be "
        "worked out by subtraction from totals or other cells (secondary suppression); "
        "person-wave counts (n_obs) of a suppressed cell read the same.",
        "Subgroup levels and cells with fewer persons are not estimated; their rows say "
        "why (column note).",
        "Shares of persons are rounded to whole percent and given only for levels whose "
        "counts are published.",
        "Cleaning tables are counts by wave (and rule or item); the row-level audit files "
        "(exclusions, corrections, linkage) stay with the evaluator.",
    ]


#: Columns that count persons, by published table (the others count person-waves).
PERSON_COLUMNS = {"descriptives": ("n",), "subgroups": ("n_persons",),
                  "reliability": ("n_complete",)}


def published_tables(tables: Mapping[str, pd.DataFrame], min_cell: int
                     ) -> dict[str, pd.DataFrame]:
    """Return the publishable view of every table (for ``tables.xlsx`` and the report).

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame
        The study's tables as written under ``results/tables`` (by name).
    min_cell : int
        Smallest count of persons that may be shown.

    Returns
    -------
    dict of str to pandas.DataFrame
        Same names and order. ``cleaning_summary`` and ``exclusions`` (now excluded rows
        by wave and rule) come from :func:`cleaning_views`, ``corrections`` from
        :func:`corrections_view`, ``linkage`` from :func:`linkage_view`; every other table
        has its suppressed and small counts marked (:func:`publishable`).
    """
    views: dict[str, pd.DataFrame] = {}
    summary = tables.get("cleaning_summary")
    cleaning = (cleaning_views(summary, tables.get("exclusions"), min_cell)
                if summary is not None else None)
    for name, table in tables.items():
        if name == "cleaning_summary" and cleaning is not None:
            views[name] = cleaning[0]
        elif name == "exclusions":
            views[name] = (cleaning[1] if cleaning is not None
                           else cleaning_views(pd.DataFrame(columns=["wave", "rows_in",
                                                                     "rows_excluded",
                                                                     "rows_out"]),
                                               table, min_cell)[1])
        elif name == "corrections":
            views[name] = corrections_view(table, min_cell)
        elif name == "linkage":
            views[name] = linkage_view(table, min_cell)
        else:
            views[name] = publishable(table, min_cell, PERSON_COLUMNS.get(name, ()))
    return views
