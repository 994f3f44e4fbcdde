"""Write a step's large file in a second thread while the step goes on, kept only on success.

The panel step's last phase reads its rows for checks (linkage, shifted waves, coverage,
distributions) while the same rows are written to the analysis file. Arrow encodes and
writes Parquet without holding Python's lock, so on a second core the write costs the
step no time. The file is written under a temporary name beside its target and renamed
only when the write and the step's own work both succeeded: a step stopped by a check
leaves no analysis file that looks current.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

PARTIAL_SUFFIX = ".partial"
"""Appended to the target's name while it is being written."""


@contextmanager
def parquet_written_meanwhile(frame: pd.DataFrame, path: str | Path) -> Iterator[None]:
    """Write ``frame`` to ``path`` (Parquet, no index) while the ``with`` block runs.

    Parameters
    ----------
    frame : pandas.DataFrame
        The rows to write. The block must not change them (it may read them).
    path : str or Path
        The file to write.

    Yields
    ------
    None
        On leaving the block, once the write has finished: the file is renamed into place
        when the block and the write succeeded; otherwise the partial file is removed and
        the block's error (or else the write's) propagates.
    """
    target = Path(path)
    partial = target.with_name(target.name + PARTIAL_SUFFIX)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="parquet-writer") as pool:
        writing = pool.submit(frame.to_parquet, partial, index=False)
        try:
            yield
        except BaseException:
            wait([writing])
            partial.unlink(missing_ok=True)
            raise
        try:
            writing.result()
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    os.replace(partial, target)
