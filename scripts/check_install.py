"""Checks an installed corskit (a wheel or an sdist install), run from outside the source tree.

    python check_install.py speedups   # the C extension must load and serve requests
    python check_install.py pure       # built without a compiler: the Python steps serve requests

Used by cibuildwheel on every wheel it builds and by scripts/check_packaging.sh on this machine. Standard
library only: the environment holds corskit and nothing else. Exits non-zero with a message on the first
failed check.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.metadata
import sys
import sysconfig
import threading
from pathlib import Path
from typing import Any

ALLOWED = "https://app.example"


def check(condition: object, message: str) -> None:
    if not condition:
        sys.exit(f"check_install: {message}")


async def ok_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok"})


def request(app: Any, method: str, headers: list[tuple[bytes, bytes]]) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []
    scope = {"type": "http", "method": method, "path": "/", "headers": headers, "query_string": b""}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent


def check_requests() -> None:
    from corskit import CORSMiddleware

    app = CORSMiddleware(ok_app, allow_origins=[ALLOWED], allow_methods=["GET", "PUT"])
    start = request(app, "GET", [(b"origin", ALLOWED.encode())])[0]
    headers = dict(start["headers"])
    check(start["status"] == 200, f"simple request answered {start['status']}")
    check(headers.get(b"access-control-allow-origin") == ALLOWED.encode(), f"no allow-origin in {headers}")
    check(b"Origin" in headers.get(b"vary", b""), f"no Vary: Origin in {headers}")
    preflight = [(b"origin", ALLOWED.encode()), (b"access-control-request-method", b"PUT")]
    start = request(app, "OPTIONS", preflight)[0]
    check(start["status"] == 200, f"allowed preflight answered {start['status']}")
    refused = [(b"origin", b"https://evil.example"), (b"access-control-request-method", b"PUT")]
    check(request(app, "OPTIONS", refused)[0]["status"] == 400, "a refused preflight was not answered 400")


def hammer_without_gil() -> None:
    """On a free-threaded build: the extension's functions used from several threads at once."""
    from corskit._speedups import CORSSend, find_origin, read_headers

    shared = [(b"host", b"api.example"), (b"origin", ALLOWED.encode())]
    errors: list[BaseException] = []

    async def sink(message: Any) -> None:
        return None

    def work() -> None:
        try:
            for i in range(2000):
                check(find_origin(shared, b"dup") == ALLOWED.encode(), "find_origin lost the Origin header")
                check(read_headers(shared, b"dup")[4] == b"api.example", "read_headers lost the Host header")
                # The other threads grow and shrink the list being read, never touching its first two pairs.
                if i % 2:
                    shared.append((b"x-extra", b"1"))
                else:
                    del shared[2:]
                send = CORSSend(sink, ((b"access-control-allow-origin", b"*"),), frozenset({b"vary"}))
                coroutine = send({"type": "http.response.start", "status": 200, "headers": []})
                coroutine.close()
                check(send.started, "CORSSend did not record the start")
        except BaseException as exc:  # reported below: a thread's exception would otherwise vanish
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    check(not errors, f"threads failed: {errors!r}")


def main(expect: str) -> None:
    import corskit

    location = Path(corskit.__file__).resolve()
    check("site-packages" in location.parts, f"corskit imported from {location}, not from an installed copy")
    check(
        corskit.__version__ == importlib.metadata.version("corskit"),
        f"corskit.__version__ {corskit.__version__} differs from the installed metadata",
    )
    plugins = {entry.name: entry.value for entry in importlib.metadata.entry_points(group="pytest11")}
    check(plugins.get("corskit") == "corskit.pytest_plugin", f"pytest plugin entry point missing: {plugins}")
    check_requests()
    loaded_by_middleware = "corskit._speedups" in sys.modules
    try:
        importlib.import_module("corskit._speedups")
    except ImportError:
        built = False
    else:
        built = True
    if expect == "pure":
        check(not built, "corskit._speedups is importable, but this install should have no C extension")
        check(
            not any(p.suffix in {".so", ".pyd"} for p in location.parent.iterdir()),
            "a compiled file is in the package",
        )
    else:
        check(built, "corskit._speedups did not load")
        check(loaded_by_middleware, "the middleware served requests without loading the C extension")
        if sysconfig.get_config_var("Py_GIL_DISABLED"):
            # The module says it needs no GIL; importing it must not have switched the GIL back on.
            check(not sys._is_gil_enabled(), "importing corskit._speedups enabled the GIL")
            hammer_without_gil()
    print(f"check_install: corskit {corskit.__version__} ({expect}) on Python {sys.version.split()[0]}: ok")


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in {"speedups", "pure"}:
        sys.exit("usage: check_install.py speedups|pure")
    main(sys.argv[1])
