"""The study's analysis: its config mapped onto the estimators.

The one mapping of ``models`` onto the estimators (:mod:`wellby.analysis.effects`),
the one design check, subgroups, descriptives, reliability and the output tables'
columns.
"""
