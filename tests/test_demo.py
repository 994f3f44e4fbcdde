"""Tests of the demo study generator (wellby.demo)."""

import json

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from wellby.demo import (
    AREA_ATTRIBUTES,
    CANONICAL_COLUMNS,
    ITEM_RANGES,
    ITEMS,
    MEMBER_COLUMN,
    MISSING_CODES,
    ONS_ITEMS,
    SWEMWBS_ITEMS,
    demo_area_spec,
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
    # the income quintile: in every wave, a different source name in each
    income = [k for e in spec for k, v in e["rename"].items() if v == "income_quintile"]
    assert income == ["hh_income_q", "IncQuint", "incq", "income_quintile", "Income Quintile"]
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
    pd.testing.assert_frame_equal(a.areas, b.areas)
    pd.testing.assert_frame_equal(a.area_file, b.area_file)
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


# ---------------------------------------------------------------- areas and income


def test_programme_areas_are_more_deprived_by_about_one_sd(study):
    areas = study.areas
    pool = areas.loc[~areas["programme"], "deprivation"]
    programme = areas.loc[areas["programme"], "deprivation"]
    assert abs(pool.mean() - 20) < 0.5 and abs(pool.std() - 8) < 0.5
    assert abs((programme.mean() - pool.mean()) / pool.std() - 1.0) < 0.1
    assert abs(programme.std() - 8) < 0.5
    assert (areas["deprivation"] > 0).all() and pool.skew() > 0  # IMD-like: right-skewed
    assert areas["population"].between(5, 15).all() and areas["population"].std() > 2
    assert set(areas["urban"]) == {"Urban", "Rural"}
    assert 0.6 < (areas["urban"] == "Urban").mean() < 0.9
    assert 5 <= areas["region"].nunique() <= 9
    assert (areas.groupby("outward")["region"].nunique() == 1).all()
    design = study.truth["design"]
    assert design["deprivation"]["gap_programme_minus_comparison_sd"] == pytest.approx(
        (programme.mean() - pool.mean()) / 8
    )
    # the gap holds in small studies and other seeds too (quantile draws)
    small = {seed: simulate_demo_study(seed=seed, **SMALL, members_per_area=0) for seed in (1, 2)}
    for one in small.values():
        means = one.areas.groupby("programme")["deprivation"].mean()
        assert abs((means[True] - means[False]) / 8 - 1.0) < 0.1
    # the areas do not depend on the residents' sample size
    other = simulate_demo_study(seed=1, **{**SMALL, "residents_per_area": 12})
    pd.testing.assert_frame_equal(other.areas, small[1].areas)


def test_wellbeing_is_lower_in_more_deprived_areas(study):
    data = study.data[study.data["cohort"] == 0]  # comparison areas: no programme effect
    z = study.areas.set_index("area_id")["deprivation_z"]
    means = data.groupby("area_id")[["life_satisfaction", "anxiety"]].mean().join(z)
    means["swemwbs"] = data[list(SWEMWBS_ITEMS)].sum(axis=1).groupby(data["area_id"]).mean()
    corr = means.corr()["deprivation_z"]
    assert corr["life_satisfaction"] < -0.3 and corr["swemwbs"] < -0.3
    assert corr["anxiety"] > 0.2


def test_income_quintile(study):
    from wellby.demo.persons import expected_income_quintile

    data = study.data
    for _, wave in data.groupby("wave"):
        assert set(wave["income_quintile"]) == {1, 2, 3, 4, 5}
    assert (data.groupby("person_id")["income_quintile"].nunique() == 1).all()
    person = data.drop_duplicates("person_id")
    shares = person["income_quintile"].value_counts(normalize=True).sort_index()
    assert shares.is_monotonic_decreasing and shares[5] > 0.08  # disadvantaged areas
    by_qual = person.groupby("qualification")["income_quintile"].mean()
    assert by_qual[0] + 0.5 < by_qual[1] + 0.25 < by_qual[2]
    z = study.areas.set_index("area_id")["deprivation_z"].reindex(person["area_id"]).to_numpy()
    assert np.corrcoef(z, person["income_quintile"])[0, 1] < -0.05
    # the closed-form expected quintile (the effect's income gradient is centred on it)
    # agrees with the simulated quintiles overall and within each qualification
    gap = person["income_quintile"] - expected_income_quintile(person["qualification"], z)
    # (about 20,000 persons, SD of the gap 1.2: limits of about 3.5 standard errors)
    assert abs(gap.mean()) < 0.03
    assert gap.groupby(person["qualification"].to_numpy()).mean().abs().max() < 0.06
    assert study.members["income_quintile"].between(1, 5).all()


def test_truth_by_income_quintile(study):
    po, truth = study.potential_outcomes, study.truth
    for outcome in ("life_satisfaction", "swemwbs", "swemwbs_metric"):
        diff = po[f"{outcome}_treated"] - po[f"{outcome}_untreated"]
        recomputed = diff.groupby(po["income_quintile"]).mean()
        by_q = truth[outcome]["att_by_income_quintile"]
        assert list(by_q) == ["1", "2", "3", "4", "5"]
        assert [by_q[str(q)] for q in range(1, 6)] == pytest.approx(recomputed.to_list())
        # lower quintiles gain less: through qualification and a gradient of their own
        assert recomputed.is_monotonic_increasing
        assert recomputed[1] < 0.75 * truth[outcome]["att"]
        assert recomputed[5] > 1.25 * truth[outcome]["att"]
        within = po["qualification"] == 1
        low, high = po["income_quintile"] <= 2, po["income_quintile"] >= 4
        assert diff[within & high].mean() > diff[within & low].mean()
    assert truth["design"]["effect_shift_per_income_quintile_above_expected"] == 0.15


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
            if column in (*ITEMS, "income_quintile"):
                continue
            differs = canonical[column].astype(clean[column].dtype) != clean[column]
            mismatched[column] = int(differs.sum())
        # Only the deliberate linkage errors (one wave: 3 genders, 2 ages) differ.
        expected = (3, 2) if entry["wave"] == 2019 else (0, 0)
        assert (mismatched.pop("gender"), mismatched.pop("age")) == expected
        assert not any(mismatched.values()), mismatched
        income = canonical["income_quintile"]
        answered = ~income.isin(list(MISSING_CODES))
        assert (income[answered] == clean["income_quintile"][answered]).all()
        items = canonical[list(ITEMS)].to_numpy()
        bad = np.isin(items, list(MISSING_CODES))
        for j, item in enumerate(ITEMS):
            low, high = ITEM_RANGES[item]
            bad[:, j] |= (items[:, j] < low) | (items[:, j] > high)
        assert (items[~bad] == clean[list(ITEMS)].to_numpy()[~bad]).all()
    truth = json.loads(paths["truth"].read_text())
    assert truth == study.truth


def test_area_file_written_and_agrees_with_the_waves(written):
    from wellby.prepare.areas import read_area_file

    out, paths, study = written
    spec = demo_area_spec()
    assert paths["areas"] == out / spec["filename"] == out / "areas.csv"
    lines = paths["areas"].read_text().splitlines()
    assert lines[0] == spec["title"] and len(lines) == 2 + 40
    assert lines[1].split(",") == list(spec["rename"])
    assert set(spec["rename"].values()) == {"area_id", "cohort", *AREA_ATTRIBUTES}
    assert not set(spec["rename"]) & set(spec["rename"].values())  # source names differ
    raw = pd.read_csv(paths["areas"], skiprows=spec["header_row"] - 1)
    assert raw["StartYear"].isna().sum() == 20  # comparison areas: no start year
    settings = {"path": str(paths["areas"]), "rename": spec["rename"], "encoding": "utf-8",
                "sheet": None, "header_row": spec["header_row"], "delimiter": None}
    areas = read_area_file(settings, area="area_id", cohort="cohort").set_index("area_id")
    assert set(areas.index) == set(study.data["area_id"]) and len(areas) == 40
    for entry in study.spec:
        wave = _to_canonical(_read(paths[entry["wave"]], entry["format"]), entry)
        file_cohort = areas["cohort"].reindex(wave["area_id"].astype(str)).to_numpy()
        assert (wave["cohort"].to_numpy() == file_cohort).all(), entry["wave"]
    truth = study.areas.set_index("area_id").loc[areas.index]
    for column in AREA_ATTRIBUTES:
        assert (areas[column].to_numpy() == truth[column].to_numpy()).all(), column
    assert (areas["cohort"].to_numpy() == truth["cohort"].to_numpy()).all()


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
        income = frame["income_quintile"]
        income_missing = income.isin(list(MISSING_CODES))
        assert 0.04 < income_missing.mean() < 0.08
        assert set(income[income_missing]) == {-9, -8}
        assert set(income[~income_missing]) == {1, 2, 3, 4, 5}
        others = frame.drop(columns=[*ITEMS, "income_quintile", *entry["identifiers"]])
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


def _twfe(frame, outcome, controls=(), tol=1e-10, max_iter=500):
    """TWFE by alternating projections (person and wave), clustered by area.

    ``controls`` are extra regressors (columns of ``frame``), partialled out by
    Frisch-Waugh-Lovell after the fixed effects.
    """
    d = ((frame["cohort"] > 0) & (frame["wave"] >= frame["cohort"])).astype(float).to_numpy()
    y = frame[outcome].astype(float).to_numpy()
    person = pd.factorize(frame["person_id"])[0]
    wave = pd.factorize(frame["wave"])[0]
    mat = np.column_stack([y, d, *(frame[c].astype(float).to_numpy() for c in controls)])
    for _ in range(max_iter):
        old = mat.copy()
        for codes in (person, wave):
            sums = np.zeros((codes.max() + 1, mat.shape[1]))
            np.add.at(sums, codes, mat)
            mat = mat - (sums / np.bincount(codes)[:, None])[codes]
        if np.abs(mat - old).max() < tol:
            break
    y_t, d_t, c_t = mat[:, 0], mat[:, 1], mat[:, 2:]
    if controls:
        d_t = d_t - c_t @ np.linalg.lstsq(c_t, d_t, rcond=None)[0]
        y_t = y_t - c_t @ np.linalg.lstsq(c_t, y_t, rcond=None)[0]
    beta = (d_t @ y_t) / (d_t @ d_t)
    resid = y_t - beta * d_t
    scores = pd.Series(d_t * resid).groupby(frame["area_id"].to_numpy()).sum()
    se = np.sqrt((scores**2).sum()) / (d_t @ d_t)
    return beta, se


def _with_drift_control(study):
    """The residents' data plus the SWEMWBS raw total and the drift regressor z x wave."""
    z = study.areas.set_index("area_id")["deprivation_z"]
    data = study.data.copy()
    data["swemwbs"] = data[list(SWEMWBS_ITEMS)].sum(axis=1)
    data["z_wave"] = z.reindex(data["area_id"]).to_numpy() * (data["wave"] - 2018)
    return data


def test_twfe_adjusted_for_the_drift_recovers_truth(study):
    beta, se = _twfe(_with_drift_control(study), "life_satisfaction", controls=["z_wave"])
    truth = study.truth["life_satisfaction"]["att"]
    assert 0 < se < 0.05
    assert abs(beta - truth) < 3 * se, (beta, se, truth)


def test_deprivation_drift_biases_the_unmatched_twfe(study, monkeypatch):
    """The drift's own contribution, isolated by regenerating the same study without it."""
    import wellby.demo.items as items

    monkeypatch.setattr(items, "DEPRIVATION_TREND", 0.0)
    flat = simulate_demo_study(members_per_area=0)  # same seed and draws, no drift
    expected = study.truth["design"]["expected_unmatched_bias"]["twfe"]
    frames = [_with_drift_control(s) for s in (study, flat)]
    for outcome in ("life_satisfaction", "swemwbs"):
        # the effect is defined from potential outcomes: the drift leaves it (nearly) alone
        same = abs(study.truth[outcome]["att"] - flat.truth[outcome]["att"])
        assert same < 0.1 * abs(study.truth[outcome]["att"])
        drift = _twfe(frames[0], outcome)[0] - _twfe(frames[1], outcome)[0]
        # a respondent-level TWFE picks up a little less than the area-level weight
        assert 1.1 * expected[outcome] < drift < 0.6 * expected[outcome], (outcome, drift)
        adjusted = [_twfe(f, outcome, controls=["z_wave"])[0] for f in frames]
        assert abs(adjusted[0] - adjusted[1]) < 0.15 * abs(expected[outcome])


def test_expected_bias_weights_match_regressions(study):
    import statsmodels.formula.api as smf

    design = study.truth["design"]
    weights = design["expected_unmatched_bias"]["weight"]
    areas = study.areas
    waves = design["waves"]
    grid = areas[["area_id", "cohort", "deprivation_z"]].merge(
        pd.DataFrame({"wave": waves, "index": range(len(waves))}), how="cross"
    )
    grid["treated"] = ((grid["cohort"] > 0) & (grid["wave"] >= grid["cohort"])).astype(float)
    grid["drift"] = grid["deprivation_z"] * grid["index"]
    fit = smf.ols("drift ~ treated + C(area_id) + C(wave)", data=grid).fit()
    assert fit.params["treated"] == pytest.approx(weights["twfe"], rel=1e-8)
    # Callaway-Sant'Anna's simple ATT of the drift: 2x2 ATT(g, t) against never-treated
    # areas with base wave g - 1, averaged over post cells with cohort-size weights
    cells = grid.pivot_table(index="wave", columns="cohort", values="drift", aggfunc="mean")
    sizes = areas.loc[areas["cohort"] > 0, "cohort"].value_counts()
    total, weight = 0.0, 0.0
    for g, n_g in sizes.items():
        base = waves[waves.index(g) - 1]
        for t in (w for w in waves if w >= g):
            att = (cells.loc[t, g] - cells.loc[base, g]) - (cells.loc[t, 0] - cells.loc[base, 0])
            total, weight = total + n_g * att, weight + n_g
    assert total / weight == pytest.approx(weights["callaway_santanna_simple"], rel=1e-9)
    bias = design["expected_unmatched_bias"]["twfe"]
    assert bias["life_satisfaction"] < 0 and bias["swemwbs"] < 0 and bias["anxiety"] > 0
    assert design["deprivation"]["latent_trend_per_wave_per_sd"] < 0


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
