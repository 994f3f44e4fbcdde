"""Split one long file into ingested waves: read, keep the study's columns, protect persons."""

from wellby.config.typed import Study
from wellby.runner import run_step
from wellby.steps import ingest_long_file_step


def main(smk):
    ingest_long_file_step(smk.input[0], study=Study.coerce(smk.params.study),
                          folder=smk.output.folder)


run_step(snakemake, main)  # noqa: F821
