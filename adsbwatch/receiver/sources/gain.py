"""Adaptive gain for a live RTL-SDR (`--gain auto`): what the ADC sees, and the tuner
step to use next.

A live source measures each chunk it receives (`chunk_levels`: the share of samples at
the ADC's limits, the noise floor) and hands that to `AdaptiveGain.observe`, which
answers with a new gain to set, or None. The idea is dump1090-fa's adaptive gain (its
burst and dynamic-range modes), in a simpler form:

- start at the tuner's highest manual step (the tuner's own AGC is poor for ADS-B);
- step down one when, over a one-second window, more samples than `CLIP_SHARE` sit at the
  ADC's limits (a loud nearby aircraft clips: its replies are lost), or when the noise
  floor rises so high it eats the ~30 dB of dynamic range an RTL-SDR has (dump1090-fa's
  target for rtlsdr: noise at or below -30 dBFS);
- step back up one when nothing clipped for `QUIET_S` and the noise floor, raised by the
  step, would still be under that ceiling;
- after any change, hold for `HOLD_S`: samples taken at the old gain are still queued,
  and a decision on them would undo the change;
- a step that clipped is not retried for `REPROBE_S`, doubled each time a retry clips
  again (up to an hour, dump1090-fa's rescan delay): a passing aircraft costs a minute of
  gain, a loud neighbourhood is probed ever more rarely instead of every few seconds;
- a floor: when two steps down in a row leave the clipping share where it was (a
  saturated front end, a strong transmitter near by, a server replaying fixed bytes),
  lowering the gain does not help and would only walk the receiver deaf to 0 dB. It goes
  back up to the step where the share stopped changing, says so once, and does not step
  below it again (samples that ignore the gain do not show a noise floor that follows it).

The controller is pure logic over an injected clock, so tests drive it with simulated
time and a simulated device.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from adsbwatch.decoder.demod.adclevels import clipped_and_powers

WINDOW_S = 1.0  # measurements are judged a second at a time (dump1090-fa's block)
HOLD_S = 5.0  # no change within this long of the last (dump1090-fa's burst change delay)
QUIET_S = 10.0  # no clipping for this long before stepping up (its 10 quiet blocks)
CLIP_SHARE = 1e-4  # a window with more samples at the ADC's limits than this clips
NOISE_CEILING_DBFS = -30.0  # the noise floor above which dynamic range is lost
REPROBE_S = 60.0  # a gain that clipped is retried after this long...
REPROBE_MAX_S = 3600.0  # ...doubled each time the retry clipped, up to this
NOISE_STRIDE = 16  # the noise floor from every 16th sample: a median needs no more
FLOOR_DBFS = -120.0  # stands for "no noise at all" (an all-centre chunk)
CLEAR_DROP = 0.8  # a step down helped if it left at most this much of the clipping share
FLAT_STEPS = 2  # steps down in a row that did not help before the floor is set


@dataclass(frozen=True)
class ChunkLevels:
    """What one cu8 chunk looked like at the ADC."""

    samples: int
    strong: int  # samples with I or Q at 0 or 255: the ADC clipped
    noise_dbfs: float  # median magnitude (full scale 1), in dBFS

    @property
    def strong_share(self) -> float:
        return self.strong / self.samples if self.samples else 0.0


def chunk_levels(raw: np.ndarray) -> ChunkLevels:
    """Measure a chunk of cu8 bytes (I, Q interleaved; whole samples) in one compiled
    pass: the samples at the ADC's limits, and the median power of every
    NOISE_STRIDE-th sample."""
    samples = raw.size // 2
    if samples == 0:
        return ChunkLevels(0, 0, FLOOR_DBFS)
    strong, power = clipped_and_powers(raw[: 2 * samples], NOISE_STRIDE)
    middle = power.size // 2
    median_power = float(np.partition(power, middle)[middle])
    # Full scale is 127.5 counts, 255 in doubled ones; magnitude = sqrt(power) / 255.
    noise = 10 * math.log10(median_power) - 20 * math.log10(255) if median_power > 0 \
        else FLOOR_DBFS
    return ChunkLevels(samples, int(strong), noise)


def _warn_on_stderr(message: str) -> None:
    print(f"adsbwatch: warning: {message}", file=sys.stderr)


class AdaptiveGain:
    """Chooses among a tuner's manual gain steps from what each chunk measured."""

    def __init__(self, gains_db: Sequence[float],
                 clock: Callable[[], float] = time.monotonic,
                 warn: Callable[[str], None] = _warn_on_stderr) -> None:
        steps = sorted(set(gains_db))
        if not steps:
            raise ValueError("adaptive gain needs the tuner's gain steps; it gave none")
        self.steps: list[float] = steps
        self.clock = clock
        self.index = len(steps) - 1  # the highest manual step
        self.changes = 0
        self.reason = "starting at the highest manual step"  # of the last change
        now = clock()
        self._last_change = now - HOLD_S  # the first window may act: nothing to wait out
        self._last_was_up = False
        self._quiet_since = now  # end of the last window that clipped
        self._ceiling = self.index  # highest step to return to before `_ceiling_until`
        self._ceiling_until = now
        self._reprobe_s = REPROBE_S
        self.warn = warn
        self.floor: int | None = None  # the lowest step clipping may take it to, once found
        self._clipped_before: float | None = None  # share that caused the last step down
        self._flat = 0  # steps down in a row after which the share stayed where it was
        self._start_window(now)

    @property
    def gain_db(self) -> float:
        return self.steps[self.index]

    def observe(self, strong_share: float, noise_dbfs: float,
                samples: int = 1) -> float | None:
        """Take one chunk's measurements (`samples` weighs chunks of different sizes); a
        new gain in dB when the tuner should change, else None."""
        if samples <= 0:
            return None
        now = self.clock()
        self._samples += samples
        self._strong += strong_share * samples
        self._noise += max(noise_dbfs, FLOOR_DBFS) * samples
        if now - self._window_start < WINDOW_S:
            return None
        share = self._strong / self._samples
        noise = self._noise / self._samples
        self._start_window(now)
        return self._decide(now, share, noise)

    def _start_window(self, now: float) -> None:
        self._window_start = now
        self._samples = 0
        self._strong = 0.0
        self._noise = 0.0

    def _decide(self, now: float, share: float, noise: float) -> float | None:
        clipping = share > CLIP_SHARE
        if clipping:
            self._quiet_since = now
        if now - self._last_change < HOLD_S:
            return None
        if self._last_was_up and not clipping and now - self._last_change >= QUIET_S:
            self._reprobe_s = REPROBE_S  # the step up held: next time start afresh
        top = len(self.steps) - 1
        if self._clipped_before is not None:  # the first window after a step down
            helped = not clipping or share <= CLEAR_DROP * self._clipped_before
            self._flat = 0 if helped else self._flat + 1
            self._clipped_before = None
            if self._flat >= FLAT_STEPS:
                return self._set_floor(now, share)
        lowest = 0 if self.floor is None else self.floor
        if clipping and self.index > lowest:
            if self._last_was_up and now - self._last_change < QUIET_S:
                self._reprobe_s = min(2 * self._reprobe_s, REPROBE_MAX_S)
            self._ceiling = self.index - 1
            self._ceiling_until = now + self._reprobe_s
            gain = self._step(now, -1, f"{share:.3%} of samples clipped")
            self._clipped_before = share
            return gain
        if noise > NOISE_CEILING_DBFS + self._step_db(-1) / 2 and self.index > lowest:
            return self._step(now, -1, f"noise floor {noise:.1f} dBFS")
        room = noise + self._step_db(+1) <= NOISE_CEILING_DBFS
        allowed = self.index < self._ceiling or now >= self._ceiling_until
        if (self.index < top and not clipping and room and allowed
                and now - self._quiet_since >= QUIET_S):
            return self._step(now, +1, f"no clipping for {now - self._quiet_since:.0f} s "
                                       f"and noise floor {noise:.1f} dBFS")
        return None

    def _set_floor(self, now: float, share: float) -> float:
        """Back up to where lowering the gain stopped lowering the clipping; stay there."""
        self.floor = min(self.index + self._flat, len(self.steps) - 1)
        self._flat = 0
        self._ceiling = self.floor
        self.index = self.floor
        self.changes += 1
        self.reason = (f"{share:.3%} of samples clip whatever the gain: holding "
                       f"{self.gain_db:g} dB")
        self._last_change = now
        self._last_was_up = True
        self.warn(f"gain auto: clipping ({share:.3%} of samples) does not fall as the gain "
                  f"falls (a saturated front end or a strong transmitter near by?); "
                  f"holding {self.gain_db:g} dB instead of stepping down further")
        return self.gain_db

    def _step_db(self, direction: int) -> float:
        """The size of the next step up (+1) or down (-1); 0 at either end."""
        other = self.index + direction
        if not 0 <= other < len(self.steps):
            return 0.0
        return abs(self.steps[other] - self.steps[self.index])

    def _step(self, now: float, direction: int, why: str) -> float:
        self.index += direction
        self.changes += 1
        self.reason = why
        self._last_change = now
        self._last_was_up = direction > 0
        self._clipped_before = None
        if direction > 0:
            self._flat = 0
        return self.gain_db
