"""What a simulated recording is unless told otherwise.

Free of numpy and Numba, so that `adsbwatch --help` can show these without loading the
simulator.
"""

from __future__ import annotations

EHAM_RECEIVER = (52.3086, 4.7639)  # Amsterdam Schiphol: every scene's receiver by default
DEFAULT_START_TIME = "2025-05-16T09:30:00Z"  # fixed, so a seed gives the same files
