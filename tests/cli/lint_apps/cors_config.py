"""Apps whose CORS configuration itself is wrong, one attribute per case."""

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware as FastAPICORS
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware as StarletteCORS
from starlette.responses import PlainTextResponse
from starlette.routing import Host, Mount, Route

import corskit


async def hello(request):
    return PlainTextResponse("hi")


# Starlette's middleware accepts this and reflects every origin with credentials.
starlette_wildcard = Starlette(
    routes=[Route("/", hello)],
    middleware=[Middleware(StarletteCORS, allow_origins=["*"], allow_credentials=True)],
)

# A plain string: Starlette matches origins against it by substring.
fastapi_string = FastAPI()
fastapi_string.add_middleware(FastAPICORS, allow_origins="https://app.example.com", allow_methods=["GET"])

# Two problems in one configuration, passed positionally as Starlette allows.
two_problems = Starlette(middleware=[Middleware(StarletteCORS, ["https://App.example.com"], ["GET", "TRACE"])])

# corskit's middleware added with add_middleware: importing works, the server fails when it builds the stack.
hidden = FastAPI()
hidden.add_middleware(corskit.CORSMiddleware, allow_origins=["*"], allow_credentials=True)

# A misspelt keyword: the stack cannot be built.
typo = FastAPI()
typo.add_middleware(corskit.CORSMiddleware, allow_origin=["https://app.example.com"])

# A bad configuration inside a mounted sub-app, on the Mount's own middleware list.
mounted_api = Starlette(routes=[Route("/", hello)])
mounted = Starlette(
    routes=[
        Route("/", hello),
        Mount("/v1", app=mounted_api, middleware=[Middleware(StarletteCORS, allow_origins=["https://a.example/"])]),
    ]
)

# A bad configuration in an app served under a Host route.
host_api = FastAPI()
host_api.add_middleware(FastAPICORS, allow_origins=["null"])
hosted = Starlette(routes=[Host("api.example.com", app=host_api)])

# Starlette's middleware wrapping the app directly (already built: read back from its attributes).
starlette_instance = StarletteCORS(
    Starlette(routes=[Route("/", hello)]), allow_origins=["https://a.example.com"], max_age=-1
)

# A corskit origin pattern given to Starlette's middleware, which compares origins literally.
starlette_pattern = FastAPI()
starlette_pattern.add_middleware(FastAPICORS, allow_origins=["https://app.example.com", "https://*.example.com"])


class ProductionCORS(StarletteCORS):
    """A subclass taking arguments of its own: lint reads back what it gave Starlette's middleware."""

    def __init__(self, app, environment):
        super().__init__(app, allow_origins=["*"], allow_credentials=environment == "production")


subclassed = Starlette(middleware=[Middleware(ProductionCORS, environment="production")])

# Regular-expression and type mistakes.
regex_and_types = FastAPI()
regex_and_types.add_middleware(
    FastAPICORS,
    allow_origin_regex=r"https://.*example\.com",
    allow_credentials="false",
    expose_headers=["Set-Cookie"],
)

# A misspelt keyword given to Starlette's middleware.
starlette_typo = FastAPI()
starlette_typo.add_middleware(FastAPICORS, allow_origin=["https://app.example.com"])

# One of corskit's own options given to Starlette's middleware, which does not have it.
starlette_corskit_option = FastAPI()
starlette_corskit_option.add_middleware(
    FastAPICORS, allow_origins=["https://app.example.com"], allow_origin_func=lambda origin: True
)
