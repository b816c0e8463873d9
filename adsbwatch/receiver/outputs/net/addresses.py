"""Addresses as the network outputs spell and read them: HOST:PORT (an IPv6 address in
brackets), and what `--net-push HOST:PORT[:beast]` names. Light: the options' checks
import it, before anything of the station is loaded."""

from __future__ import annotations

from dataclasses import dataclass

PUSH_PROTOCOLS = ("beast",)


def where(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


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
    host, sep, port = rest.rpartition(":")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{text!r} is not HOST:PORT:beast (e.g. 127.0.0.1:30004:beast)")
    return PushSpec(host, int(port), protocol.lower())
