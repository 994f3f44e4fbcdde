"""Stack the cleaned waves into the analysis file and check respondent linkage."""

import pandas as pd

from wellby.linkage import linkage_table
from wellby.panel import build_panel
from wellby.runner import run_step


def main(smk):
    waves = [pd.read_parquet(path) for path in smk.input]
    panel = build_panel(waves, smk.params.study)
    linkage = linkage_table(panel, smk.params.study)
    panel.to_parquet(smk.output.panel, index=False)
    linkage.to_csv(smk.output.linkage, index=False)


run_step(snakemake, main)  # noqa: F821
