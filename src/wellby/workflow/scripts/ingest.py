"""Ingest one wave: read, keep the study's columns, protect persons."""

from wellby.config.typed import Study
from wellby.runner import run_step
from wellby.steps import ingest_step


def main(smk):
    ingest_step(smk.input[0], options=smk.params.wave, study=Study.coerce(smk.params.study),
                output=smk.output.data, checks_output=smk.output.checks)


run_step(snakemake, main)  # noqa: F821
