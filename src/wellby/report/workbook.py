"""The evaluator's outputs: the workbook of all tables and the provenance record."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
import subprocess
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from wellby.config.typed import Section, Study

KEY_PACKAGES = ["wellby", "pandas", "numpy", "statsmodels", "pingouin",
                "snakemake", "pyarrow", "pyreadstat", "matplotlib", "openpyxl"]


def write_workbook(tables: Mapping[str, pd.DataFrame], path: str | Path,
                   notes: Iterable[str] = ()) -> None:
    """Write every table to one sheet of an xlsx workbook, with a bold, frozen header row.

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame
        Sheet name -> table (names are cut to Excel's 31 characters). For publication,
        pass the views of :func:`wellby.report.disclosure.published_tables`.
    path : str or Path
        The workbook to write.
    notes : iterable of str, optional
        Lines for a last sheet named ``notes`` (e.g. what the disclosure markers mean);
        no such sheet without them.
    """
    from openpyxl.styles import Font

    notes = list(notes)
    if notes:
        tables = {**tables, "notes": pd.DataFrame({"note": notes})}
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, table in tables.items():
            sheet_name = name[:31]
            table.to_excel(writer, sheet_name=sheet_name, index=False)
            sheet = writer.sheets[sheet_name]
            sheet.freeze_panes = "A2"
            for cell in sheet[1]:
                cell.font = Font(bold=True)
            for column_cells in sheet.columns:
                width = max(len(str(c.value)) if c.value is not None else 0
                            for c in column_cells[:200])
                sheet.column_dimensions[column_cells[0].column_letter].width = min(
                    max(width + 2, 10), 60)
            for row in sheet.iter_rows(min_row=2):
                for cell in row:
                    if isinstance(cell.value, float):
                        cell.number_format = "0.0000"


def file_sha256(path: str | Path) -> str:
    """Return the SHA-256 hex digest of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def config_sha256(config: Study | Mapping[str, Any]) -> str:
    """Return the SHA-256 of the config in canonical JSON (sorted keys).

    A typed study is hashed as the plain data it holds (:meth:`Section.as_dict`), so the
    typed study and the validated mapping it was built from have the same hash.
    """
    plain = config.as_dict() if isinstance(config, Section) else config
    canonical = json.dumps(plain, sort_keys=True, default=str).encode()
    return hashlib.sha256(canonical).hexdigest()


def git_commit(directory: str | Path = ".") -> str | None:
    """Return the git commit of the working directory, with ``-dirty`` if it has changes."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=directory, capture_output=True,
                                text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=directory, capture_output=True, text=True,
                               check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return commit + ("-dirty" if dirty else "")


def package_versions(names: Iterable[str] = KEY_PACKAGES) -> dict[str, str | None]:
    """Return installed versions of the named packages (None when not installed)."""
    versions: dict[str, str | None] = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def build_provenance(config: Study | Mapping[str, Any], sources: Iterable[str | Path]) -> dict:
    """Describe how the results were made: code, config, inputs, software, time.

    Parameters
    ----------
    config : Study or mapping
        The study config, typed or as :func:`wellby.config.validate_config` returns it.
    sources : iterable of paths
        The raw input files.

    Returns
    -------
    dict
        JSON-serialisable provenance record.
    """
    return {
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        "config_sha256": config_sha256(config),
        "inputs": [{"path": str(p), "sha256": file_sha256(p)} for p in sources],
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": package_versions(),
    }
