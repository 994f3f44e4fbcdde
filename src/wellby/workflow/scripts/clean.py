"""Clean one wave and write its exclusions, corrections, summary and data checks."""

from wellby.config.typed import Study
from wellby.runner import run_step
from wellby.steps import clean_step


def main(smk):
    clean_step(smk.input[0], options=smk.params.wave, study=Study.coerce(smk.params.study),
               outputs=dict(smk.output.items()))


run_step(snakemake, main)  # noqa: F821
