"""A study that only follows a member cohort runs without programme timing.

Big Local's partnership members were surveyed in 2016, 2018 and 2020; an evaluation of the
members alone has no comparison areas and no programme start dates. This study gives no
cohort column at all and runs only ``mixed_cohort``.
"""

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from wellby.config import load_yaml
from wellby.demo import write_demo_study

from .conftest import ROOT
from .test_workflow import copy_workflow, snakemake

pytestmark = pytest.mark.workflow


def test_member_cohort_only_study_runs_end_to_end(tmp_path):
    workdir = copy_workflow(tmp_path / "members")
    data_dir = workdir / "data"
    write_demo_study(data_dir, seed=21, n_programme_areas=20, n_comparison_areas=2,
                             residents_per_area=6, members_per_area=6)
    config = load_yaml(ROOT / "config" / "config.yaml")
    for key in ("demo", "cba", "comparison"):
        del config[key]
    del config["data"]["areas"]  # no programme timing at all
    for wave in config["data"]["waves"]:
        wave["path"] = str(data_dir / Path(wave["path"]).name)
        source = {v: k for k, v in wave["rename"].items()}["cohort"]
        # No programme timing in any wave: the column is read under a name nothing uses.
        wave["rename"][source] = "programme_start_unused"
    config["models"]["estimators"] = ["mixed_cohort"]
    config["outcomes"] = ["swemwbs_metric"]
    config["data"]["pseudonym_key"] = str(tmp_path / "key")
    (workdir / "study.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    run = snakemake(workdir, "--configfile", "study.yaml")
    assert run.returncode == 0, run.stderr[-4000:]
    did = pd.read_csv(workdir / "results" / "tables" / "did.csv")
    assert set(did["estimator"]) == {"mixed_cohort"}
    rows = did.set_index("term")
    truth = json.loads((data_dir / "truth.json").read_text())
    expected = truth["members"]["swemwbs_metric"]["change"]["2018"]
    assert rows.loc["change_2018_vs_2016", "ci_low"] <= expected <= rows.loc[
        "change_2018_vs_2016", "ci_high"]
    subgroups = pd.read_csv(workdir / "results" / "tables" / "subgroups.csv")
    # no DiD without programme timing: only the cohort's own subgroup models
    assert set(subgroups["estimator"]) == {"mixed_cohort", "mixed_cohort_interaction"}
    assert (workdir / "results" / "report.html").is_file()
    shutil.rmtree(workdir / "results" / "interim")
