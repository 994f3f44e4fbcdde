"""Describe outcomes by wave and group."""

import pandas as pd

from wellby.describe import outcome_means
from wellby.runner import run_step


def main(smk):
    columns = smk.params.columns
    data = pd.read_parquet(smk.input[0])
    table = outcome_means(data, smk.params.outcomes, wave=columns["wave"],
                          min_cell=smk.params.min_cell)
    table.to_csv(smk.output[0], index=False)


run_step(snakemake, main)  # noqa: F821
