"""Value the effect on life satisfaction in WELLBYs, with its uncertainty and who gains."""

from wellby.runner import run_step
from wellby.steps import value_step


def main(smk):
    value_step(dict(smk.input.items()), cba=smk.params.cba, columns=smk.params.columns,
               design=smk.params.design, subgroups=smk.params.subgroups,
               min_cell=smk.params.min_cell, alpha=smk.params.alpha,
               outputs=dict(smk.output.items()))


run_step(snakemake, main)  # noqa: F821
