"""Tests proving issue 4: dynamic origins, CORS on errors, WebSocket Origin checks, path policies, explain()."""
