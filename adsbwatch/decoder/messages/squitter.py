"""Extended squitters (DF17/18): the format and control field decide the address type,
the type code decides the kind, once, from one table (DO-260B's type codes).

Each kind's decoder reads the 56-bit ME field through its own layout; the type codes of
a kind whose subtype adsbwatch does not read, and the reserved ones, give OtherSquitter.
"""

from __future__ import annotations

from collections.abc import Callable

from adsbwatch.decoder.messages.addressing import (
    COARSE_TISB_IMF_BIT,
    DF17,
    DF18_CONTROL_FIELDS,
    Addressing,
)
from adsbwatch.decoder.messages.identification import identification
from adsbwatch.decoder.messages.message import Message, OtherSquitter
from adsbwatch.decoder.messages.positions import airborne_position, surface_position
from adsbwatch.decoder.messages.status import (
    aircraft_status,
    operational_status,
    target_state,
)
from adsbwatch.decoder.messages.velocity import airborne_velocity

ME_MASK = (1 << 56) - 1
# (format, address, address type, type code, ME field) -> the message
SquitterDecoder = Callable[[int, int, Addressing, int, int], Message]


def other_squitter(df: int, icao: int, addressing: Addressing, tc: int,
                   me: int) -> OtherSquitter:
    return OtherSquitter(df, icao, addressing.address_type, tc)


# The type codes of the position messages: surface (BDS 0,6), airborne (0,5) with a
# barometric (9-18) or GNSS (20-22) altitude. TC 0 (no position, at most an altitude)
# is decoded as an airborne position but is none of these.
SURFACE_POSITION_TYPECODES = frozenset(range(5, 9))
AIRBORNE_POSITION_TYPECODES = frozenset((*range(9, 19), *range(20, 23)))

KINDS: tuple[tuple[range, SquitterDecoder], ...] = (
    (range(0, 1), airborne_position),  # no position information
    (range(1, 5), identification),
    (range(5, 9), surface_position),
    (range(9, 19), airborne_position),  # barometric altitude
    (range(19, 20), airborne_velocity),
    (range(20, 23), airborne_position),  # GNSS height
    (range(23, 28), other_squitter),  # test, surface system status, reserved
    (range(28, 29), aircraft_status),
    (range(29, 30), target_state),
    (range(30, 31), other_squitter),  # aircraft operational coordination
    (range(31, 32), operational_status),
)
BY_TYPECODE: tuple[SquitterDecoder, ...] = tuple(
    decoder for codes, decoder in KINDS for _ in codes)
assert len(BY_TYPECODE) == 32  # every 5-bit type code has exactly one kind


def squitter(frame: bytes) -> Message:
    """The message of a CRC-checked 14-byte DF17 or DF18 frame."""
    head = frame[0]
    df = head >> 3
    address_and_me = int.from_bytes(frame[1:11], "big")
    icao, me = address_and_me >> 56, address_and_me & ME_MASK
    addressing = DF17 if df == 17 else DF18_CONTROL_FIELDS[head & 7]
    if not addressing.extended_squitter:
        # Coarse TIS-B (CF3) says in its first bit whose address it is; management and
        # reserved formats say nothing adsbwatch reads.
        return OtherSquitter(df, icao, addressing.resolve(me, COARSE_TISB_IMF_BIT), None)
    tc = me >> 51
    return BY_TYPECODE[tc](df, icao, addressing, tc, me)

