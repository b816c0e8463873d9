"""CRC-24 parity and the repair tables."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from adsbwatch.decoder.frames import crc

# A real DF17 identification frame (KLM1023) and a DF11 all-call reply.
DF17 = bytes.fromhex("8d4840d6202cc371c32ce0576098")
DF11 = bytes.fromhex("5d4d20237a55a6")


def test_known_frames_have_zero_syndrome() -> None:
    assert crc.syndrome_of(DF17) == 0
    assert crc.syndrome_of(DF11) == 0


def test_address_parity_frame_yields_its_address() -> None:
    # DF0 from the dump1090_rs capture: its parity is overlaid with a8aac8
    assert crc.syndrome_of(bytes.fromhex("02e19838bff1d9")) == 0xA8AAC8


def test_with_parity_appends_a_valid_crc_and_overlay() -> None:
    assert crc.with_parity(DF17[:11]) == DF17
    frame = crc.with_parity(bytes.fromhex("20001838"), overlay=0xABCDEF)
    assert crc.syndrome_of(frame) == 0xABCDEF


def _flip(frame: bytes, pos: int) -> bytes:
    b = bytearray(frame)
    b[pos >> 3] ^= 0x80 >> (pos & 7)
    return bytes(b)


@settings(deadline=None)  # the first call compiles or loads a Numba kernel
@given(st.integers(min_value=5, max_value=111))
def test_single_bit_table_finds_the_flipped_bit_112(pos: int) -> None:
    syn = crc.syndrome_of(_flip(DF17, pos))
    assert crc.lookup(crc.ONE_KEYS_112, crc.ONE_POS_112, syn) == pos


@settings(deadline=None)  # the first call compiles or loads a Numba kernel
@given(st.integers(min_value=5, max_value=55))
def test_single_bit_table_finds_the_flipped_bit_56(pos: int) -> None:
    syn = crc.syndrome_of(_flip(DF11, pos))
    assert crc.lookup(crc.ONE_KEYS_56, crc.ONE_POS_56, syn) == pos


@settings(deadline=None)  # the first call compiles or loads a Numba kernel
@given(st.integers(min_value=5, max_value=111), st.integers(min_value=5, max_value=111))
def test_two_bit_table_finds_both_bits(a: int, b: int) -> None:
    if a == b:
        return
    syn = crc.syndrome_of(_flip(_flip(DF17, a), b))
    packed = crc.lookup(crc.TWO_KEYS_112, crc.TWO_POS_112, syn)
    assert {packed >> 8, packed & 0xFF} == {a, b}


def test_repair_syndromes_are_unambiguous() -> None:
    assert np.unique(crc.ONE_KEYS_112).size == crc.ONE_KEYS_112.size
    assert np.unique(crc.TWO_KEYS_112).size == crc.TWO_KEYS_112.size
    assert np.intersect1d(crc.ONE_KEYS_112, crc.TWO_KEYS_112).size == 0


def test_df_bits_are_never_repaired() -> None:
    assert crc.ONE_POS_112.min() == 5 and crc.ONE_POS_56.min() == 5


@settings(max_examples=500, deadline=None)
@given(frame=st.binary(min_size=7, max_size=7) | st.binary(min_size=14, max_size=14))
def test_compiled_syndrome_is_the_plain_remainder(frame: bytes) -> None:
    # The kernels' syndrome takes three data bytes a step; parity.py's plain one byte at
    # a time, as the long division is written.
    from adsbwatch.decoder.frames.parity import remainder

    assert crc.syndrome_of(frame) == remainder(frame)
