"""Describe outcomes by wave and group, and the reliability of each scale by wave."""

from wellby.config.typed import Study
from wellby.runner import run_step
from wellby.steps import describe_step


def main(smk):
    describe_step(smk.input[0], study=Study.coerce(smk.params.study),
                  outputs={"means": smk.output.means, "reliability": smk.output.reliability},
                  figures=list(smk.output.figures))


run_step(snakemake, main)  # noqa: F821
