"""Estimate the programme's effect on one outcome with every configured estimator."""

from wellby.config.typed import Study
from wellby.runner import run_step
from wellby.steps import estimate_step


def main(smk):
    estimate_step(smk.input.panel, outcome=smk.wildcards.outcome,
                  study=Study.coerce(smk.params.study), outputs=dict(smk.output.items()),
                  weights=smk.input.get("weights"))


run_step(snakemake, main)  # noqa: F821
