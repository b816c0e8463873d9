"""Frames to fields, named as pyModeS v3 names them (the tracker and the outputs read
those names).

The frequent formats are read without pyModeS.decode's general path: the short replies
in `replies.py`, the extended squitters through the one pyModeS register decoder their
type code needs (`squitter.py`). Comm-B (DF20/21), whose register pyModeS infers, and
anything else go to pyModeS.decode. Every path gives the dict pyModeS.decode gives for
the same frame (tests/decoder/test_fast_decode.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyModeS

from adsbwatch.decoder.messages.replies import acas_fields, all_call_fields, surveillance_fields
from adsbwatch.decoder.messages.squitter import (
    AIRBORNE_POSITION_TYPECODES,
    SURFACE_POSITION_TYPECODES,
    squitter_fields,
)

DECODE_ERRORS = (pyModeS.DecodeError, ValueError, KeyError, TypeError, IndexError)

FAST: dict[tuple[int, int], Callable[[bytes], dict[str, Any]]] = {  # (format, bytes)
    (0, 7): acas_fields, (4, 7): surveillance_fields, (5, 7): surveillance_fields,
    (11, 7): all_call_fields, (16, 14): acas_fields,
    (17, 14): squitter_fields, (18, 14): squitter_fields,
}


def decode_bytes(frame: bytes) -> dict[str, Any]:
    """The fields of one CRC-checked frame (7 or 14 bytes); raises one of DECODE_ERRORS
    when pyModeS has no decoder for it."""
    fast = FAST.get((frame[0] >> 3, len(frame))) if frame else None
    if fast is not None:
        return fast(frame)
    return pyModeS.decode(frame.hex())


# Extended squitter type codes that carry a CPR position: each such frame is new (its
# encoded position moves), so remembering them would only fill the memory below.
_POSITION_TYPECODES = SURFACE_POSITION_TYPECODES | AIRBORNE_POSITION_TYPECODES
REMEMBERED = 4096  # distinct frames kept: some seconds of a busy sky's repeats


class RepeatingDecoder:
    """decode_bytes that remembers the fields of the frames it decoded, but positions.

    Most frames repeat one heard shortly before, byte for byte: an aircraft's all-call
    replies, its identification, its velocity in steady flight, its altitude replies to
    each radar sweep (half of a real capture's frames, modes1). Their fields are the same
    dict again, which callers must not change. When REMEMBERED frames are kept, it
    starts again empty.
    """

    def __init__(self, remembered: int = REMEMBERED) -> None:
        self.remembered = remembered
        self._fields: dict[bytes, dict[str, Any]] = {}

    def __call__(self, frame: bytes) -> dict[str, Any]:
        fields = self._fields.get(frame)
        if fields is not None:
            return fields
        fields = decode_bytes(frame)
        if len(frame) < 14 or frame[0] >> 3 not in (17, 18) \
                or frame[4] >> 3 not in _POSITION_TYPECODES:
            if len(self._fields) >= self.remembered:
                self._fields.clear()
            self._fields[frame] = fields
        return fields

    def __len__(self) -> int:
        """Frames remembered."""
        return len(self._fields)


def decode_frame(frame_hex: str) -> dict[str, Any]:
    """decode_bytes for a frame given as hex."""
    return decode_bytes(bytes.fromhex(frame_hex))
