"""Generate the synthetic cross-border world, and build a demo store from it."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from armsbridge.auth.principal import node_principal
from armsbridge.border.passages import FILE_COLUMNS, import_passages, passage_file_row
from armsbridge.errors import UserError
from armsbridge.synth.bad_rows import BAD_ROWS_COLUMNS, BAD_ROWS_FILE, spoil_world
from armsbridge.synth.export import JurisdictionExport
from armsbridge.synth.files import (
    CONVENTIONS,
    EXTRA_FILES,
    FILES,
    JURISDICTIONS,
    TRUTH_KINDS,
    encoding_of,
    profile_name,
)
from armsbridge.synth.passages import COLUMNS as PASSAGES_COLUMNS
from armsbridge.synth.passages import (
    TRUTH_COLUMNS,
    Passages,
    generate_passages,
    passages_per_year,
    side_rows,
    write_passages,
)
from armsbridge.synth.procedure import EXPORT_DATE
from armsbridge.synth.world import World

GENERATOR_VERSION = "1"
PASSAGES_FILE = "passages.csv"  # border-crossing passages of both sides, with their truth
Progress = Callable[[int], None]  # persons just added


def generate_world(
    out: Path,
    *,
    seed: int,
    persons: int,
    progress: Progress | None = None,
    bad_rows: float = 0.0,
) -> dict[str, Any]:
    """Write both exports, the truth files and manifest.json into `out`; return the manifest.

    `bad_rows` (0 to 1): the share of spoilable rows written with a realistic error, listed in
    truth/bad_rows.csv (see `synth.bad_rows`).
    """
    if persons < 1:
        raise UserError(f"--persons must be at least 1 (got {persons})")
    if not 0 <= bad_rows <= 1:
        raise UserError(f"--bad-rows must be a fraction from 0 to 1 (got {bad_rows})")
    out.mkdir(parents=True, exist_ok=True)
    truth_dir = out / "truth"
    truth_dir.mkdir(exist_ok=True)
    truth_handles = {
        k: (truth_dir / f"{k}.csv").open("w", encoding="utf-8", newline="") for k in TRUTH_KINDS
    }
    truth = {k: csv.writer(h, lineterminator="\n") for k, h in truth_handles.items()}
    for writer in truth.values():
        writer.writerow(["entity_id", "jurisdiction", "external_ref"])
    exports = {j: JurisdictionExport(j, out, truth) for j in JURISDICTIONS}
    world = World(seed, exports, persons)
    used = 0
    index = 0
    try:
        while used < persons:
            added = world.story(index, persons - used)
            used += added
            index += 1
            if progress and added:
                progress(added)
    finally:
        for ex in exports.values():
            ex.close()
        for handle in truth_handles.values():
            handle.close()
    manifest = _manifest(out, seed=seed, persons=persons, stories=index, exports=exports)
    years = tuple(range(EXPORT_DATE.year - 3, EXPORT_DATE.year + 1))
    passages = generate_passages(seed=seed, years=years, per_year=passages_per_year(persons))
    manifest["passages"] = {
        "file": PASSAGES_FILE,
        "rows": write_passages(out / PASSAGES_FILE, passages),
        "sides": {j: _write_side(out, passages, j) for j in JURISDICTIONS},
        "years": list(years),
        "columns": list(PASSAGES_COLUMNS),
        "truth_columns": list(TRUTH_COLUMNS),
        "description": "vehicles and travellers through the crossing points; carrying is the "
        "truth, found what a check found (synth.passages)",
    }
    if bad_rows > 0:
        spoiled = spoil_world(out, manifest, fraction=bad_rows, seed=seed)
        manifest["bad_rows"] = {"fraction": bad_rows, "rows": spoiled, "file": BAD_ROWS_FILE}
        manifest["truth"].append(
            {"kind": "bad_rows", "file": BAD_ROWS_FILE, "columns": BAD_ROWS_COLUMNS}
        )
    (out / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return manifest


def _write_side(out: Path, passages: Passages, side: str) -> dict[str, Any]:
    """Write the passages `side` recorded, as that node imports them; return its manifest entry."""
    name = f"{side.lower()}/{PASSAGES_FILE}"
    rows = 0
    with (out / name).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(FILE_COLUMNS)
        for row in side_rows(passages, side):
            writer.writerow(passage_file_row(row))
            rows += 1
    return {"file": name, "rows": rows}


def _manifest(
    out: Path, *, seed: int, persons: int, stories: int, exports: dict[str, JurisdictionExport]
) -> dict[str, Any]:
    imports = []
    for j in JURISDICTIONS:
        for spec in FILES:
            imports.append(
                {
                    "profile": profile_name(j, spec.name),
                    "file": f"{j.lower()}/{spec.name}",
                    "jurisdiction": j,
                    "record_type": spec.record_type,
                    "encoding": encoding_of(j, spec.name),
                    "delimiter": CONVENTIONS[j]["delimiter"],
                    "rows": exports[j].rows[spec.name],
                }
            )
    extra = [
        {
            "file": f"{j.lower()}/{spec.name}",
            "jurisdiction": j,
            "encoding": encoding_of(j, spec.name),
            "rows": exports[j].rows[spec.name],
            "description": spec.description,
        }
        for j in JURISDICTIONS
        for spec in EXTRA_FILES
    ]
    return {
        "generator": "armsbridge synth",
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "persons": persons,
        "stories": stories,
        "export_date": EXPORT_DATE.isoformat(),
        "imports": imports,
        "extra_files": extra,
        "truth": [
            {
                "kind": k,
                "file": f"truth/{k}.csv",
                "columns": ["entity_id", "jurisdiction", "external_ref"],
            }
            for k in TRUTH_KINDS
        ],
    }


def load_manifest(world_dir: Path) -> dict[str, Any]:
    """Read the manifest of a generated world; a missing one is a user error."""
    path = world_dir / "manifest.json"
    if not path.is_file():
        raise UserError(f"{path} not found: generate the world with `armsbridge synth` first")
    return json.loads(path.read_text(encoding="utf-8"))


def import_world(
    settings: Any,
    world_dir: Path,
    *,
    purpose: str = "demo",
    on_file: Callable[[dict[str, Any], Any], None] | None = None,
    jurisdiction: str | None = None,
) -> list[Any]:
    """Import a world's files in manifest order (`jurisdiction`: only its own), one per commit."""
    from armsbridge.db.engine import engine_from_settings
    from armsbridge.db.session import make_sessionmaker, session_scope
    from armsbridge.imports.service import import_file

    manifest = load_manifest(world_dir)
    engine = engine_from_settings(settings)
    factory = make_sessionmaker(engine)
    reports = []
    try:
        for item in manifest["imports"]:
            if jurisdiction and item["jurisdiction"] != jurisdiction:
                continue
            with session_scope(factory) as session:
                report = import_file(
                    session,
                    profile=item["profile"],
                    path=world_dir / item["file"],
                    user=node_principal(settings.jurisdiction, purpose=purpose),
                    quarantine_path=settings.var_dir / "quarantine" / f"demo-{item['profile']}.csv",
                )
            reports.append(report)
            if on_file:
                on_file(item, report)
        # A node holds only the passages its own service recorded.
        side = (manifest.get("passages") or {}).get("sides", {}).get(settings.jurisdiction)
        if side:
            with session_scope(factory) as session:
                passages = import_passages(
                    session,
                    user=node_principal(settings.jurisdiction, purpose=purpose),
                    path=world_dir / side["file"],
                )
            reports.append(passages)
            if on_file:
                on_file({**side, "profile": "passages"}, passages)
    finally:
        engine.dispose()
    return reports


def count_records(settings: Any) -> dict[str, dict[str, int]]:
    """Return {record type: {jurisdiction: count}} of the store."""
    from sqlalchemy import func, select

    from armsbridge.db.engine import engine_from_settings
    from armsbridge.records.models import RECORD_MODELS

    engine = engine_from_settings(settings)
    counts: dict[str, dict[str, int]] = {}
    try:
        with engine.connect() as conn:
            for rtype, model in RECORD_MODELS.items():
                stmt = select(model.jurisdiction, func.count()).group_by(model.jurisdiction)
                rows = {j: n for j, n in conn.execute(stmt)}
                if rows:
                    counts[rtype] = {j: rows.get(j, 0) for j in JURISDICTIONS}
    finally:
        engine.dispose()
    return counts


def build_demo_store(
    settings: Any,
    *,
    persons: int = 1000,
    seed: int = 20260101,
    fresh: bool = False,
    on_file: Callable[[dict[str, Any], Any], None] | None = None,
) -> dict[str, Any]:
    """Generate a world into var_dir/demo-world, create the store, import every file in order.

    Returns {"world": path, "manifest": ..., "reports": [...], "counts": {type: {XK, MK}}}.
    `fresh` deletes the SQLite store first (refused for a server database).
    """
    from armsbridge.db import service as db_service
    from armsbridge.db.engine import engine_from_settings

    url = settings.effective_database_url()
    if fresh:
        if not url.startswith("sqlite:///"):
            raise UserError("--fresh only deletes a SQLite store; drop a server database yourself")
        db_file = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_file}{suffix}").unlink(missing_ok=True)
    world_dir = Path(settings.var_dir) / "demo-world"
    if world_dir.exists():
        shutil.rmtree(world_dir)
    manifest = generate_world(world_dir, seed=seed, persons=persons)
    engine = engine_from_settings(settings)
    try:
        db_service.upgrade(engine)
    finally:
        engine.dispose()
    reports = import_world(settings, world_dir, on_file=on_file)
    return {
        "world": world_dir,
        "manifest": manifest,
        "reports": reports,
        "counts": count_records(settings),
    }
