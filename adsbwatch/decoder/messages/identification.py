"""Aircraft identification and category (TC 1-4, DO-260B 2.2.3.2.5)."""

from __future__ import annotations

from adsbwatch.decoder.messages.addressing import Addressing
from adsbwatch.decoder.messages.callsign import callsign
from adsbwatch.decoder.messages.fields import Field, layout
from adsbwatch.decoder.messages.message import Identification

IDENTIFICATION = layout(category=Field(6, 3), callsign=Field(9, 48))
# The type code names the category set: TC 4 is set A (aircraft), 3 B (gliders, balloons,
# UAVs...), 2 C (surface vehicles, obstacles), 1 D (reserved). "A3" as dump1090 shows it;
# category 0 ("no information") too, as "A0": dump1090-fa and readsb write it so.
CATEGORY_SETS = {4: "A", 3: "B", 2: "C", 1: "D"}


def identification(df: int, icao: int, addressing: Addressing, tc: int,
                   me: int) -> Identification:
    category, bits48 = IDENTIFICATION(me)
    return Identification(df, icao, addressing.address_type, tc,
                          f"{CATEGORY_SETS[tc]}{category}", callsign(bits48))
