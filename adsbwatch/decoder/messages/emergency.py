"""Emergencies as Mode S reports them: the three emergency squawks, and the emergency
states of ADS-B aircraft status messages (TC 28 subtype 1, DO-260B table 2-85)."""

from __future__ import annotations

from typing import NamedTuple

EMERGENCY_STATES = {1: "general emergency", 2: "lifeguard/medical", 3: "minimum fuel",
                    4: "radio failure", 5: "unlawful interference", 6: "downed aircraft"}


class EmergencySquawk(NamedTuple):
    name: str  # what the tracker records when an aircraft squawks it
    state: int  # the TC 28 emergency state an aircraft squawking it sends


EMERGENCY_SQUAWKS = {
    "7500": EmergencySquawk("hijack", 5),
    "7600": EmergencySquawk("radio failure", 4),
    "7700": EmergencySquawk("general emergency", 1),
}
