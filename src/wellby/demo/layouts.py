"""The five layouts of the demo study's raw wave files.

This module's one concern is what each raw wave file of the demo looks like: the canonical
column names and standard codes of the clean data, the five per-wave layouts (source column
names, column order, file format and the codings that depart from the standard), the
variable and value labels written into the labelled formats, and :func:`demo_wave_spec`,
which describes every wave file and is how the demo config maps each file back to the
canonical names (the demo config's ``data.waves`` entries). The layouts are used in turn,
cycling when there are more than five waves.
"""

from __future__ import annotations

__all__ = [
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
    "column_order",
    "demo_wave_spec",
    "labels_for",
    "member_waves",
    "source_names",
    "wave_layout",
]

DEFAULT_WAVES: tuple[int, ...] = (2016, 2017, 2018, 2019, 2020)
ONS_ITEMS: tuple[str, ...] = ("life_satisfaction", "worthwhile", "happy", "anxiety")
SWEMWBS_ITEMS: tuple[str, ...] = tuple(f"swemwbs_{k}" for k in range(1, 8))
ITEMS: tuple[str, ...] = ONS_ITEMS + SWEMWBS_ITEMS
CANONICAL_COLUMNS: tuple[str, ...] = (
    "person_id",
    "area_id",
    "wave",
    "cohort",
    "gender",
    "qualification",
    "income_quintile",
    "age",
    *ITEMS,
)
ITEM_RANGES: dict[str, tuple[int, int]] = {
    **{item: (0, 10) for item in ONS_ITEMS},
    **{item: (1, 5) for item in SWEMWBS_ITEMS},
}
#: Canonical name of the partnership-member flag (1 = member, 0 = resident). Only the member
#: waves' files have it; a wave without the column has no members (flag 0).
MEMBER_COLUMN = "member"
#: Standard codes of the clean data (and of every wave but the noted exceptions).
GENDER_LEVELS: dict[int, str] = {1: "male", 2: "female", 3: "other"}
QUALIFICATION_LEVELS: dict[int, str] = {0: "none", 1: "below_degree", 2: "degree"}
MISSING_CODES: dict[int, str] = {-9: "refused", -8: "don't know"}

# Per-wave layouts of the raw files. ``names`` maps canonical (plus the identifier keys
# "name" and "postcode") to the source column; "{k}" in a SWEMWBS name is the item number.
# "member" is the member flag, written only in member waves; "member_blank_residents"
# leaves the residents' flag empty instead of 0.
_LAYOUTS: list[dict] = [
    {
        "format": "csv",
        "names": {
            "person_id": "resp_id",
            "area_id": "area_code",
            "wave": "year",
            "cohort": "start_year",
            "gender": "sex",
            "qualification": "qual",
            "income_quintile": "hh_income_q",
            "age": "age",
            "life_satisfaction": "ls",
            "worthwhile": "worth",
            "happy": "happy",
            "anxiety": "anxious",
            "swemwbs": "wemwbs{k}",
            "name": "Name",
            "member": "bl_member",
            "postcode": "postcode",
        },
        "order": [
            "person_id",
            "name",
            "postcode",
            "area_id",
            "wave",
            "cohort",
            "gender",
            "qualification",
            "income_quintile",
            "member",
            "age",
            "ons",
            "swemwbs",
        ],
        "never_treated": 0,
        "gender_strings": False,
        "member_blank_residents": False,
        "qualification_offset": 0,
    },
    {
        "format": "sav",
        "names": {
            "person_id": "RespID",
            "area_id": "AreaID",
            "wave": "Wave",
            "cohort": "Cohort",
            "gender": "Gender",
            "qualification": "HighQual",
            "income_quintile": "IncQuint",
            "age": "Age",
            "life_satisfaction": "q1_lifesat",
            "worthwhile": "q2_worth",
            "happy": "q3_happy",
            "anxiety": "q4_anxious",
            "swemwbs": "q5_swemwbs_{k}",
            "name": "resp_name",
            "member": "PartMember",
            "postcode": "Pcode",
        },
        "order": [
            "wave",
            "area_id",
            "person_id",
            "cohort",
            "member",
            "age",
            "income_quintile",
            "gender",
            "qualification",
            "swemwbs",
            "ons",
            "name",
            "postcode",
        ],
        "never_treated": None,
        "gender_strings": False,
        "member_blank_residents": False,
        "qualification_offset": 1,
    },
    {
        "format": "dta",
        "names": {
            "person_id": "serial",
            "area_id": "area",
            "wave": "wave",
            "cohort": "cohort",
            "gender": "gender",
            "qualification": "hiqual",
            "income_quintile": "incq",
            "age": "age_years",
            "life_satisfaction": "LIFESAT",
            "worthwhile": "WORTH",
            "happy": "HAPPY",
            "anxiety": "ANXIETY",
            "swemwbs": "SWEMWBS{k}",
            "name": "full_name",
            "member": "Member",
            "postcode": "post_code",
        },
        "order": [
            "person_id",
            "wave",
            "area_id",
            "cohort",
            "name",
            "postcode",
            "gender",
            "age",
            "qualification",
            "member",
            "ons",
            "income_quintile",
            "swemwbs",
        ],
        "never_treated": 0,
        "gender_strings": True,
        "member_blank_residents": False,
        "qualification_offset": 0,
    },
    {
        "format": "sav",
        "names": {
            "person_id": "id",
            "area_id": "area_id",
            "wave": "survey_year",
            "cohort": "first_year",
            "gender": "Sex",
            "qualification": "education",
            "income_quintile": "income_quintile",
            "age": "Age",
            "life_satisfaction": "lifesat",
            "worthwhile": "worthwhile",
            "happy": "happy_yday",
            "anxiety": "anxious_yday",
            "swemwbs": "swem_{k}",
            "name": "respondent_name",
            "member": "blp_member",
            "postcode": "pcode",
        },
        "order": [
            "person_id",
            "area_id",
            "cohort",
            "wave",
            "gender",
            "age",
            "member",
            "qualification",
            "income_quintile",
            "ons",
            "swemwbs",
            "postcode",
            "name",
        ],
        "never_treated": None,
        "gender_strings": False,
        "member_blank_residents": False,
        "qualification_offset": 0,
    },
    {
        "format": "csv",
        "names": {
            "person_id": "pid",
            "area_id": "Area",
            "wave": "Year",
            "cohort": "bl_cohort",
            "gender": "Sex",
            "qualification": "Quals",
            "income_quintile": "Income Quintile",
            "age": "AgeNow",
            "life_satisfaction": "LS",
            "worthwhile": "Worthwhile",
            "happy": "Happy",
            "anxiety": "Anxious",
            "swemwbs": "SWEMWBS_{k}",
            "name": "Full Name",
            "member": "partnership_member",
            "postcode": "Post Code",
        },
        "order": [
            "area_id",
            "person_id",
            "name",
            "postcode",
            "wave",
            "cohort",
            "age",
            "gender",
            "member",
            "qualification",
            "swemwbs",
            "ons",
            "income_quintile",
        ],
        "never_treated": None,
        "gender_strings": False,
        "member_blank_residents": True,
        "qualification_offset": 0,
    },
]

_LABELS = {
    "person_id": "Respondent identifier (panel)",
    "area_id": "Area code",
    "wave": "Survey year",
    "cohort": "First year of the programme in the area (0 or missing: comparison area)",
    "gender": "Gender",
    "qualification": "Highest qualification",
    "income_quintile": "Household income quintile (1 = lowest fifth)",
    "age": "Age in years",
    "life_satisfaction": "Overall, how satisfied are you with your life nowadays? (0-10)",
    "worthwhile": "Overall, to what extent do you feel the things you do are worthwhile? (0-10)",
    "happy": "Overall, how happy did you feel yesterday? (0-10)",
    "anxiety": "Overall, how anxious did you feel yesterday? (0-10)",
    "member": "Member of the Big Local partnership (1 = yes)",
    "name": "Respondent name",
    "postcode": "Postcode",
}
_SWEMWBS_WORDING = (
    "optimistic about the future",
    "useful",
    "relaxed",
    "dealing with problems well",
    "thinking clearly",
    "close to other people",
    "able to make up my own mind",
)
_GENDER_LABELS = {1: "Male", 2: "Female", 3: "Other / prefer not to say"}
_QUALIFICATION_LABELS = ["No qualifications", "Below degree", "Degree or above"]
_MISSING_LABELS = {-9: "Refused", -8: "Don't know"}
_MEMBER_LABELS = {0: "No", 1: "Yes"}
_INCOME_LABELS = {1: "Lowest 20%", 2: "Second 20%", 3: "Middle 20%", 4: "Fourth 20%",
                  5: "Highest 20%"}


# --------------------------------------------------------------------------- wave spec


def source_names(layout: dict) -> dict[str, str]:
    """Map canonical names (and ``name``/``postcode``) to a layout's source columns."""
    names = {k: v for k, v in layout["names"].items() if k != "swemwbs"}
    for k, item in enumerate(SWEMWBS_ITEMS, start=1):
        names[item] = layout["names"]["swemwbs"].format(k=k)
    return names


def column_order(layout: dict, member: bool = False) -> list[str]:
    """Expand a layout's column order into canonical keys (plus identifier keys).

    The member flag is included only when ``member`` is true (a member wave).
    """
    groups = {"ons": list(ONS_ITEMS), "swemwbs": list(SWEMWBS_ITEMS)}
    order = []
    for key in layout["order"]:
        if key == MEMBER_COLUMN and not member:
            continue
        order.extend(groups.get(key, [key]))
    return order


def member_waves(waves: tuple[int, ...] = DEFAULT_WAVES) -> tuple[int, ...]:
    """Return the waves in which the partnership members are surveyed.

    Parameters
    ----------
    waves : tuple of int, default (2016, 2017, 2018, 2019, 2020)
        Survey years of the study.

    Returns
    -------
    tuple of int
        The first, middle (position ``len(waves) // 2``) and last wave: (2016, 2018,
        2020) for the default waves.

    """
    waves = tuple(int(w) for w in waves)
    return tuple(waves[i] for i in sorted({0, len(waves) // 2, len(waves) - 1}))


def wave_layout(index: int) -> dict:
    """Return the layout used for the wave at position ``index`` (cycling)."""
    return _LAYOUTS[index % len(_LAYOUTS)]


def demo_wave_spec(waves: tuple[int, ...] = DEFAULT_WAVES, members: bool = True) -> list[dict]:
    """Describe each raw wave file of the demo study.

    Parameters
    ----------
    waves : tuple of int, default (2016, 2017, 2018, 2019, 2020)
        Survey years; the five file layouts are used in turn.
    members : bool, default True
        Whether the study has partnership members (``members_per_area > 0`` in
        :func:`simulate_demo_study`); if so the member waves' files have a member flag.

    Returns
    -------
    list of dict
        One dict per wave with keys ``wave`` (year), ``filename``, ``format`` (``"csv"``,
        ``"sav"`` or ``"dta"``), ``rename`` (every kept source column to its canonical
        name, in file order), ``identifiers`` (source columns holding direct identifiers,
        to drop at ingest) and ``recode`` (canonical column to ``{source code: standard
        code}``, only where a wave departs from the standard codes).

    Notes
    -----
    Standard codes: gender 1 = male, 2 = female, 3 = other / prefer not to say;
    qualification 0 = none, 1 = below degree, 2 = degree; cohort 0 or missing = never
    treated; household income quintile 1 (lowest fifth) to 5; item and income missing
    codes -9 (refused) and -8 (don't know). The third layout
    (2018) stores gender as ``"M"``/``"F"``/``"X"`` (no recode: map the strings to
    levels in the config); the second (2017) codes qualification 1/2/3.

    The household income quintile (canonical ``income_quintile``) is ``hh_income_q``,
    ``IncQuint``, ``incq``, ``income_quintile`` and ``Income Quintile`` in the five
    layouts (2016-2020 with the default waves); about 6% of answers are a missing code.

    Partnership members are surveyed in the waves of :func:`member_waves` (2016, 2018,
    2020). Those waves' files have a member flag, renamed to the canonical ``member``: its
    source name is ``bl_member`` (2016), ``Member`` (2018) and ``partnership_member``
    (2020) with the default waves, 1 for members and 0 for residents, except that the
    2020 file (the fifth layout) leaves the residents' flag empty. Waves without members
    have no member column; the pipeline treats a missing member column, and an empty
    flag, as 0 (resident).

    """
    spec = []
    with_members = set(member_waves(waves)) if members else set()
    for index, wave in enumerate(waves):
        layout = wave_layout(index)
        names = source_names(layout)
        order = column_order(layout, member=int(wave) in with_members)
        recode = {}
        if layout["qualification_offset"]:
            off = layout["qualification_offset"]
            recode["qualification"] = {code + off: code for code in QUALIFICATION_LEVELS}
        spec.append(
            {
                "wave": int(wave),
                "filename": f"wave_{wave}.{layout['format']}",
                "format": layout["format"],
                "rename": {
                    names[c]: c for c in order if c in CANONICAL_COLUMNS or c == MEMBER_COLUMN
                },
                "identifiers": [names[c] for c in order if c in ("name", "postcode")],
                "recode": recode,
            }
        )
    return spec


def labels_for(layout: dict) -> tuple[dict[str, str], dict[str, dict]]:
    """Return variable labels and value labels keyed by a layout's source columns."""
    names = source_names(layout)
    labels = {names[k]: v for k, v in _LABELS.items()}
    for k, item in enumerate(SWEMWBS_ITEMS):
        labels[names[item]] = f"SWEMWBS {k + 1}: I've been feeling {_SWEMWBS_WORDING[k]} (1-5)"
    value_labels = {names[item]: dict(_MISSING_LABELS) for item in ITEMS}
    value_labels[names[MEMBER_COLUMN]] = dict(_MEMBER_LABELS)
    value_labels[names["income_quintile"]] = {**_INCOME_LABELS, **_MISSING_LABELS}
    off = layout["qualification_offset"]
    value_labels[names["qualification"]] = {
        code + off: _QUALIFICATION_LABELS[code] for code in QUALIFICATION_LEVELS
    }
    if not layout["gender_strings"]:
        value_labels[names["gender"]] = dict(_GENDER_LABELS)
    return labels, value_labels
