"""Import mapping profiles: the YAML file format as Pydantic models, loaded and checked."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import yaml
from pydantic import (
    Field,
    PrivateAttr,
    StrictBool,
    ValidationError,
    field_validator,
    model_validator,
)
from sqlalchemy import inspect as sa_inspect

from armsbridge.i18n_marker import N_
from armsbridge.imports.mapping import (
    FieldSource,
    FileFormat,
    MappingError,
    OneOrMoreColumns,
    Source,
    Strict,
    mapping_error,
    problem,
    template_columns,
)
from armsbridge.records.children import child_types
from armsbridge.records.validation import DERIVED_FIELDS, model_for, record_type_names, type_fields
from armsbridge.vocab.service import enum_values

PROFILES_DIR = Path(__file__).parent / "profiles"
LINK_ATTRIBUTES = ("role", "valid_from", "valid_to", "confidence")
DATE_TYPES = ("date", "partial_date")
_KEY = 'a template with at least one column, "{COL}"'


class ProfileError(MappingError):
    """A mapping profile that cannot be used; the message names the profile and the key."""


def _key_template(value: str) -> str:
    if not template_columns(value):
        raise problem(f"{value!r} is not {_KEY}")
    return value


def _date_format_rule(source: Source, spec: dict[str, Any], name: str, *at: str | int) -> None:
    kind = spec.get("type", "text")
    if source.format is not None and kind not in DATE_TYPES:
        raise problem(f"a date format is only for a date field; {name} is {kind}", *at, "format")


class ChildSpec(Strict):
    """Rows of a child table a record owns (e.g. a person's identity documents)."""

    type: str = Field(description="a child type of vocab/records.yaml, e.g. identity_document")
    when: OneOrMoreColumns = ()
    fields: dict[str, Source] = Field(description="a mapping of field to column")


class RecordSpec(Strict):
    """One record a row feeds: its type, key template, condition and field sources.

    After validation `fields` holds the value fields; references to other records of the row
    (`{record: alias}`) are in `foreign`, and `alias` is the record's name in the profile.
    """

    type: str = Field(description="a record type of vocab/records.yaml")
    key: str = Field(description=_KEY)
    when: OneOrMoreColumns = ()
    fields: dict[str, FieldSource] = Field(default_factory=dict)
    existing: StrictBool = False  # only update a stored record, never create one
    status_date: Source | None = None  # cases: the date of the mapped status (a history step)
    children: list[ChildSpec] = Field(default_factory=list)
    # Set after validation, never from the file (see _no_internal_keys). Plain fields, because
    # the importer reads them for every row and a private attribute costs a __getattr__ call
    # each time (1.2 s of a 100,000-row import).
    hidden_keys: ClassVar[tuple[str, ...]] = ("alias", "foreign")
    alias: str = Field(default="", exclude=True)  # the record's name under `records`
    foreign: dict[str, str] = Field(default_factory=dict, exclude=True)  # field -> alias

    @model_validator(mode="before")
    @classmethod
    def _no_internal_keys(cls, raw: Any) -> Any:
        if isinstance(raw, dict):
            for key in ("alias", "foreign"):
                if key in raw:
                    raise problem("unknown key", key)
        return raw

    @field_validator("fields", "children", mode="before")
    @classmethod
    def _none_is_empty(cls, raw: Any, info: Any) -> Any:
        return ([] if info.field_name == "children" else {}) if raw is None else raw

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        names = record_type_names()
        if value not in names:
            raise problem(f"{value!r} is not a record type ({', '.join(names)})")
        return value

    @field_validator("key")
    @classmethod
    def _template(cls, value: str) -> str:
        return _key_template(value)

    @model_validator(mode="after")
    def _fields_of_the_type(self) -> RecordSpec:
        """Cross-field rules: the fields, status_date and children must fit the record type."""
        rtype, schema = self.type, type_fields(self.type)
        columns = {c.key: c for c in sa_inspect(model_for(rtype)).columns}
        values: dict[str, Source] = {}
        for fname, source in self.fields.items():
            if source.record is not None:
                col = columns.get(fname)
                if col is None or not col.foreign_keys:
                    raise problem(f"{fname} is not a reference column of {rtype}", "fields", fname)
                self.foreign[fname] = source.record
                continue
            if fname in DERIVED_FIELDS.get(rtype, ()):
                raise problem(
                    f"{fname} is computed on write; map the raw field instead", "fields", fname
                )
            if fname == "jurisdiction" or fname not in schema:
                known = ", ".join(f for f in schema if f != "jurisdiction")
                raise problem(
                    f"{fname!r} is not a field of {rtype} (fields: {known})", "fields", fname
                )
            _date_format_rule(source, schema[fname], f"{rtype}.{fname}", "fields", fname)
            values[fname] = source
        self.fields = values  # type: ignore[assignment]  # the references are in foreign
        if self.status_date is not None and (rtype != "case" or "status" not in values):
            raise problem(
                f"only for a case record that maps its status (this is a {rtype} record"
                f"{' that maps no status' if rtype == 'case' else ''})",
                "status_date",
            )
        for index, child in enumerate(self.children):
            self._check_child(index, child)
        return self

    def _check_child(self, index: int, child: ChildSpec) -> None:
        at = ("children", index)
        spec = child_types().get(child.type)
        if spec is None or spec.parent != self.type:
            owned = [n for n, c in child_types().items() if c.parent == self.type]
            raise problem(
                f"{child.type!r} is not a child type of {self.type} ({', '.join(owned)})",
                *at,
                "type",
            )
        for fname, source in child.fields.items():
            if fname not in spec.fields:
                known = ", ".join(spec.fields)
                raise problem(
                    f"{fname!r} is not a field of {child.type} (fields: {known})",
                    *at,
                    "fields",
                    fname,
                )
            _date_format_rule(
                source, spec.fields[fname], f"{child.type}.{fname}", *at, "fields", fname
            )
        needed = [f for f, s in spec.fields.items() if s.get("required") and f not in child.fields]
        if needed:
            raise problem(f"{child.type} needs {', '.join(needed)}", *at, "fields")


class Target(Strict):
    """One end of a link: a record of the row (alias), or a stored record found by its key."""

    alias: str | None = None
    type: str | None = None
    key: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _alias_or_key(cls, raw: Any) -> Any:
        if isinstance(raw, str):
            return {"alias": raw}
        if isinstance(raw, dict) and set(raw) == {"type", "key"}:
            return raw
        raise problem(f"{raw!r} is not a record alias or {{type: TYPE, key: TEMPLATE}}")

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str | None) -> str | None:
        if value is not None and value not in record_type_names():
            raise problem(f"{value!r} is not a record type ({', '.join(record_type_names())})")
        return value

    @field_validator("key")
    @classmethod
    def _template(cls, value: str | None) -> str | None:
        return None if value is None else _key_template(value)


class LinkSpec(Strict):
    """A link a row feeds, between two targets, with its attributes."""

    kind: str = Field(description="a link kind of vocab (link_kinds)")
    source: Target = Field(alias="from", description="a record alias or {type, key}")
    target: Target = Field(alias="to", description="a record alias or {type, key}")
    role: Source | None = None
    valid_from: Source | None = None
    valid_to: Source | None = None
    confidence: Source | None = None
    _attributes: dict[str, Source] = PrivateAttr(default_factory=dict)

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        kinds = enum_values("link_kinds")
        if value not in kinds:
            raise problem(f"{value!r} is not one of {', '.join(kinds)}")
        return value

    def model_post_init(self, context: Any, /) -> None:
        """Gather the mapped attributes."""
        for name in LINK_ATTRIBUTES:
            source = getattr(self, name)
            if source is not None:
                self._attributes[name] = source

    @property
    def attributes(self) -> dict[str, Source]:
        """The mapped link attributes (role, valid_from, valid_to, confidence) by name."""
        return self._attributes


class Profile(Strict):
    """A checked mapping profile; `records` are in write order (referenced records first)."""

    name: str = Field(min_length=1, description="a text, the file name without .yaml")
    description: str = ""
    jurisdiction: Source = Field(description="a jurisdiction code or {column: COL}")
    format: FileFormat = Field(default_factory=FileFormat)
    record_map: dict[str, RecordSpec] = Field(
        alias="records", min_length=1, description="a mapping of alias to record (type, key)"
    )
    links: list[LinkSpec] = Field(default_factory=list)
    _records: list[RecordSpec] = PrivateAttr(default_factory=list)
    _path: Path | None = PrivateAttr(None)

    @field_validator("description", mode="before")
    @classmethod
    def _text(cls, raw: Any) -> Any:
        return "" if raw is None else str(raw)

    @field_validator("format", "links", mode="before")
    @classmethod
    def _none_is_default(cls, raw: Any, info: Any) -> Any:
        return ([] if info.field_name == "links" else {}) if raw is None else raw

    @field_validator("jurisdiction", mode="before")
    @classmethod
    def _code_or_column(cls, raw: Any) -> Any:
        codes = ", ".join(enum_values("jurisdictions"))
        if isinstance(raw, str):
            if raw not in enum_values("jurisdictions"):
                raise problem(f"{raw!r} is not one of {codes}")
            return {"value": raw}
        if isinstance(raw, dict) and "column" in raw:
            return raw
        raise problem(f"{raw!r} is not one of {codes} or {{column: COL}}")

    @model_validator(mode="after")
    def _references(self) -> Profile:
        """Cross-record rules: references and link ends name records of this profile."""
        aliases = list(self.record_map)
        for alias, spec in self.record_map.items():
            spec.alias = str(alias)
            for fname, target in spec.foreign.items():
                if target not in aliases or target == alias:
                    at = ("records", alias, "fields", fname, "record")
                    raise problem(f"no other record alias {target!r} in this profile", *at)
        for index, link in enumerate(self.links):
            for end, link_end in (("from", link.source), ("to", link.target)):
                if link_end.alias is not None and link_end.alias not in aliases:
                    raise problem(
                        f"{link_end.alias!r} is not a record alias of this profile "
                        f"({', '.join(aliases)})",
                        "links",
                        index,
                        end,
                    )
        self._records = _write_order(self.record_map)
        return self

    @property
    def records(self) -> list[RecordSpec]:
        """The records of a row, in write order (a referenced record before its referrer)."""
        return self._records

    @property
    def path(self) -> Path | None:
        """The file the profile was loaded from, if any."""
        return self._path

    @property
    def delimiter(self) -> str | None:
        """CSV delimiter (None: sniffed)."""
        return self.format.delimiter

    @property
    def encoding(self) -> str:
        """CSV encoding (auto: detected)."""
        return self.format.encoding

    @property
    def sheet(self) -> str | None:
        """XLSX sheet (None: the first)."""
        return self.format.sheet

    @property
    def header_row(self) -> int:
        """1-based row of the column names."""
        return self.format.header_row

    def columns(self) -> list[str]:
        """Return every column the profile reads, in first-use order."""
        seen: dict[str, None] = {}
        for col in self.jurisdiction.referenced_columns():
            seen[col] = None
        for rec in self.records:
            for col in [*template_columns(rec.key), *rec.when]:
                seen[col] = None
            sources = [*rec.fields.values(), *([rec.status_date] if rec.status_date else [])]
            for child in rec.children:
                seen.update(dict.fromkeys(child.when))
                sources.extend(child.fields.values())
            for src in sources:
                for col in src.referenced_columns():
                    seen[col] = None
        for link in self.links:
            for end in (link.source, link.target):
                for col in template_columns(end.key or ""):
                    seen[col] = None
            for src in link.attributes.values():
                for col in src.referenced_columns():
                    seen[col] = None
        return list(seen)


def _write_order(specs: dict[str, RecordSpec]) -> list[RecordSpec]:
    ordered: list[RecordSpec] = []
    state: dict[str, int] = {}

    def visit(alias: str, chain: list[str]) -> None:
        if state.get(alias) == 2:
            return
        if state.get(alias) == 1:
            raise problem(f"records refer to each other in a circle: {' -> '.join(chain)}")
        state[alias] = 1
        for target in specs[alias].foreign.values():
            visit(target, [*chain, target])
        state[alias] = 2
        ordered.append(specs[alias])

    for alias in specs:
        visit(alias, [alias])
    return ordered


# --- loading ------------------------------------------------------------------------------------


def find_profile(name_or_path: str | Path) -> Path:
    """Return the file of a shipped profile name or of a path; ProfileError when neither."""
    candidate = Path(name_or_path)
    if candidate.suffix in (".yaml", ".yml") and candidate.is_file():
        return candidate
    shipped = PROFILES_DIR / f"{name_or_path}.yaml"
    if shipped.is_file():
        return shipped
    names = sorted(p.stem for p in PROFILES_DIR.glob("*.yaml"))
    raise ProfileError(
        N_("no mapping profile %(value)r: give a profile file or one of %(value2)s"),
        values={"value": str(name_or_path), "value2": ", ".join(names) or "(none shipped)"},
    )


def load_profile(name_or_path: str | Path) -> Profile:
    """Load and check a profile (shipped name or path); a bad one raises ProfileError."""
    path = find_profile(name_or_path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ProfileError(
            N_("profile %(path)s: not valid YAML: %(exc)s"), values={"path": path, "exc": exc}
        ) from exc
    return parse_profile(data, path=path)


def parse_profile(data: Any, *, path: Path | None = None) -> Profile:
    """Check a profile given as data and return it; errors name the key, value and expectation."""
    name_hint = data.get("name") if isinstance(data, dict) else None
    label = f"profile {path if path else name_hint or '(unnamed)'}"
    try:
        profile = Profile.model_validate(data)
    except ValidationError as exc:
        raise mapping_error(Profile, exc, label=label, labels={}, error=ProfileError) from None
    profile._path = path
    return profile


def extract_descriptions(fileobj: Any, keywords: Any, comment_tags: Any, options: Any) -> Iterator:
    """Babel extractor: the description of a shipped profile, shown by the import pages."""
    data = yaml.safe_load(fileobj.read().decode("utf-8")) or {}
    if isinstance(data, dict) and data.get("description"):
        yield 0, "N_", str(data["description"]), []
