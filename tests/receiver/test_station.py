"""The station: stages in order for every consumer, a failing consumer dropped while the
others go on, a stop request that is never mistaken for a failure and loses nothing
already read, and a live clock that goes on while the source is away."""

from __future__ import annotations

import os
import queue
import signal
import threading
import time
from collections.abc import Iterator

import numpy as np
import pytest

from adsbwatch.decoder.frames.batch import FrameBatch
from adsbwatch.decoder.frames.formats import CLOCK_HZ
from adsbwatch.decoder.messages.tracker import TrackerConfig
from adsbwatch.decoder.messages.watchlist import Watchlist
from adsbwatch.decoder.sim import encode
from adsbwatch.receiver.core.events import Decoded, Tick
from adsbwatch.receiver.sources.base import SourceInfo, SourceTotals
from adsbwatch.receiver.station.pipeline import Pipeline
from adsbwatch.receiver.station.signals import StopSignals
from adsbwatch.receiver.station.station import Station

RATE = 2_400_000
ICAO = 0x484506


def frames_batch(frames: list[bytes], start_s: float, until_s: float) -> FrameBatch:
    msg = np.zeros((len(frames), 14), np.uint8)
    for i, f in enumerate(frames):
        msg[i, :len(f)] = np.frombuffer(f, np.uint8)
    ticks = np.array([round((start_s + 0.001 * i) * CLOCK_HZ) for i in range(len(frames))],
                     np.int64)
    return FrameBatch(msg, ticks, np.full(len(frames), 0.1, np.float32),
                      np.zeros(len(frames), np.uint8), round(until_s * CLOCK_HZ),
                      samples=int((until_s - start_s) * RATE), sample_power=1e-4)


class FakeInput:
    """An input that hands out the batches it is given, then (live) waits for more
    until it is closed, as a dongle does; `closed` says whether the station closed it."""

    cpu_s = 0.0
    checked = True  # its frames stand as the demodulator's would

    def __init__(self, batches: list[FrameBatch], live: bool = False) -> None:
        self.info = SourceInfo("fake", "cu8", RATE, live=live)
        self.name, self.live = "fake", live
        self.totals = SourceTotals()
        self.more: queue.Queue[FrameBatch | None] = queue.Queue()
        for b in batches:
            self.more.put(b)
        if not live:
            self.more.put(None)
        self.closed = threading.Event()

    def demod_counts(self) -> dict[str, int]:
        return {}

    def prepare(self) -> None:
        pass

    def open(self) -> None:
        pass

    def batches(self) -> Iterator[FrameBatch]:
        while True:
            try:
                batch = self.more.get(timeout=0.05)
            except queue.Empty:
                if self.closed.is_set():
                    return
                continue
            if batch is None:
                return
            self.totals.samples += batch.samples
            yield batch

    def close(self) -> None:
        self.closed.set()


class Recorder:
    """A consumer of every stage, keeping what it saw in order."""

    def __init__(self, name: str = "recorder", fail_on: str | None = None) -> None:
        self.name = name
        self.fail_on = fail_on
        self.seen: list[str] = []
        self.frames = 0
        self.ticks: list[Tick] = []
        self.closed = False

    def _maybe_fail(self, stage: str) -> None:
        if stage == self.fail_on:
            raise OSError(28, "No space left on device")

    def on_frames(self, batch: FrameBatch) -> None:
        self.seen.append("frames")
        self.frames += len(batch)
        self._maybe_fail("frames")

    def on_messages(self, decoded: Decoded) -> None:
        self.seen.append("messages")
        self._maybe_fail("messages")

    def on_tick(self, tick: Tick) -> None:
        self.seen.append("tick")
        self.ticks.append(tick)

    def close(self) -> None:
        self.closed = True


def pipeline() -> Pipeline:
    return Pipeline(tracker_config=TrackerConfig(expire_s=5.0), watchlist=Watchlist([]),
                    record_all=False, visit_gap_s=60.0, sighting_wait_s=0.0)


def identification_batches(n: int) -> list[FrameBatch]:
    frame = encode.identification(ICAO, "NAF01")
    return [frames_batch([frame], 0.1 * i, 0.1 * (i + 1)) for i in range(n)]


def test_every_consumer_gets_the_stages_in_order_and_the_final_tick() -> None:
    warnings: list[str] = []
    station = Station(FakeInput(identification_batches(3)), start_epoch=1000.0,
                      pipeline=pipeline(), warn=warnings.append)
    seen = Recorder()
    station.add(seen)
    state = station.run()
    station.close()
    assert state.ended == "input ended" and state.batches == 3
    assert seen.seen == ["frames", "messages", "tick"] * 3 + ["tick"]
    assert [t.final for t in seen.ticks] == [False, False, False, True]
    assert seen.ticks[-1].now == pytest.approx(1000.3)
    assert seen.frames == 3 and seen.closed and warnings == []
    assert station.stats.total.messages == 3


class SlowToPrepare(FakeInput):
    """A live input whose kernels take long to compile (a cold cache on a busy Pi)."""

    def __init__(self) -> None:
        super().__init__([], live=True)
        self.preparing = threading.Event()
        self.compiled = threading.Event()  # never, unless the test says so
        self.opened = False

    def prepare(self) -> None:
        self.preparing.set()
        self.compiled.wait(60)

    def open(self) -> None:
        self.opened = True


def test_a_stop_while_the_kernels_compile_ends_the_run_without_opening_the_source() -> None:
    source = SlowToPrepare()
    station = Station(source, start_epoch=1000.0, pipeline=pipeline(), warn=[].append)
    seen = Recorder()
    station.add(seen)
    ended: list[str] = []
    runner = threading.Thread(target=lambda: ended.append(station.run().ended))
    runner.start()
    assert source.preparing.wait(10)
    station.request_stop()  # SIGTERM from systemd, the kernels still compiling
    runner.join(10)
    try:
        assert not runner.is_alive() and ended == ["stopped"]
        assert not source.opened  # the dongle never taken: nothing to hand back
        assert source.closed.is_set()
    finally:
        source.compiled.set()
    station.close()
    assert seen.closed and seen.frames == 0


def test_a_failure_while_preparing_is_the_runs_failure() -> None:
    class Failing(FakeInput):
        def prepare(self) -> None:
            raise MemoryError("no room to compile")

    station = Station(Failing([], live=True), start_epoch=1000.0, pipeline=pipeline(),
                      warn=[].append)
    with pytest.raises(MemoryError, match="no room to compile"):
        station.run()
    station.close()


def test_a_failing_consumer_is_dropped_and_said_while_the_others_go_on() -> None:
    warnings: list[str] = []
    station = Station(FakeInput(identification_batches(3)), start_epoch=0.0,
                      pipeline=pipeline(), warn=warnings.append)
    bad, good = Recorder("JSON output", fail_on="messages"), Recorder()
    station.add(bad)
    station.add(good)
    station.run()
    station.close()
    assert bad.seen == ["frames", "messages"] and bad.closed  # dropped at once, closed
    assert good.frames == 3
    assert warnings == ["No space left on device; dropped JSON output, the other outputs go on"]
    assert station.consumers.failures == ["No space left on device"]


def test_a_stop_is_no_failure_and_what_was_read_before_it_is_handed_on() -> None:
    """A SIGTERM arriving while a consumer works is only a request: no consumer is
    dropped for it, and every batch the input read before the stop reaches them."""
    source = FakeInput(identification_batches(6), live=True)
    station = Station(source, start_epoch=0.0, pipeline=pipeline(), warn=print,
                      wall_clock=False)

    class Terminating(Recorder):
        def on_frames(self, batch: FrameBatch) -> None:
            super().on_frames(batch)
            if self.frames == 2:
                os.kill(os.getpid(), signal.SIGTERM)  # systemctl stop, mid-delivery
                time.sleep(0.2)  # the input reads the rest meanwhile

    seen = Terminating()
    station.add(seen)
    with StopSignals(on_stop=station.request_stop) as signals:
        state = station.run()
        signals.shutting_down()
        station.close()
    assert signals.exit_status == 143
    assert state.ended == "stopped" and source.closed.is_set()
    assert station.consumers.failures == []  # the stop was never taken for a failure
    assert seen.frames == 6  # nothing read before the stop was lost
    assert seen.ticks[-1].final and seen.closed


def test_a_live_clock_goes_on_while_the_source_is_away() -> None:
    """Aircraft age and expire on the wall clock, and ticks say since when no data
    arrives."""
    source = FakeInput([frames_batch([encode.identification(ICAO, "NAF01")], 0.0, 0.1)],
                       live=True)
    now = time.time()
    batch = source.more.get()
    batch.epoch0 = now - 0.1  # a live batch: its clock's zero in wall time
    source.more.put(batch)
    station = Station(source, start_epoch=now, pipeline=pipeline(), warn=print)
    seen = Recorder()
    station.add(seen)
    runner = threading.Thread(target=station.run)
    runner.start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and (
            not seen.ticks or seen.ticks[-1].away_since is None
            or ICAO in station.tracker.aircraft):  # type: ignore[union-attr]
        time.sleep(0.2)
    station.request_stop()
    runner.join(10)
    station.close()
    away = [t for t in seen.ticks if t.away_since is not None]
    assert away, "no tick said the source was away"
    assert away[-1].away_since == pytest.approx(now, abs=1.5)
    assert abs(away[-1].now - away[-1].wall) < 1.0  # the clock is the wall clock's
    assert ICAO not in station.tracker.aircraft  # type: ignore[union-attr]
    assert ICAO in station.tracker.departed  # type: ignore[union-attr]


def test_a_frame_that_fails_to_decode_is_said_once_and_recording_goes_on(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure inside the decoding stage (a bug, or a value nothing expected) leaves
    that frame out, is said once, and the other frames are decoded and recorded."""
    import adsbwatch.receiver.station.pipeline as pipeline_module

    good = encode.identification(ICAO, "NAF01")
    bad = encode.identification(0x3C4B2A, "BOOM")
    real = pipeline_module.RepeatingDecoder.__call__

    def brittle(self, frame: bytes):  # type: ignore[no-untyped-def]
        if frame == bad:
            raise KeyError("a field nothing expected")
        return real(self, frame)

    monkeypatch.setattr(pipeline_module.RepeatingDecoder, "__call__", brittle)
    warnings: list[str] = []
    batches = [frames_batch([good, bad, good], 0.0, 0.1), frames_batch([bad, good], 0.1, 0.2)]
    stage = Pipeline(tracker_config=TrackerConfig(), watchlist=Watchlist([]),
                     record_all=True, visit_gap_s=60.0, sighting_wait_s=0.0)
    station = Station(FakeInput(batches), start_epoch=0.0, pipeline=stage,
                      warn=warnings.append)
    seen = Recorder()
    station.add(seen)
    station.run()
    station.close()
    assert warnings == [f"decoding {bad.hex()} failed (KeyError: 'a field nothing "
                        "expected'); the frame is left out, decoding goes on"]
    assert stage.totals.failures == 2 and stage.totals.messages == 3
    assert station.consumers.failures == [] and seen.frames == 5
    assert stage.visits.open[ICAO].messages == 3  # the recorded aircraft's visit went on
