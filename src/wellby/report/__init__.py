"""What the reviewer reads.

Figures, the workbook, the HTML report, disclosure control of small cells, provenance
and the guard that moves results a failed run could not bring up to date.
"""
