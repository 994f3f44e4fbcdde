"""Stack the cleaned waves into the analysis file."""

import pandas as pd

from wellby.panel import build_panel
from wellby.runner import run_step


def main(smk):
    waves = [pd.read_parquet(path) for path in smk.input]
    build_panel(waves, smk.params.study).to_parquet(smk.output[0], index=False)


run_step(snakemake, main)  # noqa: F821
