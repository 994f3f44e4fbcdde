import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "workflow" / "schemas" / "config.schema.yaml"


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
