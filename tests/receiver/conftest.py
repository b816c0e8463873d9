"""Fixtures of the network outputs' tests: a real network loop, and the lines said."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from adsbwatch.receiver.core.network import NetworkThread


@pytest.fixture
def network() -> Iterator[NetworkThread]:
    thread = NetworkThread("test-network")
    try:
        yield thread
    finally:
        thread.stop()


@pytest.fixture
def warnings() -> list[str]:
    return []
