"""A station of several inputs (a dongle and network peers): every input in its own
worker, one merged stream to the stages, what was read before a stop still handed on or
counted, an input's failure raised once what it read was; and what the views and the
closing lines say of the inputs through their optional abilities (PeerStates,
SummaryLines, HasGain)."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator

from frames_support import frame_batch

from adsbwatch.decoder.frames.batch import FrameBatch
from adsbwatch.decoder.frames.formats import CLOCK_HZ
from adsbwatch.receiver.core.abilities import InputCounts, PeerState
from adsbwatch.receiver.core.consumer import ReaderGone
from adsbwatch.receiver.core.events import Tick
from adsbwatch.receiver.errors import RuntimeFailure
from adsbwatch.receiver.sources.base import FRAMES_FORMAT, SourceInfo, SourceTotals
from adsbwatch.receiver.station.station import Station

DF17 = bytes.fromhex("8d4d20232004d0f4cb1820b0efd4")  # AMC421's identification
DF11 = bytes.fromhex("5d4d20237a55a6")
DF4 = bytes.fromhex("20000d3375d886")  # address/parity: 4d2023
BAD = bytes.fromhex("8d4d20232004d0f4cb1820b0efd5")  # DF17, last bit flipped
MS = CLOCK_HZ // 1000


class FakeInput:
    """An input that hands on the batches it is given, as they are put (live: it waits
    for more until closed); `fail` ends it with that exception once they are out.
    `on_close`: batches it still hands on after the close (read before the stop)."""

    cpu_s = 0.0

    def __init__(self, name: str, checked: bool, rate: int = 0) -> None:
        self.name = name
        self.checked = checked
        self.live = True
        self.info = SourceInfo(name, "cu8" if rate else FRAMES_FORMAT, rate, live=True)
        self.totals = SourceTotals()
        self.on_close: list[FrameBatch] = []
        self.fail: BaseException | None = None
        self.handed_on = 0  # frames of the batches it yielded
        self._pending: list[FrameBatch] = []
        self._cond = threading.Condition()
        self._closed = False

    def put(self, *batches: FrameBatch) -> None:
        with self._cond:
            self._pending += batches
            self._cond.notify_all()

    def demod_counts(self) -> dict[str, int]:
        return {"repaired_1bit": 2} if self.checked else {}

    def prepare(self) -> None:
        pass

    def open(self) -> None:
        pass

    def batches(self) -> Iterator[FrameBatch]:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._pending or self._closed or self.fail,
                                    timeout=0.1)
                pending, self._pending = self._pending, []
                closed = self._closed
            for b in pending + (self.on_close if closed else []):
                self.handed_on += len(b)
                yield b
            if self.fail is not None and not pending:
                raise self.fail
            if closed:
                return

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()


class FakePeer(FakeInput):
    """A network peer's input: its state and closing line."""

    def __init__(self, name: str) -> None:
        super().__init__(name, checked=False)
        self.connected = True
        self.received = 0
        self.dropped = 0

    def peer_states(self) -> list[PeerState]:
        return [PeerState(self.name, self.connected, self.received, self.dropped)]

    def summary_lines(self, counts: InputCounts) -> list[str]:
        return [f"adsbwatch: {self.name}: {counts.decoded} decoded, {counts.refused} "
                f"refused, {counts.duplicates} copies, {counts.unread} unread"]


class Collector:
    name = "collector"

    def __init__(self, gone_after: int | None = None) -> None:
        self.frames: list[tuple[bytes, float]] = []
        self.ticks: list[Tick] = []
        self.gone_after = gone_after

    def on_frames(self, b: FrameBatch) -> None:
        if self.gone_after is not None and len(self.frames) >= self.gone_after:
            raise ReaderGone
        epoch0 = b.epoch0 or 0.0
        self.frames += [(bytes(b.msg[i, :n]), epoch0 + int(b.ticks[i]) / CLOCK_HZ)
                        for i, n in enumerate(b.nbytes.tolist())]

    def on_tick(self, tick: Tick) -> None:
        self.ticks.append(tick)

    def close(self) -> None:
        pass


def station_of(*inputs: FakeInput, gone_after: int | None = None,
               ) -> tuple[Station, Collector]:
    station = Station(list(inputs), start_epoch=0.0, pipeline=None, warn=print)
    collector = Collector(gone_after)
    station.add(collector)
    return station, collector


def running(station: Station) -> tuple[threading.Thread, list[BaseException]]:
    raised: list[BaseException] = []

    def run() -> None:
        try:
            station.run()
        except BaseException as exc:  # noqa: BLE001 - the test looks at it
            raised.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, raised


def test_a_dongle_and_a_peer_go_on_as_one_stream_in_time_order_and_a_stop_drains_both() -> None:
    now = time.time()
    dongle, peer = FakeInput("dongle", checked=True, rate=2_400_000), FakePeer("peer")
    station, collector = station_of(dongle, peer)
    thread, raised = running(station)
    peer.put(frame_batch([(DF4, 20 * MS), (BAD, 30 * MS)], now))  # the DF4 waits for the DF17
    dongle.put(frame_batch([(DF17, 10 * MS), (DF11, 40 * MS)], now))
    # Read before the stop, handed on by the close: drained, not lost.
    peer.on_close = [frame_batch([(DF11, 50 * MS)], now)]
    time.sleep(0.3)
    station.request_stop()
    thread.join(10)
    station.close()
    assert not raised
    t = [now + k / 1000 for k in (10, 20, 40, 50)]
    assert collector.frames == [(DF17, t[0]), (DF4, t[1]), (DF11, t[2])]  # and a copy
    assert station.run_state.ended == "stopped" and station.run_state.drained_batches >= 1
    dongle_counts, peer_counts = station.merge.counts
    assert (dongle_counts.decoded, dongle_counts.duplicates) == (2, 0)
    assert (peer_counts.decoded, peer_counts.refused, peer_counts.duplicates) == (1, 1, 1)
    assert collector.ticks[-1].final
    assert station.demod_counts() == {"repaired_1bit": 2}
    assert station.info.name == "dongle + peer" and station.info.rate == 2_400_000


def test_batches_never_handed_on_are_counted_unread() -> None:
    """The reader leaves after the first frames (`| head`): the run ends without a
    drain, and whatever had been read is counted, per input, not lost unsaid."""
    dongle, peer = FakeInput("dongle", checked=True), FakePeer("peer")
    now = time.time() - 10  # old enough to go out at once
    dongle.put(*[frame_batch([(DF17, k * MS)], now) for k in range(5)])
    peer.put(*[frame_batch([(DF11, k * MS + 1)], now) for k in range(5)])
    station, collector = station_of(dongle, peer, gone_after=1)
    thread, raised = running(station)
    thread.join(10)
    assert not raised and station.run_state.ended == "no consumer left"
    counts = station.merge.counts
    # Every frame handed on was taken (decoded, a copy) or is counted unread.
    for source, c in zip((dongle, peer), counts, strict=True):
        assert c.decoded + c.duplicates + c.unread == source.handed_on >= 3
    assert sum(c.unread for c in counts) > 0


def test_an_input_that_fails_ends_the_run_once_what_was_read_is_handed_on() -> None:
    now = time.time()
    dongle, peer = FakeInput("dongle", checked=True), FakePeer("peer")
    station, collector = station_of(dongle, peer)
    dongle.put(frame_batch([(DF17, 10 * MS)], now))
    peer.put(frame_batch([(DF11, 20 * MS)], now))
    peer.fail = RuntimeFailure("peer: connection lost (the peer closed it)")
    thread, raised = running(station)
    thread.join(10)
    assert [type(e) for e in raised] == [RuntimeFailure]
    assert station.run_state.ended == "input failed"
    assert [f for f, _ in collector.frames] == [DF17, DF11]  # held, then handed on
    assert collector.ticks[-1].final


# ---------------------------------------------------------------------- the views


def peer_and_dongle_station() -> tuple[Station, FakeInput, FakePeer, FakePeer]:
    dongle = FakeInput("rtl_tcp 127.0.0.1:1234", checked=True, rate=2_400_000)
    a, b = FakePeer("a:30005 (beast)"), FakePeer("b:30002 (avr)")
    station = Station([dongle, a, b], start_epoch=0.0, pipeline=None, warn=print)
    return station, dongle, a, b


def test_the_footer_says_the_dongle_each_peer_and_what_was_kept_out() -> None:
    from adsbwatch.receiver.ui.footer import Footer

    station, dongle, a, b = peer_and_dongle_station()
    now = [0.0]
    footer = Footer(station, clock=lambda: now[0])
    footer.update(Tick(0.0, 0.0, True))
    now[0] = 2.0
    dongle.totals.samples, dongle.totals.dropped_samples = 4_800_000, 1200
    a.received, b.connected, b.dropped = 6, False, 7
    station.merge.counts[1].refused, station.merge.counts[2].duplicates = 1, 2
    footer.update(Tick(2.0, 2.0, True))
    assert footer.text() == (
        "2.40 MS/s | a:30005 (beast) 3 frames/s | b:30002 (avr) not connected | "
        "refused 1, duplicates 2, dropped 7 frames | 0 frames | dropped 1200 samples")


def test_the_stats_line_says_each_peers_frames_per_second_since_the_line_before() -> None:
    from adsbwatch.receiver.ui.statsline import StatsLine

    station, dongle, a, b = peer_and_dongle_station()
    now = [0.0]
    out = io.StringIO()
    a.received = 100  # before the line's start: not in its first line
    line = StatsLine(station, 10.0, clock=lambda: now[0], out=out)
    line.on_tick(Tick(0.0, 0.0, True))
    now[0] = 10.0
    a.received, b.received = 150, 20
    station.merge.counts[2].refused = 3
    line.on_tick(Tick(10.0, 10.0, True))
    assert out.getvalue() == (
        "adsbwatch: 0.00 MS/s, a:30005 (beast) 5 frames/s, b:30002 (avr) 2 frames/s, "
        "refused 3, duplicates 0, dropped 0 (total), 0 frames, noise ?, peak ?, "
        "strong ?, gain ?, dropped 0 (0 total), demod CPU 0%\n")


def test_the_gain_is_the_first_inputs_that_has_one() -> None:
    class Tuned(FakeInput):
        gain_db = 49.6

    station = Station([FakePeer("peer"), Tuned("dongle", checked=True, rate=2_400_000)],
                      start_epoch=0.0, pipeline=None, warn=print)
    assert station.gain_db() == 49.6
    assert Station([FakePeer("peer")], start_epoch=0.0, pipeline=None,
                   warn=print).gain_db() is None


def test_closing_lines_of_a_network_run_are_each_inputs_and_the_refusals() -> None:
    from adsbwatch.receiver.assembly.running import input_lines

    station, dongle, a, b = peer_and_dongle_station()
    station.merge.counts[1].decoded = 4
    station.merge.refused["CRC failed"] += 2
    assert input_lines(station) == [
        "adsbwatch: a:30005 (beast): 4 decoded, 0 refused, 0 copies, 0 unread",
        "adsbwatch: b:30002 (avr): 0 decoded, 0 refused, 0 copies, 0 unread",
        "adsbwatch: network frames refused: CRC failed 2"]
