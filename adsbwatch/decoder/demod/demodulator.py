"""The Mode S demodulator: magnitudes in, CRC-checked frames out.

Per block, all in Numba:
1. a branch-free screen over every sample scores how much a preamble starting in
   [j, j+1) would stand out of its gaps and the noise floor, and whether it has a
   preamble's shape (quiet where it must be quiet, no pulse missing but one); its local
   peaks are the candidates (one per preamble, not one per sample) (screen.py);
2. a peak is passed over unless the 7 bytes every frame has are all busy (the tail of a
   Mode A/C reply looks like a preamble, then falls quiet). Around the others, the
   sub-sample phases of the preamble are fitted with its pulse template; the best few
   are tried (preamble.py). A try stops early when the first byte's bits are far less
   distinct than the preamble (Mode A/C replies, noise, overlaps) or its DF is not one
   we accept (kernel.py);
3. a try slices plainly first, then by the most likely sequence over a 2-state trellis
   on the pulse response in use (slicing.py; geometry.py, pulseshape.py: the box model
   of a sample until one is learnt), then (for the best-fitting preamble) again with
   levels fitted over the whole frame; the tries' soft bits are finally summed into one
   more candidate;
4. the CRC decides (acceptance.py). Clean DF17/18 stand alone, and so do DF11s of heard
   addresses; 1 (or, for DF17/18 of heard addresses, 2) bad bits are repaired only
   where the bits were weak; address/parity formats need their address heard within the
   filter's TTL. A frame of an address not heard yet that needed a repair, or a clean
   DF11 of one (a reply to another interrogator whose code was misread as 0 is one), is
   held until the address is confirmed (holding.py); a DF17/18 repaired at its least
   certain bit is taken at once. Of the tries that pass, the one with the fewest repairs
   and the widest margin wins, which also fixes the timestamp to one 12 MHz tick;
5. strong clean frames add their samples to the fit of the pulse response
   (calibration.py); between blocks, a response that fits clearly better replaces the
   one in use;
6. given the block's raw IQ, a frame that fits its own levels badly (another reply
   under it: suspects.py) is rebuilt in IQ and subtracted, and the screen and tries run
   again on what is left (subtraction.py, recovery.py): the weaker of two overlapping
   replies, which magnitudes alone cannot read.

This module keeps what carries over from block to block (the noise floor, the heard
addresses, the held frames and their addresses, the pulse response's fit, where the last
frame ended, the counters, the scratch arrays) and hands each block's frames on as a
FrameBatch, held frames released into the batch of the block that confirms them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from adsbwatch.decoder.demod.acceptance import STAT_NAMES
from adsbwatch.decoder.demod.calibration import (
    FRAMES_PER_REFIT,
    REFIT_ALIGN,
    PulseCalibration,
)
from adsbwatch.decoder.demod.geometry import Geometry, geometry_for, geometry_from_response
from adsbwatch.decoder.demod.holding import HOLD_TICKS, HeldFrames
from adsbwatch.decoder.demod.icaofilter import RecentAddresses
from adsbwatch.decoder.demod.iqformats import FORMATS
from adsbwatch.decoder.demod.kernel import Carried, Scratch, _demodulate, new_scratch
from adsbwatch.decoder.demod.noisefloor import WINDOW, NoiseFloor
from adsbwatch.decoder.demod.recovery import WeakerReplies
from adsbwatch.decoder.frames.batch import FrameBatch


@dataclass
class Demodulator:
    """Demodulates consecutive blocks of one stream (magnitudes, and the raw IQ if given);
    keeps the cross-block state."""

    rate: int
    fix: int = 1
    learn_pulses: bool = True  # fit the pulse response to the receiver's own clean frames
    recent: RecentAddresses = field(default_factory=RecentAddresses)
    stats: np.ndarray = field(default_factory=lambda: np.zeros(len(STAT_NAMES), np.int64))

    def __post_init__(self) -> None:
        if self.fix not in (0, 1, 2):
            raise ValueError("fix must be 0, 1 or 2")
        self.geometry: Geometry = geometry_for(self.rate)
        self.resume = np.zeros(2, dtype=np.int64)
        self.shape = np.zeros(2)  # suspects.py: a strong frame's typical misfit
        self.noise = NoiseFloor()
        self.held = HeldFrames()
        self.pending = RecentAddresses(HOLD_TICKS)  # the held frames' addresses
        self.calibration = PulseCalibration()
        if self.learn_pulses:
            self.calibration.set_pace(self.rate)
        self._scratch_size = -1
        self._arrays: Scratch | None = None
        self._weaker: WeakerReplies | None = None
        self._weaker_types: set[np.dtype] = set()

    @property
    def lookahead(self) -> int:
        """Samples a block must hold beyond its last scanned position."""
        return self.geometry.span_long + 24

    def skip_to(self, first_sample: int) -> None:
        """The stream goes on at `first_sample` after samples were lost: the next
        process() starts there. Addresses heard and the noise level carry over."""
        self.noise.skip_to(first_sample)

    def process(self, mag: np.ndarray, first_sample: int, stop: int,
                raw: np.ndarray | None = None, fmt: str | None = None,
                load_recovery: bool = False) -> FrameBatch:
        """Frames starting at positions [0, stop) of `mag`, whose sample 0 is `first_sample`.

        `mag` must extend `lookahead` samples beyond `stop`; pad the end of a stream.
        `raw`, the block's IQ bytes in format `fmt` that `mag` was made of (sample 0 the
        same): with them, a frame with another reply under it is subtracted in IQ and
        the rest tried again (recovery.py); without, magnitudes only. The recovery
        pass's kernel is loaded (or compiled) for the IQ's type on the first frame that
        needs it, or at once with `load_recovery` (a live source's warm-up: its samples
        do not wait).
        """
        if mag.size < stop + self.lookahead:
            raise ValueError("block shorter than stop + lookahead")
        self.noise.feed(mag[:stop], first_sample)
        first_window, floors = self.noise.floors(first_sample, stop + 2)
        g = self.geometry
        self.recent.tidy(first_sample * g.ticks_per_sample)  # may replace its arrays
        self.pending.tidy(first_sample * g.ticks_per_sample)
        cal = self.calibration
        carried = Carried(self.resume, self.stats, self.recent.keys, self.recent.times,
                          self.pending.keys, self.pending.times, cal.gram, cal.moment,
                          cal.sumsq, cal.frames, cal.pace, self.shape)
        scratch = self._scratch(stop)
        # In pieces that end where a refit takes effect: the same frames, and the same
        # frames learnt from, whatever the blocks.
        iq = None
        if raw is not None and fmt is not None:
            spec = FORMATS[fmt]
            iq = raw[:raw.size // spec.bytes_per_sample * spec.bytes_per_sample].view(
                spec.component)
            if load_recovery:
                self._weaker_replies(iq, spec.centre, spec.full_scale, floors,
                                     first_window, carried)
        pieces = []
        suspects = []
        recovered = False
        low = 0
        while low < stop:
            n, high = _demodulate(mag[low:], stop - low, first_sample + low, floors,
                                  first_window, WINDOW, self.fix, self.recent.ttl_ticks,
                                  self.geometry, carried, scratch, REFIT_ALIGN,
                                  FRAMES_PER_REFIT)
            pieces.append(tuple(a[:n].copy() for a in (scratch.msg, scratch.ticks,
                                                      scratch.frame_level, scratch.fixed,
                                                      scratch.held)))
            if iq is not None and n and scratch.suspect[:n].max() > 1.0:
                marked = np.flatnonzero(scratch.suspect[:n] > 1.0)
                suspects.append((scratch.msg[marked], scratch.ticks[marked]))
            low += high
            if (first_sample + low) % REFIT_ALIGN == 0 and cal.due():
                self.geometry = geometry_from_response(self.rate,
                                                       cal.refit(self.geometry.response))
                cal.set_pace(self.rate)
        if suspects:  # once a block: a call of the pass costs more than most of its work
            weaker = self._weaker_replies(iq, spec.centre, spec.full_scale, floors,
                                          first_window, carried)
            found = weaker.recover(
                iq, spec.centre, 1.0 / spec.full_scale, first_sample, stop,
                tuple(np.concatenate(a) for a in zip(*suspects, strict=True)), floors,
                first_window, WINDOW, self.fix, self.recent.ttl_ticks, self.geometry,
                carried, (np.concatenate([p[0] for p in pieces]),
                          np.concatenate([p[1] for p in pieces])))
            recovered = found[0].shape[0] > 0
            if recovered:
                pieces.append(found)
        until = (first_sample + stop) * g.ticks_per_sample
        noise = float(floors[-1]) if floors.size else 0.0
        # Copies (above): the scratch is reused by the next block while this batch is used.
        msg, ticks, level, fixed, held = (
            np.concatenate(arrays) if len(pieces) > 1 else arrays[0]
            for arrays in zip(*pieces, strict=True))
        held = held.view(bool)
        if recovered:  # in time order with the rest
            order = np.argsort(ticks, kind="stable")
            msg, ticks, level, fixed, held = (a[order] for a in (msg, ticks, level, fixed, held))
        if not held.any() and not len(self.held):
            return FrameBatch(msg, ticks, level, fixed, until, noise=noise)
        return self._with_released(msg, ticks, level, fixed, held, until, noise)

    def _with_released(self, msg: np.ndarray, ticks: np.ndarray, level: np.ndarray,
                       fixed: np.ndarray, held: np.ndarray, until: int,
                       noise: float) -> FrameBatch:
        """The block's frames with the held ones set aside and the confirmed ones let go,
        in time order."""
        self.held.add(msg[held], ticks[held], level[held], fixed[held])
        released = self.held.release(self.recent, until, self.stats)
        kept = ~held
        msg, ticks, level, fixed = (
            np.concatenate([block[kept], late]) for block, late in zip(
                (msg, ticks, level, fixed), released, strict=True))
        order = np.argsort(ticks, kind="stable")
        return FrameBatch(msg[order], ticks[order], level[order], fixed[order], until,
                          noise=noise)

    def _weaker_replies(self, iq: np.ndarray, centre: float, full_scale: float,
                        floors: np.ndarray, first_window: int,
                        carried: Carried) -> WeakerReplies:
        """The recovery pass's work arrays, and its kernel compiled (or loaded) for the
        IQ's type, the first time they are wanted (a replay's start need not load a
        kernel that may never run)."""
        if self._weaker is None:
            self._weaker = WeakerReplies()
        if iq.dtype not in self._weaker_types:
            none = (np.zeros((0, 14), np.uint8), np.zeros(0, np.int64))
            self._weaker.recover(iq, centre, 1.0 / full_scale, 0, 0, none, floors,
                                 first_window, WINDOW, self.fix, self.recent.ttl_ticks,
                                 self.geometry, carried, none)
            self._weaker_types.add(iq.dtype)
        return self._weaker

    def _scratch(self, stop: int) -> Scratch:
        """Work arrays for a block of `stop` positions, kept from block to block: fresh
        ones each time cost more in page faults than the screen costs to run."""
        if self._arrays is None or self._scratch_size < stop:
            self._arrays = new_scratch(stop)
            self._scratch_size = stop
        return self._arrays

    def stats_dict(self) -> dict[str, int]:
        return dict(zip(STAT_NAMES, self.stats.tolist(), strict=True))
