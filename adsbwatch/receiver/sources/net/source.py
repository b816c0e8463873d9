"""Frames from other decoders (`--net-connect`) as a frame source of the station.

Network frames skip the demodulator: each peer's connector parses what it sends, and
here, in the station's thread, every frame is checked (admission.py: the CRC and
address rules), copies of one another input already delivered are dropped (dedupe.py),
and the rest go out as FrameBatches about every BATCH_S of wall time, empty ones too
(sinks keep time by them, the store commits by them).

Times are the wall clock's: ticks count 12 MHz from when the source opened (`epoch0`),
so the pipeline's times are UNIX times. Each peer's frames get theirs from its own
timestamps' spacing, anchored to their arrival (peerclock.py); frames without one take
their read's arrival time. A batch's frames are in time order, and each batch's come
after the last batch's frames (not necessarily after its end: a frame may reach us a
little after a batch that covered its time went out).

With a dongle too (`live --net-connect ... --rtl-tcp/--device`), its samples are
demodulated in a worker thread whose batches join the peers' reads in the same queue;
their frames keep the demodulator's times (already the wall clock's) and checks. A
dongle's block comes up to half a second after its first frame, so frames are held
HOLD_S and let out in time order (each source's own order kept), and a frame heard by
the dongle and a peer is decoded once, like one heard by two peers.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from adsbwatch.decoder.frames.batch import FrameBatch
from adsbwatch.decoder.frames.formats import CLOCK_HZ
from adsbwatch.receiver.addresses import NetSpec
from adsbwatch.receiver.errors import RuntimeFailure
from adsbwatch.receiver.sources.base import FRAMES_FORMAT, IQSource, SourceInfo, SourceTotals
from adsbwatch.receiver.sources.net.admission import Admission
from adsbwatch.receiver.sources.net.connector import Arrival, Connector, say_on_stderr
from adsbwatch.receiver.sources.net.dedupe import Dedupe
from adsbwatch.receiver.sources.net.heard import Heard
from adsbwatch.receiver.sources.net.peerclock import PeerClock

BATCH_S = 0.25  # a batch (maybe empty) this often
QUEUE_READS = 2000  # reads waiting for the station: seconds of a busy peer's traffic
SIGNAL_FULL_SCALE = 255  # the Beast signal byte's top
# A frame's level when its sender gave none (AVR's `*HEX;`, a Beast signal byte of 0, which
# dump1090-fa writes for frames it has no level for): not a level of 0 (-180 dBFS), so
# no view, peak or stored maximum shows a level nobody measured.
UNKNOWN_LEVEL = float("nan")
HOLD_S = 1.5  # with a dongle: frames wait this long, so its blocks' frames fit in order
BLOCK_SAMPLES = 1 << 19  # a dongle's block: 0.22 s at 2.4 MS/s


@dataclass
class PeerCounts:
    """What became of one source's frames, counted in the station's thread."""

    decoded: int = 0  # handed to the sinks
    refused: int = 0  # failed the CRC or address rule
    duplicates: int = 0  # copies of another input's frame
    unread: int = 0  # still queued when the source closed


@dataclass(frozen=True)
class PeerState:
    """One peer as a view shows it: a snapshot, read without side effects."""

    name: str
    connected: bool
    received: int  # frames parsed so far
    refused: int  # failed the CRC or address rule so far
    duplicates: int  # copies of another input's frame so far


@dataclass
class _Held:
    t: float  # UNIX time
    source: int
    heard: Heard
    level: float
    checked: bool  # demodulated here: the demodulator's checks were applied


class NetFrameSource:
    """Frames of one or more `--net-connect` peers, and of a dongle's samples with
    `iq` (the FrameSource protocol)."""

    def __init__(self, specs: Sequence[NetSpec], warn: Callable[[str], None],
                 reconnect: bool = True, batch_s: float = BATCH_S,
                 queue_reads: int = QUEUE_READS, iq: IQSource | None = None,
                 fix: int = 1, say: Callable[[str], None] = say_on_stderr) -> None:
        self.specs = list(specs)
        self.warn = warn
        self.batch_s = batch_s
        self.iq = iq
        self.fix = fix
        names = ", ".join(s.name for s in self.specs)
        if iq is None:
            self.info = SourceInfo(f"network {names}", FRAMES_FORMAT, 0, live=True)
            self.totals = SourceTotals()
        else:  # the dongle's samples are what the session and stats count
            self.info = SourceInfo(f"{iq.info.name} + network {names}", FRAMES_FORMAT,
                                   iq.info.rate, live=True)
            self.totals = iq.totals
        self.hold_s = 0.0 if iq is None else HOLD_S
        self.queue: queue.Queue[Arrival] = queue.Queue(maxsize=queue_reads)
        self.connectors = [Connector(i, spec, self.queue, warn, reconnect, say=say)
                           for i, spec in enumerate(self.specs)]
        self.iq_index = len(self.specs)  # the dongle's source number, after the peers'
        self.peers = [PeerCounts() for _ in range(len(self.specs) + (iq is not None))]
        self.clocks = [PeerClock() for _ in self.specs]
        self.admission = Admission()
        self._dedupe = Dedupe() if len(self.peers) > 1 else None
        self.epoch0: float | None = None
        self._until_ticks = 0
        self._last_frame_ticks = 0  # frames never go back before the last one out
        self._source_last: dict[int, float] = {}  # each source's newest frame time
        self._held: list[_Held] = []
        self._stats_mark: list[int] = [0] * len(self.specs)  # frames at the last stats line
        self._stats_mark_samples = 0
        self._demod_stats: dict[str, int] = {}
        self._demod_frames = 0
        self._demod_failure: BaseException | None = None
        self._stop = threading.Event()
        self._worker: threading.Thread | None = None

    # ------------------------------------------------------------------ the interface

    def open(self) -> None:
        if self.epoch0 is not None:
            return
        if self.iq is not None:
            self.iq.open()  # a dongle missing: its one-line error now, before any peer
        self.epoch0 = time.time()
        for connector in self.connectors:
            connector.start()
        if self.iq is not None:
            self._worker = threading.Thread(target=self._demodulate, name="demodulator",
                                            daemon=True)
            self._worker.start()

    def batches(self) -> Iterator[FrameBatch]:
        """A batch every `batch_s` until closed (or, without reconnecting, a peer
        gone: a RuntimeFailure naming it; a dongle's failure or end ends it too)."""
        self.open()
        while True:
            deadline = time.monotonic() + self.batch_s
            arrivals: list[Arrival] = []
            while (left := deadline - time.monotonic()) > 0:
                try:
                    arrivals.append(self.queue.get(timeout=left))
                except queue.Empty:
                    break
            for connector in self.connectors:
                if connector.failure is not None and self.queue.empty():
                    yield self._batch(arrivals, final=True)
                    raise RuntimeFailure(f"{connector.failure}; not reconnecting "
                                         "(--no-reopen)")
            if self._worker is not None and not self._worker.is_alive() \
                    and self.queue.empty():
                yield self._batch(arrivals, final=True)
                if self._demod_failure is not None:
                    raise self._demod_failure
                return  # the dongle's stream ended (--no-reopen): so does the run
            yield self._batch(arrivals)

    def close(self) -> None:
        self._stop.set()
        if self.iq is not None:
            self.iq.close()  # wakes the worker waiting for samples
        if self._worker is not None:
            self._worker.join(timeout=5.0)
        for connector in self.connectors:
            connector.stop()
        # What came but was not taken (a Ctrl-C between two batches) is counted.
        while True:
            try:
                item = self.queue.get_nowait()
            except queue.Empty:
                break
            n = len(item.batch) if item.batch is not None else len(item.frames)
            self.peers[item.source].unread += n
        for held in self._held:
            self.peers[held.source].unread += 1
        self._held.clear()

    # ------------------------------------------------------------------ the dongle

    def _demodulate(self) -> None:
        """The worker: the dongle's blocks demodulated, each batch into the queue."""
        from adsbwatch.decoder.demod.demodulator import Demodulator
        from adsbwatch.receiver.station.demodulation import demodulated

        assert self.iq is not None
        demod = Demodulator(self.iq.info.rate, fix=self.fix)
        try:
            for batch in demodulated(self.iq, demod, BLOCK_SAMPLES, wall_clock=True):
                self._demod_stats = demod.stats_dict()
                item = Arrival(self.iq_index, time.time(), [], batch)
                while not self._stop.is_set():  # never dropped: the dongle's queue drops
                    try:
                        self.queue.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if self._stop.is_set():
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the station's thread
            self._demod_failure = exc

    # ------------------------------------------------------------------ batches

    def _ticks(self, t: float) -> int:
        assert self.epoch0 is not None
        return round((t - self.epoch0) * CLOCK_HZ)

    def _timed(self, item: Arrival) -> list[_Held]:
        """An arrival's frames with their times, in the order their source sent them."""
        batch = item.batch
        if batch is not None:
            epoch0 = batch.epoch0 if batch.epoch0 is not None else time.time()
            times = (epoch0 + batch.ticks / CLOCK_HZ).tolist()
            rows = batch.msg.tobytes()
            self._demod_frames += len(batch)
            return [_Held(t, item.source, Heard(rows[14 * i:14 * i + n], None, None),
                          level, True)
                    for i, (t, n, level) in enumerate(zip(times, batch.nbytes.tolist(),
                                                          batch.level.tolist(), strict=True))]
        times = self.clocks[item.source].times(item.arrival, [h.timestamp for h in item.frames])
        return [_Held(t, item.source, h, h.signal / SIGNAL_FULL_SCALE if h.signal
                      else UNKNOWN_LEVEL, False)
                for h, t in zip(item.frames, times, strict=True)]

    def _batch(self, arrivals: list[Arrival], final: bool = False) -> FrameBatch:
        arrivals.sort(key=lambda a: a.arrival)  # readers' threads put them nearly in order
        for item in arrivals:
            for held in self._timed(item):
                # Never before the source's frame before: a peer's clock offset may
                # improve between reads, which must not reorder its frames (CPR
                # decoding needs to know which of a pair came last).
                held.t = max(held.t, self._source_last.get(held.source, held.t))
                self._source_last[held.source] = held.t
                self._held.append(held)
        now = time.time()
        released = self._release(now - (0.0 if final else self.hold_s))
        rows: list[bytes] = []
        ticks: list[int] = []
        levels: list[float] = []
        last = self._last_frame_ticks
        for held in released:
            last = max(last, self._ticks(held.t))
            if self._accepted(held, last):
                rows.append(held.heard.frame.ljust(14, b"\0"))
                ticks.append(last)
                levels.append(held.level)
        self._last_frame_ticks = last
        self._until_ticks = max(self._until_ticks, self._ticks(now - self.hold_s), last)
        n = len(rows)
        msg = np.frombuffer(b"".join(rows), dtype=np.uint8).reshape(n, 14).copy()
        self.totals.extra.update(self._totals_extra())
        return FrameBatch(msg, np.array(ticks, dtype=np.int64),
                          np.array(levels, dtype=np.float32), np.zeros(n, dtype=np.uint8),
                          self._until_ticks, self.epoch0)

    def _release(self, until: float) -> list[_Held]:
        """The held frames up to `until`, in time order (each source's kept)."""
        if self.hold_s == 0:
            released, self._held = self._held, []
            return released
        self._held.sort(key=lambda h: h.t)  # stable: equal times keep their order
        cut = 0
        while cut < len(self._held) and self._held[cut].t <= until:
            cut += 1
        released, self._held = self._held[:cut], self._held[cut:]
        return released

    def _accepted(self, held: _Held, ticks: int) -> bool:
        peer = self.peers[held.source]
        frame = held.heard.frame
        if held.checked:
            self.admission.vouch(frame, ticks)  # the dongle's DF17 speaks for a peer's DF4
        elif not self.admission.admit(frame, ticks):
            peer.refused += 1
            return False
        if self._dedupe is not None and self._dedupe.duplicate(frame, held.source, held.t):
            peer.duplicates += 1
            return False
        peer.decoded += 1
        return True

    def _totals_extra(self) -> dict[str, int]:
        return {"frames received": sum(c.parser.counts.frames for c in self.connectors),
                "refused": sum(p.refused for p in self.peers),
                "duplicates": sum(p.duplicates for p in self.peers),
                "dropped (queue full)": sum(c.overflow_frames for c in self.connectors)}

    # ------------------------------------------------------------------ what it says

    def peer_states(self) -> list[PeerState]:
        """Each peer now, for a view's footer (unlike stats_parts, nothing is reset)."""
        return [PeerState(c.name, c.connected, c.parser.counts.frames, p.refused,
                          p.duplicates)
                for c, p in zip(self.connectors, self.peers, strict=False)]

    def stats_parts(self, elapsed_s: float) -> list[str]:
        """For the stats line, in place of the sample rate: frames per second of each
        peer since the last line, and what was refused, copied or dropped so far."""
        parts = []
        if self.iq is not None:
            samples = self.totals.samples - self._stats_mark_samples
            self._stats_mark_samples = self.totals.samples
            parts.append(f"{self.iq.info.name} {samples / max(elapsed_s, 1e-9) / 1e6:.2f} "
                         f"MS/s, dropped {self.totals.dropped_samples} samples (total)")
        for i, connector in enumerate(self.connectors):
            received = connector.parser.counts.frames
            rate = (received - self._stats_mark[i]) / max(elapsed_s, 1e-9)
            self._stats_mark[i] = received
            parts.append(f"{connector.name} {rate:.0f} frames/s")
        extra = self._totals_extra()
        parts.append(f"refused {extra['refused']}, duplicates {extra['duplicates']}, "
                     f"dropped {extra['dropped (queue full)']} (total)")
        return parts

    def summary_lines(self) -> list[str]:
        """The closing summary: one line per source, one for the refusals by why."""
        lines = []
        if self.iq is not None:
            peer = self.peers[self.iq_index]
            s = self._demod_stats
            lines.append(
                f"adsbwatch: {self.iq.info.name}: {self._demod_frames} frames demodulated "
                f"from {self.totals.samples} samples ({self.totals.dropped_samples} "
                f"dropped), {peer.decoded} decoded, {peer.duplicates} copies of another "
                f"input's{f', {peer.unread} unread at the stop' if peer.unread else ''}; "
                f"repaired {s.get('repaired_1bit', 0)} (1 bit) + "
                f"{s.get('repaired_2bit', 0)} (2 bits)")
        for connector, peer in zip(self.connectors, self.peers, strict=False):
            c = connector.parser.counts
            lines.append(
                f"adsbwatch: {connector.name}: {c.frames} frames received, {peer.decoded} "
                f"decoded, {peer.refused} refused, {peer.duplicates} copies of another "
                f"input's, {connector.overflow_frames} dropped (queue full)"
                f"{f', {peer.unread} unread at the stop' if peer.unread else ''}; {c.mode_ac} "
                f"Mode A/C, {c.bad_messages} bad messages, {c.garbage_bytes} garbage bytes; "
                f"connected {connector.connects} time{'s' if connector.connects != 1 else ''}")
        refused: Counter[str] = self.admission.refused
        if refused:
            why = ", ".join(f"{reason} {n}" for reason, n in refused.most_common())
            lines.append(f"adsbwatch: network frames refused: {why}")
        return lines
