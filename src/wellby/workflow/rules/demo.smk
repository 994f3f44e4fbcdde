# The embedded demo study: generated deterministically by the library when the config has a
# `demo:` section. A study of real data has no such section, so this rule does not exist there.

if "demo" in config:
    DEMO_DIR = config["demo"]["out_dir"]

    rule demo_data:
        output:
            waves=[f"{DEMO_DIR}/{spec['filename']}" for spec in demo_wave_spec()],
            areas=f"{DEMO_DIR}/{demo_area_spec()['filename']}",
            truth=f"{DEMO_DIR}/truth.json",
        params:
            settings=config["demo"],
        log:
            "results/logs/demo_data.log",
        conda:
            "../envs/wellby.yaml"
        script:
            "../scripts/demo_data.py"
