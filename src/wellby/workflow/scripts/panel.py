"""Stack the cleaned waves into the analysis file and check linkage."""

from wellby.config.typed import Study
from wellby.runner import run_step
from wellby.steps import panel_step


def main(smk):
    panel_step(smk.input.waves, study=Study.coerce(smk.params.study),
               outputs=dict(smk.output.items()))


run_step(snakemake, main)  # noqa: F821
