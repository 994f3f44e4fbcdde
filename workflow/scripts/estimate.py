"""Estimate the programme's effect on one outcome."""

import pandas as pd

from wellby.did import estimate_did
from wellby.runner import run_step


def main(smk):
    data = pd.read_parquet(smk.input[0])
    table = estimate_did(data, smk.wildcards.outcome, columns=smk.params.columns,
                         design=smk.params.design, models=smk.params.models)
    table.to_csv(smk.output[0], index=False)


run_step(snakemake, main)  # noqa: F821
