"""What a network parser hands on: one Mode S frame as another decoder sent it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from adsbwatch.decoder.frames.formats import LONG_BITS, SHORT_BITS


class Heard(NamedTuple):
    frame: bytes  # 7 or 14 bytes, as received (not yet checked)
    timestamp: int | None  # the sender's 12 MHz clock, if it sent one
    signal: int | None  # the sender's signal byte (Beast: sqrt(mean power) * 255)


@dataclass
class ParseCounts:
    """What a parser met besides frames, for the stats and the closing summary."""

    frames: int = 0
    mode_ac: int = 0  # Mode A/C replies (and dump1090's heartbeats): counted, not decoded
    garbage_bytes: int = 0  # skipped while looking for the next message
    bad_messages: int = 0  # a message cut short, of an unknown or status type, malformed


def has_its_length(frame: bytes) -> bool:
    """Whether `frame` is as long as its downlink format says (its first bit set: long).
    A DF17 in a short record is a malformed record, not a frame whose CRC fails: batches
    carry no length of their own, every consumer takes it from the format."""
    return bool(frame) and len(frame) * 8 == (LONG_BITS if frame[0] & 0x80 else SHORT_BITS)
