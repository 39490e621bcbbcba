"""The main navigation: one entry per area, shown only when its route exists and the role allows.

Other domains add an entry by appending to NAV (path, label, action); labels are marked with N_
so Babel extracts them, and are translated when the layout renders them.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    """Mark a message for extraction without translating it now."""
    return message


# (path, label, action the role needs). Order is the order shown.
NAV: list[tuple[str, str, str]] = [
    ("/", N_("Dashboard"), "dashboard.view"),
    ("/search", N_("Search"), "search"),
    ("/records/cases", N_("Cases"), "record.read"),
    ("/records/persons", N_("Persons"), "record.read"),
    ("/records/firearms", N_("Firearms"), "record.read"),
    ("/records/vehicles", N_("Vehicles"), "record.read"),
    ("/imports", N_("Import"), "import.run"),
    ("/matching", N_("Matching"), "record.read"),
    ("/exchange", N_("Exchange"), "record.read"),
    ("/analysis", N_("Analysis"), "record.read"),
    ("/indicators", N_("Indicators"), "aggregate.read"),
    ("/audit", N_("Audit log"), "audit.read"),
    ("/admin/users", N_("Users"), "user.manage"),
]


def page_paths(app: Any) -> set[str]:
    """Return the paths of every page the app serves by GET, routers included at any depth."""
    from armsbridge.app import iter_routes

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


def nav_items(request: Request, user: Any) -> list[dict[str, Any]]:
    """Return the entries this user may open: path, label, whether it is the current page."""
    if user is None:
        return []
    from armsbridge.auth.permissions import role_allows

    paths = page_paths(request.app)
    here = request.url.path
    items = []
    for path, label, action in NAV:
        routed = path in paths or (path.startswith("/records/") and "/records/{slug}" in paths)
        if not routed or not role_allows(user.role, action):
            continue
        current = here == path if path == "/" else here.startswith(path)
        items.append({"path": path, "label": label, "current": current})
    return items
