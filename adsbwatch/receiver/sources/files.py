"""IQ sources: files, SigMF recordings and stdin, read as overlapping blocks.

Blocks are cut at fixed sample positions whatever sizes the reads return, so the frames
found never depend on how a pipe happened to deliver the bytes. Consecutive blocks
overlap by `lookahead` samples: a frame starting in one block's scanned part is complete
in that block, and the next block scans only from where this one stopped.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from adsbwatch.decoder.demod.geometry import SUPPORTED_RATES
from adsbwatch.decoder.demod.iqformats import FORMATS
from adsbwatch.receiver.errors import UserError
from adsbwatch.receiver.when import iso_time

DEFAULT_RATE = 2_400_000
DEFAULT_FORMAT = "cu8"

EXTENSIONS = {
    ".cu8": "cu8", ".u8": "cu8", ".bin": "cu8",
    ".cs8": "cs8", ".s8": "cs8", ".ci8": "cs8",
    ".cs16": "cs16", ".s16": "cs16", ".ci16": "cs16", ".sc16": "cs16",
    ".cf32": "cf32", ".fc32": "cf32", ".cfile": "cf32",
}
SIGMF_DATATYPES = {"cu8": "cu8", "ci8": "cs8", "ci16_le": "cs16", "cf32_le": "cf32"}


@dataclass(frozen=True)
class SourceSpec:
    """What to read and how to interpret it."""

    data_path: str  # "-" for stdin
    fmt: str
    rate: int
    start_epoch: float | None = None  # when the first sample was taken (SigMF), UTC
    position: tuple[float, float] | None = None  # where (SigMF core:geolocation): lat, lon

    @property
    def bytes_per_sample(self) -> int:
        return FORMATS[self.fmt].bytes_per_sample


@dataclass
class Block:
    raw: np.ndarray  # uint8 bytes of whole samples [first_sample, first_sample + len)
    first_sample: int
    scan: int  # positions [0, scan) are this block's to search for frame starts
    final: bool  # end of stream: no lookahead beyond the data; pad before demodulating
    arrival: float  # wall-clock time the last byte of the block was read


def parse_rate(text: str) -> int:
    """'2.4M', '2400k', '2400000' or '2.4e6' -> samples per second."""
    cleaned = text.strip().lower().removesuffix("sps").removesuffix("s/s")
    scale = 1.0
    if cleaned.endswith("m"):
        cleaned, scale = cleaned[:-1], 1e6
    elif cleaned.endswith("k"):
        cleaned, scale = cleaned[:-1], 1e3
    try:
        value = float(cleaned) * scale
    except ValueError:
        value = math.nan
    if not math.isfinite(value):  # also 'nan', 'inf' and '1e999', which float() accepts
        raise UserError(
            f"cannot read sample rate {text!r}: use e.g. 2.4M, 2400000 or 2.4e6")
    return check_rate(round(value))


def check_rate(rate: int) -> int:
    if rate not in SUPPORTED_RATES:
        supported = " or ".join(f"{r / 1e6:g}M" for r in SUPPORTED_RATES)
        shown = f"{rate / 1e6:g} MS/s" if abs(rate) < 10**15 else f"{rate} samples/s"
        raise UserError(f"sample rate {shown} is not supported: use {supported}")
    return rate


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise UserError(f"unknown IQ format {fmt!r}: use one of {', '.join(FORMATS)}")
    return fmt


def _sigmf_start(meta: dict, meta_path: Path) -> float | None:
    """The first capture's core:datetime (ISO 8601 UTC) as epoch seconds."""
    captures = meta.get("captures")
    if not isinstance(captures, list) or not captures or not isinstance(captures[0], dict):
        return None
    text = captures[0].get("core:datetime")
    if text is None:
        return None
    when = iso_time(str(text))
    if when is None:
        raise UserError(f"{meta_path}: core:datetime {text!r} is not an ISO 8601 time")
    return when


def _sigmf_position(glob: dict, meta_path: Path) -> tuple[float, float] | None:
    """The recorder's position from core:geolocation, a GeoJSON point [lon, lat, alt]."""
    point = glob.get("core:geolocation")
    if point is None:
        return None
    try:
        lon, lat = (float(x) for x in point["coordinates"][:2])
    except (TypeError, KeyError, ValueError, IndexError):
        raise UserError(f"{meta_path}: core:geolocation is not a GeoJSON point") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise UserError(f"{meta_path}: core:geolocation {lat}, {lon} is not on Earth")
    return lat, lon


def _sigmf(path: Path) -> tuple[Path, str | None, int | None, float | None,
                                tuple[float, float] | None]:
    """Data path, format, rate, start time and position from a SigMF pair (either file of
    it may be named)."""
    meta_path = path.with_suffix(".sigmf-meta")
    data_path = path.with_suffix(".sigmf-data")
    try:
        meta = json.loads(meta_path.read_text())
        glob = meta["global"]
    except FileNotFoundError:
        raise UserError(f"{meta_path}: SigMF metadata file not found") from None
    except (OSError, ValueError, KeyError, TypeError, RecursionError) as exc:
        raise UserError(f"{meta_path}: not valid SigMF metadata ({exc})") from None
    if not isinstance(glob, dict):
        raise UserError(f"{meta_path}: not valid SigMF metadata (\"global\" is not an object)")
    datatype = glob.get("core:datatype")
    fmt = SIGMF_DATATYPES.get(datatype) if isinstance(datatype, str) else None
    if datatype is not None and fmt is None:
        raise UserError(f"{meta_path}: SigMF datatype {datatype!r} is not supported: "
                        f"use one of {', '.join(SIGMF_DATATYPES)}")
    start = _sigmf_start(meta, meta_path)
    position = _sigmf_position(glob, meta_path)
    rate = glob.get("core:sample_rate")
    if rate is None:
        return data_path, fmt, None, start, position
    if (isinstance(rate, bool) or not isinstance(rate, int | float)
            or isinstance(rate, float) and not math.isfinite(rate)):
        raise UserError(f"{meta_path}: core:sample_rate {rate!r} is not a number")
    try:
        return data_path, fmt, check_rate(round(rate)), start, position
    except UserError as exc:
        raise UserError(f"{meta_path}: {exc}") from None


def resolve_source(path: str, fmt: str | None = None, rate: int | None = None) -> SourceSpec:
    """Format: --format, else SigMF, else the extension, else cu8. Rate: --rate, else
    SigMF, else 2.4 MS/s."""
    if fmt is not None:
        check_format(fmt)
    if rate is not None:
        check_rate(rate)
    if path == "-":
        return SourceSpec("-", fmt or DEFAULT_FORMAT, rate or DEFAULT_RATE)
    p = Path(path)
    meta_fmt = meta_rate = start = position = None
    if p.suffix in (".sigmf-meta", ".sigmf-data"):
        p, meta_fmt, meta_rate, start, position = _sigmf(p)
    if not p.exists():
        raise UserError(f"{p}: no such file")
    if p.is_dir():
        raise UserError(f"{p}: is a directory, not an IQ recording")
    if not os.access(p, os.R_OK):
        raise UserError(f"{p}: permission denied")
    chosen_fmt = fmt or meta_fmt or EXTENSIONS.get(p.suffix.lower(), DEFAULT_FORMAT)
    return SourceSpec(str(p), chosen_fmt, rate or meta_rate or DEFAULT_RATE, start, position)


def open_stream(spec: SourceSpec) -> BinaryIO:
    if spec.data_path == "-":
        # The raw descriptor, not sys.stdin.buffer: the demodulator thread may still sit
        # in a read when the program exits, and the buffered reader's lock, held through
        # that read, is one the interpreter's closing of sys.stdin would wait for.
        return open(sys.stdin.fileno(), "rb", buffering=0, closefd=False)  # noqa: SIM115
    try:
        return open(spec.data_path, "rb")  # noqa: SIM115 - closed by the caller
    except OSError as exc:
        raise UserError(f"{spec.data_path}: cannot open ({exc.strerror})") from None


@dataclass
class ReadTotals:
    """What a reader consumed, for the closing summary and warnings."""

    samples: int = 0
    leftover_bytes: int = 0  # a partial sample at the end of the stream


def read_blocks(stream: BinaryIO, bytes_per_sample: int, scan_samples: int,
                lookahead: int, totals: ReadTotals | None = None) -> Iterator[Block]:
    """Yield overlapping blocks of whole samples; memory stays at one block whatever the
    stream's length."""
    totals = totals if totals is not None else ReadTotals()
    want = (scan_samples + lookahead) * bytes_per_sample
    buf = np.empty(want, dtype=np.uint8)
    view = memoryview(buf)
    filled = 0
    first_sample = 0
    eof = False
    while not eof:
        while filled < want:
            n = stream.readinto(view[filled:])
            if not n:
                eof = True
                break
            filled += n
        whole = filled - filled % bytes_per_sample
        samples = whole // bytes_per_sample
        if not eof:
            yield Block(buf, first_sample, scan_samples, False, time.time())
            keep = filled - scan_samples * bytes_per_sample
            buf[:keep] = buf[scan_samples * bytes_per_sample:filled]
            filled = keep
            first_sample += scan_samples
            totals.samples += scan_samples
            continue
        totals.leftover_bytes = filled - whole
        if samples:
            yield Block(buf[:whole], first_sample, samples, True, time.time())
        totals.samples += samples
