import datetime as dt
import hashlib
import hmac
import stat
import threading
import time

import numpy as np
import pandas as pd
import pytest

from wellby.errors import ConfigError
from wellby.prepare.identifiers import (
    declared_identifier_columns,
    detect_identifier_columns,
    identifier_name_kind,
    identifier_value_kind,
    is_non_person_name_column,
    is_valid_nhs_number,
    normalise_column_name,
)
from wellby.prepare.pseudonyms import load_or_create_key, pseudonymise

THIS_YEAR = dt.date.today().year
FIRST = ["Jane", "John", "Mary-Ann", "Aisha", "Tomasz", "Siobhan", "Oluwaseun", "Priya",
         "Gareth", "Zoë", "Mohammed", "Chloe", "Connor", "Ewa", "Hamish", "Leah"]
LAST = ["Smith", "O'Neil", "McDonald", "Khan", "Nowak", "Jones", "Okafor", "Patel",
        "Williams", "Brown", "Campbell", "Taylor", "Davies", "Wilson", "Evans", "Murphy"]


def rng(seed=1):
    return np.random.default_rng(seed)


def nhs_with_check_digit(nine: str) -> str | None:
    """Independent implementation of the NHS modulus-11 check (None: no valid digit)."""
    total = sum(int(digit) * (10 - i) for i, digit in enumerate(nine))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return None if check == 10 else nine + str(check)


def valid_nhs_numbers(count, seed=3):
    gen = rng(seed)
    found = []
    while len(found) < count:
        number = nhs_with_check_digit(str(gen.integers(400_000_000, 800_000_000)))
        if number is not None:
            found.append(number)
    return found


def personal_names(count, seed=2):
    gen = rng(seed)
    return [f"{gen.choice(FIRST)} {gen.choice(LAST)}" for _ in range(count)]


def birth_dates(count, seed=4):
    gen = rng(seed)
    days = gen.integers(0, (dt.date(2005, 12, 31) - dt.date(1935, 1, 1)).days, count)
    return [dt.date(1935, 1, 1) + dt.timedelta(days=int(day)) for day in days]


def survey_frame(n=400, seed=5):
    """A realistic resident survey extract with no direct identifier in it."""
    gen = rng(seed)
    areas = ["Tower Hamlets", "Hackney", "Newham", "Kingston upon Thames", "Barking",
             "Redbridge", "Camden", "Islington"]
    frame = pd.DataFrame({
        "person_id": np.arange(100_001, 100_001 + n),
        "resp_ref": [f"R{i:05d}" for i in range(2, n + 2)],
        "case_id": gen.integers(1_000_000_000, 9_999_999_999, n),
        "lsoa": [f"E0{gen.integers(1_000_000, 1_035_000)}" for _ in range(n)],
        "area_name": gen.choice(areas, n),
        "sheet_name": "Wave 1",
        "scale_name": "SWEMWBS",
        "wave": gen.choice([2019, 2020, 2021], n),
        "age": gen.integers(16, 91, n),
        "year_of_birth": gen.integers(1935, 2006, n),
        "birth_year_text": gen.integers(1935, 2006, n).astype(str),
        "sex": gen.choice(["Man", "Woman", "Prefer not to say"], n),
        "ethnicity": gen.choice(["White British", "Asian British", "Black African",
                                 "Black Caribbean", "Mixed", "Any Other", "Prefer not to say"],
                                n),
        "employment": gen.choice(["Full Time", "Part Time", "Self Employed", "Retired",
                                  "Unemployed", "Student"], n),
        "qualification": gen.choice(["Degree", "A Level", "GCSE", "No qualifications"], n),
        "tenure": gen.choice(["Owner Occupier", "Social Rented", "Private Rented"], n),
        "income_band": gen.choice(["£0-£9,999", "£10,000-£19,999", "£20,000+"], n),
        "interview_month": gen.choice(["2021-06", "2021-07", "2021-08"], n),
        "life_satisfaction": gen.choice([-9, 0, 3, 5, 6, 7, 8, 9, 10], n),
        "happy": gen.integers(0, 11, n),
        "anxiety": gen.integers(0, 11, n).astype(float),
        "worthwhile": gen.integers(0, 11, n),
        "telework": gen.integers(0, 2, n),
        "addressed_concerns": gen.integers(1, 6, n),
        "weight": gen.gamma(4.0, 0.25, n),
        "imd_decile": gen.integers(1, 11, n),
        "household_size": gen.integers(1, 8, n),
        "treated": gen.integers(0, 2, n).astype(bool),
        "comment": pd.Series(gen.choice(["more parks", "none", "buses", None], n),
                             dtype=object),
    })
    for item in range(1, 8):
        frame[f"swemwbs_{item}"] = gen.integers(1, 6, n)
    frame.loc[gen.random(n) < 0.1, "anxiety"] = np.nan
    return frame


# --- names ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["NHS No", "nhs_no", "nhsNo", "NHS-No.", " nhs no ",
                                  "ＮＨＳ　Ｎｏ"])
def test_normalise_column_name(name):
    assert normalise_column_name(name) == "nhsno"


def test_declared_columns_match_source_or_canonical_names_loosely():
    columns = ["RespID", "NHS No", "Full Name", "LS", "post code"]
    rename = {"RespID": "person_id", "Full Name": "respondent_name", "LS": "ls"}
    found = declared_identifier_columns(columns, ["nhs_no", "Respondent Name", "PostCode"],
                                        rename)
    assert found == ["NHS No", "Full Name", "post code"]
    assert declared_identifier_columns(columns, []) == []
    assert declared_identifier_columns(columns, ["--"]) == []


@pytest.mark.parametrize(("column", "kind"), [
    ("Name", "name"), ("first_name", "name"), ("FirstName", "name"), ("surname", "name"),
    ("respondent name", "name"), ("Forenames", "name"), ("user-name", "name"),
    ("address", "address"), ("AddressLine1", "address"), ("address_line_2", "address"),
    ("Street", "address"), ("street_name", "address"), ("UPRN", "address"),
    ("postcode", "postcode"), ("PostCode", "postcode"), ("post_code", "postcode"),
    ("Post Code", "postcode"), ("postcode_district", "postcode"), ("ZIP", "postcode"),
    ("email", "email"), ("e-mail", "email"), ("E_Mail", "email"), ("eMail", "email"),
    ("email_address", "email"),
    ("phone", "phone"), ("Telephone", "phone"), ("tel", "phone"), ("Tel. No", "phone"),
    ("mobile", "phone"), ("MobileNumber", "phone"), ("home_phone", "phone"),
    ("dob", "date_of_birth"), ("DoB", "date_of_birth"), ("D.O.B.", "date_of_birth"),
    ("DateOfBirth", "date_of_birth"), ("date of birth", "date_of_birth"),
    ("birth_date", "date_of_birth"), ("BirthDate", "date_of_birth"),
    ("nhsNumber", "nhs_number"), ("NHS No", "nhs_number"), ("nhs_no", "nhs_number"),
    ("NHSNumber", "nhs_number"),
    ("nino", "ni_number"), ("NINo", "ni_number"), ("ni_number", "ni_number"),
    ("NI No", "ni_number"), ("national_insurance_number", "ni_number"),
    ("IPAddress", "ip_address"), ("passport_no", "document_number"),
])
def test_identifier_names(column, kind):
    assert identifier_name_kind(column) == kind


@pytest.mark.parametrize("column", [
    "area_name", "AreaName", "ward_name", "lsoa_name", "msoa_name", "la_name",
    "local_authority_name", "LocalAuthorityName", "scheme_name", "programme_name",
    "partnership_name", "organisation_name", "org_name", "school_name", "site_name",
    "project_name", "file_name", "filename", "sheet_name", "variable_name", "scale_name",
    "name_of_school", "area_names",
    "happy", "telework", "hotel_stays", "age", "anxiety", "addressed_concerns", "wave",
    "person_id", "life_satisfaction", "year_of_birth", "birth_year", "nhs_services_used",
    "ni_region", "zipped", "dobbin", "emailed_survey", "mailing_wave", "postal_survey",
    "renamed", "streetlights_ok", "swemwbs_1", "imd_decile", "",
])
def test_ordinary_survey_names_are_not_identifiers(column):
    assert identifier_name_kind(column) is None


def test_non_person_name_columns():
    assert is_non_person_name_column("area_name")
    assert is_non_person_name_column("NameOfSchool")
    assert not is_non_person_name_column("respondent_name")
    assert not is_non_person_name_column("happy")


# --- values --------------------------------------------------------------------------------


def test_nhs_check_digit_on_the_published_example():
    assert nhs_with_check_digit("943476591") == "9434765919"
    assert is_valid_nhs_number("9434765919")
    assert is_valid_nhs_number("943 476 5919")
    assert is_valid_nhs_number("943-476-5919")
    for wrong in ["9434765918", "9434765910", "943476591", "94347659190", "943476591x", ""]:
        assert not is_valid_nhs_number(wrong)
    # A check result of 10 is never valid, whatever the last digit.
    nine = next(str(n) for n in range(400_000_000, 400_001_000)
                if nhs_with_check_digit(str(n)) is None)
    assert not any(is_valid_nhs_number(nine + str(d)) for d in range(10))


def test_check_digit_agrees_with_independent_implementation():
    gen = rng(9)
    for _ in range(2000):
        nine = f"{gen.integers(0, 10**9):09d}"
        expected = nhs_with_check_digit(nine)
        for last in range(10):
            candidate = nine + str(last)
            assert is_valid_nhs_number(candidate) == (candidate == expected)


def test_nhs_numbers_as_text_spaced_and_integers():
    numbers = valid_nhs_numbers(300)
    spaced = [f"{n[:3]} {n[3:6]} {n[6:]}" for n in numbers]
    assert identifier_value_kind(pd.Series(numbers)) == "nhs_number"
    assert identifier_value_kind(pd.Series(spaced)) == "nhs_number"
    assert identifier_value_kind(pd.Series([int(n) for n in numbers])) == "nhs_number"
    assert identifier_value_kind(pd.Series([float(n) for n in numbers])) == "nhs_number"


def test_random_ten_digit_ids_are_not_nhs_numbers():
    ids = rng(11).integers(1_000_000_000, 10_000_000_000, 5000)
    passing = np.mean([is_valid_nhs_number(str(i)) for i in ids])
    assert 0.05 < passing < 0.15  # about 1 in 11 pass the check by chance
    assert identifier_value_kind(pd.Series(ids)) is None
    assert identifier_value_kind(pd.Series(ids.astype(str))) is None
    # 85% valid is below the 90% NHS threshold.
    mixed = valid_nhs_numbers(170) + [str(i) for i in ids[:30] if not is_valid_nhs_number(
        str(i))][:30]
    assert identifier_value_kind(pd.Series(mixed)) is None


def test_email_addresses():
    emails = [f"{name.split()[0].lower()}.{i}@example.org.uk" for i, name in
              enumerate(personal_names(50))]
    assert identifier_value_kind(pd.Series(emails)) == "email"
    assert identifier_value_kind(pd.Series(["A.B@x.com", "c+d@y.co.uk", "e@z.io"])) == "email"
    assert identifier_value_kind(pd.Series(["a@b.com", "a@b.com", "c@d.org"])) == "email"
    assert identifier_value_kind(pd.Series(["a@b.com", "none", "c@d.org"])) is None
    assert identifier_value_kind(pd.Series(emails[:25] + ["no email"] * 25)) is None
    assert identifier_value_kind(pd.Series(["@", "user@", "x@y", "a b@c.com"] * 5)) is None


def test_uk_phone_numbers():
    formats = ["07700 900123", "07700900456", "+44 7700 900789", "+44 (0)7700 900321",
               "020 7946 0958", "(01632) 960123", "0117-496-0123", "0044 113 496 0001",
               "0306 999 0123", "07911-123-456"]
    assert identifier_value_kind(pd.Series(formats * 3)) == "phone"
    assert identifier_value_kind(pd.Series(["07700 900123", "01632 960001"])) == "phone"
    # Excel dropped the leading zero: 10-digit numbers starting 7, as text or integers.
    mobiles = 7_700_900_000 + rng(12).integers(0, 99_999, 200)
    assert identifier_value_kind(pd.Series(mobiles)) == "phone"
    assert identifier_value_kind(pd.Series(mobiles.astype(str))) == "phone"
    assert identifier_value_kind(pd.Series(mobiles.astype(float))) == "phone"


def test_numbers_that_are_not_phone_numbers():
    # 10-digit ids starting 7 in only half the rows, or without the 0/+44 prefix.
    ids = np.concatenate([7_000_000_000 + np.arange(100), 3_000_000_000 + np.arange(100)])
    assert identifier_value_kind(pd.Series(ids)) is None
    assert identifier_value_kind(pd.Series(1_234_567_890 + np.arange(200))) is None
    assert identifier_value_kind(pd.Series([f"{1_234_567_890 + i}" for i in range(50)])) is None
    assert identifier_value_kind(pd.Series(["0800 123", "12345", "999"] * 10)) is None


def test_full_postcodes_but_not_districts_or_sectors():
    postcodes = ["SW1A 1AA", "m1 1ae", "B338TH", "CR2 6XH", "DN55 1PT", "EC1A 1BB", "W1A 0AX",
                 "ls1  4ap", "GIR 0AA", "NE1 4XY"]
    assert identifier_value_kind(pd.Series(postcodes * 3)) == "postcode"
    assert identifier_value_kind(pd.Series(["SW1A 1AA", "M1 1AE"])) == "postcode"
    districts = ["SW1A", "M1", "B33", "CR2", "DN55", "EC1A", "W1A", "LS1", "NE1", "AB1"]
    assert identifier_value_kind(pd.Series(districts * 3)) is None
    sectors = ["SW1A 1", "M1 1", "B33 8", "CR2 6", "AB1 2"]
    assert identifier_value_kind(pd.Series(sectors * 6)) is None


def test_national_insurance_numbers():
    numbers = ["QQ123456C", "AB 12 34 56 A", "ce 98 76 54 d", "JG103759A", "NP 11 22 33 B"]
    assert identifier_value_kind(pd.Series(numbers * 4)) == "ni_number"
    assert identifier_value_kind(pd.Series(["QQ123456E", "AB1234567", "Q123456C"] * 7)) is None
    assert identifier_value_kind(pd.Series(["QQ123456E", "AB 12 34 56 Z", "CE987654F"] * 7)) \
        is None


def test_dates_of_birth_in_every_form():
    dates = birth_dates(300)
    forms = {
        "datetime64": pd.Series(pd.to_datetime(dates)),
        "date objects": pd.Series(dates, dtype=object),
        "dd/mm/yyyy": pd.Series([d.strftime("%d/%m/%Y") for d in dates]),
        "yyyy-mm-dd": pd.Series([d.isoformat() for d in dates]),
        "d Mon yyyy": pd.Series([f"{d.day} {d.strftime('%b %Y')}" for d in dates]),
        "dd.mm.yy": pd.Series([d.strftime("%d.%m.%y") for d in dates]),
        "timestamps": pd.Series([f"{d.isoformat()}T00:00:00" for d in dates]),
    }
    for form, values in forms.items():
        assert identifier_value_kind(values) == "date_of_birth", form
    assert identifier_value_kind(pd.Series(["14/03/1985", "02/11/1950", "30/07/1971"])) == \
        "date_of_birth"


def test_recent_exact_dates_are_dates_not_births():
    start = dt.date(THIS_YEAR - 2, 1, 1)
    interviews = [start + dt.timedelta(days=int(d)) for d in rng(6).integers(0, 600, 300)]
    assert identifier_value_kind(pd.Series(pd.to_datetime(interviews))) == "date"
    assert identifier_value_kind(pd.Series([d.isoformat() for d in interviews])) == "date"


def test_years_ages_months_and_constant_dates_are_not_dates_of_birth():
    years = rng(7).integers(1935, 2006, 300)
    assert identifier_value_kind(pd.Series(years)) is None
    assert identifier_value_kind(pd.Series(years.astype(str))) is None
    assert identifier_value_kind(pd.Series(rng(7).integers(16, 95, 300))) is None
    first_of_month = pd.to_datetime([f"{y}-{m:02d}-01" for y, m in
                                     zip(years, rng(8).integers(1, 13, 300), strict=True)])
    assert identifier_value_kind(pd.Series(first_of_month)) is None
    assert identifier_value_kind(pd.Series(pd.to_datetime(["2021-06-15"] * 300))) is None
    assert identifier_value_kind(pd.Series(["2021-06", "2021-07", "2020-01"] * 50)) is None


def test_personal_names():
    names = personal_names(200)
    assert identifier_value_kind(pd.Series(names)) == "personal_name"
    caps = [name.upper() for name in names]
    assert identifier_value_kind(pd.Series(caps)) == "personal_name"
    assert identifier_value_kind(pd.Series(["Mary-Ann O'Neil", "Dr. Jane Smith",
                                            "Ann Lee"])) == "personal_name"


@pytest.mark.parametrize("labels", [
    ["Man", "Woman", "Prefer not to say"],
    ["Degree", "A Level", "No qualifications", "Prefer not to say"],
    ["White British", "Asian British", "Black Caribbean", "Any Other"],
    ["Full Time", "Part Time", "Self Employed", "Retired"],
    ["Strongly Agree", "Agree", "Neither Agree Nor Disagree", "Disagree"],
])
def test_category_labels_are_not_names(labels):
    values = pd.Series(rng(1).choice(labels, 300))
    assert identifier_value_kind(values) is None
    assert identifier_value_kind(pd.Series(labels)) is None


def test_repeated_names_are_not_distinct_enough():
    # Ten programme leads repeated over 300 rows: a label, not a respondent's name.
    values = pd.Series(rng(3).choice(personal_names(10), 300))
    assert identifier_value_kind(values) is None


def test_free_text():
    gen = rng(10)
    words = ["the", "park", "was", "much", "cleaner", "after", "volunteers", "came", "my",
             "neighbour", "and", "I", "felt", "safer", "walking", "home", "at", "night"]
    comments = [" ".join(gen.choice(words, 14)) for _ in range(100)]
    assert identifier_value_kind(pd.Series(comments + [None] * 900)) == "free_text"
    long_label = "Neither satisfied nor dissatisfied with the local area as a place"
    assert identifier_value_kind(pd.Series([long_label] * 100)) is None
    assert identifier_value_kind(pd.Series([c[:30] for c in comments])) is None
    # Fewer than five values: every one must be long.
    assert identifier_value_kind(pd.Series(comments[:3])) == "free_text"
    assert identifier_value_kind(pd.Series(comments[:2] + ["short"])) is None


def test_tiny_columns_need_every_value_to_match():
    assert identifier_value_kind(pd.Series(["ann@x.org", "bob@y.com", "cy@z.net"])) == "email"
    assert identifier_value_kind(pd.Series(["ann@x.org", "bob@y.com", "n/a", None])) is None
    assert identifier_value_kind(pd.Series(["ann@x.org"] * 4 + ["none"])) == "email"
    assert identifier_value_kind(pd.Series([], dtype=object)) is None
    assert identifier_value_kind(pd.Series([None, np.nan, " "], dtype=object)) is None


def test_survey_codes_are_never_flagged():
    frame = survey_frame()
    for column in frame.columns:
        assert identifier_value_kind(frame[column]) is None, column
    assert detect_identifier_columns(frame) == {}


def test_sample_is_deterministic_and_bounded():
    emails = pd.Series([f"user{i}@example.com" for i in range(50_000)])
    emails[rng(4).random(50_000) < 0.85] = None
    assert identifier_value_kind(emails, sample=500) == "email"
    assert identifier_value_kind(emails, sample=500, seed=1) == "email"
    mixed = pd.Series(["a@b.com"] * 500 + ["x"] * 500)
    results = {identifier_value_kind(mixed, sample=100, seed=s) for s in range(3)}
    assert results == {None}
    # 80% e-mails read 20 at a time: the verdict depends on the sample, so on the seed only.
    borderline = pd.Series((["a@b.com"] * 4 + ["x"]) * 2000)
    by_seed = [identifier_value_kind(borderline, sample=20, seed=s) for s in range(30)]
    assert set(by_seed) == {"email", None}
    for seed in range(5):
        repeats = {identifier_value_kind(borderline, sample=20, seed=seed) for _ in range(10)}
        assert repeats == {by_seed[seed]}
    with pytest.raises(ValueError, match="sample"):
        identifier_value_kind(borderline, sample=0)


def test_categorical_and_nullable_columns():
    names = pd.Series(personal_names(100), dtype="category")
    assert identifier_value_kind(names) == "personal_name"
    assert identifier_value_kind(pd.Series([1, 2, None, 5] * 20, dtype="Int64")) is None
    assert identifier_value_kind(pd.Series([True, False] * 20)) is None


# --- detection -----------------------------------------------------------------------------


def identifier_frame():
    n = 60
    numbers = valid_nhs_numbers(n)
    dates = birth_dates(n)
    return pd.DataFrame({
        "RespID": np.arange(1, n + 1),
        "Q1": personal_names(n),
        "Q2": [f"{name.split()[0].lower()}{i}@mail.example.com" for i, name in
               enumerate(personal_names(n))],
        "Q3": [f"07700 900{i:03d}" for i in range(n)],
        "Q4": (["SW1A 1AA", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT"] * 12),
        "Q5": [f"{x[:3]} {x[3:6]} {x[6:]}" for x in numbers],
        "Q6": [f"QQ{100000 + i:06d}C" for i in range(n)],
        "Q7": [d.strftime("%d/%m/%Y") for d in dates],
        "Post Code": "NE1 4XY",
        "LS": rng(3).integers(0, 11, n),
        "Full Name": "Ann Lee",
    })


def test_detect_gives_one_reason_per_identifier():
    frame = identifier_frame()
    reasons = detect_identifier_columns(frame, declared=["respondent name"],
                                        rename={"Full Name": "respondent_name"})
    assert reasons == {
        "Q1": "values look like personal names",
        "Q2": "values look like e-mail addresses",
        "Q3": "values look like UK phone numbers",
        "Q4": "values look like full UK postcodes",
        "Q5": "values look like NHS numbers (valid check digits)",
        "Q6": "values look like National Insurance numbers",
        "Q7": "values look like dates of birth",
        "Post Code": "name looks like a postcode",
        "Full Name": "declared in data.identifiers",
    }


def test_detect_uses_canonical_name_and_skips_place_names():
    frame = pd.DataFrame({"Q9": ["07700 900123"] * 5, "area_name": personal_names(40)[:5],
                          "ward_label": personal_names(5)})
    reasons = detect_identifier_columns(frame, rename={"Q9": "mobile"})
    assert reasons == {"Q9": "name looks like a phone number",
                       "ward_label": "values look like personal names"}


def test_reasons_never_contain_cell_values():
    frame = identifier_frame()
    reasons = detect_identifier_columns(frame, declared=["Full Name"])
    assert len(reasons) == 9
    values = {str(v) for column in frame.columns for v in frame[column].unique()}
    values |= {part for v in set(values) for part in v.split() if len(part) >= 3}
    for reason in reasons.values():
        leaked = [v for v in values if len(v) >= 3 and v in reason]
        assert not leaked, reason


def test_detect_samples_large_frames():
    # Reading every value of these columns would take many seconds; the sample takes ms.
    n = 1_000_000
    frame = pd.DataFrame({
        "contact": pd.Series([f"u{i}@example.com" for i in range(1000)] * (n // 1000)),
        "notes": [f"Volunteer visit {i:07d}: left a leaflet about the garden scheme"
                  for i in range(n)],
        "score": np.tile(np.arange(10), n // 10),
    })
    start = time.perf_counter()
    reasons = detect_identifier_columns(frame)
    elapsed = time.perf_counter() - start
    assert reasons == {"contact": "values look like e-mail addresses",
                       "notes": "values look like free text (which may contain names)"}
    assert elapsed < 1.0


# --- key -----------------------------------------------------------------------------------


def test_key_is_created_once_private_and_reused(tmp_path):
    path = tmp_path / "secret" / "deep" / "pseudonym.key"
    key = load_or_create_key(path)
    assert isinstance(key, bytes) and len(key) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text().strip() == key.hex()
    assert load_or_create_key(str(path)) == key
    assert load_or_create_key(tmp_path / "other.key") != key
    assert [p.name for p in path.parent.iterdir()] == ["pseudonym.key"]  # no temp files left


@pytest.mark.parametrize("contents", [b"", b"not a key\n", b"ab" * 31, b"ab" * 33,
                                      b"\xff" * 64, bytes(32)])
def test_bad_key_file_names_path_and_config_key(tmp_path, contents):
    path = tmp_path / "pseudonym.key"
    path.write_bytes(contents)
    with pytest.raises(ConfigError) as err:
        load_or_create_key(path)
    message = str(err.value)
    assert str(path) in message and "data.pseudonym_key" in message
    assert path.read_bytes() == contents  # never overwritten


def test_key_path_that_is_a_directory(tmp_path):
    with pytest.raises(ConfigError, match="data.pseudonym_key"):
        load_or_create_key(tmp_path)


def test_concurrent_creation_gives_everyone_the_same_key(tmp_path):
    for attempt in range(20):
        path = tmp_path / f"run{attempt}" / "pseudonym.key"
        barrier = threading.Barrier(8)
        keys, errors = [], []

        def create(path=path, barrier=barrier, keys=keys, errors=errors):
            barrier.wait()
            try:
                keys.append(load_or_create_key(path))
            except Exception as error:
                errors.append(error)

        threads = [threading.Thread(target=create) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors
        assert len(keys) == 8 and len(set(keys)) == 1
        assert load_or_create_key(path) == keys[0]


# --- pseudonyms ----------------------------------------------------------------------------

KEY = bytes(range(32))


def expected(text, key=KEY):
    return "p" + hmac.new(key, text.encode(), hashlib.sha256).hexdigest()[:16]


def test_pseudonyms_are_keyed_hmacs_of_the_id_text():
    ids = pd.Series(["100003", "R00002"], index=[5, 9], name="person_id")
    result = pseudonymise(ids, KEY)
    assert result.tolist() == [expected("100003"), expected("R00002")]
    assert result.index.tolist() == [5, 9] and result.name == "person_id"
    assert result.str.fullmatch(r"p[0-9a-f]{16}").all()


def test_pseudonyms_are_deterministic_and_depend_on_the_key():
    ids = pd.Series(np.arange(1000))
    first = pseudonymise(ids, KEY)
    assert first.equals(pseudonymise(ids, KEY))
    assert first.nunique() == 1000
    other = pseudonymise(ids, bytes(range(1, 33)))
    assert not (first == other).any()
    long_key = bytes(range(100))  # longer than SHA-256's block: hashed first, as in hmac
    assert pseudonymise(pd.Series(["42"]), long_key)[0] == expected("42", long_key)


def test_int_float_and_text_ids_share_pseudonyms():
    forms = [pd.Series([100003, 7]), pd.Series([100003.0, 7.0]),
             pd.Series(["100003", "7"]), pd.Series([" 100003 ", "7.0"]),
             pd.Series([100003, "7"], dtype=object), pd.Series([100003.0, "7"], dtype=object),
             pd.Series([100003, 7], dtype="Int64")]
    results = [pseudonymise(ids, KEY).tolist() for ids in forms]
    assert all(result == [expected("100003"), expected("7")] for result in results)
    assert pseudonymise(pd.Series(["0100003"]), KEY)[0] != expected("100003")
    assert pseudonymise(pd.Series([1.5]), KEY)[0] == expected("1.5")
    mixed = pseudonymise(pd.Series([100003.0, 1.5, np.nan]), KEY)
    assert mixed[:2].tolist() == [expected("100003"), expected("1.5")] and pd.isna(mixed[2])


def test_missing_ids_stay_missing():
    for ids in [pd.Series([1.0, np.nan, 1.0]), pd.Series(["a", None, "a"]),
                pd.Series([1, pd.NA, 1], dtype="Int64"), pd.Series(["a", "  ", "a"])]:
        result = pseudonymise(ids, KEY)
        assert result.isna().tolist() == [False, True, False]
        assert result[0] == result[2]
    assert pseudonymise(pd.Series([], dtype=float), KEY).empty


def test_short_key_is_refused():
    with pytest.raises(ValueError, match="16 bytes"):
        pseudonymise(pd.Series([1]), b"short")
