"""Match or reweight the comparison areas; write the weights, balance table and love plot."""

from wellby.config.typed import Study
from wellby.runner import run_step
from wellby.steps import compare_step


def main(smk):
    compare_step(smk.input.panel, study=Study.coerce(smk.params.study),
                 outputs=dict(smk.output.items()))


run_step(snakemake, main)  # noqa: F821
