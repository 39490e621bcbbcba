"""Imports every domain's tables so the metadata (and migrations) see the whole schema."""

from __future__ import annotations

import importlib

from armsbridge.db.base import Base

# Each domain that owns tables is listed once here; its models module is imported if it exists.
MODEL_MODULES = (
    "armsbridge.records.models",
    "armsbridge.imports.models",
    "armsbridge.firearms.models",
    "armsbridge.matching.models",
    "armsbridge.auth.models",
    "armsbridge.audit.models",
    "armsbridge.exchange.models",
    "armsbridge.monitoring.models",
    "armsbridge.capacity.models",
    "armsbridge.indicators.models",
    "armsbridge.analysis.models",
)


def load_all_models() -> type[Base]:
    """Import every domain's models module that exists and return the declarative base."""
    for name in MODEL_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    return Base
