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
    MISSING_CODES,
    ONS_ITEMS,
    SWEMWBS_ITEMS,
    demo_wave_spec,
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
    return out


# ---------------------------------------------------------------- spec


def test_wave_spec_shape():
    spec = demo_wave_spec()
    assert [e["wave"] for e in spec] == [2016, 2017, 2018, 2019, 2020]
    assert [e["format"] for e in spec] == ["csv", "sav", "dta", "sav", "csv"]
    assert [e["filename"] for e in spec][0] == "wave_2016.csv"
    for entry in spec:
        assert sorted(entry["rename"].values()) == sorted(CANONICAL_COLUMNS)
        assert len(entry["identifiers"]) == 2
        assert not set(entry["identifiers"]) & set(entry["rename"])
    # names and order vary between waves
    assert len({tuple(e["rename"]) for e in spec}) == 5
    assert len({e["identifiers"][0] for e in spec}) >= 3
    assert spec[1]["recode"] == {"qualification": {1: 0, 2: 1, 3: 2}}
    assert all(not e["recode"] for i, e in enumerate(spec) if i != 1)


# ---------------------------------------------------------------- determinism


def test_deterministic():
    a, b = simulate_demo_study(seed=3, **SMALL), simulate_demo_study(seed=3, **SMALL)
    pd.testing.assert_frame_equal(a.data, b.data)
    pd.testing.assert_frame_equal(a.potential_outcomes, b.potential_outcomes)
    for wave in a.raw:
        pd.testing.assert_frame_equal(a.raw[wave], b.raw[wave])
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
        canonical = _to_canonical(frame, entry)
        assert sorted(canonical.columns) == sorted(CANONICAL_COLUMNS)
        # apart from the injected mess, the file holds the clean data
        clean = study.data[study.data["wave"] == entry["wave"]].reset_index(drop=True)
        canonical = canonical[list(CANONICAL_COLUMNS)]
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
