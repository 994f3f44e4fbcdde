"""Write each outcome's minimum detectable effect and the valued outcome's planning."""

from wellby.config.typed import Study
from wellby.runner import run_step
from wellby.steps import power_step


def main(smk):
    power_step(smk.input.panel, study=Study.coerce(smk.params.study),
               outputs=dict(smk.output.items()), weights=smk.input.get("weights"))


run_step(snakemake, main)  # noqa: F821
