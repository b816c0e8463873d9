"""The tables behind the replies: every one of the 8192 altitude and identity codes as
pyModeS reads it, and the parity remainder (the address of an address/parity reply) as
pyModeS computes it."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from pyModeS._altcode import altcode_to_altitude
from pyModeS._idcode import idcode_to_squawk
from pyModeS.util import crc

from adsbwatch.decoder.frames.parity import remainder
from adsbwatch.decoder.messages.altitude import altitude_ft
from adsbwatch.decoder.messages.identity import squawk


def test_the_altitude_and_identity_tables_agree_with_pymodes_for_every_code() -> None:
    for code in range(1 << 13):
        assert altitude_ft(code) == altcode_to_altitude(code), code
        assert squawk(code) == idcode_to_squawk(code), code


@given(st.binary(min_size=7, max_size=7) | st.binary(min_size=14, max_size=14))
@settings(max_examples=500)
def test_the_remainder_is_pymodes_crc(frame: bytes) -> None:
    assert remainder(frame) == crc(frame.hex())


def test_known_remainders() -> None:
    assert remainder(bytes.fromhex("8d4840d6202cc371c32ce0576098")) == 0  # DF17 KLM1023
    assert remainder(bytes.fromhex("02e19838bff1d9")) == 0xA8AAC8  # DF0, dump1090_rs
