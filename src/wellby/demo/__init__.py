"""The demo study: generated Big Local-like survey waves with a known truth.

This package's one concern is the embedded demo study, and this module is its public API.
The study is split by concern into :mod:`wellby.demo.layouts` (the five wave-file layouts
and :func:`demo_wave_spec`), :mod:`wellby.demo.areas` (the areas, their attributes and the
area file, :func:`demo_area_spec`), :mod:`wellby.demo.persons` (the residents and the
panel), :mod:`wellby.demo.items` (the latent item model), :mod:`wellby.demo.truth` (the
programme effect and its truth), :mod:`wellby.demo.simulate` (the data-generating
process, :func:`simulate_demo_study` and :class:`DemoStudy`), :mod:`wellby.demo.mess` (each raw
wave's names, codings, identifiers, missing codes, typos and linkage errors),
:mod:`wellby.demo.members` (the followed cohort of partnership members and their truth) and
:mod:`wellby.demo.write` (the raw wave files, the area file and ``truth.json``,
:func:`write_demo_study`).
"""

from wellby.demo.areas import AREA_ATTRIBUTES, demo_area_spec
from wellby.demo.layouts import (
    CANONICAL_COLUMNS,
    DEFAULT_WAVES,
    GENDER_LEVELS,
    ITEM_RANGES,
    ITEMS,
    MEMBER_COLUMN,
    MISSING_CODES,
    ONS_ITEMS,
    QUALIFICATION_LEVELS,
    SWEMWBS_ITEMS,
    demo_wave_spec,
    member_waves,
)
from wellby.demo.simulate import TRUE_EFFECTS, DemoStudy, simulate_demo_study
from wellby.demo.write import write_demo_study

__all__ = [
    "AREA_ATTRIBUTES",
    "CANONICAL_COLUMNS",
    "DEFAULT_WAVES",
    "GENDER_LEVELS",
    "ITEMS",
    "ITEM_RANGES",
    "MEMBER_COLUMN",
    "MISSING_CODES",
    "ONS_ITEMS",
    "QUALIFICATION_LEVELS",
    "SWEMWBS_ITEMS",
    "TRUE_EFFECTS",
    "DemoStudy",
    "demo_area_spec",
    "demo_wave_spec",
    "member_waves",
    "simulate_demo_study",
    "write_demo_study",
]
