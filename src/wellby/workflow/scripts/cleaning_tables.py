"""Gather the per-wave cleaning tables into the study's tables."""

from wellby.analysis.tables import concat_csv
from wellby.runner import run_step


def main(smk):
    concat_csv(smk.input.exclusions).to_csv(smk.output.exclusions, index=False)
    concat_csv(smk.input.corrections).to_csv(smk.output.corrections, index=False)
    concat_csv(smk.input.summaries).to_csv(smk.output.summary, index=False)


run_step(snakemake, main)  # noqa: F821
