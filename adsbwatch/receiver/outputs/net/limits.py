"""How many clients the servers of a run take, and how many bytes they may hold for them.

Every connection is an open file, and a process that runs out of them can no longer open
its store, write its JSON files or accept anyone: so the servers of a run together stay
below the open-files limit (less what the rest of the run needs), each port below its own
limit, and no port may take the last places the others have not used (a flood of one
cannot lock the map out). readsb does the first alone.

A client that stops reading holds what is queued for it; each client of the byte-stream
servers may hold its share of one budget, so that 400 stuck clients cost what 4 do."""

from __future__ import annotations

from adsbwatch.receiver.core.open_files import open_files_limit
from adsbwatch.receiver.defaults import MAX_CLIENTS

FILES_KEPT = 128  # open files left for the store, peers, the JSON files, the dongle
KEPT_PER_PORT = 16  # places each port keeps free of the others' clients (fewer if few)
BUFFER_BUDGET_BYTES = 64 << 20  # queued for all stream clients together
CLIENT_BUFFER_BYTES = 4 << 20  # for one of them at most: seconds of a fast replay


def clients_for_open_files(limit: int) -> int:
    """The clients all ports may have with `limit` open files."""
    return max(limit - FILES_KEPT, limit // 2)


class ClientLimits:
    """The clients of every port of a run (used in the network loop's thread only)."""

    def __init__(self, per_port: int = MAX_CLIENTS, total: int | None = None,
                 buffer_budget: int = BUFFER_BUDGET_BYTES,
                 client_buffer: int = CLIENT_BUFFER_BYTES) -> None:
        self.per_port = per_port
        self.total = clients_for_open_files(open_files_limit()) if total is None else total
        self.buffer_budget = buffer_budget
        self.client_buffer = client_buffer
        self._clients: dict[str, int] = {}  # a port's name -> its clients now
        self._streaming = 0  # clients of the byte-stream servers, who share the budget
        self.refused = 0  # clients turned away at a limit, over the run (every port)
        self.dropped = 0  # stream clients dropped: behind by their share, or stalled

    def add_port(self, name: str) -> None:
        self._clients.setdefault(name, 0)

    def refusal(self, name: str) -> str | None:
        """Why port `name` cannot take one more client now (None: it can)."""
        here = self._clients.get(name, 0)
        if here >= self.per_port:
            return f"it has {here} clients, its limit (--max-clients)"
        everyone = sum(self._clients.values())
        kept_each = min(KEPT_PER_PORT, self.total // (2 * len(self._clients) or 1))
        kept = sum(max(0, kept_each - n) for port, n in self._clients.items() if port != name)
        if everyone + kept >= self.total:
            return (f"all ports have {everyone} clients, what the open-files limit allows "
                    f"(raise LimitNOFILE or ulimit -n)")
        return None

    def joined(self, name: str, streaming: bool) -> None:
        self._clients[name] = self._clients.get(name, 0) + 1
        self._streaming += streaming

    def left(self, name: str, streaming: bool) -> None:
        self._clients[name] -= 1
        self._streaming -= streaming

    @property
    def clients(self) -> int:
        return sum(self._clients.values())

    @property
    def streaming(self) -> int:
        return self._streaming

    def share(self) -> int:
        """The bytes one stream client may have queued now."""
        return min(self.client_buffer, self.buffer_budget // max(1, self._streaming))
