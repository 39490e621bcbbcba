"""Serial search: full, partial (`?` one unknown character, `*` any run) and misreading-tolerant.

Every serial is stored folded (`serial_key`: 0/O, 1/I/L, 5/S, 8/B, 2/Z and Cyrillic look-alikes
made equal), reversed (`serial_key_rev`) and as trigrams (`firearm_serial_grams`). A query is
folded the same way and answered from the narrowest index: equality, a prefix range on the key,
a prefix range on the reversed key (`*4521`), or the trigrams of the longest read fragment. Only
a pattern with no fragment of three characters and no anchored end falls back to a scan.
Candidates are then checked exactly and ranked: fewer misread characters first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, intersect, select
from sqlalchemy.orm import Session

from armsbridge.errors import ValidationFailed
from armsbridge.firearms.derive import GRAM
from armsbridge.firearms.models import FirearmSerialGram
from armsbridge.firearms.serials import fold_char, fold_confusables, normalise_serial
from armsbridge.i18n_marker import N_
from armsbridge.records.models import Firearm

WILDCARDS = "?*"


@dataclass(frozen=True)
class SerialPattern:
    """A parsed query: normalised and folded tokens, '?' and '*' kept."""

    normal: str
    folded: str

    @property
    def literal_count(self) -> int:
        """Number of read (non-wildcard) characters."""
        return sum(ch not in WILDCARDS for ch in self.folded)

    def regex(self) -> re.Pattern[str]:
        """Regex over a folded key, one group per literal run (to align misreads)."""
        parts = []
        for run in re.findall(r"\?+|\*+|[^?*]+", self.folded):
            if run[0] == "?":
                parts.append(f".{{{len(run)}}}")
            elif run[0] == "*":
                parts.append(".*?")
            else:
                parts.append(f"({re.escape(run)})")
        return re.compile("^" + "".join(parts) + "$", re.DOTALL)

    def fragments(self) -> list[str]:
        """The read fragments between wildcards."""
        return [f for f in re.split(r"[?*]+", self.folded) if f]


def parse_pattern(text: str) -> SerialPattern:
    """Normalise a query the way serials are stored, keeping '?' (one) and '*' (any run)."""
    # "_" and "%" are accepted as the SQL-minded spellings of "?" and "*".
    raw = (text or "").replace("_", "?").replace("%", "*")
    normal = ""
    for chunk in re.split(r"([?*])", raw):
        normal += chunk if chunk in ("?", "*") else normalise_serial(chunk)
    normal = re.sub(r"\*+", "*", normal)
    if not normal.replace("*", ""):
        raise ValidationFailed(
            N_("serial pattern %(text)r has no character to search for"),
            [{"field": "serial", "value": text, "expected": "letters/digits, '?' or '*'"}],
            values={"text": text},
        )
    if normal.replace("*", "").replace("?", "") == "":
        raise ValidationFailed(
            N_("serial pattern %(text)r has only unknown positions"),
            [{"field": "serial", "value": text, "expected": "at least one read character"}],
            values={"text": text},
        )
    folded = "".join(fold_char(ch) for ch in normal)
    return SerialPattern(normal=normal, folded=folded)


def _like(folded: str) -> str:
    return folded.replace("?", "_").replace("*", "%")


def _prefix_range(column: Any, prefix: str) -> Any:
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return and_(column >= prefix, column < upper)


def plan(pattern: SerialPattern) -> tuple[str, Any]:
    """Choose the index for a pattern: ('exact'|'prefix'|'suffix'|'grams'|'scan', detail)."""
    folded = pattern.folded
    if not any(ch in WILDCARDS for ch in folded):
        return "exact", folded
    prefix = re.match(r"[^?*]*", folded).group(0)  # type: ignore[union-attr]
    suffix = re.search(r"[^?*]*$", folded).group(0)  # type: ignore[union-attr]
    best_fragment = max(pattern.fragments(), key=len)
    anchored = max(len(prefix), len(suffix))
    if len(best_fragment) >= GRAM and len(best_fragment) > anchored + 1:
        return "grams", best_fragment
    if anchored >= 1:
        return ("prefix", prefix) if len(prefix) >= len(suffix) else ("suffix", suffix[::-1])
    if len(best_fragment) >= GRAM:
        return "grams", best_fragment
    return "scan", None


CandidateQuery = Select[int, str | None, str | None]


def _candidates(pattern: SerialPattern) -> CandidateQuery:
    strategy, detail = plan(pattern)
    stmt = select(Firearm.id, Firearm.serial_normalised, Firearm.serial_key)
    if strategy == "exact":
        return stmt.where(Firearm.serial_key == detail)
    if strategy == "prefix":
        stmt = stmt.where(_prefix_range(Firearm.serial_key, detail))
    elif strategy == "suffix":
        stmt = stmt.where(_prefix_range(Firearm.serial_key_rev, detail))
    elif strategy == "grams":
        # Intersect the posting lists of up to three grams of the fragment, the likely rarest
        # first (letters are rarer than digits): sequential reads of the (gram, firearm_id) key.
        grams = sorted(
            {detail[i : i + GRAM] for i in range(len(detail) - GRAM + 1)},
            key=lambda g: (-sum(not ch.isdigit() for ch in g), -len(set(g)), g),
        )[:3]
        lists = [
            select(FirearmSerialGram.firearm_id).where(FirearmSerialGram.gram == g) for g in grams
        ]
        ids: Any = lists[0] if len(lists) == 1 else intersect(*lists)
        stmt = stmt.where(Firearm.id.in_(ids))
    elif strategy == "scan":
        # Scan the narrow key index, not the table; read the matching rows afterwards.
        matching = select(Firearm.id).where(Firearm.serial_key.like(_like(pattern.folded)))
        return stmt.where(Firearm.id.in_(matching))
    return stmt.where(Firearm.serial_key.like(_like(pattern.folded)))


def misreads(pattern: SerialPattern, serial_normalised: str, serial_key: str) -> int | None:
    """Count read characters that match only after folding (None if the serial does not match)."""
    m = pattern.regex().match(serial_key)
    if not m:
        return None
    count = 0
    literal_runs = [r for r in re.findall(r"\?+|\*+|[^?*]+", pattern.normal) if r[0] not in "?*"]
    for group, run in enumerate(literal_runs, start=1):
        start = m.start(group)
        count += sum(
            1 for i, ch in enumerate(run) if serial_normalised[start + i : start + i + 1] != ch
        )
    return count


def search_serials(
    session: Session,
    *,
    pattern: str,
    jurisdiction: str | None = None,
    limit: int | None = 50,
    restrict: Any = None,
) -> list[dict[str, Any]]:
    """Find firearms whose serial matches `pattern`, best first (fewest misread characters)."""
    parsed = parse_pattern(pattern)
    # Rows written in bulk carry no key until `firearm refresh`: fold them here (an index
    # lookup on serial_key IS NULL, cheap when there are none) so they are never missed.
    stale = select(Firearm.id, Firearm.serial_normalised, Firearm.serial_key).where(
        Firearm.serial_key.is_(None), Firearm.serial_normalised.is_not(None)
    )
    rows_found: list[tuple[int, str | None, str | None]] = []
    for stmt in (_candidates(parsed), stale):
        if jurisdiction:
            stmt = stmt.where(Firearm.jurisdiction == jurisdiction)
        if restrict is not None:
            stmt = restrict(stmt)
        rows_found.extend((r[0], r[1], r[2]) for r in session.execute(stmt))
    rx = parsed.regex()
    hits = []
    for fid, normal, stored_key in rows_found:
        key = stored_key or fold_confusables(normal or "")
        if not key or not rx.match(key):
            continue
        wrong = misreads(parsed, normal or "", key)
        if wrong is None:
            continue
        hits.append((wrong, abs(len(key) - len(parsed.folded)), fid, normal))
    hits.sort()
    if limit is not None:
        hits = hits[:limit]
    if not hits:
        return []
    ids = [h[2] for h in hits]
    rows = {f.id: f for f in session.scalars(select(Firearm).where(Firearm.id.in_(ids)))}
    known = max(parsed.literal_count, 1)
    return [
        {
            "id": fid,
            "jurisdiction": rows[fid].jurisdiction,
            "external_ref": rows[fid].external_ref,
            "serial_raw": rows[fid].serial_raw,
            "serial_normalised": normal,
            "make": rows[fid].make,
            "model": rows[fid].model,
            "misread_characters": wrong,
            "score": round(1 - wrong / known, 3),
        }
        for wrong, _, fid, normal in hits
    ]


def brute_force(rows: list[tuple[int, str]], pattern: str) -> set[int]:
    """Ids of (id, serial_raw) rows that match `pattern`, by scanning them all (tests, bench)."""
    parsed = parse_pattern(pattern)
    rx = parsed.regex()
    out = set()
    for fid, raw in rows:
        key = "".join(fold_char(ch) for ch in normalise_serial(raw or ""))
        if key and rx.match(key):
            out.add(fid)
    return out
