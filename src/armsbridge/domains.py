"""The domains of a node, listed once: what each adds to the web app, the CLI, the store, the menu.

Each `Domain` names its modules by dotted path; the web app, the CLI and the store import them
when they start (`import_module`), so this file imports no domain and any module may read it.
Only what exists is listed: a module named here that fails to import stops start-up with a
message naming the domain, never a silent skip. Add a domain by adding one `Domain` below.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType

from armsbridge.i18n_marker import N_


class DomainImportError(RuntimeError):
    """A module a domain names could not be imported: the node refuses to start."""


@dataclass(frozen=True)
class MenuEntry:
    """One entry of the main navigation: a GET page, its label and the action the role needs."""

    path: str
    label: str
    action: str
    order: int  # position in the menu, across domains (smaller first)


@dataclass(frozen=True)
class Domain:
    """What one domain contributes; every module named is imported at start-up."""

    name: str
    routers: tuple[str, ...] = ()  # modules with a `router` (APIRouter), included in this order
    commands: str | None = None  # module with `register(app: typer.Typer)`
    models: str | None = None  # module whose tables join the metadata
    listeners: str | None = None  # module with `install_listeners()` (SQLAlchemy events)
    menu: tuple[MenuEntry, ...] = ()

    def modules(self) -> list[str]:
        """Return the dotted names of every module this domain names."""
        named = [*self.routers, self.commands, self.models, self.listeners]
        return [name for name in named if name]


def _m(domain: str, part: str) -> str:
    return f"armsbridge.{domain}.{part}"


# In CLI help order; web routers are included in this order too.
DOMAINS: tuple[Domain, ...] = (
    Domain("db", commands=_m("db", "commands")),
    Domain(
        "records",
        routers=(
            _m("records", "api"),
            _m("records", "pages"),
            _m("records", "list_pages"),
            _m("records", "link_pages"),
            _m("records", "status_pages"),
        ),
        commands=_m("records", "commands"),
        models=_m("records", "models"),
        menu=(
            MenuEntry("/search", N_("Search"), "search", 20),
            MenuEntry("/records/cases", N_("Cases"), "record.read", 30),
            MenuEntry("/records/persons", N_("Persons"), "record.read", 40),
            MenuEntry("/records/firearms", N_("Firearms"), "record.read", 50),
            MenuEntry("/records/vehicles", N_("Vehicles"), "record.read", 60),
        ),
    ),
    Domain(
        "imports",
        routers=(_m("imports", "pages"),),
        commands=_m("imports", "commands"),
        menu=(MenuEntry("/imports", N_("Import"), "import.run", 70),),
    ),
    Domain("synth", commands=_m("synth", "commands")),
    Domain(
        "firearms",
        routers=(_m("firearms", "api"), _m("firearms", "pages")),
        commands=_m("firearms", "commands"),
        models=_m("firearms", "models"),
        listeners=_m("firearms", "listeners"),
        menu=(MenuEntry("/firearms/identify", N_("Identify a weapon"), "record.read", 55),),
    ),
    Domain(
        "matching",
        routers=(_m("matching", "pages"), _m("matching", "review_pages")),
        commands=_m("matching", "commands"),
        models=_m("matching", "models"),
        menu=(MenuEntry("/matches", N_("Matches"), "record.update", 65),),
    ),
    Domain(
        "auth",
        routers=(_m("auth", "pages"),),  # includes auth.admin_pages
        commands=_m("auth", "commands"),
        models=_m("auth", "models"),
        menu=(MenuEntry("/admin/users", N_("Users"), "user.manage", 110),),
    ),
    Domain(
        "audit",
        routers=(_m("audit", "api"), _m("audit", "pages")),
        commands=_m("audit", "commands"),
        models=_m("audit", "models"),
        listeners=_m("audit", "listeners"),
        menu=(MenuEntry("/audit", N_("Audit log"), "audit.read", 100),),
    ),
    Domain(
        "web",
        routers=(_m("web", "pages"),),
        commands=_m("web", "commands"),
        menu=(MenuEntry("/", N_("Dashboard"), "dashboard.view", 10),),
    ),
    Domain(
        "capacity",
        routers=(_m("capacity", "api"), _m("capacity", "pages")),
        commands=_m("capacity", "commands"),
        models=_m("capacity", "models"),
        menu=(MenuEntry("/capacity", N_("Capacity"), "aggregate.read", 95),),
    ),
    Domain(
        "exchange",
        routers=(
            _m("exchange", "api"),
            _m("exchange", "pages"),
            _m("exchange", "hit_pages"),
            _m("exchange", "operation_pages"),
            _m("exchange", "patrol_pages"),
            _m("exchange", "request_pages"),
        ),
        commands=_m("exchange", "commands"),
        models=_m("exchange", "models"),
        listeners=_m("exchange", "listeners"),
        menu=(
            MenuEntry("/exchange", N_("Exchange"), "exchange.status", 105),
            MenuEntry("/exchange/hit", N_("Ask the other service"), "exchange.hit", 106),
            MenuEntry("/exchange/requests", N_("Requests"), "exchange.request", 107),
            MenuEntry("/operations", N_("Joint operations"), "operation.read", 85),
            MenuEntry("/patrols", N_("Joint patrols"), "patrol.work", 86),
        ),
    ),
    Domain(
        "border",
        routers=(_m("border", "pages"), _m("border", "passage_pages")),
        commands=_m("border", "commands"),
        models=_m("border", "models"),
        menu=(MenuEntry("/check", N_("Border check"), "search", 15),),
    ),
    Domain("notifications", routers=(_m("notifications", "pages"),)),
    Domain(
        "monitoring",
        # The queue's routes first: "/captures/queue" is not a capture id.
        routers=(_m("monitoring", "queue_pages"), _m("monitoring", "pages")),
        commands=_m("monitoring", "commands"),
        models=_m("monitoring", "models"),
        menu=(
            MenuEntry("/captures", N_("Online evidence"), "capture.read", 80),
            MenuEntry("/captures/queue", N_("Review queue"), "capture.review", 81),
        ),
    ),
    Domain(
        "indicators",
        routers=(_m("indicators", "api"), _m("indicators", "pages")),
        commands=_m("indicators", "commands"),
        menu=(MenuEntry("/indicators", N_("Indicators"), "aggregate.read", 90),),
    ),
    Domain(
        "analysis",
        routers=(
            _m("analysis", "pages"),
            _m("analysis", "map_pages"),
            _m("analysis", "profile_pages"),
        ),
        models=_m("analysis", "models"),
        menu=(
            MenuEntry("/analysis/chart", N_("Link chart"), "record.read", 58),
            MenuEntry("/analysis/map", N_("Map"), "record.read", 75),
            MenuEntry("/profiles", N_("Profiles"), "product.read", 77),
        ),
    ),
)


def import_part(domain: Domain, name: str) -> ModuleType:
    """Import one module a domain names; DomainImportError (naming the domain) if it fails."""
    try:
        return importlib.import_module(name)
    except Exception as exc:  # noqa: BLE001 - any failure stops start-up, with its cause
        raise DomainImportError(
            f"domain {domain.name!r}: cannot import {name} ({type(exc).__name__}: {exc}); "
            "fix the module or remove it from armsbridge/domains.py"
        ) from exc


def parts(attribute: str, domains: tuple[Domain, ...] = DOMAINS) -> Iterator[ModuleType]:
    """Yield, imported, the modules the domains name in `attribute` (routers, commands, ...)."""
    for domain in domains:
        value = getattr(domain, attribute)
        for name in value if isinstance(value, tuple) else (value,):
            if name:
                yield import_part(domain, name)


def menu_entries(domains: tuple[Domain, ...] = DOMAINS) -> tuple[MenuEntry, ...]:
    """Return every domain's menu entries in menu order."""
    return tuple(sorted((e for d in domains for e in d.menu), key=lambda e: (e.order, e.path)))
