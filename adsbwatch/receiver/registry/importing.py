"""Making the aircraft database from a tar1090-db aircraft.csv (plain or gzip): the lines
are streamed into a new file in the database's folder, which replaces the old one in one
rename only when it is whole. Anything that fails leaves the old database as it was."""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import sqlite3
import tempfile
import time
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, NamedTuple

from adsbwatch.decoder.registry.tar1090db import BadLine, Row, parse_line
from adsbwatch.receiver.registry.database import FORMAT, REGISTRATION_INDEX, SCHEMA

GZIP_MAGIC = b"\x1f\x8b"
BATCH = 10_000  # rows handed to SQLite at a time


class ImportFailure(Exception):
    """Nothing was imported; the old database (if any) is untouched."""


class ImportSummary(NamedTuple):
    aircraft: int  # rows in the new database
    lines: int  # lines read
    skipped: int  # lines left out
    first_bad: tuple[int, str] | None  # the first left out: line number, reason

    def text(self, source: str, target: Path) -> str:
        line = f"imported {self.aircraft} aircraft from {source} into {target}"
        if self.first_bad is not None:
            number, reason = self.first_bad
            line += (f"; skipped {self.skipped} of {self.lines} lines (the first, line "
                     f"{number}: {reason})")
        return line


def open_csv(path: Path) -> IO[str]:
    """The file's text, gunzipped when it starts with gzip's magic bytes."""
    raw = open(path, "rb")  # noqa: SIM115 (handed to the caller, who closes it)
    gzipped = raw.read(2) == GZIP_MAGIC
    raw.seek(0)
    stream: IO[bytes] = gzip.GzipFile(fileobj=raw) if gzipped else raw  # type: ignore[assignment]
    return io.TextIOWrapper(stream, encoding="utf-8", errors="replace", newline="")


class _Rows:
    """The rows of numbered lines, counting the lines left out."""

    def __init__(self, lines: Iterable[str]) -> None:
        self.lines = lines
        self.count = self.skipped = 0
        self.first_bad: tuple[int, str] | None = None

    def __iter__(self) -> Iterator[tuple[object, ...]]:
        for number, line in enumerate(self.lines, 1):
            self.count = number
            if not line.strip():
                continue  # blank lines (a trailing newline) are no aircraft and no error
            parsed = parse_line(line)
            if isinstance(parsed, BadLine):
                self.skipped += 1
                if self.first_bad is None:
                    self.first_bad = (number, parsed.reason)
                continue
            yield _values(parsed)


def _values(row: Row) -> tuple[object, ...]:
    i = row.info
    return (row.address, i.registration, i.type_code, i.description, i.year, i.operator,
            i.flags)


def _write(path: Path, rows: _Rows, source: str) -> int:
    db = sqlite3.connect(path)
    try:
        # A new file that becomes the database only when whole: no journal needed.
        db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;" + SCHEMA)
        # Later lines win, as in readsb (its hash chain finds the last line's entry first).
        db.executemany("INSERT OR REPLACE INTO aircraft VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        aircraft = db.execute("SELECT count(*) FROM aircraft").fetchone()[0]
        if aircraft:
            db.execute(REGISTRATION_INDEX)
        about = {"format": FORMAT, "aircraft": aircraft, "imported": time.time(),
                 "source": source, "skipped": rows.skipped, "lines": rows.count}
        db.executemany("INSERT INTO about VALUES (?, ?)",
                       [(key, str(value)) for key, value in about.items()])
        db.commit()
    finally:
        db.close()
    return aircraft


def import_lines(lines: Iterable[str], target: Path, source: str) -> ImportSummary:
    """The database at `target` made anew from tar1090-db `lines`; `source` names where
    they came from. ImportFailure (the old database kept) when no line names an aircraft,
    or when reading or writing fails."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                     suffix=".new")
    os.close(fd)
    temp = Path(temp_name)
    rows = _Rows(lines)
    try:
        aircraft = _write(temp, rows, source)
        if not aircraft:
            bad = f" (line {rows.first_bad[0]}: {rows.first_bad[1]})" if rows.first_bad else ""
            raise ImportFailure(f"{source}: no aircraft in its {rows.count} lines{bad}: is "
                                "it tar1090-db's aircraft.csv(.gz)?")
        _sync(temp)
        os.replace(temp, target)
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise ImportFailure(f"{source}: the gzip stream is cut off or damaged after "
                            f"line {rows.count} ({exc})") from None
    except (OSError, sqlite3.Error) as exc:
        raise ImportFailure(f"cannot write {target} ({getattr(exc, 'strerror', None) or exc})"
                            ) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    return ImportSummary(aircraft, rows.count, rows.skipped, rows.first_bad)


def import_file(path: Path, target: Path, source: str | None = None) -> ImportSummary:
    """`import_lines` of a file, plain or gzip."""
    try:
        stream = open_csv(path)
    except OSError as exc:
        raise ImportFailure(f"cannot read {path} ({exc.strerror or exc})") from None
    with stream:
        return import_lines(stream, target, source or str(path))


def _sync(path: Path) -> None:
    """On disk before the rename, so that a crash cannot leave a renamed empty file."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
