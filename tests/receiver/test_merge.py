"""The station's merge of its inputs (station/merge.py), on a clock of its own: other
decoders' frames checked by the CRC and address rule, a frame two inputs heard decoded
once, several inputs let out in time order after the hold, each input's own order kept;
and a peer's clock (sources/net/peerclock.py) giving the frames of one read distinct,
ordered times from their timestamps."""

from __future__ import annotations

import pytest
from frames_support import frame_batch

from adsbwatch.decoder.frames.batch import FrameBatch
from adsbwatch.decoder.frames.formats import CLOCK_HZ
from adsbwatch.decoder.sim.encode import altitude_reply
from adsbwatch.receiver.sources.net.peerclock import MAX_LAG_TICKS, PeerClock
from adsbwatch.receiver.station.admission import BAD_CRC, UNKNOWN_ADDRESS
from adsbwatch.receiver.station.merge import HOLD_S, Merge

# Real frames of 4d2023 (AMC421) from modes1, and KLM1023's from pyModeS' examples.
DF17 = bytes.fromhex("8d4d20232004d0f4cb1820b0efd4")
DF11 = bytes.fromhex("5d4d20237a55a6")
DF4 = bytes.fromhex("20000d3375d886")  # address/parity: 4d2023
KLM = bytes.fromhex("8d4840d6202cc371c32ce0576098")
BAD = bytes.fromhex("8d4d20232004d0f4cb1820b0efd5")  # DF17, last bit flipped
MS = CLOCK_HZ // 1000  # ticks per millisecond
EPOCH = 1_800_000_000.0


def batch(frames: list[tuple[bytes, int]], epoch0: float | None = EPOCH, until: int = 0,
          samples: int = 0, power: float = 0.0) -> FrameBatch:
    return frame_batch(frames, epoch0, until=until, samples=samples, power=power)


def frames_of(out: FrameBatch | None) -> list[tuple[bytes, int]]:
    if out is None:
        return []
    return [(bytes(out.msg[i, :n]), int(out.ticks[i]))
            for i, n in enumerate(out.nbytes.tolist())]


def merged(merge: Merge, steps: list[tuple[int, FrameBatch]]) -> list[tuple[bytes, int]]:
    """Every frame out of the merge for these batches, then its flush."""
    out = [f for index, b in steps for f in frames_of(merge.add(index, b))]
    return out + frames_of(merge.flush())


class Clock:
    def __init__(self, t: float = EPOCH) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


# ---------------------------------------------------------------------- one input


def test_one_checked_input_goes_on_as_it_is() -> None:
    merge = Merge([True])
    given = batch([(BAD, 5), (DF4, 9)])  # the demodulator's: not checked again
    assert merge.add(0, given) is given
    assert merge.counts[0].decoded == 2 and merge.held == 0


def test_one_unchecked_input_is_checked_by_the_rule_and_nothing_held() -> None:
    merge = Merge([False])
    out = merge.add(0, batch([(DF4, 1), (DF17, 2), (BAD, 3), (DF4, 4)], until=50))
    assert frames_of(out) == [(DF17, 2), (DF4, 4)]  # the DF4 once its address was heard
    assert (out.until_ticks, out.epoch0) == (50, EPOCH)
    c = merge.counts[0]
    assert (c.decoded, c.refused, c.duplicates) == (2, 2, 0)
    assert merge.refused == {UNKNOWN_ADDRESS: 1, BAD_CRC: 1}


# ---------------------------------------------------------------------- several


def test_several_inputs_are_held_then_let_out_in_time_order() -> None:
    clock = Clock()
    merge = Merge([True, False], clock=clock)
    # The dongle's block comes late: its frames are older than the peer's already in.
    assert frames_of(merge.add(1, batch([(DF11, 50 * MS), (KLM, 300 * MS)]))) == []
    assert frames_of(merge.add(0, batch([(DF17, 10 * MS), (DF4, 200 * MS)]))) == []
    clock.t = EPOCH + HOLD_S + 0.25  # what is older than the hold goes out, in order
    out = merge.add(1, batch([]))
    assert frames_of(out) == [(DF17, 10 * MS), (DF11, 50 * MS), (DF4, 200 * MS)]
    assert out.until_ticks == 250 * MS and out.epoch0 == EPOCH
    assert frames_of(merge.flush()) == [(KLM, 300 * MS)]
    assert [c.decoded for c in merge.counts] == [2, 2]


def test_a_dongles_frame_vouches_for_a_peers_address_parity_reply() -> None:
    merge = Merge([True, False], clock=Clock(EPOCH + 10))
    other = altitude_reply(0x484506, 30000)  # an aircraft nobody heard a squitter of
    assert merged(merge, [(0, batch([(DF17, 1 * MS)])),
                          (1, batch([(DF4, 2 * MS), (other, 3 * MS)]))]) == [
        (DF17, 1 * MS), (DF4, 2 * MS)]
    assert merge.counts[1].refused == 1 and merge.refused == {UNKNOWN_ADDRESS: 1}


def test_a_frame_both_inputs_heard_is_decoded_once_and_counted_a_copy() -> None:
    merge = Merge([True, False], clock=Clock(EPOCH + 10))
    assert merged(merge, [(0, batch([(DF17, 100 * MS), (DF11, 120 * MS)])),
                          (1, batch([(DF17, 103 * MS), (DF11, 1900 * MS)]))]) == [
        (DF17, 100 * MS), (DF11, 120 * MS), (DF11, 1900 * MS)]  # a copy; a new reply
    assert merge.counts[1].duplicates == 1 and merge.counts[1].decoded == 1


def test_each_inputs_order_is_kept_when_its_clock_is_corrected_back() -> None:
    """A dongle's epoch0 improves between blocks (the live clock's offset): its next
    frames would fall before its last; they come after it, and merged times never go
    back."""
    merge = Merge([True, True], clock=Clock(EPOCH))
    assert merged(merge, [(0, batch([(DF17, 500 * MS)])),
                          (0, batch([(DF11, 495 * MS)], epoch0=EPOCH - 0.010))]) == [
        (DF17, 500 * MS), (DF11, 500 * MS)]


def test_a_frame_later_than_the_hold_goes_out_at_the_time_of_the_last_one_out() -> None:
    clock = Clock(EPOCH + 10)
    merge = Merge([True, False], clock=clock)
    assert frames_of(merge.add(0, batch([(DF17, 2000 * MS)]))) == [(DF17, 2000 * MS)]
    late = merge.add(1, batch([(DF11, 1000 * MS)]))  # a peer's backlog, 8 s old
    assert frames_of(late) == [(DF11, 2000 * MS)]


def test_the_dongles_samples_go_on_at_once_while_its_frames_are_held() -> None:
    merge = Merge([True, False], clock=Clock(EPOCH))
    out = merge.add(0, batch([(DF17, 1 * MS)], samples=1000, power=0.01))
    assert len(out) == 0 and out.samples == 1000 and out.sample_power == pytest.approx(0.01)
    assert merge.add(1, batch([])).samples == 0


def test_frames_still_held_when_the_run_ends_unserved_are_counted_unread() -> None:
    merge = Merge([True, False], clock=Clock())
    merge.add(0, batch([(DF17, 1 * MS)]))
    merge.add(1, batch([(DF11, 2 * MS), (DF4, 3 * MS)]))
    assert merge.held == 3
    merge.discard_held()
    assert [c.unread for c in merge.counts] == [1, 2] and merge.held == 0


# ---------------------------------------------------------------------- a peer's clock


def test_a_peers_frames_are_spaced_as_their_timestamps_the_newest_at_its_arrival() -> None:
    clock = PeerClock()
    stamps = [5_000_000 + 12 * MS * k for k in range(5)]
    assert clock.ticks(9_000_000, stamps) == [9_000_000 - 12 * MS * k for k in range(4, -1, -1)]


def test_a_read_after_a_quicker_one_keeps_distinct_ordered_times() -> None:
    """A peer that sends in bursts: its second read came 0.5 ms after its first, its
    frames 10 ms apart in its own clock, so the offset improved and most would fall
    before the first read's frame. They are spread after it as their stamps are spaced
    (they all took its time: several positions of one aircraft at one time)."""
    clock = PeerClock()
    assert clock.ticks(1_000_000, [100_000]) == [1_000_000]
    stamps = [100_000 + 12_000 * k for k in range(1, 11)]
    assert clock.ticks(1_006_000, stamps) == [1_000_000 + 600 * k for k in range(1, 11)]
    # From then on, the truer offset: the next read at its own spacing.
    assert clock.ticks(1_020_000, [232_000, 244_000]) == [1_008_000, 1_020_000]


def test_frames_without_timestamps_take_their_reads_arrival() -> None:
    clock = PeerClock()
    assert clock.ticks(1000, [None, None]) == [1000, 1000]
    assert clock.ticks(2000, [5, 0]) == [2000, 2000]  # a 0: no timestamp either


def test_a_peer_clock_that_jumps_back_starts_again_and_times_stay_in_order() -> None:
    clock = PeerClock()
    start = 10 * CLOCK_HZ
    clock.ticks(start, [500 * CLOCK_HZ])
    jumped = clock.ticks(start + MS, [3 * CLOCK_HZ, 3 * CLOCK_HZ + MS])  # restarted
    assert jumped == [start, start + MS]
    # Frames older than MAX_LAG on arrival count as a jump, never as that old.
    later = clock.ticks(start + 3 * CLOCK_HZ, [3 * CLOCK_HZ + 2 * MS])
    assert later[0] >= start + 3 * CLOCK_HZ - MAX_LAG_TICKS
