"""Apps whose CORS configuration is fine but whose middleware stack is not, one attribute per case."""

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware as FastAPICORS
from fastapi.responses import JSONResponse
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route

import corskit

ORIGINS = ["https://app.example.com"]


async def hello(request):
    return PlainTextResponse("hi")


# add_middleware puts the last one added outermost: TrustedHostMiddleware ends up outside CORS.
trusted_outside = FastAPI()
trusted_outside.add_middleware(corskit.CORSMiddleware, allow_origins=ORIGINS)
trusted_outside.add_middleware(TrustedHostMiddleware, allowed_hosts=["api.example.com"])

# The same order in a middleware list: the first entry is the outermost.
listed_outside = Starlette(
    routes=[Route("/", hello)],
    middleware=[
        Middleware(TrustedHostMiddleware, allowed_hosts=["api.example.com"]),
        Middleware(corskit.CORSMiddleware, allow_origins=ORIGINS),
    ],
)

# A function middleware that answers 401 itself, registered after (so outside) the CORS middleware.
key_check_outside = FastAPI()
key_check_outside.add_middleware(FastAPICORS, allow_origins=ORIGINS)


@key_check_outside.middleware("http")
async def require_key(request, call_next):
    if request.headers.get("x-key") != "secret":
        return JSONResponse({"detail": "missing key"}, status_code=401)
    return await call_next(request)


class Gatekeeper:
    """Pure ASGI middleware that answers 429 with raw ASGI messages."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope.get("client") is None:
            await send({"type": "http.response.start", "status": 429, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        await self.app(scope, receive, send)


class ServerTiming:
    """Pure ASGI middleware that only adds a header: never answers on its own."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        async def timed(message):
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"server-timing", b"app"))
            await send(message)

        await self.app(scope, receive, timed)


class TokenAuthMiddleware(ServerTiming):
    """Named like authentication: lint assumes it can answer 401 on its own."""


# Wrappers around a corskit-protected app: Gatekeeper and TokenAuthMiddleware sit outside CORS.
_protected = corskit.CORSMiddleware(Starlette(routes=[Route("/", hello)]), allow_origins=ORIGINS)
gatekeeper_outside = Gatekeeper(_protected)
auth_wrapper_outside = TokenAuthMiddleware(_protected)
timing_outside = ServerTiming(_protected)

# CORS twice in one app.
twice = FastAPI()
twice.add_middleware(FastAPICORS, allow_origins=ORIGINS)
twice.add_middleware(corskit.CORSMiddleware, allow_origins=ORIGINS)

# CORS in the parent app and again in a mounted sub-app.
_sub = FastAPI()
_sub.add_middleware(corskit.CORSMiddleware, allow_origins=ORIGINS)
parent_and_sub = FastAPI()
parent_and_sub.add_middleware(corskit.CORSMiddleware, allow_origins=ORIGINS)
parent_and_sub.mount("/api", _sub)

# The parent's TrustedHostMiddleware is outside the sub-app's CORS middleware.
_sub_only = Starlette(middleware=[Middleware(corskit.CORSMiddleware, allow_origins=ORIGINS)])
parent_guard = Starlette(
    routes=[Mount("/api", app=_sub_only)],
    middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=["api.example.com"])],
)

# A misspelt argument to another middleware: the server would fail when it builds the stack.
bad_gzip = FastAPI()
bad_gzip.add_middleware(GZipMiddleware, minimum_sise=500)
bad_gzip.add_middleware(corskit.CORSMiddleware, allow_origins=ORIGINS)


class LazyProxy:
    """Its inner app is a property that fails outside a running server: lint stops there, quietly."""

    @property
    def app(self):
        raise RuntimeError("no application context")

    async def __call__(self, scope, receive, send):
        raise RuntimeError("not started")


lazy = LazyProxy()
