"""``gateway.memory.tune_malloc`` on this machine's C library (glibc on Debian)."""

from __future__ import annotations

import platform

import pytest

from gateway.memory import tune_malloc


def test_given_glibc_then_the_fixed_mmap_threshold_is_taken() -> None:
    if platform.libc_ver()[0] != "glibc":
        print("not glibc: tune_malloc is a no-op there")
        pytest.skip("not glibc: tune_malloc is a no-op there")
    assert tune_malloc() is True
