"""SQLite's error codes in words a user can act on."""

from __future__ import annotations

import sqlite3


def error_name(exc: sqlite3.Error) -> str:
    return getattr(exc, "sqlite_errorname", "") or ""


def is_busy(exc: sqlite3.Error) -> bool:
    """Another connection holds the lock (waiting may help)."""
    return error_name(exc).startswith("SQLITE_BUSY") or "database is locked" in str(exc)


def why(exc: sqlite3.Error) -> str:
    """A short reason for a failed write."""
    name = error_name(exc)
    text = str(exc)
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in text:
        return "the database is locked by another program"
    if name.startswith("SQLITE_FULL") or "is full" in text:
        return "the disk is full (or the database reached its size limit)"
    if name.startswith("SQLITE_READONLY") or "readonly" in text:
        return "the database is read-only"
    if name.startswith("SQLITE_IOERR"):
        return f"the disk failed ({text}; it may have gone read-only)"
    return text
