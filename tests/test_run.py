"""``wellby run``: the whole study through Snakemake's API, in a folder of its own.

The last test builds the wheel, installs it (not editable) in a fresh virtual environment
and runs the command from a directory outside the clone, as an evaluator would.
"""

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pandas as pd
import pytest
import yaml

from wellby.cli import main
from wellby.demo import write_demo_study
from wellby.run import SNAKEFILE, with_absolute_paths

from .conftest import ROOT, copy_demo_study

pytestmark = pytest.mark.workflow


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory):
    out = tmp_path_factory.mktemp("small_demo")
    write_demo_study(out, seed=11, n_programme_areas=8, n_comparison_areas=8,
                     residents_per_area=10)
    return out


def small_study(demo_files: Path, folder: Path) -> Path:
    """A user's study file in ``folder`` with paths relative to it (the demo without CBA)."""
    config, data_dir = copy_demo_study(demo_files, folder)
    for entry in [*config["data"]["waves"], config["data"]["areas"]]:
        entry["path"] = str(Path(entry["path"]).relative_to(folder))
    config["data"]["pseudonym_key"] = "keys/pseudonym.key"
    config.pop("cba", None)
    path = folder / "small.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def test_paths_are_made_absolute_against_the_working_directory(tmp_path):
    config = {"data": {"waves": [{"wave": 1, "path": "w1.csv"}, {"wave": 2, "path": "/abs.csv"}],
                       "areas": {"path": "areas.csv"}}}
    study = with_absolute_paths(config, tmp_path)
    assert [w["path"] for w in study["data"]["waves"]] == [str(tmp_path / "w1.csv"), "/abs.csv"]
    assert study["data"]["areas"]["path"] == str(tmp_path / "areas.csv")
    assert study["data"]["pseudonym_key"] == str(tmp_path / ".wellby" / "pseudonym.key")
    assert config["data"]["waves"][0]["path"] == "w1.csv"  # the given config is untouched
    demo = {"demo": {}, "data": {"waves": [{"wave": 1, "path": "resources/demo/w.csv"}]}}
    assert with_absolute_paths(demo, tmp_path) == demo  # the workflow writes those itself


def wellby(folder: Path, *args: str) -> subprocess.CompletedProcess:
    """Run the ``wellby`` command of the test environment in ``folder``."""
    command = Path(sys.executable).parent / "wellby"
    return subprocess.run([str(command), *args], cwd=folder, capture_output=True, text=True,
                          timeout=900)


def test_two_studies_run_into_folders_of_their_own(demo_files, tmp_path):
    study = small_study(demo_files, tmp_path)
    done = wellby(tmp_path, "run", study.name, "--cores", "2")
    assert done.returncode == 0, done.stderr[-3000:]
    results = tmp_path / "small-wellby" / "results"
    # It ends with the run's summary, the report named in full.
    assert "wellby: finished. Headline effects" in done.stdout
    assert done.stdout.rstrip().splitlines()[-1].startswith(
        f"Report: {(results / 'report.html').resolve().as_posix()}")
    did = pd.read_csv(results / "tables" / "did.csv")
    assert {"twfe", "callaway_santanna"} <= set(did["estimator"])
    assert (results / "report.html").is_file()
    assert not (tmp_path / "results").exists()  # nothing in the working directory's results/
    assert (tmp_path / "keys" / "pseudonym.key").is_file()  # the key where the study says
    # A second study (another outcome) gets its own folder; the first one's is untouched.
    config = yaml.safe_load(study.read_text())
    config["outcomes"] = ["life_satisfaction"]
    config["comparison"]["baseline_outcomes"] = ["life_satisfaction"]
    other = tmp_path / "other.yaml"
    other.write_text(yaml.safe_dump(config, sort_keys=False))
    before = (results / "tables" / "did.csv").stat().st_mtime
    done = wellby(tmp_path, "run", "other.yaml", "--cores", "2", "--out", "elsewhere")
    assert done.returncode == 0, done.stderr[-3000:]
    assert set(pd.read_csv(tmp_path / "elsewhere" / "results" / "tables" / "did.csv")
               ["outcome"]) == {"life_satisfaction"}
    assert (results / "tables" / "did.csv").stat().st_mtime == before


def test_an_invalid_study_stops_before_anything_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump({
        "data": {"waves": [{"wave": 2016, "path": "missing.csv"}]},
        "columns": {"wave": "wave", "area": "area_id", "cohort": "cohort"},
        "design": "repeated_cross_section", "outcomes": ["life_satisfaction"]}))
    assert main(["run", "bad.yaml"]) == 1
    message = capsys.readouterr().err
    assert "data.waves[0].path" in message and "missing.csv" in message
    assert not (tmp_path / "bad-wellby").exists()


def _site_packages(python: Path) -> Path:
    out = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                          "['purelib'])"], capture_output=True, text=True, check=True)
    return Path(out.stdout.strip())


def test_the_installed_wheel_runs_a_study_outside_the_clone(demo_files, tmp_path):
    """Build the wheel, install it in a fresh environment (its dependencies taken from the
    test environment, so no download), and, far from the clone, write a starter config
    from the wave files, check it and run it."""
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-w", str(dist), str(ROOT)], check=True, capture_output=True)
    wheel = next(dist.glob("wellby-*.whl"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    # The dependencies: the test environment's site-packages, after the new environment's
    # own (so the installed wheel, not the clone's editable source, is imported).
    deps = Path(sysconfig.get_paths()["purelib"])
    (_site_packages(python) / "test_env_deps.pth").write_text(f"{deps}\n")
    subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "--no-index",
                    str(wheel)], check=True, capture_output=True)
    elsewhere = tmp_path / "evaluator"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PATH"] = f"{venv / 'bin'}:{env['PATH']}"
    where = subprocess.run([str(python), "-c", "import wellby.run as r; print(r.SNAKEFILE)"],
                           cwd=elsewhere, env=env, capture_output=True, text=True, check=True)
    installed = Path(where.stdout.strip())
    assert installed.is_file() and venv in installed.parents, installed
    assert installed != SNAKEFILE
    small_study(demo_files, elsewhere)  # the wave files, in elsewhere/data
    files = sorted(str(path.relative_to(elsewhere)) for path in (elsewhere / "data").iterdir()
                   if path.name.startswith("wave_"))
    wellby = str(venv / "bin" / "wellby")
    for command in (["--version"], ["init", *files, "-o", "started.yaml"],
                    ["check", "started.yaml"], ["run", "started.yaml", "--cores", "2"]):
        done = subprocess.run([wellby, *command], cwd=elsewhere, env=env, capture_output=True,
                              text=True, timeout=900)
        assert done.returncode == 0, (command, done.stderr[-3000:])
    did = pd.read_csv(elsewhere / "started-wellby" / "results" / "tables" / "did.csv")
    assert {"life_satisfaction", "swemwbs_metric"} <= set(did["outcome"])
    assert (elsewhere / "started-wellby" / "results" / "report.html").is_file()


def test_wellby_run_schedules_and_checksums_as_the_clones_profile():
    """`wellby run` passes Snakemake's API what the clone's profile gives `snakemake`."""
    from wellby.run import MAX_CHECKSUM_FILE_SIZE, SCHEDULER

    profile = yaml.safe_load((ROOT / "profiles" / "default" / "config.yaml").read_text())
    assert profile["max-checksum-file-size"] == MAX_CHECKSUM_FILE_SIZE
    assert profile["scheduler"] == SCHEDULER == "greedy"
