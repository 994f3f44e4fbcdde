"""Value the effect on life satisfaction in WELLBYs."""

import pandas as pd

from wellby.runner import run_step
from wellby.valuation import cba_from_did


def main(smk):
    table = cba_from_did(pd.read_csv(smk.input[0]), smk.params.cba)
    table.to_csv(smk.output[0], index=False)


run_step(snakemake, main)  # noqa: F821
