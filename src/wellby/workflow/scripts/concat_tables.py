"""Stack per-outcome tables into one study table."""

from wellby.runner import run_step
from wellby.steps import gather_step


def main(smk):
    gather_step(list(smk.input), smk.output[0])


run_step(snakemake, main)  # noqa: F821
