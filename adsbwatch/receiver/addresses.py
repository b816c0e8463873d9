"""HOST:PORT as the network options spell it (an IPv6 address in brackets), both ways,
and what `--net-connect` and `--net-push` name. Light: the configuration checks them
before anything of the station is loaded."""

from __future__ import annotations

from dataclasses import dataclass

PROTOCOLS = ("beast", "avr")  # what --net-connect reads
DEFAULT_PROTOCOL = "beast"  # what dump1090-fa and readsb serve on 30005
PUSH_PROTOCOLS = ("beast",)  # what --net-push sends


def where(host: str, port: int) -> str:
    """`host:port`, or `[host]:port` for an IPv6 address."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def is_number(text: str, digits: int) -> bool:
    """Whether `text` is a whole number of at most so many ASCII digits (str.isdigit also
    takes other scripts' digits and superscripts, which int() refuses)."""
    return text.isascii() and text.isdigit() and len(text) <= digits


def split_host_port(text: str) -> tuple[str, int] | None:
    """(host, port) of HOST:PORT or [IPV6]:PORT; None when it is not one."""
    host, sep, port = text.rpartition(":")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if not sep or not host or not is_number(port, 5) or not 0 < int(port) < 65536:
        return None
    return host, int(port)


@dataclass(frozen=True)
class NetSpec:
    """A peer `--net-connect` reads and the format it sends."""

    host: str
    port: int
    protocol: str = DEFAULT_PROTOCOL

    @property
    def where(self) -> str:
        return where(self.host, self.port)

    @property
    def name(self) -> str:
        return f"{self.where} ({self.protocol})"

    @property
    def text(self) -> str:
        """As the option spells it, in full."""
        return f"{self.where}:{self.protocol}"


def parse_net_spec(text: str) -> NetSpec:
    """HOST:PORT[:beast|avr] (an IPv6 address in brackets); ValueError saying why."""
    rest, protocol = text, DEFAULT_PROTOCOL
    head, sep, tail = text.rpartition(":")
    if sep and tail.lower() in PROTOCOLS:
        rest, protocol = head, tail.lower()
    elif sep and not tail.isdigit():
        raise ValueError(f"{text!r}: the format must be beast or avr, not {tail!r}")
    address = split_host_port(rest)
    if address is None:
        raise ValueError(f"{text!r} is not HOST:PORT[:beast|avr] (e.g. 127.0.0.1:30005)")
    return NetSpec(*address, protocol)


@dataclass(frozen=True)
class PushSpec:
    """Where `--net-push` sends our stream, and in which format."""

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


def is_this_machine(host: str, bind: str) -> bool:
    """Whether `host` names this machine's own listening address (as a server bound to
    `bind` listens): loopback, `localhost`, or the bind address itself. No name lookup:
    what it cannot tell this way it does not claim."""
    import ipaddress

    name = host.strip("[]").lower()
    if name in ("localhost", bind.lower()):
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified
