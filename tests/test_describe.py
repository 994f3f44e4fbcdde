import numpy as np
import pandas as pd
import pytest

from wellby.analysis.describe import outcome_means, trends_plot


def test_means_by_wave_and_group_with_small_cells_suppressed():
    data = pd.DataFrame({
        "wave": [1] * 12 + [2] * 12,
        "ever_treated": ([1] * 10 + [0] * 2) * 2,
        "y": np.arange(24, dtype=float),
    })
    table = outcome_means(data, ["y"], wave="wave", min_cell=10)
    rows = table.set_index(["wave", "group"])
    assert rows.loc[(1, "comparison"), "suppressed"] == "primary"
    assert np.isnan(rows.loc[(1, "comparison"), "n"])
    assert np.isnan(rows.loc[(1, "comparison"), "mean"])
    assert "fewer than 10 persons" in rows.loc[(1, "comparison"), "note"]
    # The wave's total (programme + comparison) is published elsewhere (the cleaning
    # summary's rows_out; did.csv's n_obs is the grand total), so the programme cell of
    # the same wave hides its count too; its mean is kept (it reveals no count).
    assert rows.loc[(1, "programme"), "suppressed"] == "secondary"
    assert np.isnan(rows.loc[(1, "programme"), "n"])
    assert rows.loc[(1, "programme"), "mean"] == 4.5
    assert rows.loc[(2, "comparison"), "suppressed"] == "primary"
    assert rows.loc[(2, "programme"), "suppressed"] == "secondary"


def test_only_what_protects_the_small_cell_is_suppressed():
    rng = np.random.default_rng(0)
    sizes = {(1, 1): 40, (1, 0): 5, (2, 1): 50, (2, 0): 60, (3, 1): 30, (3, 0): 35}
    data = pd.concat([pd.DataFrame({"wave": w, "ever_treated": g, "y": rng.normal(size=n)})
                      for (w, g), n in sizes.items()], ignore_index=True)
    rows = outcome_means(data, ["y"], wave="wave", min_cell=10).set_index(["wave", "group"])
    states = rows["suppressed"].to_dict()
    assert states[(1, "comparison")] == "primary" and states[(1, "programme")] == "secondary"
    assert {k: v for k, v in states.items() if k[0] != 1} == {
        (2, "comparison"): "", (2, "programme"): "", (3, "comparison"): "",
        (3, "programme"): ""}
    assert rows.loc[(2, "programme"), "n"] == 50
    # a mean without a count: no interval
    figure = trends_plot(rows.reset_index(), "y", "y", alpha=0.05)
    assert figure.axes[0].get_legend() is not None


def test_counts_are_persons_in_a_panel():
    """A person with two rows in one wave (which cleaning prevents) still counts once."""
    data = pd.DataFrame({"wave": [1] * 12, "ever_treated": [1] * 12,
                         "pid": [1, 1, *range(2, 12)], "y": np.arange(12, dtype=float)})
    rows = outcome_means(data, ["y"], wave="wave", min_cell=5, person="pid")
    assert rows["n"].tolist() == [11]
    rows = outcome_means(data, ["y"], wave="wave", min_cell=5)
    assert rows["n"].tolist() == [12]


def _cells_by_groupby(data, outcome, keep, *, wave, person, cluster):
    """describe._cells as it was written with pandas groupbys (the reference)."""
    from wellby.report.disclosure import count_persons

    long = data.loc[data[outcome].notna(), keep].assign(outcome=outcome, value=data[outcome])
    keys = ["outcome", wave, "ever_treated"]
    table = (long.groupby(keys, sort=False)["value"]
             .agg(mean="mean", sd="std", rows="size").reset_index())
    persons = count_persons(long[keys], long[person] if person else None).rename("n")
    table = table.merge(persons.reset_index(), on=keys, how="left")
    if not cluster:
        table["se"] = table["sd"] / np.sqrt(table["rows"])
        table["df"] = table["rows"] - 1.0
        return table
    centred = long["value"] - long.groupby(keys, sort=False)["value"].transform("mean")
    sums = (centred.groupby([long[k] for k in keys] + [long[cluster]], sort=False,
                            dropna=False).sum() ** 2)
    by_cell = sums.groupby(level=list(range(len(keys))), sort=False)
    g = by_cell.size().astype(float)
    rows = long.groupby(keys, sort=False)["value"].size().astype(float)
    se = (np.sqrt(g / (g - 1) * by_cell.sum()) / rows.reindex(g.index)).where(g > 1)
    spread = pd.DataFrame({"se": se, "df": g - 1})
    spread.index.names = keys
    return table.merge(spread.reset_index(), on=keys, how="left")


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("person, cluster", [("pid", "area"), (None, "area"), ("pid", None)])
def test_cells_equal_the_groupby_formulation(seed, person, cluster):
    from wellby.analysis.describe import _cells

    rng = np.random.default_rng(seed)
    n = 2000
    data = pd.DataFrame({"wave": rng.choice([2016, 2018, 2020], n),
                         "ever_treated": rng.integers(0, 2, n),
                         "pid": rng.integers(0, 700, n).astype(float),
                         "area": rng.integers(0, 30, n).astype(float),
                         "y": rng.normal(size=n)})
    data.loc[rng.random(n) < 0.1, "y"] = np.nan
    data.loc[rng.random(n) < 0.05, "pid"] = np.nan
    data.loc[rng.random(n) < 0.05, "area"] = np.nan  # rows without an area: one area
    data.loc[data.index[:1], "wave"] = 2022  # a cell of one row: no SD, no clustered SE
    keep = ["wave", "ever_treated", *([person] if person else []), *([cluster] if cluster else [])]
    expected = _cells_by_groupby(data, "y", keep, wave="wave", person=person, cluster=cluster)
    got = _cells(data, "y", wave="wave", person=person, cluster=cluster)
    keys = ["wave", "ever_treated"]
    expected = expected.sort_values(keys).reset_index(drop=True)
    got = got.sort_values(keys).reset_index(drop=True)
    pd.testing.assert_frame_equal(got[expected.columns], expected, check_dtype=False,
                                  rtol=1e-12, atol=1e-14)
