"""Estimate the programme's effect within subgroups for one outcome."""

import pandas as pd

from wellby.runner import run_step
from wellby.subgroups import estimate_subgroups


def main(smk):
    data = pd.read_parquet(smk.input[0])
    table = estimate_subgroups(data, smk.wildcards.outcome, subgroups=smk.params.subgroups,
                               columns=smk.params.columns, design=smk.params.design,
                               models=smk.params.models, min_cell=smk.params.min_cell)
    table.to_csv(smk.output[0], index=False)


run_step(snakemake, main)  # noqa: F821
