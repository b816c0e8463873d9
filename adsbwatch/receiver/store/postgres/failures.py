"""psycopg's errors in words a user can act on, and which of them mean the connection is
gone (the writer then connects again before its next try)."""

from __future__ import annotations

import psycopg

from adsbwatch.receiver.locations import scrubbed

# SQLSTATE classes: 08 connection exception, 57P admin shutdown / crash / cannot connect
# now (a server stopping or restarting), 53 insufficient resources (disk, memory,
# connections), 40 a serialization failure or deadlock (try again).
_GONE = ("08", "57P")
_NO_SUCH_DATABASE = "3D000"
_REFUSED_LOGIN = ("28000", "28P01")
_LOCK_TIMEOUT = "55P03"  # lock_not_available: lock_timeout passed


def first_line(exc: BaseException, location: str) -> str:
    """The driver's message, one line, no password in it."""
    text = str(exc).strip().splitlines()
    return scrubbed(text[0].strip() if text else type(exc).__name__, location)


def sqlstate(exc: psycopg.Error) -> str:
    return getattr(exc, "sqlstate", None) or ""


def is_gone(exc: psycopg.Error, conn: psycopg.Connection | None) -> bool:
    """The connection is lost (or never was): connect again before the next try."""
    return (conn is None or conn.closed or conn.broken
            or isinstance(exc, psycopg.OperationalError) and sqlstate(exc)[:3] in ("", "57P")
            or sqlstate(exc).startswith(_GONE))


def no_such_database(exc: psycopg.Error) -> bool:
    return sqlstate(exc) == _NO_SUCH_DATABASE or "does not exist" in str(exc)


def refused_login(exc: psycopg.Error) -> bool:
    return sqlstate(exc) in _REFUSED_LOGIN or "authentication failed" in str(exc)


def why(exc: psycopg.Error, location: str) -> str:
    """A short reason for a failed read or write."""
    state = sqlstate(exc)
    if state.startswith(_GONE) or isinstance(exc, psycopg.OperationalError) and not state:
        return f"the database server is unreachable ({first_line(exc, location)})"
    if state.startswith("53"):
        return f"the database server is out of resources ({first_line(exc, location)})"
    if state == "25006":
        return "the database is read-only"
    if state == _LOCK_TIMEOUT:
        return "the database is locked by another program"
    return first_line(exc, location)
