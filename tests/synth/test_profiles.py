"""The shipped mapping profiles read every export file of the synthetic world."""

from __future__ import annotations

from pathlib import Path

import pytest
from synth_helpers import manifest, read_rows

from armsbridge.imports.profile import PROFILES_DIR, load_profile
from armsbridge.synth.files import FILES, profile_name
from armsbridge.vocab.service import record_fields

EXPORT_PROFILES = [profile_name(j, spec.name) for j in ("XK", "MK") for spec in FILES]


def test_a_profile_for_every_export_file_and_no_other() -> None:
    shipped = {p.stem for p in PROFILES_DIR.glob("*.yaml") if p.stem[:3] in ("xk-", "mk-")}
    assert shipped == set(EXPORT_PROFILES)


@pytest.mark.parametrize("name", EXPORT_PROFILES)
def test_profile_columns_fields_and_value_maps_fit_the_export(world: Path, name: str) -> None:
    profile = load_profile(name)
    item = next(i for i in manifest(world)["imports"] if i["profile"] == name)
    rows = read_rows(world, item)
    header = list(rows[0])
    missing = [c for c in profile.columns() if c not in header]
    assert missing == [], f"{name}: columns not in {item['file']}"
    assert profile.delimiter == item["delimiter"]
    for spec in profile.records:
        schema = record_fields(spec.type)
        for field, source in spec.fields.items():
            assert field in schema, f"{name}: {spec.type}.{field}"
            if source.map and source.column:
                values = {r[source.column] for r in rows if r[source.column]}
                unmapped = {v for v in values if v not in source.map}
                assert unmapped == set(), f"{name}: {source.column} values without a code"
    for link in profile.links:
        role = link.attributes.get("role")
        if role and role.map and role.column:
            assert {r[role.column] for r in rows} <= set(role.map), f"{name}: roles"
