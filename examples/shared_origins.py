"""Many workers, one list of allowed origins: FastAPI + corskit + Redis.

    uvicorn shared_origins:app --workers 4
    corskit origins add --redis redis://127.0.0.1:6379/0 https://customer.example.com
"""

import os

from fastapi import FastAPI

from corskit import CORSMiddleware
from corskit.stores import RedisOriginStore

app = FastAPI()
app.add_middleware(
    CORSMiddleware,
    allow_origins=["https://app.example.com"],  # your own front end: always allowed
    allow_origin_func=RedisOriginStore(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")),
    allow_credentials=True,
    allow_methods=["*"],
    allow_headers=["*"],
)


@app.get("/")
async def whoami() -> dict[str, int]:
    return {"worker": os.getpid()}
