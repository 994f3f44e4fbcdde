"""Per-outcome tables stacked as text: every row kept, columns united, cells as written."""

import pandas as pd
import pytest

from wellby.analysis.tables import stack_csv_files


def concat_csv(paths):
    """The tables stacked through pandas, as the gather step did before (the reference)."""
    return pd.concat([pd.read_csv(path) for path in paths], ignore_index=True)


def write(path, text):
    path.write_text(text)
    return path


def test_rows_are_stacked_in_order_and_columns_united(tmp_path):
    first = write(tmp_path / "a.csv", "outcome,estimate,n_obs\nls,0.25,3000\nls,,3000\n")
    second = write(tmp_path / "b.csv", 'outcome,estimate,note\nswemwbs,1.5,"a, b"\n')
    out = tmp_path / "out.csv"
    stack_csv_files([first, second], out)
    assert out.read_text() == ("outcome,estimate,n_obs,note\nls,0.25,3000,\nls,,3000,\n"
                               'swemwbs,1.5,,"a, b"\n')
    # the frame pandas would build from the same tables, save the whole numbers' text
    stacked = pd.read_csv(out)
    pd.testing.assert_frame_equal(stacked, concat_csv([first, second]), check_dtype=False)


def test_whole_numbers_keep_their_text(tmp_path):
    first = write(tmp_path / "a.csv", "term,n_obs\natt,3000\n")
    second = write(tmp_path / "b.csv", "term,n_obs\natt,\n")
    out = tmp_path / "out.csv"
    stack_csv_files([first, second], out)
    assert out.read_text() == "term,n_obs\natt,3000\natt,\n"


@pytest.mark.parametrize("contents, expected", [
    (["a,b\n", "a,b\n"], "a,b\n"),  # no rows anywhere: the first table's header
    (["", "a,b\n1,2\n"], "a,b\n1,2\n"),  # a table without columns adds nothing
    (["", ""], "\n"),  # as pandas writes a table without columns
])
def test_tables_without_rows(tmp_path, contents, expected):
    paths = [write(tmp_path / f"t{i}.csv", text) for i, text in enumerate(contents)]
    out = tmp_path / "out.csv"
    stack_csv_files(paths, out)
    assert out.read_text() == expected


def test_a_one_column_table_keeps_its_empty_cells(tmp_path):
    first = write(tmp_path / "a.csv", 'note\n""\nsecond\n')
    out = tmp_path / "out.csv"
    stack_csv_files([first], out)
    assert pd.read_csv(out, keep_default_na=False)["note"].tolist() == ["", "second"]
