"""Snakemake's input checksums: each version of an input file hashed once per run.

The workflow keeps each job's input checksums (``max-checksum-file-size`` in the profile,
:data:`wellby.run.MAX_CHECKSUM_FILE_SIZE` for ``wellby run``), so a wave file saved again
unchanged reruns nothing. When a job finishes, Snakemake records them in the metadata of
each of the job's outputs, and it hashes every input again for every output
(``Persistence.finished``; reported upstream as the quadratic hot spot of
snakemake/snakemake#4240, open in 9.27). The hashing runs on the scheduler's thread, so no
job starts meanwhile. At 3M rows a run hashed 8.3 GB, the 104 MB analysis file 64 times
(each estimate job has ten outputs): about 6 s in which no job started. Hashed once, it is
0.5 GB, and the whole study's median time fell from 61.8 to 57.0 s (four runs each,
interleaved).

No Snakemake setting hashes each input once, and a lower size limit would lose the wave
files' checksums (the analysis file is larger than any wave). So :func:`hash_each_input_once`
wraps ``snakemake.io._IOFile.checksum`` in the main process with a cache keyed by the file's
identity and its state (device, inode, size, modification and change times in nanoseconds)
and by the call's arguments: a file changed in any way is hashed again, and a file in remote
storage is never cached. The cache lives as long as the process (one run of ``snakemake``;
every ``wellby run`` of a Python session); a file's new version is a new key, so it only
saves work Snakemake would have repeated, and the checksums recorded, and every rerun
decision made from them, are the same as without it.
"""

from __future__ import annotations

import functools
import inspect
import os
import stat
from collections.abc import Callable, Hashable
from typing import Any

_WRAPPED = "_wellby_hashes_each_input_once"


def file_state(path: str) -> tuple[int, ...] | None:
    """Return what identifies one version of a local file, or None if it cannot be read.

    Parameters
    ----------
    path : str
        The file's path.

    Returns
    -------
    tuple of int or None
        Device, inode, size, and modification and change times in nanoseconds; None for a
        missing file or anything that is not a regular file (a directory, a pipe).
    """
    try:
        state = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(state.st_mode):
        return None
    return (state.st_dev, state.st_ino, state.st_size, state.st_mtime_ns, state.st_ctime_ns)


def cached_checksum(checksum: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap an ``_IOFile.checksum`` coroutine so each file version is hashed once.

    Parameters
    ----------
    checksum : callable
        The coroutine method ``checksum(self, *args, **kwargs)`` of Snakemake's ``_IOFile``.

    Returns
    -------
    callable
        The same method with a cache per wrapper: a call for a local file whose state
        (:func:`file_state`) and arguments match an earlier call returns that call's
        result; anything else (remote storage, a missing file, unhashable arguments) is
        passed through.
    """
    cache: dict[Hashable, Any] = {}

    @functools.wraps(checksum)
    async def hashed_once(self: Any, *args: Any, **kwargs: Any) -> Any:
        state = None if getattr(self, "is_storage", False) else file_state(str(self.file))
        if state is None:
            return await checksum(self, *args, **kwargs)
        key = (os.path.abspath(str(self.file)), state, args, tuple(sorted(kwargs.items())))
        try:
            return cache[key]
        except KeyError:
            pass
        except TypeError:  # an argument that cannot be a key (an unhashable algorithm)
            return await checksum(self, *args, **kwargs)
        cache[key] = result = await checksum(self, *args, **kwargs)
        return result

    setattr(hashed_once, _WRAPPED, True)
    return hashed_once


def hash_each_input_once(io_file_class: type | None = None) -> bool:
    """Make Snakemake hash each version of an input file once in this process.

    Parameters
    ----------
    io_file_class : type, optional
        The class whose ``checksum`` coroutine is wrapped; Snakemake's ``_IOFile`` when not
        given.

    Returns
    -------
    bool
        True when the method is wrapped (now or by an earlier call), False when the class
        has no ``checksum`` coroutine to wrap (a Snakemake that changed it: it then runs as
        it is).
    """
    if io_file_class is None:
        from snakemake.io import _IOFile as io_file_class
    method = getattr(io_file_class, "checksum", None)
    if method is None or not inspect.iscoroutinefunction(method):
        return False
    if not getattr(method, _WRAPPED, False):
        io_file_class.checksum = cached_checksum(method)
    return True
