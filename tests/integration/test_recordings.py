"""Real captures from ../shared/recordings against what the best peers find in them."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from frames_support import demodulate_file

from adsbwatch.decoder.frames.crc import syndrome_of

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "recordings"
PHANTOM = "8a2124d36ce0712df20a0398e37d"  # readsb's 1-bit "repair" of an aircraft that isn't


def recording(name: str) -> Path:
    path = SHARED / name
    if not path.exists():
        pytest.skip(f"{path} not present (the shared recordings sit beside the repository)")
    return path


def frames_of(path: Path, fmt: str, rate: int, fix: int = 1,
              block_samples: int = 1 << 18) -> list[tuple[str, int]]:
    return demodulate_file(path, fmt, rate, fix=fix, block_samples=block_samples).timed


def union_of_peers() -> Counter:
    expected = Counter()
    for line in (SHARED / "expected" / "modes1_union_of_peers.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            frame, copies = line.split()
            expected[frame] = int(copies)
    return expected


def check_modes1(found: list[tuple[str, int]], at_least: int) -> None:
    frames = [f for f, _ in found]
    assert len(frames) >= at_least
    assert PHANTOM not in frames
    for frame in frames:
        df = int(frame[:2], 16) >> 3
        if df in (11, 17, 18):
            assert frame[2:8] == "4d2023", f"{frame}: an aircraft that is not in the capture"
        else:
            assert syndrome_of(bytes.fromhex(frame)) == 0x4D2023
    ticks = [t for _, t in found]
    assert ticks == sorted(ticks)  # time order
    # Nearly every frame any peer found, with as many copies.
    union = union_of_peers()
    got = Counter(frames)
    covered = sum(min(copies, got[f]) for f, copies in union.items())
    assert covered >= 340, f"only {covered} of the peers' {sum(union.values())} frames"


def test_modes1_at_2_0_msps_beats_the_union_of_peers() -> None:
    check_modes1(frames_of(recording("modes1_cu8_2000k.bin"), "cu8", 2_000_000), 349)


def test_modes1_at_2_4_msps_beats_readsb() -> None:
    check_modes1(frames_of(recording("modes1_resampled_cu8_2400k.bin"), "cu8", 2_400_000), 345)


@pytest.mark.parametrize("fix", [0, 2])
def test_modes1_phantom_free_with_any_repair_setting(fix: int) -> None:
    found = frames_of(recording("modes1_resampled_cu8_2400k.bin"), "cu8", 2_400_000, fix=fix)
    assert {f[2:8] for f, _ in found if int(f[:2], 16) >> 3 in (11, 17, 18)} == {"4d2023"}


@pytest.mark.parametrize("capture", ["1641427457780", "1641428106243", "1641428165033"])
def test_dump1090rs_captures_give_every_expected_frame(capture: str) -> None:
    path = recording(f"dump1090rs_{capture}_cs16qi_2400k.iq")
    expected = (SHARED / "expected" / f"dump1090rs_{capture}.txt").read_text().split()
    run = demodulate_file(path, "cs16", 2_400_000)
    found = run.hexes
    # Save one: a DF11 of AD9293 at the noise floor, the only frame of that aircraft in
    # its 44 ms, is held for a squitter that would confirm its address (an all-call
    # reply to another interrogator whose code was misread as 0 looks the same), and
    # the capture ends first. Every peer reports it.
    unconfirmed = {"1641428165033": {"5dad92936265f5": 1}}.get(capture, {})
    assert Counter(expected) - Counter(found) == Counter(unconfirmed)
    assert run.station.demod_counts()["held"] >= len(unconfirmed)
    # Anything more stands on a clean CRC (or a known address), or on a repair of a new
    # address's least certain bit: one frame here, an airborne position of ACF497 whose
    # odd CPR latitude (68775) and longitude (59566) lie beside those of the capture's
    # other aircraft (69636-73703, 64010-65569): a real aircraft no peer decoded.
    unrepaired = [f for f, _ in frames_of(path, "cs16", 2_400_000, fix=0)]
    first_repaired = {"1641427457780": {"8dacf497582b76194ee8aef76714": 1}}.get(capture, {})
    assert Counter(found) - Counter(unrepaired) == Counter(first_repaired)
    assert not Counter(unrepaired) - Counter(found)
