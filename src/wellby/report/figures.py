"""Figures: saved at A4-readable size without any pyplot global state."""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure

A4_WIDTH_INCHES = 7.5


def save_figure(figure: Figure, path: str | Path, dpi: int = 150) -> None:
    """Save a figure as PNG at a width readable on an A4 page.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        The figure.
    path : str or Path
        Where to write the PNG.
    dpi : int, default 150
        Resolution.
    """
    width, height = figure.get_size_inches()
    if width > A4_WIDTH_INCHES:
        figure.set_size_inches(A4_WIDTH_INCHES, height * A4_WIDTH_INCHES / width)
    figure.tight_layout()
    figure.savefig(path, dpi=dpi, format="png")
