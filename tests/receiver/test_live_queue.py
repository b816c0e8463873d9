"""The hand-over from a live device: chunks through the bounded queue into blocks, lost
chunks counted, and the sample clock jumping by what was lost."""

from __future__ import annotations

import numpy as np
from frames_support import Collector, Demodulated, demodulate_file, run_source, station_of

from adsbwatch.receiver.sources.base import SourceInfo, SourceTotals
from adsbwatch.receiver.sources.blocks import cut_blocks
from adsbwatch.receiver.sources.live import ChunkQueue

RATE = 2_400_000
CHUNK = 32_768  # bytes: 16384 samples, as librtlsdr's buffers are multiples of 512 bytes
LONG_FRAME_SAMPLES = 290  # 120 us at 2.4 MS/s, with a margin


class QueueSource:
    """A live source over a ChunkQueue, as the device sources are."""

    def __init__(self, queue: ChunkQueue) -> None:
        self.info = SourceInfo("queue", "cu8", RATE, live=True)
        self.totals = SourceTotals()
        self.queue = queue

    def prepare(self) -> None:
        pass

    def open(self) -> None:
        pass

    def blocks(self, scan_samples: int, lookahead: int):  # type: ignore[no-untyped-def]
        return cut_blocks(self.queue.readinto, 2, scan_samples, lookahead, self.totals,
                          clock=self.queue.clock)

    def close(self) -> None:
        pass


def through_queue(data: bytes, lost_chunk: int | None) -> tuple[Demodulated, SourceTotals]:
    queue = ChunkQueue(2, RATE, seconds=60)
    for k in range(0, len(data), CHUNK):
        if k // CHUNK == lost_chunk:
            queue.gap(CHUNK // 2)  # the device's buffer that never reached us
        else:
            queue.put(np.frombuffer(data[k:k + CHUNK], dtype=np.uint8), arrival=1000.0 + k)
    queue.end()
    source = QueueSource(queue)
    return run_source(source, block_samples=1 << 16), source.totals


def test_chunks_give_the_frames_of_the_file(make_recording) -> None:
    path, truth = make_recording(n_frames=300)
    found, totals = through_queue(path.read_bytes(), None)
    assert found.timed == demodulate_file(path).timed
    assert totals.dropped_samples == 0


def test_a_lost_chunk_is_counted_and_later_frames_keep_their_times(make_recording) -> None:
    path, _ = make_recording(n_frames=300)
    reference = demodulate_file(path).timed
    lost = 5
    found, totals = through_queue(path.read_bytes(), lost)
    assert (totals.dropped_samples, totals.away_samples) == (CHUNK // 2, 0)
    first, end = lost * CHUNK // 2, (lost + 1) * CHUNK // 2  # the lost samples
    ticks_per_sample = 5
    kept = [(h, t) for h, t in reference
            if t // ticks_per_sample + LONG_FRAME_SAMPLES < first or t // ticks_per_sample >= end]
    assert len(kept) < len(reference)  # the gap took frames
    assert found.timed == kept  # every other frame, at its own time


def test_a_full_queue_drops_the_newest_chunks_and_says_so_in_place() -> None:
    queue = ChunkQueue(2, RATE, seconds=CHUNK / 2 / RATE)  # room for one chunk
    queue.put(np.zeros(CHUNK, np.uint8), arrival=1.0)
    queue.put(np.ones(CHUNK, np.uint8), arrival=2.0)  # no room: dropped
    queue.put(np.full(CHUNK, 2, np.uint8), arrival=3.0)  # still no room
    queue.end()
    assert queue.dropped_samples == CHUNK  # two chunks of CHUNK / 2 samples each
    totals = SourceTotals()
    blocks = [(b.first_sample, b.scan, b.final, b.gap_before, int(b.raw.max()))
              for b in cut_blocks(queue.readinto, 2, 4096, 16, totals, clock=queue.clock)]
    # The one chunk kept, cut into blocks; its end is a stretch's end (before the loss).
    assert sum(scan for _, scan, _, _, _ in blocks) == CHUNK // 2
    assert blocks[-1][2] is True and all(not final for _, _, final, _, _ in blocks[:-1])
    assert {top for *_, top in blocks} == {0}  # only the first chunk's bytes
    assert (totals.samples, totals.dropped_samples) == (CHUNK // 2, CHUNK)


def test_after_a_gap_the_next_block_starts_later_and_says_so() -> None:
    queue = ChunkQueue(2, RATE, seconds=60)
    queue.put(np.zeros(CHUNK, np.uint8), arrival=1.0)
    queue.gap(1000)
    queue.put(np.ones(CHUNK, np.uint8), arrival=2.0)
    queue.end()
    blocks = [(b.first_sample, b.scan, b.final, b.gap_before, int(b.raw.min()))
              for b in cut_blocks(queue.readinto, 2, 8192, 16, clock=queue.clock)]
    assert blocks[0] == (0, 8192, False, 0, 0)
    assert blocks[1] == (8192, 8192, True, 0, 0)  # the stretch before the gap, padded
    assert blocks[2][:4] == (16384 + 1000, 8192, False, 1000) and blocks[2][4] == 1
    assert blocks[-1][2] is True


def test_a_source_gone_ends_its_stretch_and_its_time_away_is_no_drop() -> None:
    queue = ChunkQueue(2, RATE, seconds=60)
    queue.put(np.zeros(CHUNK, np.uint8), arrival=1.0)
    queue.interrupt()  # the connection is lost: the stretch ends here
    queue.away(24_000)  # back 10 ms later
    queue.put(np.ones(CHUNK, np.uint8), arrival=2.0)
    queue.end()
    totals = SourceTotals()
    blocks = [(b.first_sample, b.scan, b.final, b.gap_before, int(b.raw.min()))
              for b in cut_blocks(queue.readinto, 2, 4096, 16, totals, clock=queue.clock)]
    stretch = CHUNK // 2 // 4096
    assert blocks[stretch - 1] == (CHUNK // 2 - 4096, 4096, True, 0, 0)  # padded
    assert blocks[stretch] == (CHUNK // 2 + 24_000, 4096, False, 24_000, 1)
    assert (totals.samples, totals.dropped_samples, totals.away_samples) == (
        CHUNK, 0, 24_000)


def test_a_live_source_that_stalls_still_gets_the_consumers_ticks(make_recording) -> None:
    """The store's once-a-second commit rides on the station's ticks: a dongle silent for
    a while must not hold back the blocks received before it went quiet."""
    import threading
    import time

    path, truth = make_recording(n_frames=50)
    data = path.read_bytes()
    queue = ChunkQueue(2, RATE, seconds=60)
    arrivals: list[tuple[float, int]] = []
    ticks: list[float] = []

    class Clocked(Collector):
        def on_frames(self, batch) -> None:  # type: ignore[no-untyped-def]
            super().on_frames(batch)
            arrivals.append((time.monotonic(), len(batch)))

        def on_tick(self, tick) -> None:  # type: ignore[no-untyped-def]
            ticks.append(time.monotonic())

    def device() -> None:
        for _ in range(3):  # more than a block: batches come before the device goes
            queue.put(np.frombuffer(data, dtype=np.uint8))
        time.sleep(3.5)  # gone
        queue.end()

    threading.Thread(target=device, daemon=True).start()
    found = Demodulated([], [])
    station = station_of(QueueSource(queue), Clocked(found), block_samples=1 << 16)
    station.run()
    station.close()
    assert found.hexes[:len(truth)] == truth
    # The two whole blocks came at once; the rest (less than a block) with the end.
    first, last = arrivals[0][0], arrivals[-1][0]
    assert len(arrivals) == 3 and arrivals[1][0] - first < 0.5 and last - first > 3.0
    # Meanwhile ticks (on which the store commits) went on about once a second.
    assert len([t for t in ticks if first + 0.5 < t < last]) >= 2
