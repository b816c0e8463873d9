"""Frames to fields: pyModeS v3 for every format but the all-call reply.

An all-call reply (DF11) says only who and, in its capability, whether on the ground;
they are a fifth of all traffic, and reading those two fields here costs a tenth of a
pyModeS decode. Everything else goes to pyModeS, whose field names the tracker reads.
"""

from __future__ import annotations

from typing import Any

import pyModeS

DECODE_ERRORS = (pyModeS.DecodeError, ValueError, KeyError, TypeError, IndexError)


def decode_frame(frame_hex: str) -> dict[str, Any]:
    """The fields of one CRC-checked frame; raises one of DECODE_ERRORS when pyModeS has
    no decoder for it."""
    first = int(frame_hex[:2], 16)
    if first >> 3 == 11:
        return {"df": 11, "icao": frame_hex[2:8].upper(), "capability": first & 7}
    return pyModeS.decode(frame_hex)
