"""Find direct identifiers in survey microdata.

A column is treated as a direct identifier when the study declares it
(``data.identifiers``), when its *name* looks like one (``Postcode``, ``nhsNumber``,
``e-mail``, ``DateOfBirth``) or when its *values* look like one (e-mail addresses, UK
phone numbers, full UK postcodes, NHS numbers with valid check digits, National
Insurance numbers, dates of birth, personal names, long free text).

Content is judged on a deterministic random sample of each column's non-missing values,
so a million-row file is screened in milliseconds. No reason, message or log produced
here ever quotes a cell value: reasons name only the kind of identifier.

The person id is replaced by a keyed pseudonym in :mod:`wellby.prepare.pseudonyms`.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType

import numpy as np
import pandas as pd

MIN_VALUES = 5
"""Below this many sampled non-missing values, a kind applies only if every value matches."""

SHARE = {
    "email": 0.8,
    "nhs_number": 0.9,
    "ni_number": 0.8,
    "postcode": 0.8,
    "phone": 0.8,
    "date": 0.8,
    "personal_name": 0.8,
}
"""Smallest share of sampled non-missing values that must match for a kind to apply."""

MIN_DISTINCT_SHARE = 0.5
"""Personal names and free text must be at least this share distinct among the sample."""

FREE_TEXT_LENGTH = 40
"""Free text: the median length of the sampled values must exceed this many characters."""

DOB_EARLIEST_YEAR = 1900
DOB_MIN_AGE = 10
"""Dates of birth: years from ``DOB_EARLIEST_YEAR`` to this many years before today."""

DOB_SHARE = 0.8
"""Share of parsed dates whose year is a plausible birth year for ``date_of_birth``."""

DATE_MIN_DISTINCT = 10
"""A date column needs this many distinct days (or half its sample, if smaller)."""

KIND_DESCRIPTIONS = {
    "name": "a personal name",
    "address": "an address",
    "postcode": "a postcode",
    "email": "an e-mail address",
    "phone": "a phone number",
    "date_of_birth": "a date of birth",
    "nhs_number": "an NHS number",
    "ni_number": "a National Insurance number",
    "ip_address": "an IP address",
    "document_number": "an identity document number",
}
"""Kinds returned by :func:`identifier_name_kind`, as used in reasons."""

VALUE_DESCRIPTIONS = {
    "email": "e-mail addresses",
    "phone": "UK phone numbers",
    "postcode": "full UK postcodes",
    "nhs_number": "NHS numbers (valid check digits)",
    "ni_number": "National Insurance numbers",
    "date_of_birth": "dates of birth",
    "date": "exact dates (a quasi-identifier)",
    "personal_name": "personal names",
    "free_text": "free text (which may contain names)",
}
"""Kinds returned by :func:`identifier_value_kind`, as used in reasons."""

DECLARED_REASON = "declared in data.identifiers"

_NO_RENAME: Mapping[str, str] = MappingProxyType({})

# --- column names ------------------------------------------------------------------------

# Normalised (lower-case, separator-free) names, or runs of name tokens joined together,
# that name an identifier. A lone "name" token is handled separately (see _NON_PERSON).
_NAME_KEYS_BY_KIND: dict[str, tuple[str, ...]] = {
    "ip_address": ("ipaddress", "ipaddr"),
    "email": ("email", "emails", "emailaddress"),
    "nhs_number": ("nhsnumber", "nhsno", "nhsnum", "nhsid", "chinumber", "chino"),
    "ni_number": ("nino", "ninumber", "ninum", "nationalinsurance", "natins"),
    "date_of_birth": ("dob", "dateofbirth", "birthdate", "birthday"),
    "postcode": ("postcode", "postcodes", "pcode", "postalcode", "zip", "zipcode", "pcd",
                 "pcds"),
    "phone": ("phone", "phones", "phoneno", "phonenumber", "telephone", "tel", "telno",
              "mobile", "mobileno", "mobilenumber", "mobilephone", "cellphone", "landline",
              "fax"),
    "address": ("address", "addresses", "addr", "addressline", "street", "streetname",
                "housenumber", "houseno", "housename", "flatnumber", "uprn"),
    "document_number": ("passport", "passportnumber", "passportno", "drivinglicence",
                        "drivinglicense"),
    "name": ("fullname", "firstname", "forename", "forenames", "surname",
             "lastname", "familyname", "givenname", "middlename", "maidenname",
             "christianname", "nickname", "username", "initials"),
}
_NAME_KEYS: dict[str, str] = {
    key: kind for kind, keys in _NAME_KEYS_BY_KIND.items() for key in keys
}
_NAME_KIND_ORDER = tuple(_NAME_KEYS_BY_KIND)

# A "name" token right after one of these (area_name, LocalAuthorityName, sheet_name) or
# followed by "of" and one of these (name_of_school) names a place or thing, not a person.
_NON_PERSON = frozenset({
    "area", "ward", "lsoa", "msoa", "oa", "la", "lad", "lpa", "authority", "council",
    "borough", "district", "county", "region", "constituency", "ccg", "icb", "trust",
    "scheme", "programme", "program", "project", "partnership", "organisation",
    "organization", "org", "school", "college", "site", "venue", "centre", "center",
    "service", "provider", "file", "sheet", "variable", "var", "scale", "item", "question",
    "survey", "wave", "field", "column", "label", "dataset", "table", "model", "group",
    "category", "team", "place", "location", "city", "town", "country", "course",
    "activity", "event", "intervention", "outcome", "measure", "domain", "level", "unit",
})

_CAMEL_BOUNDARY = re.compile(
    r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])"
)
_NOT_WORD = re.compile(r"[\W_]+")
_LONGEST_KEY_TOKENS = 4


def normalise_column_name(name: str) -> str:
    """Return a case- and separator-insensitive key for a column name.

    Parameters
    ----------
    name : str
        A column name as written in a file or the config.

    Returns
    -------
    str
        The name after Unicode NFKC normalisation and case folding, with every
        non-alphanumeric character removed: ``"NHS No"``, ``"nhs_no"``, ``"nhsNo"``,
        ``"NHS-No."`` and ``" nhs no "`` all give ``"nhsno"``.
    """
    text = unicodedata.normalize("NFKC", str(name)).casefold()
    return "".join(char for char in text if char.isalnum())


def declared_identifier_columns(
    columns: Sequence[str],
    declared: Sequence[str],
    rename: Mapping[str, str] = _NO_RENAME,
) -> list[str]:
    """Return the file's columns that the study declares as identifiers.

    Parameters
    ----------
    columns : sequence of str
        The file's column names, in file order.
    declared : sequence of str
        Identifier columns from the config (``data.identifiers``), by source or canonical
        name.
    rename : mapping, optional
        Source column name -> canonical name (the wave's rename map).

    Returns
    -------
    list of str
        The columns (file names, file order) whose own name or canonical name matches a
        declared identifier; names are compared with :func:`normalise_column_name`, so
        ``"NHS No"`` matches a declared ``"nhs_no"``.
    """
    keys = {normalise_column_name(name) for name in declared} - {""}
    renamed = {normalise_column_name(source): target for source, target in rename.items()}
    found = []
    for column in columns:
        key = normalise_column_name(column)
        canonical = rename.get(column, renamed.get(key))
        if key in keys or (canonical is not None and normalise_column_name(canonical) in keys):
            found.append(column)
    return found


def _name_tokens(column: str) -> list[str]:
    """Split a column name into lower-case word tokens (camelCase and any separators)."""
    text = _CAMEL_BOUNDARY.sub(" ", unicodedata.normalize("NFKC", str(column)))
    return [token for token in _NOT_WORD.split(text.casefold()) if token]


def _names_a_thing(tokens: Sequence[str], position: int) -> bool:
    """Return True when the ``name`` token at ``position`` names a place or thing."""
    before = [token for token in tokens[:position] if not token.isdigit()]
    if before and before[-1] in _NON_PERSON:
        return True
    after = tokens[position + 1:position + 3]
    return len(after) == 2 and after[0] == "of" and after[1] in _NON_PERSON


def is_non_person_name_column(column: str) -> bool:
    """Return True when a column's name says it holds the name of a place or thing.

    Parameters
    ----------
    column : str
        A column name, e.g. ``"area_name"``, ``"LocalAuthorityName"``, ``"sheet_name"``.

    Returns
    -------
    bool
        True when a ``name`` token is qualified by a non-person word (area, ward, LSOA,
        scheme, school, sheet, variable, ...).
    """
    tokens = _name_tokens(column)
    return any(token in ("name", "names") and _names_a_thing(tokens, position)
               for position, token in enumerate(tokens))


def identifier_name_kind(column: str) -> str | None:
    """Return the kind of direct identifier a column's name suggests, if any.

    The name is split into whole word tokens at separators, camelCase humps and
    letter-digit boundaries (``"nhsNumber"``, ``"PostCode"``, ``"e-mail"``,
    ``"DateOfBirth"``, ``"address_line_1"``); runs of up to four tokens are joined and
    looked up, so ``"post code"`` and ``"postcode"`` both match. Words inside longer words
    do not match (``"telework"``, ``"addressed_concerns"``). A ``name`` token right after
    a non-person qualifier (``area_name``, ``ward_name``, ``sheet_name``, ``scale_name``)
    or followed by ``of`` and one (``name_of_school``) is not a personal name.

    Parameters
    ----------
    column : str
        A column name.

    Returns
    -------
    str or None
        One of ``"name"``, ``"address"``, ``"postcode"``, ``"email"``, ``"phone"``,
        ``"date_of_birth"``, ``"nhs_number"``, ``"ni_number"``, ``"ip_address"``,
        ``"document_number"`` (see :data:`KIND_DESCRIPTIONS`), or None. A postcode
        district or sector column (``postcode_district``) is flagged too: its name cannot
        tell it from a full postcode, so the caller must allow it explicitly.
    """
    tokens = _name_tokens(column)
    found = set()
    for start, token in enumerate(tokens):
        for stop in range(start + 1, min(start + _LONGEST_KEY_TOKENS, len(tokens)) + 1):
            kind = _NAME_KEYS.get("".join(tokens[start:stop]))
            if kind is not None:
                found.add(kind)
        if token in ("name", "names") and not _names_a_thing(tokens, start):
            found.add("name")
    return next((kind for kind in _NAME_KIND_ORDER if kind in found), None)


# --- column values -------------------------------------------------------------------------

_EMAIL = re.compile(r"[A-Za-z0-9._%+'\-]+@(?:[A-Za-z0-9\-]+\.)+[A-Za-z]{2,}")
_PHONE_PUNCTUATION = re.compile(r"[\s\-().]")
# UK numbers: 07 mobiles and 01/02/03 numbers, national (0...) or international (+44,
# 0044, +44 (0)...) form; or a 10-digit mobile whose leading zero Excel dropped.
_PHONE = re.compile(r"(?:(?:\+|00)?44(?:0)?|0)(?:7\d{9}|[123]\d{8,9})|7\d{9}")
_POSTCODE = re.compile(r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}|GIR ?0AA")
_NHS_TEXT = re.compile(r"\d{3}[ \-]?\d{3}[ \-]?\d{4}")
_NI_NUMBER = re.compile(r"[A-Z]{2}\d{6}[A-D]")
_DATE_TEXT = re.compile(
    r"(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}"
    r"|\d{1,2}[-/.]\d{1,2}[-/.](?:\d{4}|\d{2})"
    r"|\d{1,2}[ \-][A-Za-z]{3,9}\.?[ \-,]+(?:\d{4}|\d{2}))"
)
_TIME_SUFFIX = re.compile(
    r"[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?: ?(?:Z|[+-]\d{2}:?\d{2}))?$"
)
_DATE_SEPARATORS = re.compile(r"[-/.,\s]+")
_DATE_FORMATS = ("%Y/%m/%d", "%d/%m/%Y", "%m/%d/%Y", "%d/%m/%y", "%d/%b/%Y", "%d/%B/%Y",
                 "%d/%b/%y")
_NAME_PART_SPLIT = re.compile(r"['’\-]")
# Words that mark a categorical label rather than a person's name.
_LABEL_WORDS = frozenset({
    "yes", "no", "not", "none", "other", "prefer", "say", "know", "don't", "dont", "unknown",
    "missing", "refused", "applicable", "never", "always", "sometimes", "rarely", "often",
    "very", "fairly", "quite", "strongly", "agree", "disagree", "neither", "nor",
    "satisfied", "dissatisfied", "unhappy", "good", "bad", "poor", "excellent", "full",
    "part", "time", "employed", "unemployed", "self", "retired", "student", "degree",
    "qualification", "qualifications", "level", "levels", "higher", "education", "british",
    "irish", "african", "caribbean", "asian", "mixed", "arab", "chinese", "indian",
    "pakistani", "bangladeshi", "background", "man", "woman", "male", "female", "non",
    "binary", "married", "single", "divorced", "widowed", "separated", "owner", "owned",
    "occupier", "rented", "renting", "rent", "social", "private", "housing", "council",
    "area", "ward", "borough", "district", "city", "town", "upon", "and", "of", "the",
    "for", "with", "in", "on", "at", "to", "or", "from", "by", "per", "less", "more",
    "than", "all", "most", "some", "any", "group", "project", "programme", "scheme",
    "centre", "center", "club", "community", "garden", "school", "college", "university",
    "trust", "nhs", "ltd", "limited", "services", "service", "team", "wave", "survey",
    "week", "weeks", "month", "months", "year", "years", "day", "days", "daily", "weekly",
    "monthly",
})


def is_valid_nhs_number(text: str) -> bool:
    """Return True when ``text`` is a 10-digit NHS number with a valid check digit.

    Parameters
    ----------
    text : str
        Digits, optionally grouped 3-3-4 by spaces or dashes (``"943 476 5919"``).

    Returns
    -------
    bool
        True when the tenth digit equals the modulus-11 check digit of the first nine
        (weights 10 down to 2; 11 -> 0; a result of 10 is never valid).
    """
    digits = re.sub(r"[ \-]", "", text)
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        return False
    weights = range(10, 1, -1)
    total = sum(int(digit) * weight for digit, weight in zip(digits[:9], weights, strict=True))
    check = (11 - total % 11) % 11
    return check != 10 and check == int(digits[9])


def _nhs_text(text: str) -> bool:
    return _NHS_TEXT.fullmatch(text) is not None and is_valid_nhs_number(text)


def _email_text(text: str) -> bool:
    return _EMAIL.fullmatch(text) is not None


def _phone_text(text: str) -> bool:
    return _PHONE.fullmatch(_PHONE_PUNCTUATION.sub("", text)) is not None


def _postcode_text(text: str) -> bool:
    return _POSTCODE.fullmatch(" ".join(text.upper().split())) is not None


def _ni_number_text(text: str) -> bool:
    return _NI_NUMBER.fullmatch("".join(text.upper().split())) is not None


def _date_text(text: str) -> bool:
    return _DATE_TEXT.fullmatch(_TIME_SUFFIX.sub("", text)) is not None


def _personal_name_text(text: str) -> bool:
    words = text.split()
    if not 2 <= len(words) <= 4 or all(len(word.rstrip(".")) == 1 for word in words):
        return False
    for word in words:
        core = word[:-1] if word.endswith(".") else word
        if not core or not core[0].isupper() or core.casefold() in _LABEL_WORDS:
            return False
        if not all(part.isalpha() for part in _NAME_PART_SPLIT.split(core)):
            return False
    return True


def _sample_non_missing(values: pd.Series, sample: int, seed: int) -> pd.Series:
    """Return up to ``sample`` non-missing values drawn at random (deterministic)."""
    size = len(values)
    if size <= sample:
        return values.dropna()
    rng = np.random.default_rng(seed)
    # Positions drawn at random, then filtered, are a random sample of the non-missing
    # values; only a mostly-missing column needs the full scan below.
    picked = values.iloc[rng.choice(size, size=min(size, 4 * sample), replace=False)]
    picked = picked.dropna()
    if len(picked) >= sample:
        return picked.iloc[:sample]
    present = values.dropna()
    if len(present) <= sample:
        return present
    return present.iloc[rng.choice(len(present), size=sample, replace=False)]


def _value_text(value: object) -> str:
    """Return a sampled value as text: integral numbers without a decimal point."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool | np.bool_):
        return ""
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, float | np.floating):
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    if isinstance(value, dt.date | np.datetime64):
        return pd.Timestamp(value).isoformat()
    return str(value).strip()


def _texts(sampled: pd.Series) -> Counter[str] | None:
    """Return the sampled values as text with their counts, or None if none can match."""
    dtype = sampled.dtype
    if pd.api.types.is_bool_dtype(dtype) or not len(sampled):
        return None
    if pd.api.types.is_integer_dtype(dtype):
        numbers_ = sampled.to_numpy(dtype=np.int64)
        # Only 10-digit integers (phone numbers without their 0, NHS numbers) can match.
        if not ((numbers_ >= 10**9) & (numbers_ < 10**10)).any():
            return None
        return Counter(numbers_.astype(str).tolist())
    if pd.api.types.is_float_dtype(dtype):
        floats = sampled.to_numpy(dtype=np.float64)
        if not ((floats >= 1e9) & (floats < 1e10)).any():
            return None
        return Counter(_value_text(value) for value in floats.tolist())
    if pd.api.types.is_numeric_dtype(dtype) or isinstance(
            dtype, pd.PeriodDtype | pd.IntervalDtype) or pd.api.types.is_timedelta64_dtype(
            dtype):
        return None
    counts = Counter(_value_text(value) for value in sampled.tolist())
    counts.pop("", None)
    return counts


def _enough(counts: Counter[str], total: int, matches: Callable[[str], bool],
            share: float) -> bool:
    """Return True when at least ``share`` of the values match (all, for a tiny sample)."""
    needed = total if total < MIN_VALUES else math.ceil(share * total)
    allowed_misses = total - needed
    misses = 0
    for text, count in counts.most_common():
        if not matches(text):
            misses += count
            if misses > allowed_misses:
                return False
    return True


def _date_kind_of(dates: pd.Series, total: int) -> str | None:
    """Classify parsed dates (NaT where a value did not parse) as a date of birth or date."""
    dates = dates.dropna()
    needed = total if total < MIN_VALUES else math.ceil(SHARE["date"] * total)
    if len(dates) < max(needed, 1):
        return None
    if (dates.dt.day == 1).mean() >= 0.5:
        return None  # month or year precision (1 March 1985, 1 January 1985)
    distinct = dates.dt.normalize().nunique()
    if distinct < min(DATE_MIN_DISTINCT, math.ceil(total / 2)):
        return None
    latest = dt.date.today().year - DOB_MIN_AGE
    plausible = ((dates.dt.year >= DOB_EARLIEST_YEAR) & (dates.dt.year <= latest)).mean()
    return "date_of_birth" if plausible >= DOB_SHARE else "date"


def _parse_date_texts(counts: Counter[str]) -> pd.Series:
    """Parse date-like texts with the format that reads most of them; one row per value."""
    texts = pd.Series(list(counts.elements()), dtype=object)
    cleaned = texts.map(lambda text: _DATE_SEPARATORS.sub("/", _TIME_SUFFIX.sub("", text)))
    best = pd.Series(pd.NaT, index=texts.index, dtype="datetime64[ns]")
    best_format = ""
    for date_format in _DATE_FORMATS:
        parsed = pd.to_datetime(cleaned, format=date_format, errors="coerce")
        if parsed.notna().sum() > best.notna().sum():
            best, best_format = parsed, date_format
    if "%y" in best_format:
        # Two-digit years: 01/02/45 is 1945, not 2045.
        future = best.dt.year > dt.date.today().year
        best = best.mask(future, best - pd.offsets.DateOffset(years=100))
    return best


def _text_kind(counts: Counter[str]) -> str | None:
    """Return the kind of identifier a column's sampled texts look like, if any."""
    total = sum(counts.values())
    if not total:
        return None
    checks: tuple[tuple[str, Callable[[str], bool]], ...] = (
        ("email", _email_text),
        ("nhs_number", _nhs_text),
        ("ni_number", _ni_number_text),
        ("postcode", _postcode_text),
        ("phone", _phone_text),
    )
    for kind, matches in checks:
        if _enough(counts, total, matches, SHARE[kind]):
            return kind
    if _enough(counts, total, _date_text, SHARE["date"]):
        kind = _date_kind_of(_parse_date_texts(counts), total)
        if kind is not None:
            return kind
    distinct = len(counts) / total >= MIN_DISTINCT_SHARE
    if distinct and _enough(counts, total, _personal_name_text, SHARE["personal_name"]):
        return "personal_name"
    lengths = np.repeat([len(text) for text in counts], list(counts.values()))
    long_text = (lengths > FREE_TEXT_LENGTH).all() if total < MIN_VALUES else (
        np.median(lengths) > FREE_TEXT_LENGTH)
    if distinct and long_text:
        return "free_text"
    return None


def identifier_value_kind(values: pd.Series, *, sample: int = 2000, seed: int = 0) -> str | None:
    """Return the kind of direct identifier a column's values look like, if any.

    Only a random sample of the non-missing values is read (the same sample for the same
    ``seed``); blank strings count as missing. Below :data:`MIN_VALUES` (5) sampled
    values a kind applies only when every value matches, so a three-row file of e-mail
    addresses is still caught. Otherwise, the kinds and their thresholds are:

    - ``"email"``: at least 80% look like ``user@domain.tld``;
    - ``"nhs_number"``: at least 90% are 10 digits (optionally ``3 3 4`` spaced) with a
      valid modulus-11 check digit (:func:`is_valid_nhs_number`). About 1 in 11 arbitrary
      10-digit numbers passes the check, so a column of arbitrary 10-digit ids is not
      flagged;
    - ``"ni_number"``: at least 80% are two letters, six digits and a letter A-D;
    - ``"postcode"``: at least 80% are full UK postcodes, any case, with or without the
      space (districts such as ``"SW1A"`` and sectors such as ``"AB1 2"`` do not count);
    - ``"phone"``: at least 80% are UK numbers (07 mobiles, 01/02/03 numbers, national or
      +44 form, any spaces, dashes or brackets), or mobiles whose leading zero was
      dropped (10 digits starting 7, as text or as integers);
    - ``"date_of_birth"``: at least 80% are day-precision dates (datetime values, date
      objects or text as dd/mm/yyyy, yyyy-mm-dd, d Mon yyyy, ...), fewer than half fall
      on the 1st of a month, there are at least 10 distinct days (or half the sample, if
      smaller), and at least 80% of the years run from 1900 to ten years before today;
    - ``"date"``: as ``"date_of_birth"`` but the years are not mostly birth years (such as
      interview dates); a quasi-identifier;
    - ``"personal_name"``: at least 50% distinct, and at least 80% are 2-4 capitalised
      alphabetic words (``"Jane Smith"``, ``"Mary-Ann O'Neil"``, ``"JOHN SMITH"``) with
      no word typical of a category label (``"Prefer not to say"``, ``"Full Time"``);
    - ``"free_text"``: at least 50% distinct and a median length over 40 characters.

    Plain numbers never match except 10-digit integers (phone numbers, NHS numbers): item
    scores, scales, ages, years, weights and short ids are never flagged.

    Parameters
    ----------
    values : pandas.Series
        One column, any dtype.
    sample : int, optional
        Most non-missing values read.
    seed : int, optional
        Seed of the sample.

    Returns
    -------
    str or None
        The first kind that applies, in the order listed above, or None.

    Raises
    ------
    ValueError
        ``sample`` is below 1.
    """
    if sample < 1:
        raise ValueError("sample must be at least 1")
    sampled = _sample_non_missing(values, sample, seed)
    if pd.api.types.is_datetime64_any_dtype(sampled.dtype):
        return _date_kind_of(sampled, len(sampled)) if len(sampled) else None
    counts = _texts(sampled)
    return _text_kind(counts) if counts else None


def detect_identifier_columns(
    frame: pd.DataFrame,
    declared: Sequence[str] = (),
    rename: Mapping[str, str] = _NO_RENAME,
) -> dict[str, str]:
    """Find every column that is, or looks like, a direct identifier.

    Parameters
    ----------
    frame : pandas.DataFrame
        A data file as read, source column names.
    declared : sequence of str, optional
        Identifier columns from the config (``data.identifiers``), source or canonical
        names, matched as by :func:`declared_identifier_columns`.
    rename : mapping, optional
        Source column name -> canonical name.

    Returns
    -------
    dict of str to str
        Column -> reason, in file order, for each column that is declared, whose name (or
        canonical name) looks like an identifier (:func:`identifier_name_kind`), or whose
        values do (:func:`identifier_value_kind`). A reason names the kind only, e.g.
        ``"name looks like a postcode"`` or ``"values look like e-mail addresses"``; it
        never contains a cell value. Values that look like personal names are not
        flagged in a column named for a place or thing (``area_name``).
    """
    names = [str(column) for column in frame.columns]
    declared_set = set(declared_identifier_columns(names, declared, rename))
    reasons: dict[str, str] = {}
    for position, (column, name) in enumerate(zip(frame.columns, names, strict=True)):
        if name in declared_set:
            reasons[column] = DECLARED_REASON
            continue
        canonical = rename.get(name)
        kind = identifier_name_kind(name) or (
            identifier_name_kind(canonical) if canonical is not None else None)
        if kind is not None:
            reasons[column] = f"name looks like {KIND_DESCRIPTIONS[kind]}"
            continue
        kind = identifier_value_kind(frame.iloc[:, position])
        if kind == "personal_name" and is_non_person_name_column(name):
            kind = None
        if kind is not None:
            reasons[column] = f"values look like {VALUE_DESCRIPTIONS[kind]}"
    return reasons
