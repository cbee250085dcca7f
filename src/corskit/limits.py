"""Caps on how much of a request the middleware examines (documented in docs/security.md)."""

# How much of Access-Control-Request-Headers is examined. A browser lists each non-safelisted header
# name of one request once; 8 KiB is far beyond any real request, and longer values are refused
# without being read, so junk costs nothing.
MAX_REQUEST_HEADERS_LENGTH = 8192
