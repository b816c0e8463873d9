"""What `--net-push HOST:PORT[:beast]` names. Light: the options' checks import it,
before anything of the station is loaded."""

from __future__ import annotations

from dataclasses import dataclass

from adsbwatch.receiver.addresses import split_host_port, where

PUSH_PROTOCOLS = ("beast",)


@dataclass(frozen=True)
class PushSpec:
    host: str
    port: int
    protocol: str = "beast"

    @property
    def text(self) -> str:
        """As the option spells it, in full."""
        return f"{where(self.host, self.port)}:{self.protocol}"


def parse_push_spec(text: str) -> PushSpec:
    """HOST:PORT[:beast] (an IPv6 address in brackets); ValueError saying why."""
    rest, sep, protocol = text.rpartition(":")
    if sep and protocol.isdigit():  # no format given: Beast, the only one pushed
        rest, protocol = text, "beast"
    elif not sep or protocol.lower() not in PUSH_PROTOCOLS:
        raise ValueError(f"{text!r} is not HOST:PORT:beast (e.g. 127.0.0.1:30004:beast); "
                         "only beast can be pushed")
    address = split_host_port(rest)
    if address is None:
        raise ValueError(f"{text!r} is not HOST:PORT:beast (e.g. 127.0.0.1:30004:beast)")
    return PushSpec(*address, protocol.lower())
