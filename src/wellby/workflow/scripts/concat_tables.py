"""Stack per-outcome tables into one study table."""

from wellby.analysis.tables import concat_csv
from wellby.runner import run_step


def main(smk):
    concat_csv(smk.input).to_csv(smk.output[0], index=False)


run_step(snakemake, main)  # noqa: F821
