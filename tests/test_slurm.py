"""The workflow on a cluster through Snakemake's SLURM executor (profiles/slurm).

The profile is always dry-run (resources per rule reach the jobs). The real run needs a
SLURM cluster: .ci/run starts a one-node cluster from Debian's slurm-wlm packages
(.ci/start-slurm); on a machine without one the real run is skipped.
"""

import shutil
import subprocess
import sys

import pandas as pd
import pytest
import yaml

from .conftest import ROOT

pytestmark = pytest.mark.workflow


def copy_workflow(dest):
    dest.mkdir(parents=True)
    shutil.copy(ROOT / "Snakefile", dest / "Snakefile")
    for folder in ("config", "profiles"):
        shutil.copytree(ROOT / folder, dest / folder)
    return dest


def cluster_is_up() -> bool:
    if shutil.which("sinfo") is None:
        return False
    answer = subprocess.run(["sinfo", "--noheader"], capture_output=True, text=True)
    return answer.returncode == 0 and "idle" in answer.stdout


def test_slurm_profile_dry_run_gives_each_rule_its_resources(tmp_path):
    workdir = copy_workflow(tmp_path / "dry")
    run = subprocess.run([sys.executable, "-m", "snakemake", "-n", "--profile", "profiles/slurm"],
                         cwd=workdir, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    plan = run.stdout + run.stderr
    estimate = plan.split("rule estimate:", 1)[1].split("\n\n", 1)[0]
    assert "mem_mb=16000" in estimate and "runtime=60" in estimate


@pytest.mark.skipif(not cluster_is_up(), reason="no SLURM cluster here (.ci/start-slurm)")
def test_demo_runs_through_the_slurm_executor(tmp_path):
    workdir = copy_workflow(tmp_path / "cluster")
    # Two outcomes and no matching: fewer jobs, each with the scheduler's overhead.
    config_path = workdir / "config" / "config.yaml"
    config = yaml.safe_load(config_path.read_text())
    config["outcomes"] = ["life_satisfaction", "swemwbs_metric"]
    config["comparison"] = {"method": "none"}
    config_path.write_text(yaml.safe_dump(config, sort_keys=False))
    run = subprocess.run(
        [sys.executable, "-m", "snakemake", "results/tables/did.csv", "--profile",
         "profiles/slurm", "--slurm-status-command", "squeue", "--slurm-no-account",
         "--slurm-init-seconds-before-status-checks", "1", "--slurm-keep-successful-logs"],
        cwd=workdir, capture_output=True, text=True, timeout=1200)
    assert run.returncode == 0, (run.stdout + run.stderr)[-4000:]
    did = pd.read_csv(workdir / "results" / "tables" / "did.csv")
    assert {"life_satisfaction", "swemwbs_metric"} <= set(did["outcome"])
    # Every step ran as a SLURM job, with its own log.
    assert "has been submitted with SLURM jobid" in run.stdout + run.stderr
    logs = workdir / ".snakemake" / "slurm_logs"
    rules = {folder.name for folder in logs.iterdir() if any(folder.rglob("*.log"))}
    assert {"rule_demo_data", "rule_ingest", "rule_clean", "rule_panel",
            "rule_estimate"} <= rules
