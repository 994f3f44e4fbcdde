"""Estimate whether the programme widened or narrowed each configured gap between levels."""

from wellby.config.typed import Study
from wellby.runner import run_step
from wellby.steps import gaps_step


def main(smk):
    gaps_step(smk.input.panel, study=Study.coerce(smk.params.study), output=smk.output[0],
              weights=smk.input.get("weights"))


run_step(snakemake, main)  # noqa: F821
