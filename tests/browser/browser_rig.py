"""Test rig for corskit.browser: a scripted in-process API server and browsers on a page origin."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from support.cors_server import Answer, ScriptedServer

from corskit.browser import Browser

PAGE = "https://app.example"
API = "https://api.example"


class FakeClock:
    """Seconds that only move when a test says so (for the CORS-preflight cache)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Rig:
    """A scripted API server at https://api.example, and factories for browsers on https://app.example."""

    server: ScriptedServer = field(default_factory=ScriptedServer)
    clock: FakeClock = field(default_factory=FakeClock)
    browsers: list[Browser] = field(default_factory=list)
    counter: int = 0

    def browser(self, profile: str = "chromium", origin: str = PAGE) -> Browser:
        browser = Browser(origin=origin, app=self.server, profile=profile, clock=self.clock)
        self.browsers.append(browser)
        return browser

    def endpoint(
        self,
        actual: list[tuple[str, str]] | Answer | None = None,
        preflight: list[tuple[str, str]] | Answer | None = None,
        *,
        case_id: str | None = None,
    ) -> str:
        """Script a fresh path; header lists mean status 200 (actual) / 204 (preflight). Returns its URL."""
        self.counter += 1
        case_id = case_id or f"case{self.counter}"
        if not isinstance(actual, Answer):
            actual = Answer(200, list(actual or []), body="hello")
        if not isinstance(preflight, Answer):
            preflight = Answer(204, list(preflight or []))
        self.server.script(case_id, preflight=preflight, actual=actual)
        return f"{API}/c/{case_id}"

    def preflights(self, url: str) -> int:
        return len(self.server.preflights(url.rsplit("/", 1)[1]))


def allow(origin: str = PAGE, **extra: Any) -> list[tuple[str, str]]:
    """Access-Control-Allow-Origin for ``origin`` plus ``Access-Control-<Name>`` headers from kwargs."""
    headers = [("Access-Control-Allow-Origin", origin)]
    for key, value in extra.items():
        name = "Access-Control-" + "-".join(part.capitalize() for part in key.split("_"))
        headers.append((name, value))
    return headers
