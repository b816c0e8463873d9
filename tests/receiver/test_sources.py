"""IQ sources: sample rates, formats, SigMF, and the overlapping blocks read from a stream."""

from __future__ import annotations

import errno
import io
import json
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from frames_support import demodulate_file, station_of
from hypothesis import given, settings
from hypothesis import strategies as st

from adsbwatch.decoder.sim import simulate as sim
from adsbwatch.receiver.core.consumer import ReaderGone
from adsbwatch.receiver.errors import UserError
from adsbwatch.receiver.rates import parse_rate
from adsbwatch.receiver.sources import files
from adsbwatch.receiver.sources.base import IQSource, SourceTotals
from adsbwatch.receiver.sources.blocks import cut_blocks
from adsbwatch.receiver.sources.resolve import recording_source
from adsbwatch.receiver.station.inputs import QUEUE_BATCHES

# ---------------------------------------------------------------------------- sample rates


@pytest.mark.parametrize("text, rate", [
    ("2.4M", 2_400_000), ("2400000", 2_400_000), ("2.4e6", 2_400_000), ("2400k", 2_400_000),
    ("2M", 2_000_000), ("2000k", 2_000_000), ("2e6", 2_000_000), (" 2.4m ", 2_400_000),
    ("2.4MSPS", 2_400_000), ("2000000.0", 2_000_000),
    ("2.4", 2_400_000), ("2", 2_000_000), ("2.4 MS/s", 2_400_000),  # a bare number: MS/s
])
def test_parse_rate_accepts_the_usual_spellings(text: str, rate: int) -> None:
    assert parse_rate(text) == rate


@pytest.mark.parametrize("text, message", [
    ("abc", "cannot read sample rate 'abc': use e.g. 2.4M, 2400000 or 2.4e6"),
    ("", "cannot read sample rate '': use e.g. 2.4M"),
    ("nan", "cannot read sample rate 'nan': use e.g. 2.4M"),
    ("inf", "cannot read sample rate 'inf': use e.g. 2.4M"),
    ("1e999", "cannot read sample rate '1e999': use e.g. 2.4M"),
    ("3.2M", "sample rate 3.2 MS/s is not supported: use 2M or 2.4M"),
    ("-1", "sample rate -1 is not supported: use 2M or 2.4M"),
    ("0", "sample rate 0 is not supported: use 2M or 2.4M"),
    ("3", "sample rate 3 (3 MS/s) is not supported: use 2M or 2.4M"),
])
def test_parse_rate_rejects_with_what_to_use(text: str, message: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_rate(text)
    assert str(caught.value) == message or str(caught.value).startswith(message)
    assert caught.value.exit_status == 2


# --------------------------------------------------------------------- formats and rates


def described(source: IQSource) -> tuple[str, str, int]:
    return source.info.name, source.info.fmt, source.info.rate


def touch(path: Path, size: int = 16) -> Path:
    path.write_bytes(bytes(size))
    return path


@pytest.mark.parametrize("name, fmt", [
    ("a.cu8", "cu8"), ("a.cs8", "cs8"), ("a.cs16", "cs16"), ("a.cf32", "cf32"),
    ("a.bin", "cu8"), ("a.u8", "cu8"), ("a.ci8", "cs8"), ("a.sc16", "cs16"),
    ("a.cfile", "cf32"), ("a.fc32", "cf32"), ("A.CS16", "cs16"),
    ("a.iq", "cu8"), ("a.raw", "cu8"), ("noextension", "cu8"),
])
def test_format_from_the_extension_else_cu8(tmp_path: Path, name: str, fmt: str) -> None:
    path = touch(tmp_path / name)
    assert described(recording_source(str(path))) == (str(path), fmt, 2_400_000)


def test_format_and_rate_options_beat_the_extension(tmp_path: Path) -> None:
    path = touch(tmp_path / "a.cs16")
    assert described(recording_source(str(path), "cf32", 2_000_000)) == (str(path), "cf32",
                                                                      2_000_000)
    assert recording_source(str(path), None, 2_000_000).info.fmt == "cs16"
    assert recording_source(str(path), "cs8").info.rate == 2_400_000


def test_bad_format_or_rate_option_is_a_user_error(tmp_path: Path) -> None:
    path = touch(tmp_path / "a.cu8")
    with pytest.raises(UserError, match="unknown IQ format 'wav': use one of cu8, cs8"):
        recording_source(str(path), "wav")
    with pytest.raises(UserError, match="3.2 MS/s is not supported: use 2M or 2.4M"):
        recording_source(str(path), None, 3_200_000)


def test_missing_file_and_directory_are_named(tmp_path: Path) -> None:
    with pytest.raises(UserError) as caught:
        recording_source(str(tmp_path / "gone.cu8"))
    assert str(caught.value) == f"{tmp_path / 'gone.cu8'}: no such file"
    with pytest.raises(UserError) as caught:
        recording_source(str(tmp_path))
    assert str(caught.value) == f"{tmp_path}: is a directory, not an IQ recording"


def test_a_file_in_a_folder_that_cannot_be_entered_is_named(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Path.exists() raises PermissionError there (tests run as root, whom folder
    permissions do not stop, so the refusal is played by stat)."""
    locked = tmp_path / "locked" / "capture.cu8"
    real_stat = Path.stat

    def refusing_stat(self: Path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self == locked:
            raise PermissionError(13, "Permission denied", str(self))
        return real_stat(self, *args, **kwargs)

    monkeypatch.setattr(Path, "stat", refusing_stat)
    with pytest.raises(UserError) as caught:
        recording_source(str(locked))
    assert str(caught.value) == f"{locked}: permission denied (cannot enter its folder)"


def test_stdin_takes_the_options_or_the_defaults() -> None:
    assert described(recording_source("-")) == ("stdin", "cu8", 2_400_000)
    assert described(recording_source("-", "cs16", 2_000_000)) == ("stdin", "cs16", 2_000_000)


def write_sigmf(tmp_path: Path, meta: object | bytes, stem: str = "rec") -> tuple[Path, Path]:
    data = touch(tmp_path / f"{stem}.sigmf-data")
    meta_path = tmp_path / f"{stem}.sigmf-meta"
    meta_path.write_bytes(meta if isinstance(meta, bytes) else json.dumps(meta).encode())
    return meta_path, data


CI16_2M = {"global": {"core:datatype": "ci16_le", "core:sample_rate": 2000000,
                      "core:version": "1.0.0"}, "captures": [], "annotations": []}


@pytest.mark.parametrize("named", ["meta", "data"])
def test_sigmf_gives_format_and_rate_whichever_file_is_named(tmp_path: Path,
                                                             named: str) -> None:
    meta, data = write_sigmf(tmp_path, CI16_2M)
    source = recording_source(str(meta if named == "meta" else data))
    assert described(source) == (str(data), "cs16", 2_000_000)


@pytest.mark.parametrize("datatype, fmt", [
    ("cu8", "cu8"), ("ci8", "cs8"), ("ci16_le", "cs16"), ("cf32_le", "cf32"),
])
def test_sigmf_datatypes(tmp_path: Path, datatype: str, fmt: str) -> None:
    meta, data = write_sigmf(tmp_path, {"global": {"core:datatype": datatype}})
    assert described(recording_source(str(meta))) == (str(data), fmt, 2_400_000)


def test_options_beat_sigmf(tmp_path: Path) -> None:
    meta, data = write_sigmf(tmp_path, CI16_2M)
    assert described(recording_source(str(meta), "cu8", 2_400_000)) == (str(data), "cu8",
                                                                     2_400_000)
    assert described(recording_source(str(meta), "cf32")) == (str(data), "cf32", 2_000_000)
    assert described(recording_source(str(meta), None, 2_400_000)) == (str(data), "cs16",
                                                                    2_400_000)


def test_sigmf_without_the_fields_falls_back_to_defaults(tmp_path: Path) -> None:
    meta, data = write_sigmf(tmp_path, {"global": {"core:sample_rate": 2e6}})
    assert described(recording_source(str(meta))) == (str(data), "cu8", 2_000_000)
    meta, data = write_sigmf(tmp_path, {"global": {}}, stem="bare")
    assert described(recording_source(str(data))) == (str(data), "cu8", 2_400_000)


def test_sigmf_gives_start_time_and_position(tmp_path: Path) -> None:
    meta, data = write_sigmf(tmp_path, {
        "global": {"core:datatype": "cu8", "core:sample_rate": 2400000,
                   "core:geolocation": {"type": "Point", "coordinates": [4.7639, 52.3086, 5]}},
        "captures": [{"core:sample_start": 0, "core:datetime": "2025-05-16T09:30:00.250Z"}]})
    info = recording_source(str(meta)).info
    assert info.start_epoch == 1747387800.25  # 2025-05-16T09:30:00.25 UTC
    assert info.position == (52.3086, 4.7639)


@pytest.mark.parametrize("meta, message", [
    ({"global": {}, "captures": [{"core:datetime": "yesterday"}]},
     "core:datetime 'yesterday' is not an ISO 8601 time"),
    ({"global": {"core:geolocation": {"type": "Point"}}},
     "core:geolocation is not a GeoJSON point"),
    ({"global": {"core:geolocation": {"coordinates": [200.0, 95.0]}}},
     "core:geolocation 95.0, 200.0 is not on Earth"),
    ({"global": {"core:datatype": "ri8"}},
     "SigMF datatype 'ri8' is not supported: use one of cu8, ci8, ci16_le, cf32_le"),
    ({"global": {"core:datatype": "ci16_le", "core:sample_rate": 3200000}},
     "sample rate 3.2 MS/s is not supported: use 2M or 2.4M"),
    ({"global": {"core:sample_rate": "2.4M"}}, "core:sample_rate '2.4M' is not a number"),
    ({"global": {"core:sample_rate": True}}, "core:sample_rate True is not a number"),
    (b'{"global": {"core:sample_rate": NaN}}', "core:sample_rate nan is not a number"),
    (b'{"global": {"core:sample_rate": 1e999}}', "core:sample_rate inf is not a number"),
    (b'{"global": {"core:datatype": "cu8",', "not valid SigMF metadata"),
    (b"\xff\xfe\x00garbage", "not valid SigMF metadata"),
    (b"[" * 100_000, "not valid SigMF metadata"),
    ({"captures": []}, "not valid SigMF metadata"),
    ({"global": ["cu8"]}, 'not valid SigMF metadata ("global" is not an object)'),
    ([1, 2, 3], "not valid SigMF metadata"),
    ("just a string", "not valid SigMF metadata"),
])
def test_bad_sigmf_metadata_is_a_user_error_naming_the_file(tmp_path: Path, meta,
                                                            message: str) -> None:
    meta_path, data = write_sigmf(tmp_path, meta)
    for named in (meta_path, data):
        with pytest.raises(UserError) as caught:
            recording_source(str(named))
        text = str(caught.value)
        assert text.startswith(f"{meta_path}: ") and message in text, text


def test_sigmf_missing_either_file(tmp_path: Path) -> None:
    data = touch(tmp_path / "lonely.sigmf-data")
    with pytest.raises(UserError) as caught:
        recording_source(str(data))
    assert str(caught.value) == f"{tmp_path / 'lonely.sigmf-meta'}: SigMF metadata file not found"
    meta = tmp_path / "nodata.sigmf-meta"
    meta.write_text(json.dumps(CI16_2M))
    with pytest.raises(UserError) as caught:
        recording_source(str(meta))
    assert str(caught.value) == f"{tmp_path / 'nodata.sigmf-data'}: no such file"


# ------------------------------------------------------------------------------ blocks


class ChoppedReads(io.RawIOBase):
    """A raw stream over `data` whose reads return the given sizes in turn (cycling),
    never more than asked for: a pipe or socket delivering bytes as they come."""

    def __init__(self, data: bytes, sizes: list[int]) -> None:
        self.data, self.sizes, self.pos, self.calls = data, sizes, 0, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        size = self.sizes[self.calls % len(self.sizes)]
        self.calls += 1
        n = min(len(buffer), size, len(self.data) - self.pos)
        buffer[:n] = self.data[self.pos:self.pos + n]
        self.pos += n
        return n


def snapshot(stream, bytes_per_sample: int, scan: int, lookahead: int,
             ) -> tuple[list[tuple[int, int, bool, bytes]], SourceTotals]:
    """Every block as (first_sample, scan, final, raw bytes), copied as it is yielded
    (the reader reuses one buffer)."""
    totals = SourceTotals()
    blocks = [(b.first_sample, b.scan, b.final, b.raw.tobytes())
              for b in cut_blocks(stream.readinto, bytes_per_sample, scan, lookahead, totals)]
    return blocks, totals


def check_cover(blocks, totals: SourceTotals, data: bytes, bps: int, scan: int,
                lookahead: int) -> None:
    """The blocks scan every whole sample exactly once and hold the right bytes."""
    samples = len(data) // bps
    assert totals.samples == samples
    assert totals.leftover_bytes == len(data) % bps
    assert sum(s for _, s, _, _ in blocks) == samples
    assert [final for *_, final, _ in blocks] == [False] * (len(blocks) - 1) + [True] * (
        len(blocks) > 0)
    position = 0
    for first, block_scan, final, raw in blocks:
        assert first == position  # contiguous, no overlap of scanned ranges
        assert block_scan > 0
        assert raw == data[first * bps:first * bps + len(raw)]
        if final:
            assert first * bps + len(raw) == samples * bps  # up to the last whole sample
            assert len(raw) == block_scan * bps
        else:
            assert block_scan == scan
            assert len(raw) == (scan + lookahead) * bps
        position += block_scan
    assert position == samples


@pytest.mark.parametrize("length", [0, 1, 3, 4, 40, 41, 43, 400, 403, 404, 1000, 4003])
def test_blocks_cover_the_stream_exactly_once(length: int) -> None:
    data = np.random.default_rng(length).integers(0, 256, length, np.uint8).tobytes()
    blocks, totals = snapshot(io.BytesIO(data), 4, 30, 7)
    check_cover(blocks, totals, data, 4, 30, 7)


def test_trailing_partial_sample_is_reported() -> None:
    data = bytes(range(40)) + b"\x01\x02\x03"  # ten cs16 samples and three stray bytes
    blocks, totals = snapshot(io.BytesIO(data), 4, 6, 2)
    assert (totals.samples, totals.leftover_bytes) == (10, 3)
    assert [(first, scan, final) for first, scan, final, _ in blocks] == [
        (0, 6, False), (6, 4, True)]
    assert blocks[0][3] == data[:32]  # 6 scanned + 2 lookahead samples
    assert blocks[1][3] == data[24:40]  # the stray bytes are not in any block


def test_exact_multiple_of_the_scan_ends_with_the_lookahead() -> None:
    data = bytes(range(24))  # 12 cu8 samples: two scans of 5 and the rest
    blocks, totals = snapshot(io.BytesIO(data), 2, 5, 2)
    assert [(first, scan, final) for first, scan, final, _ in blocks] == [
        (0, 5, False), (5, 5, False), (10, 2, True)]
    assert (totals.samples, totals.leftover_bytes) == (12, 0)


@settings(max_examples=150, deadline=None)
@given(length=st.integers(0, 3000), bps=st.sampled_from([2, 4, 8]),
       scan=st.integers(1, 700), lookahead=st.integers(1, 300),
       sizes=st.lists(st.integers(1, 3000), min_size=1, max_size=20), seed=st.integers(0, 99))
def test_blocks_do_not_depend_on_read_sizes(length: int, bps: int, scan: int, lookahead: int,
                                            sizes: list[int], seed: int) -> None:
    data = np.random.default_rng(seed).integers(0, 256, length, np.uint8).tobytes()
    whole, whole_totals = snapshot(io.BytesIO(data), bps, scan, lookahead)
    chopped_stream = ChoppedReads(data, sizes)
    chopped, chopped_totals = snapshot(chopped_stream, bps, scan, lookahead)
    assert chopped == whole
    assert chopped_totals == whole_totals
    check_cover(whole, whole_totals, data, bps, scan, lookahead)
    assert chopped_stream.pos == length  # read to the end


class Zeros(io.RawIOBase):
    """`size` zero bytes, produced as they are read: the stream never exists in memory."""

    CHUNK = memoryview(bytes(1 << 16))

    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = min(len(buffer), len(self.CHUNK), self.left)
        buffer[:n] = self.CHUNK[:n]
        self.left -= n
        return n


def test_memory_stays_at_one_block_whatever_the_length() -> None:
    size, scan, lookahead = 200_000_001, 1 << 18, 400  # 200 MB of cu8 and a stray byte
    block_bytes = (scan + lookahead) * 2
    addresses, largest, count, final = set(), 0, 0, None
    first_raw = None  # held, so no other live array can reuse its address
    totals = SourceTotals()
    tracemalloc.start()
    try:
        for block in cut_blocks(Zeros(size).readinto, 2, scan, lookahead, totals):
            first_raw = block.raw if first_raw is None else first_raw
            addresses.add(block.raw.__array_interface__["data"][0])
            largest = max(largest, block.raw.nbytes)
            count += 1
            final = (block.final, block.first_sample, block.scan)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert addresses == {first_raw.__array_interface__["data"][0]}  # all in one buffer
    assert largest == block_bytes
    assert peak < 3 * block_bytes  # not a copy per block, not the stream
    samples = size // 2
    assert (totals.samples, totals.leftover_bytes) == (samples, 1)
    assert count == (samples - lookahead) // scan + 1  # full blocks, then the rest
    assert final == (True, (count - 1) * scan, samples - (count - 1) * scan)


class FailingReads(io.RawIOBase):
    """Some bytes, then an I/O error, like a disk going bad under the reader."""

    def __init__(self, good: bytes) -> None:
        self.good = good

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if not self.good:
            raise OSError(errno.EIO, "Input/output error")
        n = min(len(buffer), len(self.good))
        buffer[:n], self.good = self.good[:n], self.good[n:]
        return n


class CountingConsumer:
    name = "counter"

    def __init__(self) -> None:
        self.frames = 0
        self.closed = False

    def on_frames(self, batch) -> None:  # type: ignore[no-untyped-def]
        self.frames += len(batch)

    def close(self) -> None:
        self.closed = True


class BrokenOutput(CountingConsumer):
    name = "broken output"

    def on_frames(self, batch) -> None:  # type: ignore[no-untyped-def]
        raise OSError(errno.ENOSPC, "No space left on device")


def test_a_failed_read_is_a_user_error(make_recording,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    path, truth = make_recording()
    data = path.read_bytes()
    monkeypatch.setattr(files, "open", lambda *args, **kwargs: FailingReads(data[:30_000]),
                        raising=False)
    counter = CountingConsumer()
    station = station_of(recording_source(str(path)), counter, block_samples=4096)
    with pytest.raises(UserError) as caught:
        station.run()
    assert str(caught.value) == f"{path}: read failed (Input/output error)"
    assert 0 < counter.frames < len(truth)  # the blocks before the failure were demodulated


def test_a_failing_consumer_is_dropped_and_the_others_go_on(make_recording) -> None:
    path, truth = make_recording()
    counter, broken, warnings = CountingConsumer(), BrokenOutput(), []
    station = station_of(recording_source(str(path)), broken, counter, block_samples=4096,
                         warn=warnings.append)
    station.run()
    assert counter.frames == station.stats.total.frames == len(truth)  # every frame
    consumers = station.consumers
    assert consumers.failures == ["No space left on device"]
    assert warnings == ["No space left on device; dropped broken output, "
                        "the other outputs go on"]
    assert broken.closed and consumers.unreported == []
    station.close()
    assert counter.closed and not station.consumers


def test_the_station_stops_when_no_consumer_is_left(make_recording) -> None:
    path, _ = make_recording(n_frames=200)

    class LeavesAfterOne(CountingConsumer):
        def on_frames(self, batch) -> None:  # type: ignore[no-untyped-def]
            super().on_frames(batch)
            raise ReaderGone

    consumer = LeavesAfterOne()
    source = recording_source(str(path))
    station = station_of(source, consumer, block_samples=4096)
    run = station.run()
    assert run.ended == "no consumer left" and run.batches == 1
    assert station.consumers.failures == [] and consumer.closed
    # The input's thread reads a few blocks ahead of the station, no more: the file is
    # 60 blocks long.
    assert source.totals.samples <= (QUEUE_BATCHES + 2) * 4096 < path.stat().st_size // 4


# ------------------------------------------------------------ frames at block boundaries


def frames_found(path: Path, fmt: str | None, rate: int, block_samples: int,
                 fix: int = 1) -> list[tuple[str, int]]:
    return demodulate_file(path, fmt, rate, fix=fix, block_samples=block_samples).timed


# Where each frame's first pulse lies relative to a block boundary, in samples: from
# wholly before it (a long frame is 288 samples at 2.4 MS/s) through straddling it
# (preamble before, data after) to starting right on it and inside the lookahead.
OFFSETS = (-300, -289, -250, -150, -60, -12, -3, -1.5, -1, -0.5, -0.2, 0, 0.3, 0.5, 1, 2,
           7, 40, 150, 299)


@pytest.mark.parametrize("rate", [2_000_000, 2_400_000])
@pytest.mark.parametrize("block_samples", [4096, 5000, 7777])
def test_frames_straddling_block_boundaries_found_once(make_recording, rate: int,
                                                       block_samples: int) -> None:
    starts = [((k + 1) * block_samples + off) / rate for k, off in enumerate(OFFSETS)]
    path, truth = make_recording(rate, "cu8", starts_s=starts, seed=block_samples)
    one_block = frames_found(path, "cu8", rate, 1 << 20)
    assert [f for f, _ in one_block] == truth
    # Each frame's first pulse from where it was placed, in samples: 12 MHz ticks are
    # 5 a sample at 2.4 MS/s, 6 at 2.0.
    per_sample = {2_400_000: 5, 2_000_000: 6}[rate]
    truth_ticks = [((k + 1) * block_samples + off) * per_sample
                   for k, off in enumerate(OFFSETS)]
    assert all(abs(t - want) <= per_sample
               for (_, t), want in zip(one_block, truth_ticks, strict=True))
    assert frames_found(path, "cu8", rate, block_samples) == one_block


def test_straddling_frames_in_cs16_at_odd_block_sizes(make_recording) -> None:
    rate = 2_400_000
    starts = [((k + 1) * 3001 + off) / rate for k, off in enumerate(OFFSETS)]
    path, truth = make_recording(rate, "cs16", starts_s=starts, seed=5)
    one_block = frames_found(path, None, rate, 1 << 20)  # format from the extension
    assert [f for f, _ in one_block] == truth
    for block_samples in (3001, 3000, 3002, 1500):
        assert frames_found(path, None, rate, block_samples) == one_block, block_samples


@pytest.fixture(scope="module")
def dense_recording(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """200 DF17/DF11 frames 200 us apart at 2.4 MS/s: at any block size some boundaries
    fall inside frames."""
    rng = np.random.default_rng(77)
    frames = sim.schedule(rng, 200, 2_400_000, 200e-6, 25.0, [0x7C0000 + k for k in range(5)],
                          formats=(17, 11))
    iq = sim.simulate_iq(frames, 2_400_000, sim.samples_needed(frames, 2_400_000), rng)
    path = tmp_path_factory.mktemp("dense") / "dense.cu8"
    path.write_bytes(sim.quantize(iq, "cu8"))
    return path, [f.data.hex() for f in frames]


@settings(max_examples=25, deadline=None)
@given(block_samples=st.integers(400, 40_000))
def test_any_block_size_gives_the_same_frames(dense_recording, block_samples: int) -> None:
    path, truth = dense_recording
    found = frames_found(path, "cu8", 2_400_000, block_samples)
    assert [f for f, _ in found] == truth
    assert found == frames_found(path, "cu8", 2_400_000, 1 << 20)


@pytest.mark.parametrize("block_samples", [613, 1000, 4096, 5000, 7777, 33_333, 100_000])
def test_real_recording_split_anywhere_gives_the_same_frames(recordings: Path,
                                                             block_samples: int) -> None:
    path = recordings / "modes1_resampled_cu8_2400k.bin"
    one_block = frames_found(path, "cu8", 2_400_000, 1 << 20)
    assert len(one_block) >= 340
    assert frames_found(path, "cu8", 2_400_000, block_samples) == one_block
