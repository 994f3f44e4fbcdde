"""Gather the data checks of every step into one table."""

from wellby.runner import run_step
from wellby.steps import data_checks_step


def main(smk):
    data_checks_step(list(smk.input), smk.output[0])


run_step(snakemake, main)  # noqa: F821
