"""Estimate the programme's effect by subgroup for one outcome, and its forest plot."""

from wellby.config.typed import Study
from wellby.runner import run_step
from wellby.steps import subgroups_step


def main(smk):
    subgroups_step(smk.input.panel, smk.input.did, outcome=smk.wildcards.outcome,
                   study=Study.coerce(smk.params.study), outputs=dict(smk.output.items()),
                   weights=smk.input.get("weights"))


run_step(snakemake, main)  # noqa: F821
