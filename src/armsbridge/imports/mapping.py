"""The mapping language shared by import profiles and `armsbridge link`.

Value sources (where a value of a row comes from), the file format, the `{COL}` templates, and
the one place that turns a Pydantic `ValidationError` into a user error naming the mapping file,
the key, the value and what was expected.
"""

from __future__ import annotations

import re
import types
import typing
from datetime import date, datetime
from functools import cache
from typing import Annotated, Any, ClassVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from armsbridge.errors import ValidationFailed

_TEMPLATE = re.compile(r"\{([^{}]+)\}")
SOURCE_KINDS = ("column", "value", "columns", "template", "record")
Column = Annotated[str, Field(min_length=1)]


class MappingError(ValidationFailed):
    """A mapping (import profile, link mapping) that cannot be used; names file, key, value."""


def problem(message: str, *at: str | int) -> PydanticCustomError:
    """Return a validation error with `message`, placed at the keys `at` below the object."""
    return PydanticCustomError("mapping", "{message}", {"message": message, "at": at})


def one_or_many(raw: Any) -> Any:
    """Accept one column name or a list of them (None is none)."""
    if raw is None:
        return ()
    return (raw,) if isinstance(raw, str) else raw


ColumnList = tuple[Column, ...]
OneOrMoreColumns = Annotated[ColumnList, BeforeValidator(one_or_many)]


class Strict(BaseModel):
    """Base of every mapping model: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid")


class FileFormat(Strict):
    """How to read a file: CSV delimiter and encoding, XLSX sheet, the header row."""

    delimiter: str | None = None
    encoding: str = "auto"
    sheet: str | None = None
    header_row: int = Field(default=1, ge=1, description="a row number from 1")

    @field_validator("encoding", mode="before")
    @classmethod
    def _auto(cls, raw: Any) -> Any:
        return "auto" if raw is None or raw == "" else raw


class Source(Strict):
    """Where a value comes from: a column (with an optional value map), a constant, several
    columns (a list), a template of columns, or (FieldSource only) another record of the row."""

    references: ClassVar[bool] = False  # may this source be {record: alias}?
    hidden_keys: ClassVar[tuple[str, ...]] = ("record",)  # not listed as known keys

    column: Column | None = None
    value: Any = None
    columns: ColumnList = ()
    template: str | None = None
    record: str | None = None
    map: dict[str, Any] | None = None
    default: Any = None
    format: str | None = None  # strptime format of a date given as text

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, raw: Any) -> Any:
        if isinstance(raw, str):
            return {"column": raw}
        if isinstance(raw, BaseModel):
            return raw
        kinds = ", ".join(SOURCE_KINDS if cls.references else SOURCE_KINDS[:-1])
        if not isinstance(raw, dict):
            raise problem(f"{_show(raw)} is not a column name or a mapping with one of {kinds}")
        given = [k for k in SOURCE_KINDS if k in raw]
        if "record" in given and not cls.references:
            raise problem("a record reference ({record: alias}) is not allowed here")
        if len(given) != 1:
            raise problem(f"expected exactly one of {kinds} (got {', '.join(given) or 'none'})")
        if "map" in raw and given != ["column"]:
            raise problem("a value map goes with column only", "map")
        if "format" in raw and given[0] not in ("column", "columns", "template"):
            raise problem("a date format goes with column, columns or template", "format")
        return raw

    @field_validator("map", mode="before")
    @classmethod
    def _map_keys(cls, raw: Any) -> Any:
        if not isinstance(raw, dict):
            return raw
        mapped = {str(k): v for k, v in raw.items()}
        mapped.update({k.lower(): v for k, v in list(mapped.items())})
        return mapped

    @field_validator("template")
    @classmethod
    def _template(cls, value: str | None) -> str | None:
        if value is not None and not template_columns(value):
            raise problem(f'{value!r} is not a template with at least one column, "{{COL}}"')
        return value

    @field_validator("format")
    @classmethod
    def _format(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            datetime.strptime(datetime(2000, 1, 2).strftime(value), value)
        except ValueError as exc:
            raise problem(f"{value!r} is not a date format ({exc}); e.g. %d.%m.%Y") from None
        if "%" not in value:
            raise problem(f"{value!r} is not a date format (no %-code); e.g. %d.%m.%Y")
        return value

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

    def parse_date(self, text: str) -> date:
        """Return the date `text` gives in this source's `format`; ValueError when it does not."""
        assert self.format is not None
        return datetime.strptime(text.strip(), self.format).date()


class FieldSource(Source):
    """A source of a record field: may also be `{record: alias}` (a reference column)."""

    references: ClassVar[bool] = True
    hidden_keys: ClassVar[tuple[str, ...]] = ()


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


# --- errors -------------------------------------------------------------------------------------

_EXPECTED = {
    "string_type": "a text",
    "string_too_short": "a non-empty text",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "list_type": "a list",
    "tuple_type": "a list",
    "too_short": "a non-empty list or mapping",
}
M = typing.TypeVar("M", bound=BaseModel)


def validate_mapping(
    model: type[M], data: Any, *, label: str, labels: dict[tuple[Any, ...], str] | None = None
) -> M:
    """Validate `data` as `model`; a bad mapping raises MappingError, one line per problem.

    `label` names the mapping (e.g. `profile xk-persons.yaml`); `labels` gives other labels to
    the keys under some paths (e.g. a command-line option that set them).
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise mapping_error(model, exc, label=label, labels=labels or {}) from None


def mapping_error(
    model: type[BaseModel],
    exc: ValidationError,
    *,
    label: str,
    labels: dict[tuple[Any, ...], str],
    error: type[MappingError] = MappingError,
) -> MappingError:
    """Turn a ValidationError of `model` into a MappingError that names key, value, expectation."""
    lines, problems = [], []
    for item in exc.errors(include_url=False):
        loc = (*item["loc"], *(item.get("ctx") or {}).get("at", ()))
        owner, info = _field_at(model, loc)
        text = _explain(item, owner, info)
        where_label, rest = label, loc
        for prefix, other in labels.items():
            if loc[: len(prefix)] == prefix:
                where_label, rest = other, loc[len(prefix) :]
        where = _path(rest)
        lines.append(f"{where_label}: {where}: {text}" if where else f"{where_label}: {text}")
        value = (
            "" if item["type"] == "missing" else _show(_dig(item["input"], loc[len(item["loc"]) :]))
        )
        problems.append({"field": _path(loc) or "(top)", "value": value, "expected": text})
    return error("\n".join(lines), problems)


def _explain(item: ErrorDetails, owner: Any, info: Any) -> str:
    kind, value = item["type"], item["input"]
    if kind == "mapping":
        return str(item["ctx"]["message"])
    if kind == "extra_forbidden":
        known = ", ".join(_keys(owner)) if owner else ""
        return f"unknown key (known here: {known})" if known else "unknown key"
    if kind == "missing":
        wanted = info.description if info is not None and info.description else "a value"
        return f"missing: expected {wanted}"
    described = info.description if info is not None and info.description else None
    if kind == "greater_than_equal":
        return f"{_show(value)} is not {described or 'a number from ' + str(item['ctx']['ge'])}"
    if kind == "too_short" and described:
        return f"{_show(value)} is empty: expected {described}"
    if kind == "literal_error":
        return f"{_show(value)} is not one of {item['ctx']['expected']}"
    if kind in _EXPECTED:
        return f"{_show(value)} is not {_EXPECTED[kind]}"
    return f"{_show(value)}: {item['msg']}"


def _dig(value: Any, keys: tuple[Any, ...]) -> Any:
    """Return the part of `value` under `keys` (as far as it goes)."""
    for key in keys:
        in_dict = isinstance(value, dict) and key in value
        if in_dict or (isinstance(value, list) and isinstance(key, int) and key < len(value)):
            value = value[key]
        else:
            break
    return value


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _keys(model: type[BaseModel]) -> list[str]:
    hidden = getattr(model, "hidden_keys", ())
    return [info.alias or name for name, info in model.model_fields.items() if name not in hidden]


def _field_at(model: type[BaseModel], loc: tuple[Any, ...]) -> tuple[Any, Any]:
    """Return (the model that the last key of `loc` belongs to, that key's field info)."""
    current: Any = model
    owner, info = None, None
    for part in loc:
        current = _unwrap(current)
        owner, info = None, None
        if isinstance(current, type) and issubclass(current, BaseModel):
            owner = current
            info = next(
                (f for n, f in current.model_fields.items() if (f.alias or n) == part), None
            )
            if info is None:
                break
            current = info.annotation
            continue
        args = typing.get_args(current)
        origin = typing.get_origin(current)
        if origin is dict and len(args) == 2:
            current = args[1]
        elif origin in (list, tuple) and args:
            current = args[0]
        else:
            break
    return owner, info


def _unwrap(annotation: Any) -> Any:
    """Strip `X | None` and Annotated to X."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            rest = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(rest) != 1:
                return annotation
            annotation = rest[0]
        else:
            return annotation
