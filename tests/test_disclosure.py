"""Disclosure control: persons, primary and secondary suppression, shares, published views."""

from itertools import product

import numpy as np
import pandas as pd
import pytest

from wellby.report.disclosure import (
    PRIMARY,
    SECONDARY,
    cleaning_views,
    corrections_view,
    count_persons,
    determined,
    disclosure_notes,
    linkage_view,
    mark_small_counts,
    protect,
    publishable,
    publishable_shares,
    published_tables,
    round_shares,
)


def recoverable(values, relations, hidden):
    """Independent check (rank test, not the library's null space): the hidden cells
    whose value follows from the relations and the published cells."""
    hidden = list(hidden)
    columns = {cell: i for i, cell in enumerate(hidden)}
    rows = [[relation.get(cell, 0.0) for cell in hidden] for relation in relations
            if any(cell in columns for cell in relation)]
    if not rows:
        return set()
    matrix = np.array(rows, dtype=float)
    rank = np.linalg.matrix_rank(matrix)
    found = set()
    for cell, i in columns.items():
        unit = np.zeros(len(hidden))
        unit[i] = 1.0
        if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
            found.add(cell)
    return found


def one_way(counts):
    """Levels of one variable and a published total."""
    values = {level: float(n) for level, n in counts.items()}
    return values, [{"total": 1.0, **{level: -1.0 for level in counts}}]


def test_determined_by_subtraction():
    values, relations = one_way({"a": 3, "b": 50, "c": 60})
    assert determined(["a"], relations) == {"a"}  # total - b - c
    assert determined(["a", "b"], relations) == set()  # only their sum is known
    assert determined(["a"], []) == set()  # no relation, nothing to subtract from
    assert determined([], relations) == set()
    # two relations pin both down: a + b known and a - b known
    assert determined(["a", "b"], [*relations, {"a": 1.0, "b": -1.0, "d": -1.0}]) == {"a", "b"}


def test_one_small_level_gets_the_smallest_non_zero_complement():
    values, relations = one_way({"male": 120, "female": 116, "other": 3, "unknown": 0})
    status = protect(values, relations, min_cell=10)
    assert status == {"other": PRIMARY, "female": SECONDARY}
    # the empty "unknown" level is never the complement: a reader may guess it is zero
    assert recoverable(values, relations, status) == set()


def test_nothing_is_suppressed_without_small_cells():
    values, relations = one_way({"a": 10, "b": 50, "c": 0})
    assert protect(values, relations, min_cell=10) == {}


def test_two_small_levels_protect_each_other():
    values, relations = one_way({"a": 4, "b": 5, "c": 500})
    assert protect(values, relations, min_cell=10) == {"a": PRIMARY, "b": PRIMARY}


def test_a_crossed_table_with_both_margins_published():
    """Rows x columns with every row and column total published: the complements form
    closed paths (each row and column with a suppressed cell has at least two)."""
    rows = {"r1": [3, 40, 50], "r2": [30, 45, 60], "r3": [25, 35, 70]}
    values = {(r, c): float(n) for r, counts in rows.items() for c, n in enumerate(counts)}
    relations = [{("row", r): 1.0, **{(r, c): -1.0 for c in range(3)}} for r in rows]
    relations += [{("col", c): 1.0, **{(r, c): -1.0 for r in rows}} for c in range(3)]
    status = protect(values, relations, min_cell=10)
    assert status[("r1", 0)] == PRIMARY
    hidden = set(status)
    assert recoverable(values, relations, hidden) == set()
    # the cheapest closed path: the small cell's row and column partners, and the corner
    assert hidden == {("r1", 0), ("r1", 1), ("r3", 0), ("r3", 1)}
    # irreducible: publishing any complement gives the small cell back
    for cell in hidden - {("r1", 0)}:
        assert ("r1", 0) in recoverable(values, relations, hidden - {cell})


def test_a_total_that_is_itself_small_cannot_be_protected_here():
    values, relations = one_way({"a": 3, "b": 0})
    status = protect(values, relations, min_cell=10)
    assert status["a"] == PRIMARY  # the total gives it away: protect the total instead


@pytest.mark.parametrize("seed", range(40))
def test_random_tables_never_leave_a_small_cell_recoverable(seed):
    """Random two-way tables with margins, a grand total and a pooled sum."""
    rng = np.random.default_rng(seed)
    n_rows, n_cols = rng.integers(2, 5, size=2)
    counts = rng.choice([0, 1, 2, 5, 9, 12, 30, 80, 200], size=(n_rows, n_cols),
                        p=[.1, .1, .1, .1, .1, .1, .15, .15, .1])
    values = {(r, c): float(counts[r, c]) for r, c in product(range(n_rows), range(n_cols))}
    values.update({("row", r): float(counts[r].sum()) for r in range(n_rows)})
    values.update({("col", c): float(counts[:, c].sum()) for c in range(n_cols)})
    relations = [{("row", r): 1.0, **{(r, c): -1.0 for c in range(n_cols)}}
                 for r in range(n_rows)]
    relations += [{("col", c): 1.0, **{(r, c): -1.0 for r in range(n_rows)}}
                  for c in range(n_cols)]
    relations.append({"grand": 1.0, **{("row", r): -1.0 for r in range(n_rows)}})
    relations.append({"grand": 1.0, **{("col", c): -1.0 for c in range(n_cols)}})
    status = protect(values, relations, min_cell=10)
    small = {cell for cell, n in values.items() if 0 < n < 10}
    assert small <= set(status)
    exposed = recoverable(values, relations, status)
    # only a small cell that equals a published total minus zeros may stay exposed
    for cell in exposed:
        assert status[cell] == PRIMARY
        assert cell in determined(list(values), relations)


def test_a_count_of_min_cell_is_published_and_one_less_is_not():
    # report.min_cell = 10: 1 to 9 persons are small (marked "<10"); 0, 10 and more are
    # published as they are; a missing count stays missing.
    table = pd.DataFrame({"level": list("abcdef"), "n_persons": [0, 1, 9, 10, 11, np.nan],
                          "n_obs": [0, 4, 36, 40, 44, np.nan]})
    marked = publishable(table, 10, persons=["n_persons"])
    assert marked["n_persons"].tolist()[:5] == [0, "<10", "<10", 10, 11]
    assert np.isnan(marked["n_persons"].iloc[5])
    assert marked["n_obs"].tolist()[:5] == [0, "<10", 36, 40, 44]
    # min_cell = 5: 9 is published, 4 is not.
    five = mark_small_counts(table, ["n_persons", "n_obs"], 5)
    assert five["n_persons"].tolist()[:5] == [0, "<5", 9, 10, 11]
    assert five["n_obs"].tolist()[:5] == [0, "<5", 36, 40, 44]
    # Cell suppression: a level of exactly 10 needs no protection, one of 9 does.
    assert protect(*one_way({"a": 10, "b": 30}), min_cell=10) == {}
    assert protect(*one_way({"a": 9, "b": 30, "c": 40}), min_cell=10)["a"] == PRIMARY
    # Shares: the level of 9 persons is withheld, the level of 10 kept (10/41 and 31/41).
    shares = pd.DataFrame({"subgroup": ["gender"] * 3, "level": ["other", "female", "male"],
                           "share": [0.18, 0.2, 0.62], "n_persons": [9, 10, 31]})
    published, withheld = publishable_shares(shares, 10)
    assert withheld["level"].tolist() == ["other"]
    assert published.set_index("level")["share"].to_dict() == {"female": 0.24, "male": 0.76}


def test_count_persons_counts_distinct_people():
    keys = pd.Series(pd.Categorical(["a", "a", "a", "b"], categories=["a", "b", "c"]))
    person = pd.Series([1, 1, 2, 3])
    assert count_persons(keys, person).to_dict() == {"a": 2, "b": 1, "c": 0}
    assert count_persons(keys).to_dict() == {"a": 3, "b": 1, "c": 0}


def test_round_shares_to_whole_percent_adding_to_one():
    shares = round_shares(pd.Series([1, 1, 1]))
    assert shares.tolist() == [0.34, 0.33, 0.33]
    shares = round_shares(pd.Series([122, 116, 0, 3]))
    assert shares.sum() == pytest.approx(1, abs=1e-12)
    assert np.allclose(shares * 100, np.round(shares * 100))


def test_publishable_shares_leave_small_levels_out_of_the_denominator():
    shares = pd.DataFrame({"subgroup": ["gender"] * 4 + ["qualification"] * 2,
                           "level": ["male", "female", "other", "unknown", "none", "degree"],
                           "share": [0.5, 0.48, 0.02, 0.0, 0.4, 0.6],
                           "n_persons": [125, 120, 3, 0, 100, 148]})
    published, withheld = publishable_shares(shares, 10, withheld=[("qualification", "none")])
    assert withheld[["subgroup", "level"]].values.tolist() == [["gender", "other"],
                                                              ["qualification", "none"]]
    assert "fewer than 10 persons" in withheld["note"].iloc[0]
    gender = published[published["subgroup"] == "gender"].set_index("level")["share"]
    assert gender.to_dict() == {"male": 0.51, "female": 0.49, "unknown": 0.0}
    # 1 - the published shares is 0, not the small level's share
    assert gender.sum() == pytest.approx(1)
    assert published[published["subgroup"] == "qualification"]["share"].tolist() == [1.0]


def test_cleaning_summary_cannot_give_back_a_small_exclusion():
    summary = pd.DataFrame({"wave": [2016, 2017, 2018], "rows_in": [320, 309, 50],
                            "rows_excluded": [3, 0, 12], "rows_out": [317, 309, 38]})
    exclusions = pd.DataFrame({"wave": [2016] * 3 + [2018] * 12, "row": range(15),
                               "rule": ["no_outcome"] * 3 + ["duplicate_id"] * 7
                               + ["no_outcome"] * 5, "detail": "x"})
    shown, by_rule = cleaning_views(summary, exclusions, 10)
    rows = shown.set_index("wave")
    assert rows.loc[2016].tolist() == ["suppressed", "<10", 317]
    assert rows.loc[2017].tolist() == [309, 0, 309]
    # 2018: 12 excluded is publishable, but its rules are 7 and 5: both hidden, and the
    # 12 stays (it gives back only their sum)
    assert rows.loc[2018].tolist() == [50, 12, 38]
    rules = by_rule.set_index(["wave", "rule"])["rows"]
    assert rules[(2016, "no_outcome")] == "<10"
    assert rules[(2018, "duplicate_id")] == "<10" and rules[(2018, "no_outcome")] == "<10"
    # an independent subtraction check over both tables
    values, relations, hidden = {}, [], set()
    for row in shown.itertuples():
        cells = {c: ("s", row.wave, c) for c in ["rows_in", "rows_excluded", "rows_out"]}
        for column, cell in cells.items():
            if isinstance(getattr(row, column), str):
                hidden.add(cell)
        relations.append({cells["rows_in"]: 1.0, cells["rows_excluded"]: -1.0,
                          cells["rows_out"]: -1.0})
    for wave, part in by_rule.groupby("wave"):
        relation = {("s", wave, "rows_excluded"): 1.0}
        for rule, count in zip(part["rule"], part["rows"], strict=True):
            relation[("r", wave, rule)] = -1.0
            if isinstance(count, str):
                hidden.add(("r", wave, rule))
        relations.append(relation)
    assert recoverable(values, relations, hidden) == set()


def test_cleaning_views_without_exclusions():
    summary = pd.DataFrame({"wave": [1], "rows_in": [40], "rows_excluded": [0],
                            "rows_out": [40]})
    shown, by_rule = cleaning_views(summary, pd.DataFrame(columns=["wave", "row", "rule",
                                                                   "detail"]), 10)
    assert shown.iloc[0].tolist() == [1, 40, 0, 40]
    assert by_rule.empty and list(by_rule.columns) == ["wave", "rule", "rows"]


def test_linkage_view_counts_persons_and_protects_the_total():
    linkage = pd.DataFrame({"person": [1, 2, 3] + list(range(10, 22)),
                            "rule": ["changed_across_waves"] * 3
                            + ["birth_year_inconsistent"] * 12,
                            "column": ["gender"] * 3 + ["age"] * 12})
    view = linkage_view(linkage, 10)
    counts = dict(zip(view["rule"], view["n_persons"], strict=True))
    assert counts["changed_across_waves"] == "<10"
    # 15 in all minus 12 would give the 3 back: one of them is suppressed (the 12)
    assert counts["birth_year_inconsistent"] == "suppressed" and counts["any"] == 15
    # a person in two rules: the rows do not add up to the total, so nothing to subtract
    both = pd.concat([linkage, pd.DataFrame({"person": [10], "rule": ["changed_across_waves"],
                                             "column": ["gender"]})])
    counts = dict(zip(*linkage_view(both, 10)[["rule", "n_persons"]].T.values, strict=True))
    assert counts == {"birth_year_inconsistent": 12, "changed_across_waves": "<10", "any": 15}
    assert linkage_view(linkage.iloc[:0], 10)["n_persons"].tolist() == [0]


def test_corrections_are_counted_by_wave_and_column():
    corrections = pd.DataFrame({"wave": [1] * 12 + [2] * 2, "row": range(14),
                                "column": ["happy"] * 14, "value": 11,
                                "rule": "out_of_range_set_missing"})
    view = corrections_view(corrections, 10)
    assert view["values"].tolist() == [12, "<10"]
    assert "row" not in view


def test_published_tables_keep_names_and_never_show_rows():
    tables = {
        "cleaning_summary": pd.DataFrame({"wave": [1], "rows_in": [100], "rows_excluded": [3],
                                          "rows_out": [97]}),
        "exclusions": pd.DataFrame({"wave": [1] * 3, "row": [5, 6, 7], "rule": "no_outcome",
                                    "detail": "all outcomes missing"}),
        "linkage": pd.DataFrame({"person": [77], "rule": ["changed_across_waves"],
                                 "column": ["gender"], "detail": ["x"], "waves": ["1 2"],
                                 "source_rows": ["1:4 2:4"]}),
        "did": pd.DataFrame({"n_obs": [5000, 8], "n_clusters": [300, 4]}),
    }
    views = published_tables(tables, 10)
    assert list(views) == list(tables)
    assert list(views["exclusions"].columns) == ["wave", "rule", "rows"]
    assert "person" not in views["linkage"] and "detail" not in views["exclusions"]
    assert views["did"]["n_obs"].tolist() == [5000, "<10"]
    assert views["cleaning_summary"]["rows_in"].tolist() == ["suppressed"]
    assert any("subtraction" in line for line in disclosure_notes(10))
