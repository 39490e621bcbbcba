"""Link mappings: which column of each file `armsbridge link` reads for which role.

The same mapping language as an import profile (value sources, file format); the `--field`
options are translated into this model, so a mapping file and the options are checked alike.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import AfterValidator, Field, field_validator

from armsbridge.i18n_marker import N_
from armsbridge.imports.mapping import (
    FileFormat,
    MappingError,
    Source,
    Strict,
    problem,
    validate_mapping,
)

ROLES = (
    "given_name",
    "family_name",
    "father_name",
    "full_name",
    "birth_date",
    "birth_year",
    "sex",
    "birth_place",
    "address",
    "city",
    "postcode",
    "region",
    "phone",
    "id_number",
    "case",
)
FIELD_SYNTAX = "ROLE=COL[+COL...][:FORMAT]"


def _known_roles(fields: dict[str, Source]) -> dict[str, Source]:
    for role, source in fields.items():
        if role not in ROLES:
            raise problem(f"unknown role {role!r}; roles are {', '.join(ROLES)}", role)
        if source.format is not None and role != "birth_date":
            raise problem(f"only birth_date takes a date format, not {role}", role, "format")
    return fields


Roles = Annotated[dict[str, Source], AfterValidator(_known_roles)]


class LinkSide(Strict):
    """How to read one of the two files: its id column, its format and its own roles."""

    id: str | None = None
    format: FileFormat = Field(default_factory=FileFormat)
    fields: Roles = Field(default_factory=dict)

    @field_validator("format", "fields", mode="before")
    @classmethod
    def _none_is_empty(cls, raw: Any) -> Any:
        return {} if raw is None else raw


class LinkMapping(Strict):
    """The roles of both files (`fields`), and what differs per file (`left`, `right`)."""

    fields: Roles = Field(default_factory=dict)
    left: LinkSide = Field(default_factory=LinkSide)
    right: LinkSide = Field(default_factory=LinkSide)

    @field_validator("fields", "left", "right", mode="before")
    @classmethod
    def _none_is_empty(cls, raw: Any) -> Any:
        return {} if raw is None else raw

    def roles(self, side: str) -> dict[str, Source]:
        """Return the roles of one file ("left" or "right"): the shared ones, then its own."""
        own: LinkSide = getattr(self, side)
        return {**self.fields, **own.fields}


def field_option(option: str, spec: str) -> tuple[str, dict[str, Any]]:
    """Return (role, source) of one `--field ROLE=COL[+COL...][:FORMAT]`, as a mapping source."""
    if "=" not in spec:
        raise MappingError(
            N_("%(option)s %(spec)r: expected %(field_syntax)s"),
            values={"option": option, "spec": spec, "field_syntax": FIELD_SYNTAX},
        )
    role, rest = spec.split("=", 1)
    fmt = None
    if ":" in rest:
        rest, fmt = rest.split(":", 1)
    columns = [c.strip() for c in rest.split("+")]
    source: dict[str, Any] = {"column": columns[0]} if len(columns) == 1 else {"columns": columns}
    if fmt:
        source["format"] = fmt
    return role.strip(), source


def link_mapping(
    path: Path | None = None,
    *,
    fields: list[str] | None = None,
    fields_left: list[str] | None = None,
    fields_right: list[str] | None = None,
    id_left: str | None = None,
    id_right: str | None = None,
) -> LinkMapping:
    """Return the link mapping of a mapping file and/or the options, which win role by role.

    An error names the mapping file, or the option that set the bad key.
    """
    data: dict[str, Any] = _read(path) if path is not None else {}
    labels: dict[tuple[Any, ...], str] = {}
    options = (
        ("--field", fields, ()),
        ("--field-left", fields_left, ("left",)),
        ("--field-right", fields_right, ("right",)),
    )
    for option, specs, at in options:
        for spec in specs or []:
            role, source = field_option(option, spec)
            node = _node(data, (*at, "fields"))
            if node is not None:  # else the file's own value there is reported as it is
                node[role] = source
                labels[(*at, "fields", role)] = f"{option} {spec!r}"
    for side, column, option in (("left", id_left, "--id-left"), ("right", id_right, "--id-right")):
        node = _node(data, (side,)) if column is not None else None
        if node is not None:
            node["id"] = column
            labels[(side, "id")] = f"{option} {column!r}"
    label = f"link mapping {path}" if path is not None else "link options"
    return validate_mapping(LinkMapping, data, label=label, labels=labels)


def _node(data: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any] | None:
    """Return the mapping under `keys` (made when absent); None when a value there is not one."""
    node = data
    for key in keys:
        if node.get(key) is None:
            node[key] = {}
        node = node[key]
        if not isinstance(node, dict):
            return None
    return node


def _read(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise MappingError(N_("link mapping %(path)s: no such file"), values={"path": path})
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise MappingError(
            N_("link mapping %(path)s: not valid YAML: %(exc)s"), values={"path": path, "exc": exc}
        ) from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise MappingError(
            N_("link mapping %(path)s: %(data)r is not a mapping of fields, left, right"),
            values={"path": path, "data": data},
        )
    return data
