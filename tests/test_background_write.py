"""The panel step writes the analysis file while it checks the rows, and keeps it only if
they pass (wellby.background_write)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wellby.background_write import PARTIAL_SUFFIX, parquet_written_meanwhile
from wellby.config import validate_config
from wellby.config.typed import Study
from wellby.demo import write_demo_study
from wellby.errors import DataError
from wellby.prepare.linkage import linkage_table
from wellby.prepare.panel import assemble_panel
from wellby.prepare.study import read_areas, wave_options
from wellby.steps import clean_step, ingest_step, panel_step

from .conftest import SCHEMA, copy_demo_study


def _frame(rows: int = 1000) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"x": rng.normal(size=rows), "person": [f"p{i}" for i in range(rows)],
                         "wave": np.repeat([2016, 2017], rows // 2)})


def _leftovers(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def test_the_file_is_pandas_own_parquet_once_the_block_succeeds(tmp_path):
    frame = _frame()
    target = tmp_path / "panel.parquet"
    with parquet_written_meanwhile(frame, target):
        total = frame["x"].sum()  # the block reads the rows being written
    assert total == pytest.approx(frame["x"].sum())
    frame.to_parquet(tmp_path / "reference.parquet", index=False)
    pd.testing.assert_frame_equal(pd.read_parquet(target), frame)
    assert (pd.read_parquet(target).columns.tolist()
            == pd.read_parquet(tmp_path / "reference.parquet").columns.tolist())
    assert _leftovers(tmp_path) == ["panel.parquet", "reference.parquet"]


def test_a_failed_block_leaves_no_file_and_its_error_propagates(tmp_path):
    with pytest.raises(DataError, match="a check failed"):
        with parquet_written_meanwhile(_frame(200_000), tmp_path / "panel.parquet"):
            raise DataError("a check failed")
    assert _leftovers(tmp_path) == []


def test_a_failed_write_leaves_no_file_and_its_error_propagates(tmp_path):
    unwritable = pd.DataFrame({"mixed": pd.array([1, "a", b"\x00"], dtype=object)})
    with pytest.raises(Exception) as caught:
        with parquet_written_meanwhile(unwritable, tmp_path / "panel.parquet"):
            pass
    assert "mixed" in str(caught.value) or "bytes" in str(caught.value).lower()
    assert _leftovers(tmp_path) == []


def test_the_partial_name_is_beside_the_target():
    assert PARTIAL_SUFFIX == ".partial"


@pytest.fixture(scope="module")
def cleaned(tmp_path_factory):
    """The small demo's waves, ingested and cleaned by the workflow's steps."""
    root = tmp_path_factory.mktemp("background_write")
    write_demo_study(root / "demo", seed=4, n_programme_areas=6, n_comparison_areas=6,
                     residents_per_area=12)
    config, _ = copy_demo_study(root / "demo", root / "copy")
    study = Study.coerce(validate_config(config, SCHEMA))
    paths = []
    for options in wave_options(study):
        stem = root / f"wave_{options['wave']}"
        ingest_step(options["path"], options=options, study=study,
                    output=f"{stem}_ingested.parquet", checks_output=f"{stem}_ingest.csv")
        outputs = {name: f"{stem}_{name}.{'parquet' if name == 'data' else 'csv'}"
                   for name in ("data", "exclusions", "corrections", "summary", "checks")}
        clean_step(f"{stem}_ingested.parquet", options=options, study=study, outputs=outputs)
        paths.append(outputs["data"])
    return study, paths


def _outputs(folder: Path) -> dict[str, str]:
    folder.mkdir()
    return {"panel": str(folder / "panel.parquet"), "linkage": str(folder / "linkage.csv"),
            "checks": str(folder / "checks.csv")}


def test_the_panel_step_writes_what_assemble_panel_returns(cleaned, tmp_path):
    study, paths = cleaned
    outputs = _outputs(tmp_path / "out")
    panel_step(paths, study=study, outputs=outputs)
    assembled = assemble_panel([pd.read_parquet(p) for p in paths], study, read_areas(study))
    written = pd.read_parquet(outputs["panel"])
    pd.testing.assert_frame_equal(written, assembled.data.reset_index(drop=True))
    assert "_id_format" not in written.columns and "treated" in written.columns
    pd.testing.assert_frame_equal(
        pd.read_csv(outputs["linkage"]),
        linkage_table(assembled.data, study).reset_index(drop=True), check_dtype=False)
    assert len(pd.read_csv(outputs["checks"])) == len(assembled.checks) > 0
    assert _leftovers(tmp_path / "out") == ["checks.csv", "linkage.csv", "panel.parquet"]


def test_a_check_failing_while_the_file_is_written_leaves_no_analysis_file(cleaned, tmp_path):
    study, paths = cleaned
    moved = tmp_path / "moved.parquet"
    wave = pd.read_parquet(paths[1])
    first = wave.index[0]
    same_timing = wave[(wave["cohort"] == wave.loc[first, "cohort"])
                       & (wave["area_id"] != wave.loc[first, "area_id"])]
    wave.loc[first, "area_id"] = same_timing["area_id"].iloc[0]  # answers from two areas
    wave.to_parquet(moved, index=False)
    outputs = _outputs(tmp_path / "out")
    with pytest.raises(DataError, match="more than one area"):
        panel_step([paths[0], str(moved), *paths[2:]], study=study, outputs=outputs)
    assert _leftovers(tmp_path / "out") == []
