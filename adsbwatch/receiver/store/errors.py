"""The store's one-line failures, whatever the backend."""

from __future__ import annotations

from adsbwatch.receiver.errors import RuntimeFailure


class StoreError(RuntimeFailure):
    """The store cannot be opened, read or written; the message is one line."""


class CannotOpenStore(StoreError):
    """The store named cannot be opened as one (not a database, another program's, a
    newer schema, no permission...): the --db given is at fault."""

    exit_status = 2


class NoStoreError(CannotOpenStore):
    """A reading command named a store that does not exist: nothing was created."""


class StoreUnreachable(StoreError):
    """The store's server did not answer (not the --db given: exit status 1)."""


class WriteFailed(Exception):
    """A write that did not happen (nothing of it was written): `reason` in words a user
    can act on, e.g. "the database is locked by another program"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
