"""The survey file reader: formats, options, text ids, and damaged or odd files.

Every bad file must give a :class:`DataError` that names the file and the config key to
fix, and no message may quote a cell of the file (``SECRET`` is planted to check that).
"""

import struct

import numpy as np
import openpyxl
import pandas as pd
import pyreadstat
import pytest

from wellby.errors import DataError
from wellby.prepare import read as reading
from wellby.prepare.read import read_survey_file
from wellby.prepare.read_request import sanitise

KEY = "data.waves[2].path"
SECRET = "SECRET-VALUE-123"
LONG_ID = "12345678901234567"  # 17 digits: not exact as a double


def read(path, **kw):
    return read_survey_file(path, config_key=KEY, **kw)


def fails(path, **kw):
    with pytest.raises(DataError) as caught:
        read(path, **kw)
    error = caught.value
    message = str(error)
    assert SECRET not in message
    assert error.file == str(path) and f"file: {path}" in message
    assert f"config key to fix: {error.config_key}" in message
    return error


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


# --- callers and options -----------------------------------------------------------------


def test_existing_positional_callers_still_work(tmp_path):
    path = write(tmp_path, "w.csv", "id,ls\n1,7\n2,5\n")
    frame = read_survey_file(path, KEY, "utf-8", False)
    assert frame["ls"].tolist() == [7, 5]
    assert isinstance(frame.index, pd.RangeIndex)


@pytest.mark.parametrize(("option", "value", "leaf"), [
    ("header_row", 0, "header_row"), ("header_row", "2", "header_row"),
    ("header_row", True, "header_row"), ("delimiter", ";;", "delimiter"),
    ("delimiter", '"', "delimiter"), ("sheet", 1.5, "sheet"),
])
def test_invalid_options_name_their_key(tmp_path, option, value, leaf):
    path = write(tmp_path, "w.csv", "id\n1\n")
    error = fails(path, **{option: value})
    assert error.config_key == f"data.waves[2].{leaf}"


def test_the_wave_key_comes_from_the_path_key(tmp_path):
    path = write(tmp_path, "w.csv", "id;x\n1;2\n")
    with pytest.raises(DataError) as caught:
        read_survey_file(path, config_key="data.path")
    assert caught.value.config_key == "data.delimiter"


# --- text columns ------------------------------------------------------------------------


def test_csv_text_columns_keep_exact_digits_and_leading_zeros(tmp_path):
    path = write(tmp_path, "w.csv",
                 f"pid,area,code,ls\n{LONG_ID},00123,01234,7\n 42 ,  ,0099,5\n,A1,1,6\n")
    frame = read(path, text_columns=["pid", "area", "not_in_file"])
    assert frame["pid"].dtype == "string" and frame["area"].dtype == "string"
    assert frame["pid"].tolist()[:2] == [LONG_ID, "42"] and frame["pid"].isna().tolist() == [
        False, False, True]
    assert frame["area"].tolist()[0] == "00123" and frame["area"].isna().tolist() == [
        False, True, False]
    assert frame["code"].tolist() == [1234, 99, 1]  # not a text column: numeric, as pandas
    assert "not_in_file" not in frame.columns


def test_text_column_given_as_one_string(tmp_path):
    path = write(tmp_path, "w.csv", "pid,x\n007,1\n")
    assert read(path, text_columns="pid")["pid"].tolist() == ["007"]


def test_xlsx_text_ids_as_text_cells_and_as_number_cells(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["pid", "area", "ls"])
    sheet.append([LONG_ID, 100003.0, 7])
    sheet.append(["00123", 12, 5.5])
    sheet.append([" ", None, 6])
    book.save(tmp_path / "w.xlsx")
    frame = read(tmp_path / "w.xlsx", text_columns=["pid", "area"])
    assert frame["pid"].tolist()[:2] == [LONG_ID, "00123"] and pd.isna(frame["pid"][2])
    assert frame["area"].tolist()[:2] == ["100003", "12"] and pd.isna(frame["area"][2])
    assert frame["ls"].tolist() == [7.0, 5.5, 6.0]


def test_xlsx_number_too_large_to_be_an_exact_id_is_refused(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["pid", "ls"])
    book.active.append([1, 7])
    book.active.append([int(LONG_ID), 7])
    book.save(tmp_path / "w.xlsx")
    error = fails(tmp_path / "w.xlsx", text_columns=["pid"])
    assert error.column == "pid" and error.rows == [2]
    assert "rounded" in str(error)
    assert read(tmp_path / "w.xlsx")["pid"].dtype.kind in "if"  # not a text column: fine


def test_parquet_int64_ids_with_gaps_stay_exact(tmp_path):
    frame = pd.DataFrame({"pid": pd.array([int(LONG_ID), None, 5], dtype="Int64"),
                          "ls": [7.0, 5.0, 6.0]})
    frame.to_parquet(tmp_path / "w.parquet")
    read_back = read(tmp_path / "w.parquet", text_columns=["pid"])
    assert read_back["pid"].dtype == "string"
    assert read_back["pid"][0] == LONG_ID and pd.isna(read_back["pid"][1])
    assert read_back["pid"][2] == "5"


def test_parquet_named_index_comes_back_as_a_column(tmp_path):
    frame = pd.DataFrame({"pid": [int(LONG_ID), 2], "ls": [7.0, 5.0]}).set_index("pid")
    frame.to_parquet(tmp_path / "w.parquet")
    read_back = read(tmp_path / "w.parquet", text_columns=["pid"])
    assert read_back["pid"].tolist() == [LONG_ID, "2"]
    assert isinstance(read_back.index, pd.RangeIndex)


@pytest.mark.parametrize("suffix", ["sav", "zsav", "dta"])
def test_spss_and_stata_ids_as_text(tmp_path, suffix):
    frame = pd.DataFrame({"pid": [LONG_ID, " 00123 ", ""], "area": [100003.0, 2.0, np.nan],
                          "ls": [7.0, 5.0, 6.0]})
    path = tmp_path / f"w.{suffix}"
    if suffix == "dta":
        pyreadstat.write_dta(frame, path)
    else:
        pyreadstat.write_sav(frame, path, compress=suffix == "zsav")
    read_back = read(path, text_columns=["pid", "area"])
    assert read_back["pid"].tolist()[:2] == [LONG_ID, "00123"] and pd.isna(read_back["pid"][2])
    assert read_back["area"].tolist()[:2] == ["100003", "2"] and pd.isna(read_back["area"][2])
    assert read_back["ls"].tolist() == [7.0, 5.0, 6.0]


def test_spss_value_labels_still_work_with_text_columns(tmp_path):
    frame = pd.DataFrame({"pid": [1.0, 2.0, 3.0], "sex": [1.0, 2.0, 3.0], "ls": [7.0, 5.0, 6.0]})
    path = tmp_path / "w.sav"
    pyreadstat.write_sav(frame, path, variable_value_labels={"sex": {1: "Male", 2: "Female"}})
    labels = read(path, value_labels=True, text_columns=["pid"])
    assert labels["sex"].tolist() == ["Male", "Female", 3.0]
    assert labels["pid"].tolist() == ["1", "2", "3"]
    assert read(path)["sex"].tolist() == [1.0, 2.0, 3.0]


def test_spss_double_beyond_exact_range_in_text_column_is_refused(tmp_path):
    frame = pd.DataFrame({"pid": [1.0, float(LONG_ID)], "ls": [7.0, 5.0]})
    pyreadstat.write_sav(frame, tmp_path / "w.sav")
    error = fails(tmp_path / "w.sav", text_columns=["pid"])
    assert error.column == "pid" and error.rows == [2]


# --- CSV: delimiter, fields, line breaks, quoting, types ---------------------------------


@pytest.mark.parametrize(("separator", "setting"), [(";", "';'"), ("\t", '"\\t"'), ("|", "'|'")])
def test_other_delimiter_is_suggested_then_read(tmp_path, separator, setting):
    path = write(tmp_path, "w.csv", f"id{separator}ls{separator}note\n1{separator}7{separator}a\n")
    error = fails(path)
    assert error.config_key == "data.waves[2].delimiter"
    assert f"set delimiter: {setting}" in str(error)
    frame = read(path, delimiter=separator)
    assert list(frame.columns) == ["id", "ls", "note"] and frame["ls"].tolist() == [7]


def test_comma_file_read_with_semicolon_option_says_so(tmp_path):
    path = write(tmp_path, "w.csv", "id,ls\n1,7\n")
    error = fails(path, delimiter=";")
    assert "commas" in str(error) and error.config_key == "data.waves[2].delimiter"


def test_row_with_too_few_fields_is_named_by_its_data_row(tmp_path):
    path = write(tmp_path, "w.csv", f"id,ls,note\n1,7,a\n2,5,b\n3,{SECRET}\n4,6,c\n")
    error = fails(path)
    assert "row 3 has 2 fields, the header has 3" in str(error)
    assert error.rows == [3] and error.config_key == KEY


def test_row_with_too_many_fields_and_blank_lines_do_not_shift_the_numbering(tmp_path):
    path = write(tmp_path, "w.csv", f"id,ls\n1,7\n\n2,5\n3,{SECRET},9\n4,5\n5,{SECRET},x\n")
    error = fails(path)
    assert "row 3 has 3 fields, the header has 2" in str(error)
    assert error.rows == [3, 5]


def test_title_line_above_header_is_suggested_then_skipped(tmp_path):
    path = write(tmp_path, "w.csv", "Residents survey 2019\n\nid,ls,note\n1,7,a\n2,5,b\n")
    error = fails(path)
    assert error.config_key == "data.waves[2].header_row"
    frame = read(path, header_row=3)
    assert list(frame.columns) == ["id", "ls", "note"] and frame["ls"].tolist() == [7, 5]


def test_header_row_past_the_end(tmp_path):
    path = write(tmp_path, "w.csv", "id,ls\n1,7\n")
    assert fails(path, header_row=4).config_key == "data.waves[2].header_row"


def test_missing_final_line_break_is_possible_truncation(tmp_path):
    path = write(tmp_path, "w.csv", f"id,ls,note\n1,7,a\n2,5,{SECRET}")
    error = fails(path)
    assert "does not end with a line break" in str(error) and "cut short" in str(error)


def test_windows_line_endings_are_fine(tmp_path):
    path = write(tmp_path, "w.csv", "id,ls\r\n1,7\r\n2,5\r\n")
    assert read(path)["ls"].tolist() == [7, 5]


def test_quoted_fields_may_hold_line_breaks_delimiters_and_quotes(tmp_path):
    frame = pd.DataFrame({"id": [1, 2, 3], "note": ['a,b', 'line 1\nline 2', 'say "hi"'],
                          "ls": [7, 5, 6]})
    frame.to_csv(tmp_path / "w.csv", index=False)
    pd.testing.assert_frame_equal(read(tmp_path / "w.csv"), frame, check_dtype=False)


def test_line_breaks_in_quoted_fields_across_parser_blocks(tmp_path):
    # Over 1 MB: pyarrow parses in blocks, which must not split a quoted field.
    rows = 60_000
    frame = pd.DataFrame({"id": range(rows), "x": [i % 7 for i in range(rows)],
                          "note": [f"row {i}\nsecond line, with a comma" for i in range(rows)]})
    frame.to_csv(tmp_path / "w.csv", index=False)
    read_back = read(tmp_path / "w.csv")
    assert len(read_back) == rows and read_back["x"].dtype == np.int64
    assert read_back["note"].tolist() == frame["note"].tolist()


def test_quoted_field_never_closed_is_refused_even_with_final_line_break(tmp_path):
    path = write(tmp_path, "w.csv", f'id,note\n1,a\n2,"{SECRET}\n')
    error = fails(path)
    assert "never closed" in str(error) and error.rows == [2]


def test_stray_quote_inside_an_unquoted_field_is_kept(tmp_path):
    path = write(tmp_path, "w.csv", 'id,height\n1,5"\n2,6\n')
    assert read(path)["height"].tolist() == ['5"', "6"]


def test_types_as_pandas_would_give_them(tmp_path):
    path = write(tmp_path, "w.csv",
                 "a,b,c,d,e,f\n1,1.5,x,,2020-01-01,1\n2,,7,,2020-01-02,text\n3,2,NA,,,3\n")
    frame = read(path)
    assert frame["a"].dtype == np.int64 and frame["b"].dtype == np.float64
    assert frame["b"].isna().tolist() == [False, True, False]
    assert frame["d"].dtype == np.float64 and frame["d"].isna().all()
    assert frame["e"].tolist()[:2] == ["2020-01-01", "2020-01-02"]  # dates stay text
    assert not pd.api.types.is_numeric_dtype(frame["f"])  # mixed: the caller checks it
    assert frame["f"].tolist() == ["1", "text", "3"]
    assert frame["c"].tolist()[:2] == ["x", "7"] and pd.isna(frame["c"][2])


def test_numeric_file_reads_exactly_as_pandas(tmp_path):
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"id": np.arange(500) + 10**12, "q": rng.integers(0, 11, 500),
                          "x": rng.normal(size=500).round(4)})
    frame.loc[[3, 40], "x"] = np.nan
    frame.to_csv(tmp_path / "w.csv", index=False)
    pd.testing.assert_frame_equal(read(tmp_path / "w.csv"),
                                  pd.read_csv(tmp_path / "w.csv", low_memory=False))


def test_text_late_in_a_long_numeric_column_makes_it_text_not_an_error(tmp_path):
    rows = ["id,x"] + [f"{i},{i % 7}" for i in range(200_000)] + ["200000,not a number"]
    path = write(tmp_path, "w.csv", "\n".join(rows) + "\n")
    frame = read(path)
    assert len(frame) == 200_001 and frame["x"].iloc[-1] == "not a number"
    assert frame["x"].iloc[0] == "0"


def test_header_only_file_has_columns_and_no_rows(tmp_path):
    frame = read(write(tmp_path, "w.csv", "id,ls\n"))
    assert list(frame.columns) == ["id", "ls"] and len(frame) == 0


def test_empty_file(tmp_path):
    assert "could not be read as .csv" in str(fails(write(tmp_path, "w.csv", b"")))


def test_byte_order_mark_is_not_part_of_the_first_name(tmp_path):
    path = write(tmp_path, "w.csv", b"\xef\xbb\xbfid,ls\n1,7\n")
    assert list(read(path).columns) == ["id", "ls"]


# --- encodings and binary files ----------------------------------------------------------


def test_invalid_utf8_keeps_the_encoding_advice(tmp_path):
    path = write(tmp_path, "w.csv", "id,name\n1,J\xfcrgen\n".encode("cp1252"))
    error = fails(path)
    assert "not valid utf-8 text" in str(error) and "encoding: cp1252" in str(error)
    assert error.config_key == "data.waves[2].encoding"
    assert read(path, encoding="cp1252")["name"].tolist() == ["J\xfcrgen"]


def test_invalid_utf8_deep_in_the_file_is_found(tmp_path):
    rows = "".join(f"{i},name{i}\n" for i in range(50_000))
    path = write(tmp_path, "w.csv", b"id,name\n" + rows.encode() + b"1,J\xfcrgen\n")
    error = fails(path)
    assert "not valid utf-8 text" in str(error) and "line 50002" in str(error)


def test_utf16_text_gets_the_right_encoding_advice(tmp_path):
    path = write(tmp_path, "w.csv", "id,name\n1,J\xfcrgen\n".encode("utf-16"))
    error = fails(path)
    assert "utf-16" in str(error) and error.config_key == "data.waves[2].encoding"
    assert read(path, encoding="utf-16")["name"].tolist() == ["J\xfcrgen"]


def test_unknown_encoding_name(tmp_path):
    path = write(tmp_path, "w.csv", "id\n1\n")
    assert fails(path, encoding="klingon").config_key == "data.waves[2].encoding"


@pytest.mark.parametrize(("kind", "expected"), [
    ("xlsx", "Excel workbook"), ("sav", "SPSS"), ("parquet", "Parquet"),
    ("xls", ".xls"), ("nul", "NUL bytes"),
])
def test_binary_file_named_csv_is_not_text_and_gets_no_encoding_advice(tmp_path, kind, expected):
    frame = pd.DataFrame({"id": [1, 2], "note": [SECRET, "b"]})
    source = tmp_path / f"source.{kind}"
    if kind == "xlsx":
        frame.to_excel(source, index=False)
    elif kind == "sav":
        pyreadstat.write_sav(frame, source)
    elif kind == "parquet":
        frame.to_parquet(source)
    elif kind == "xls":
        source.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    else:
        source.write_bytes(b"id,note\n1,a\x00\x00b\n")
    path = write(tmp_path, "w.csv", source.read_bytes())
    message = str(fails(path))
    assert "not a text file" in message and expected in message
    assert "encoding" not in message


def test_csv_given_an_excel_extension_says_what_it_looks_like(tmp_path):
    path = write(tmp_path, "w.xlsx", "id,ls\n1,7\n")
    message = str(fails(path))
    assert "could not be read as .xlsx" in message and "give it the .csv extension" in message


# --- headers -----------------------------------------------------------------------------


def test_duplicate_csv_header_is_refused_not_renamed(tmp_path):
    path = write(tmp_path, "w.csv", "id,ls,ls ,x\n1,7,8,9\n")
    error = fails(path)
    assert error.column == "ls" and error.config_key == "data.waves[2].rename"
    assert "'ls' occurs 2 times" in str(error) and "columns 2, 3" in str(error)


def test_duplicate_xlsx_header_is_refused_not_renamed(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["id", "ls", "id"])
    book.active.append([1, 7, 2])
    book.save(tmp_path / "w.xlsx")
    error = fails(tmp_path / "w.xlsx")
    assert error.column == "id" and error.config_key == "data.waves[2].rename"


def test_header_that_looks_like_data_points_at_header_row(tmp_path):
    path = write(tmp_path, "w.csv", "1,7,7,\n2,5,5,\n")
    error = fails(path)
    assert error.config_key == "data.waves[2].header_row" and "header row may be wrong" in str(
        error)


def test_mostly_empty_header_over_data_points_at_header_row(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["Residents survey 2019"])
    book.active.append(["id", "ls", "note"])
    book.active.append([1, 7, "a"])
    book.save(tmp_path / "w.xlsx")
    error = fails(tmp_path / "w.xlsx")
    assert error.config_key == "data.waves[2].header_row"
    assert read(tmp_path / "w.xlsx", header_row=2)["ls"].tolist() == [7]


def test_column_names_are_stripped(tmp_path):
    path = write(tmp_path, "w.csv", " id , ls\n1,7\n")
    assert list(read(path).columns) == ["id", "ls"]


def test_empty_header_cells_are_unnamed_like_pandas(tmp_path):
    path = write(tmp_path, "w.csv", ",id,ls\n0,1,7\n1,2,5\n")
    assert list(read(path).columns) == ["Unnamed: 0", "id", "ls"]


# --- Excel sheets and title rows -----------------------------------------------------------


@pytest.fixture
def workbook(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.active["A1"] = "read me"
    sheet = book.create_sheet("Wave 3")
    sheet.append(["Residents survey 2019"])
    sheet.append(["Weighted; ids are text"])
    sheet.append(["pid", "ls", "note"])
    sheet.append(["00123", 7, "a"])
    sheet.append(["00456", 5, "b"])
    path = tmp_path / "w.xlsx"
    book.save(path)
    return path


@pytest.mark.parametrize("sheet", ["Wave 3", 2])
def test_excel_sheet_by_name_or_position_with_title_rows(workbook, sheet):
    frame = read(workbook, sheet=sheet, header_row=3, text_columns=["pid"])
    assert list(frame.columns) == ["pid", "ls", "note"]
    assert frame["pid"].tolist() == ["00123", "00456"] and frame["ls"].tolist() == [7, 5]


def test_excel_default_is_the_first_sheet(workbook):
    assert list(read(workbook).columns) == ["read me"]


@pytest.mark.parametrize("sheet", ["Wave 4", 3, 0])
def test_missing_sheet_lists_the_sheets(workbook, sheet):
    error = fails(workbook, sheet=sheet)
    assert error.config_key == "data.waves[2].sheet"
    assert "'Notes', 'Wave 3'" in str(error)


# --- damaged and cut files -----------------------------------------------------------------


@pytest.fixture
def secret_frame():
    return pd.DataFrame({"pid": [f"P{i:05d}" for i in range(20)],
                         "ls": np.arange(20) % 11 * 1.0,
                         "note": [SECRET] * 20})


@pytest.mark.parametrize("suffix", ["sav", "zsav", "dta", "xlsx", "parquet"])
def test_cut_files_are_refused(tmp_path, secret_frame, suffix):
    path = tmp_path / f"whole.{suffix}"
    {"sav": lambda: pyreadstat.write_sav(secret_frame, path),
     "zsav": lambda: pyreadstat.write_sav(secret_frame, path, compress=True),
     "dta": lambda: pyreadstat.write_dta(secret_frame, path),
     "xlsx": lambda: secret_frame.to_excel(path, index=False),
     "parquet": lambda: secret_frame.to_parquet(path)}[suffix]()
    data = path.read_bytes()
    assert len(read(path)) == 20
    for fraction in (0.3, 0.6, 0.9, 0.99):
        cut = write(tmp_path, f"cut{fraction}.{suffix}", data[: int(len(data) * fraction)])
        fails(cut)
    fails(write(tmp_path, f"last_byte.{suffix}", data[:-1]))


def test_spss_header_row_count_is_checked(tmp_path, secret_frame):
    path = tmp_path / "w.sav"
    pyreadstat.write_sav(secret_frame, path)
    data = bytearray(path.read_bytes())
    assert struct.unpack("<i", data[80:84])[0] == 20
    data[80:84] = struct.pack("<i", 21)  # the header claims a row more than the file has
    error = fails(write(tmp_path, "claims.sav", bytes(data)))
    assert "cut short" in str(error)


def test_corrupt_spss_file_is_refused_without_quoting_cells(tmp_path, secret_frame):
    path = tmp_path / "w.sav"
    pyreadstat.write_sav(secret_frame, path)
    data = bytearray(path.read_bytes())
    data[200:260] = bytes(range(196, 256))  # inside the variable records
    fails(write(tmp_path, "bad.sav", bytes(data)))


def test_library_messages_lose_quoted_text_and_are_cut_short(tmp_path, monkeypatch):
    def broken(_request):
        raise ValueError(f"could not convert string to float: '{SECRET}' " + "x" * 500
                         + f' and "{SECRET}"')

    monkeypatch.setitem(reading.READERS, ".parquet", broken)
    path = write(tmp_path, "w.parquet", b"PAR1")
    error = fails(path)
    first_line = str(error).splitlines()[0]
    assert "ValueError: could not convert string to float" in first_line
    assert len(first_line) < 400


def test_unbalanced_quote_in_a_library_message_cuts_it_there():
    assert sanitise("bad value 'SECRET and more") == "bad value"
    assert sanitise(f'in "{SECRET}" here') == "in … here"
    assert sanitise("Couldn't deserialize thrift") == "Couldn\u2019t deserialize thrift"
