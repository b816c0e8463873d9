"""An RTL-SDR dongle through pyrtlsdr, as a live IQ source.

pyrtlsdr's asynchronous read runs in a capture thread (librtlsdr calls back from the
thread that started the read; synchronous reads can hang forever when the dongle goes);
each buffer is copied (librtlsdr reuses it) into a ChunkQueue that the station reads as
a stream, cut into blocks like any file.

librtlsdr says nothing when USB transfers are lost: such losses are found from the
buffers' arrival times (see ArrivalLosses), and the sample clock jumps by them. When the
dongle goes, librtlsdr cancels the read and `read_bytes_async` returns: what it gave is
demodulated at once, the source says so on one line and reopens it with backoff (or
ends the stream with a RuntimeFailure with `reopen=False`, for a service manager to
restart); the time it was away is counted as such (never as dropped samples) and the
sample clock jumps by it, so later frame times stay right. With `--gain auto` the adaptive
gain (sources/gain.py) judges the samples as the station reads them and retunes.
"""

from __future__ import annotations

import collections
import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from adsbwatch.receiver.core.backoff import FIRST_RETRY_S, next_retry
from adsbwatch.receiver.errors import RuntimeFailure, UserError
from adsbwatch.receiver.sources.base import Block, SourceInfo, SourceTotals
from adsbwatch.receiver.sources.blocks import cut_blocks
from adsbwatch.receiver.sources.gain import AdaptiveGain, chunk_levels
from adsbwatch.receiver.sources.live import ChunkQueue
from adsbwatch.receiver.sources.pyrtlsdr_calls import (
    cancel_from_callback,
    cancel_from_outside,
    open_device,
    set_while_reading,
)
from adsbwatch.receiver.tuner import TunerSettings

CHUNK_BYTES = 262_144  # per callback (dump1090's size); librtlsdr wants multiples of 512
CANCEL_TRIES = 20  # close(): waits for the capture thread, a cancel after each
CANCEL_WAIT_S = 0.25
GAIN_TOLERANCE_DB = 0.05  # "--gain 49.6" is the tuner's 49.6 dB step

# librtlsdr's error codes as pyrtlsdr's LibUSBError carries them (errno)
LIBUSB_ACCESS = -3
LIBUSB_BUSY = -6
NO_DEVICES = -2  # rtlsdr_get_index_by_serial: no dongle at all
NO_SUCH_SERIAL = -3  # rtlsdr_get_index_by_serial: dongles, none with that serial

WHAT_TO_CHECK = ("check that it is plugged in (lsusb lists 0bda:2838), that no other "
                 "program holds it (dump1090, rtl_tcp, another adsbwatch), that the kernel's "
                 "dvb_usb_rtl28xxu driver is blacklisted (/etc/modprobe.d) and that udev "
                 "lets you use it (rtl-sdr.rules, plugdev group)")


def default_rtlsdr_class() -> type:
    """pyrtlsdr's RtlSdr: imported only now, because importing it loads librtlsdr."""
    try:
        from rtlsdr import RtlSdr
    except (ImportError, OSError, AttributeError) as exc:  # no librtlsdr, or an old one
        why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise RuntimeFailure(f"pyrtlsdr cannot load librtlsdr ({why}); install it with "
                             "its bundled library: pip install 'pyrtlsdr[lib]'") from None
    if RtlSdr is None:  # RTLSDR_CLIENT_MODE set: pyrtlsdr's TCP client only
        raise RuntimeFailure("pyrtlsdr runs in client-only mode (RTLSDR_CLIENT_MODE is set); "
                             "unset it to use a local dongle")
    return RtlSdr


class ArrivalLosses:
    """Samples lost before they reached us, found from when the buffers arrived.

    A buffer's lateness is its arrival less the time its last sample was taken, were no
    sample lost: delays come and go (a burst after a stall), a loss stays. Each buffer
    is held for `hold_s` before it is handed on, so that a loss is only counted when
    every buffer of that while arrived later than the recent ones did (the smallest
    lateness of the last `baseline_s`, which follows the dongle's clock drifting), and
    counted where it happened: just before the first of them. Lateness is measured on
    the monotonic clock (the wall clock may be stepped); the wall-clock arrival goes on
    with each buffer, for the frames' times."""

    def __init__(self, rate: int, put: Callable[[np.ndarray, float], None],
                 gap: Callable[[int], None], away: Callable[[int], None],
                 hold_s: float = 0.5, baseline_s: float = 5.0, threshold_s: float = 0.02,
                 max_held: int = 64) -> None:
        """`gap(samples)`: lost while the dongle was there; `away(samples)`: missed while
        it was gone."""
        self.rate = rate
        self._put = put
        self._gap = gap
        self._away = away
        self.hold_s = hold_s
        self.baseline_s = baseline_s
        self.threshold_s = threshold_s
        self.max_held = max_held  # buffers coming faster than real time are not held long
        # [data, wall-clock arrival, monotonic arrival, lateness] of each buffer held
        self._held: collections.deque[list[Any]] = collections.deque()
        self._recent: collections.deque[tuple[float, float]] = collections.deque()
        self._t0: float | None = None  # when sample 0 was taken (monotonic)
        self._samples = 0  # samples accounted for: received or counted lost
        self._resuming = False

    def add(self, data: np.ndarray, arrival: float, steady: float) -> None:
        """A buffer that arrived at `arrival` (wall clock), `steady` (monotonic)."""
        n = data.size // 2
        if self._t0 is None:
            self._t0 = steady - n / self.rate
        elif self._resuming:  # the first buffer since the dongle came back
            self._account_until(steady - n / self.rate, self._away)
        self._resuming = False
        self._samples += n
        self._held.append([data, arrival, steady, self._lateness(steady)])
        while self._held and (steady - self._held[0][2] >= self.hold_s
                              or len(self._held) > self.max_held):
            self._release()

    def release_all(self) -> None:
        """Hand on every buffer held (the stream stops): a loss is judged by those held."""
        while self._held:
            self._release()

    def away_until(self, steady: float) -> int:
        """The dongle was away: count the samples missed until `steady` (monotonic) as
        time away (and those until its first buffer, when it comes); how many."""
        self.release_all()
        self._resuming = True
        return self._account_until(steady, self._away)

    def _lateness(self, steady: float) -> float:
        assert self._t0 is not None
        return steady - self._t0 - self._samples / self.rate

    def _baseline(self) -> float | None:
        return min(late for _, late in self._recent) if self._recent else None

    def _account_until(self, taken: float, report: Callable[[int], None]) -> int:
        """Report the samples between the last accounted for and `taken` as missed."""
        baseline = self._baseline()
        if baseline is None or self._t0 is None:
            return 0
        missed = round((taken - self._t0 - self._samples / self.rate - baseline) * self.rate)
        if missed <= 0:
            return 0
        report(missed)
        self._samples += missed
        return missed

    def _release(self) -> None:
        baseline = self._baseline()
        if baseline is not None:
            ahead = min(held[3] for held in self._held)
            if ahead - baseline > self.threshold_s:
                lost = round((ahead - baseline) * self.rate)
                self._gap(lost)
                self._samples += lost
                for held in self._held:
                    held[3] -= lost / self.rate
        data, arrival, steady, late = self._held.popleft()
        self._put(data, arrival)
        self._recent.append((steady, late))
        while self._recent and steady - self._recent[0][0] > self.baseline_s:
            self._recent.popleft()


class RtlSdrSource:
    """A dongle (`device`: an index "0", "1"... or "serial:SERIAL") tuned as `settings`
    say. `rtlsdr_class` stands for pyrtlsdr's RtlSdr (tests pass a fake)."""

    def __init__(self, device: str, rate: int, settings: TunerSettings,
                 warn: Callable[[str], None], reopen: bool = True,
                 rtlsdr_class: type | None = None) -> None:
        self.device = device
        self.serial = device.removeprefix("serial:") if device.startswith("serial:") else None
        name = f"rtlsdr {device}" if self.serial is not None else f"rtlsdr:{device}"
        self.info = SourceInfo(name, "cu8", rate, live=True)
        self.totals = SourceTotals()
        self.settings = settings
        self.warn = warn
        self.reopen = reopen
        self.gains_db: tuple[float, ...] = ()  # the tuner's steps, once opened
        self.gain_db: float | None = None  # the gain tuned now (the store's session record)
        self._rtlsdr_class = rtlsdr_class
        self._cls: Any = None
        self._sdr: Any = None
        self._lock = threading.Lock()  # the device handle, between the threads
        self._closing = threading.Event()
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None  # how the stream ended, if not cleanly
        self._callback_failure: BaseException | None = None  # raised in a sample callback
        self._reading: Any = None  # the device whose asynchronous read runs
        self._queue = ChunkQueue(2, rate)
        self._losses = ArrivalLosses(rate, self._queue.put, self._queue.gap, self._queue.away)
        self._adaptive: AdaptiveGain | None = None  # --gain auto, once the steps are known

    # ------------------------------------------------------------------ the IQSource

    def open(self) -> None:
        if self._thread is not None:
            return
        self._cls = self._rtlsdr_class or default_rtlsdr_class()
        self._sdr = self._open_device()
        self._thread = threading.Thread(target=self._capture, name=f"{self.info.name} capture",
                                        daemon=True)
        self._thread.start()

    def blocks(self, scan_samples: int, lookahead: int) -> Iterator[Block]:
        yield from cut_blocks(self._read_counting, 2, scan_samples, lookahead, self.totals,
                              clock=self._queue.clock)
        if self._failure is not None:
            raise self._failure

    def close(self) -> None:
        self._closing.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            # The read is cancelled from its next callback (a buffer takes 0.05 s); a
            # dongle that calls back no more is cancelled from here, again while needed
            # (a cancel before librtlsdr has started the read is lost).
            for _ in range(CANCEL_TRIES):
                thread.join(CANCEL_WAIT_S)
                if not thread.is_alive():
                    break
                with self._lock:
                    sdr = self._sdr
                if sdr is not None:
                    cancel_from_outside(sdr)
            else:  # still in librtlsdr: closing the device under it could crash it
                self._queue.end()
                return
        with self._lock:
            sdr, self._sdr = self._sdr, None
        if sdr is not None:
            with contextlib.suppress(OSError):
                sdr.close()
        self._queue.end()

    # ------------------------------------------------------------------ tuning

    def set_gain_db(self, db: float) -> float:
        """Tune the tuner's step nearest `db` (what the adaptive gain calls); the step
        chosen. While the dongle is away it is kept for when it is back."""
        step = min(self.gains_db, key=lambda g: abs(g - db)) if self.gains_db else db
        with self._lock:
            failed = None if self._sdr is None else set_while_reading(self._sdr, "gain", step)
            if failed is None:  # set, or kept for the reopen to tune
                self.gain_db = step
        if failed is not None:
            # The read goes on at the gain it had (a gone dongle is found by its read).
            self.warn(f"{self.info.name}: setting the gain to {step:g} dB failed ({failed}); "
                      f"it stays at {self.gain_db:g} dB")
        return step

    def _starting_gain_db(self, gains: tuple[float, ...]) -> float:
        if self.gain_db is not None:  # reopened: as it was
            return self.gain_db
        wanted = self.settings.gain
        if wanted in ("auto", "max"):  # auto: the adaptive gain starts at the top
            return max(gains)
        db = float(wanted)
        for step in gains:
            if abs(step - db) <= GAIN_TOLERANCE_DB:
                return step
        raise UserError(f"--gain {wanted}: this tuner's gains are "
                        f"{', '.join(f'{g:.1f}' for g in sorted(gains))} dB (or auto, max)")

    def _tune(self, sdr: Any) -> None:
        s = self.settings
        sdr.sample_rate = self.info.rate
        sdr.center_freq = s.freq_hz
        # librtlsdr refuses (-2) the correction it already has, and pyrtlsdr then closes
        # the device: set it only when it differs.
        if int(sdr.freq_correction) != s.ppm:
            sdr.freq_correction = s.ppm
        gains = tuple(float(g) for g in sdr.valid_gains_db)
        if not gains:
            raise RuntimeFailure(f"{self.info.name}: the tuner reports no gains; {WHAT_TO_CHECK}")
        self.gains_db = gains
        step = self._starting_gain_db(gains)
        sdr.gain = step  # pyrtlsdr turns the tuner's own AGC off for a manual gain
        self.gain_db = step
        if s.gain == "auto" and self._adaptive is None:
            self._adaptive = AdaptiveGain(gains)
        if s.bias_tee:
            set_bias_tee = getattr(sdr, "set_bias_tee", None)
            if set_bias_tee is None:
                raise RuntimeFailure("--bias-tee: this pyrtlsdr cannot switch the bias tee; "
                                     "pip install -U 'pyrtlsdr[lib]'")
            set_bias_tee(True)

    # ------------------------------------------------------------------ opening

    def _device_index(self) -> int:
        if self.serial is None:
            return int(self.device)
        try:
            return int(self._cls.get_device_index_by_serial(self.serial))
        except OSError as exc:
            if getattr(exc, "errno", None) == NO_SUCH_SERIAL:
                raise RuntimeFailure(f"{self.info.name}: no dongle has serial {self.serial} "
                                     f"(plugged in: {self._serials()}); rtl_test lists them, "
                                     "rtl_eeprom -s sets one") from None
            raise RuntimeFailure(f"{self.info.name}: no RTL-SDR dongle found; "
                                 f"{WHAT_TO_CHECK}") from None

    def _serials(self) -> str:
        try:
            serials = list(self._cls.get_device_serial_addresses())
        except (OSError, AttributeError):
            return "serials unknown"
        return ", ".join(map(str, serials)) or "none"

    def _open_failure(self, exc: OSError) -> RuntimeFailure:
        code = getattr(exc, "errno", None)
        name = self.info.name
        if code == LIBUSB_ACCESS:
            return RuntimeFailure(f"{name}: access to the dongle denied ({exc}); install the "
                                  "udev rule for it (rtl-sdr.rules, plugdev group) and plug it "
                                  "in again")
        if code == LIBUSB_BUSY:
            return RuntimeFailure(f"{name}: the dongle is busy ({exc}): another program holds "
                                  "it (dump1090, rtl_tcp, another adsbwatch) or the kernel's "
                                  "dvb_usb_rtl28xxu driver does (blacklist it in "
                                  "/etc/modprobe.d, then plug the dongle in again)")
        return RuntimeFailure(f"{name}: no RTL-SDR dongle could be opened ({exc}); "
                              f"{WHAT_TO_CHECK}")

    def _open_device(self) -> Any:
        index = self._device_index()
        try:
            sdr = open_device(self._cls, index)
        except OSError as exc:
            raise self._open_failure(exc) from None
        try:
            self._tune(sdr)
        except OSError as exc:
            with contextlib.suppress(OSError):
                sdr.close()
            raise RuntimeFailure(f"{self.info.name}: tuning the dongle failed ({exc}); "
                                 f"{WHAT_TO_CHECK}") from None
        except BaseException:
            with contextlib.suppress(OSError):
                sdr.close()
            raise
        return sdr

    # ------------------------------------------------------------------ capture thread

    def _capture(self) -> None:
        sdr = self._sdr
        try:
            while sdr is not None and not self._closing.is_set():
                why = self._read(sdr)
                self._losses.release_all()  # what came before it went: on at once
                if self._closing.is_set():
                    break
                if self._callback_failure is not None:  # no reopening mends that
                    exc = self._callback_failure
                    self._failure = RuntimeFailure(
                        f"{self.info.name}: taking the dongle's samples failed "
                        f"({type(exc).__name__}: {exc}); stopping")
                    break
                self._queue.interrupt()  # and demodulated now, not once it is back
                self._drop_device()
                if not self.reopen:
                    self._failure = RuntimeFailure(
                        f"{self.info.name}: the dongle is gone ({why}); not reopening it "
                        "(--no-reopen)")
                    break
                self.warn(f"{self.info.name}: the dongle is gone ({why}); reopening it when "
                          "it is back")
                sdr = self._wait_for_device()
        except BaseException as exc:  # noqa: BLE001 - raised in the station's thread
            self._failure = exc
        finally:
            self._losses.release_all()
            self._queue.end()

    def _read(self, sdr: Any) -> str:
        """Run the asynchronous read until it ends; why it ended."""
        if self._closing.is_set():  # a close came before the read: none to cancel
            return "closed"
        self._reading = sdr
        try:
            sdr.read_bytes_async(self._guarded_buffer, CHUNK_BYTES)
        except OSError as exc:
            return str(exc)
        return "librtlsdr ended its read"

    def _guarded_buffer(self, buffer: Any, context: Any = None) -> None:
        """pyrtlsdr's callback. librtlsdr calls it through ctypes, which prints and then
        swallows whatever it raises (the read would go on, its samples lost unsaid): a
        failure cancels the read and ends the stream with it (issue 15, M9). A close
        cancels the read from here, where the read certainly runs (H5)."""
        if self._closing.is_set() or self._callback_failure is not None:
            cancel_from_callback(self._reading)
            return
        try:
            self._on_buffer(buffer, context)
        except BaseException as exc:  # noqa: BLE001 - ctypes would swallow it
            self._callback_failure = exc
            cancel_from_callback(self._reading)

    def _on_buffer(self, buffer: Any, context: Any = None) -> None:
        arrival, steady = time.time(), time.monotonic()
        data = np.array(np.frombuffer(buffer, dtype=np.uint8))  # librtlsdr reuses it
        self._losses.add(data[:data.size - data.size % 2], arrival, steady)

    def _drop_device(self) -> None:
        with self._lock:
            sdr, self._sdr = self._sdr, None
        if sdr is not None:
            with contextlib.suppress(OSError):
                sdr.close()

    def _wait_for_device(self) -> Any:
        """Reopen with backoff until it works (the device) or the source closes (None)."""
        delay = FIRST_RETRY_S
        while not self._closing.wait(delay):
            try:
                sdr = self._open_device()
            except (RuntimeFailure, UserError):
                delay = next_retry(delay)
                continue
            with self._lock:
                if self._closing.is_set():
                    with contextlib.suppress(OSError):
                        sdr.close()
                    return None
                self._sdr = sdr
            self._losses.away_until(time.monotonic())
            self.totals.reconnects += 1
            return sdr
        return None

    # ------------------------------------------------------------------ station side

    def _read_counting(self, view: memoryview) -> int:
        """The queue's bytes, measured on the way: strong samples for the stats, and the
        adaptive gain's next step (set from this thread, not from librtlsdr's callback,
        which runs inside libusb's event handling)."""
        n = self._queue.readinto(view)
        if n:
            levels = chunk_levels(np.frombuffer(view[:n], dtype=np.uint8))
            self.totals.strong_samples += levels.strong
            if self._adaptive is not None:
                new_gain = self._adaptive.observe(levels.strong_share, levels.noise_dbfs,
                                                  levels.samples)
                if new_gain is not None:
                    self.set_gain_db(new_gain)
        return n
