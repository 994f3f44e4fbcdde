# wellby: a community programme's resident survey waves -> a reviewed value-for-money case.
# The workflow ships inside the wellby package (src/wellby/workflow), so its rules always
# match the installed library and `wellby run` uses the same one; this file only points
# `snakemake`, run in this folder, at it (as the main Snakefile: its `rule all` is the
# default target, which a plain `include:` would not keep).

from wellby.run import SNAKEFILE

workflow.include(str(SNAKEFILE), overwrite_default_target=True)
