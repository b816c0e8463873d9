"""The conditions a watchlist line may set beside an address: what the aircraft database
says of the aircraft (`reg:`, `type:`, `country:`, `operator:`, `military`,
`interesting`) and what it sends (`callsign:` a glob, `squawk:` a list of codes).

Each condition reads one `Seen` (the address, the database's info, the callsign and the
squawk), says whether it holds, and why in words (for `watchlist test`). Parsing gives a
ValueError with a one-line message for every malformed form.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from adsbwatch.decoder.registry.info import AircraftInfo

FLAGS = ("military", "interesting")  # conditions without a value
KEYS = ("reg", "type", "country", "operator", "callsign", "squawk")
# The order of conditions in a rule's canonical text.
ORDER = {key: i for i, key in enumerate(("reg", "type", "country", "operator", *FLAGS,
                                         "callsign", "squawk"))}
CALLSIGN_LENGTH = 8

# ISO 3166-1 alpha-2, the codes the aircraft database gives an address block's country.
_ISO_CODES = """
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS
GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
VN VU WF WS XK YE YT ZA ZM ZW"""
ISO_COUNTRIES = frozenset(_ISO_CODES.split())

_REGISTRATION = re.compile(r"[A-Za-z0-9-]+")
_TYPE = re.compile(r"[A-Za-z0-9]{2,4}")
_COUNTRY_NAME = re.compile(r"[^\W\d_][\w .,'()-]*[\w.)]")
_GLOB = re.compile(r"[A-Za-z0-9*?]+")
_SQUAWK = re.compile(r"[0-7]{4}")
_COMMENT_LIKE = re.compile(r"(?:^|\s)#")


class Seen(NamedTuple):
    """What a rule is checked against: one aircraft as heard (and looked up)."""

    address: int
    info: AircraftInfo | None = None
    callsign: str | None = None
    squawk: str | None = None


def quoted(value: str) -> str:
    """A value as written in a rule: in double quotes when it has spaces."""
    return f'"{value}"' if any(c.isspace() for c in value) else value


@dataclass(frozen=True)
class InfoField:
    """`reg:`, `type:`, `country:` or `operator:`: a field of the database's info."""

    key: str
    value: str

    def text(self) -> str:
        return f"{self.key}:{quoted(self.value)}"

    def _field(self, info: AircraftInfo | None) -> str | None:
        if info is None:
            return None
        if self.key == "country":
            return info.country if len(self.value) == 2 else info.country_name
        return getattr(info, _INFO_FIELDS[self.key][0])

    def holds(self, seen: Seen) -> bool:
        have = self._field(seen.info)
        if not have:
            return False
        if self.key == "operator":  # a part of the name is enough
            return self.value.casefold() in have.casefold()
        return have.casefold() == self.value.casefold()

    def why(self, seen: Seen) -> str:
        have = self._field(seen.info)
        name = _INFO_FIELDS[self.key][1]
        return f"{name} {quoted(have)}" if have else f"{name} unknown"


# key: (AircraftInfo's field, what the explanations call it)
_INFO_FIELDS = {"reg": ("registration", "registration"), "type": ("type_code", "type"),
                "country": ("country", "country"), "operator": ("operator", "operator")}


@dataclass(frozen=True)
class Flag:
    """`military` or `interesting`: a flag of the database's info (military: the
    database's flag or a known military address range)."""

    key: str

    def text(self) -> str:
        return self.key

    def holds(self, seen: Seen) -> bool:
        info = seen.info
        return info is not None and bool(getattr(info, self.key))

    def why(self, seen: Seen) -> str:
        held = self.holds(seen)
        if self.key == "military":
            return ("in a military range or flagged military" if held
                    else "not in a military range or flagged")
        return "flagged interesting" if held else "not flagged interesting"


@dataclass(frozen=True)
class CallsignGlob:
    """`callsign:RFF*`: the callsign (its trailing spaces ignored) against a glob with `*`
    (any run of characters) and `?` (one), in either case."""

    pattern: str
    _regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c)
                       for c in self.pattern)
        object.__setattr__(self, "_regex", re.compile(body, re.IGNORECASE))

    key = "callsign"

    def text(self) -> str:
        return f"callsign:{self.pattern}"

    def holds(self, seen: Seen) -> bool:
        callsign = seen.callsign
        return bool(callsign) and self._regex.fullmatch(callsign.rstrip()) is not None  # type: ignore[union-attr]

    def why(self, seen: Seen) -> str:
        return f"callsign {seen.callsign.rstrip()}" if seen.callsign else "no callsign heard"


@dataclass(frozen=True)
class Squawks:
    """`squawk:7500,7600,7700`: the aircraft squawks one of these codes now."""

    codes: tuple[str, ...]

    key = "squawk"

    def text(self) -> str:
        return "squawk:" + ",".join(self.codes)

    def holds(self, seen: Seen) -> bool:
        return seen.squawk in self.codes

    def why(self, seen: Seen) -> str:
        return f"squawk {seen.squawk}" if seen.squawk else "no squawk heard"


Condition = InfoField | Flag | CallsignGlob | Squawks


# --------------------------------------------------------------------------- parsing

def _registration(value: str) -> Condition:
    if not _REGISTRATION.fullmatch(value):
        raise ValueError(f"reg:{quoted(value)} is not a registration "
                         "(letters, digits and '-', e.g. reg:RA-86496)")
    return InfoField("reg", value.upper())


def _type(value: str) -> Condition:
    if not _TYPE.fullmatch(value):
        raise ValueError(f"type:{quoted(value)} is not an ICAO type designator "
                         "(2 to 4 letters and digits, e.g. type:IL62)")
    return InfoField("type", value.upper())


def _country(value: str) -> Condition:
    if len(value) == 2 and value.isalpha():
        code = value.upper()
        if code not in ISO_COUNTRIES:
            raise ValueError(f"country:{value}: no country has the ISO 3166 code {code}")
        return InfoField("country", code)
    if not _COUNTRY_NAME.fullmatch(value):
        raise ValueError(f"country:{quoted(value)} is not a country code (2 letters, "
                         "e.g. country:RU) or name (e.g. country:Russia)")
    return InfoField("country", value)


def _operator(value: str) -> Condition:
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise ValueError(f"operator:{value!r} holds a control character")
    if _COMMENT_LIKE.search(value):
        raise ValueError(f"operator:{quoted(value)} holds '#' after a space (a comment)")
    return InfoField("operator", value)


def _callsign(value: str) -> Condition:
    if not _GLOB.fullmatch(value):
        bad = next(c for c in value if not (c.isascii() and c.isalnum()) and c not in "*?")
        raise ValueError(f"callsign:{quoted(value)} has {bad!r}: a callsign has letters "
                         "and digits only (and the wildcards * and ?)")
    if len(value.replace("*", "")) > CALLSIGN_LENGTH:
        raise ValueError(f"callsign:{value} can never match: a callsign has at most "
                         f"{CALLSIGN_LENGTH} characters")
    return CallsignGlob(re.sub(r"\*+", "*", value.upper()))


def _squawks(value: str) -> Condition:
    codes = value.split(",")
    for code in codes:
        if not code:
            raise ValueError(f"squawk:{quoted(value)} has an empty code "
                             "(codes are separated by single commas)")
        if not _SQUAWK.fullmatch(code):
            raise ValueError(f"squawk:{quoted(value)}: {code!r} is not a squawk "
                             "(4 octal digits 0-7, e.g. 7700)")
    return Squawks(tuple(sorted(set(codes))))


_PARSERS: dict[str, Callable[[str], Condition]] = {
    "reg": _registration, "type": _type, "country": _country, "operator": _operator,
    "callsign": _callsign, "squawk": _squawks}


def parse_condition(key: str, value: str) -> Condition:
    """`key:value` as a condition; ValueError with a one-line message otherwise."""
    if key in FLAGS:
        raise ValueError(f"{key!r} takes no value: write {key} alone")
    parser = _PARSERS.get(key)
    if parser is None:
        raise ValueError(f"unknown key {key + ':'!r} (keys: {', '.join(KEYS)}; a label "
                         "that starts with it needs double quotes)")
    value = value.strip()
    if not value:
        raise ValueError(f"{key}: has no value (e.g. {_EXAMPLES[key]})")
    return parser(value)


_EXAMPLES = {"reg": "reg:RA-86496", "type": "type:IL62", "country": "country:RU",
             "operator": 'operator:"Russia - Air Force"', "callsign": "callsign:RFF*",
             "squawk": "squawk:7500,7600,7700"}
