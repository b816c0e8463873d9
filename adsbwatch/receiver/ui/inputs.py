"""What the views say of a run's network inputs, where a dongle's run says samples: each
peer (PeerStates), and what the station kept out of other decoders' frames."""

from __future__ import annotations

from adsbwatch.receiver.core.abilities import PeerState, PeerStates
from adsbwatch.receiver.station.station import Station


def peer_states(station: Station) -> list[PeerState]:
    """Every peer of the run's inputs, now; none for a dongle or a recording."""
    return [state for source in station.inputs if isinstance(source, PeerStates)
            for state in source.peer_states()]


def kept_out(station: Station, peers: list[PeerState]) -> str:
    """Frames refused by the CRC or address rule, copies of another input's frames,
    frames dropped because the station had not taken the ones before: so far."""
    counts = station.merge.counts
    return (f"refused {sum(c.refused for c in counts)}, duplicates "
            f"{sum(c.duplicates for c in counts)}, dropped {sum(p.dropped for p in peers)}")
