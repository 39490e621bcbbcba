"""The record-type registry: what each record type is, read once from vocab/records.yaml.

In the style of FollowTheMoney's schema files, a record type is described once, as data: its
name, URL slug, labels, whether it holds personal data, the columns the writer derives, its
table, its FollowTheMoney schema and the properties matching compares. Pages, the API, access
rules, the writer, exports and matching all read it from here.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

import yaml

from armsbridge.errors import UserError
from armsbridge.i18n_marker import N_
from armsbridge.vocab.service import load_record_schema


@dataclass(frozen=True)
class RecordType:
    """One record type of records.yaml (fields include the common ones)."""

    name: str
    label: str
    plural: str
    slug: str
    model_path: str
    personal: bool = False
    restricted: bool = True  # rows pass restrict() (handling codes, cases); capacity: jurisdiction
    derived: tuple[str, ...] = ()
    ftm: str | None = None
    matchable: tuple[str, ...] = ()
    fields: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False, hash=False)

    @property
    def model(self) -> type[Any]:
        """Return the table class of this record type."""
        return _import_model(self.model_path)


@cache
def _import_model(path: str) -> type[Any]:
    module_name, _, class_name = path.partition(":")
    return getattr(importlib.import_module(module_name), class_name)


@lru_cache(maxsize=1)
def record_types() -> dict[str, RecordType]:
    """Return every record type, in schema order."""
    schema = load_record_schema()
    out = {}
    for name, spec in schema["record_types"].items():
        out[name] = RecordType(
            name=name,
            label=spec["label"],
            plural=spec.get("plural", spec["label"]),
            slug=spec.get("slug", name.replace("_", "-")),
            model_path=spec["model"],
            personal=bool(spec.get("personal", False)),
            restricted=bool(spec.get("restricted", True)),
            derived=tuple(spec.get("derived") or ()),
            ftm=spec.get("ftm"),
            matchable=tuple(spec.get("matchable") or ()),
            fields={**schema["common"], **spec["fields"]},
        )
    return out


def record_type(name: str) -> RecordType:
    """Return the record type `name`; a UserError naming the known ones otherwise."""
    types = record_types()
    if name not in types:
        raise UserError(
            N_("unknown record type %(name)r; known: %(value)s"),
            values={"name": name, "value": ", ".join(types)},
        )
    return types[name]


@lru_cache(maxsize=1)
def _slugs() -> dict[str, RecordType]:
    return {t.slug: t for t in record_types().values()}


def by_slug(slug: str) -> RecordType | None:
    """Return the record type a URL slug names (/records/<slug>, /api/<slug>), or None."""
    return _slugs().get(slug)


def restricted_types() -> Iterator[RecordType]:
    """Yield the record types whose rows pass restrict() (cases, persons, firearms, links...)."""
    return (t for t in record_types().values() if t.restricted)


def personal_record_types() -> frozenset[str]:
    """Return the record types of personal data (reading them needs a justification)."""
    return frozenset(t.name for t in record_types().values() if t.personal)


def extract_labels(fileobj: Any, keywords: Any, comment_tags: Any, options: Any) -> Iterator:
    """Babel extractor: the labels and plurals of records.yaml, for the UI catalogues."""
    for number, raw in enumerate(fileobj.read().decode("utf-8").splitlines(), start=1):
        key, _, value = raw.strip().partition(":")
        if key in ("label", "plural") and value.strip():
            yield number, "N_", value.split("#")[0].strip().strip('"'), []


def extract_vocab_labels(fileobj: Any, keywords: Any, comment_tags: Any, options: Any) -> Iterator:
    """Babel extractor: enumeration labels of enums.yaml and role labels of roles.yaml."""
    data = yaml.safe_load(fileobj.read().decode("utf-8")) or {}
    for name, spec in data.items():
        if not isinstance(spec, dict):
            continue
        if name == "roles":
            for role in spec.values():
                yield 0, "N_", str(role["label"]), []
        elif isinstance(spec.get("values"), dict):
            for label in spec["values"].values():
                yield 0, "N_", str(label), []
