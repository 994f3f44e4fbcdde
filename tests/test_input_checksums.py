"""Snakemake's input checksums, each file version hashed once a run (wellby.input_checksums).

The wrapper is checked on a stand-in for Snakemake's ``_IOFile`` (every way a file can
change, every call it must pass through), then on Snakemake itself: a workflow whose one
job writes four outputs from a 2 MB input, which Snakemake 9.27 hashes four times when the
job finishes (snakemake/snakemake#4240) and the wrapped method once, with the checksum it
records still the file's SHA-256, so a touched input still reruns nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from wellby.input_checksums import cached_checksum, file_state, hash_each_input_once


class FakeIOFile:
    """Snakemake's ``_IOFile`` as far as the wrapper sees it: a path, a storage flag and an
    async ``checksum`` that hashes the file, counting its calls."""

    calls: list[tuple[str, tuple, dict]] = []

    def __init__(self, path: Path, is_storage: bool = False) -> None:
        self.file = str(path)
        self.is_storage = is_storage

    async def checksum(self, threshold=None, force=False, algorithm=None):
        FakeIOFile.calls.append((self.file, (threshold,), {"force": force}))
        if not os.path.isfile(self.file):
            return None
        return "sha256:" + hashlib.sha256(Path(self.file).read_bytes()).hexdigest()


@pytest.fixture
def fake_class():
    class Wrapped(FakeIOFile):
        pass

    FakeIOFile.calls = []
    assert hash_each_input_once(Wrapped)
    return Wrapped


def checksum(io_file, *args, **kwargs):
    return asyncio.run(io_file.checksum(*args, **kwargs))


def sha256(path: Path) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def test_an_unchanged_file_is_hashed_once(tmp_path, fake_class):
    path = tmp_path / "panel.parquet"
    path.write_bytes(b"a" * 1000)
    first = checksum(fake_class(path), 4_000_000_000)
    # A second job's own _IOFile for the same path: the same version, not hashed again.
    second = checksum(fake_class(path), 4_000_000_000)
    assert first == second == sha256(path)
    assert len(FakeIOFile.calls) == 1


def test_a_changed_file_is_hashed_again(tmp_path, fake_class):
    path = tmp_path / "wave.csv"
    path.write_bytes(b"a" * 1000)
    stamp = time.time() - 100
    os.utime(path, (stamp, stamp))
    before = checksum(fake_class(path), 10**9)
    # Same size, same modification time: only the content and the change time differ.
    path.write_bytes(b"b" * 1000)
    os.utime(path, (stamp, stamp))
    after = checksum(fake_class(path), 10**9)
    assert before != after == sha256(path)
    assert len(FakeIOFile.calls) == 2


def test_a_touched_file_is_hashed_again_with_the_same_result(tmp_path, fake_class):
    path = tmp_path / "wave.sav"
    path.write_bytes(b"x" * 500)
    before = checksum(fake_class(path), 10**9)
    later = time.time() + 5
    os.utime(path, (later, later))
    assert checksum(fake_class(path), 10**9) == before
    assert len(FakeIOFile.calls) == 2


def test_each_set_of_arguments_is_its_own_result(tmp_path, fake_class):
    path = tmp_path / "small.csv"
    path.write_bytes(b"1,2\n")
    checksum(fake_class(path), 10)
    checksum(fake_class(path), 10**9)
    checksum(fake_class(path), 10, force=True)
    checksum(fake_class(path), 10, force=True)
    assert [call[1:] for call in FakeIOFile.calls] == [
        ((10,), {"force": False}), ((10**9,), {"force": False}), ((10,), {"force": True})]


def test_storage_missing_files_and_unhashable_arguments_pass_through(tmp_path, fake_class):
    path = tmp_path / "remote.csv"
    path.write_bytes(b"data")
    for _ in range(2):
        checksum(fake_class(path, is_storage=True), 10**9)
        checksum(fake_class(tmp_path / "missing.csv"), 10**9)
        checksum(fake_class(path), 10**9, algorithm=[])  # a list cannot be a cache key
    assert len(FakeIOFile.calls) == 6
    assert file_state(str(tmp_path)) is None  # a directory is never cached


def test_wrapping_twice_keeps_one_wrapper_and_an_unknown_class_is_left_alone(fake_class):
    wrapped = fake_class.checksum
    assert hash_each_input_once(fake_class)
    assert fake_class.checksum is wrapped

    class NoCoroutine:
        def checksum(self):
            return "sha256:0"

    assert not hash_each_input_once(NoCoroutine)
    assert not hash_each_input_once(type("NoMethod", (), {}))
    assert NoCoroutine.checksum.__name__ == "checksum"
    assert asyncio.iscoroutinefunction(cached_checksum(FakeIOFile.checksum))


SNAKEFILE = """\
import hashlib, os
from wellby.input_checksums import hash_each_input_once

if config.get("wrap", True):
    hash_each_input_once()

_digest = hashlib.file_digest
def _counted(handle, *args, **kwargs):
    with open("digests.txt", "a") as out:
        out.write(os.path.basename(handle.name) + "\\n")
    return _digest(handle, *args, **kwargs)
hashlib.file_digest = _counted

rule all:
    input: expand("out_{i}.txt", i=range(4))

rule split:
    input: "big.bin"
    output: expand("out_{i}.txt", i=range(4))
    run:
        for path in output:
            Path(path).write_text("done")
"""


def run_snakemake(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "1", "--max-checksum-file-size",
         "100000000", *args], cwd=folder, capture_output=True, text=True)


def test_snakemake_hashes_a_finished_jobs_input_once_and_records_its_checksum(tmp_path):
    (tmp_path / "Snakefile").write_text(textwrap.dedent(SNAKEFILE))
    (tmp_path / "big.bin").write_bytes(os.urandom(2_000_000))
    run = run_snakemake(tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    digests = (tmp_path / "digests.txt").read_text().split()
    assert digests.count("big.bin") == 1
    # The recorded checksum is the file's: saved again unchanged, it reruns nothing ...
    later = time.time() + 5
    os.utime(tmp_path / "big.bin", (later, later))
    plan = run_snakemake(tmp_path, "-n")
    assert plan.returncode == 0 and "Nothing to be done" in plan.stdout + plan.stderr
    # ... and changed, it reruns the job.
    (tmp_path / "big.bin").write_bytes(os.urandom(2_000_000))
    plan = run_snakemake(tmp_path, "-n")
    assert "split" in plan.stdout


def test_without_the_wrapper_snakemake_hashes_the_input_once_per_output(tmp_path):
    """What the wrapper saves, so the test above is known to see it (Snakemake 9.27)."""
    (tmp_path / "Snakefile").write_text(textwrap.dedent(SNAKEFILE))
    (tmp_path / "big.bin").write_bytes(os.urandom(2_000_000))
    run = run_snakemake(tmp_path, "--config", "wrap=False")
    assert run.returncode == 0, run.stderr[-3000:]
    hashed = (tmp_path / "digests.txt").read_text().split().count("big.bin")
    if hashed == 1:
        pytest.skip("this Snakemake hashes each input once by itself (snakemake#4240 "
                    "fixed): wellby.input_checksums is no longer needed")
    assert hashed == 4


def test_the_studys_workflow_wraps_snakemakes_checksums(tmp_path, monkeypatch):
    from snakemake.io import _IOFile

    from wellby.run import run_study

    root = Path(__file__).resolve().parents[1]
    # Unwrapped (an earlier test in this process may have run a workflow), and restored
    # as it was afterwards.
    monkeypatch.setattr(_IOFile, "checksum", inspect.unwrap(_IOFile.checksum))
    monkeypatch.chdir(root)
    assert not getattr(_IOFile.checksum, "_wellby_hashes_each_input_once", False)
    run_study(root / "config" / "config.yaml", out=tmp_path / "study", dry_run=True)
    assert getattr(_IOFile.checksum, "_wellby_hashes_each_input_once", False)
