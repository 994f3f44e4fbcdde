"""Gather the per-wave cleaning tables into the study's tables."""

from wellby.runner import run_step
from wellby.steps import cleaning_tables_step


def main(smk):
    cleaning_tables_step(exclusions=list(smk.input.exclusions),
                         corrections=list(smk.input.corrections),
                         summaries=list(smk.input.summaries), outputs=dict(smk.output.items()))


run_step(snakemake, main)  # noqa: F821
