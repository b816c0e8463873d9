"""What aiohttp logs about one server, as our lines: a malformed request or a failing
handler is one line without a traceback, at most one such line every 30 s (the rest
counted), instead of a traceback on stderr for each of 2,000 bad requests."""

from __future__ import annotations

import logging
from collections.abc import Callable

from aiohttp.http_exceptions import HttpProcessingError

from adsbwatch.receiver.core.lines import RateLimitedLine


class ServerLog(logging.Handler):
    def __init__(self, warn: Callable[[str], None]) -> None:
        super().__init__(logging.WARNING)
        self.malformed = RateLimitedLine(warn)
        self.failures = RateLimitedLine(warn)

    def emit(self, record: logging.LogRecord) -> None:
        exc = record.exc_info[1] if record.exc_info else None
        # aiohttp's "Error handling request from %s": the client's address.
        args = record.args if isinstance(record.args, tuple) else ()
        source = f" from {args[0]}" if args else ""
        if isinstance(exc, HttpProcessingError):
            why = " ".join(str(exc.message).split())
            self.malformed(f"HTTP: answered {exc.code} to a malformed request{source} ({why})")
        elif exc is not None:
            self.failures(f"HTTP: a request{source} failed, answered 500 "
                          f"({type(exc).__name__}: {exc})")
        else:
            self.failures(f"HTTP: {record.getMessage()}")


def server_logger(warn: Callable[[str], None]) -> logging.Logger:
    """A logger of its own for one server (outside logging's tree: nothing else sees
    it, and it sees nothing else's)."""
    logger = logging.Logger("adsbwatch.http", logging.WARNING)
    logger.addHandler(ServerLog(warn))
    logger.propagate = False
    return logger
