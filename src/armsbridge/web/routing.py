"""Walking the routes an app serves, routers included at any depth (start-up checks, the menu)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.routing import RouteContext, iter_route_contexts


def iter_routes(app: FastAPI) -> list[RouteContext]:
    """Return every route the app serves, routers included, with its effective dependencies."""
    return list(iter_route_contexts(app.routes))
