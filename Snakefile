# wellby: a community programme's resident survey waves -> a reviewed value-for-money case.
# Only the configfile, the rule modules and the target. A study given with --configfile
# replaces the demo config instead of being merged over it.

if not workflow.overwrite_configfiles:

    configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/demo.smk"
include: "workflow/rules/ingest.smk"
include: "workflow/rules/clean.smk"
include: "workflow/rules/panel.smk"
include: "workflow/rules/describe.smk"
include: "workflow/rules/estimate.smk"
include: "workflow/rules/subgroups.smk"
include: "workflow/rules/value.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/lifecycle.smk"


rule all:
    input:
        all_targets(),
    default_target: True
