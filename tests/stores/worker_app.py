"""The app the many-workers test serves with ``uvicorn --workers 4``: each response names its worker."""

from __future__ import annotations

import os

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from corskit import CORSMiddleware
from corskit.stores import RedisOriginStore


async def whoami(request: Request) -> PlainTextResponse:
    return PlainTextResponse(str(os.getpid()))


# Made at import, so once in each worker process.
store = RedisOriginStore(os.environ["CORSKIT_TEST_REDIS_URL"], key="cors:origins", retry_interval=0.1)

app = Starlette(
    routes=[Route("/", whoami)],
    middleware=[Middleware(CORSMiddleware, allow_origin_func=store, allow_credentials=True)],
)
