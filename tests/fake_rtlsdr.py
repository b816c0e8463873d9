"""A fake pyrtlsdr `RtlSdr` at pyrtlsdr's boundary: the constructor, properties, methods
and asynchronous callback the capture loop uses, playing a recording (cu8 bytes).

`FakeBus` is the USB bus the fake dongles live on: what is plugged in, the recording and
how far it has played, buffers to drop (never called back, as a USB overrun), when the
dongle is pulled out and comes back, and every call made (setters, opens, closes).
`FakeBus.rtlsdr_class()` is a class bound to it, to pass as `rtlsdr_class`; a
subprocess gets one through a `rtlsdr` package put first on its path
(`shim_environment`), configured from the environment by `bus_from_environment`.

Like librtlsdr the fake reuses its callback buffer (a source that keeps it without
copying sees it change), refuses a frequency correction equal to the current one
(librtlsdr's -2, upon which pyrtlsdr closes the device), and applies the gain: the IQ
around 127.5 scaled by 10**((gain_db - reference_db) / 20), clipped at 0 and 255.
"""

from __future__ import annotations

import ctypes
import os
import threading
import time
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


class LibUSBError(OSError):
    """As pyrtlsdr's: an IOError whose errno is librtlsdr's (negative) code."""

    def __init__(self, errno: int, msg: str = "") -> None:
        super().__init__(errno, msg)
        self.errno = errno
        self.msg = msg

    def __str__(self) -> str:
        return f'<LIBUSB error ({self.errno})> "{self.msg}"'


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
    calls: list[tuple[str, Any]] = field(default_factory=list)
    position: int = 0  # bytes of the recording played
    buffers: int = 0  # buffers played (called back or dropped)
    opens: int = 0
    failed_opens: int = 0
    finished: threading.Event = field(default_factory=threading.Event)

    def rtlsdr_class(self) -> type:
        return type("RtlSdr", (FakeRtlSdr,), {"bus": self})

    def set_calls(self, name: str) -> list[Any]:
        return [value for call, value in self.calls if call == name]

    def open_failed(self) -> None:
        self.failed_opens += 1
        if self.replug_after_failed_opens is not None \
                and self.failed_opens >= self.replug_after_failed_opens:
            self.plugged = True
            self.replug_after_failed_opens = None


class FakeRtlSdr:
    bus: ClassVar[FakeBus]

    def __init__(self, device_index: int = 0, test_mode_enabled: bool = False,
                 serial_number: str | None = None, dithering_enabled: bool = True) -> None:
        bus = self.bus
        if serial_number is not None:
            device_index = self.get_device_index_by_serial(serial_number)
        bus.calls.append(("open", device_index))
        if not bus.plugged or not 0 <= device_index < len(bus.serials):
            bus.open_failed()
            raise LibUSBError(-1, f"Could not open SDR (device index = {device_index})")
        bus.opens += 1
        self.device_opened = True
        self.gain_values = [round(10 * g) for g in R820T_GAINS_DB]
        self.valid_gains_db = [g / 10 for g in self.gain_values]
        self._rate = DEFAULT_RATE
        self._freq = DEFAULT_FREQ
        self._ppm = 0
        self._gain_db = max(R820T_GAINS_DB)
        self.manual_gain = False  # pyrtlsdr opens with gain 'auto'
        self._cancelled = threading.Event()

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

    def _check_open(self) -> None:
        if not self.device_opened:
            raise LibUSBError(-4, "the device is closed")

    @property
    def sample_rate(self) -> float:
        return float(self._rate)

    @sample_rate.setter
    def sample_rate(self, rate: float) -> None:
        self._check_open()
        self.bus.calls.append(("sample_rate", int(rate)))
        self._rate = int(rate)

    @property
    def center_freq(self) -> float:
        return float(self._freq)

    @center_freq.setter
    def center_freq(self, freq: float) -> None:
        self._check_open()
        self.bus.calls.append(("center_freq", int(freq)))
        self._freq = int(freq)

    @property
    def freq_correction(self) -> int:
        return self._ppm

    @freq_correction.setter
    def freq_correction(self, ppm: int) -> None:
        self._check_open()
        self.bus.calls.append(("freq_correction", int(ppm)))
        if int(ppm) == self._ppm:  # librtlsdr's -2; pyrtlsdr closes the device
            self.close()
            raise LibUSBError(-2, f"Could not set freq. offset to {ppm} ppm")
        self._ppm = int(ppm)

    @property
    def gain(self) -> float:
        return self._gain_db

    @gain.setter
    def gain(self, gain: float | str) -> None:
        self._check_open()
        self.bus.calls.append(("gain", gain))
        if gain == "auto":
            self.set_manual_gain_enabled(False)
            return
        self._gain_db = min(R820T_GAINS_DB, key=lambda g: abs(g - float(gain)))
        self.set_manual_gain_enabled(True)

    def get_gains(self) -> list[int]:
        return list(self.gain_values)

    def set_manual_gain_enabled(self, enabled: bool) -> None:
        self.bus.calls.append(("manual_gain", bool(enabled)))
        self.manual_gain = bool(enabled)

    def set_bias_tee(self, enabled: bool) -> int:
        self._check_open()
        self.bus.calls.append(("bias_tee", bool(enabled)))
        return 0

    # ------------------------------------------------------------------ samples

    def _gained(self, chunk: bytes) -> bytes:
        factor = 10 ** ((self._gain_db - self.bus.reference_db) / 20)
        if factor == 1.0:
            return chunk
        iq = np.frombuffer(chunk, dtype=np.uint8).astype(np.float32)
        scaled = np.rint((iq - 127.5) * factor + 127.5)
        return np.clip(scaled, 0, 255).astype(np.uint8).tobytes()

    def read_bytes_async(self, callback: Callable[[Any, Any], None], num_bytes: int = 1024,
                         context: Any = None) -> None:
        """Call back with each buffer of the recording until cancelled, pulled out, or the
        recording is played; one ctypes buffer reused, as librtlsdr does."""
        bus = self.bus
        self._check_open()
        num_bytes = int(num_bytes)
        buffer = (ctypes.c_ubyte * num_bytes)()
        started = time.monotonic()
        played = 0  # samples since this read started, for the pace
        while not self._cancelled.is_set():
            if bus.unplug_after is not None and bus.buffers >= bus.unplug_after:
                bus.unplug_after = None
                bus.plugged = False
                return
            if bus.position >= len(bus.recording):
                bus.finished.set()
                if bus.at_end == "unplug":
                    bus.plugged = False
                    return
                self._cancelled.wait()
                return
            chunk = bus.recording[bus.position:bus.position + num_bytes]
            bus.position += len(chunk)
            number = bus.buffers
            bus.buffers += 1
            played += len(chunk) // 2
            if bus.pace > 0:
                due = started + played / self._rate / bus.pace
                time.sleep(max(0.0, due - time.monotonic()))
            if number in bus.drop_buffers:
                continue
            data = self._gained(chunk)
            if len(data) == num_bytes:
                ctypes.memmove(buffer, data, num_bytes)
                callback(buffer, self if context is None else context)
            else:  # the recording's tail
                tail = (ctypes.c_ubyte * len(data)).from_buffer_copy(data)
                callback(tail, self if context is None else context)

    def cancel_read_async(self) -> None:
        self.bus.calls.append(("cancel_read_async", None))
        self._cancelled.set()

    def close(self) -> None:
        if self.device_opened:
            self.bus.calls.append(("close", None))
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
