"""One --notify URL's sending, through Apprise: a message in, None or why it failed out.
Never raises: a service that fails is the worker's to retry and to say."""

from __future__ import annotations

import logging
from typing import Any

from adsbwatch.receiver.core.consumer import describe
from adsbwatch.receiver.outputs.notify.targets import NotifyTarget

NOT_TAKEN = "the service did not take it"


def quiet_apprise_logs() -> None:
    """Apprise's own log lines stay out of stderr: what went wrong is said by us, in one
    line, with the URL's secrets masked."""
    logger = logging.getLogger("apprise")
    logger.propagate = False
    if not logger.handlers:
        logger.addHandler(logging.NullHandler())


class AppriseSender:
    """Sends to one URL, keeping the service's connection (an MQTT broker's) between
    messages."""

    def __init__(self, target: NotifyTarget) -> None:
        import apprise

        quiet_apprise_logs()
        self._apprise: Any = apprise.Apprise()
        if not self._apprise.add(target.url):
            raise ValueError("Apprise does not understand this URL")

    def __call__(self, title: str, body: str) -> str | None:
        """Send; None when the service took the message, else why not (may hold
        secrets: the caller masks them)."""
        try:
            result = self._apprise.notify(body=body, title=title)
        except Exception as exc:  # noqa: BLE001 - a plugin's failure is a failed send
            return describe(exc)
        if result:
            return None
        return last_warning(result) or NOT_TAKEN

    def close(self) -> None:
        """Let go of the service (an MQTT client disconnects)."""
        self._apprise.clear()


def last_warning(result: Any) -> str | None:
    """The last thing Apprise (2.x) logged of a failed send, if it keeps its logs."""
    logs = getattr(result, "logs", None)
    if logs is None:
        return None
    entries = list(logs())
    return entries[-1].message.rstrip(".") if entries else None
