"""One watchlist line read into its parts: the address or block (first when given), the
other conditions, the label. The format is described in watchlist.py; every malformed
form is a ValueError with a one-line message."""

from __future__ import annotations

import re
from typing import NamedTuple

from adsbwatch.decoder.messages.watchrules import FLAGS, Condition, Flag, parse_condition

_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
_KEY = re.compile(r"([a-z]+):")  # a condition's key: lowercase, so labels like "Note:" stay
_SPACE = re.compile(r"\s*")
_WORD = re.compile(r"\S*")


class LineParts(NamedTuple):
    block: tuple[int, int] | None  # (lo, hi); None: no address given
    conditions: list[Condition]
    label: str


def _parse_hex(token: str) -> int:
    if not token or not set(token) <= _HEX_DIGITS:
        raise ValueError(f"{token!r} is not a 6-digit hex ICAO address")
    if len(token) != 6:
        raise ValueError(f"{token!r} has {len(token)} hex digits; an ICAO address has 6")
    return int(token, 16)


def parse_address(token: str) -> tuple[int, int]:
    """`HEX` or `LO-HI` as (lo, hi); ValueError with a one-line message otherwise."""
    if "-" not in token:
        icao = _parse_hex(token)
        return icao, icao
    lo_text, _, hi_text = token.partition("-")
    if "-" in hi_text:
        raise ValueError(f"{token!r} is not an address or a block LO-HI (too many '-')")
    if not lo_text:
        raise ValueError(f"block {token!r} has no start address before '-'")
    if not hi_text:
        raise ValueError(f"block {token!r} has no end address after '-'")
    lo, hi = _parse_hex(lo_text), _parse_hex(hi_text)
    if lo > hi:
        raise ValueError(f"block {token!r} runs backwards: its start is above its end")
    return lo, hi


def _is_address(word: str) -> bool:
    try:
        parse_address(word)
    except ValueError:
        return False
    return True


def _value(line: str, key: str, start: int) -> tuple[str, int]:
    """A key's value from `start` (just after the colon) and where the word ends: up to
    whitespace, or in double quotes (which may hold spaces)."""
    if line.startswith('"', start):
        close = line.find('"', start + 1)
        if close < 0:
            raise ValueError(f"{key}:{line[start:]} has no closing double quote")
        end = close + 1
        if end < len(line) and not line[end].isspace():
            raise ValueError(f"{key}:{line[start:]}: a space must follow the closing quote")
        return line[start + 1:close], end
    end = _WORD.match(line, start).end()  # type: ignore[union-attr]
    value = line[start:end]
    if '"' in value:
        raise ValueError(f"{key}:{value} has a double quote inside: quote the whole value "
                         f'({key}:"...")')
    return value, end


def unquote_label(text: str) -> str:
    """A label as written: wholly in double quotes, it loses them."""
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        return text[1:-1]
    return text


def read_line(line: str) -> LineParts | None:
    """A line (its comment removed) as its parts; None for a blank line."""
    block: tuple[int, int] | None = None
    conditions: list[Condition] = []
    keys: set[str] = set()
    first = pos = _SPACE.match(line).end()  # type: ignore[union-attr]
    while pos < len(line):
        key = _KEY.match(line, pos)
        word = _WORD.match(line, pos).group()  # type: ignore[union-attr]
        if key is not None:
            value, pos = _value(line, key.group(1), key.end())
            condition = parse_condition(key.group(1), value)
        elif word in FLAGS:
            condition, pos = Flag(word), pos + len(word)
        elif pos == first:
            if word.isalpha() and word.islower():
                raise ValueError(f"{word!r} is not a condition (an address HEX or block "
                                 "LO-HI, key:value, military or interesting)")
            block, pos = parse_address(word), pos + len(word)
            pos = _SPACE.match(line, pos).end()  # type: ignore[union-attr]
            continue
        elif block is None and _is_address(word):
            raise ValueError(f"{word}: an address or block comes first on the line")
        else:
            break  # the label
        if condition.key in keys:
            raise ValueError(f"{condition.key} is given twice on the line (a rule's "
                             "conditions must all hold; list squawks with commas)")
        keys.add(condition.key)
        conditions.append(condition)
        pos = _SPACE.match(line, pos).end()  # type: ignore[union-attr]
    if block is None and not conditions:
        return None
    return LineParts(block, conditions, unquote_label(line[pos:].strip()))


def needs_quotes(label: str) -> bool:
    """Whether `label`, written after a rule's conditions, would not read back as itself
    (it would start like a condition, or lose its own outer quotes)."""
    if unquote_label(label) != label:
        return True
    word = _WORD.match(label).group()  # type: ignore[union-attr]
    return word in FLAGS or _KEY.match(label) is not None or _is_address(word)
