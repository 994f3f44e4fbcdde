"""Writing the demo study to disk: its raw wave files, the area file and ``truth.json``.

This module's one concern is turning a simulated demo study into files:
:func:`write_demo_study` simulates the study and writes each wave's raw frame in its
layout's format (CSV, SPSS ``.sav`` or Stata ``.dta``, with variable and value labels in the
labelled formats), the area file (``areas.csv``: a title line, then the header and one row
per area) and the truth as JSON. The files are byte-for-byte reproducible for a
given seed and size: the Stata time stamp and the SPSS creation date are fixed.
"""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path

import pandas as pd

from wellby.demo.areas import demo_area_spec
from wellby.demo.layouts import labels_for, wave_layout
from wellby.demo.simulate import simulate_demo_study

__all__ = ["write_demo_study"]

_STATA_TIME_STAMP = _dt.datetime(2021, 1, 1)
_SAV_DATE = b"01 Jan 21"
_SAV_TIME = b"00:00:00"


def _fix_sav_timestamp(path: Path) -> None:
    """Overwrite the creation date and time in a .sav header so the bytes are reproducible."""
    with path.open("r+b") as handle:
        head = handle.read(109)
        if head[:4] not in (b"$FL2", b"$FL3") or len(head) < 109:
            return
        handle.seek(92)
        handle.write(_SAV_DATE + _SAV_TIME)


def _write_wave(frame: pd.DataFrame, path: Path, layout: dict, wave: int) -> None:
    """Write one raw wave frame in its layout's format."""
    import pyreadstat

    labels, value_labels = labels_for(layout)
    fmt = layout["format"]
    if fmt == "csv":
        frame.to_csv(path, index=False, lineterminator="\n")
    elif fmt == "sav":
        out = frame.copy()
        for column in out.columns:
            if isinstance(out[column].dtype, pd.Int64Dtype):
                out[column] = out[column].astype("float64")
        pyreadstat.write_sav(
            out,
            path,
            file_label=f"Residents survey {wave} (demo)",
            row_compress=True,
            column_labels={c: labels.get(c) for c in out.columns},
            variable_value_labels={k: v for k, v in value_labels.items() if k in out.columns},
        )
        _fix_sav_timestamp(path)
    elif fmt == "dta":
        frame.to_stata(
            path,
            write_index=False,
            version=118,
            time_stamp=_STATA_TIME_STAMP,
            data_label=f"Residents survey {wave} (demo)",
            variable_labels={c: labels[c][:80] for c in frame.columns if c in labels},
            value_labels={k: v for k, v in value_labels.items() if k in frame.columns},
        )
    else:  # pragma: no cover - layouts only use the formats above
        raise ValueError(f"unknown format {fmt!r}")


def _write_area_file(frame: pd.DataFrame, path: Path) -> None:
    """Write the area file: its title line, then the table (empty cells for no start year)."""
    spec = demo_area_spec()
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(spec["title"] + "\n")
        frame.to_csv(handle, index=False, lineterminator="\n")


def write_demo_study(out_dir, seed: int = 2010, **size) -> dict:
    """Simulate the demo study and write its raw wave files, area file and ``truth.json``.

    Parameters
    ----------
    out_dir : str or path-like
        Directory to write into (created if needed).
    seed : int, default 2010
        Seed passed to :func:`simulate_demo_study`.
    **size
        Other arguments of :func:`simulate_demo_study` (``n_programme_areas``,
        ``n_comparison_areas``, ``residents_per_area``, ``waves``, ``members_per_area``).

    Returns
    -------
    dict
        Path of each wave's file keyed by wave (int), of the area file under ``"areas"``
        (``areas.csv``, see :func:`wellby.demo.areas.demo_area_spec`) and of the truth
        under ``"truth"``.

    Notes
    -----
    Files are byte-for-byte reproducible for a given seed and size: the Stata time stamp
    and the SPSS creation date are fixed.

    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    study = simulate_demo_study(seed=seed, **size)
    paths: dict = {}
    for index, entry in enumerate(study.spec):
        wave = entry["wave"]
        path = out_dir / entry["filename"]
        _write_wave(study.raw[wave], path, wave_layout(index), wave)
        paths[wave] = path
    areas_path = out_dir / demo_area_spec()["filename"]
    _write_area_file(study.area_file, areas_path)
    paths["areas"] = areas_path
    truth_path = out_dir / "truth.json"
    truth_path.write_text(json.dumps(study.truth, indent=2) + "\n")
    paths["truth"] = truth_path
    return paths
