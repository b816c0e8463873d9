"""What some of the station's inputs can do besides yielding frames, as protocols: a view
asks `isinstance(input, PeerStates)` instead of looking for an attribute by name.

- PeerStates: frames from other decoders over the network: each peer's connection and
  what it sent (the footer, the stats line).
- SummaryLines: the input's lines of the closing summary, given what the station made of
  its frames (InputCounts: decoded, refused, copies, unread).
- HasGain: a tuner whose gain is known (an RTL-SDR dongle, an rtl_tcp server).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class PeerState:
    """One peer now, as a view shows it: a snapshot, read without side effects."""

    name: str
    connected: bool
    received: int  # frames parsed so far
    dropped: int  # frames dropped so far: the station had not taken the ones before


@dataclass
class InputCounts:
    """What the station made of one input's frames (counted in the station's thread)."""

    decoded: int = 0  # handed on to the stages
    refused: int = 0  # failed the CRC or the address rule (another decoder's frames)
    duplicates: int = 0  # copies of a frame another input delivered first
    unread: int = 0  # read, but still waiting when the station stopped

    def add(self, other: InputCounts) -> None:
        self.decoded += other.decoded
        self.refused += other.refused
        self.duplicates += other.duplicates
        self.unread += other.unread


@runtime_checkable
class PeerStates(Protocol):
    def peer_states(self) -> list[PeerState]:
        """Each peer behind this input, now."""
        ...


@runtime_checkable
class SummaryLines(Protocol):
    def summary_lines(self, counts: InputCounts) -> list[str]:
        """The input's lines of the closing summary (each starting "adsbwatch: ")."""
        ...


@runtime_checkable
class HasGain(Protocol):
    @property
    def gain_db(self) -> float | None:
        """The tuner's gain now (None: not known yet)."""
        ...
