"""The provenance record: how the results were made (code, config, inputs, software)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
import subprocess
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from wellby.config.typed import Section, Study

KEY_PACKAGES = ["wellby", "pandas", "numpy", "statsmodels", "pingouin",
                "snakemake", "pyarrow", "pyreadstat", "matplotlib", "openpyxl"]


def file_sha256(path: str | Path) -> str:
    """Return the SHA-256 hex digest of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def config_sha256(config: Study | Mapping[str, Any]) -> str:
    """Return the SHA-256 of the config in canonical JSON (sorted keys).

    A typed study is hashed as the plain data it holds (:meth:`Section.as_dict`), so the
    typed study and the validated mapping it was built from have the same hash.
    """
    plain = config.as_dict() if isinstance(config, Section) else config
    canonical = json.dumps(plain, sort_keys=True, default=str).encode()
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


def build_provenance(config: Study | Mapping[str, Any], sources: Iterable[str | Path]) -> dict:
    """Describe how the results were made: code, config, inputs, software, time.

    Parameters
    ----------
    config : Study or mapping
        The study config, typed or as :func:`wellby.config.validate_config` returns it.
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
