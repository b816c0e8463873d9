"""Fuzzing: arbitrary input gives a user error or a valid result, never a crash."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from frames_support import check_house_rule, demodulate_file
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from adsbwatch.decoder.demod.geometry import SUPPORTED_RATES
from adsbwatch.decoder.demod.iqformats import FORMATS
from adsbwatch.decoder.sim import simulate as sim
from adsbwatch.receiver.errors import UserError
from adsbwatch.receiver.rates import parse_rate
from adsbwatch.receiver.sources.resolve import recording_source

# ------------------------------------------------------------------------------ rates

rate_like = st.one_of(
    st.text(),
    st.from_regex(r"\A\s*[-+]?[0-9_]{0,9}(\.[0-9]{0,7})?([eE][-+]?[0-9]{1,4})?"
                  r"\s*([kKmM]|[mM]sps|[kK]s/s)?\s*\Z"),
    st.floats().map(str),
    st.integers().map(str),
    st.sampled_from(["2.4M", "2M", "nan", "inf", "-inf", "1e400", "infm", "0x10", "2,4M"]),
)


@settings(max_examples=200, deadline=None)
@given(text=rate_like)
@example(text="0\nK")  # a newline inside the number once split the error over two lines
def test_parse_rate_gives_a_supported_rate_or_a_user_error(text: str) -> None:
    try:
        rate = parse_rate(text)
    except UserError as exc:
        message = str(exc)
        assert "\n" not in message
        assert "use e.g. 2.4M" in message or message.endswith("use 2M or 2.4M"), message
    else:
        assert rate in SUPPORTED_RATES


# ------------------------------------------------------------------------------ SigMF

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                max_size=4),
    max_leaves=12,
)
# The SigMF names of the formats we read (SigMF spec, core:datatype) and ours for them.
SIGMF_NAMES = {"cu8": "cu8", "ci8": "cs8", "ci16_le": "cs16", "cf32_le": "cf32"}
datatypes = st.sampled_from([*SIGMF_NAMES, "ri8", "ci16_be", "cu16_le", ""]) | json_values
rates = (st.sampled_from([2_000_000, 2_400_000, 2e6, 2.4e6, 3_200_000, 0, -1])
         | st.integers() | st.floats() | json_values)
sigmf_globals = st.fixed_dictionaries(
    {}, optional={"core:datatype": datatypes, "core:sample_rate": rates,
                  "core:version": json_values})
meta_documents = st.one_of(
    json_values.map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries({"global": json_values}).map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries({"global": sigmf_globals}).map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=200),
)


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=meta_documents, name=st.sampled_from(["meta", "data"]))
def test_any_sigmf_metadata_gives_a_spec_or_a_user_error(tmp_path: Path, document: bytes,
                                                         name: str) -> None:
    # tmp_path is shared by the examples; each one overwrites the same two files.
    meta, data = tmp_path / "rec.sigmf-meta", tmp_path / "rec.sigmf-data"
    data.write_bytes(bytes(64))
    meta.write_bytes(document)
    try:
        spec = recording_source(str(meta if name == "meta" else data)).info
    except UserError as exc:
        assert str(exc).startswith(f"{meta}: "), str(exc)
        assert "\n" not in str(exc)
    else:
        assert spec.name == str(data)
        assert spec.fmt in FORMATS and spec.rate in SUPPORTED_RATES
        fields = json.loads(document)["global"]
        rate = fields.get("core:sample_rate")
        assert spec.rate == (2_400_000 if rate is None else round(rate))
        datatype = fields.get("core:datatype")
        assert spec.fmt == ("cu8" if datatype is None else SIGMF_NAMES[datatype])


# ----------------------------------------------------------------------- demodulator


def demodulate_bytes(path: Path, data: bytes, rate: int, fix: int,
                     block_samples: int = 1 << 18) -> list[bytes]:
    path.write_bytes(data)
    found = demodulate_file(path, "cu8", rate, fix=fix, block_samples=block_samples)
    totals = found.station.totals  # type: ignore[union-attr]
    assert (totals.samples, totals.leftover_bytes) == divmod(len(data), 2)
    return found.frames


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=20_000), rate=st.sampled_from(SUPPORTED_RATES))
def test_arbitrary_bytes_never_crash_and_give_only_valid_frames(tmp_path: Path, data: bytes,
                                                                rate: int) -> None:
    check_house_rule(demodulate_bytes(tmp_path / "fuzz.cu8", data, rate, fix=0))


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(level=st.integers(0, 255), noise=st.integers(0, 255), length=st.integers(0, 20_000),
       seed=st.integers(0, 2**32 - 1), rate=st.sampled_from(SUPPORTED_RATES))
def test_flat_and_clipped_input(tmp_path: Path, level: int, noise: int, length: int, seed: int,
                                rate: int) -> None:
    """Silence, a stuck ADC, full-scale clipping: byte values around one level."""
    rng = np.random.default_rng(seed)
    values = level + rng.integers(-noise, noise + 1, length)
    data = np.clip(values, 0, 255).astype(np.uint8).tobytes()
    check_house_rule(demodulate_bytes(tmp_path / "flat.cu8", data, rate, fix=0))


@pytest.fixture(scope="module")
def busy_cu8() -> bytes:
    """120 frames of every simulated format 150 us apart at 2.4 MS/s, from 10 to 30 dB."""
    rng = np.random.default_rng(404)
    frames = sim.schedule(rng, 120, 2_400_000, 150e-6, (10.0, 30.0),
                          [0x800000 + k for k in range(6)], formats=sim.SIMULATED_DFS,
                          max_freq_offset_hz=100e3)
    iq = sim.simulate_iq(frames, 2_400_000, sim.samples_needed(frames, 2_400_000), rng)
    return sim.quantize(iq, "cu8")


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(patches=st.lists(st.tuples(st.floats(0.0, 1.0), st.binary(min_size=1, max_size=600)),
                        max_size=8),
       fix=st.sampled_from([0, 1, 2]), block_samples=st.sampled_from([3000, 1 << 18]),
       cut=st.floats(0.0, 1.0))
def test_damaged_recording_gives_only_valid_frames(tmp_path: Path, busy_cu8: bytes,
                                                   patches, fix: int, block_samples: int,
                                                   cut: float) -> None:
    """Real frames with arbitrary bytes written over parts of them, the end cut anywhere
    (perhaps mid-sample), at any repair setting: what comes out passes its CRC."""
    data = bytearray(busy_cu8[:math.floor(cut * len(busy_cu8))])
    for where, patch in patches:
        at = math.floor(where * len(data))
        data[at:at + len(patch)] = patch[:max(0, len(data) - at)]
    frames = demodulate_bytes(tmp_path / "damaged.cu8", bytes(data), 2_400_000, fix,
                              block_samples)
    check_house_rule(frames)


def test_the_damage_fuzz_sees_frames(tmp_path: Path, busy_cu8: bytes) -> None:
    """The undamaged recording gives frames of several formats, so the check above is
    applied to real output and not only to empty lists."""
    frames = demodulate_bytes(tmp_path / "busy.cu8", busy_cu8, 2_400_000, fix=1)
    check_house_rule(frames)
    assert len(frames) >= 100
    assert {f[0] >> 3 for f in frames} >= {11, 17, 0, 4, 5, 16, 20, 21}
