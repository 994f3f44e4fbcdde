"""The typed study config mirrors the schema exactly, and holds what validation filled."""

import dataclasses
import typing

import pytest
import yaml

from wellby.config import Study, load_config, validate_config
from wellby.config.loading import load_yaml
from wellby.config.typed import Section

from .conftest import ROOT, SCHEMA


def _resolve(node, root):
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = {**root["$defs"][name], **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _section_type(hint):
    """The Section class a field's type hint holds, directly or in a tuple/mapping."""
    for arg in [hint, *typing.get_args(hint)]:
        for inner in [arg, *typing.get_args(arg)]:
            if isinstance(inner, type) and issubclass(inner, Section):
                return inner
    return None


def _pairs(cls, node, root, where):
    """Yield (where, schema keys, field names) for a section and every nested one."""
    node = _resolve(node, root)
    if node.get("type") == "array":
        node = _resolve(node["items"], root)
    if "properties" not in node:  # a mapping of names to sections
        node = _resolve(node["additionalProperties"], root)
    yield where, set(node["properties"]), {f.name for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    for name, sub in node["properties"].items():
        nested = _section_type(hints[name])
        if nested is not None:
            yield from _pairs(nested, sub, root, f"{where}.{name}")


def test_every_schema_key_has_its_field_and_every_field_its_key():
    schema = yaml.safe_load(SCHEMA.read_text())
    pairs = list(_pairs(Study, schema, schema, "study"))
    assert len(pairs) >= 20
    for where, keys, names in pairs:
        assert keys == names, (where, keys ^ names)


def test_no_field_declares_a_default_or_an_enum():
    # Defaults and enums live in the schema alone.
    seen = [Study]
    for cls in seen:
        for spec in dataclasses.fields(cls):
            assert spec.default is dataclasses.MISSING, (cls.__name__, spec.name)
            assert spec.default_factory is dataclasses.MISSING, (cls.__name__, spec.name)
            nested = _section_type(typing.get_type_hints(cls)[spec.name])
            if nested is not None and nested not in seen:
                seen.append(nested)
    assert len(seen) >= 20


def test_the_demo_config_loads_typed_with_the_schemas_defaults():
    study = load_config(ROOT / "config" / "config.yaml")
    raw = load_yaml(ROOT / "config" / "config.yaml")
    assert isinstance(study, Study)
    assert study.models.alpha == raw["models"]["alpha"]
    assert study.models.bootstrap.reps == 9999  # the schema's default, not the code's
    assert study.data.waves[1].recode["qualification"][3] == 2
    assert study.subgroups["gender"].levels["male"] == [1, "M"]
    assert study.cba.monte_carlo.value_distribution == "triangular"
    assert study.report.min_cell == 10
    # The same values as the validated mapping the workflow uses.
    assert study.as_dict() == _drop_none(validate_config(raw))


def _drop_none(value):
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def test_sections_are_frozen_and_read_as_mappings():
    study = load_config(ROOT / "config" / "config.yaml")
    with pytest.raises(dataclasses.FrozenInstanceError):
        study.models.alpha = 0.1
    with pytest.raises(TypeError):
        study.subgroups["gender"].levels["male"] = (9,)
    with pytest.raises(TypeError):
        study.outcomes.append("happy")
    # Lists stay lists, so pandas selects columns with them.
    import pandas as pd
    frame = pd.DataFrame({item: [1] for item in study.scales.swemwbs.items})
    assert frame[study.scales.swemwbs.items].shape == (1, 7)
    assert study["models"]["alpha"] == study.models.alpha
    assert {**study["models"], "alpha": 0.1}["alpha"] == 0.1
    assert "weight" not in study["columns"]  # left out of the YAML, so not a key
    with pytest.raises(KeyError):
        study["columns"]["weight"]


def test_a_study_survives_pickling_as_snakemake_params_need():
    import pickle

    study = load_config(ROOT / "config" / "config.yaml")
    again = pickle.loads(pickle.dumps(study))
    assert again == study and again.as_dict() == study.as_dict()
    with pytest.raises(TypeError):
        again.data.waves[0].rename["x"] = "y"


def test_a_validated_section_coerces_to_its_type():
    from wellby.config.typed import Models

    raw = load_yaml(ROOT / "config" / "config.yaml")
    study = load_config(ROOT / "config" / "config.yaml")
    models = Models.coerce(validate_config(raw)["models"])
    assert models == study.models and Models.coerce(study.models) is study.models
