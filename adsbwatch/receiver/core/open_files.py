"""The process' limit on open files, which every client connection counts against.

systemd starts a service with a soft limit of 1024 (for programs that still use select())
and a far higher hard one; a process may raise its own soft limit up to the hard one.
adsbwatch uses epoll, so it raises it at start, to what its client limits need."""

from __future__ import annotations

import contextlib
import resource

WANTED_OPEN_FILES = 8192  # every port's clients at their limits, with room for the rest


def open_files_limit() -> int:
    """The soft limit now (a very large number when there is none)."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return soft if soft != resource.RLIM_INFINITY else 1 << 30


def raise_open_files_limit(wanted: int = WANTED_OPEN_FILES) -> int:
    """Raise the soft limit toward `wanted`, never above the hard limit and never lower
    than it was; returns the soft limit then in effect."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        # A sandbox may refuse: the client limits follow whatever limit there is.
        with contextlib.suppress(OSError, ValueError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return open_files_limit()
