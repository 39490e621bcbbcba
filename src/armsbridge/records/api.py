"""REST API of the records under /api/: list, get, create, update, under the same permissions.

Every read is logged as a consultation; person lists and person reads need a justification
(`why`). Writes go through records.service, which validates and logs before/after.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field, create_model
from sqlalchemy import func, select

from armsbridge.auth.dependencies import DB, require
from armsbridge.auth.principal import Principal
from armsbridge.errors import ValidationFailed
from armsbridge.i18n_marker import N_
from armsbridge.records import handling, reading, service
from armsbridge.records.api_schemas import (
    INT32,
    NO_NUL,
    REFERENCE_FIELDS,
    SLUGS,
    StatusChangeIn,
    StatusChangeOut,
    _camel,
    _field_type,
    filter_fields,
    input_model,
    output_model,
    page_model,
)
from armsbridge.records.models import RECORD_MODELS, CaseStatusChange
from armsbridge.records.validation import record_as_dict
from armsbridge.vocab.values import parse_date

router = APIRouter(prefix="/api", tags=["records"])

MAX_PAGE = 200
RecordId = Annotated[int, Path(ge=1, le=INT32)]
Why = Annotated[
    str,
    Field(
        min_length=3,
        max_length=500,
        pattern=NO_NUL,
        description="Why you need this (the case or task); written to the audit log.",
    ),
]
Reader = Annotated[Principal, Depends(require("record.read"))]
Creator = Annotated[Principal, Depends(require("record.create"))]
Updater = Annotated[Principal, Depends(require("record.update"))]


def _filters_model(record_type: str) -> type[BaseModel]:
    fields: dict[str, Any] = {
        name: (_field_type(spec) | None, None) for name, spec in filter_fields(record_type).items()
    }
    model = RECORD_MODELS[record_type]
    for column in REFERENCE_FIELDS:
        if hasattr(model, column):
            fields[column] = (Annotated[int, Field(ge=1, le=INT32)] | None, None)
    if record_type == "link":
        for end in ("from", "to"):
            fields[f"{end}_type"] = (
                Annotated[str, Field(max_length=40, pattern=NO_NUL)] | None,
                None,
            )
            fields[f"{end}_id"] = (Annotated[int, Field(ge=1, le=INT32)] | None, None)
    fields["limit"] = (Annotated[int, Field(ge=1, le=MAX_PAGE)], 50)
    fields["offset"] = (Annotated[int, Field(ge=0, le=10**6)], 0)
    if reading.needs_justification(record_type):
        fields["why"] = (Why, ...)
    else:
        fields["why"] = (Why | None, None)
    return create_model(f"{_camel(record_type)}Filters", **fields)


def _apply_filters(stmt: Any, model: Any, record_type: str, filters: BaseModel) -> Any:
    specs = filter_fields(record_type)
    for name, value in filters.model_dump(exclude={"limit", "offset", "why"}).items():
        if value is None:
            continue
        column = getattr(model, name)
        if specs.get(name, {}).get("type") == "text":
            escaped = value.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            stmt = stmt.where(func.lower(column).like(escaped + "%", escape="\\"))
        elif specs.get(name, {}).get("type") == "partial_date":
            stmt = stmt.where(column.like(value.replace("%", "") + "%"))
        elif specs.get(name, {}).get("type") == "date":
            stmt = stmt.where(column == parse_date(value, field=name))
        else:
            stmt = stmt.where(column == value)
    return stmt


def _out(record_type: str, record: Any, provenance: dict[str, Any] | None = None) -> BaseModel:
    values = {**record_as_dict(record), "provenance": provenance}
    return output_model(record_type).model_validate(values)


def _marked(db: Any, record_type: str, record: Any) -> BaseModel:
    """The API answer of one record, with its provenance when it was received."""
    found = handling.provenance_of(db, record_type, [record.id])
    return _out(record_type, record, found.get(record.id))


def _refuse_empty_required(model: Any, data: dict[str, Any]) -> None:
    """Refuse an explicit null for a column that must hold a value (422 naming the fields)."""
    columns = model.__table__.columns
    problems = [
        {"field": name, "value": "null", "expected": "a value (it cannot be empty)"}
        for name, value in data.items()
        if (value is None or (isinstance(value, str) and not value.strip()))
        and name in columns
        and not columns[name].nullable
    ]
    if problems:
        names = ", ".join(p["field"] for p in problems)
        raise ValidationFailed(N_("%(names)s: cannot be empty"), problems, values={"names": names})


def _add_routes(record_type: str) -> None:
    slug = SLUGS[record_type]
    model = RECORD_MODELS[record_type]
    Filters: Any = _filters_model(record_type)  # noqa: N806
    In: Any = input_model(record_type)  # noqa: N806
    Out = output_model(record_type)  # noqa: N806
    Page = page_model(record_type)  # noqa: N806
    label = record_type.replace("_", " ")

    def list_records(
        filters: Annotated[Filters, Query()],  # type: ignore[valid-type]
        db: DB,
        user: Reader,
    ) -> Any:
        stmt = _apply_filters(reading.readable(record_type, user), model, record_type, filters)
        criteria = filters.model_dump(exclude_none=True, exclude={"why"})
        rows, total = reading.list_records(
            db,
            user=user,
            record_type=record_type,
            why=filters.why,
            stmt=stmt,
            offset=filters.offset,
            limit=filters.limit,
            details={"filters": criteria},
            newest_first=False,
        )
        marks = handling.provenance_of(db, record_type, [row.id for row in rows])
        items = [_out(record_type, row, marks.get(row.id)) for row in rows]
        return Page(items=items, total=total, limit=filters.limit, offset=filters.offset)

    def get_record(
        record_id: RecordId,
        db: DB,
        user: Reader,
        why: Annotated[Why | None, Query()] = None,
    ) -> Any:
        record = reading.read_record(
            db, user=user, record_type=record_type, record_id=record_id, why=why
        )
        return _marked(db, record_type, record)

    def create(body: In, db: DB, user: Creator) -> Any:  # type: ignore[valid-type]
        data = body.model_dump(exclude_unset=True)
        _refuse_empty_required(model, data)
        record = service.create_record(db, record_type=record_type, data=data, user=user)
        return _out(record_type, record)

    def update(  # type: ignore[valid-type]
        record_id: RecordId, body: In, db: DB, user: Updater
    ) -> Any:
        data = body.model_dump(exclude_unset=True)
        _refuse_empty_required(model, data)
        record = service.update_record(
            db, record_type=record_type, record_id=record_id, data=data, user=user
        )
        return _marked(db, record_type, record)

    router.add_api_route(
        f"/{slug}",
        list_records,
        methods=["GET"],
        response_model=Page,
        summary=f"List {label} records",
        name=f"list_{record_type}",
    )
    router.add_api_route(
        f"/{slug}/{{record_id}}",
        get_record,
        methods=["GET"],
        response_model=Out,
        summary=f"Read one {label}",
        name=f"get_{record_type}",
    )
    router.add_api_route(
        f"/{slug}",
        create,
        methods=["POST"],
        response_model=Out,
        status_code=201,
        summary=f"Create a {label}",
        name=f"create_{record_type}",
    )
    router.add_api_route(
        f"/{slug}/{{record_id}}",
        update,
        methods=["PATCH"],
        response_model=Out,
        summary=f"Change a {label}",
        name=f"update_{record_type}",
    )


for _record_type in SLUGS:
    _add_routes(_record_type)


@router.get(
    "/cases/{record_id}/history",
    response_model=list[StatusChangeOut],
    summary="Status history of a case",
)
def case_history(record_id: RecordId, db: DB, user: Reader) -> Any:
    """Return the steps of a case through the procedure, oldest first (logged as consult)."""
    case = reading.read_record(
        db, user=user, record_type="case", record_id=record_id, why="case history"
    )
    rows = db.scalars(
        select(CaseStatusChange)
        .where(CaseStatusChange.case_id == case.id)
        .order_by(CaseStatusChange.changed_on, CaseStatusChange.id)
    )
    return [StatusChangeOut.model_validate(row) for row in rows]


@router.post(
    "/cases/{record_id}/status",
    response_model=StatusChangeOut,
    status_code=201,
    summary="Move a case to its next status",
)
def case_status(record_id: RecordId, body: StatusChangeIn, db: DB, user: Updater) -> Any:
    """Record a new status of a case with its date (refused when it goes back)."""
    change = service.add_status_change(
        db,
        case_id=record_id,
        status=body.status,
        changed_on=body.changed_on,
        user=user,
        court_reference=body.court_reference,
        note=body.note,
    )
    return StatusChangeOut.model_validate(change)
