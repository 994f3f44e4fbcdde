"""No stale results: a failed run sets the published results aside until a run succeeds."""

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
import yaml

from wellby.report.staleness import (
    RESULTS_DIR,
    STALE_DIR,
    STALE_NOTE,
    clear_stale,
    failure_message,
    parse_error_note,
    published_outputs,
    set_aside,
    stale_files,
)

from .conftest import ROOT

PUBLISHED = ["report.html", "tables.xlsx", "provenance.json", "tables/did.csv",
             "tables/cba.csv", "figures/trends_life_satisfaction.png"]
INTERIM = ["interim/panel.parquet", "interim/clean/wave_2016.parquet", "logs/report.log",
           "benchmarks/report.tsv"]
WHEN = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)


def make_results(root: Path, files: list[str], text: str = "v1") -> Path:
    for name in files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{text} {name}")
    return root


@pytest.fixture
def results(tmp_path):
    return make_results(tmp_path / "results", PUBLISHED + INTERIM)


def test_set_aside_moves_published_outputs_and_keeps_interim_files(results):
    moved = set_aside(results, reason="rule clean failed", now=WHEN)
    assert sorted(p.as_posix() for p in moved) == sorted(PUBLISHED)
    for name in PUBLISHED:
        assert not (results / name).exists(), name
        assert (results / STALE_DIR / name).read_text() == f"v1 {name}"
    for name in INTERIM:
        assert (results / name).read_text() == f"v1 {name}"
    assert published_outputs(results) == []


def test_the_note_says_when_why_what_and_what_happens_next(results):
    set_aside(results, reason="rule clean failed", now=WHEN)
    note = (results / STALE_NOTE).read_text()
    assert "STALE" in note and "2026-03-01T09:30:00+00:00" in note
    assert "rule clean failed" in note
    assert "\n  tables/did.csv\n" in note and "\n  report.html\n" in note
    assert "next successful run rebuilds" in note and "deletes" in note
    assert "interim" in note


def test_a_second_failure_replaces_older_copies_and_keeps_the_rest(results):
    set_aside(results, now=WHEN)
    make_results(results, ["tables/did.csv"], text="v2")
    moved = set_aside(results, reason="rule value failed", now=WHEN)
    assert [p.as_posix() for p in moved] == ["tables/did.csv"]
    assert (results / STALE_DIR / "tables/did.csv").read_text() == "v2 tables/did.csv"
    assert (results / STALE_DIR / "report.html").read_text() == "v1 report.html"
    note = (results / STALE_NOTE).read_text()
    assert "* tables/did.csv" in note and "  report.html" in note
    assert "rule value failed" in note
    assert set_aside(results, reason="rule report failed") == []
    note = (results / STALE_NOTE).read_text()
    assert "all set aside by an earlier failed run" in note and "rule report failed" in note
    assert len(stale_files(results)) == len(PUBLISHED)


def test_a_failure_with_nothing_published_leaves_the_folder_alone(tmp_path):
    assert set_aside(tmp_path / "results") == []
    assert not (tmp_path / "results").exists()
    results = make_results(tmp_path / "results", INTERIM)
    assert set_aside(results) == []
    assert not (results / STALE_NOTE).exists() and not (results / STALE_DIR).exists()


def test_a_full_successful_run_clears_every_stale_copy_and_the_note(results):
    set_aside(results, now=WHEN)
    make_results(results, ["report.html", "tables/did.csv"], text="v2")
    removed = clear_stale(results)
    assert sorted(p.as_posix() for p in removed) == sorted(PUBLISHED)
    assert not (results / STALE_DIR).exists() and not (results / STALE_NOTE).exists()
    assert (results / "report.html").read_text() == "v2 report.html"
    assert (results / INTERIM[0]).exists()


def test_a_run_of_one_target_clears_only_what_it_rebuilt(results):
    set_aside(results, now=WHEN)
    make_results(results, ["tables/did.csv"], text="v2")
    removed = clear_stale(results)
    assert [p.as_posix() for p in removed] == ["tables/did.csv"]
    assert (results / STALE_NOTE).exists()
    assert "report.html" in {p.as_posix() for p in stale_files(results)}
    assert (results / "tables/did.csv").read_text() == "v2 tables/did.csv"
    # Once every stale copy has been rebuilt, the folder and the note go.
    make_results(results, [n for n in PUBLISHED if n != "report.html"], text="v2")
    clear_stale(results)
    assert (results / STALE_NOTE).exists()  # the report itself is still only stale
    make_results(results, ["report.html"], text="v2")
    clear_stale(results)
    assert not (results / STALE_DIR).exists() and not (results / STALE_NOTE).exists()


def test_clear_stale_without_a_failure_changes_nothing(results):
    assert clear_stale(results) == []
    assert sorted(p.as_posix() for p in published_outputs(results)) == sorted(PUBLISHED)


def test_messages_name_the_folders(results):
    assert failure_message("results") == (
        "wellby: the run failed; the previous results were moved to results/stale/ and are "
        "not current: fix the error above and run again")
    assert "provenance.json" in parse_error_note(results)
    set_aside(results)
    assert f"{STALE_DIR}/ still holds" in parse_error_note(results)
    assert parse_error_note(results.parent / "nothing") == ""


# The workflow: a failing run sets the previous results aside, a fixed run restores them.
# The helpers of test_workflow.py are imported here, not at the top, so that the unit tests
# above do not depend on what that module imports.


def _workflow_helpers():
    from . import test_workflow

    return test_workflow


@pytest.fixture(scope="module")
def completed_demo(tmp_path_factory):
    helpers = _workflow_helpers()
    workdir = helpers.copy_workflow(tmp_path_factory.mktemp("stale"))
    run = helpers.snakemake(workdir)
    assert run.returncode == 0, run.stderr[-5000:]
    return workdir


def _published(workdir: Path) -> set[str]:
    return {p.as_posix() for p in published_outputs(workdir / RESULTS_DIR)}


@pytest.mark.workflow
def test_a_failed_run_sets_results_aside_until_a_run_succeeds(completed_demo):
    helpers = _workflow_helpers()
    snakemake, job_counts = helpers.snakemake, helpers.job_counts
    workdir = completed_demo
    results = workdir / RESULTS_DIR
    before = _published(workdir)
    assert {"report.html", "tables/did.csv", "tables.xlsx", "provenance.json"} <= before
    panel = results / "interim" / "panel.parquet"
    panel_mtime = panel.stat().st_mtime
    wave = workdir / "resources" / "demo" / "wave_2016.csv"
    original = wave.read_bytes()
    raw = pd.read_csv(wave)
    raw["happy"] = raw["happy"].astype(object)
    raw.loc[41, "happy"] = "very"
    raw.to_csv(wave, index=False)

    # A dry run only plans: nothing is moved.
    plan = snakemake(workdir, "-n")
    assert plan.returncode == 0, plan.stderr[-3000:]
    assert _published(workdir) == before and not (results / STALE_NOTE).exists()

    failed = snakemake(workdir)
    assert failed.returncode != 0
    assert "wellby: rule clean stopped" in failed.stderr
    assert failure_message("results") in failed.stderr
    assert not (results / "report.html").exists()
    assert not (results / "tables" / "did.csv").exists()
    assert _published(workdir) == set()
    assert {p.as_posix() for p in stale_files(results)} == before
    assert "STALE" in (results / STALE_NOTE).read_text()
    # Interim files stay where Snakemake expects them.
    assert panel.stat().st_mtime == panel_mtime

    wave.write_bytes(original)
    fixed = snakemake(workdir)
    assert fixed.returncode == 0, fixed.stderr[-3000:]
    assert failure_message("results") not in fixed.stderr
    assert _published(workdir) == before
    assert (results / "report.html").stat().st_size > 0
    assert not (results / STALE_NOTE).exists() and not (results / STALE_DIR).exists()
    assert job_counts(snakemake(workdir, "-n").stdout) == {}


@pytest.mark.workflow
def test_a_run_stopped_at_config_validation_moves_nothing(completed_demo, tmp_path):
    """The workflow is read before Snakemake knows whether this is a dry run, so a config
    error there runs nothing and moves nothing: the results stay a consistent set."""
    snakemake = _workflow_helpers().snakemake
    results = completed_demo / RESULTS_DIR
    before = {p: (results / p).stat().st_mtime for p in _published(completed_demo)}
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    config["models"]["vcov"] = "robust"
    config_path = tmp_path / "bad.yaml"
    config_path.write_text(yaml.safe_dump(config))
    for extra in (["-n"], []):
        run = snakemake(completed_demo, *extra, "--configfile", str(config_path))
        assert run.returncode != 0 and "models.vcov" in run.stderr
        assert failure_message("results") not in run.stderr
    assert {p: (results / p).stat().st_mtime for p in before} == before
    assert not (results / STALE_NOTE).exists()
