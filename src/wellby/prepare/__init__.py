"""Preparing the data, from raw wave files to the analysis file.

Read the files, ingest them (study columns only, identifiers dropped, person ids
pseudonymised), clean them (missing codes, ranges, scale scores), check them, stack the
waves and link persons. Every step is one module; :mod:`wellby.prepare.study` runs them
all as the workflow does.
"""
