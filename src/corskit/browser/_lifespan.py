"""The ASGI lifespan of an app tested in-process: startup before its first request, shutdown at close.

Servers run it (uvicorn's default ``--lifespan auto``), so an app whose ``lifespan`` opens a database
pool or fills ``request.state`` only works once it has run. As in uvicorn's ``auto`` mode, an app that
fails before even reading the startup event does not speak the protocol, and is served without it; an
app that reads the event and then fails, or answers ``lifespan.startup.failed``, cannot be tested: the
error is raised, as Starlette's TestClient does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

__all__ = ["LifespanFailed", "LifespanRunner"]

Message = MutableMapping[str, Any]
ASGIApp = Callable[..., Awaitable[None]]


class LifespanFailed(RuntimeError):
    """The app answered its lifespan startup or shutdown with ``...failed``."""


class LifespanRunner:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        #: The lifespan state: each request's ``scope["state"]`` is a shallow copy of it (ASGI spec).
        self.state: dict[str, Any] = {}
        self._to_app: asyncio.Queue[Message] | None = None
        self._from_app: asyncio.Queue[Message | None] | None = None
        self._task: asyncio.Task[None] | None = None
        self._started: asyncio.Task[None] | None = None
        self._read_startup = False

    @property
    def running(self) -> bool:
        """Whether the app's lifespan is between a successful startup and its shutdown."""
        return self._task is not None

    async def ensure_started(self) -> None:
        """Run the startup once; concurrent first requests all wait for it."""
        if self._started is None:
            self._started = asyncio.ensure_future(self._startup())
        await asyncio.shield(self._started)

    async def _startup(self) -> None:
        self._to_app, self._from_app = asyncio.Queue(), asyncio.Queue()
        self._task = asyncio.ensure_future(self._run())
        await self._to_app.put({"type": "lifespan.startup"})
        message = await self._from_app.get()
        if message is None:  # the app ended without answering
            error = self._task.exception()
            self._task = None
            if error is not None and self._read_startup:
                raise error
            return  # no lifespan support: served without it, as uvicorn does
        if message["type"] == "lifespan.startup.failed":
            await self._from_app.get()  # the app's end; its own exception says most
            error = self._task.exception()
            self._task = None
            raise error or LifespanFailed(f"the app's lifespan startup failed: {message.get('message', '')}")

    async def _run(self) -> None:
        assert self._to_app is not None and self._from_app is not None
        to_app, from_app = self._to_app, self._from_app

        async def receive() -> Message:
            self._read_startup = True
            return await to_app.get()

        async def send(message: Message) -> None:
            await from_app.put(message)

        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": self.state}
        try:
            await self.app(scope, receive, send)
        finally:
            await from_app.put(None)

    async def shutdown(self) -> None:
        """Run the shutdown if the startup ran (and succeeded); raise what the app raised."""
        task, self._task = self._task, None
        if task is None or self._to_app is None or self._from_app is None:
            return
        await self._to_app.put({"type": "lifespan.shutdown"})
        message = await self._from_app.get()
        if message is not None:
            await self._from_app.get()
        await asyncio.wait({task})
        error = task.exception()
        if error is not None:
            raise error
        if message is not None and message["type"] == "lifespan.shutdown.failed":
            raise LifespanFailed(f"the app's lifespan shutdown failed: {message.get('message', '')}")
