"""The evaluator's outputs: the workbook of all tables, the HTML report and provenance."""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import platform
import subprocess
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

KEY_PACKAGES = ["wellby", "pandas", "numpy", "statsmodels", "linearmodels", "pingouin",
                "snakemake", "pyarrow", "pyreadstat", "matplotlib", "openpyxl"]


def write_workbook(tables: Mapping[str, pd.DataFrame], path: str | Path) -> None:
    """Write every table to one sheet of an xlsx workbook, with a bold, frozen header row.

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame
        Sheet name -> table (names are cut to Excel's 31 characters).
    path : str or Path
        The workbook to write.
    """
    from openpyxl.styles import Font

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


def config_sha256(config: Mapping[str, Any]) -> str:
    """Return the SHA-256 of the config in canonical JSON (sorted keys)."""
    canonical = json.dumps(config, sort_keys=True, default=str).encode()
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


def build_provenance(config: Mapping[str, Any], sources: Iterable[str | Path]) -> dict:
    """Describe how the results were made: code, config, inputs, software, time.

    Parameters
    ----------
    config : mapping
        The validated study config.
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


def _table_html(table: pd.DataFrame, max_rows: int = 50) -> str:
    shown = table.head(max_rows)
    body = shown.to_html(index=False, float_format=lambda v: f"{v:,.4f}", na_rep="—",
                         border=0, classes="table")
    if len(table) > max_rows:
        body += (f"<p class='note'>First {max_rows} of {len(table):,} rows; the full table is "
                 "in tables.xlsx.</p>")
    return body


SECTION_TITLES = {
    "cleaning_summary": "Cleaning: rows read, excluded and kept per wave",
    "exclusions": "Cleaning: excluded rows and why",
    "corrections": "Cleaning: item values set to missing",
    "linkage": "Cleaning: respondents whose answers do not link across waves",
    "descriptives": "Outcomes by wave, programme and comparison areas",
    "reliability": "Scale reliability (Cronbach's alpha) by wave",
    "did": "The programme's effect (difference-in-differences)",
    "event_study": "Effects by time since the programme started",
    "group_time": "Callaway-Sant'Anna group-time effects",
    "subgroups": "Who gained",
    "cba": "Value for money (WELLBY cost-benefit, Green Book)",
}


def render_html(tables: Mapping[str, pd.DataFrame], config: Mapping[str, Any],
                provenance: Mapping[str, Any], *, min_cell: int) -> str:
    """Render the self-contained HTML report (no external resources).

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame
        The study's tables by name.
    config : mapping
        The validated study config.
    provenance : mapping
        From :func:`build_provenance`.
    min_cell : int
        The minimum published cell size, stated in the report.

    Returns
    -------
    str
        The HTML page.
    """
    waves = [w["wave"] for w in config["data"].get("waves", [])]
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<title>wellby evaluation report</title><style>",
        "body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;"
        "padding:0 1em;color:#222}table{border-collapse:collapse;font-size:0.85em}"
        "td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:right}"
        "th{background:#f3f3f3}.note{color:#666;font-size:0.85em}",
        "</style></head><body>",
        "<h1>Programme evaluation: wellbeing effects and value for money</h1>",
        f"<p>Design: {html.escape(config['design'].replace('_', ' '))}; waves "
        f"{html.escape(', '.join(map(str, waves)))}; outcomes "
        f"{html.escape(', '.join(config['outcomes']))}. Counts below {min_cell} are "
        "suppressed.</p>",
    ]
    for name, table in tables.items():
        title = SECTION_TITLES.get(name, name)
        parts.append(f"<h2>{html.escape(title)}</h2>")
        parts.append(f"<p class='note'>Table: tables/{html.escape(name)}.csv "
                     f"(sheet '{html.escape(name[:31])}' of tables.xlsx)</p>")
        parts.append(_table_html(table))
    parts.append("<h2>Provenance</h2><pre>" +
                 html.escape(json.dumps(provenance, indent=2)) + "</pre>")
    parts.append("</body></html>")
    return "\n".join(parts)
