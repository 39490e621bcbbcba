"""One file's import between its check and its write: keys resolved to ids, rows accepted.

stage() validates and resolves a batch of rows without writing; apply() writes every staged
batch in file order (imports.service runs it inside one savepoint).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import String, bindparam, func, insert, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from armsbridge.auth.principal import Principal
from armsbridge.db.mixins import utcnow
from armsbridge.errors import PermissionDenied
from armsbridge.imports.mapping import template_columns
from armsbridge.imports.planning import PlannedLink, RecordKey, RowPlan, plan_row
from armsbridge.imports.profile import Profile
from armsbridge.imports.schemas import ImportReport, RowError
from armsbridge.records.bulk import bulk_write
from armsbridge.records.children import add_children
from armsbridge.records.models import CaseStatusChange
from armsbridge.records.service import (
    check_write,
    link_key,
    status_change_problem,
    status_rank,
    status_step_problem,
)
from armsbridge.records.validation import model_for

_LOOKUP_CHUNK = 500
_NEW = -1  # id of a record the check creates, before apply() writes it


class FileImport:
    """State of one file's import across batches: keys already resolved to ids, counts."""

    def __init__(
        self,
        session: Session,
        profile: Profile,
        report: ImportReport,
        *,
        user: Principal,
        keep: bool,
    ) -> None:
        self.session, self.profile, self.report = session, profile, report
        self.user, self.keep = user, keep
        self.writing = False  # staging counts and marks new keys; apply() writes
        # The accepted rows of each batch, with the dated case steps they add, kept for apply().
        self.staged: list[tuple[list[RowPlan], list[tuple[RecordKey, Any]]]] = []
        self.changes: list[tuple[str, int, str]] = []  # the records written, for the audit log
        self.known: dict[RecordKey, int] = {}
        self.case_status: dict[RecordKey, str] = {}
        # Dated status steps of the cases this file touches: (status, date, court reference).
        self.history: dict[RecordKey, list[tuple[str, date, str | None]]] = {}
        self.new_steps: list[tuple[RecordKey, tuple[str, date, str | None]]] = []
        self.steps_known = 0
        self._pending_children: list[tuple[RecordKey, list[tuple[str, dict[str, Any]]]]] = []
        self.child_counts: Counter[str] = Counter()
        self.created: dict[str, set[RecordKey]] = defaultdict(set)
        self.updated: dict[str, set[RecordKey]] = defaultdict(set)
        self.quarantined: list[tuple[int, dict[str, Any], list[RowError]]] = []
        self.postgres = session.get_bind().dialect.name == "postgresql"
        self.chunk = 5000 if self.postgres else _LOOKUP_CHUNK

    def counts(self) -> tuple[Any, Any]:
        """Return (created, updated) record counts per type (child rows added count as created)."""
        created = Counter({t: len(keys) for t, keys in self.created.items() if keys})
        created.update(+self.child_counts)
        updated = Counter(
            {t: len(keys - self.created[t]) for t, keys in self.updated.items() if keys}
        )
        return created, +updated

    def _quarantine(self, number: int, raw: dict[str, Any], errors: list[RowError]) -> None:
        self.quarantined.append((number, raw, errors))
        self.report.errors.extend(errors)
        self.report.rows_quarantined += 1

    def stage(self, rows: list[tuple[int, dict[str, Any]]]) -> None:
        """Validate and resolve one batch of rows, writing nothing; keep it for apply()."""
        plans: list[RowPlan] = []
        for number, raw in rows:
            self.report.rows_read += 1
            result = plan_row(self.profile, number, raw, self.report.file)
            if isinstance(result, list):
                self._quarantine(number, raw, result)
            else:
                plans.append(result)
        wanted = [r.key for p in plans for r in p.records.values()]
        wanted += [k for p in plans for k, _ in p.needs]
        self._lookup(wanted)
        self._load_history([r.key for p in plans for r in p.records.values() if r.step])
        accepted = self._accept(plans)
        self.report.rows_imported += len(accepted)
        if self.keep:
            self.staged.append((accepted, list(self.new_steps)))
        self._write_records(accepted)
        self._write_links(accepted)

    def apply(self) -> None:
        """Write every staged batch, in file order, as the staging pass planned it."""
        self.known = {key: rid for key, rid in self.known.items() if rid != _NEW}
        self.child_counts.clear()
        self.writing = True
        staged, self.staged = self.staged, []
        for accepted, steps in staged:
            self.new_steps = list(steps)
            self._write_records(accepted)
            self._write_links(accepted)

    def _lookup(self, keys: Iterable[RecordKey]) -> None:
        groups: dict[tuple[str, str], set[str]] = defaultdict(set)
        for key in keys:
            if key not in self.known:
                groups[(key[0], key[1])].add(key[2])
        for (rtype, jur), refs in groups.items():
            model = model_for(rtype)
            cols = [model.id, model.external_ref]
            if rtype == "case":
                cols.append(model.status)
            ordered = sorted(refs)
            for start in range(0, len(ordered), self.chunk):
                chunk = ordered[start : start + self.chunk]
                stmt = select(*cols).where(model.jurisdiction == jur)
                if self.postgres:
                    # One array parameter, joined as a set: `= ANY(:param)` under a prepared
                    # (generic) plan compares every row with every key, which grows with the
                    # table; a join lets the store use its (jurisdiction, external_ref) index.
                    keyset = (
                        func.unnest(bindparam("refs", chunk, ARRAY(String)))
                        .table_valued("ref")
                        .render_derived(name="refs")
                    )
                    stmt = stmt.join(keyset, model.external_ref == keyset.c.ref)
                else:
                    stmt = stmt.where(model.external_ref.in_(chunk))
                for row in self.session.execute(stmt):
                    self.known[(rtype, jur, row[1])] = row[0]
                    if rtype == "case":
                        self.case_status[(rtype, jur, row[1])] = row[2]

    def _load_history(self, keys: list[RecordKey]) -> None:
        ids = {self.known[k]: k for k in keys if k not in self.history and self.known.get(k, 0) > 0}
        for key in keys:
            self.history.setdefault(key, [])
        ordered = sorted(ids)
        for start in range(0, len(ordered), self.chunk):
            stmt = select(
                CaseStatusChange.case_id,
                CaseStatusChange.status,
                CaseStatusChange.changed_on,
                CaseStatusChange.court_reference,
            ).where(CaseStatusChange.case_id.in_(ordered[start : start + self.chunk]))
            for case_id, status, on, court in self.session.execute(stmt):
                self.history[ids[case_id]].append((status, on, court))

    def _check_steps(self, plan: RowPlan, errors: list[RowError]) -> list[Any]:
        steps = []
        for rec in plan.records.values():
            if rec.step is None:
                continue
            history = self.history.setdefault(rec.key, [])
            status, on, _court = rec.step
            problem, known = status_step_problem([(h[0], h[1]) for h in history], status, on)
            if problem:
                ref = rec.key[2]
                problem += f" (case {ref})"
                sources = [rec.spec.fields["status"], rec.spec.status_date]
                columns = ", ".join(c for src in sources if src for c in src.referenced_columns())
                value = f"{status} {on.isoformat()}"
                errors.append(RowError(self.report.file, plan.number, columns, value, problem))
            elif known:
                rec.step = None
                self.steps_known += 1
            else:
                steps.append((rec.key, rec.step))
        return steps

    def _refusal(self, key: RecordKey) -> str | None:
        """What the importing account may write instead, when it may not write this record."""
        try:
            check_write(self.user, key[0], key[1])
        except PermissionDenied:
            if key[1] != self.user.jurisdiction and not self.user.is_node:
                return f"{self.user.jurisdiction}: your account imports records of its own service"
            return f"a record your role ({self.user.role}) may write, not a {key[0]}"
        return None

    def _accept(self, plans: list[RowPlan]) -> list[RowPlan]:
        accepted: list[RowPlan] = []
        pending: set[RecordKey] = set()
        for plan in plans:
            errors = []
            for key, columns in plan.needs:
                if key not in self.known and key not in pending:
                    errors.append(
                        RowError(
                            self.report.file,
                            plan.number,
                            columns,
                            key[2],
                            f"the reference of a {key[0]} of {key[1]} already stored or "
                            "imported by an earlier row",
                        )
                    )
            refusals: set[str] = set()  # one line per reason, not one per record of the row
            for rec in plan.records.values():
                refusal = self._refusal(rec.key)
                if refusal and refusal not in refusals:
                    refusals.add(refusal)
                    errors.append(
                        RowError(self.report.file, plan.number, "jurisdiction", rec.key[1], refusal)
                    )
                if rec.spec.existing and rec.key not in self.known:
                    errors.append(
                        RowError(
                            self.report.file,
                            plan.number,
                            ", ".join(template_columns(rec.spec.key)),
                            rec.key[2],
                            f"the reference of a {rec.key[0]} of {rec.key[1]} already stored "
                            "(this file updates stored records only)",
                        )
                    )
                if rec.spec.status_date is not None:
                    continue  # dated steps: checked against the history below
                status = rec.values.get("status") if rec.key[0] == "case" else None
                current = self.case_status.get(rec.key)
                if status and current and status != current:
                    problem = status_change_problem(current, status)
                    if problem:
                        errors.append(RowError(self.report.file, plan.number, "", status, problem))
            steps = [] if errors else self._check_steps(plan, errors)
            if errors:
                self._quarantine(plan.number, plan.raw, errors)
                continue
            for key, step in steps:
                self.history[key].append(step)
                self.new_steps.append((key, step))
            accepted.append(plan)
            pending.update(r.key for r in plan.records.values())
        return accepted

    def _write_records(self, plans: list[RowPlan]) -> None:
        for spec in self.profile.records:
            inserts: dict[RecordKey, dict[str, Any]] = {}
            updates: dict[int, dict[str, Any]] = {}
            for plan in plans:
                rec = plan.records.get(spec.alias)
                if rec is None:
                    continue
                values = rec.values  # a plan is written once: its dict is used as it is
                for fname, alias in spec.foreign.items():
                    other = plan.records.get(alias)
                    values[fname] = self.known.get(other.key) if other else None
                if rec.key in self.known:
                    self.updated[spec.type].add(rec.key)
                    changes = {k: v for k, v in values.items() if v is not None}
                    for k in ("jurisdiction", "external_ref", "source_ref"):
                        changes.pop(k, None)
                    updates.setdefault(self.known[rec.key], {}).update(changes)
                elif rec.key in inserts:
                    inserts[rec.key].update({k: v for k, v in values.items() if v is not None})
                else:
                    values.setdefault("source_ref", f"{self.report.file} row {plan.number}")
                    inserts[rec.key] = values
            if spec.children:
                self._pending_children = [
                    (rec.key, rec.children)
                    for plan in plans
                    if (rec := plan.records.get(spec.alias)) is not None and rec.children
                ]
            if spec.status_date is None:
                self._store(spec.type, inserts, updates)
                self._write_children()
                continue
            # The case takes the status (and court reference) of its latest step, whichever
            # order the steps came in.
            for key in {*inserts, *(k for k in self.history if self.known.get(k, 0) in updates)}:
                current = self._current(key)
                if current:
                    vals = inserts[key] if key in inserts else updates[self.known[key]]
                    vals.pop("court_reference", None)
                    vals.update(current)
            self._store(spec.type, inserts, updates, history=False)
            self._write_steps(inserts)
            self._write_children()

    def _write_children(self) -> None:
        """Add the child rows (identity documents, ...) of the records just written."""
        pending, self._pending_children = self._pending_children, []
        by_type: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
        for key, children in pending:
            for ctype, values in children:
                by_type[ctype].append((self.known[key], values))
        for ctype, rows in by_type.items():
            if not self.writing:
                self.child_counts[ctype] += len(rows)
                continue
            self.child_counts[ctype] += add_children(self.session, child_type=ctype, rows=rows)

    def _current(self, key: RecordKey) -> dict[str, Any]:
        """The status and court reference of a case: those of its latest step."""
        steps = sorted(self.history.get(key, []), key=lambda h: (h[1], status_rank(h[0])))
        if not steps:
            return {}
        courts = [court for _s, _d, court in steps if court]
        return {"status": steps[-1][0], **({"court_reference": courts[-1]} if courts else {})}

    def _write_steps(self, inserts: dict[RecordKey, dict[str, Any]]) -> None:
        steps = list(self.new_steps)
        self.new_steps.clear()
        stepped = {key for key, _ in steps}
        for key, vals in inserts.items():  # a new case without a dated status: as before
            if key not in stepped:
                on = vals.get("opened_on") or date.today()
                step = (vals.get("status") or "reported", on, vals.get("court_reference"))
                steps.append((key, step))
        if not self.writing or not steps:
            return
        now = utcnow()
        rows = [
            {
                "case_id": self.known[key],
                "status": status,
                "changed_on": on,
                "court_reference": court,
                "recorded_by": self.user.username,
                "recorded_at": now,
            }
            for key, (status, on, court) in steps
        ]
        self.session.execute(insert(CaseStatusChange), rows)

    def _store(
        self,
        rtype: str,
        inserts: dict[RecordKey, dict[str, Any]],
        updates: dict[int, dict],
        *,
        history: bool = True,
    ) -> None:
        self.created[rtype].update(inserts)
        if not self.writing:
            self.known.update(dict.fromkeys(inserts, _NEW))
            return
        update_rows = [{"id": rid, **vals} for rid, vals in updates.items() if rid != _NEW and vals]
        if not inserts and not update_rows:
            return
        ids = bulk_write(
            self.session,
            record_type=rtype,
            inserts=list(inserts.values()),
            updates=update_rows,
            user=self.user,
            case_history=history,
            changes=self.changes,
        )
        for (jur, ref), rid in ids.items():
            self.known[(rtype, jur, ref)] = rid
        for key, vals in inserts.items():
            if rtype == "case":
                self.case_status[key] = vals.get("status") or "reported"

    def _write_links(self, plans: list[RowPlan]) -> None:
        planned: dict[RecordKey, PlannedLink] = {}
        for plan in plans:
            for link in plan.links:
                other = link.target[1] if link.target[1] != link.source[1] else None
                ref = link_key(
                    link.kind,
                    link.source[0],
                    link.source[2],
                    *link.target[0::2],
                    to_jurisdiction=other,
                )
                key = ("link", link.source[1], ref)
                if key in planned:
                    planned[key].values.update(
                        {k: v for k, v in link.values.items() if v is not None}
                    )
                else:
                    planned[key] = PlannedLink(link.kind, link.source, link.target, link.values)
        self._lookup(planned)
        inserts: dict[RecordKey, dict[str, Any]] = {}
        updates: dict[int, dict[str, Any]] = {}
        for key, link in planned.items():
            if key in self.known:
                self.updated["link"].add(key)
                changes = {k: v for k, v in link.values.items() if v is not None}
                updates[self.known[key]] = changes
                continue
            inserts[key] = {
                "jurisdiction": key[1],
                "external_ref": key[2],
                "kind": link.kind,
                "from_type": link.source[0],
                "from_id": self.known[link.source],
                "to_type": link.target[0],
                "to_id": self.known[link.target],
                "source_ref": self.report.file,
                **link.values,
            }
        self._store("link", inserts, updates)
