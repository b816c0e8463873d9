"""Which view a run shows: the interactive table (--interactive, textual), the live
table on a terminal, or none (a file or pipe gets the table once, at the end)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console

from adsbwatch.decoder.messages.watchlist import Watchlist
from adsbwatch.receiver.errors import UserError
from adsbwatch.receiver.station.station import Station
from adsbwatch.receiver.ui.live import LiveTable

if TYPE_CHECKING:
    from adsbwatch.receiver.ui.interactive import InteractiveView

TEXTUAL_MISSING = "--interactive needs textual: pip install 'adsbwatch[tui]'"


def check_interactive(console: Console) -> None:
    try:
        import textual  # noqa: F401 - the optional extra, asked for by --interactive
    except ImportError:
        raise UserError(TEXTUAL_MISSING) from None
    if not console.is_terminal:
        raise UserError("--interactive needs a terminal: stdout is a file or pipe")


def choose_view(interactive: bool, console: Console, on_stdout: bool, station: Station,
                watchlist: Watchlist) -> LiveTable | InteractiveView | None:
    """The view for this run, or None; a one-line error if --interactive cannot be.
    `on_stdout`: the table may use stdout (not with --raw's AVR lines there)."""
    if interactive:
        check_interactive(console)
        from adsbwatch.receiver.ui.interactive import InteractiveView

        return InteractiveView(station, watchlist)
    if not on_stdout or not console.is_terminal:
        return None
    return LiveTable(console, station, watchlist)
