"""Clean one wave and write its exclusions, corrections and summary."""

import pandas as pd

from wellby.cleaning import clean_wave
from wellby.runner import run_step


def main(smk):
    wave = smk.params.wave
    result = clean_wave(
        pd.read_parquet(smk.input[0]),
        smk.params.study,
        wave=wave["wave"],
        source=wave["path"],
        config_key=wave["config_key"],
        recode=wave["recode"],
    )
    result.data.to_parquet(smk.output.data, index=False)
    result.exclusions.to_csv(smk.output.exclusions, index=False)
    result.corrections.to_csv(smk.output.corrections, index=False)
    result.summary.to_csv(smk.output.summary, index=False)


run_step(snakemake, main)  # noqa: F821
