"""Estimate the programme's effect by subgroup for one outcome, and its forest plot."""

from wellby.runner import run_step
from wellby.steps import subgroups_step


def main(smk):
    subgroups_step(smk.input.panel, smk.input.did, outcome=smk.wildcards.outcome,
                   columns=smk.params.columns, design=smk.params.design,
                   models=smk.params.models, subgroups=smk.params.subgroups,
                   min_cell=smk.params.min_cell, outputs=dict(smk.output.items()))


run_step(snakemake, main)  # noqa: F821
