"""A printable report: the print stylesheet, and a PDF printed by headless Chromium.

:data:`PRINT_CSS` is added to the report's own stylesheet (:mod:`wellby.report.html`):
printed, the report has no navigation, each section starts a page, tables and figures are
kept whole where they fit on a page, and wide tables and figures fit the page's width.

:func:`write_pdf` prints the report to PDF with Chromium in headless mode, where it is
installed (Debian's ``chromium`` package; it is not a dependency of wellby). Where it is
not, it says so in one line and returns False: the HTML report is the result, the PDF a
convenience. The workflow calls it when a run succeeds (``workflow/rules/lifecycle.smk``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TextIO

PRINT_CSS = """
@media print{
@page{size:A4;margin:14mm 12mm}
body{max-width:none;margin:0;padding:0;font-size:10pt;line-height:1.35}
nav{display:none}
h2{break-before:page;page-break-before:always;margin-top:0}
h2,h3{break-after:avoid;page-break-after:avoid}
table,figure,.key{break-inside:avoid;page-break-inside:avoid}
tr,img{break-inside:avoid;page-break-inside:avoid}
thead{display:table-header-group}
.wide{overflow:visible}
table{font-size:.8em}
figure,figure img,img{max-width:100%;height:auto}
a{color:inherit;text-decoration:none}
}
"""
"""CSS for printing (an ``@media print`` block), added to the report's stylesheet."""

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
"""Executable names tried on the ``PATH``, in this order."""

CHROMIUM_PATHS = ("/usr/bin/chromium",)
"""Places tried when none of :data:`CHROMIUM_NAMES` is on the ``PATH``."""

TIMEOUT_SECONDS = 120
"""How long Chromium may take to print the report."""


def find_chromium() -> str | None:
    """Return the path of a Chromium (or Chrome) executable, or None.

    Returns
    -------
    str or None
        The first of :data:`CHROMIUM_NAMES` found on the ``PATH``, else the first of
        :data:`CHROMIUM_PATHS` that exists and is executable, else None.
    """
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    for path in CHROMIUM_PATHS:
        if os.access(path, os.X_OK):
            return path
    return None


def write_pdf(html_path: str | Path, pdf_path: str | Path, *, chromium: str | None = None,
              stream: TextIO | None = None) -> bool:
    """Print an HTML report to PDF with headless Chromium.

    The PDF is written to a temporary file beside `pdf_path` and moved into place only
    when Chromium has written a PDF, so a failed print never leaves a partial file. When
    the PDF cannot be made, an older `pdf_path` is deleted (it would not match the report).

    Parameters
    ----------
    html_path : str or Path
        The report (self-contained: its images are data URIs).
    pdf_path : str or Path
        Where to write the PDF.
    chromium : str, optional
        The Chromium executable; found with :func:`find_chromium` when not given.
    stream : file-like, optional
        Where the one-line message goes when no PDF is made; standard error by default.

    Returns
    -------
    bool
        True when the PDF was written; False (after a one-line message starting
        ``wellby:``) when Chromium is not installed or failed.
    """
    stream = stream or sys.stderr
    html_path = Path(html_path).resolve()
    pdf_path = Path(pdf_path)
    executable = chromium or find_chromium()
    if executable is None:
        print("wellby: no PDF of the report: Chromium is not installed "
              "(apt-get install chromium)", file=stream)
        pdf_path.unlink(missing_ok=True)
        return False
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".pdf-", dir=pdf_path.parent) as scratch:
        target = Path(scratch) / pdf_path.name
        command = [
            executable, "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-dev-shm-usage", "--no-first-run", "--disable-extensions",
            "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-pdf-header-footer",
            f"--user-data-dir={Path(scratch) / 'profile'}",
            f"--print-to-pdf={target}", html_path.as_uri(),
        ]
        try:
            done = subprocess.run(command, capture_output=True, text=True,
                                  timeout=TIMEOUT_SECONDS, check=False)
            problem = (None if done.returncode == 0 else
                       f"Chromium exited with status {done.returncode}")
        except (OSError, subprocess.TimeoutExpired) as err:
            problem = f"Chromium did not run ({err})"
        if problem is None and not (target.is_file() and target.read_bytes()[:4] == b"%PDF"):
            problem = "Chromium wrote no PDF"
        if problem is not None:
            print(f"wellby: no PDF of the report: {problem}", file=stream)
            pdf_path.unlink(missing_ok=True)
            return False
        os.replace(target, pdf_path)
    return True
