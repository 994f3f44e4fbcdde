import hashlib
import json

import pandas as pd

from wellby.config import Study, validate_config
from wellby.report.provenance import build_provenance, config_sha256

from .conftest import minimal_config


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
