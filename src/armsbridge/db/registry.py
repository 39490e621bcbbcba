"""What the store is made of: every domain's tables, and the listeners that keep derived columns.

Both come from the domains' descriptors (armsbridge/domains.py). Importing a models module only
declares tables; the ORM events a domain needs are attached by `install_listeners()`, which
`db.session.make_sessionmaker` calls (and the test fixtures that build sessions themselves).
"""

from __future__ import annotations

from armsbridge.db.base import Base
from armsbridge.domains import DOMAINS, Domain, parts


def load_all_models(domains: tuple[Domain, ...] = DOMAINS) -> type[Base]:
    """Import every domain's models module and return the declarative base."""
    list(parts("models", domains))  # importing a models module declares its tables
    return Base


def install_listeners(domains: tuple[Domain, ...] = DOMAINS) -> None:
    """Attach every domain's SQLAlchemy event listeners (idempotent: each is attached once)."""
    for module in parts("listeners", domains):
        module.install_listeners()
