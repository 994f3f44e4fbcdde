import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "src" / "wellby" / "config" / "schema.yaml"


def minimal_config(**overrides):
    """The smallest valid study config (panel, one wave file)."""
    config = {
        "data": {"waves": [{"wave": 2016, "path": "w1.csv"}], "missing_codes": [-9, -8]},
        "columns": {"id": "person_id", "wave": "wave", "area": "area_id", "cohort": "cohort"},
        "design": "panel",
        "outcomes": ["life_satisfaction"],
    }
    config.update(overrides)
    return config


@pytest.fixture
def schema_path():
    return SCHEMA


REFERENCE = ROOT.parent / "shared" / "reference"


def reference_dir() -> Path:
    """The shared reference files; skipped on a bare clone, but CI must have them."""
    if not REFERENCE.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"CI must have shared/reference beside the project ({REFERENCE})")
        pytest.skip("shared/reference is not beside the project")
    return REFERENCE


def copy_demo_study(demo_files: Path, tmp_path: Path) -> tuple[dict, Path]:
    """Copy a generated demo study's files and return the demo config pointing at them.

    The config is the demo's own (``config/config.yaml``) without its ``demo:`` section,
    as a user's study file would be, with the pseudonym key kept in ``tmp_path``.
    """
    from wellby.config import load_yaml

    data_dir = tmp_path / "data"
    shutil.copytree(demo_files, data_dir)
    config = load_yaml(ROOT / "config" / "config.yaml")
    del config["demo"]
    for wave in config["data"]["waves"]:
        wave["path"] = str(data_dir / Path(wave["path"]).name)
    if "areas" in config["data"]:
        config["data"]["areas"]["path"] = str(data_dir / Path(config["data"]["areas"]["path"]).name)
    config["data"]["pseudonym_key"] = str(tmp_path / "pseudonym.key")
    return config, data_dir
