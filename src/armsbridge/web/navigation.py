"""The main navigation: one entry per area, shown only when its route exists and the role allows.

The entries are the menu entries of the domains (armsbridge/domains.py); their labels are marked
with N_ so Babel extracts them, and are translated when the layout renders them.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from armsbridge.auth.permissions import role_allows
from armsbridge.domains import MenuEntry, menu_entries
from armsbridge.web.routing import iter_routes

# Every domain's entries, in menu order.
NAV: tuple[MenuEntry, ...] = menu_entries()


def page_paths(app: Any) -> set[str]:
    """Return the paths of every page the app serves by GET, routers included at any depth."""
    # iter_routes walks included routers (app.routes may hold router objects without `.path`).
    # The set is kept per count of top-level routes, so routes added later are seen too.
    key = len(app.router.routes)
    cached = getattr(app.state, "nav_paths", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    paths = {
        path
        for route in iter_routes(app)
        if (path := getattr(route, "path", None))
        and "GET" in (getattr(route, "methods", None) or ())
    }
    app.state.nav_paths = (key, paths)
    return paths


def entry_is_routed(entry: MenuEntry, paths: set[str]) -> bool:
    """True when a GET route serves the entry's path (record lists through /records/{slug})."""
    return entry.path in paths or (
        entry.path.startswith("/records/") and "/records/{slug}" in paths
    )


def nav_items(request: Request, user: Any) -> list[dict[str, Any]]:
    """Return the entries this user may open: path, label, whether it is the current page."""
    if user is None:
        return []
    paths = page_paths(request.app)
    here = request.url.path
    items = []
    for entry in NAV:
        if not entry_is_routed(entry, paths) or not role_allows(user.role, entry.action):
            continue
        current = here == entry.path if entry.path == "/" else here.startswith(entry.path)
        items.append({"path": entry.path, "label": entry.label, "current": current})
    # One entry is current: the longest that matches (/captures/queue, not also /captures).
    longest = max((len(i["path"]) for i in items if i["current"]), default=0)
    for item in items:
        item["current"] = item["current"] and len(item["path"]) == longest
    return items
