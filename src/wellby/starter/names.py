"""The guessing tables of ``wellby init`` and the matching of column names to them.

This module's one concern is names: which source column names mean which canonical
variable, and which codes may ever be written into a starter. It reads no file.

How columns are recognised
--------------------------
Every rule is a table below, meant to be read and extended:

* :data:`NAME_RULES`: per canonical name, the normalised source names that mean it (exact
  names first, then prefixes, then words contained in the name). A name is normalised by
  dropping a leading question or wave number (``q5_``, ``Q1a.``, ``w2_``), then case and
  every separator (:func:`normalise_name`), so ``Q1_LifeSat`` and ``lifesat`` match alike.
* :data:`SCALE_PREFIXES` and :data:`SCALE_BY_ITEM_COUNT`: scale items are
  ``<prefix><number>`` (``wemwbs1``, ``q5_swemwbs_3``, ``GHQ_12``); a group of items numbered
  exactly 1-7 under a Warwick-Edinburgh prefix is SWEMWBS, 1-14 WEMWBS, and 1-12 under a
  GHQ prefix GHQ-12. Other numberings are not mapped.
* :data:`GENDER_CODES`, :data:`MISSING_CODE_GUESSES`: the only codes ever written into the
  starter (gender levels, missing codes) come from these tables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wellby.prepare.identifiers import normalise_column_name

__all__ = [
    "GENDER_CODES",
    "GENDER_LABEL_STARTS",
    "HEADER_VALUE_KINDS",
    "MISSING_CODE_GUESSES",
    "NAME_RULES",
    "ONS4",
    "SCALE_BY_ITEM_COUNT",
    "SCALE_ITEM_NAME",
    "SCALE_LABEL",
    "SCALE_PREFIXES",
    "SCALE_SCORE",
    "NameRule",
    "name_match",
    "normalise_name",
    "scale_item",
]

# --- the guessing tables ------------------------------------------------------------------


@dataclass(frozen=True)
class NameRule:
    """How the source names of one canonical column are recognised.

    All names are normalised (:func:`normalise_name`): lower case, no separators, no
    leading question number.

    Attributes
    ----------
    exact : tuple of str
        Names that mean the column.
    prefixes : tuple of str
        Beginnings of names that mean it (weaker than an exact name).
    contains : tuple of str
        Words that mean it anywhere in a name (weakest).
    """

    exact: tuple[str, ...]
    prefixes: tuple[str, ...] = ()
    contains: tuple[str, ...] = ()


NAME_RULES: dict[str, NameRule] = {
    "person_id": NameRule(
        ("id", "pid", "personid", "respid", "respondentid", "respondent", "respondentno",
         "respno", "respnum", "serial", "serialno", "serialnumber", "caseid", "case", "caseno",
         "casenumber", "idno", "uniqueid", "uid", "participantid", "ppid", "panelid", "pidp",
         "idauniq")),
    "area_id": NameRule(
        ("area", "areacode", "areaid", "areano", "arearef", "blarea", "localarea", "lsoa",
         "lsoacode", "lsoa11", "lsoa11cd", "lsoa21", "lsoa21cd", "ward", "wardcode", "wardid",
         "site", "siteid", "sitecode", "neighbourhood", "neighbourhoodid", "neighborhood",
         "neighborhoodid", "county", "countyid", "countycode", "countyreal", "district",
         "districtid", "msoa", "msoa11cd", "msoa21cd", "ladcd", "ladcode")),
    "wave": NameRule(
        ("wave", "waveno", "wavenumber", "surveywave", "year", "yr", "surveyyear",
         "interviewyear", "fieldyear", "sweep", "round")),
    "cohort": NameRule(
        ("cohort", "startyear", "start", "startwave", "firsttreated", "firsttreatedwave",
         "firsttreatedyear", "treatyear", "treatmentyear", "treatwave", "firstyear",
         "yearstarted", "programmestart", "programmestartyear", "gvar", "firsttreat",
         "gname"),
        contains=("cohort",)),
    "member": NameRule(
        ("member", "ismember", "blmember", "partmember", "partnershipmember", "membership"),
        contains=("member",)),
    "weight": NameRule(
        ("weight", "weights", "wt", "wgt", "svywt", "indwt", "wtfinal", "finalwt",
         "surveyweight", "finalweight", "designweight"),
        prefixes=("weight", "wgt"), contains=("weight",)),
    "life_satisfaction": NameRule(
        ("ls", "lsat", "lifesat", "lifesatisfaction", "satlife", "satis", "satisfied"),
        prefixes=("lifesat", "satis")),
    "worthwhile": NameRule(("worth", "worthwhile"), prefixes=("worth",)),
    "happy": NameRule(("happy", "happiness"), prefixes=("happ",)),
    "anxiety": NameRule(("anxiety", "anxious", "anx"), prefixes=("anx",)),
    "gender": NameRule(
        ("sex", "gender", "rsex", "respsex", "dvsex", "sexofrespondent", "respondentsex",
         "respondentgender", "genderid")),
    "qualification": NameRule(
        ("qual", "quals", "qualification", "qualifications", "highqual", "hiqual",
         "highestqual", "highestqualification", "educ", "edu", "education", "edlevel",
         "educationlevel"),
        prefixes=("highqual", "hiqual", "qualif", "educ")),
    "income_quintile": NameRule(
        ("incomequintile", "incquint", "incq", "hhincomeq", "hhincq", "incomeq",
         "householdincomequintile", "hhincomequintile", "eqincquint", "quintile"),
        prefixes=("incomequint", "hhincomequint", "incquint")),
    "age": NameRule(
        ("age", "ageyears", "ageyrs", "ageinyears", "agenow", "ageatinterview", "respage",
         "dvage", "agelastbirthday")),
}
"""Canonical column -> the source names that mean it. Earlier entries win ties."""

SCALE_PREFIXES: dict[str, str] = {
    "swemwbs": "warwick_edinburgh",
    "swem": "warwick_edinburgh",
    "wemwbs": "warwick_edinburgh",
    "wwbs": "warwick_edinburgh",
    "ghq12": "ghq",
    "ghq": "ghq",
}
"""Prefix of a scale item's name (``<prefix><number>``) -> the family of scales it names."""

SCALE_BY_ITEM_COUNT: dict[str, dict[int, str]] = {
    "warwick_edinburgh": {7: "swemwbs", 14: "wemwbs"},
    "ghq": {12: "ghq12"},
}
"""Family -> number of items (numbered exactly 1..n) -> the scale's config key.

Seven items under a ``wemwbs`` prefix are read as SWEMWBS (the 7-item short form), with a
note: if they are the first 7 of the 14 WEMWBS items they must be renamed ``wemwbs_1``...
"""

SCALE_ITEM_NAME: dict[str, str] = {"swemwbs": "swemwbs_{k}", "wemwbs": "wemwbs_{k}",
                                   "ghq12": "ghq12_{k}"}
"""Scale -> canonical name of its item ``k`` (see
:data:`wellby.prepare.variables.KNOWN_MEASURES`)."""

SCALE_SCORE: dict[str, str] = {"swemwbs": "swemwbs_metric", "wemwbs": "wemwbs",
                               "ghq12": "ghq12_likert"}
"""Scale -> the score written as an outcome when the scale is complete in every wave."""

SCALE_LABEL: dict[str, str] = {"swemwbs": "SWEMWBS", "wemwbs": "WEMWBS", "ghq12": "GHQ-12"}

ONS4: tuple[str, ...] = ("life_satisfaction", "worthwhile", "happy", "anxiety")
"""The ONS4 items, in the order of ``scales.ons4.items``."""

GENDER_CODES: dict[str, tuple[str, ...]] = {
    "male": ("1", "m", "male", "man"),
    "female": ("2", "f", "female", "woman"),
}
"""Gender level -> the usual codes (compared ignoring case). Other codes are never mapped."""

GENDER_LABEL_STARTS: dict[str, tuple[str, ...]] = {"male": ("m",), "female": ("f", "w")}
"""An SPSS/Stata value label of a usual code must start so (Male, Female, Woman) to trust it."""

MISSING_CODE_GUESSES: tuple[int | str, ...] = (
    -9, -8, -7, -6, -5, -4, -3, -2, -1,
    "Refused", "Don't know", "Dont know", "Prefer not to say", "Not asked", "Not applicable",
)
"""Codes read as 'no answer' when found in an item column (text compared ignoring case)."""

HEADER_VALUE_KINDS: frozenset[str] = frozenset({
    "email", "phone", "postcode", "nhs_number", "ni_number", "date_of_birth", "date"})
"""Kinds of identifier value (:func:`wellby.prepare.identifiers.identifier_value_kind`) that, found
as a column *name*, show that the header row holds data."""

_LEADING_NUMBER = re.compile(
    r"^(?:q|qn|question|w|wave)[ _.\-]?\d+[a-z]?[\W_]+"  # q5_, Q1a. , question_3_, w2_
    r"|^q\d+(?=[a-z])"  # q1lifesat
)
_SCALE_ITEM = re.compile(
    r"^(" + "|".join(sorted(SCALE_PREFIXES, key=len, reverse=True)) + r")_?(\d+)$")


# --- matching names ----------------------------------------------------------------------


def normalise_name(name: str) -> str:
    """Return the key a source column name is matched on.

    Parameters
    ----------
    name : str
        A column name as written in a file.

    Returns
    -------
    str
        The name without a leading question or wave number (``q5_``, ``Q1a.``,
        ``question_3_``, ``w2_``; kept when nothing but digits would be left), case-folded
        and stripped of every non-alphanumeric character: ``"Q1_LifeSat"`` gives
        ``"lifesat"``, ``"q5_swemwbs_3"`` gives ``"swemwbs3"``.
    """
    return normalise_column_name(_strip_question_number(name))


def _strip_question_number(name: str) -> str:
    text = str(name).strip().casefold()
    stripped = _LEADING_NUMBER.sub("", text, count=1)
    return stripped if any(char.isalpha() for char in stripped) else text


def scale_item(name: str) -> tuple[str, int] | None:
    """Return (prefix, item number) when a name reads ``<scale prefix><number>``."""
    text = re.sub(r"[\W_]+", "_", _strip_question_number(name)).strip("_")
    match = _SCALE_ITEM.fullmatch(text)
    return (match.group(1), int(match.group(2))) if match else None


def name_match(name: str) -> tuple[int, int, str] | None:
    """Return (strength, table position, canonical) of the best rule a name matches."""
    key = normalise_name(name)
    best = None
    for position, (canonical, rule) in enumerate(NAME_RULES.items()):
        tests = (key in rule.exact, key.startswith(rule.prefixes) if rule.prefixes else False,
                 any(word in key for word in rule.contains))
        for strength, matched in enumerate(tests):
            if matched:
                candidate = (strength, position, canonical)
                best = candidate if best is None or candidate < best else best
                break
    return best
