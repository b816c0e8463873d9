"""Failures the user can act on: printed as one line, never as a traceback."""

from __future__ import annotations


class UserError(Exception):
    """Bad usage or bad input (exit status 2)."""

    exit_status = 2


class RuntimeFailure(Exception):
    """Something failed while running, not the user's input (exit status 1)."""

    exit_status = 1
