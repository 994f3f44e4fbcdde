"""Estimate the programme's effect on one outcome with every configured estimator."""

from wellby.runner import run_step
from wellby.steps import estimate_step


def main(smk):
    estimate_step(smk.input[0], outcome=smk.wildcards.outcome, columns=smk.params.columns,
                  design=smk.params.design, models=smk.params.models,
                  scales=smk.params.scales, outputs=dict(smk.output.items()))


run_step(snakemake, main)  # noqa: F821
