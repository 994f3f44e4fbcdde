"""Write each outcome's minimum detectable effect and the valued outcome's planning."""

from wellby.config.typed import Study
from wellby.runner import run_step
from wellby.steps import power_step


def main(smk):
    power_step(smk.input[0], study=Study.coerce(smk.params.study),
               outputs=dict(smk.output.items()))


run_step(snakemake, main)  # noqa: F821
