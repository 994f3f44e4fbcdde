import numpy as np
import pandas as pd

from wellby.describe import outcome_means


def test_means_by_wave_and_group_with_small_cells_suppressed():
    data = pd.DataFrame({
        "wave": [1] * 12 + [2] * 12,
        "ever_treated": ([1] * 10 + [0] * 2) * 2,
        "y": np.arange(24, dtype=float),
    })
    table = outcome_means(data, ["y"], wave="wave", min_cell=10)
    rows = table.set_index(["wave", "group"])
    assert rows.loc[(1, "programme"), "n"] == 10
    assert rows.loc[(1, "programme"), "mean"] == 4.5
    assert rows.loc[(1, "comparison"), "suppressed"]
    assert np.isnan(rows.loc[(1, "comparison"), "n"])
    assert np.isnan(rows.loc[(1, "comparison"), "mean"])
    assert not rows.loc[(2, "programme"), "suppressed"]
