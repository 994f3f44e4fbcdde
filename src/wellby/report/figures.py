"""Figures: one colour-blind-safe palette, notes under the axes, and PNG plus SVG output.

Every figure of the package takes its colours from :data:`PALETTE`, the eight colours of
Okabe and Ito (2008), which stay distinct under the common colour-vision deficiencies;
:data:`COLOURS` names the role each colour plays, so the same thing has the same colour in
every figure (the programme areas and the TWFE estimates blue, the comparison areas orange,
Callaway-Sant'Anna vermillion). Where two series share an axes they also differ by marker,
so a figure printed in grey still reads.

:func:`save_figure` writes a figure as PNG at a width readable on an A4 page and, next to
it, as SVG (same stem) with its text kept as text. Nothing here touches pyplot's global
state, and Matplotlib is imported only when a figure is saved or annotated.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["A4_WIDTH_INCHES", "COLOURS", "PALETTE", "add_note", "in_sentence", "legend_on_top",
           "save_figure", "short_label"]

A4_WIDTH_INCHES = 7.5

PALETTE: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "bluish green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish purple": "#CC79A7",
}
"""The Okabe-Ito palette (Okabe and Ito 2008; Wong 2011, *Nature Methods* 8:441)."""

COLOURS: dict[str, str] = {
    "programme": PALETTE["blue"],
    "comparison": PALETTE["orange"],
    "twfe": PALETTE["blue"],
    "callaway_santanna": PALETTE["vermillion"],
    "before": PALETTE["black"],
    "after": PALETTE["blue"],
    "estimate": PALETTE["blue"],
    "overall": PALETTE["vermillion"],
    "low": PALETTE["orange"],
    "high": PALETTE["blue"],
    "band": PALETTE["sky blue"],
    "central": PALETTE["vermillion"],
    "reference": PALETTE["black"],
}
"""The colour of each role, from :data:`PALETTE`."""

NOTE_WIDTH = 125
"""Characters per line of a note under the axes (7.5 pt text on an A4-wide figure)."""


def short_label(label: str) -> str:
    """Return a label without its parenthesised range and direction, for a title.

    Examples
    --------
    >>> short_label("Life satisfaction (0-10, higher = more satisfied)")
    'Life satisfaction'
    """
    return label.split(" (")[0]


def in_sentence(label: str) -> str:
    """Return a label for use inside a sentence: first letter lower case unless an acronym.

    Examples
    --------
    >>> in_sentence("Life satisfaction (0-10, higher = more satisfied)")
    'life satisfaction (0-10, higher = more satisfied)'
    >>> in_sentence("SWEMWBS metric score")
    'SWEMWBS metric score'
    """
    if len(label) > 1 and label[1].isupper():
        return label
    return label[:1].lower() + label[1:]


def add_note(ax: Axes, text: str, width: int = NOTE_WIDTH) -> None:
    """Write a small note under an axes' x label, at the left edge of the figure.

    The note is an annotation of the axes, so the layout of :func:`save_figure` makes room
    for it.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The axes.
    text : str
        The note; wrapped at ``width`` characters.
    width : int, default :data:`NOTE_WIDTH`
        Characters per line.
    """
    wrapped = "\n".join(textwrap.fill(part, width) for part in text.split("\n"))
    ax.annotate(wrapped, xy=(0.015, 0), xycoords=("figure fraction", ax.xaxis.label),
                xytext=(0, -6), textcoords="offset points", ha="left", va="top",
                fontsize=7.5, annotation_clip=False, gid="note")


def legend_on_top(ax: Axes, lines: int, fontsize: float = 7.5, **kwargs: Any) -> None:
    """Place the legend at the top left, raising the y axis so that it covers no data.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The axes, with its data drawn.
    lines : int
        Lines of text the legend has (entries and title lines).
    fontsize : float, default 7.5
        Its font size in points.
    **kwargs
        Passed on to :meth:`matplotlib.axes.Axes.legend`.
    """
    low, high = ax.get_ylim()
    height = ax.figure.get_size_inches()[1] * 72 * 0.7  # the axes' height in points, about
    free = min(0.6, (lines * 1.45 * fontsize + 12) / height)
    ax.set_ylim(low, low + (high - low) / (1 - free))
    ax.legend(loc="upper left", fontsize=fontsize, **kwargs)


def save_figure(figure: Figure, path: str | Path, dpi: int = 150, *, svg: bool = True) -> None:
    """Save a figure as PNG at a width readable on an A4 page, and as SVG next to it.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        The figure.
    path : str or Path
        Where to write the PNG (its suffix should be ``.png``).
    dpi : int, default 150
        Resolution of the PNG.
    svg : bool, default True
        Also write the figure as SVG at ``path`` with the suffix ``.svg``: vector graphics
        for print and for editing, text kept as text (``svg.fonttype = "none"``), no date
        and fixed element ids, so the same figure gives the same file.

    Raises
    ------
    ValueError
        When ``svg`` is true and ``path`` already ends in ``.svg``.
    """
    import matplotlib

    path = Path(path)
    vector = path.with_suffix(".svg")
    if svg and vector == path:
        raise ValueError(f"{path}: save_figure writes a PNG; give the PNG's path")
    width, height = figure.get_size_inches()
    if width > A4_WIDTH_INCHES:
        figure.set_size_inches(A4_WIDTH_INCHES, height * A4_WIDTH_INCHES / width)
    if figure.get_layout_engine() is None:
        figure.tight_layout()
    figure.savefig(path, dpi=dpi, format="png")
    if svg:
        with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "wellby"}):
            figure.savefig(vector, format="svg", metadata={"Date": None})
