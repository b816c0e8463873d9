"""From what the user names to a source: the one place that knows `-` means stdin, and
where format and rate come from (options, else SigMF, else the file's extension)."""

from __future__ import annotations

from pathlib import Path

from adsbwatch.receiver.rates import (
    DEFAULT_FORMAT,
    DEFAULT_RATE,
    check_format,
    check_rate,
)
from adsbwatch.receiver.sources.base import IQSource
from adsbwatch.receiver.sources.files import FileSource, StdinSource
from adsbwatch.receiver.sources.sigmf import is_sigmf, read_sigmf

STDIN = "-"
EXTENSIONS = {
    ".cu8": "cu8", ".u8": "cu8", ".bin": "cu8",
    ".cs8": "cs8", ".s8": "cs8", ".ci8": "cs8",
    ".cs16": "cs16", ".s16": "cs16", ".ci16": "cs16", ".sc16": "cs16",
    ".cf32": "cf32", ".fc32": "cf32", ".cfile": "cf32",
}


def recording_source(name: str, fmt: str | None = None, rate: int | None = None) -> IQSource:
    """A file, a SigMF recording (either file of the pair), or `-` for stdin.

    Format: `fmt`, else SigMF, else the extension, else cu8. Rate: `rate`, else SigMF,
    else 2.4 MS/s."""
    if fmt is not None:
        check_format(fmt)
    if rate is not None:
        check_rate(rate)
    if name == STDIN:
        return StdinSource(fmt or DEFAULT_FORMAT, rate or DEFAULT_RATE)
    path = Path(name)
    if is_sigmf(path):
        meta = read_sigmf(path)
        return FileSource(meta.data_path, fmt or meta.fmt or DEFAULT_FORMAT,
                          rate or meta.rate or DEFAULT_RATE, meta.start_epoch, meta.position)
    return FileSource(path, fmt or EXTENSIONS.get(path.suffix.lower(), DEFAULT_FORMAT),
                      rate or DEFAULT_RATE)
