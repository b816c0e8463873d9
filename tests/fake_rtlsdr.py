"""A fake pyrtlsdr `RtlSdr` over a fake librtlsdr, at pyrtlsdr's boundary, playing a
recording (cu8 bytes). Both layers keep the real ones' semantics, because the faults live
in how they meet (issue 15: H5, H6, M8, M9):

- librtlsdr (`FakeBus`, one per USB bus): an opened device claims its USB interface (a
  second open is BUSY, -6, until it is closed); `read_async` runs only from INACTIVE
  (-2 otherwise), is RUNNING while it calls back from the calling thread and returns 0
  once cancelled or once the device is lost; `cancel_async` answers 0 while RUNNING and
  -2 otherwise; `close` waits, librtlsdr forever, here at most CLOSE_WAIT_S, for a read
  to end, then frees the device: a later call with it is a use after free. What would
  be undefined or a hang in C is recorded in `bus.violations` (tests check it is empty).
  The callback is called as ctypes calls it: what it raises is printed and swallowed.
- pyrtlsdr 0.5.1 (`FakeRtlSdr`): `open()` raises without closing when a step after
  librtlsdr's open fails (reset_buffer), every setter closes the device when librtlsdr
  fails it, `cancel_read_async` closes it on -2 unless the instance is already
  cancelling, a read clears that mark, and buffers that come while cancelling are not
  handed to the callback.

`FakeBus` is also the USB bus the fake dongles live on: what is plugged in, how far the
recording has played, buffers to drop (never called back, as a USB overrun), when the
dongle is pulled out and comes back, faults to inject (a failing gain setter, a failing
reset_buffer), and every call made (setters, opens, closes). `FakeBus.rtlsdr_class()` is
a class bound to it, to pass as `rtlsdr_class`; a subprocess gets one through a `rtlsdr`
package put first on its path (`shim_environment`), configured from the environment by
`bus_from_environment`.

Like librtlsdr the fake reuses its callback buffer (a source that keeps it without
copying sees it change), refuses a frequency correction equal to the current one (-2),
and applies the gain: the IQ around 127.5 scaled by 10**((gain_db - reference_db) / 20),
clipped at 0 and 255.
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

# An R820T's gain steps (rtl_test -t: "Supported gain values (29)")
R820T_GAINS_DB = (0.0, 0.9, 1.4, 2.7, 3.7, 7.7, 8.7, 12.5, 14.4, 15.7, 16.6, 19.7, 20.7,
                  22.9, 25.4, 28.0, 29.7, 32.8, 33.8, 36.4, 37.2, 38.6, 40.2, 42.1, 43.4,
                  43.9, 44.5, 48.0, 49.6)
DEFAULT_RATE = 1_024_000  # pyrtlsdr's defaults on opening
DEFAULT_FREQ = 80_000_000
REPO = Path(__file__).resolve().parents[1]
# librtlsdr's states of an asynchronous read (enum rtlsdr_async_status)
INACTIVE, CANCELING, RUNNING = 0, 1, 2
CLOSE_WAIT_S = 5.0  # librtlsdr's close waits forever for a read to end; the fake gives up
BUSY = -6  # LIBUSB_ERROR_BUSY: the interface is claimed


class LibUSBError(OSError):
    """As pyrtlsdr's: an IOError whose errno is librtlsdr's (negative) code."""

    def __init__(self, errno: int, msg: str = "") -> None:
        super().__init__(errno, msg)
        self.errno = errno
        self.msg = msg

    def __str__(self) -> str:
        return f'<LIBUSB error ({self.errno})> "{self.msg}"'


@dataclass
class Device:
    """What librtlsdr keeps of an opened dongle (an rtlsdr_dev_t)."""

    index: int
    rate: int = DEFAULT_RATE
    freq: int = DEFAULT_FREQ
    ppm: int = 0
    gain_db: float = max(R820T_GAINS_DB)
    status: int = INACTIVE
    lost: bool = False  # pulled out: a close does not wait for the read
    freed: bool = False
    cancelled: threading.Event = field(default_factory=threading.Event)


@dataclass
class FakeBus:
    recording: bytes
    serials: list[str] = field(default_factory=lambda: ["00000001"])
    plugged: bool = True
    pace: float = 0.0  # 1.0: real time at the sample rate set; 0: as fast as called back
    reference_db: float = 49.6  # the gain at which the recording's bytes come out unchanged
    drop_buffers: set[int] = field(default_factory=set)  # buffer numbers never called back
    unplug_after: int | None = None  # buffers played before the dongle is pulled out
    replug_after_failed_opens: int | None = None  # it comes back after that many tries
    at_end: str = "unplug"  # the recording played: "unplug" (goes) or "idle" (no samples)
    failing_gain_calls: set[int] = field(default_factory=set)  # set_tuner_gain calls (1..)
    failing_reset_opens: set[int] = field(default_factory=set)  # opens (1..) failing there
    calls: list[tuple[str, Any]] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    position: int = 0  # bytes of the recording played
    buffers: int = 0  # buffers played (called back or dropped)
    opens: int = 0  # devices librtlsdr opened
    failed_opens: int = 0
    gain_calls: int = 0
    claimed: dict[int, Device] = field(default_factory=dict)  # index -> the device holding it
    finished: threading.Event = field(default_factory=threading.Event)

    def rtlsdr_class(self) -> type:
        return type("RtlSdr", (FakeRtlSdr,), {"bus": self})

    def set_calls(self, name: str) -> list[Any]:
        return [value for call, value in self.calls if call == name]

    # ------------------------------------------------------------------ librtlsdr

    def usable(self, dev: Device | None, call: str) -> bool:
        """Whether `call` may use `dev`; a freed one is recorded (undefined in C)."""
        if dev is not None and dev.freed:
            self.violations.append(f"{call} on a freed device "
                                   f"({threading.current_thread().name})")
            return False
        return dev is not None

    def open(self, index: int) -> Device | int:
        if not self.plugged or not 0 <= index < len(self.serials):
            self.failed_opens += 1
            if self.replug_after_failed_opens is not None \
                    and self.failed_opens >= self.replug_after_failed_opens:
                self.plugged = True
                self.replug_after_failed_opens = None
            return -1
        if index in self.claimed:
            return BUSY
        self.opens += 1
        dev = self.claimed[index] = Device(index)
        return dev

    def reset_buffer(self, dev: Device) -> int:
        if not self.usable(dev, "rtlsdr_reset_buffer"):
            return -1
        return -1 if self.opens in self.failing_reset_opens else 0

    def close(self, dev: Device) -> int:
        if not self.usable(dev, "rtlsdr_close"):
            return -1
        waited = time.monotonic()
        while not dev.lost and dev.status != INACTIVE:  # librtlsdr: until the read ends
            if time.monotonic() - waited > CLOSE_WAIT_S:
                self.violations.append("rtlsdr_close waits for a read nobody cancels "
                                       f"({threading.current_thread().name})")
                break
            time.sleep(0.001)
        dev.freed = True
        if self.claimed.get(dev.index) is dev:
            del self.claimed[dev.index]
        return 0

    def set_tuner_gain(self, dev: Device, gain_db: float) -> int:
        if not self.usable(dev, "rtlsdr_set_tuner_gain"):
            return -1
        self.gain_calls += 1
        if self.gain_calls in self.failing_gain_calls:
            return -1  # an I2C write to the tuner failed
        dev.gain_db = gain_db
        return 0

    def cancel_async(self, dev: Device) -> int:
        if not self.usable(dev, "rtlsdr_cancel_async"):
            return -1
        if dev.status != RUNNING:
            return -2
        dev.status = CANCELING
        dev.cancelled.set()
        return 0

    def read_async(self, dev: Device, callback: Callable[[Any], None], num_bytes: int) -> int:
        """Call back with each buffer of the recording until cancelled, pulled out, or the
        recording is played; one ctypes buffer reused, as librtlsdr does."""
        if not self.usable(dev, "rtlsdr_read_async"):
            return -1
        if dev.status != INACTIVE:
            return -2
        dev.status = RUNNING
        dev.cancelled.clear()
        try:
            self._play(dev, callback, num_bytes)
        finally:
            dev.status = INACTIVE
        return 0

    def _play(self, dev: Device, callback: Callable[[Any], None], num_bytes: int) -> None:
        buffer = (ctypes.c_ubyte * num_bytes)()
        started = time.monotonic()
        played = 0  # samples since this read started, for the pace
        while not dev.cancelled.is_set():
            if dev.freed:
                self.violations.append("a read goes on on a freed device")
                return
            if self.unplug_after is not None and self.buffers >= self.unplug_after:
                self.unplug_after = None
                self.plugged, dev.lost = False, True
                return
            if self.position >= len(self.recording):
                self.finished.set()
                if self.at_end == "unplug":
                    self.plugged, dev.lost = False, True
                    return
                dev.cancelled.wait()
                return
            chunk = self.recording[self.position:self.position + num_bytes]
            self.position += len(chunk)
            number = self.buffers
            self.buffers += 1
            played += len(chunk) // 2
            if self.pace > 0:
                due = started + played / dev.rate / self.pace
                time.sleep(max(0.0, due - time.monotonic()))
            if number in self.drop_buffers:
                continue
            data = self._gained(chunk, dev.gain_db)
            if len(data) == num_bytes:
                ctypes.memmove(buffer, data, num_bytes)
                called_back(callback, buffer)
            else:  # the recording's tail
                called_back(callback, (ctypes.c_ubyte * len(data)).from_buffer_copy(data))

    def _gained(self, chunk: bytes, gain_db: float) -> bytes:
        factor = 10 ** ((gain_db - self.reference_db) / 20)
        if factor == 1.0:
            return chunk
        iq = np.frombuffer(chunk, dtype=np.uint8).astype(np.float32)
        scaled = np.rint((iq - 127.5) * factor + 127.5)
        return np.clip(scaled, 0, 255).astype(np.uint8).tobytes()


def called_back(callback: Callable[[Any], None], buffer: Any) -> None:
    """A Python callback as ctypes calls it from C: what it raises is printed on stderr
    and swallowed, and the C code goes on."""
    try:
        callback(buffer)
    except BaseException:  # noqa: BLE001 - ctypes' own behaviour
        print("Exception ignored on calling ctypes callback function", file=sys.stderr)
        traceback.print_exc()


class FakeRtlSdr:
    """pyrtlsdr 0.5.1's RtlSdr over the fake librtlsdr of `bus`."""

    bus: ClassVar[FakeBus]
    device_opened = False  # class attributes, as pyrtlsdr's: the instance sets its own
    read_async_canceling = False
    dev_p: Device | None = None

    def __init__(self, device_index: int = 0, test_mode_enabled: bool = False,
                 serial_number: str | None = None, dithering_enabled: bool = True) -> None:
        self.open(device_index, test_mode_enabled, serial_number, dithering_enabled)

    def open(self, device_index: int = 0, test_mode_enabled: bool = False,
             serial_number: str | None = None, dithering_enabled: bool = True) -> None:
        bus = self.bus
        if serial_number is not None:
            device_index = self.get_device_index_by_serial(serial_number)
        bus.calls.append(("open", device_index))
        self.dev_p = None
        opened = bus.open(device_index)
        if isinstance(opened, int):
            raise LibUSBError(opened, f"Could not open SDR (device index = {device_index})")
        self.dev_p = opened
        if bus.reset_buffer(opened) < 0:
            raise LibUSBError(-1, "Could not reset buffer")  # pyrtlsdr does not close here
        self.device_opened = True
        self.gain_values = [round(10 * g) for g in R820T_GAINS_DB]
        self.valid_gains_db = [g / 10 for g in self.gain_values]
        self.manual_gain = False  # pyrtlsdr opens with gain 'auto'

    def _failed(self, code: int, message: str) -> LibUSBError:
        """pyrtlsdr's setters and getters: close the device, then raise."""
        self.close()
        return LibUSBError(code, message)

    # ------------------------------------------------------------------ the bus

    @classmethod
    def get_device_index_by_serial(cls, serial: str) -> int:
        if not cls.bus.plugged or not cls.bus.serials:
            raise LibUSBError(-2)  # librtlsdr: no devices
        if serial not in cls.bus.serials:
            raise LibUSBError(-3)  # librtlsdr: none with that serial
        return cls.bus.serials.index(serial)

    @classmethod
    def get_device_serial_addresses(cls) -> list[str]:
        return list(cls.bus.serials) if cls.bus.plugged else []

    # ------------------------------------------------------------------ settings

    def _device(self, call: str) -> Device | None:
        return self.dev_p if self.bus.usable(self.dev_p, call) else None

    @property
    def sample_rate(self) -> float:
        dev = self._device("rtlsdr_get_sample_rate")
        return float(dev.rate) if dev else 0.0

    @sample_rate.setter
    def sample_rate(self, rate: float) -> None:
        self.bus.calls.append(("sample_rate", int(rate)))
        dev = self._device("rtlsdr_set_sample_rate")
        if dev is None:
            raise self._failed(-1, f"Could not set sample rate to {int(rate)} Hz")
        dev.rate = int(rate)

    @property
    def center_freq(self) -> float:
        dev = self._device("rtlsdr_get_center_freq")
        return float(dev.freq) if dev else 0.0

    @center_freq.setter
    def center_freq(self, freq: float) -> None:
        self.bus.calls.append(("center_freq", int(freq)))
        dev = self._device("rtlsdr_set_center_freq")
        if dev is None:
            raise self._failed(-1, f"Could not set center_freq to {int(freq)} Hz")
        dev.freq = int(freq)

    @property
    def freq_correction(self) -> int:
        dev = self._device("rtlsdr_get_freq_correction")
        return dev.ppm if dev else 0

    @freq_correction.setter
    def freq_correction(self, ppm: int) -> None:
        self.bus.calls.append(("freq_correction", int(ppm)))
        dev = self._device("rtlsdr_set_freq_correction")
        if dev is None or int(ppm) == dev.ppm:  # librtlsdr's -2 for the current one
            raise self._failed(-2, f"Could not set freq. offset to {ppm} ppm")
        dev.ppm = int(ppm)

    @property
    def gain(self) -> float:
        dev = self._device("rtlsdr_get_tuner_gain")
        return dev.gain_db if dev else 0.0

    @gain.setter
    def gain(self, gain: float | str) -> None:
        self.bus.calls.append(("gain", gain))
        if gain == "auto":
            self.set_manual_gain_enabled(False)
            return
        nearest = min(R820T_GAINS_DB, key=lambda g: abs(g - float(gain)))
        self.set_manual_gain_enabled(True)
        if self.bus.set_tuner_gain(self.dev_p, nearest) < 0:  # type: ignore[arg-type]
            raise self._failed(-1, f"Could not set gain to {gain}")

    def get_gains(self) -> list[int]:
        return list(self.gain_values)

    def set_manual_gain_enabled(self, enabled: bool) -> None:
        self.bus.calls.append(("manual_gain", bool(enabled)))
        if self._device("rtlsdr_set_tuner_gain_mode") is None:
            raise LibUSBError(-1, "Could not get gain mode")  # pyrtlsdr: no close here
        self.manual_gain = bool(enabled)

    def set_bias_tee(self, enabled: bool) -> int:
        self.bus.calls.append(("bias_tee", bool(enabled)))
        if self._device("rtlsdr_set_bias_tee") is None:
            raise LibUSBError(-1, "Could not set Bias Tee mode")  # pyrtlsdr: no close here
        return 0

    # ------------------------------------------------------------------ samples

    def read_bytes_async(self, callback: Callable[[Any, Any], None], num_bytes: int = 1024,
                         context: Any = None) -> None:
        self._callback_bytes = callback
        context = context or self
        self.read_async_canceling = False
        result = self.bus.read_async(self.dev_p,  # type: ignore[arg-type]
                                     lambda buffer: self._converter(buffer, context),
                                     int(num_bytes))
        if result < 0:
            raise self._failed(result, f"Could not read {num_bytes} bytes")
        self.read_async_canceling = False

    def _converter(self, buffer: Any, context: Any) -> None:
        if self.read_async_canceling:  # buffers still coming after a cancel are skipped
            return
        self._callback_bytes(buffer, context)

    def cancel_read_async(self) -> None:
        self.bus.calls.append(("cancel_read_async", None))
        result = self.bus.cancel_async(self.dev_p)  # type: ignore[arg-type]
        if result < 0 and not self.read_async_canceling:
            raise self._failed(result, "Could not cancel async read")
        self.read_async_canceling = True

    def close(self) -> None:
        if not self.device_opened:
            return
        self.bus.calls.append(("close", None))
        self.bus.close(self.dev_p)  # type: ignore[arg-type]
        self.device_opened = False


# ---------------------------------------------------------------------- subprocesses

ENV_RECORDING = "FAKE_RTLSDR_RECORDING"
ENV_PLUGGED = "FAKE_RTLSDR_PLUGGED"
ENV_SERIALS = "FAKE_RTLSDR_SERIALS"
ENV_TESTS = "FAKE_RTLSDR_TESTS"
ENV_PACE = "FAKE_RTLSDR_PACE"
ENV_AT_END = "FAKE_RTLSDR_AT_END"
ENV_LOOPS = "FAKE_RTLSDR_LOOPS"

SHIM = '''"""A fake pyrtlsdr for a test's subprocess (tests/fake_rtlsdr.py)."""
import os
import sys

sys.path.insert(0, os.environ["{tests}"])
from fake_rtlsdr import bus_from_environment  # noqa: E402

RtlSdr = bus_from_environment().rtlsdr_class()
'''


def bus_from_environment() -> FakeBus:
    recording = os.environ.get(ENV_RECORDING)
    loops = int(os.environ.get(ENV_LOOPS, "1"))
    return FakeBus(recording=Path(recording).read_bytes() * loops if recording else b"",
                   serials=os.environ.get(ENV_SERIALS, "00000001").split(","),
                   plugged=os.environ.get(ENV_PLUGGED, "1") == "1",
                   pace=float(os.environ.get(ENV_PACE, "0")),
                   at_end=os.environ.get(ENV_AT_END, "unplug"))


def shim_environment(folder: Path, recording: Path | None = None, plugged: bool = True,
                     serials: tuple[str, ...] = ("00000001",), pace: float = 0.0,
                     loops: int = 1, at_end: str = "unplug", shim: str | None = None,
                     ) -> dict[str, str]:
    """The environment (for support.run_adsbwatch's `env`) of a subprocess whose
    `import rtlsdr` finds a package in `folder` serving the fake (or `shim`'s text)."""
    package = folder / "rtlsdr"
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text(SHIM.format(tests=ENV_TESTS) if shim is None else shim)
    env = {ENV_TESTS: str(Path(__file__).resolve().parent),
           ENV_PLUGGED: "1" if plugged else "0", ENV_SERIALS: ",".join(serials),
           ENV_PACE: str(pace), ENV_LOOPS: str(loops), ENV_AT_END: at_end,
           "PYTHONPATH": os.pathsep.join([str(folder), str(REPO),
                                          *filter(None, [os.environ.get("PYTHONPATH")])])}
    if recording is not None:
        env[ENV_RECORDING] = str(recording)
    return env
