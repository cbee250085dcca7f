"""Shared test harness: the in-process ASGI driver, real servers and a real Chromium for corskit's tests.

- :mod:`support.asgi` drives an ASGI app by hand (scopes, the ``Response`` record, ``request()``,
  ``preflight()``, the recording ``Endpoint``, counting origin functions): every suite uses it.
- :mod:`support.servers` runs any ASGI app under uvicorn on 127.0.0.1 in a background thread
  (``serve(app)``), and ``RecordingApp`` remembers the requests an app received.
- :mod:`support.chromium` runs the Debian Chromium through playwright in its own thread
  (``chromium_session()``, ``open_origin_page()``) and runs batches of ``fetch()`` calls in pages served
  on chosen ``*.localhost`` origins.
- :mod:`support.cors_server` is ``ScriptedServer``: answers each path with any status and (broken)
  headers, echoing the request's Origin / Access-Control-Request-* where asked, and records requests.

``tests/`` is on ``sys.path`` while pytest runs (rootdir conftest, "prepend" import mode; every test
folder is a package), so test modules import these as ``from support.servers import serve``.
``tests/conftest.py`` wraps them in the ``chromium``, ``page_server`` and ``page_on_origin`` fixtures.
"""
