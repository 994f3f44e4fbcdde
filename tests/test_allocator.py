"""The subgroups step's allocator settings: taken by glibc, skipped elsewhere."""

import platform
import sys

import pytest

from wellby import allocator


@pytest.mark.skipif(not (sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"),
                    reason="mallopt is glibc's")
def test_glibc_takes_both_settings():
    assert allocator.keep_freed_memory() is True
    assert allocator.keep_freed_memory() is True  # asking again is harmless


def test_nothing_is_done_off_linux(monkeypatch):
    monkeypatch.setattr(allocator.sys, "platform", "darwin")
    assert allocator.keep_freed_memory() is False


def test_a_c_library_without_mallopt_is_left_alone(monkeypatch):
    class NoMallopt:
        def __init__(self, name):
            pass

    monkeypatch.setattr(allocator.ctypes, "CDLL", NoMallopt)
    assert allocator.keep_freed_memory() is False
