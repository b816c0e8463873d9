"""Recorded IQ: a file (or a SigMF recording's data file), and stdin."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from adsbwatch.decoder.demod.iqformats import FORMATS
from adsbwatch.receiver.errors import UserError
from adsbwatch.receiver.sources.base import Block, SourceInfo, SourceTotals
from adsbwatch.receiver.sources.blocks import ReadInto, cut_blocks


def _reading(blocks: Iterator[Block], name: str) -> Iterator[Block]:
    """The blocks, a failed read reported as a failure of the input. Only reads: an
    OSError raised by the consumer of a block passes through."""
    try:
        yield from blocks
    except OSError as exc:
        raise UserError(f"{name}: read failed ({exc.strerror or exc})") from None


class StopAware:
    """A stream's readinto that gives the end of the stream once `stop` was called: a
    stop ends the reading thread at its next read, with what it already read handed
    on, not the rest of a file or pipe."""

    def __init__(self, readinto: ReadInto) -> None:
        self._readinto = readinto
        self.stopped = False

    def __call__(self, view: memoryview) -> int:
        return 0 if self.stopped else self._readinto(view)

    def stop(self) -> None:
        self.stopped = True


def check_readable(path: Path) -> os.stat_result:
    """The file's status, or a one-line error saying why it cannot be read. os.stat,
    not Path.exists(), which raises PermissionError for a folder the user cannot enter."""
    try:
        status = path.stat()
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except PermissionError:
        raise UserError(f"{path}: permission denied (cannot enter its folder)") from None
    except OSError as exc:
        raise UserError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(status.st_mode):
        raise UserError(f"{path}: is a directory, not an IQ recording")
    if not os.access(path, os.R_OK):
        raise UserError(f"{path}: permission denied")
    return status


class FileSource:
    """A recording on disk. Its start is the given one (SigMF's), else the file's
    modification time less its length: recorders write as they go."""

    def __init__(self, path: Path, fmt: str, rate: int, start_epoch: float | None = None,
                 position: tuple[float, float] | None = None) -> None:
        status = check_readable(path)
        self.path = path
        bytes_per_sample = FORMATS[fmt].bytes_per_sample
        if start_epoch is None:
            start_epoch = status.st_mtime - status.st_size / bytes_per_sample / rate
        self.info = SourceInfo(str(path), fmt, rate, start_epoch, position, live=False,
                               size_bytes=status.st_size)
        self.totals = SourceTotals()
        self._stream: BinaryIO | None = None
        self._reader: StopAware | None = None

    def open(self) -> None:
        try:
            self._stream = open(self.path, "rb")  # noqa: SIM115 - closed by close()
        except OSError as exc:
            raise UserError(f"{self.path}: cannot open ({exc.strerror})") from None
        self._reader = StopAware(self._stream.readinto)

    def blocks(self, scan_samples: int, lookahead: int) -> Iterator[Block]:
        if self._reader is None:
            self.open()
        assert self._reader is not None
        return _reading(cut_blocks(self._reader, self.info.bytes_per_sample,
                                   scan_samples, lookahead, self.totals), self.info.name)

    def close(self) -> None:
        if self._reader is not None:
            self._reader.stop()
        if self._stream is not None:
            self._stream.close()  # waits for a read under way in another thread
            self._stream = None


class StdinSource:
    """Samples piped in (`rtl_sdr -f 1090e6 -s 2.4e6 - | adsbwatch replay -`), or a file
    redirected to stdin. A pipe is live: its samples are taken as they arrive."""

    def __init__(self, fmt: str, rate: int) -> None:
        try:
            status = os.fstat(0)
        except OSError:
            raise UserError("stdin is closed: pipe samples in (e.g. rtl_sdr -f 1090e6 "
                            "-s 2.4e6 - | adsbwatch replay -) or name a file") from None
        live = not stat.S_ISREG(status.st_mode)
        self.info = SourceInfo("stdin", fmt, rate, None, None, live=live)
        self.totals = SourceTotals()
        self._readinto: StopAware | None = None

    def open(self) -> None:
        # The raw descriptor, not sys.stdin.buffer: the demodulator thread may still sit
        # in a read when the program exits, and the buffered reader's lock, held through
        # that read, is one the interpreter's closing of sys.stdin would wait for.
        # closefd=False: stdin stays open for the interpreter to close.
        stream = open(0, "rb", buffering=0, closefd=False)  # noqa: SIM115
        self._readinto = StopAware(stream.readinto)

    def blocks(self, scan_samples: int, lookahead: int) -> Iterator[Block]:
        if self._readinto is None:
            self.open()
        assert self._readinto is not None
        return _reading(cut_blocks(self._readinto, self.info.bytes_per_sample,
                                   scan_samples, lookahead, self.totals), "stdin")

    def close(self) -> None:
        """Reading ends at the next read (one waiting for a pipe ends when data comes)."""
        if self._readinto is not None:
            self._readinto.stop()
