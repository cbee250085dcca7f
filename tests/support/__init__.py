"""Shared test harness: real servers and a real Chromium for corskit's tests.

- :mod:`support.servers` runs any ASGI app under uvicorn on 127.0.0.1 in a background thread.
- :mod:`support.chromium` launches the Debian Chromium through playwright and runs ``fetch()`` in pages
  served on chosen origins.

``tests/`` is on ``sys.path`` while pytest runs (rootdir conftest, "prepend" import mode), so test
modules import these as ``from support.servers import serve``.
"""
