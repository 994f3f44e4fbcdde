"""Generate the embedded demo study's raw wave files and its truth."""

from pathlib import Path

from wellby.demo import write_demo_study
from wellby.runner import run_step


def main(smk):
    settings = dict(smk.params.settings)
    out_dir = Path(settings.pop("out_dir"))
    write_demo_study(out_dir, **settings)


run_step(snakemake, main)  # noqa: F821
