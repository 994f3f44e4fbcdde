import hashlib
import json

import pandas as pd
from openpyxl import load_workbook

from wellby.config import Study, validate_config
from wellby.report.workbook import build_provenance, config_sha256, write_workbook

from .conftest import minimal_config


def test_workbook_has_one_formatted_sheet_per_table(tmp_path):
    tables = {"did": pd.DataFrame({"term": ["att"], "estimate": [0.1234567]}),
              "cleaning_summary": pd.DataFrame({"wave": [1], "rows_in": [3]})}
    path = tmp_path / "tables.xlsx"
    write_workbook(tables, path)
    book = load_workbook(path)
    assert book.sheetnames == ["did", "cleaning_summary"]
    sheet = book["did"]
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold
    assert sheet["B2"].number_format == "0.0000"


def test_provenance_hashes_inputs_and_config(tmp_path):
    source = tmp_path / "wave.csv"
    source.write_text("a\n1\n")
    config = validate_config(minimal_config())
    record = build_provenance(config, [source])
    assert record["inputs"][0]["sha256"] == hashlib.sha256(b"a\n1\n").hexdigest()
    canonical = json.dumps(config, sort_keys=True).encode()
    assert record["config_sha256"] == hashlib.sha256(canonical).hexdigest()
    # The typed study hashes as the validated mapping it holds, not as its repr.
    assert config_sha256(Study.from_validated(config)) == record["config_sha256"]
    changed = validate_config(minimal_config(report={"min_cell": 11}))
    assert config_sha256(changed) != record["config_sha256"]
    assert config_sha256({"a": 1, "b": 2}) == config_sha256({"b": 2, "a": 1})
    assert record["packages"]["pandas"] == pd.__version__
    json.dumps(record)


def test_workbook_of_published_views_explains_its_markers(tmp_path):
    from wellby.report.disclosure import disclosure_notes, published_tables

    tables = {"cleaning_summary": pd.DataFrame({"wave": [1, 2], "rows_in": [100, 90],
                                                "rows_excluded": [3, 0],
                                                "rows_out": [97, 90]})}
    path = tmp_path / "tables.xlsx"
    write_workbook(published_tables(tables, 10), path, notes=disclosure_notes(10))
    book = load_workbook(path)
    assert book.sheetnames == ["cleaning_summary", "notes"]
    rows = list(book["cleaning_summary"].iter_rows(min_row=2, values_only=True))
    assert rows == [(1, "suppressed", "<10", 97), (2, 90, 0, 90)]
    assert "<10" in book["notes"]["A2"].value
