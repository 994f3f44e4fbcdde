import numpy as np
import pandas as pd

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
