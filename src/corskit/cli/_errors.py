"""The one exception a subcommand raises for a usage, input or network error."""

from __future__ import annotations


class CLIError(Exception):
    """Printed as one line on stderr (``corskit COMMAND: error: MESSAGE``); the command exits 2.

    The message says what went wrong and, where there is one, what to do: ``cannot connect to
    127.0.0.1:9: connection refused``, ``--origin must be an origin such as https://app.example.com``.
    """
