"""The rule parameters: each step's slice of the config is plain data and holds what it reads.

Snakemake reruns a job when the ``repr`` of one of its parameters changed, and it compares
only parameters of builtin types (a dataclass parameter is left out of the comparison), so
the slices must be builtin data all the way down, or a changed setting would rerun nothing.
"""

from dataclasses import is_dataclass

import pytest

from wellby.config import load_config, validate_config
from wellby.config.typed import Section, Study
from wellby.step_slices import (
    describe_step_study,
    estimate_step_study,
    panel_step_study,
    subgroups_step_study,
    value_step_study,
    wave_step_study,
)

from .conftest import ROOT

SLICES = [wave_step_study, panel_step_study, describe_step_study, estimate_step_study,
          subgroups_step_study, value_step_study]
BUILTIN = (dict, list, str, int, float, bool, type(None))


def _non_builtin(value, path="") -> list[str]:
    """Paths inside ``value`` holding anything but exactly a builtin type."""
    if type(value) not in BUILTIN:
        return [f"{path or '<top>'}: {type(value).__name__}"]
    if isinstance(value, dict):
        return [bad for key, item in value.items() for bad in _non_builtin(item, f"{path}.{key}")]
    if isinstance(value, list):
        return [bad for i, item in enumerate(value) for bad in _non_builtin(item, f"{path}[{i}]")]
    return []


@pytest.fixture(scope="module")
def demo_study() -> Study:
    return load_config(ROOT / "config" / "config.yaml")


@pytest.mark.parametrize("slice_of", SLICES, ids=lambda f: f.__name__)
def test_each_slice_is_builtin_data_from_a_typed_or_a_validated_config(slice_of, demo_study):
    from_typed = slice_of(demo_study)
    assert _non_builtin(from_typed) == []
    assert slice_of(validate_config(demo_study.as_dict())) == from_typed


def test_the_checker_finds_a_typed_section_inside_a_slice(demo_study):
    # The check above is only worth something if it catches what Snakemake would skip.
    assert is_dataclass(demo_study.models) and isinstance(demo_study.models, Section)
    assert _non_builtin({"models": demo_study.models}) == [".models: Models"]
    assert _non_builtin({"items": demo_study.scales.swemwbs.items}) == [".items: FrozenList"]


def test_a_slice_builds_the_typed_sections_its_step_reads(demo_study):
    estimate = Study.coerce(estimate_step_study(demo_study))
    assert estimate.models.alpha == demo_study.models.alpha
    assert estimate.models.subgroups is None  # the subgroups' own settings are not its business
    assert estimate.columns == demo_study.columns
    assert estimate.data is None and estimate.cba is None
    describe = Study.coerce(describe_step_study(demo_study))
    assert describe.report.min_cell == demo_study.report.min_cell
    assert describe.models.estimators is None and describe.design is None
    value = Study.coerce(value_step_study(demo_study))
    assert value.cba == demo_study.cba
    assert value.models.alpha == demo_study.models.alpha


def test_the_data_steps_see_no_estimation_option(demo_study):
    for slice_of in (wave_step_study, panel_step_study):
        assert set(slice_of(demo_study)["models"]) == {"covariates", "estimators"}
    assert "waves" not in wave_step_study(demo_study)["data"]
    assert "waves" in panel_step_study(demo_study)["data"]
