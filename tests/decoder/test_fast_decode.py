"""The fast decoding path against pyModeS' own decode (an independent reference): for every
frame of the real recordings and of simulated scenes the dict is the same, key for key; the
altitude and identity tables for every one of the 8192 codes; frames from the literature
with known values; and a replay through the pipeline writes the same rows either way."""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path

import numpy as np
import pyModeS
import pytest
from frames_support import demodulate_file
from pyModeS._altcode import altcode_to_altitude
from pyModeS._idcode import idcode_to_squawk

from adsbwatch.decoder.frames.batch import FrameBatch
from adsbwatch.decoder.frames.crc import with_parity
from adsbwatch.decoder.messages.altitude import altitude_ft
from adsbwatch.decoder.messages.decode import FAST, RepeatingDecoder, decode_bytes, decode_frame
from adsbwatch.decoder.messages.identity import squawk
from adsbwatch.decoder.messages.parity import remainder
from adsbwatch.decoder.messages.tracker import TrackerConfig
from adsbwatch.decoder.messages.watchlist import WatchEntry, Watchlist
from adsbwatch.decoder.sim import scene as sc
from adsbwatch.receiver.station.pipeline import Pipeline
from adsbwatch.receiver.store.opening import open_recorder

MODES1 = "modes1_resampled_cu8_2400k.bin"
DUMP1090RS = ("1641427457780", "1641428106243", "1641428165033")
MODES1_RECEIVER = (36.9, 13.8)  # near the aircraft of modes1 (4d2023, over Sicily)


def reference(frame: bytes) -> dict:
    return dict(pyModeS.decode(frame.hex()))


def assert_same_as_pymodes(frames: list[bytes]) -> Counter:
    """Every frame decodes to pyModeS' dict; the formats seen, as (df, fast path or not)."""
    seen: Counter = Counter()
    for frame in frames:
        ours, theirs = decode_bytes(frame), reference(frame)
        assert ours == theirs, frame.hex()
        seen[(frame[0] >> 3, (frame[0] >> 3, len(frame)) in FAST)] += 1
    return seen


@pytest.fixture(scope="module")
def modes1_frames(recordings: Path) -> list[bytes]:
    return demodulate_file(recordings / MODES1).frames


def test_every_frame_of_modes1_decodes_as_pymodes_does(modes1_frames: list[bytes]) -> None:
    seen = assert_same_as_pymodes(modes1_frames)
    # The capture's mix, most through the fast path: DF11, DF17, DF0, DF4, DF5; Comm-B
    # (DF20/21) through pyModeS.
    assert seen == {(11, True): 107, (17, True): 207, (20, False): 16, (0, True): 12,
                    (5, True): 10, (21, False): 8, (4, True): 4}


@pytest.mark.parametrize("capture", DUMP1090RS)
def test_every_frame_of_the_dump1090rs_captures_decodes_as_pymodes_does(
        recordings: Path, capture: str) -> None:
    frames = demodulate_file(recordings / f"dump1090rs_{capture}_cs16qi_2400k.iq",
                             "cs16").frames
    assert frames
    assert_same_as_pymodes(frames)


@pytest.mark.parametrize("scene", [sc.airport_scene(), sc.benchmark_scene(150)],
                         ids=["airport", "benchmark"])
def test_every_frame_of_a_simulated_scene_decodes_as_pymodes_does(scene: sc.Scene) -> None:
    sent = sc.transmissions(scene.aircraft, 30.0, np.random.default_rng(5), scene.receiver)
    seen = assert_same_as_pymodes([tr.data for tr in sent])
    kinds = Counter(tr.kind for tr in sent)
    assert seen[(17, True)] == sum(n for k, n in kinds.items() if k not in
                                   ("df11", "df4", "df5"))
    assert seen[(11, True)] == kinds["df11"] > 0
    assert seen[(4, True)] == kinds["df4"] > 0 and seen[(5, True)] == kinds["df5"] > 0


def test_the_altitude_and_identity_tables_agree_with_pymodes_for_every_code() -> None:
    for code in range(1 << 13):
        assert altitude_ft(code) == altcode_to_altitude(code), code
        assert squawk(code) == idcode_to_squawk(code), code


@pytest.mark.parametrize(("frame", "known"), [
    # pyModeS' test suite (tests/test_surv.py, v2 vectors): real DF4/DF5 replies.
    ("20001718029FCD", {"df": 4, "altitude": 36000}),
    ("200CBE4ED80137", {"df": 4, "downlink_request": 1, "utility_message": 9 << 2 | 1}),
    ("2A00516D492B80", {"df": 5, "flight_status": 2, "downlink_request": 0,
                        "squawk": "0356"}),
])
def test_replies_from_the_literature_give_their_known_values(frame: str, known: dict) -> None:
    fields = decode_frame(frame)
    assert {key: fields[key] for key in known} == known
    assert fields == dict(pyModeS.decode(frame))


@pytest.mark.parametrize(("frame", "feet", "identity"), [
    # pyModeS' classic Comm-B examples: DF20 at 32,300 ft, DF21 squawking 1346.
    ("A02014B400000000000000F9D514", 32300, None),
    ("A800292DFFBBA9383FFCEB903D01", None, "1346"),
])
def test_the_13_bit_codes_of_comm_b_replies_read_as_known(frame: str, feet: int | None,
                                                          identity: str | None) -> None:
    code = int(frame[:8], 16) & 0x1FFF
    if feet is not None:
        assert altitude_ft(code) == feet
    if identity is not None:
        assert squawk(code) == identity


def test_the_address_of_a_parity_reply_is_its_crc_remainder() -> None:
    # A DF4 built over a chosen address (as pyModeS' tests build theirs): the remainder
    # gives the address back, and a flipped data bit changes it.
    head = bytes.fromhex("20001030")
    frame = with_parity(head, overlay=0x400940)
    assert remainder(frame) == 0x400940
    assert decode_bytes(frame)["icao"] == "400940" and decode_bytes(frame)["altitude"] == 25000
    assert remainder(bytes([frame[0] ^ 1]) + frame[1:]) != 0x400940


def test_repeated_frames_get_their_fields_again_but_positions_are_decoded_each_time(
        recordings: Path) -> None:
    frames = demodulate_file(recordings / MODES1).frames
    decode = RepeatingDecoder()
    first = [decode(frame) for frame in frames]
    again = [decode(frame) for frame in frames]
    assert first == again == [pyModeS.decode(frame.hex()) for frame in frames]
    kept = [a is b for a, b in zip(first, again, strict=True)]
    positions = [frame[0] >> 3 == 17 and 9 <= frame[4] >> 3 <= 18 for frame in frames]
    assert sum(positions) == 100 and kept == [not p for p in positions]
    small = RepeatingDecoder(remembered=50)
    assert [small(frame) for frame in frames] == first and 0 < len(small) <= 50


def batches(frames: list[bytes], ticks: list[int], loops: int) -> list[FrameBatch]:
    """The frames in 0.1 s blocks, the file played `loops` times back to back."""
    msg = np.zeros((len(frames), 14), np.uint8)
    for i, frame in enumerate(frames):
        msg[i, :len(frame)] = np.frombuffer(frame, np.uint8)
    base = np.array(ticks, np.int64)
    span = int(base[-1]) + 2400
    block = 1_200_000
    out = []
    for loop in range(loops):
        t = base + loop * span
        for lo in range(int(t[0]) // block * block, int(t[-1]) + block, block):
            sel = (t >= lo) & (t < lo + block)
            out.append(FrameBatch(msg[sel], t[sel], np.full(int(sel.sum()), 0.1, np.float32),
                                  np.zeros(int(sel.sum()), np.uint8), until_ticks=lo + block))
    return out


def stored_rows(tmp_path: Path, name: str, played: list[FrameBatch]) -> dict[str, list]:
    store = open_recorder(str(tmp_path / f"{name}.db"), warn=print)
    pipeline = Pipeline(start_epoch=1.7e9, tracker_config=TrackerConfig(
        receiver=MODES1_RECEIVER), watchlist=Watchlist([WatchEntry(0x4D2023, 0x4D2023, "x")]),
        store=store, record_all=True, visit_gap_s=60.0)
    heard: list[tuple] = []
    pipeline.listeners.append(lambda t, msg, update, level: heard.append((t, msg, level)))
    for batch in played:
        pipeline.on_batch(batch)
    pipeline.finish()
    store.close()
    with sqlite3.connect(tmp_path / f"{name}.db") as db:
        rows = {table: sorted(db.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
                for table in ("visits", "track_points", "events")}
    rows["heard"] = heard
    return rows


def test_a_pipeline_run_stores_the_same_rows_as_with_pymodes_decode(
        tmp_path: Path, recordings: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    found = demodulate_file(recordings / MODES1)
    played = batches(found.frames, found.ticks, loops=20)
    fast = stored_rows(tmp_path, "fast", played)
    with monkeypatch.context() as patch:
        # pyModeS' general path for every frame, none remembered
        patch.setattr("adsbwatch.receiver.station.pipeline.RepeatingDecoder",
                      lambda: lambda frame: dict(pyModeS.decode(frame.hex())))
        slow = stored_rows(tmp_path, "slow", played)
    assert len(fast["track_points"]) == 20 * 97 and len(fast["visits"]) == 1
    assert fast == slow  # and every listener heard the same messages
    assert len(fast["heard"]) == 20 * len(found.frames)
