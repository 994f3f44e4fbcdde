"""Value the effect on life satisfaction in WELLBYs, with its uncertainty and who gains."""

from wellby.config.typed import Study
from wellby.runner import run_step
from wellby.steps import value_step


def main(smk):
    value_step(dict(smk.input.items()), study=Study.coerce(smk.params.study),
               outputs=dict(smk.output.items()))


run_step(snakemake, main)  # noqa: F821
