"""Beast output: records checked byte by byte against hand-computed ones (0x1a doubled in
timestamp, signal and payload), and read back by pyModeS' own Beast parser (the one
`modes live` uses) and by a spec-based reader written here; AVR with timestamps."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from pyModeS.cli._source import _parse_beast_buffer

from adsbwatch.decoder.frames.batch import FrameBatch
from adsbwatch.receiver.outputs.avr import avr_text
from adsbwatch.receiver.outputs.net.beast import HEARTBEAT, beast_bytes, signal_bytes


def batch_of(frames: list[bytes], ticks: list[int], levels: list[float]) -> FrameBatch:
    msg = np.zeros((len(frames), 14), dtype=np.uint8)
    for i, frame in enumerate(frames):
        msg[i, :len(frame)] = np.frombuffer(frame, dtype=np.uint8)
    n = len(frames)
    return FrameBatch(msg, np.array(ticks, dtype=np.int64), np.array(levels, np.float32),
                      np.zeros(n, np.uint8))


def spec_read(stream: bytes) -> list[tuple[int, int, int, bytes]]:
    """(type, timestamp, signal, payload) per record, read as the Beast spec says:
    a record starts at an unpaired 0x1a; inside it a paired 0x1a is one byte."""
    records = []
    i = 0
    while i < len(stream):
        assert stream[i] == 0x1A, f"no record start at {i}"
        kind = stream[i + 1]
        size = {ord("1"): 2, ord("2"): 7, ord("3"): 14}[kind] + 7
        body = bytearray()
        j = i + 2
        while len(body) < size:
            if stream[j] == 0x1A:
                assert stream[j + 1] == 0x1A, f"unpaired 0x1a inside a record at {j}"
                j += 1
            body.append(stream[j])
            j += 1
        records.append((kind, int.from_bytes(body[:6], "big"), body[6], bytes(body[7:])))
        i = j
    return records


def test_a_short_frame_with_0x1a_in_timestamp_signal_and_payload() -> None:
    frame = bytes.fromhex("5d1a20237a55a6")
    batch = batch_of([frame], [0x1A00001A0001], [26 / 255])
    expected = bytes.fromhex(
        "1a32"            # escape, type '2'
        "1a1a00001a1a0001"  # timestamp 1a 00 00 1a 00 01, each 0x1a doubled
        "1a1a"            # signal 26 = 0x1a, doubled
        "5d1a1a20237a55a6")  # payload, its 0x1a doubled
    assert beast_bytes(batch) == expected


def test_a_long_frame_and_a_short_one_in_order() -> None:
    long = bytes.fromhex("8d4d2023990cfe87d8041bce4a4e")
    short = bytes.fromhex("5d4d20237a55a6")
    batch = batch_of([long, short], [12_000_000, 12_000_001], [1.0, 0.5])
    # 12_000_000 = 0x000000b71b00; level 1 -> 255; 0.5 -> 127.5 -> 128
    assert beast_bytes(batch) == bytes.fromhex(
        "1a33" "000000b71b00" "ff" "8d4d2023990cfe87d8041bce4a4e"
        "1a32" "000000b71b01" "80" "5d4d20237a55a6")


def test_signal_is_the_level_times_255_clamped_to_1_255() -> None:
    levels = np.array([0.0, 1e-6, 0.002, 0.1, 0.5, 1.0, 3.0], np.float32)
    assert signal_bytes(levels).tolist() == [1, 1, 1, 26, 128, 255, 255]


def test_the_timestamp_keeps_48_bits() -> None:
    frame = bytes.fromhex("5d4d20237a55a6")
    batch = batch_of([frame], [(1 << 48) + 5], [0.5])
    assert spec_read(beast_bytes(batch))[0][1] == 5


def test_an_empty_batch_is_no_bytes() -> None:
    assert beast_bytes(batch_of([], [], [])) == b""


def test_the_heartbeat_is_a_mode_ac_record_readers_skip() -> None:
    assert spec_read(HEARTBEAT) == [(ord("1"), 0, 0, b"\0\0")]
    frames, rest = _parse_beast_buffer(HEARTBEAT * 3)
    assert frames == [] and rest == b""  # pyModeS consumes it and yields nothing


# Frames rich in 0x1a bytes, so that escaping is exercised in every field.
byte = st.one_of(st.just(0x1A), st.integers(0, 255))
short = st.lists(byte, min_size=6, max_size=6).flatmap(
    lambda rest: st.integers(0, 127).map(lambda first: bytes([first, *rest])))
long = st.lists(byte, min_size=13, max_size=13).flatmap(
    lambda rest: st.integers(128, 255).map(lambda first: bytes([first, *rest])))
tick = st.one_of(st.just(0x1A1A1A1A1A1A), st.integers(0, (1 << 48) - 1))
level = st.one_of(st.just(26 / 255), st.floats(0, 1, width=32))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.one_of(short, long), tick, level), max_size=30))
def test_pymodes_reads_back_every_frame_and_timestamp(rows) -> None:
    frames = [f for f, _, _ in rows]
    batch = batch_of(frames, [t for _, t, _ in rows], [lv for _, _, lv in rows])
    stream = beast_bytes(batch)
    parsed, rest = _parse_beast_buffer(stream)
    assert rest == b""
    assert parsed == [(t, f.hex().upper()) for f, t, _ in rows]
    records = spec_read(stream)
    assert [r[3] for r in records] == frames
    # round() halves to even, as the encoder's np.rint does
    assert [r[2] for r in records] == [min(255, max(1, round(float(lv) * 255)))
                                       for lv in batch.level]
    assert [r[0] for r in records] == [ord("3") if len(f) == 14 else ord("2") for f in frames]


def test_avr_with_timestamps() -> None:
    frames = [bytes.fromhex("5d4d20237a55a6"), bytes.fromhex("8d4d2023990cfe87d8041bce4a4e")]
    batch = batch_of(frames, [0x1A2B3C4D5E6F, 12_000_000], [0.5, 0.5])
    assert avr_text(batch, timestamps=True) == (
        "@1a2b3c4d5e6f5d4d20237a55a6;\n@000000b71b008d4d2023990cfe87d8041bce4a4e;\n")
    assert avr_text(batch) == "*5d4d20237a55a6;\n*8d4d2023990cfe87d8041bce4a4e;\n"


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.one_of(short, long), tick), max_size=30))
def test_avr_timestamped_lines_one_per_frame(rows) -> None:
    batch = batch_of([f for f, _ in rows], [t for _, t in rows], [0.5] * len(rows))
    assert avr_text(batch, timestamps=True) == "".join(
        f"@{t:012x}{f.hex()};\n" for f, t in rows)
