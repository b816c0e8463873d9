"""The Beast and AVR parsers of network input: messages built by hand from the formats'
definitions, a real peer's streams (dump1090-mutability), and fuzzing: any bytes, any
split of a stream into chunks."""

from __future__ import annotations

import socket
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from net_peers import (
    dump1090_avr,
    dump1090_beast_server,
    free_port,
    padded_recording,
    wait_listening,
)

from adsbwatch.receiver.sources.net.avr import AvrParser
from adsbwatch.receiver.sources.net.beast import BeastParser
from adsbwatch.receiver.sources.net.heard import Heard

# Frames from the literature (pyModeS' documentation and tests): KLM1023's
# identification (DF17) and an all-call reply of 4d2023 heard in modes1 (DF11).
LONG = bytes.fromhex("8d4840d6202cc371c32ce0576098")
SHORT = bytes.fromhex("5d4d20237a55a6")


def beast(kind: bytes, payload: bytes, timestamp: int = 0, signal: int = 0x40) -> bytes:
    """One Beast message as the format defines it: 0x1a, the type, 6 bytes of timestamp,
    the signal byte, the payload, with every 0x1a after the type sent twice."""
    body = timestamp.to_bytes(6, "big") + bytes([signal]) + payload
    return b"\x1a" + kind + body.replace(b"\x1a", b"\x1a\x1a")


def parse_beast(data: bytes, pieces: list[int] | None = None) -> tuple[list[Heard], BeastParser]:
    parser = BeastParser()
    return _feed(parser, data, pieces), parser


def _feed(parser: BeastParser | AvrParser, data: bytes,
          cuts: list[int] | None) -> list[Heard]:
    out: list[Heard] = []
    edges = [0, *sorted(c % (len(data) + 1) for c in (cuts or [])), len(data)]
    for a, b in zip(edges, edges[1:], strict=False):
        out.extend(parser.feed(data[a:b]))
    return out


# ---------------------------------------------------------------------- Beast by hand


def test_beast_long_and_short_frames_with_their_timestamp_and_signal() -> None:
    data = beast(b"3", LONG, 0x0000_1234_5678, 200) + beast(b"2", SHORT, 0xABCDEF, 7)
    frames, parser = parse_beast(data)
    assert frames == [Heard(LONG, 0x12345678, 200), Heard(SHORT, 0xABCDEF, 7)]
    assert parser.counts.frames == 2 and parser.counts.garbage_bytes == 0


def test_beast_escaped_0x1a_in_timestamp_signal_and_payload() -> None:
    payload = bytes.fromhex("8d1a1a1a202cc371c32ce057601a")  # not a real frame: bytes
    data = beast(b"3", payload, 0x1A_1A00_001A_00, 0x1A)
    assert data.count(b"\x1a") == 1 + 2 * 8  # each of the eight 0x1a doubled
    frames, _ = parse_beast(data)
    assert frames == [Heard(payload, 0x1A1A00001A00, 0x1A)]


def test_beast_mode_ac_and_status_messages_are_counted_not_frames() -> None:
    data = (beast(b"1", b"\x12\x34") + beast(b"4", b"\x00" * 14) + beast(b"9", b"\x55" * 3)
            + beast(b"2", SHORT))
    frames, parser = parse_beast(data)
    assert frames == [Heard(SHORT, 0, 0x40)]
    assert parser.counts.mode_ac == 1
    assert parser.counts.bad_messages == 2  # type '4' and the unknown '9'
    # The skipped messages' bodies are garbage up to the next 0x1a.
    assert parser.counts.garbage_bytes == (7 + 14) + (7 + 3)


def test_beast_resyncs_after_garbage_and_a_cut_message() -> None:
    cut = beast(b"3", LONG)[:12]  # a message broken off by a new one
    data = b"hello\x00\xff" + cut + beast(b"3", LONG, 5) + b"\x1a\x1a" + beast(b"2", SHORT, 6)
    frames, parser = parse_beast(data)
    assert frames == [Heard(LONG, 5, 0x40), Heard(SHORT, 6, 0x40)]
    assert parser.counts.bad_messages == 1
    assert parser.counts.garbage_bytes == 7 + 2


def test_beast_message_split_anywhere_is_kept_for_the_next_chunk() -> None:
    data = beast(b"3", LONG, 0x1A1A1A, 0x1A) + beast(b"2", SHORT, 1)
    whole, _ = parse_beast(data)
    for cut in range(len(data) + 1):
        parser = BeastParser()
        first = parser.feed(data[:cut])
        assert first + parser.feed(data[cut:]) == whole, cut


def test_beast_after_a_run_of_0x1a_the_last_one_starts_a_message() -> None:
    """Garbage ending in 0x1a bytes, then a message: found whatever the run's length and
    wherever the stream is cut. (Doubles were skipped pair by pair, which swallowed the
    start of the message after an odd run of junk 0x1a: its record was lost.)"""
    for junk in range(6):
        data = b"\x00" + b"\x1a" * junk + beast(b"3", LONG, 9)
        for cut in range(len(data) + 1):
            parser = BeastParser()
            frames = parser.feed(data[:cut]) + parser.feed(data[cut:])
            assert frames == [Heard(LONG, 9, 0x40)], (junk, cut)
            assert parser.counts.garbage_bytes == 1 + junk, (junk, cut)


def test_beast_a_false_start_in_garbage_is_cut_short_by_the_next_message() -> None:
    """Escaped 0x1a of a lost message followed by a byte that reads as a type: taken for
    a start, then cut short by the next message's lone 0x1a, where parsing goes on."""
    data = b"\x1a" * 4 + b"3" + bytes(20) + beast(b"2", SHORT, 1)
    frames, parser = parse_beast(data)
    assert frames == [Heard(SHORT, 1, 0x40)]
    assert parser.counts.garbage_bytes == 3 and parser.counts.bad_messages == 1


def test_a_frame_in_a_record_of_the_other_length_is_a_bad_message() -> None:
    """A long format (its first bit set) in a short record, a short one in a long record:
    malformed records, not frames (the batches' frames take their length from it)."""
    data = beast(b"2", LONG[:7]) + beast(b"3", SHORT + SHORT) + beast(b"2", SHORT)
    frames, parser = parse_beast(data)
    assert frames == [Heard(SHORT, 0, 0x40)]
    assert parser.counts.frames == 1 and parser.counts.bad_messages == 2
    avr = AvrParser()
    assert avr.feed(f"*{LONG[:7].hex()};\n*{(SHORT + SHORT).hex()};\n".encode()) == []
    assert avr.counts.frames == 0 and avr.counts.bad_messages == 2


# ---------------------------------------------------------------------- AVR by hand


def test_avr_plain_timestamped_and_readsb_lines() -> None:
    text = (f"*{LONG.hex().upper()};\n"
            f"@00000000ABCD{SHORT.hex()};\r\n"
            f"<0000000000FFC8{LONG.hex()};\n").encode()
    parser = AvrParser()
    assert parser.feed(text) == [Heard(LONG, None, None), Heard(SHORT, 0xABCD, None),
                                 Heard(LONG, 0xFF, 0xC8)]


def test_avr_garbage_and_mode_ac_lines_are_counted() -> None:
    text = (b"*1234;\nhello\n*8d4840;\n*zz4840d6202cc371c32ce0576098;\n\n"
            + b"x" * 500 + b"\n" + f"*{SHORT.hex()};\n".encode())
    parser = AvrParser()
    assert parser.feed(text) == [Heard(SHORT, None, None)]
    assert parser.counts.mode_ac == 1
    assert parser.counts.bad_messages == 4  # hello, too short, not hex, too long


# ---------------------------------------------------------------------- fuzzing

MESSAGES = st.one_of(
    st.builds(lambda p, t, s: beast(b"3", p, t, s), st.binary(min_size=14, max_size=14),
              st.integers(0, 2**48 - 1), st.integers(0, 255)),
    st.builds(lambda p, t, s: beast(b"2", p, t, s), st.binary(min_size=7, max_size=7),
              st.integers(0, 2**48 - 1), st.integers(0, 255)),
    st.builds(lambda p: beast(b"1", p), st.binary(min_size=2, max_size=2)),
    st.binary(max_size=30),  # garbage, also with 0x1a in it
)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000), st.lists(st.integers(0, 4000), max_size=20))
def test_beast_never_raises_on_any_bytes(data: bytes, cuts: list[int]) -> None:
    parser = BeastParser()
    frames = _feed(parser, data, cuts)
    assert all(len(f.frame) in (7, 14) for f in frames)
    assert parser.counts.frames == len(frames)
    assert len(parser._pending) <= 2 + 2 * 21  # a partial message at most: nothing piles up


@settings(max_examples=300, deadline=None)
@given(st.lists(MESSAGES, max_size=30), st.lists(st.integers(0, 4000), max_size=30))
def test_beast_any_split_gives_what_one_piece_gives(messages: list[bytes],
                                                    cuts: list[int]) -> None:
    data = b"".join(messages)
    whole, one = parse_beast(data)
    pieces, split = parse_beast(data, cuts)
    assert pieces == whole
    assert split.counts == one.counts


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000), st.lists(st.integers(0, 4000), max_size=20))
def test_avr_never_raises_on_any_bytes(data: bytes, cuts: list[int]) -> None:
    parser = AvrParser()
    frames = _feed(parser, data, cuts)
    assert all(len(f.frame) in (7, 14) for f in frames)
    assert len(parser._pending) <= 80


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(
    st.builds(lambda p: f"*{p.hex()};", st.binary(min_size=7, max_size=7)),
    st.builds(lambda p, t: f"@{t:012X}{p.hex()};", st.binary(min_size=14, max_size=14),
              st.integers(0, 2**48 - 1)),
    st.text(alphabet="*@<;0123456789abcdefXYZ \r", max_size=100)), max_size=30),
    st.lists(st.sampled_from(["\n", "\r\n"]), min_size=30, max_size=30),
    st.lists(st.integers(0, 4000), max_size=30))
def test_avr_any_split_gives_what_one_piece_gives(lines: list[str], ends: list[str],
                                                  cuts: list[int]) -> None:
    data = "".join(line + end for line, end in zip(lines, ends, strict=False)).encode()
    one = AvrParser()
    whole = one.feed(data)
    split = AvrParser()
    assert _feed(split, data, cuts) == whole
    assert split.counts == one.counts


# ---------------------------------------------------------------------- a real peer


def test_dump1090s_beast_and_avr_streams_give_the_same_frames(recordings: Path,
                                                              tmp_path: Path) -> None:
    """dump1090-mutability's Beast output over TCP, parsed, holds exactly the frames of
    its own AVR output of the same recording (modes1: about 319, README's figure)."""
    recording = recordings / "modes1_resampled_cu8_2400k.bin"
    # Silence first: the client connects before the frames come. (The silence moves
    # the recording against dump1090's buffers, which changes a frame or two: both
    # streams are of the same padded file.)
    padded = padded_recording(recording, tmp_path / "padded.cu8", silence_s=3.0)
    avr = dump1090_avr(padded)
    assert 310 <= len(avr) <= 330
    port = free_port()
    with dump1090_beast_server(padded, port) as peer:
        wait_listening(port)
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            data = b""
            while chunk := sock.recv(65536):  # dump1090 closes it when the file ends
                data += chunk
        peer.wait(timeout=30)
    frames, parser = parse_beast(data)
    assert [f.frame for f in frames] == avr
    assert parser.counts.garbage_bytes == parser.counts.bad_messages == 0
    stamps = [f.timestamp for f in frames]
    assert stamps == sorted(stamps) and all(1 <= f.signal <= 255 for f in frames)
    # dump1090's clock is its sample counter at 12 MHz: the frames span modes1's 178 ms.
    span_s = (stamps[-1] - stamps[0]) / 12e6
    assert 0.15 < span_s < 0.18
