"""Generate the embedded demo study's raw wave files and its truth."""

from wellby.config.typed import Demo
from wellby.runner import run_step
from wellby.steps import demo_step


def main(smk):
    demo_step(Demo.coerce(smk.params.settings))


run_step(snakemake, main)  # noqa: F821
