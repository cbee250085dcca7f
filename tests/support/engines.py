"""Real Firefox ESR and real WebKitGTK for end-to-end CORS tests, driven without any WebDriver.

API::

    from support.engines import engine_session

    with engine_session("firefox") as firefox:             # or "webkit" (MiniBrowser under its own Xvfb)
        groups = firefox.fetch_sequences("http://app.localhost", [[(url, init), (None, {"sleep_ms": 6000})]])
        value = firefox.run("http://app.localhost", "async (arg) => ...", arg)   # any JS in the page
        future = firefox.submit(origin, script, arg)          # the same, without waiting (engines in parallel)
        firefox.version                                      # "Firefox ESR 153.8.0" / "WebKitGTK 2.50.6"
        page = EnginePage(firefox, firefox.origin("app.localhost"))   # OriginPage's methods: fetch_all...

How: the session serves a runner page (:class:`RunnerPages`) at every ``*.localhost`` host of one port
and starts the browser on it. The page asks its own server for the next job (a long poll), navigates to
the job's origin when it is elsewhere, evaluates the job's JavaScript function there and POSTs the
result back. One browser process serves a whole session, so its CORS-preflight cache lives as long as
the session, as a real user's does; each job's origin is the page's origin. ``origin`` arguments may be
given without a port: the session's page port is added.

Both engines map ``*.localhost`` names to the loopback address by themselves (as Chromium does), so
``http://app.localhost:P`` and ``http://api.localhost:Q`` are distinct origins on 127.0.0.1.

The browsers: ``$CORSKIT_FIREFOX`` or ``firefox-esr`` (Debian package) with ``-headless`` and a fresh
profile directory; ``$CORSKIT_MINIBROWSER`` or WebKitGTK's MiniBrowser (``libwebkit2gtk-4.1-0``) on an
``Xvfb`` display of its own (``-displayfd`` picks a free display). Each process is started in its own
process group and stopped by its pid at the end of the session.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import ExitStack, contextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

from support.chromium import FETCH_SCRIPT, FetchOutcome
from support.servers import ServerHandle, serve

ENGINES = ("firefox", "webkit")

_RUNNER_PAGE = b"""<!doctype html><meta charset=utf-8><title>corskit runner</title><script>
(async () => {
  for (;;) {
    let job;
    try {
      const response = await fetch("/__next?origin=" + encodeURIComponent(location.origin), {cache: "no-store"});
      job = await response.json();
    } catch (e) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      continue;
    }
    if (job.wait) continue;
    if (job.navigate) { location.href = job.navigate; return; }
    let outcome;
    try {
      const func = (0, eval)("(" + job.script + ")");
      outcome = {ok: true, value: await func(job.arg)};
    } catch (e) {
      outcome = {ok: false, error: String(e)};
    }
    await fetch("/__done?id=" + job.id, {method: "POST", body: JSON.stringify(outcome), cache: "no-store"});
  }
})();
</script>"""

_BLANK_PAGE = b"<!doctype html><meta charset=utf-8><title>corskit test page</title><body></body>"


class RunnerPages:
    """ASGI app: the runner page, its job queue (``/__next``) and results (``/__done``); blank pages elsewhere."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: list[dict[str, Any]] = []
        self._futures: dict[int, Future[Any]] = {}
        self._next_id = 0
        self._closing = False

    def close(self) -> None:
        """Answer every pending and future long poll at once, so the server can stop without waiting."""
        self._closing = True

    def submit(self, origin: str, script: str, arg: Any) -> Future[Any]:
        future: Future[Any] = Future()
        with self._lock:
            self._next_id += 1
            job = {"id": self._next_id, "origin": origin, "script": script, "arg": arg}
            self._futures[self._next_id] = future
            self._queue.append(job)
        return future

    def _take(self, origin: str) -> dict[str, Any] | None:
        with self._lock:
            if not self._queue:
                return None
            job = self._queue[0]
            if job["origin"] != origin:
                return {"navigate": job["origin"] + "/__runner"}
            self._queue.pop(0)
            return job

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        query = parse_qs(scope["query_string"].decode("latin-1"))
        content_type = b"text/html; charset=utf-8"
        if scope["path"] == "/__runner":
            payload = _RUNNER_PAGE
        elif scope["path"] == "/__warm":
            await self._warm_answer(scope, send)
            return
        elif scope["path"] == "/__next":
            deadline = time.monotonic() + 20
            job = self._take(query.get("origin", [""])[0])
            while job is None and time.monotonic() < deadline and not self._closing:
                await asyncio.sleep(0.02)
                job = self._take(query.get("origin", [""])[0])
            payload = json.dumps(job or {"wait": True}).encode()
            content_type = b"application/json"
        elif scope["path"] == "/__done":
            with self._lock:
                future = self._futures.pop(int(query["id"][0]))
            outcome = json.loads(body)
            if outcome["ok"]:
                future.set_result(outcome.get("value"))  # JSON has no undefined
            else:
                future.set_exception(RuntimeError(f"the page's script failed: {outcome['error']}"))
            payload = b""
        else:
            payload = _BLANK_PAGE
        headers = [(b"content-type", content_type), (b"cache-control", b"no-store")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": payload})


    @staticmethod
    async def _warm_answer(scope: Any, send: Any) -> None:
        """A CORS endpoint for the warm-up: PUT allowed for any origin, preflights cached for 60 s."""
        origin = next((v for k, v in scope["headers"] if k == b"origin"), b"")
        headers = [(b"access-control-allow-origin", origin), (b"cache-control", b"no-store")]
        if scope["method"] == "OPTIONS":
            headers += [(b"access-control-allow-methods", b"PUT"), (b"access-control-max-age", b"60")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b""})


_WARM_UP_SCRIPT = """
async (urls) => {
  for (const url of urls) {
    for (let i = 0; i < 3; i++) await fetch(url, {method: "PUT"});
  }
}
"""


def _which(variable: str, *candidates: str) -> str:
    for candidate in (os.environ.get(variable), *candidates):
        if candidate and (path := shutil.which(candidate) or (candidate if os.path.exists(candidate) else None)):
            return path
    raise RuntimeError(f"none of {candidates} found; install the Debian packages (see scripts/test)")


# Firefox preferences for a quiet, deterministic test profile: nothing at startup but the runner page.
_FIREFOX_PREFS = {
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "browser.aboutwelcome.enabled": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "toolkit.telemetry.reportingpolicy.firstRun": False,
    "app.update.auto": False,
    "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.phishing.enabled": False,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "extensions.update.enabled": False,
    "browser.region.update.enabled": False,
    "browser.tabs.remote.autostart": True,
}


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a process we started (and the children in its process group) by its pid."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _start_xvfb(stack: ExitStack) -> str:
    """An Xvfb of our own on a free display; returns ":N"."""
    read_fd, write_fd = os.pipe()
    command = [_which("CORSKIT_XVFB", "Xvfb"), "-displayfd", str(write_fd), "-screen", "0", "1024x768x24"]
    xvfb = subprocess.Popen(
        [*command, "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    stack.callback(_stop, xvfb)
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        display = pipe.readline().strip()
    if not display:
        raise RuntimeError("Xvfb did not report a display")
    return ":" + display


class EngineSession:
    """One running browser engine and the page server its runner page lives on."""

    def __init__(self, engine: str, pages: RunnerPages, server: ServerHandle, version: str) -> None:
        self.engine = engine
        self.pages = pages
        self.server = server
        self.version = version

    def origin(self, host: str) -> str:
        return self.server.origin(host)

    def _full(self, origin: str) -> str:
        split = urlsplit(origin)
        return origin if split.port else f"{origin}:{self.server.port}"

    def submit(self, origin: str, script: str, arg: Any = None) -> Future[Any]:
        return self.pages.submit(self._full(origin), script, arg)

    def run(self, origin: str, script: str, arg: Any = None, timeout: float = 180.0) -> Any:
        return self.submit(origin, script, arg).result(timeout=timeout)

    def submit_fetches(
        self, origin: str, groups: list[list[tuple[str | None, dict[str, Any]]]]
    ) -> Future[list[list[FetchOutcome]]]:
        """Like :meth:`fetch_sequences`, without waiting: ``.result()`` gives the outcomes."""
        raw = self.submit(origin, FETCH_SCRIPT, [[[url, init] for url, init in g] for g in groups])
        done: Future[list[list[FetchOutcome]]] = Future()

        def convert(finished: Future[Any]) -> None:
            try:
                done.set_result([[FetchOutcome(**item) for item in group] for group in finished.result()])
            except BaseException as exc:
                done.set_exception(exc)

        raw.add_done_callback(convert)
        return done

    def fetch_sequences(
        self, origin: str, groups: list[list[tuple[str | None, dict[str, Any]]]], timeout: float = 180.0
    ) -> list[list[FetchOutcome]]:
        """Groups run concurrently in a page of ``origin``; in a group, each fetch waits for the previous."""
        return self.submit_fetches(origin, groups).result(timeout=timeout)

    def fetch_all(self, origin: str, requests: list[tuple[str, dict[str, Any]]]) -> list[FetchOutcome]:
        return [group[0] for group in self.fetch_sequences(origin, [[r] for r in requests])]


def _firefox_version(binary: str) -> str:
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    # "Mozilla Firefox 153.8.0esr" -> "Firefox ESR 153.8.0"
    version = out.rsplit(" ", 1)[-1]
    return f"Firefox ESR {version.removesuffix('esr')}" if version.endswith("esr") else f"Firefox {version}"


def _webkit_version(binary: str, display: str) -> str:
    out = subprocess.run(
        [binary, "--version"], capture_output=True, text=True, timeout=30, env={**os.environ, "DISPLAY": display}
    ).stdout.strip()
    return out


@contextmanager
def engine_session(engine: str, startup_timeout: float = 90.0) -> Iterator[EngineSession]:
    """Start ``engine`` ("firefox" or "webkit") on a runner page; stop it (by pid) when the block ends."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}")
    pages = RunnerPages()
    with ExitStack() as stack:
        server = stack.enter_context(serve(pages))
        stack.callback(pages.close)
        home = stack.enter_context(tempfile.TemporaryDirectory(prefix=f"corskit-{engine}-"))
        start = server.url("/__runner", host="app.localhost")
        env = {**os.environ, "HOME": home, "XDG_CACHE_HOME": f"{home}/cache", "XDG_DATA_HOME": f"{home}/data",
               "XDG_CONFIG_HOME": f"{home}/config", "LANG": "C.UTF-8"}
        if engine == "firefox":
            binary = _which("CORSKIT_FIREFOX", "firefox-esr", "firefox")
            version = _firefox_version(binary)
            profile = os.path.join(home, "profile")
            os.makedirs(profile)
            with open(os.path.join(profile, "user.js"), "w") as prefs:
                for name, value in _FIREFOX_PREFS.items():
                    prefs.write(f"user_pref({json.dumps(name)}, {json.dumps(value)});\n")
            command = [binary, "-headless", "-no-remote", "-profile", profile, start]
        else:
            binary = _which("CORSKIT_MINIBROWSER", "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser",
                            "MiniBrowser")
            env["DISPLAY"] = _start_xvfb(stack)
            version = _webkit_version(binary, env["DISPLAY"])
            command = [binary, start]
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        stack.callback(_stop, process)
        session = EngineSession(engine, pages, server, version)
        # The first job proves the page is up (startup is the slow part: seconds, not minutes). Firefox can
        # miss its first preflight-cache hits in a fresh session: the warm-up spends them on its own URLs.
        warm_urls = [server.url(f"/__warm?{number}", host="warm.localhost") for number in range(8)]
        session.run(session.origin("app.localhost"), _WARM_UP_SCRIPT, warm_urls, timeout=startup_timeout)
        yield session


class EnginePage:
    """A page of ``origin`` in an engine session, with the methods of support.chromium.OriginPage."""

    def __init__(self, session: EngineSession, origin: str) -> None:
        self.session = session
        self.origin = origin

    def evaluate(self, script: str, arg: Any = None) -> Any:
        return self.session.run(self.origin, script, arg)

    def fetch(self, url: str, **init: Any) -> FetchOutcome:
        return self.fetch_all([(url, init)])[0]

    def fetch_all(self, requests: list[tuple[str, dict[str, Any]]]) -> list[FetchOutcome]:
        return self.session.fetch_all(self.origin, requests)

    def fetch_sequences(self, groups: list[list[tuple[str | None, dict[str, Any]]]]) -> list[list[FetchOutcome]]:
        return self.session.fetch_sequences(self.origin, groups)

    def close(self) -> None:
        """Nothing to close: the session's one window moves on to the next job's origin."""
