"""Making request values safe to put in a log line."""

from __future__ import annotations

# Request values in logs are capped: an attacker should not be able to fill a log with one header.
MAX_LOGGED_LENGTH = 200


def sanitize(value: str | bytes, limit: int = MAX_LOGGED_LENGTH) -> str:
    """Quote ``value`` for a log line: control and non-ASCII characters escaped, length capped.

    Escaping CR/LF keeps a request from forging extra log lines.
    """
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    extra = len(text) - limit
    if extra > 0:
        text = text[:limit]
    escaped = "".join(_escape(c) for c in text)
    quoted = "'" + escaped + "'"
    return quoted + f"...(+{extra} chars)" if extra > 0 else quoted


def _escape(char: str) -> str:
    if char in "\\'":
        return "\\" + char
    if " " <= char <= "~":
        return char
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
