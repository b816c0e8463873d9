"""Writing to stdout, for every command: a reader that leaves (`| head`) passes through
as BrokenPipeError for main() to end quietly; any other failed write (a full disk,
/dev/full) becomes one line and exit status 1."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from adsbwatch.receiver.errors import RuntimeFailure
from adsbwatch.receiver.outputs.stdout import detach_stdout


@contextmanager
def stdout_errors() -> Iterator[None]:
    """A reader leaving (BrokenPipeError) passes through to main(); any other failed
    write to stdout becomes a one-line RuntimeFailure."""
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as exc:
        detach_stdout()
        raise RuntimeFailure(f"cannot write to stdout ({exc.strerror or exc})") from None


def write_stdout(text: str) -> None:
    with stdout_errors():
        sys.stdout.write(text)


def flush_stdout() -> None:
    with stdout_errors():
        sys.stdout.flush()
