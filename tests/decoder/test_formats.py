"""The downlink-format table against the Mode S facts (ICAO Annex 10, vol. IV, 3.1.2)."""

from __future__ import annotations

import pytest

from adsbwatch.decoder.frames import formats
from adsbwatch.decoder.frames.crc import syndrome_of, with_parity
from adsbwatch.decoder.frames.formats import Parity, downlink_format, frame_bits

# Real frames: a DF17 identification (KLM1023), a DF11 all-call reply, and a DF0 from
# the dump1090_rs capture whose parity is overlaid with the address a8aac8.
DF17 = bytes.fromhex("8d4840d6202cc371c32ce0576098")
DF11 = bytes.fromhex("5d4d20237a55a6")
DF0 = bytes.fromhex("02e19838bff1d9")


def test_the_kernels_lengths_are_those_of_the_accepted_formats_only() -> None:
    expected = {0: 56, 4: 56, 5: 56, 11: 56, 16: 112, 17: 112, 18: 112, 20: 112, 21: 112}
    assert {df: int(n) for df, n in enumerate(formats.ACCEPTED_BITS) if n} == expected


def test_parity_kinds() -> None:
    assert formats.ADDRESS_PARITY_DFS == (0, 4, 5, 16, 20, 21)
    assert formats.PLAIN_PARITY_DFS == (11, 17, 18)
    assert [df for df in range(32) if formats.ADDRESS_PARITY[df]] == [0, 4, 5, 16, 20, 21]
    assert [df for df in range(32) if formats.PLAIN_PARITY[df]] == [11, 17, 18]


def test_real_frames_have_their_formats_length_and_parity() -> None:
    assert frame_bits(DF17[0] >> 3) == 8 * len(DF17) == 112
    assert frame_bits(DF11[0] >> 3) == 8 * len(DF11) == 56
    assert frame_bits(DF0[0] >> 3) == 8 * len(DF0) == 56
    assert downlink_format(17).parity is Parity.PLAIN and syndrome_of(DF17) == 0
    assert downlink_format(11).parity is Parity.PLAIN and syndrome_of(DF11) == 0
    assert downlink_format(0).parity is Parity.ADDRESS and syndrome_of(DF0) == 0xA8AAC8


@pytest.mark.parametrize("df", [16, 20, 21])
def test_long_address_parity_formats_carry_the_address_in_their_parity(df: int) -> None:
    frame = with_parity(bytes([df << 3]) + bytes(10), overlay=0x4D2023)
    assert frame_bits(df) == 112
    assert downlink_format(df).parity is Parity.ADDRESS
    assert syndrome_of(frame) == 0x4D2023


def test_squitters_and_replies() -> None:
    assert [f.df for f in formats.DOWNLINK_FORMATS if f.squitter] == [11, 17, 18, 19]


def test_formats_without_a_checkable_parity_are_refused() -> None:
    for df in (19, 22, *range(24, 32)):
        fmt = downlink_format(df)
        assert fmt is not None and not fmt.accepted and fmt.bits == 112, df
    assert downlink_format(25).name.startswith("Comm-D")


def test_unassigned_formats() -> None:
    for df in (1, 2, 3, 6, 7, 8, 9, 10, 12, 13, 14, 15, 23):
        assert downlink_format(df) is None
        assert formats.ACCEPTED_BITS[df] == 0
        with pytest.raises(ValueError, match=f"DF{df} "):
            frame_bits(df)
