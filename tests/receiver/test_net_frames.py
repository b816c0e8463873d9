"""Network input after parsing: the CRC and address rule (pyModeS never sees a frame
whose CRC fails), one copy of a frame two inputs heard, the connector's reconnection,
and the frame source end to end over real sockets."""

from __future__ import annotations

import queue
import threading
import time

import pytest
from net_peers import ByteServer, free_port

from adsbwatch.decoder.frames.formats import CLOCK_HZ
from adsbwatch.receiver.addresses import NetSpec, parse_net_spec
from adsbwatch.receiver.errors import RuntimeFailure
from adsbwatch.receiver.sources.net.admission import (
    BAD_CRC,
    UNCHECKED,
    UNKNOWN_ADDRESS,
    WRONG_LENGTH,
    Admission,
)
from adsbwatch.receiver.sources.net.connector import Arrival, Connector
from adsbwatch.receiver.sources.net.dedupe import Dedupe
from adsbwatch.receiver.sources.net.source import NetFrameSource

# Real frames of 4d2023 (AMC421) from modes1, as every peer decoder found them
# (../shared/recordings/expected/modes1_union_of_peers.txt).
DF17 = bytes.fromhex("8d4d20232004d0f4cb1820b0efd4")  # identification: AMC421
DF11 = bytes.fromhex("5d4d20237a55a6")  # all-call reply, interrogator code 0
DF11_IID = bytes.fromhex("5d4d20237a559a")  # all-call reply to interrogator 0x3c
DF0 = bytes.fromhex("02e60db1ac27f4")  # address/parity: 4d2023
DF4 = bytes.fromhex("20000d3375d886")
DF5 = bytes.fromhex("280010248c796b")
S = CLOCK_HZ  # ticks per second


def flipped(frame: bytes, bit: int) -> bytes:
    data = bytearray(frame)
    data[bit // 8] ^= 0x80 >> (bit % 8)
    return bytes(data)


# ---------------------------------------------------------------------- the CRC rule


def test_clean_squitters_pass_and_a_flipped_bit_is_refused_not_repaired() -> None:
    check = Admission()
    assert check.admit(DF17, 0) and check.admit(DF11, 1)
    assert not check.admit(flipped(DF17, 60), 2)  # one bit: the other decoder's to fix
    assert not check.admit(flipped(DF11, 30), 3)
    assert check.refused == {BAD_CRC: 2}


def test_address_parity_only_for_an_address_heard_clean_recently() -> None:
    check = Admission(ttl_ticks=60 * S)
    assert not check.admit(DF4, 0)  # 4d2023 not heard yet
    assert not check.admit(DF11_IID, 0)  # an interrogator code hides the parity too
    assert check.admit(DF17, 1 * S)
    assert [check.admit(f, 2 * S) for f in (DF0, DF4, DF5, DF11_IID)] == [True] * 4
    # The accepted DF11 (as the demodulator does) renewed the address at 2 s.
    assert not check.admit(DF4, 63 * S)
    assert check.refused == {UNKNOWN_ADDRESS: 3}


def test_another_address_does_not_vouch() -> None:
    check = Admission()
    klm = bytes.fromhex("8d4840d6202cc371c32ce0576098")  # 4840d6, pyModeS' example
    assert check.admit(klm, 0)
    assert not check.admit(DF4, 1)
    assert check.refused == {UNKNOWN_ADDRESS: 1}


def test_formats_without_parity_and_wrong_lengths_are_refused() -> None:
    check = Admission()
    df19 = bytes([19 << 3]) + DF17[1:]
    assert not check.admit(df19, 0)
    assert not check.admit(DF17[:7], 0)  # a long format sent as a short frame
    assert not check.admit(DF11 + DF11, 0)
    assert check.refused == {UNCHECKED: 1, WRONG_LENGTH: 2}


def test_a_tis_b_squitter_does_not_make_its_address_heard() -> None:
    check = Admission()
    # DF18 CF 2 (TIS-B about another aircraft) with the right CRC for its content.
    from adsbwatch.decoder.frames.crc import with_parity

    tisb = with_parity(bytes([18 << 3 | 2]) + DF17[1:11])
    assert check.admit(tisb, 0)
    assert not check.admit(DF4, 1)


# ---------------------------------------------------------------------- dedupe


def test_a_copy_from_another_source_within_a_second_is_a_duplicate() -> None:
    d = Dedupe()
    assert not d.duplicate(DF17, 0, 10.0)
    assert d.duplicate(DF17, 1, 10.3)  # the other input's copy
    assert not d.duplicate(DF17, 1, 11.5)  # more than a second later: a new reply
    assert d.duplicate(DF17, 0, 11.6)


def test_a_repeat_from_the_same_source_is_a_reply_not_a_copy() -> None:
    d = Dedupe()
    # A transponder answering two interrogations with the same bytes, both inputs
    # hearing both: each reply decoded once.
    events = [(DF11, 0, 1.0), (DF11, 1, 1.01), (DF11, 0, 1.2), (DF11, 1, 1.21)]
    assert [d.duplicate(*e) for e in events] == [False, True, False, True]


def test_dedupe_forgets_old_frames() -> None:
    d = Dedupe()
    for i in range(1000):
        d.duplicate(i.to_bytes(7, "big"), 0, i * 0.01)
    assert len(d._copies) <= 102


# ---------------------------------------------------------------------- the option


def test_spec_parsing() -> None:
    assert parse_net_spec("127.0.0.1:30005") == NetSpec("127.0.0.1", 30005, "beast")
    assert parse_net_spec("pi.local:30002:AVR") == NetSpec("pi.local", 30002, "avr")
    assert parse_net_spec("[::1]:30005:beast") == NetSpec("::1", 30005, "beast")
    for bad in ("127.0.0.1", "host:0", "host:30005:sbs", ":30005", "host:port"):
        with pytest.raises(ValueError):
            parse_net_spec(bad)


# ---------------------------------------------------------------------- the connector


def beast_long(frame: bytes, timestamp: int = 0, signal: int = 100) -> bytes:
    """A Beast message by the format's definition (type '3' long, '2' short)."""
    body = timestamp.to_bytes(6, "big") + bytes([signal]) + frame
    return (b"\x1a3" if len(frame) == 14 else b"\x1a2") + body.replace(b"\x1a", b"\x1a\x1a")


def test_connector_reconnects_with_backoff_to_a_server_that_closes_and_comes_back() -> None:
    port = free_port()
    lines: list[str] = []
    out: queue.Queue[Arrival] = queue.Queue()
    connector = Connector(0, NetSpec("127.0.0.1", port), out, lines.append,
                          first_retry_s=0.05, say=lines.append)  # news and warnings in order
    connector.start()
    try:
        time.sleep(0.5)  # nothing listens: tries 0.05, 0.1, 0.2 s apart, said once
        assert lines == [f"127.0.0.1:{port} (beast): cannot connect (connection refused: "
                         "is the decoder running, its port right?); retrying, the wait "
                         "doubling up to 30 s"]
        server = _server_on(port, lambda: beast_long(DF17))
        try:
            first = out.get(timeout=5)
            second = out.get(timeout=5)  # after the server closed: connected again
        finally:
            server.close()
    finally:
        connector.stop()
    assert first.frames[0].frame == DF17 and second.frames[0].frame == DF17
    assert connector.connects >= 2 and server.clients >= 2
    assert lines[1:3] == [f"127.0.0.1:{port} (beast): connected",
                          f"127.0.0.1:{port} (beast): connection lost (the peer closed it); "
                          "reconnecting"]


def _server_on(port: int, payload) -> ByteServer:  # type: ignore[no-untyped-def]
    """A ByteServer on a chosen port (the connector already tries it)."""
    deadline = time.monotonic() + 5
    while True:
        try:
            return ByteServer(payload, port=port)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def test_connector_without_reconnect_gives_up_with_a_reason() -> None:
    connector = Connector(0, NetSpec("127.0.0.1", free_port()), queue.Queue(), print,
                          reconnect=False)
    connector.start()
    connector.stop()
    assert connector.done and "connection refused" in (connector.failure or "")


def test_frames_dropped_when_the_station_queue_is_full_are_counted() -> None:
    server = ByteServer(lambda: beast_long(DF17) * 50, chunk=22)
    out: queue.Queue[Arrival] = queue.Queue(maxsize=2)
    connector = Connector(0, NetSpec("127.0.0.1", server.port), out, lambda _: None,
                          reconnect=False)
    connector.start()
    try:
        deadline = time.monotonic() + 5
        while connector.parser.counts.frames < 50 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        connector.stop()
        server.close()
    queued = sum(len(out.get_nowait().frames) for _ in range(out.qsize()))
    assert connector.parser.counts.frames == 50
    assert queued + connector.overflow_frames == 50 and connector.overflow_frames > 0


# ---------------------------------------------------------------------- the source


def collect(source: NetFrameSource, until: threading.Event | None = None,
            seconds: float = 3.0) -> list:  # type: ignore[type-arg]
    batches = []
    deadline = time.monotonic() + seconds
    for batch in source.batches():
        batches.append(batch)
        if time.monotonic() > deadline or (until is not None and until.is_set()):
            break
    source.close()
    return batches


def test_source_batches_checked_frames_with_wall_clock_times_and_signal() -> None:
    stream = (beast_long(DF17, 12_000_000, 255) + beast_long(flipped(DF17, 50))
              + b"\x1a2" + bytes(6) + b"\x80" + DF4 + b"\x1a2" + bytes(6) + b"\x40" + DF11)
    server = ByteServer(lambda: stream, linger_s=10)
    source = NetFrameSource([NetSpec("127.0.0.1", server.port)], lambda _: None,
                            batch_s=0.1)
    try:
        started = time.time()
        batches = collect(source, seconds=1.5)
    finally:
        server.close()
    frames = [b for b in batches if len(b)]
    assert len(frames) == 1  # one read, one batch
    batch = frames[0]
    assert [bytes(row[:n]) for row, n in zip(batch.msg, batch.nbytes, strict=True)] == [
        DF17, DF4, DF11]  # the flipped one refused; the DF4 vouched for by the DF17
    assert batch.level.tolist() == pytest.approx([1.0, 0x80 / 255, 0x40 / 255])
    times = batch.epoch0 + batch.ticks / CLOCK_HZ
    assert all(started - 0.1 <= t <= time.time() for t in times)
    # Every batch about 0.1 s apart, empty ones too: time passes for the sinks.
    assert len(batches) >= 10
    ends = [b.epoch0 + b.until_ticks / CLOCK_HZ for b in batches]
    assert ends == sorted(ends) and max(b - a for a, b in zip(ends, ends[1:], strict=False)) < 0.5
    assert source.peers[0].refused == 1 and source.peers[0].decoded == 3


def test_two_sources_sending_the_same_frames_decode_each_once() -> None:
    stream = b"".join(beast_long(DF17, 12_000 * i) for i in range(5)) + beast_long(DF11)
    servers = [ByteServer(lambda: stream, linger_s=10) for _ in range(2)]
    specs = [NetSpec("127.0.0.1", s.port) for s in servers]
    source = NetFrameSource(specs, lambda _: None, batch_s=0.1)
    try:
        batches = collect(source, seconds=1.5)
    finally:
        for s in servers:
            s.close()
    delivered = sum(len(b) for b in batches)
    # DF17 five times (identical bytes, repeated by one transponder: five replies) and
    # the DF11 once; each arrives from both servers.
    assert delivered == 6
    assert sum(p.decoded for p in source.peers) == 6
    assert sum(p.duplicates for p in source.peers) == 6
    assert "copies of another input's" in "\n".join(source.summary_lines())


def test_source_without_reconnect_fails_naming_the_peer() -> None:
    port = free_port()
    source = NetFrameSource([NetSpec("127.0.0.1", port)], lambda _: None, reconnect=False,
                            batch_s=0.05)
    with pytest.raises(RuntimeFailure, match=f"127.0.0.1:{port} .*connection refused"):
        collect(source, seconds=5)


def test_stats_line_of_a_frame_source_says_frames_per_peer() -> None:
    import io

    from adsbwatch.receiver.station.stats import StatsSink

    server = ByteServer(lambda: beast_long(DF17) * 30 + beast_long(flipped(DF17, 40)),
                        linger_s=10)
    source = NetFrameSource([NetSpec("127.0.0.1", server.port)], lambda _: None,
                            batch_s=0.1)
    now = [100.0]
    out = io.StringIO()
    stats = StatsSink(source, 10.0, clock=lambda: now[0], out=out)
    try:
        for batch in source.batches():
            stats.on_batch(batch)
            if source.connectors[0].parser.counts.frames == 31 and len(batch):
                break
        now[0] = 110.0
        stats.on_batch(source._batch([]))
    finally:
        source.close()
        server.close()
    # 31 frames received in the 10 s, one refused; signal byte 100: -8.1 dBFS.
    assert out.getvalue() == (
        f"adsbwatch: 127.0.0.1:{server.port} (beast) 3 frames/s, refused 1, duplicates 0, "
        "dropped 0 (total), 30 frames (DF17 30), 1 aircraft, peak -8.1 dBFS\n")
