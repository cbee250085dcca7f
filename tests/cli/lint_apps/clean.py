"""Apps with nothing to report."""

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware as FastAPICORS
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route

import corskit

ORIGINS = ["https://app.example.com", "https://*.example.org"]


async def hello(request):
    return PlainTextResponse("hi")


# corskit outermost, TrustedHostMiddleware inside it: its 400s get CORS headers.
fastapi_app = FastAPI()
fastapi_app.add_middleware(TrustedHostMiddleware, allowed_hosts=["api.example.com"])
fastapi_app.add_middleware(GZipMiddleware)
fastapi_app.add_middleware(corskit.CORSMiddleware, allow_origins=ORIGINS, allow_credentials=True)

# Starlette's own middleware with a configuration corskit accepts too.
starlette_app = Starlette(
    routes=[Route("/", hello), Mount("/static", app=Starlette(routes=[Route("/", hello)]))],
    middleware=[
        Middleware(FastAPICORS, allow_origins=["https://app.example.com"], allow_methods=["GET", "POST"]),
        Middleware(TrustedHostMiddleware, allowed_hosts=["api.example.com"]),
    ],
)

# corskit wrapping the app directly.
wrapped = corskit.CORSMiddleware(Starlette(routes=[Route("/", hello)]), allow_origins=ORIGINS)


class Holder:
    """Reached with a dotted attribute: clean:holder.app."""

    app = fastapi_app


holder = Holder()

# No CORS at all: nothing to check, nothing wrong.
no_cors = Starlette(routes=[Route("/", hello)], middleware=[Middleware(GZipMiddleware)])
