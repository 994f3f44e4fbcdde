"""Tests of the demo study generator (wellby.demo)."""

import json

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from wellby.demo import (
    CANONICAL_COLUMNS,
    ITEM_RANGES,
    ITEMS,
    MEMBER_COLUMN,
    MISSING_CODES,
    ONS_ITEMS,
    SWEMWBS_ITEMS,
    demo_wave_spec,
    member_waves,
    simulate_demo_study,
    write_demo_study,
)

SMALL = {"n_programme_areas": 20, "n_comparison_areas": 20, "residents_per_area": 20}


@pytest.fixture(scope="module")
def study():
    return simulate_demo_study()


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    return out, write_demo_study(out, seed=7, **SMALL), simulate_demo_study(seed=7, **SMALL)


def _read(path, fmt):
    if fmt == "csv":
        return pd.read_csv(path)
    if fmt == "sav":
        return pyreadstat.read_sav(path)[0]
    if fmt == "dta":
        return pyreadstat.read_dta(path)[0]
    raise AssertionError(fmt)


def _to_canonical(frame, entry):
    """Bring a raw wave back to canonical names and standard codes (as the pipeline would)."""
    out = frame.drop(columns=entry["identifiers"]).rename(columns=entry["rename"])
    for column, mapping in entry["recode"].items():
        out[column] = out[column].map(mapping)
    if out["gender"].dtype == object or pd.api.types.is_string_dtype(out["gender"]):
        out["gender"] = out["gender"].map({"M": 1, "F": 2, "X": 3})
    out["cohort"] = out["cohort"].fillna(0)
    if MEMBER_COLUMN in out:
        out[MEMBER_COLUMN] = out[MEMBER_COLUMN].fillna(0).astype("int64")
    return out


def _split(frame, entry):
    """Split a raw wave (source names) into resident rows and member rows."""
    name = {v: k for k, v in entry["rename"].items()}.get(MEMBER_COLUMN)
    if name is None:
        return frame, frame.iloc[:0]
    is_member = frame[name].fillna(0) == 1
    return frame[~is_member], frame[is_member]


# ---------------------------------------------------------------- spec


def test_wave_spec_shape():
    spec = demo_wave_spec()
    assert [e["wave"] for e in spec] == [2016, 2017, 2018, 2019, 2020]
    assert [e["format"] for e in spec] == ["csv", "sav", "dta", "sav", "csv"]
    assert [e["filename"] for e in spec][0] == "wave_2016.csv"
    for entry in spec:
        canonical = sorted(CANONICAL_COLUMNS)
        if entry["wave"] in (2016, 2018, 2020):
            canonical = sorted([*CANONICAL_COLUMNS, MEMBER_COLUMN])
        assert sorted(entry["rename"].values()) == canonical
        assert len(entry["identifiers"]) == 2
        assert not set(entry["identifiers"]) & set(entry["rename"])
    # names and order vary between waves
    assert len({tuple(e["rename"]) for e in spec}) == 5
    assert len({e["identifiers"][0] for e in spec}) >= 3
    assert spec[1]["recode"] == {"qualification": {1: 0, 2: 1, 3: 2}}
    assert all(not e["recode"] for i, e in enumerate(spec) if i != 1)
    # the member flag: only in the member waves, a different source name in each
    flags = {e["wave"]: k for e in spec for k, v in e["rename"].items() if v == MEMBER_COLUMN}
    assert flags == {2016: "bl_member", 2018: "Member", 2020: "partnership_member"}
    without = demo_wave_spec(members=False)
    assert all(MEMBER_COLUMN not in e["rename"].values() for e in without)
    for a, b in zip(spec, without, strict=True):
        assert {k: v for k, v in a["rename"].items() if v != MEMBER_COLUMN} == b["rename"]


def test_member_waves():
    assert member_waves() == (2016, 2018, 2020)
    assert member_waves((2016, 2017, 2018, 2019)) == (2016, 2018, 2019)
    assert member_waves(range(2014, 2021)) == (2014, 2017, 2020)


# ---------------------------------------------------------------- determinism


def test_deterministic():
    a, b = simulate_demo_study(seed=3, **SMALL), simulate_demo_study(seed=3, **SMALL)
    pd.testing.assert_frame_equal(a.data, b.data)
    pd.testing.assert_frame_equal(a.potential_outcomes, b.potential_outcomes)
    for wave in a.raw:
        pd.testing.assert_frame_equal(a.raw[wave], b.raw[wave])
    pd.testing.assert_frame_equal(a.members, b.members)
    assert a.truth == b.truth
    c = simulate_demo_study(seed=4, **SMALL)
    assert not a.data.equals(c.data)


def test_written_files_are_byte_identical(tmp_path):
    first = write_demo_study(tmp_path / "a", seed=5, **SMALL)
    second = write_demo_study(tmp_path / "b", seed=5, **SMALL)
    for key, path in first.items():
        assert path.read_bytes() == second[key].read_bytes(), key


# ---------------------------------------------------------------- design


def test_design_facts(study):
    data, truth = study.data, study.truth
    assert list(data.columns) == list(CANONICAL_COLUMNS)
    assert data["area_id"].nunique() == 300
    areas = data.groupby("area_id")["cohort"].agg(["nunique", "first"])
    assert (areas["nunique"] == 1).all()
    cohorts = areas["first"].value_counts()
    assert cohorts[0] == 150
    assert set(cohorts.index) == {0, 2018, 2019}
    assert abs(cohorts[2018] - cohorts[2019]) <= 1
    assert truth["design"]["cohorts"] == {"2018": 75, "2019": 75}
    assert (areas.index.str.startswith("BL") == (areas["first"] > 0)).all()

    per_area_wave = data.groupby(["area_id", "wave"]).size()
    assert per_area_wave.between(38, 42).all()
    assert len(per_area_wave) == 300 * 5
    assert 58_000 < len(data) < 62_000
    assert not data.duplicated(["person_id", "wave"]).any()

    person = data.groupby("person_id")
    assert (person["area_id"].nunique() == 1).all()
    assert (person["gender"].nunique() == 1).all()
    assert (person["qualification"].nunique() == 1).all()
    assert ((data["age"] - data["wave"]).groupby(data["person_id"]).nunique() == 1).all()
    assert data["age"].between(18, 90).all()
    waves_seen = person.size()
    assert waves_seen.min() == 1 and waves_seen.max() == 5  # unbalanced panel

    ids = {w: set(g) for w, g in data.groupby("wave")["person_id"]}
    for prev, nxt in zip(range(2016, 2020), range(2017, 2021), strict=True):
        stayed = len(ids[prev] & ids[nxt]) / len(ids[prev])
        assert 0.78 < stayed < 0.86  # attrition ~18%
        assert len(ids[nxt] - set().union(*(ids[w] for w in range(2016, nxt)))) > 1500

    gender = data.drop_duplicates("person_id")["gender"].value_counts(normalize=True)
    assert 0.005 < gender[3] < 0.03 and abs(gender[1] - gender[2]) < 0.03
    qual = data.drop_duplicates("person_id")["qualification"].value_counts(normalize=True)
    assert np.allclose(qual.sort_index().to_numpy(), [0.25, 0.45, 0.30], atol=0.02)


def test_outcome_distributions(study):
    data = study.data
    for item, (low, high) in ITEM_RANGES.items():
        assert data[item].between(low, high).all()
    ls = data["life_satisfaction"]
    assert abs(ls.mean() - 7.3) < 0.15 and abs(ls.std() - 1.9) < 0.15
    raw = data[list(SWEMWBS_ITEMS)].sum(axis=1)
    assert abs(raw.mean() - 24) < 0.5 and abs(raw.std() - 4) < 0.4
    assert 0.3 < np.corrcoef(ls, raw)[0, 1] < 0.8
    assert np.corrcoef(ls, data["anxiety"])[0, 1] < 0
    # programme areas have lower wellbeing before the start
    pre = data[data["wave"] < 2018]
    means = pre.groupby(pre["cohort"] > 0)["life_satisfaction"].mean()
    assert means[True] < means[False]


# ---------------------------------------------------------------- files and mess


def test_files_reread_with_spec_columns(written):
    out, paths, study = written
    for entry in study.spec:
        path = paths[entry["wave"]]
        assert path == out / entry["filename"]
        assert path.suffix == "." + entry["format"]
        frame = _read(path, entry["format"])
        assert list(frame.columns) == list(study.raw[entry["wave"]].columns)
        assert set(frame.columns) == set(entry["rename"]) | set(entry["identifiers"])
        assert set(_to_canonical(frame, entry)) - {MEMBER_COLUMN} == set(CANONICAL_COLUMNS)
        residents, members = _split(frame, entry)
        clean_members = study.members[study.members["wave"] == entry["wave"]]
        assert len(members) == len(clean_members)
        # members come after all residents
        assert (np.flatnonzero(frame.index.isin(members.index)) >= len(residents)).all()
        if len(members):
            canonical = _to_canonical(members, entry).reset_index(drop=True)
            clean = clean_members.reset_index(drop=True)
            assert (canonical[MEMBER_COLUMN] == 1).all()
            for column in ("person_id", "area_id", "wave", "cohort", "gender", "age"):
                assert (canonical[column].astype(clean[column].dtype) == clean[column]).all()
            items = canonical[list(ITEMS)].to_numpy()
            ok = ~np.isin(items, list(MISSING_CODES))
            assert (items[ok] == clean[list(ITEMS)].to_numpy()[ok]).all()  # no typos
        canonical = _to_canonical(residents, entry)
        # apart from the injected mess, the file holds the clean data
        clean = study.data[study.data["wave"] == entry["wave"]].reset_index(drop=True)
        canonical = canonical[list(CANONICAL_COLUMNS)].reset_index(drop=True)
        mismatched = {}
        for column in CANONICAL_COLUMNS:
            if column in ITEMS:
                continue
            differs = canonical[column].astype(clean[column].dtype) != clean[column]
            mismatched[column] = int(differs.sum())
        # Only the deliberate linkage errors (one wave: 3 genders, 2 ages) differ.
        expected = (3, 2) if entry["wave"] == 2019 else (0, 0)
        assert (mismatched.pop("gender"), mismatched.pop("age")) == expected
        assert not any(mismatched.values()), mismatched
        items = canonical[list(ITEMS)].to_numpy()
        bad = np.isin(items, list(MISSING_CODES))
        for j, item in enumerate(ITEMS):
            low, high = ITEM_RANGES[item]
            bad[:, j] |= (items[:, j] < low) | (items[:, j] > high)
        assert (items[~bad] == clean[list(ITEMS)].to_numpy()[~bad]).all()
    truth = json.loads(paths["truth"].read_text())
    assert truth == study.truth


def test_cohort_coding_varies(written):
    _, paths, study = written
    zeros, blanks = 0, 0
    for entry in study.spec:
        name = {v: k for k, v in entry["rename"].items()}["cohort"]
        cohort = _read(paths[entry["wave"]], entry["format"])[name]
        zeros += (cohort == 0).any()
        blanks += cohort.isna().any()
        assert not ((cohort == 0).any() and cohort.isna().any())
    assert zeros >= 2 and blanks >= 2


def test_codings(written):
    _, paths, study = written
    spec = {e["wave"]: e for e in study.spec}
    raw = {w: study.raw[w].rename(columns=spec[w]["rename"]) for w in study.raw}
    assert set(raw[2018]["gender"]) == {"M", "F", "X"}
    assert set(raw[2017]["qualification"]) == {1, 2, 3}
    for wave in (2016, 2019, 2020):
        assert set(raw[wave]["gender"]) == {1, 2, 3}
        assert set(raw[wave]["qualification"]) == {0, 1, 2}
    meta = pyreadstat.read_sav(paths[2017], metadataonly=True)[1]
    labels = meta.variable_value_labels
    assert labels["HighQual"] == {1: "No qualifications", 2: "Below degree", 3: "Degree or above"}
    assert labels["Gender"][1] == "Male"


def test_missing_codes_and_typos(study):
    for entry in study.spec:
        frame = study.raw[entry["wave"]].rename(columns=entry["rename"])
        items = frame[list(ITEMS)].to_numpy()
        missing = np.isin(items, list(MISSING_CODES))
        assert 0.015 < missing.mean() < 0.025
        assert missing.any(axis=0).all()  # spread across all items
        assert set(np.unique(items[missing])) == {-9, -8}
        typos = 0
        for j, item in enumerate(ITEMS):
            low, high = ITEM_RANGES[item]
            typos += ((items[:, j] > high) | ((items[:, j] < low) & ~missing[:, j])).sum()
        assert 5 <= typos <= 20
        others = frame.drop(columns=list(ITEMS) + entry["identifiers"])
        numeric = others.select_dtypes("number")
        assert not numeric.isin(list(MISSING_CODES)).any().any()
        name, postcode = sorted(entry["identifiers"], key=lambda c: "code" in c.lower())
        assert frame[name].str.match(r"^[A-Z][a-z]+ [A-Z][a-z]+$").all()
        assert frame[postcode].str.match(r"^[A-Z]{1,2}\d{1,2} \d[A-Z]{2}$").all()
    clean = study.data
    assert not np.isin(clean[list(ITEMS)].to_numpy(), list(MISSING_CODES)).any()
    assert not set(clean.columns) & {"name", "postcode"}
    assert not any(c in clean.columns for e in study.spec for c in e["identifiers"])


# ---------------------------------------------------------------- truth


def test_truth_recomputes_from_potential_outcomes(study):
    po, truth = study.potential_outcomes, study.truth
    data = study.data
    n_treated = ((data["cohort"] > 0) & (data["wave"] >= data["cohort"])).sum()
    assert len(po) == n_treated
    for outcome in ("life_satisfaction", "swemwbs", "swemwbs_metric", *ONS_ITEMS):
        diff = po[f"{outcome}_treated"] - po[f"{outcome}_untreated"]
        assert truth[outcome]["att"] == pytest.approx(diff.mean(), abs=1e-12)
        by_cohort = diff.groupby(po["cohort"]).mean()
        assert truth[outcome]["att_by_cohort"]["2018"] == pytest.approx(by_cohort[2018])
    # the observed outcome of treated rows is the treated potential outcome
    merged = po.merge(data, on=["person_id", "wave"])
    assert (merged["life_satisfaction"] == merged["life_satisfaction_treated"]).all()
    raw = merged[list(SWEMWBS_ITEMS)].sum(axis=1)
    assert (raw == merged["swemwbs_treated"]).all()
    assert po["swemwbs_treated"].between(7, 35).all()


def test_truth_values(study):
    truth = study.truth
    for outcome, latent in (("life_satisfaction", 0.12), ("swemwbs", 0.5)):
        t = truth[outcome]
        assert 0.6 * latent < t["att"] < 1.05 * latent
        assert t["att_by_qualification"]["degree"] > 1.5 * t["att"]
        assert abs(t["att_by_qualification"]["none"]) < 0.25 * t["att"]
        first = t["att_by_gender"]["first_waves"]
        assert first["male"] > first["female"] + t["att"]
        later = t["att_by_gender"]["later_waves"]
        assert abs(later["male"] - later["female"]) < 0.5 * t["att"]
        for group in ("att_by_event_time", "att_by_cohort"):
            values = np.array(list(t[group].values()))
            assert np.all(np.abs(values - t["att"]) < 0.2 * t["att"]), (outcome, group)
    assert set(truth["life_satisfaction"]["att_by_event_time"]) == {"0", "1", "2"}
    assert 0 < truth["swemwbs_metric"]["att"] < truth["swemwbs"]["att"]
    assert truth["anxiety"]["att"] < 0


# ---------------------------------------------------------------- recovery


def _twfe(frame, outcome, tol=1e-10, max_iter=500):
    """TWFE by alternating projections (person and wave), clustered by area."""
    d = ((frame["cohort"] > 0) & (frame["wave"] >= frame["cohort"])).astype(float).to_numpy()
    y = frame[outcome].astype(float).to_numpy()
    person = pd.factorize(frame["person_id"])[0]
    wave = pd.factorize(frame["wave"])[0]
    mat = np.column_stack([y, d])
    for _ in range(max_iter):
        old = mat.copy()
        for codes in (person, wave):
            sums = np.zeros((codes.max() + 1, 2))
            np.add.at(sums, codes, mat)
            mat = mat - (sums / np.bincount(codes)[:, None])[codes]
        if np.abs(mat - old).max() < tol:
            break
    y_t, d_t = mat[:, 0], mat[:, 1]
    beta = (d_t @ y_t) / (d_t @ d_t)
    resid = y_t - beta * d_t
    scores = pd.Series(d_t * resid).groupby(frame["area_id"].to_numpy()).sum()
    se = np.sqrt((scores**2).sum()) / (d_t @ d_t)
    return beta, se


def test_twfe_recovers_truth(study):
    beta, se = _twfe(study.data, "life_satisfaction")
    truth = study.truth["life_satisfaction"]["att"]
    assert 0 < se < 0.05
    assert abs(beta - truth) < 3 * se, (beta, se, truth)


# ---------------------------------------------------------------- partnership members


def test_member_cohort(study):
    members, data = study.members, study.data
    assert list(members.columns) == [*CANONICAL_COLUMNS, MEMBER_COLUMN]
    assert (members[MEMBER_COLUMN] == 1).all()
    assert sorted(members["wave"].unique()) == [2016, 2018, 2020]
    assert members.groupby("wave").size().to_dict() == {2016: 300, 2018: 300, 2020: 300}
    # stable ids, distinct from residents', in every member wave (no attrition)
    ids = {w: set(g) for w, g in members.groupby("wave")["person_id"]}
    assert ids[2016] == ids[2018] == ids[2020] and len(ids[2016]) == 300
    assert not ids[2016] & set(data["person_id"])
    assert members["person_id"].min() == 900_001
    # two per programme area, none in comparison areas
    per_area = members[members["wave"] == 2016].groupby("area_id").size()
    assert per_area.index.str.startswith("BL").all() and len(per_area) == 150
    assert (per_area == 2).all()
    person = members.groupby("person_id")
    for column in ("area_id", "cohort", "gender", "qualification"):
        assert (person[column].nunique() == 1).all(), column
    assert ((members["age"] - members["wave"]).groupby(members["person_id"]).nunique() == 1).all()
    for item, (low, high) in ITEM_RANGES.items():
        assert members[item].between(low, high).all()
    assert not members.duplicated(["person_id", "wave"]).any()


def test_member_flag_in_raw_waves(study):
    spec = {e["wave"]: e for e in study.spec}
    n_rows = study.data.groupby("wave").size()
    for wave, frame in study.raw.items():
        rename = spec[wave]["rename"]
        if wave not in (2016, 2018, 2020):
            assert MEMBER_COLUMN not in rename.values()
            assert len(frame) == n_rows[wave]
            continue
        flag = frame[{v: k for k, v in rename.items()}[MEMBER_COLUMN]]
        assert len(frame) == n_rows[wave] + 300
        # residents first, then the members
        assert flag.iloc[n_rows[wave] :].eq(1).all()
        residents = flag.iloc[: n_rows[wave]]
        if wave == 2020:
            assert residents.isna().all()  # this wave leaves residents' flag empty
        else:
            assert residents.eq(0).all()
        ids = frame.rename(columns=rename)["person_id"]
        assert set(ids[flag.eq(1)]) == set(study.members["person_id"])
        # members' items carry missing codes too
        items = frame.rename(columns=rename).loc[flag.eq(1), list(ITEMS)].to_numpy()
        assert 0.005 < np.isin(items, list(MISSING_CODES)).mean() < 0.04


def test_member_flag_in_written_files(written):
    _, paths, study = written
    spec = {e["wave"]: e for e in study.spec}
    n_members = study.truth["members"]["n_members"]
    assert n_members == 40  # 2 x 20 programme areas
    csv_2020 = pd.read_csv(paths[2020])
    assert csv_2020["partnership_member"].isna().sum() == len(csv_2020) - n_members
    assert paths[2020].read_text().splitlines()[1].count(",,") >= 1  # empty cell
    dta = pyreadstat.read_dta(paths[2018])
    assert dta[0]["Member"].value_counts().to_dict() == {0: len(dta[0]) - n_members, 1: n_members}
    assert dta[1].variable_value_labels["Member"] == {0: "No", 1: "Yes"}
    csv_2016 = pd.read_csv(paths[2016])
    assert csv_2016["bl_member"].sum() == n_members
    for wave in (2017, 2019):
        frame = _read(paths[wave], spec[wave]["format"])
        assert not {"bl_member", "Member", "partnership_member"} & set(frame.columns)


def test_residents_do_not_depend_on_members(tmp_path):
    with_members = simulate_demo_study(seed=11, **SMALL, members_per_area=3)
    without = simulate_demo_study(seed=11, **SMALL, members_per_area=0)
    pd.testing.assert_frame_equal(with_members.data, without.data)
    pd.testing.assert_frame_equal(with_members.potential_outcomes, without.potential_outcomes)
    truth = dict(with_members.truth)
    assert truth.pop("members")["n_members"] == 60
    assert truth == without.truth
    assert without.members.empty and "members" not in without.truth
    assert without.spec == demo_wave_spec(members=False)
    for wave, raw in without.raw.items():
        assert not set(raw.columns) & {"bl_member", "Member", "partnership_member"}
        ours = with_members.raw[wave]
        pd.testing.assert_frame_equal(ours.iloc[: len(raw)][list(raw.columns)], raw)
    # files of the waves without members are byte-identical
    a = write_demo_study(tmp_path / "a", seed=11, **SMALL, members_per_area=3)
    b = write_demo_study(tmp_path / "b", seed=11, **SMALL, members_per_area=0)
    for wave in (2017, 2019):
        assert a[wave].read_bytes() == b[wave].read_bytes()


def test_member_truth_recomputes(study):
    from wellby.prepare.scales import swemwbs_metric_table

    members, truth = study.members, study.truth["members"]
    assert truth["waves"] == [2016, 2018, 2020]
    assert truth["rows_per_wave"] == {"2016": 300, "2018": 300, "2020": 300}
    assert truth["person_ids"] == [900_001, 900_300]
    raw = members[list(SWEMWBS_ITEMS)].sum(axis=1)
    scores = {
        "life_satisfaction": members["life_satisfaction"],
        "swemwbs": raw,
        "swemwbs_metric": raw.map(swemwbs_metric_table()),
    }
    for outcome, values in scores.items():
        means = values.groupby(members["wave"]).mean()
        for wave in (2018, 2020):
            change = means[wave] - means[2016]
            assert truth[outcome]["change"][str(wave)] == pytest.approx(change, abs=1e-12)
    assert truth["swemwbs"]["latent_member_shift"] == pytest.approx({"2018": 1.806, "2020": 0.0})
    assert truth["life_satisfaction"]["latent_member_shift"] == {"2018": 0.3, "2020": 0.0}
    # the published shape: a gain of about 1.46 metric points at 2018, gone by 2020
    change = truth["swemwbs_metric"]["change"]
    assert 0.9 < change["2018"] < 2.0 and abs(change["2020"]) < 0.5
    assert 0 < truth["swemwbs_metric"]["change"]["2018"] < truth["swemwbs"]["change"]["2018"]


def test_members_per_area_argument():
    one = simulate_demo_study(seed=2, **SMALL, members_per_area=1)
    assert one.members.groupby("wave").size().eq(20).all()
    assert one.truth["members"]["members_per_area"] == 1
    for bad in (-1, 1.5, True):
        with pytest.raises(ValueError, match="members_per_area"):
            simulate_demo_study(seed=2, **SMALL, members_per_area=bad)
