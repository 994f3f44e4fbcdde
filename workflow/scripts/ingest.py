"""Ingest one wave: read, rename, drop identifiers."""

from wellby.ingest import ingest_wave
from wellby.reading import read_survey_file
from wellby.runner import run_step


def main(smk):
    wave = smk.params.wave
    frame = read_survey_file(smk.input[0], config_key=f"{wave['config_key']}.path",
                             encoding=wave["encoding"],
                             value_labels=wave["value_labels"])
    result = ingest_wave(
        frame,
        wave=wave["wave"],
        wave_column=smk.params.wave_column,
        rename=wave["rename"],
        identifiers=smk.params.identifiers,
        source=smk.input[0],
        config_key=wave["config_key"],
    )
    result.data.to_parquet(smk.output[0], index=False)


run_step(snakemake, main)  # noqa: F821
