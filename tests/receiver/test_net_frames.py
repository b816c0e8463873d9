"""Network input: the CRC and address rule the station applies to other decoders' frames
(pyModeS never sees a frame whose CRC fails), one copy of a frame two inputs heard, the
connector's reconnection, a peer as a frame source (timed, unchecked frames, a buffer
bounded in bytes), and peers through the station end to end over real sockets."""

from __future__ import annotations

import io
import threading
import time

import numpy as np
import pytest
from net_peers import ByteServer, free_port

from adsbwatch.decoder.frames.batch import FrameBatch
from adsbwatch.decoder.frames.formats import CLOCK_HZ
from adsbwatch.receiver.addresses import NetSpec, parse_net_spec
from adsbwatch.receiver.core.backoff import Retry
from adsbwatch.receiver.core.events import Tick
from adsbwatch.receiver.errors import RuntimeFailure
from adsbwatch.receiver.sources.net.buffer import Chunk
from adsbwatch.receiver.sources.net.connector import Connector
from adsbwatch.receiver.sources.net.heard import Heard
from adsbwatch.receiver.sources.net.peer import PeerSource
from adsbwatch.receiver.station.admission import (
    BAD_CRC,
    UNCHECKED,
    UNKNOWN_ADDRESS,
    WRONG_LENGTH,
    Admission,
)
from adsbwatch.receiver.station.dedupe import Dedupe
from adsbwatch.receiver.station.frames_input import FramesInput
from adsbwatch.receiver.station.station import Station
from adsbwatch.receiver.ui.footer import Footer
from adsbwatch.receiver.ui.inputs import peer_states
from adsbwatch.receiver.ui.statsline import StatsLine

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


class Reads:
    """What a connector delivers: each read's frames, waited for."""

    def __init__(self) -> None:
        self.reads: list[list[Heard]] = []
        self._came = threading.Condition()

    def __call__(self, arrival: float, frames: list[Heard]) -> None:
        with self._came:
            self.reads.append(frames)
            self._came.notify_all()

    def wait(self, n: int, timeout_s: float = 5.0) -> list[list[Heard]]:
        with self._came:
            assert self._came.wait_for(lambda: len(self.reads) >= n, timeout_s), self.reads
            return self.reads[:n]


def test_connector_reconnects_with_backoff_to_a_server_that_closes_and_comes_back() -> None:
    port = free_port()
    lines: list[str] = []
    reads = Reads()
    connector = Connector(NetSpec("127.0.0.1", port), reads, lines.append,
                          first_retry_s=0.05, say=lines.append)  # news and warnings in order
    connector.start()
    try:
        time.sleep(0.5)  # nothing listens: tries 0.05, 0.1, 0.2 s apart, said once
        assert lines == [f"127.0.0.1:{port} (beast): cannot connect (connection refused: "
                         "is the decoder running, its port right?); retrying, the wait "
                         "doubling up to 30 s"]
        server = _server_on(port, lambda: beast_long(DF17))
        try:
            first, second = reads.wait(2)  # the second after the server closed: again
        finally:
            server.close()
    finally:
        connector.stop()
    assert first[0].frame == DF17 and second[0].frame == DF17
    assert connector.connects >= 2 and server.clients >= 2
    # It closed at once: one warning, and its reconnections are no news.
    assert lines[1] == f"127.0.0.1:{port} (beast): connected"
    assert lines[2].startswith(f"127.0.0.1:{port} (beast): connection lost (the peer closed "
                               "it) 0.0 s after it was made; reconnecting, the wait "
                               "doubling up to 30 s until a connection holds")
    assert len(lines) == 3


def _server_on(port: int, payload, linger_s: float = 0.0) -> ByteServer:  # type: ignore[no-untyped-def]
    """A ByteServer on a chosen port (the connector already tries it)."""
    deadline = time.monotonic() + 5
    while True:
        try:
            return ByteServer(payload, port=port, linger_s=linger_s)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def test_a_peer_that_closes_every_connection_at_once_is_tried_less_and_less_often() -> None:
    """Accepting and closing at once, forever: the wait before each try doubles as after
    a refused one (it was the first wait again after every connection made: two
    connections and two lines a second), and it is one warning, not one per try."""
    server = ByteServer(lambda: b"")
    said: list[str] = []
    warned: list[str] = []
    connector = Connector(NetSpec("127.0.0.1", server.port), lambda *_: None, warned.append,
                          first_retry_s=0.05, say=said.append)
    connector.start()
    try:
        time.sleep(1.0)  # tries at 0, 0.05, 0.15, 0.35, 0.75: 5 (waits of 0.05 s: 20)
    finally:
        connector.stop()
        server.close()
    assert 3 <= connector.connects <= 6 and server.clients == connector.connects
    assert said == [f"127.0.0.1:{server.port} (beast): connected"]
    assert len(warned) == 1 and "until a connection holds" in warned[0]


def test_a_connection_that_holds_after_flapping_is_news_and_resets_the_wait() -> None:
    port = free_port()
    said: list[str] = []
    warned: list[str] = []
    server = _server_on(port, lambda: beast_long(DF11))  # sends, closes, listens on
    connector = Connector(NetSpec("127.0.0.1", port), lambda *_: None, warned.append,
                          first_retry_s=0.05, say=said.append, stable_s=0.5)
    connector.start()
    try:
        deadline = time.monotonic() + 5
        while connector.connects < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        server.close()  # now nothing listens: the reconnection fails, try after try
        server = _server_on(port, lambda: beast_long(DF11), linger_s=30)
        deadline = time.monotonic() + 10
        while len(said) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert connector.connected
    finally:
        connector.stop()
        server.close()
    assert said == [f"127.0.0.1:{port} (beast): connected"] * 2  # the first, the lasting
    assert len(warned) == 1 and not any("cannot connect" in w for w in warned), warned


def test_retry_waits_double_and_start_afresh_only_after_a_connection_that_held() -> None:
    now = [0.0]
    retry = Retry(first_s=0.5, stable_s=10.0, clock=lambda: now[0])
    assert [retry.failed() for _ in range(8)] == [0.5, 1, 2, 4, 8, 16, 30, 30]
    retry = Retry(first_s=0.5, stable_s=10.0, clock=lambda: now[0])
    waits = []
    for _ in range(4):  # connections that end at once: as failed tries
        retry.connected()
        now[0] += 1.0
        waits.append(retry.lost())
    assert waits == [0.5, 1, 2, 4]
    retry.connected()
    now[0] += 10.0
    assert retry.held and retry.lost() == 0.5 and retry.wait_s == 1


def test_connector_without_reconnect_gives_up_with_a_reason() -> None:
    connector = Connector(NetSpec("127.0.0.1", free_port()), lambda *_: None, print,
                          reconnect=False)
    connector.start()
    connector.stop()
    assert connector.done and "connection refused" in (connector.failure or "")


# ---------------------------------------------------------------------- the peer source


def test_a_peer_buffer_is_bounded_in_bytes_and_counts_what_did_not_fit() -> None:
    """A peer sends far more than is taken: the buffer keeps what fits in its bytes (26 a
    frame, whatever size the reads are), the rest is dropped and counted, and what was
    kept comes out in slices, in order. (A queue of 2000 reads held ~1 GB of a fast
    peer's frames.)"""
    frames = 20_000
    server = ByteServer(lambda: beast_long(DF17) * frames, linger_s=10)
    source = PeerSource(NetSpec("127.0.0.1", server.port), lambda _: None,
                        buffer_bytes=26 * 1000 + 25, slice_frames=300)
    try:
        source.open()
        deadline = time.monotonic() + 10
        while source.connector.parser.counts.frames < frames and time.monotonic() < deadline:
            time.sleep(0.02)
        kept = source.buffer.frames
        source.close()
        batches = list(source.batches())
    finally:
        server.close()
    assert source.connector.parser.counts.frames == frames
    assert kept == 1000 and source.buffer.dropped == frames - kept
    sizes = [len(b) for b in batches]
    assert sizes[:4] == [300, 300, 300, 100] and sum(sizes) == kept
    ticks = np.concatenate([b.ticks for b in batches])
    assert (np.diff(ticks) >= 0).all()
    assert all(bytes(b.msg[i]) == DF17 for b in batches for i in range(len(b)))
    [state] = source.peer_states()
    assert state.received == frames and state.dropped == frames - kept


def test_a_chunk_split_and_joined_keeps_every_frame() -> None:
    n = 10
    chunk = Chunk(np.arange(14 * n, dtype=np.uint8).reshape(n, 14), np.arange(n),
                  np.ones(n, np.float32))
    a, b = chunk.split(4)
    assert (len(a), len(b)) == (4, 6) and a.nbytes + b.nbytes == chunk.nbytes
    joined = Chunk.joined([a, b])
    assert (joined.msg == chunk.msg).all() and (joined.ticks == chunk.ticks).all()


def first_batches(stream: bytes, protocol: str, frames: int) -> list[FrameBatch]:
    """A peer source's batches until `frames` frames came, from a server sending
    `stream`."""
    server = ByteServer(lambda: stream, linger_s=10)
    source = PeerSource(NetSpec("127.0.0.1", server.port, protocol), lambda _: None,
                        batch_s=0.05)
    out: list[FrameBatch] = []
    try:
        for batch in source.batches():
            out.append(batch)
            if sum(len(b) for b in out) == frames:
                return out
    finally:
        source.close()
        server.close()
    raise AssertionError("the source ended")


def test_a_peer_hands_on_unchecked_frames_with_wall_clock_times_and_levels() -> None:
    """Frames as the peer sent them, refused ones too: the rule is the station's."""
    stream = beast_long(DF17, 12_000_000, 255) + beast_long(flipped(DF17, 50))
    started = time.time()
    out = first_batches(stream, "beast", frames=2)
    full = [b for b in out if len(b)]
    assert [bytes(row) for b in full for row in b.msg] == [DF17, flipped(DF17, 50)]
    assert np.concatenate([b.level for b in full]) == pytest.approx([1.0, 100 / 255])
    times = [b.epoch0 + t / CLOCK_HZ for b in full for t in b.ticks]
    assert all(started - 0.1 <= t <= time.time() for t in times)
    ends = [b.until_ticks for b in out]
    assert ends == sorted(ends)


# ---------------------------------------------------------------------- through the station


class Collector:
    """Every batch the station's stages get."""

    name = "collector"

    def __init__(self) -> None:
        self.batches: list[FrameBatch] = []

    def on_frames(self, batch: FrameBatch) -> None:
        self.batches.append(batch)

    def close(self) -> None:
        pass

    @property
    def frames(self) -> list[bytes]:
        return [bytes(b.msg[i, :n]) for b in self.batches
                for i, n in enumerate(b.nbytes.tolist())]


def peers_station(*specs: NetSpec, batch_s: float = 0.1,
                  reconnect: bool = True) -> tuple[Station, Collector]:
    inputs = [FramesInput(PeerSource(spec, lambda _: None, reconnect=reconnect,
                                     batch_s=batch_s)) for spec in specs]
    station = Station(inputs, start_epoch=0.0, pipeline=None, warn=print)
    collector = Collector()
    station.add(collector)
    return station, collector


def run_for(station: Station, seconds: float) -> None:
    timer = threading.Timer(seconds, station.request_stop)
    timer.start()
    try:
        station.run()
    finally:
        timer.cancel()
        station.close()


def test_a_peers_frames_reach_the_stages_checked_timed_and_every_batch_period() -> None:
    stream = (beast_long(DF17, 12_000_000, 255) + beast_long(flipped(DF17, 50))
              + b"\x1a2" + bytes(6) + b"\x80" + DF4 + b"\x1a2" + bytes(6) + b"\x40" + DF11)
    server = ByteServer(lambda: stream, linger_s=10)
    station, collector = peers_station(NetSpec("127.0.0.1", server.port))
    started = time.time()
    try:
        run_for(station, 1.5)
    finally:
        server.close()
    batches = collector.batches
    full = [b for b in batches if len(b)]
    assert len(full) == 1  # one read, one batch
    batch = full[0]
    # The flipped one refused; the DF4 vouched for by the DF17.
    assert collector.frames == [DF17, DF4, DF11]
    assert batch.level.tolist() == pytest.approx([1.0, 0x80 / 255, 0x40 / 255])
    times = batch.epoch0 + batch.ticks / CLOCK_HZ
    assert all(started - 0.1 <= t <= time.time() for t in times)
    # Every batch about 0.1 s apart, empty ones too: time passes for the consumers.
    assert len(batches) >= 10
    ends = [b.epoch0 + b.until_ticks / CLOCK_HZ for b in batches]
    assert ends == sorted(ends) and max(b - a for a, b in zip(ends, ends[1:], strict=False)) < 0.5
    [counts] = station.merge.counts
    assert (counts.refused, counts.decoded) == (1, 3)
    assert station.merge.refused == {BAD_CRC: 1}


def test_two_peers_sending_the_same_frames_decode_each_once() -> None:
    stream = b"".join(beast_long(DF17, 12_000 * i) for i in range(5)) + beast_long(DF11)
    servers = [ByteServer(lambda: stream, linger_s=10) for _ in range(2)]
    station, collector = peers_station(*[NetSpec("127.0.0.1", s.port) for s in servers])
    try:
        run_for(station, 1.0)  # the frames are held 1.5 s: the stop's drain hands them on
    finally:
        for s in servers:
            s.close()
    # DF17 five times (identical bytes, repeated by one transponder: five replies) and
    # the DF11 once; each arrives from both servers.
    assert collector.frames == [DF17] * 5 + [DF11]
    counts = station.merge.counts
    assert sum(c.decoded for c in counts) == 6 and sum(c.duplicates for c in counts) == 6
    assert sum(c.unread for c in counts) == 0
    lines = [line for source, c in zip(station.inputs, counts, strict=True)
             for line in source.summary_lines(c)]  # type: ignore[attr-defined]
    assert all("6 frames received" in line for line in lines)
    assert sorted(line.split(", ")[1:4] for line in lines) == [
        ["0 decoded", "0 refused", "6 copies of another input's"],
        ["6 decoded", "0 refused", "0 copies of another input's"]]


def test_a_peer_gone_without_reconnecting_ends_the_run_naming_it() -> None:
    port = free_port()
    station, _ = peers_station(NetSpec("127.0.0.1", port), batch_s=0.05, reconnect=False)
    with pytest.raises(RuntimeFailure, match=rf"^127.0.0.1:{port} \(beast\): cannot connect "
                       r"\(connection refused.*\); not reconnecting \(--no-reopen\)$"):
        run_for(station, 5.0)
    assert station.run_state.ended == "input failed"


def test_what_a_peer_sent_before_it_went_is_decoded_before_the_run_ends() -> None:
    """Without reconnecting, the peer's last frames still reach the stages: the failure
    is raised once they have."""
    server = ByteServer(lambda: beast_long(DF17) + beast_long(DF11))  # sends, then closes
    station, collector = peers_station(NetSpec("127.0.0.1", server.port), batch_s=0.05,
                                       reconnect=False)
    try:
        with pytest.raises(RuntimeFailure, match="connection lost .the peer closed it."):
            run_for(station, 5.0)
    finally:
        server.close()
    assert collector.frames == [DF17, DF11]


def test_the_stats_line_of_a_network_run_says_frames_per_peer() -> None:
    server = ByteServer(lambda: beast_long(DF17) * 30 + beast_long(flipped(DF17, 40)),
                        linger_s=10)
    station, collector = peers_station(NetSpec("127.0.0.1", server.port))
    now = [100.0]
    out = io.StringIO()
    line = StatsLine(station, 10.0, clock=lambda: now[0], out=out)
    line.on_tick(Tick(0.0, 0.0, True))  # the interval starts: nothing received yet
    try:
        run_for(station, 1.0)
    finally:
        server.close()
    now[0] = 110.0
    line.on_tick(Tick(0.0, 0.0, True))
    # 31 frames received in the 10 s, one refused; signal byte 100: -8.1 dBFS.
    assert out.getvalue() == (
        f"adsbwatch: 127.0.0.1:{server.port} (beast) 3 frames/s, refused 1, duplicates 0, "
        "dropped 0 (total), 30 frames (DF17 30), noise ?, peak -8.1 dBFS\n")
    assert len(collector.frames) == 30


def avr(frame: bytes) -> bytes:
    return f"*{frame.hex().upper()};\n".encode()


def test_the_footer_of_a_network_run_shows_each_peer_and_what_was_kept_out() -> None:
    """Three peers: a Beast one (two good frames and one whose CRC fails), an AVR one
    (a copy of one of those), one where nothing listens. The footer says each one's
    frames per second or that it is not connected, the refused frame and the copy, and
    the peak of the frames that came with a level: no sample rate, no dropped samples."""
    beast_peer = ByteServer(lambda: beast_long(DF17, signal=100) + beast_long(DF11, signal=50)
                            + beast_long(flipped(DF17, 3), signal=200), linger_s=30)
    avr_peer = ByteServer(lambda: avr(DF11), linger_s=30)
    nobody = free_port()
    station, collector = peers_station(NetSpec("127.0.0.1", beast_peer.port),
                                       NetSpec("127.0.0.1", avr_peer.port, "avr"),
                                       NetSpec("127.0.0.1", nobody))
    now = [0.0]
    footer = Footer(station, clock=lambda: now[0])
    footer.update(Tick(0.0, 0.0, True))  # nothing received yet
    thread = threading.Thread(target=station.run)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while (len(collector.frames) < 2 or [s.received for s in peer_states(station)]
               != [3, 1, 0]) and time.monotonic() < deadline:
            time.sleep(0.02)
        now[0] = 1.0
        footer.update(Tick(1.0, 1.0, True))
        text = footer.text()
    finally:
        station.request_stop()
        thread.join(10)
        station.close()
        beast_peer.close()
        avr_peer.close()
    peak = 20 * np.log10(100 / 255)  # the DF17's signal byte: the strongest with a level
    assert text == (
        f"127.0.0.1:{beast_peer.port} (beast) 3 frames/s | "
        f"127.0.0.1:{avr_peer.port} (avr) 1 frames/s | "
        f"127.0.0.1:{nobody} (beast) not connected | "
        f"refused 1, duplicates 1, dropped 0 frames | 2 frames | peak {peak:.1f} dBFS")


def test_avr_frames_carry_an_unknown_level_not_zero() -> None:
    """AVR sends no level: NaN, which every consumer leaves out, never -180 dBFS."""
    levels = np.concatenate([b.level for b in first_batches(avr(DF17) + avr(DF11), "avr",
                                                           frames=2)])
    assert len(levels) == 2 and np.isnan(levels).all()
