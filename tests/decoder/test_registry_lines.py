"""tar1090-db's aircraft.csv lines, read as readsb reads them (aircraft.c, dbUpdate), and
the lines it would skip reported with a reason."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adsbwatch.decoder.registry.info import INTERESTING, LADD, MILITARY, PIA, AircraftInfo
from adsbwatch.decoder.registry.tar1090db import BadLine, Row, parse_flags, parse_line


def test_a_full_line() -> None:
    row = parse_line("484506;PH-GOV;B737;0000;BOEING 737-700;2017;Dutch State;\n")
    assert row == Row(0x484506, AircraftInfo("PH-GOV", "B737", "BOEING 737-700", "2017",
                                             "Dutch State"))


def test_hex_in_any_case_and_short() -> None:
    assert parse_line("ae01ce;;;1;;;").address == 0xAE01CE  # type: ignore[union-attr]
    assert parse_line("AE01CE;;;1;;;").address == 0xAE01CE  # type: ignore[union-attr]
    assert parse_line("1ce;;;;;;").address == 0x0001CE  # type: ignore[union-attr]


def test_empty_fields_are_none() -> None:
    row = parse_line("3C4B2A;;;;;;")
    assert isinstance(row, Row) and row.info == AircraftInfo()


def test_a_line_that_stops_after_its_flags_keeps_what_it_has() -> None:
    row = parse_line("3c4b2a;D-AIBL;A319;00")
    assert row == Row(0x3C4B2A, AircraftInfo("D-AIBL", "A319"))
    row = parse_line("3c4b2a;D-AIBL;A319;00;AIRBUS A-319")  # no trailing ';'
    assert row.info.description == "AIRBUS A-319"  # type: ignore[union-attr]


@pytest.mark.parametrize(("flags", "bits"), [
    ("", 0), ("0", 0), ("1", MILITARY), ("01", INTERESTING), ("001", PIA), ("0001", LADD),
    ("1111", MILITARY | INTERESTING | PIA | LADD), ("10", MILITARY),
    ("x1", INTERESTING),  # anything but '1' is 0, as readsb reads it
    ("0000000000000001", 1 << 15),
    ("00000000000000001", 0),  # readsb reads 16 characters, its dbFlags' bits
])
def test_flags_as_readsb_reads_them(flags: str, bits: int) -> None:
    assert parse_flags(flags) == bits
    assert parse_line(f"484506;;;{flags};;;").info.flags == bits  # type: ignore[union-attr]


def test_control_characters_become_spaces_and_ends_are_trimmed() -> None:
    row = parse_line("484506; PH-GOV ;B737;;A\tB;;x\x01y;\r\n")
    assert row.info.registration == "PH-GOV"  # type: ignore[union-attr]
    assert row.info.description == "A B"  # type: ignore[union-attr]
    assert row.info.operator == "x y"  # type: ignore[union-attr]


@pytest.mark.parametrize(("line", "reason"), [
    ("", "1 field, not the 4 or more"),
    ("484506;PH-GOV;B737", "3 fields, not the 4 or more"),
    ("ZZ4506;PH-GOV;B737;0;;;", "'ZZ4506' is not an address"),
    ("~484506;PH-GOV;B737;0;;;", "'~484506' is not an address"),  # a non-ICAO address
    ("1484506;;;0;;;", "'1484506' is not an address of up to 6 hex digits"),
    (";PH-GOV;B737;0;;;", "'' is not an address"),
    ("000000;;;0;;;", "address 000000 is no aircraft"),
    ("0x4845;;;0;;;", "'0x4845' is not an address"),
])
def test_malformed_lines_say_why(line: str, reason: str) -> None:
    result = parse_line(line)
    assert isinstance(result, BadLine) and result.reason.startswith(reason)


@given(st.text(max_size=120))
def test_any_text_is_a_row_or_a_reason(line: str) -> None:
    result = parse_line(line)
    if isinstance(result, BadLine):
        assert result.reason
        return
    assert 0 < result.address < 1 << 24
    fields = line.rstrip("\r\n").split(";")
    assert result.address == int(fields[0], 16)
    for value in result.info[:5]:
        assert value is None or (value == value.strip() and value
                                 and not any(ord(c) < 32 for c in value))


@given(st.integers(1, 0xFFFFFF), st.text(alphabet="-ABCDEFGHJKLMNPQRSTUVWXYZ0123456789",
                                         max_size=10), st.text(alphabet="01", max_size=16))
def test_a_written_line_reads_back(address: int, registration: str, flags: str) -> None:
    row = parse_line(f"{address:06x};{registration};C172;{flags};CESSNA;1977;Someone;")
    assert isinstance(row, Row) and row.address == address
    assert row.info.registration == (registration or None)
    assert row.info.flags == sum(1 << j for j, c in enumerate(flags) if c == "1")
