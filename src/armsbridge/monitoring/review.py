"""The review queue of captures: triage kept with each capture, the analyst's decision, corrections.

A capture's triage (monitoring.triage) is kept in `details["triage"]` when it is stored; one
stored before that is triaged the first time the queue lists it. A review confirms or corrects
the label, the language and each extraction; it is kept in `details["review"]` (who, when, what
changed), the capture's status becomes "reviewed", and the act is a chain-of-custody entry
(audit action "review"). A confirmed offer or request goes into the records (monitoring.graph).
Reviewed captures are the training data of the corpus (`corpus_lines`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from armsbridge.auth.access import log_access
from armsbridge.auth.principal import Principal
from armsbridge.errors import ValidationFailed
from armsbridge.i18n_marker import N_, Label
from armsbridge.monitoring import custody, graph, service
from armsbridge.monitoring.corpus import LABELS, LANGUAGES
from armsbridge.monitoring.extract import extract, find_handles
from armsbridge.monitoring.models import Capture
from armsbridge.monitoring.triage import ITEM4_EXTRACTIONS, WEAPON_KINDS, triage_text
from armsbridge.monitoring.weapons import canonical_calibre
from armsbridge.records.identifiers import normalise_phone

ACTION = "capture.review"
REVIEWED = "reviewed"
_RANK = {"offer": 0, "wanted": 0, "other": 1}
_HANDLE = re.compile(r"^@?([A-Za-z0-9_][A-Za-z0-9_.]{1,62})$")


def triage_of(row: Capture) -> dict[str, Any]:
    """Return the capture's stored triage; triage and keep it now if it has none yet."""
    details = dict(row.details or {})
    if "triage" not in details:
        details["triage"] = triage_text(row.text or "")
        row.details = details  # a new dict, so the JSON column is written
    return dict(details["triage"])


def review_of(row: Capture) -> dict[str, Any] | None:
    """Return the capture's review (who, when, label, language, extractions), if reviewed."""
    found = (row.details or {}).get("review")
    return dict(found) if found else None


def queue(session: Session, *, user: Principal, limit: int = 200) -> list[Capture]:
    """Return the captures `user` may see that nobody reviewed, offers and requests first.

    Within each group the triage score orders them, highest first; the list is logged.
    """
    service.check_may(user, ACTION)
    stmt = service.visible(user).where(Capture.status != REVIEWED)
    rows = list(session.scalars(stmt))
    for row in rows:
        triage_of(row)
    rows.sort(key=lambda r: (_RANK.get(r.details["triage"]["label"], 1), -_score(r), -r.id))
    shown = rows[:limit]
    log_access(
        session,
        user=user,
        action="consult",
        details={"list": "capture queue", "shown": len(shown), "waiting": len(rows)},
    )
    return shown


def _score(row: Capture) -> float:
    return float(row.details["triage"].get("score") or 0.0)


def describe(fld: str, value: Any) -> str:
    """Return an extraction as text: '+38344123456', '350 EUR', 'pistol Tokarev TT-33'."""
    if fld == "prices":
        return f"{value['amount']} {value['currency']}"
    if fld == "weapons":
        return graph.describe_weapon(value)
    return str(value)


def items(row: Capture) -> list[dict[str, Any]]:
    """Return the triage's extractions as review items: key ('phones:0'), field, value, spans."""
    found = triage_of(row)
    out = []
    for fld in ITEM4_EXTRACTIONS:
        for index, value in enumerate(found["extractions"][fld]):
            spans = [s for s in found.get("spans", []) if s["field"] == fld and s["value"] == value]
            out.append(
                {
                    "key": f"{fld}:{index}",
                    "field": fld,
                    "value": value,
                    "text": describe(fld, value),
                    "spans": [(s["start"], s["end"]) for s in spans],
                }
            )
    return out


def segments(row: Capture) -> list[tuple[str, str | None, str | None]]:
    """Return the capture's text cut at the extraction spans: (text, field or None, item key)."""
    text = row.text or ""
    marks = sorted(
        (start, end, it["field"], it["key"]) for it in items(row) for start, end in it["spans"]
    )
    out: list[tuple[str, str | None, str | None]] = []
    at = 0
    for start, end, fld, key in marks:
        if start < at:  # overlapping spans: the first one read is shown
            continue
        if start > at:
            out.append((text[at:start], None, None))
        out.append((text[start:end], fld, key))
        at = end
    if at < len(text):
        out.append((text[at:], None, None))
    return out


@dataclass
class Decision:
    """What the analyst decided: label, language, the items kept, and values they added."""

    label: str
    language: str
    keep: set[str] = field(default_factory=set)
    added: dict[str, list[Any]] = field(default_factory=dict)


# The names of the review form's fields, as an error message names them.
FIELD_NAMES = {
    "handle": N_("handle"),
    "price": N_("price"),
    "calibre": N_("calibre"),
    "weapon": N_("weapon"),
    "label": N_("label"),
    "language": N_("language"),
    "capture": N_("capture"),
    "field": N_("field"),
}


def _invalid(fld: str, value: str, expected: str) -> ValidationFailed:
    return ValidationFailed(
        N_("%(field)s: %(value)r is not %(expected)s"),
        [{"field": fld, "value": value, "expected": expected}],
        values={
            "field": Label(FIELD_NAMES.get(fld, fld)),
            "value": value,
            "expected": Label(expected),
        },
    )


def parse_added(fld: str, raw: str, *, language: str, jurisdiction: str) -> Any:
    """Return a typed extraction from what the analyst typed (a phone to E.164, a price, ...)."""
    text = raw.strip()
    if fld == "phones":
        e164, _ = normalise_phone(text, jurisdiction=jurisdiction, field="phone")
        return e164
    if fld == "handles":
        found = find_handles(text)
        if found:
            return found[0][0]
        match = _HANDLE.match(text)
        if not match:
            raise _invalid("handle", text, N_("a handle (@name) or a messaging link"))
        return match.group(1).rstrip(".").lower()
    if fld == "prices":
        prices = extract(text, language)["prices"]
        if not prices:
            raise _invalid("price", text, N_("an amount with its currency (350 EUR, 20000 MKD)"))
        return prices[0]
    if fld == "calibres":
        calibre = canonical_calibre(text)
        if calibre is None:
            raise _invalid("calibre", text, N_("a calibre (7.62x39, 9x19, 12ga)"))
        return calibre
    raise _invalid("field", fld, "phones, handles, prices or calibres")


def weapon(kind: str, make: str = "", model: str = "") -> dict[str, Any]:
    """Return a weapon extraction the analyst added; refuse a kind not in WEAPON_KINDS."""
    if kind not in WEAPON_KINDS:
        raise _invalid("weapon", kind, ", ".join(WEAPON_KINDS))
    return {"kind": kind, "make": make.strip() or None, "model": model.strip() or None}


def _check(decision: Decision) -> None:
    if decision.label not in LABELS:
        raise _invalid("label", decision.label, "offer, wanted, other")
    if decision.language not in LANGUAGES:
        raise _invalid("language", decision.language, ", ".join(LANGUAGES))


def decide(
    session: Session, *, user: Principal, capture_id: int, decision: Decision
) -> dict[str, Any]:
    """Store the analyst's review of a capture, audited; put a confirmed listing into the records.

    Reviewing again replaces the review (the audit log keeps each one); the records and links
    it made are found again, never made twice, and those it no longer names are taken back
    (graph.take_back). Returns the review stored.
    """
    service.check_may(user, ACTION)
    row = service.get_capture(session, user=user, capture_id=capture_id)
    _check(decision)
    found = triage_of(row)
    final: dict[str, list[Any]] = {}
    removed: dict[str, list[Any]] = {}
    added: dict[str, list[Any]] = {}
    for fld in ITEM4_EXTRACTIONS:
        values = found["extractions"][fld]
        kept = [v for i, v in enumerate(values) if f"{fld}:{i}" in decision.keep]
        new = [v for v in decision.added.get(fld, []) if v not in values and v is not None]
        final[fld] = kept + [v for i, v in enumerate(new) if v not in new[:i]]
        if len(kept) < len(values):
            removed[fld] = [v for v in values if v not in kept]
        if new:
            added[fld] = final[fld][len(kept) :]
    corrected = bool(
        removed
        or added
        or decision.label != found["label"]
        or decision.language != found["language"]
    )
    review: dict[str, Any] = {
        "by": user.username,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "label": decision.label,
        "language": decision.language,
        "script": found["script"],
        "extractions": final,
        "corrected": corrected,
        "was": {"label": found["label"], "language": found["language"]},
        "removed": removed,
        "added": added,
    }
    if decision.label in ("offer", "wanted"):
        review["graph"] = graph.into_graph(session, user=user, row=row, review=review)
    elif removed_now := graph.take_back(session, user=user, row=row):
        review["graph"] = {"records": [], "removed": removed_now, "skipped": None}
    row.details = {**row.details, "review": review}
    row.status = REVIEWED
    extra = {"label": decision.label, "corrected": corrected}
    if "graph" in review:
        extra["graph"] = {
            "created": review["graph"].get("created", 0),
            "reused": review["graph"].get("reused", 0),
            "removed": len(review["graph"]["removed"]),
            "skipped": review["graph"]["skipped"],
        }
    custody.record(session, user=user, row=row, what="reviewed", action="review", extra=extra)
    return review


def corpus_line(row: Capture) -> dict[str, Any]:
    """Return a reviewed capture as one line of the triage corpus (monitoring/corpus.py format)."""
    review = review_of(row)
    if review is None:
        raise _invalid("capture", str(row.id), N_("a reviewed capture"))
    return {
        "id": f"capture-{row.id}",
        "text": row.text or "",
        "language": review["language"],
        "script": review["script"],
        "label": review["label"],
        "split": "train",
        "extractions": {fld: review["extractions"].get(fld, []) for fld in ITEM4_EXTRACTIONS},
        "source": f"review of capture {row.id} by {review['by']} at {review['at']}",
        "corrected": bool(review["corrected"]),
    }


def corpus_lines(
    session: Session, *, user: Principal, include_confirmed: bool = False
) -> list[dict[str, Any]]:
    """Return the corrected reviews `user` may see as corpus lines (all reviews if asked); logged.

    The texts hold personal data (phones, handles), so the export is an audit entry.
    """
    service.check_may(user, ACTION)
    rows = session.scalars(service.visible(user).where(Capture.status == REVIEWED))
    lines = [corpus_line(r) for r in rows]
    lines = [line for line in lines if include_confirmed or line["corrected"]]
    lines.sort(key=lambda line: int(line["id"].split("-")[1]))
    log_access(
        session,
        user=user,
        action="export",
        details={
            "export": "capture corrections",
            "lines": len(lines),
            "captures": [int(line["id"].split("-")[1]) for line in lines],
        },
    )
    return lines
