"""Stack per-outcome tables into one study table."""

from wellby.runner import run_step
from wellby.tables import concat_csv


def main(smk):
    concat_csv(smk.input).to_csv(smk.output[0], index=False)


run_step(snakemake, main)  # noqa: F821
