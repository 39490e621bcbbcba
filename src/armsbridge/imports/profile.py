"""Import mapping profiles: load a YAML profile, check every key, and apply it to one row."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import inspect as sa_inspect

from armsbridge.errors import UserError
from armsbridge.records.validation import DERIVED_FIELDS, model_for, record_type_names, type_fields
from armsbridge.vocab.service import enum_values

PROFILES_DIR = Path(__file__).parent / "profiles"
_TEMPLATE = re.compile(r"\{([^{}]+)\}")
LINK_ATTRIBUTES = ("role", "valid_from", "valid_to", "confidence")
_TOP_KEYS = {"name", "description", "jurisdiction", "format", "records", "links"}
_FORMAT_KEYS = {"delimiter", "encoding", "sheet", "header_row"}
_RECORD_KEYS = {"type", "key", "when", "fields", "existing", "status_date", "children"}
_LINK_KEYS = {"kind", "from", "to", *LINK_ATTRIBUTES}


class ProfileError(UserError):
    """A mapping profile that cannot be used; the message names the profile and the key."""


@dataclass(frozen=True)
class Source:
    """Where a value comes from: a column (with an optional value map), a constant, several
    columns (a list), a template of columns, or the id of another record of the row."""

    column: str | None = None
    value: Any = None
    columns: tuple[str, ...] = ()
    template: str | None = None
    record: str | None = None
    map: dict[str, Any] | None = None
    default: Any = None

    def referenced_columns(self) -> list[str]:
        """Return the file columns this source reads."""
        cols = list(self.columns)
        if self.column:
            cols.append(self.column)
        if self.template:
            cols.extend(template_columns(self.template))
        return cols

    def extract(self, row: dict[str, Any]) -> Any:
        """Return the raw value of this source in `row` (a record source returns None)."""
        if self.column is not None:
            raw = row.get(self.column)
            if raw is None or (raw.__class__ is str and not raw.strip()):
                return self.default
            if self.map is not None:
                text = str(raw).strip()
                raw = self.map.get(text, self.map.get(text.lower(), raw))
            return raw
        if self.columns:
            return [row[c] for c in self.columns if not is_empty(row.get(c))] or None
        if self.template is not None:
            return render(self.template, row)
        return self.value


@dataclass
class RecordSpec:
    """One record a row feeds: its alias, type, key template, condition and field sources."""

    alias: str
    type: str
    key: str
    when: tuple[str, ...]
    fields: dict[str, Source]
    foreign: dict[str, str]  # field -> alias of the record whose id it takes
    existing: bool = False  # only update a stored record, never create one
    status_date: Source | None = None  # cases: the date of the mapped status (a history step)
    children: list[ChildSpec] = field(default_factory=list)


@dataclass
class ChildSpec:
    """Rows of a child table a record owns (e.g. a person's identity documents)."""

    type: str
    when: tuple[str, ...]
    fields: dict[str, Source]


@dataclass(frozen=True)
class Target:
    """One end of a link: a record of the row (alias), or a stored record found by its key."""

    alias: str | None = None
    type: str | None = None
    key: str | None = None


@dataclass
class LinkSpec:
    """A link a row feeds, between two targets, with its attributes."""

    kind: str
    source: Target
    target: Target
    attributes: dict[str, Source]


@dataclass
class Profile:
    """A checked mapping profile; `records` are in write order (referenced records first)."""

    name: str
    description: str
    jurisdiction: Source
    delimiter: str | None
    encoding: str
    sheet: str | None
    header_row: int
    records: list[RecordSpec]
    links: list[LinkSpec] = field(default_factory=list)
    path: Path | None = None

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


def is_empty(value: Any) -> bool:
    """True for None, empty or blank text and empty lists."""
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def template_columns(template: str) -> list[str]:
    """Return the column names a `{COL}` template refers to."""
    return _TEMPLATE.findall(template)


@cache
def _template_parts(template: str) -> tuple[tuple[str, str | None], ...]:
    parts: list[tuple[str, str | None]] = []
    pos = 0
    for match in _TEMPLATE.finditer(template):
        parts.append((template[pos : match.start()], match.group(1)))
        pos = match.end()
    parts.append((template[pos:], None))
    return tuple(parts)


def render(template: str, row: dict[str, Any]) -> str | None:
    """Fill a `{COL}` template from `row`; None when any referenced column is empty."""
    out: list[str] = []
    for literal, column in _template_parts(template):
        out.append(literal)
        if column is not None:
            value = row.get(column)
            if is_empty(value):
                return None
            out.append(_text(value))
    return "".join(out).strip()


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


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
        f"no mapping profile {str(name_or_path)!r}: give a profile file or one of "
        f"{', '.join(names) or '(none shipped)'}"
    )


def load_profile(name_or_path: str | Path) -> Profile:
    """Load and check a profile (shipped name or path); a bad one raises ProfileError."""
    path = find_profile(name_or_path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ProfileError(f"profile {path}: not valid YAML: {exc}") from exc
    return parse_profile(data, path=path)


def parse_profile(data: Any, *, path: Path | None = None) -> Profile:
    """Check a profile given as data and return it; errors name the offending key."""
    name_hint = data.get("name") if isinstance(data, dict) else None
    label = str(path) if path else str(name_hint or "(unnamed)")

    def fail(where: str, problem: str) -> ProfileError:
        return ProfileError(f"profile {label}: {where}: {problem}")

    if not isinstance(data, dict):
        raise fail("(top)", "expected a mapping of name, jurisdiction, format, records, links")
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise fail(
            ", ".join(sorted(unknown)), f"unknown key (known: {', '.join(sorted(_TOP_KEYS))})"
        )
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise fail("name", "required, a text")
    jurisdiction = _parse_jurisdiction(data.get("jurisdiction"), fail)
    fmt = data.get("format") or {}
    if not isinstance(fmt, dict) or set(fmt) - _FORMAT_KEYS:
        raise fail(
            "format", f"expected a mapping with keys among {', '.join(sorted(_FORMAT_KEYS))}"
        )
    header_row = fmt.get("header_row", 1)
    if not isinstance(header_row, int) or header_row < 1:
        raise fail("format.header_row", "expected a row number from 1")
    records = _parse_records(data.get("records"), fail)
    aliases = {r.alias: r for r in records}
    links = [_parse_link(i, item, aliases, fail) for i, item in enumerate(data.get("links") or [])]
    return Profile(
        name=name,
        description=str(data.get("description") or ""),
        jurisdiction=jurisdiction,
        delimiter=fmt.get("delimiter"),
        encoding=str(fmt.get("encoding") or "auto"),
        sheet=fmt.get("sheet"),
        header_row=header_row,
        records=_write_order(records, fail),
        links=links,
        path=path,
    )


def _parse_jurisdiction(raw: Any, fail: Any) -> Source:
    codes = enum_values("jurisdictions")
    if isinstance(raw, str):
        if raw not in codes:
            raise fail("jurisdiction", f"{raw!r} is not one of {', '.join(codes)}")
        return Source(value=raw)
    if isinstance(raw, dict) and "column" in raw:
        return _parse_source("jurisdiction", raw, fail, allow_record=False)
    raise fail("jurisdiction", f"required: one of {', '.join(codes)} or {{column: COL}}")


def _parse_source(where: str, raw: Any, fail: Any, *, allow_record: bool = True) -> Source:
    if isinstance(raw, str):
        return Source(column=raw)
    if not isinstance(raw, dict):
        raise fail(where, "expected a column name or a mapping (column, value, columns, ...)")
    kinds = [k for k in ("column", "value", "columns", "template", "record") if k in raw]
    if len(kinds) != 1:
        raise fail(where, "expected exactly one of column, value, columns, template, record")
    extra = set(raw) - {kinds[0], "map", "default"}
    if extra:
        raise fail(where, f"unknown key {', '.join(sorted(extra))}")
    kind = kinds[0]
    if kind == "record" and not allow_record:
        raise fail(where, "a record reference is not allowed here")
    value_map = raw.get("map")
    if value_map is not None and (not isinstance(value_map, dict) or kind != "column"):
        raise fail(f"{where}.map", "expected a mapping of file values to codes, with column")
    if kind == "columns":
        cols = raw["columns"]
        if not isinstance(cols, list) or not all(isinstance(c, str) for c in cols):
            raise fail(f"{where}.columns", "expected a list of column names")
        return Source(columns=tuple(cols))
    if kind in ("column", "template", "record") and not isinstance(raw[kind], str):
        raise fail(f"{where}.{kind}", "expected a text")
    mapped = {str(k): v for k, v in value_map.items()} if value_map else None
    if mapped:
        mapped.update({k.lower(): v for k, v in list(mapped.items())})
    return Source(**{kind: raw[kind]}, map=mapped, default=raw.get("default"))


def _parse_records(raw: Any, fail: Any) -> list[RecordSpec]:
    if not isinstance(raw, dict) or not raw:
        raise fail("records", "required: a mapping of alias to record (type, key, fields)")
    known_types = record_type_names()
    specs = []
    for alias, body in raw.items():
        where = f"records.{alias}"
        if not isinstance(body, dict):
            raise fail(where, "expected a mapping with type, key, fields")
        extra = set(body) - _RECORD_KEYS
        if extra:
            raise fail(where, f"unknown key {', '.join(sorted(extra))}")
        rtype = body.get("type")
        if rtype not in known_types:
            raise fail(
                f"{where}.type", f"{rtype!r} is not a record type ({', '.join(known_types)})"
            )
        key = body.get("key")
        if not isinstance(key, str) or not template_columns(key):
            raise fail(f"{where}.key", 'required: a template with at least one column, "{COL}"')
        when = body.get("when") or ()
        when = (when,) if isinstance(when, str) else tuple(when)
        fields, foreign = _parse_fields(where, rtype, body.get("fields") or {}, fail)
        existing = body.get("existing", False)
        if not isinstance(existing, bool):
            raise fail(f"{where}.existing", "expected true or false")
        status_date = None
        if "status_date" in body:
            if rtype != "case" or "status" not in fields:
                raise fail(f"{where}.status_date", "only for a case record that maps its status")
            status_date = _parse_source(f"{where}.status_date", body["status_date"], fail)
            if status_date.record is not None:
                raise fail(f"{where}.status_date", "expected a column or a constant")
        children = [
            _parse_child(f"{where}.children[{i}]", rtype, item, fail)
            for i, item in enumerate(body.get("children") or [])
        ]
        specs.append(
            RecordSpec(
                str(alias), rtype, key, when, fields, foreign, existing, status_date, children
            )
        )
    for spec in specs:
        for fname, target in spec.foreign.items():
            if target not in {s.alias for s in specs} or target == spec.alias:
                where = f"records.{spec.alias}.fields.{fname}.record"
                raise fail(where, f"no other record alias {target!r} in this profile")
    return specs


def _parse_child(where: str, parent: str, raw: Any, fail: Any) -> ChildSpec:
    from armsbridge.records.children import child_types

    if not isinstance(raw, dict) or set(raw) - {"type", "when", "fields"}:
        raise fail(where, "expected a mapping with type, when, fields")
    ctype = raw.get("type")
    child = child_types().get(str(ctype))
    if child is None or child.parent != parent:
        owned = [n for n, c in child_types().items() if c.parent == parent]
        raise fail(
            f"{where}.type", f"{ctype!r} is not a child type of {parent} ({', '.join(owned)})"
        )
    when = raw.get("when") or ()
    when = (when,) if isinstance(when, str) else tuple(when)
    body = raw.get("fields")
    if not isinstance(body, dict) or not body:
        raise fail(f"{where}.fields", "required: a mapping of field to column")
    fields = {}
    for fname, src in body.items():
        if fname not in child.fields:
            known = ", ".join(child.fields)
            raise fail(f"{where}.fields.{fname}", f"not a field of {ctype} (fields: {known})")
        fields[fname] = _parse_source(f"{where}.fields.{fname}", src, fail, allow_record=False)
    missing = [f for f, spec in child.fields.items() if spec.get("required") and f not in fields]
    if missing:
        raise fail(f"{where}.fields", f"{ctype} needs {', '.join(missing)}")
    return ChildSpec(str(ctype), when, fields)


def _parse_fields(where: str, rtype: str, raw: Any, fail: Any) -> tuple[dict, dict]:
    if not isinstance(raw, dict):
        raise fail(f"{where}.fields", "expected a mapping of field to column")
    schema = type_fields(rtype)
    columns = {c.key: c for c in sa_inspect(model_for(rtype)).columns}
    fields: dict[str, Source] = {}
    foreign: dict[str, str] = {}
    for fname, src_raw in raw.items():
        fwhere = f"{where}.fields.{fname}"
        source = _parse_source(fwhere, src_raw, fail)
        if source.record is not None:
            col = columns.get(fname)
            if col is None or not col.foreign_keys:
                raise fail(fwhere, f"{fname} is not a reference column of {rtype}")
            foreign[fname] = source.record
            continue
        if fname in DERIVED_FIELDS.get(rtype, ()):
            raise fail(fwhere, f"{fname} is computed on write; map the raw field instead")
        if fname == "jurisdiction" or fname not in schema:
            known = ", ".join(f for f in schema if f != "jurisdiction")
            raise fail(fwhere, f"{fname!r} is not a field of {rtype} (fields: {known})")
        fields[fname] = source
    return fields, foreign


def _parse_link(index: int, raw: Any, aliases: dict[str, RecordSpec], fail: Any) -> LinkSpec:
    where = f"links[{index}]"
    if not isinstance(raw, dict) or set(raw) - _LINK_KEYS:
        raise fail(where, f"expected a mapping with keys among {', '.join(sorted(_LINK_KEYS))}")
    kind = raw.get("kind")
    if kind not in enum_values("link_kinds"):
        raise fail(
            f"{where}.kind", f"{kind!r} is not one of {', '.join(enum_values('link_kinds'))}"
        )
    ends = [_parse_target(f"{where}.{end}", raw.get(end), aliases, fail) for end in ("from", "to")]
    attributes = {
        name: _parse_source(f"{where}.{name}", raw[name], fail, allow_record=False)
        for name in LINK_ATTRIBUTES
        if name in raw
    }
    return LinkSpec(kind, ends[0], ends[1], attributes)


def _parse_target(where: str, raw: Any, aliases: dict[str, RecordSpec], fail: Any) -> Target:
    if isinstance(raw, str):
        if raw not in aliases:
            raise fail(
                where, f"{raw!r} is not a record alias of this profile ({', '.join(aliases)})"
            )
        return Target(alias=raw)
    if isinstance(raw, dict) and set(raw) == {"type", "key"}:
        if raw["type"] not in record_type_names():
            raise fail(f"{where}.type", f"{raw['type']!r} is not a record type")
        if not isinstance(raw["key"], str) or not template_columns(raw["key"]):
            raise fail(f"{where}.key", 'expected a template with a column, "{COL}"')
        return Target(type=raw["type"], key=raw["key"])
    raise fail(where, "expected a record alias or {type: TYPE, key: TEMPLATE}")


def _write_order(specs: list[RecordSpec], fail: Any) -> list[RecordSpec]:
    by_alias = {s.alias: s for s in specs}
    ordered: list[RecordSpec] = []
    state: dict[str, int] = {}

    def visit(alias: str, chain: list[str]) -> None:
        if state.get(alias) == 2:
            return
        if state.get(alias) == 1:
            raise fail("records", f"records refer to each other in a circle: {' -> '.join(chain)}")
        state[alias] = 1
        for target in by_alias[alias].foreign.values():
            visit(target, [*chain, target])
        state[alias] = 2
        ordered.append(by_alias[alias])

    for spec in specs:
        visit(spec.alias, [spec.alias])
    return ordered
