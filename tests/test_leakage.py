"""No direct identifier reaches any file under results/, whatever its column is called.

Names, e-mail addresses, phone numbers, postcodes, NHS numbers and dates of birth are
planted in a small study's wave files under innocuous column names, and NHS numbers are
used as the person id. The whole workflow runs; then every file under results/ (tables,
interim Parquet, logs, the workbook, the report, provenance) is searched for every planted
value.
"""

import shutil
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyreadstat
import pytest
import yaml

from wellby.config import load_yaml
from wellby.demo import write_demo_study

from .conftest import ROOT
from .test_workflow import copy_workflow, snakemake

pytestmark = pytest.mark.workflow


def nhs_number(base: int) -> str:
    """A valid NHS number (modulus 11 check digit) made from a 9-digit base."""
    digits = [int(c) for c in f"{base:09d}"]
    remainder = sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
    check = 11 - remainder
    if check == 11:
        check = 0
    if check == 10:
        return nhs_number(base + 1)
    return "".join(map(str, digits)) + str(check)


def plant(frame: pd.DataFrame, rng: np.random.Generator) -> tuple[pd.DataFrame, set[str]]:
    """Add identifier columns with innocuous names; return the frame and the planted values."""
    n = len(frame)
    first = np.array(["Amelia", "Oliver", "Isla", "Harry", "Ava", "Jack", "Mia", "Noah"])
    last = np.array(["Thornbury", "Featherstone", "Ravensworth", "Ollerenshaw",
                     "Pemberton", "Quarrington", "Sowerby", "Tattersall"])
    names = [f"{first[i % 8]} {last[(i * 3 + 1) % 8]}-{chr(65 + i % 26)}{i}" for i in range(n)]
    emails = [f"resident.{i}.{rng.integers(10**6)}@mailbox-example.co.uk" for i in range(n)]
    phones = [f"07700 9{rng.integers(10**5):05d}" for _ in range(n)]
    postcodes = [f"ZE{1 + i % 3} {i % 10}{'ABDEFGHJ'[i % 8]}{'LNPQRSTU'[(i // 8) % 8]}"
                 for i in range(n)]
    births = [f"{1940 + i % 60}-{1 + i % 12:02d}-{1 + i % 28:02d}" for i in range(n)]
    frame = frame.assign(q17=emails, v203=phones, loc2=postcodes, d_b=births, comment=[
        f"Spoke to {name} at the community centre about the garden project" for name in names],
        ref=names)
    planted = set(emails) | set(phones) | set(postcodes) | set(names)
    planted |= {b for b in births}
    return frame, planted


@pytest.fixture(scope="module")
def leaky_study(tmp_path_factory):
    workdir = copy_workflow(tmp_path_factory.mktemp("leaky"))
    data_dir = workdir / "data"
    write_demo_study(data_dir, seed=11, n_programme_areas=8, n_comparison_areas=8,
                     residents_per_area=15)
    config = load_yaml(ROOT / "config" / "config.yaml")
    del config["demo"]
    config["data"]["areas"]["path"] = str(
        (data_dir / Path(config["data"]["areas"]["path"]).name).relative_to(workdir))
    # Eight programme areas against eight: a propensity model on five attributes separates
    # them, so the comparison areas are matched on the Mahalanobis distance.
    config["comparison"]["method"] = "mahalanobis"
    rng = np.random.default_rng(5)
    planted: set[str] = set()
    nhs: dict[float, str] = {}

    def person_to_nhs(values: pd.Series) -> pd.Series:
        for value in values.dropna().unique():
            nhs.setdefault(float(value), nhs_number(412_000_000 + len(nhs) * 7))
        return values.map(lambda v: nhs.get(float(v)) if pd.notna(v) else v)

    for wave in config["data"]["waves"]:
        path = data_dir / Path(wave["path"]).name
        wave["path"] = str(path.relative_to(workdir))
        id_source = {v: k for k, v in wave["rename"].items()}["person_id"]
        if path.suffix == ".csv":
            frame = pd.read_csv(path)
            frame[id_source] = person_to_nhs(frame[id_source])
            frame, values = plant(frame, rng)
            frame.to_csv(path, index=False)
        elif path.suffix == ".sav":
            frame, meta = pyreadstat.read_sav(path)
            frame[id_source] = person_to_nhs(frame[id_source])
            frame, values = plant(frame, rng)
            pyreadstat.write_sav(frame, path)
        else:
            frame, meta = pyreadstat.read_dta(path)
            frame[id_source] = person_to_nhs(frame[id_source])
            frame, values = plant(frame, rng)
            pyreadstat.write_dta(frame, path)
        planted |= values
        for column in ("Name", "Full Name", "full_name", "resp_name"):
            if column in frame:
                planted |= set(frame[column].dropna().astype(str))
    planted |= set(nhs.values())
    planted |= {f"{v[:3]} {v[3:6]} {v[6:]}" for v in nhs.values()}
    config["data"]["pseudonym_key"] = str(tmp_path_factory.mktemp("key") / "key.bin")
    study = workdir / "study.yaml"
    study.write_text(yaml.safe_dump(config, sort_keys=False))
    run = snakemake(workdir, "--configfile", "study.yaml")
    assert run.returncode == 0, run.stderr[-4000:]
    shutil.rmtree(workdir / "results" / "stale", ignore_errors=True)
    return workdir, planted, run.stdout + run.stderr


def file_texts(path: Path) -> list[str]:
    """Every piece of text a results file holds, however it is stored."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        frame = pd.read_parquet(path)
        texts = [" ".join(map(str, frame.columns))]
        for column in frame.columns:
            texts.append("\n".join(str(value) for value in frame[column].unique()))
        import pyarrow.parquet as pq
        texts.append(str(pq.read_schema(path).metadata))
        return texts
    if suffix == ".xlsx":
        book = openpyxl.load_workbook(path)
        cells = [str(cell.value) for sheet in book for row in sheet.iter_rows() for cell in row
                 if cell.value is not None]
        with zipfile.ZipFile(path) as archive:
            xml = [archive.read(name).decode("utf-8", "replace")
                   for name in archive.namelist()]
        return ["\n".join(cells), *xml]
    if suffix == ".png":
        return []
    return [path.read_bytes().decode("utf-8", "replace")]


def test_the_planted_values_are_really_in_the_raw_files(leaky_study):
    workdir, planted, _ = leaky_study
    raw = pd.read_csv(workdir / "data" / "wave_2016.csv", dtype=str)
    assert set(raw["q17"]) <= planted and set(raw["resp_id"]) <= planted
    assert len(planted) > 1000


def test_no_identifier_reaches_any_results_file(leaky_study):
    workdir, planted, _ = leaky_study
    files = [p for p in (workdir / "results").rglob("*") if p.is_file()]
    assert any(p.suffix == ".parquet" for p in files) and any(p.suffix == ".log" for p in files)
    assert (workdir / "results" / "report.html").is_file()
    leaks = []
    for path in files:
        for text in file_texts(path):
            found = [value for value in planted if value in text]
            if found:
                leaks.append((str(path.relative_to(workdir)), sorted(found)[:3]))
                break
    assert not leaks, leaks


def test_no_identifier_is_printed_to_the_terminal(leaky_study):
    _, planted, output = leaky_study
    assert not [value for value in planted if value in output]


def test_the_person_id_is_pseudonymised_but_links_waves(leaky_study):
    workdir, _, _ = leaky_study
    panel = pd.read_parquet(workdir / "results" / "interim" / "panel.parquet")
    ids = panel["person_id"].astype(str)
    assert ids.str.fullmatch(r"p[0-9a-f]{16}").all()
    waves_per_person = panel.groupby("person_id")["wave"].nunique()
    assert (waves_per_person > 1).mean() > 0.5
    assert {"q17", "v203", "loc2", "d_b", "comment", "ref"}.isdisjoint(panel.columns)
