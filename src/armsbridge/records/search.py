"""One search box: people across scripts and spellings, serials, plates and phone numbers.

Names are compared on the script-independent name key (armsbridge.names.keys), so "Xhafer
Bajrami" finds "Џафер Бајрами" and back; serials and plates on their normalised form (look-alike
Cyrillic letters read as Latin, separators dropped, `?` for one unknown character and `*` for
several); phones on E.164. Every query passes through restrict(); person searches need a
justification and are logged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, cast

from rapidfuzz import fuzz
from sqlalchemy import Integer, Select, String, and_, bindparam, intersect, or_, select
from sqlalchemy.orm import Session

from armsbridge.auth.access import log_access
from armsbridge.auth.permissions import record_types_for
from armsbridge.errors import ValidationFailed
from armsbridge.firearms.serials import normalise_serial
from armsbridge.names.keys import family_key, person_name_key
from armsbridge.records.identifiers import normalise_phone, normalise_plate
from armsbridge.records.models import Firearm, Person, PersonNameWord, Phone, Vehicle

READ = "record.read"
MAX_QUERY = 120
_PHONE_TEXT = re.compile(r"\+?[\d\s().\-/]{6,}")
_WILDCARDS = {"?": "_", "*": "%"}


@dataclass
class SearchResults:
    """What one query found, per kind; None for a kind that was not searched."""

    query: str
    persons: list[Any] | None = None
    firearms: list[Any] | None = None
    vehicles: list[Any] | None = None
    phones: list[Any] | None = None
    needs_justification: bool = False
    kinds: list[str] = field(default_factory=list)
    persons_more: bool = False  # more persons match than this page shows

    @property
    def total(self) -> int:
        """Return the number of records found across every kind."""
        return sum(len(x or []) for x in (self.persons, self.firearms, self.vehicles, self.phones))

    @property
    def logged(self) -> bool:
        """True when personal records were searched: the search is then written to the log."""
        return self.persons is not None or self.phones is not None


def classify(query: str) -> list[str]:
    """Return the kinds a query can be: "person", "serial", "plate", "phone" (in that order)."""
    text = query.strip()
    kinds: list[str] = []
    digits = sum(ch.isdigit() for ch in text)
    letters = sum(ch.isalpha() for ch in text)
    if letters and not digits:
        kinds.append("person")
    wild = any(ch in text for ch in "?*")
    if (digits or wild) and (len(normalise_serial(text)) >= 2 or wild):
        kinds += ["serial", "plate"]
    if digits >= 6 and _PHONE_TEXT.fullmatch(text):
        kinds.append("phone")
    return kinds


def name_words(query: str) -> list[str]:
    """Return the query's words as name keys, female forms folded (Petrovska -> petrovski)."""
    return [w for w in family_key(query).split() if w]


# Key spellings a typed word may stand for beyond its own key. "d" typed for đ/ђ/ѓ
# (Djordje -> Dorde) is stored under the key letter J. Latin lj/nj are љ/њ (key L/N) or
# Macedonian лј/нј written as two letters (Biljana = Биљана or Билјана), keyed lj/nj.
# Albanian x is the sound of Macedonian ѕ (Xvezdan = Ѕвездан), keyed J, not ks.
_VARIANTS = (("d", "J"), ("L", "lj"), ("N", "nj"), ("lj", "L"), ("nj", "N"))
_ALBANIAN_X = re.compile(r"x(?!h)", re.IGNORECASE)


def _variants(query: str, words: list[str]) -> list[list[str]]:
    # Per query word, its key and the other key spellings it may stand for.
    variants = [[word] for word in words]
    if _ALBANIAN_X.search(query):
        as_dz = name_words(_ALBANIAN_X.sub("dz", query))
        if len(as_dz) == len(words):
            for options, word in zip(variants, as_dz, strict=True):
                options.append(word)
    for options in variants:
        for typed, stored in _VARIANTS:
            for word in list(options):
                if typed in word:
                    options.append(word.replace(typed, stored))
    return [list(dict.fromkeys(options)) for options in variants]


def like_escape(text: str) -> str:
    """Return text with LIKE's wildcards and escape character escaped (ESCAPE '\\')."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def identifier_pattern(query: str) -> str:
    """Return a LIKE pattern for a serial or plate: normalised, `?` one and `*` any characters."""
    parts = re.split(r"([?*])", query)
    pattern = "".join(
        _WILDCARDS[p] if p in _WILDCARDS else like_escape(normalise_serial(p)) for p in parts
    )
    return f"%{pattern}%"


def _restricted(stmt: Select[Any], user: Any) -> Select[Any]:
    from armsbridge.auth.permissions import restrict

    return restrict(stmt, user, READ)


def _cached(name: str, build: Any, user: Any) -> Select[Any]:
    # The same statement object per user and day keeps its SQL cache key (see
    # auth.permissions.restricted_statement); values are bound at execution.
    from armsbridge.auth.permissions import restricted_statement

    return restricted_statement("search:" + name, build, user, READ)


def _firearms_by_id() -> Select[Any]:
    return select(Firearm).where(Firearm.id.in_(bindparam("ids", expanding=True)))


def _vehicles_like() -> Select[Any]:
    pattern = bindparam("pattern", type_=String)
    return (
        select(Vehicle)
        .where(
            or_(
                Vehicle.plate_normalised.like(pattern, escape="\\"),
                Vehicle.vin.like(pattern, escape="\\"),
            )
        )
        .order_by(
            (Vehicle.plate_normalised == bindparam("exact", type_=String)).desc(),
            Vehicle.plate_normalised,
        )
        .limit(bindparam("limit", type_=Integer))
    )


def _persons_with_words(shape: tuple[int, ...]) -> Any:
    # Ids of persons with, for every query word (of len(shape)), a name-key word starting with
    # one of its variants: a range per variant (bound as lo/hi{word}_{variant}) on the index of
    # person_name_words, and the sets of the query's words intersected.
    words = PersonNameWord.word
    sets = []
    for i, count in enumerate(shape):
        ranges = [
            and_(
                words >= bindparam(f"lo{i}_{j}", type_=String),
                words < bindparam(f"hi{i}_{j}", type_=String),
            )
            for j in range(count)
        ]
        sets.append(select(PersonNameWord.person_id).where(or_(*ranges)))
    return sets[0] if len(sets) == 1 else intersect(*sets)


def _above(prefix: str) -> str:
    # The lowest string above every string that starts with `prefix` (byte order).
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


# How many candidates a person search ranks: pages are cut from these, best first.
PERSON_POOL = 200


def search_persons(
    session: Session, *, user: Any, query: str, limit: int = 50, offset: int = 0
) -> list[Any]:
    """Return persons whose names match the query in any script, best match first.

    Every query word (in one of its variant spellings) must start a word of the person's name
    key, compared without case; the words come from the index of person_name_words, so no
    search reads the keys one by one, whether it has one word, several or no hit.
    """
    words = name_words(query)
    if not words:
        return []
    variants = [list(dict.fromkeys(v.lower() for v in vs)) for vs in _variants(query, words)]
    shape = tuple(len(v) for v in variants)
    params: dict[str, str] = {}
    for i, options in enumerate(variants):
        for j, variant in enumerate(options):
            params[f"lo{i}_{j}"] = variant
            params[f"hi{i}_{j}"] = _above(variant)

    # A full name matches a few persons: their rows are read at once. One word matches many:
    # up to 200 candidates are ranked on their keys and only the persons shown are loaded.
    whole = len(words) > 1

    def candidates() -> Select[Any]:
        # Matching ids come from the word index alone, then restrict() applies to those rows
        # only; otherwise the planner walks the jurisdiction index instead.
        ids = _persons_with_words(shape)
        stmt = select(Person) if whole else select(Person.id, Person.name_key)
        return cast("Select[Any]", stmt.where(Person.id.in_(ids)).limit(PERSON_POOL))

    stmt = _cached(f"persons:{whole}:{shape}", candidates, user)
    result = session.execute(stmt, params)
    found = list(result.scalars() if whole else result)
    target = " ".join(sorted(words)).lower()
    exact = person_name_key(query, None)

    def score(row: Any) -> tuple[int, float, int]:
        # The id breaks ties, so that pages cut from one ranking neither skip nor repeat.
        key = row.name_key or ""
        return (0 if key == exact else 1, -fuzz.token_sort_ratio(key.lower(), target), row.id)

    ranked = sorted(found, key=score)[offset : offset + limit]
    if whole or not ranked:
        return ranked
    shown = [row.id for row in ranked]
    rows = {
        p.id: p
        for p in session.scalars(_cached("persons:by-id", _persons_by_id, user), {"ids": shown})
    }
    return [rows[i] for i in shown if i in rows]


def _persons_by_id() -> Select[Any]:
    return select(Person).where(Person.id.in_(bindparam("ids", expanding=True)))


def search_firearms(session: Session, *, user: Any, query: str, limit: int = 50) -> list[Any]:
    """Return firearms by serial: exact (misreading-tolerant), else containing the text."""
    from armsbridge.firearms.serial_search import search_serials

    patterns = [query] if any(ch in query for ch in "?*") else [query, f"*{query}*"]
    for pattern in patterns:
        try:
            # Hits come from the serial indexes alone; restrict() then narrows those rows (with
            # restrict inside, the planner walks the jurisdiction index instead).
            hits = search_serials(session, pattern=pattern, limit=limit * 4)
        except ValidationFailed:
            return []
        ids = [h["id"] for h in hits]
        if not ids:
            continue
        stmt = _cached("firearms", _firearms_by_id, user)
        rows = {f.id: f for f in session.scalars(stmt, {"ids": ids})}
        found = [rows[i] for i in ids if i in rows][:limit]
        if found:
            return found
    return []


def search_vehicles(session: Session, *, user: Any, query: str, limit: int = 50) -> list[Any]:
    """Return vehicles whose normalised plate (or VIN) contains the query."""
    pattern = identifier_pattern(query)
    exact = normalise_plate(query)
    stmt = _cached("vehicles", _vehicles_like, user)
    return list(session.scalars(stmt, {"pattern": pattern, "exact": exact, "limit": limit}))


def phone_candidates(query: str) -> list[str]:
    """Return the E.164 forms a typed number can have (national in XK or MK, or international)."""
    found: list[str] = []
    for jurisdiction in ("XK", "MK"):
        try:
            e164, _region = normalise_phone(query, jurisdiction=jurisdiction)
        except ValidationFailed:
            continue
        if e164 and e164 not in found:
            found.append(e164)
    return found


def search_phones(session: Session, *, user: Any, query: str, limit: int = 50) -> list[Any]:
    """Return phones equal to the number in E.164, or ending with its digits."""
    digits = "".join(ch for ch in query if ch.isdigit()).lstrip("0")
    conditions = [Phone.e164.in_(phone_candidates(query))] if phone_candidates(query) else []
    if len(digits) >= 6:
        conditions.append(Phone.e164.like(f"%{digits}"))
    if not conditions:
        return []
    stmt = select(Phone).where(or_(*conditions)).order_by(Phone.e164).limit(limit)
    return list(session.scalars(_restricted(stmt, user)))


def search(
    session: Session,
    *,
    user: Any,
    query: str,
    why: str | None = None,
    limit: int = 50,
    log: bool = True,
    persons_page: tuple[int, int] | None = None,
) -> SearchResults:
    """Search every kind the query can be; persons only with a justification, which is logged.

    With log=False the caller logs the search itself (pages write search_entry() in its own
    short transaction, see web.access_log). `persons_page` = (offset, size) cuts one page of
    the persons found; `persons_more` then says whether another page follows.
    """
    query = (query or "").strip()[:MAX_QUERY]
    results = SearchResults(query=query, kinds=classify(query))
    if not query:
        return results
    readable = record_types_for(user.role, "read")
    if "person" in results.kinds and "person" in readable:
        if why and why.strip():
            offset, size = persons_page or (0, limit)
            found = search_persons(session, user=user, query=query, limit=size + 1, offset=offset)
            results.persons, results.persons_more = found[:size], len(found) > size
        else:
            results.needs_justification = True
    if "serial" in results.kinds and "firearm" in readable:
        results.firearms = search_firearms(session, user=user, query=query, limit=limit)
    if "plate" in results.kinds and "vehicle" in readable:
        results.vehicles = search_vehicles(session, user=user, query=query, limit=limit)
    if "phone" in results.kinds and "phone" in readable:
        if why and why.strip():  # phones are personal data too (records.yaml personal: true)
            results.phones = search_phones(session, user=user, query=query, limit=limit)
        else:
            results.needs_justification = True
    if log and results.logged:
        log_search(session, user=user, results=results, why=why or "")
    return results


def search_entry(*, user: Any, results: SearchResults, why: str) -> dict[str, Any]:
    """Return the audit entry of a search: who, why, the query, the persons and phones shown."""
    details: dict[str, Any] = {
        "query": results.query,
        "results": len(results.persons or []),
        "ids": [p.id for p in results.persons or []],
    }
    if results.phones is not None:
        details["phones"] = [ph.id for ph in results.phones]
    return {
        "action": "search",
        "record_type": "person",
        "jurisdiction": user.jurisdiction,
        "why": why.strip(),
        "details": details,
    }


def log_search(session: Session, *, user: Any, results: SearchResults, why: str) -> None:
    """Log a person search in the caller's transaction."""
    log_access(session, user=user, **search_entry(user=user, results=results, why=why))
