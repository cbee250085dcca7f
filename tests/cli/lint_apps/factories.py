"""App factories, for --factory."""

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

import corskit


def create_app():
    app = FastAPI()
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True)
    return app


def create_clean_app():
    app = FastAPI()
    app.add_middleware(corskit.CORSMiddleware, allow_origins=["https://app.example.com"])
    return app


def create_broken_app():
    raise RuntimeError("DATABASE_URL is not set")


def create_with(origins):
    """Takes an argument: not something lint (or uvicorn) can call."""
    app = FastAPI()
    app.add_middleware(corskit.CORSMiddleware, allow_origins=origins)
    return app
