"""wellby: evaluate community programmes from resident wellbeing surveys.

The library holds all statistics and data rules; the Snakemake workflow in
``workflow/`` only wires its steps together.
"""

__version__ = "0.1.0"
