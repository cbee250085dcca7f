"""Caps on how much of a request the middleware examines (documented in docs/security.md)."""

# How much of Access-Control-Request-Headers is examined. A browser lists each non-safelisted header
# name of one request once; 8 KiB is far beyond any real request, and longer values are refused
# without being read, so junk costs nothing.
MAX_REQUEST_HEADERS_LENGTH = 8192

# The longest origin worth looking at: a 253-character DNS name, a short scheme and a port. Anything
# longer cannot be a browser's Origin, so it is never given to a user's regex or function.
MAX_ORIGIN_LENGTH = 300
