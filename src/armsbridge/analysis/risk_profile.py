"""A border risk profile's content, generated from the passages and seizures a user may read.

The question is a learning period and, optionally, a later period to score the profile on. On
the learning period, each indicator of `analysis.risk` gets its evidence (passages with it,
seizures among them, the seizure rate with a Wilson 95 % interval, its lift over the base rate,
its weight in the logistic model), grouped as in Frontex's CIRAM into threat and vulnerability;
impact is what the seizures at each crossing point were, by the legal category of the weapons.
On the later period the same indicators are counted again and the model's ranking is scored
(AUC and the share of seizures among the top 1 % of passages, against the best single indicator
and chance). The joint patrols' results per crossing point stand beside the figures, and the
crossing point x time windows with the strongest evidence are suggested for the next patrols.
The stored passages are this node's service's only (restrict(), type "passage").
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from armsbridge.analysis import risk
from armsbridge.analysis.evidence import SHOWN, Evidence, chunks, ref
from armsbridge.auth.permissions import restrict, role_allows
from armsbridge.auth.principal import Principal
from armsbridge.border.models import Passage
from armsbridge.errors import ValidationFailed
from armsbridge.exchange.patrols import patrol_results
from armsbridge.i18n_marker import N_
from armsbridge.records.models import Event, Firearm, Place

SUGGESTED = 5  # crossing point x time windows suggested for joint patrols
DIMENSIONS = ("threat", "vulnerability")
COLUMNS = (
    Passage.crossing,
    Passage.passed_at,
    Passage.vehicle,
    Passage.plate,
    Passage.occupants,
    Passage.age_band,
    Passage.male,
    Passage.known,
    Passage.crossings_30d,
    Passage.weapons_found,
)


@dataclass(frozen=True)
class RiskQuestion:
    """What a risk profile is learnt on (start-end) and scored on (score_start-score_end)."""

    start: str
    end: str
    score_start: str | None = None
    score_end: str | None = None

    def check(self) -> RiskQuestion:
        """Return the question when its dates are valid; ValidationFailed naming the field."""
        for name in ("start", "end", "score_start", "score_end"):
            value = getattr(self, name)
            if value is None and name.startswith("score"):
                continue
            try:
                date.fromisoformat(str(value))
            except ValueError:
                _refuse(name, str(value), N_("a date, YYYY-MM-DD"))
        if self.start > self.end:
            _refuse("end", self.end, N_("a date on or after the start date"))
        if (self.score_start is None) != (self.score_end is None):
            missing = "score_end" if self.score_end is None else "score_start"
            _refuse(missing, "", N_("both dates of the later period, or neither"))
        if self.score_start is not None and self.score_end is not None:
            if self.score_start <= self.end:
                _refuse("score_start", self.score_start, N_("a date after the learning period"))
            if self.score_start > self.score_end:
                _refuse("score_end", self.score_end, N_("a date on or after the start date"))
        return self

    def as_params(self) -> dict[str, Any]:
        """Return the question as the product's stored parameters."""
        return asdict(self)


def _refuse(name: str, value: str, expected: str) -> None:
    raise ValidationFailed(
        N_("%(field)s: %(value)s is not valid."),
        [{"field": name, "value": value[:60], "expected": expected}],
        values={"field": name, "value": value[:60]},
    )


def _span(start: str, end: str) -> tuple[datetime, datetime]:
    return (
        datetime.combine(date.fromisoformat(start), time.min),
        datetime.combine(date.fromisoformat(end) + timedelta(days=1), time.min),
    )


def _traffic(session: Session, user: Principal, start: str, end: str) -> risk.Traffic:
    since, until = _span(start, end)
    stmt = restrict(select(*COLUMNS), user, "product.write", model=Passage).where(
        Passage.passed_at >= since, Passage.passed_at < until
    )
    return risk.Traffic.from_rows(session.execute(stmt.order_by(Passage.passed_at, Passage.id)))


def _seizures(
    session: Session, user: Principal, start: str, end: str, evidence: Evidence
) -> list[dict[str, Any]]:
    """Impact: the seizures at each crossing point in the period, by the weapons' category."""
    places = restrict(select(Place), user, "record.read").where(Place.crossing_code.is_not(None))
    place_of = {p.id: p for p in session.scalars(places)}
    events = list(
        session.scalars(
            restrict(select(Event), user, "record.read").where(
                Event.kind == "seizure",
                Event.place_id.in_(list(place_of)),
                Event.occurred_on >= start,
                Event.occurred_on <= end + "~",
            )
        )
    )
    firearms: list[Firearm] = []
    for chunk in chunks(e.id for e in events):
        stmt = restrict(select(Firearm), user, "record.read").where(Firearm.event_id.in_(chunk))
        firearms.extend(session.scalars(stmt))
    evidence.add("event", events)
    evidence.add("firearm", firearms)
    evidence.add("place", [place_of[e.place_id] for e in events if e.place_id])
    crossing_of_event = {e.id: place_of[e.place_id].crossing_code for e in events if e.place_id}
    by_crossing: dict[str, dict[str, Any]] = {}
    for e in events:
        code = crossing_of_event[e.id]
        row = by_crossing.setdefault(
            code, {"crossing": code, "events": [], "firearms": 0, "categories": defaultdict(list)}
        )
        row["events"].append(ref("event", e))
    for f in firearms:
        row = by_crossing[crossing_of_event[f.event_id]]
        row["firearms"] += 1
        row["categories"][f.category[:1] if f.category else "unknown"].append(ref("firearm", f))
    out = []
    for row in sorted(by_crossing.values(), key=lambda r: (-r["firearms"], r["crossing"])):
        categories = sorted(row["categories"].items(), key=lambda kv: (-len(kv[1]), kv[0]))
        out.append(
            {
                "crossing": row["crossing"],
                "seizures": len(row["events"]),
                "firearms": row["firearms"],
                "evidence": row["events"][:SHOWN],
                "categories": [
                    {"value": v, "count": len(refs), "evidence": refs[:SHOWN]}
                    for v, refs in categories
                ],
            }
        )
    return out


def _patrols(
    session: Session, user: Principal, question: RiskQuestion
) -> list[dict[str, Any]] | None:
    """The joint patrols' results per place over both periods (None: the role may not see)."""
    if not role_allows(user.role, "patrol.work"):
        return None
    results = patrol_results(
        session,
        user=user,
        since=date.fromisoformat(question.start),
        until=date.fromisoformat(question.score_end or question.end),
    )
    return [
        {
            "place": r.place,
            "patrols": r.patrols,
            "reported": r.reported,
            "hours": round(r.hours, 1),
            "checks": r.persons_checked + r.vehicles_checked,
            "hits": r.hits,
            "seizures": r.seizures,
            "firearms_seized": r.firearms_seized,
            "hit_rate": r.hit_rate,
        }
        for r in results
    ]


def _figures(traffic: risk.Traffic) -> dict[str, Any]:
    return {
        "passages": len(traffic),
        "seizures": int(traffic.found.sum()),
        "base_rate": float(traffic.found.mean()) if len(traffic) else 0.0,
        "crossings": sorted(set(traffic.crossing.tolist())),
    }


def _later(
    profile: risk.RiskProfile, later: risk.Traffic, question: RiskQuestion
) -> dict[str, Any]:
    """The later period: the profile's ranking scored, each indicator counted again."""
    out: dict[str, Any] = {
        "start": question.score_start,
        "end": question.score_end,
        **_figures(later),
    }
    if len(later):
        scored = risk.evaluate(profile, later, truth="found")
        for name in ("profile", "best_rule", "random"):
            out[f"auc_{name}"] = scored[f"auc_{name}"] if profile.model is not None else None
            out[f"top1_{name}"] = scored[f"top1_precision_{name}"]
        out["best_rule"] = scored["best_rule"]
        rows = risk.evidence_rows(risk.matrix(later, profile.chosen), later.found, profile.chosen)
        out["indicators"] = {r["indicator"]: r for r in rows}
    return out


def generate(
    session: Session, *, user: Principal, question: RiskQuestion
) -> tuple[dict[str, Any], Evidence]:
    """Return the risk profile's content and the records it rests on (the seizures)."""
    question.check()
    traffic = _traffic(session, user, question.start, question.end)
    profile = risk.learn(traffic)
    later, later_cells = None, {}
    if question.score_start and question.score_end:
        scored = _traffic(session, user, question.score_start, question.score_end)
        later = _later(profile, scored, question)
        later_cells = {(c["crossing"], c["start"]): c for c in risk.cells(scored)}
    again = (later or {}).get("indicators", {})
    dimensions: dict[str, list[dict[str, Any]]] = {d: [] for d in DIMENSIONS}
    for row in profile.evidence:
        row = {**row, "strong": row["seizures"] >= risk.MIN_SEIZURES}
        row["later"] = again.get(row["indicator"])
        dimensions[row["dimension"]].append(row)
    if later is not None:
        later.pop("indicators", None)
    evidence = Evidence()
    impact = _seizures(session, user, question.start, question.end, evidence)
    patrols = _patrols(session, user, question)
    by_place = {p["place"]: p for p in patrols or []}
    crossings = []
    for code in sorted(set(traffic.crossing.tolist()) | {i["crossing"] for i in impact}):
        at = traffic.crossing == code
        row = risk.rate_of(int(traffic.found[at].sum()), int(at.sum()), profile.base_rate)
        crossings.append({"crossing": code, **row, "patrols": by_place.get(code)})
    suggestions = [
        {**c, "later": later_cells.get((c["crossing"], c["start"]))}
        for c in risk.cells(traffic, base=profile.base_rate)
        if c["seizures"]
    ][:SUGGESTED]
    content = {
        "question": question.as_params(),
        "figures": {**_figures(traffic), "model": profile.model is not None},
        "dimensions": dimensions,
        "impact": impact,
        "crossings": crossings,
        "patrols": patrols,
        "suggestions": suggestions,
        "later": later,
        "min_seizures": risk.MIN_SEIZURES,
        "window_hours": risk.WINDOW_HOURS,
    }
    return content, evidence
