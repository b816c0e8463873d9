"""Any frame with a valid CRC decodes: every extended squitter and all-call (to the message
pyModeS' decode says, tests/pymodes_reference.py), every reply of an address/parity
format; formats without a decoder, and frames of the wrong length, raise UndecodableFrame
and nothing else."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pymodes_reference import assert_matches_reference

from adsbwatch.decoder.frames.crc import with_parity
from adsbwatch.decoder.messages.decode import DECODE_ERRORS, UndecodableFrame, decode
from adsbwatch.decoder.messages.message import SQUITTERS, AllCall

addresses = st.integers(0, 0xFFFFFF)
# Every type code equally, then any 51 bits: random ME fields alone would seldom try the
# rare kinds' subtypes.
me_fields = st.builds(lambda tc, rest: tc << 51 | rest, st.integers(0, 31),
                      st.integers(0, (1 << 51) - 1))


@st.composite
def squitters(draw: st.DrawFn) -> bytes:
    df, low3 = draw(st.sampled_from((17, 18))), draw(st.integers(0, 7))
    body = bytes([df << 3 | low3]) + draw(addresses).to_bytes(3, "big")
    return with_parity(body + draw(me_fields).to_bytes(7, "big"))


@given(squitters())
@settings(max_examples=3000, deadline=None)
def test_any_extended_squitter_with_a_valid_crc_decodes(frame: bytes) -> None:
    try:
        message = decode(frame)
    except UndecodableFrame:
        return
    assert isinstance(message, SQUITTERS)


@given(squitters())
@settings(max_examples=1500, deadline=None)
def test_any_extended_squitter_decodes_as_the_reference_says(frame: bytes) -> None:
    assert_matches_reference(decode(frame), frame)


@given(st.integers(0, 7), addresses, st.integers(0, 0x7F))
@settings(max_examples=500, deadline=None)
def test_any_all_call_reply_decodes(capability: int, icao: int, interrogator: int) -> None:
    frame = with_parity(bytes([11 << 3 | capability]) + icao.to_bytes(3, "big"), interrogator)
    message = decode(frame)
    assert message == AllCall(11, icao, capability)
    assert_matches_reference(message, frame)


@given(st.sampled_from((0, 4, 5, 16, 20, 21)), st.integers(0, 7), st.integers(0, 1 << 80),
       addresses)
@settings(max_examples=500, deadline=None)
def test_any_address_parity_reply_decodes(df: int, low3: int, rest: int, icao: int) -> None:
    length = 14 if df >= 16 else 7
    data = bytes([df << 3 | low3]) + (rest % (1 << 8 * (length - 4))).to_bytes(length - 4, "big")
    frame = with_parity(data, icao)
    message = decode(frame)
    assert message.icao == icao  # the address from the parity's remainder
    assert_matches_reference(message, frame)


@given(st.sampled_from((1, 2, 3, 6, 7, 8, 9, 10, 12, 19, 22, 24, 27, 31)), st.integers(0, 7),
       st.booleans(), st.binary(min_size=13, max_size=13))
def test_formats_without_a_decoder_raise_undecodable_frame(df: int, low3: int, long: bool,
                                                          rest: bytes) -> None:
    frame = bytes([df << 3 | low3]) + rest[:13 if long else 6]
    with pytest.raises(UndecodableFrame):
        decode(frame)


@pytest.mark.parametrize("frame", [
    "8d4840d6202cc371c32ce05760",  # a DF17 one byte short
    "5d4d20237a55a600",  # a DF11 one byte long
    "5d4d20237a55a65d4d20237a55a6",  # a DF11 in a long frame
    "",
])
def test_frames_of_the_wrong_length_raise_undecodable_frame(frame: str) -> None:
    with pytest.raises(DECODE_ERRORS) as raised:
        decode(bytes.fromhex(frame))
    assert isinstance(raised.value, UndecodableFrame) and isinstance(raised.value, ValueError)
