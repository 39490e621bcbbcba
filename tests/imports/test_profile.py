"""Mapping profiles: a bad profile is a clear error that names the offending key."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from import_helpers import CASES, PERSONS

from armsbridge.imports.profile import (
    PROFILES_DIR,
    ProfileError,
    load_profile,
    parse_profile,
    render,
)

GOOD = {
    "name": "p",
    "jurisdiction": "XK",
    "records": {
        "case": {"type": "case", "key": "{NR}", "fields": {"reference": "NR", "kind": "KIND"}},
        "event": {
            "type": "event",
            "key": "E-{NR}",
            "fields": {"kind": {"value": "seizure"}, "case_id": {"record": "case"}},
        },
    },
    "links": [{"kind": "part_of", "from": "event", "to": "case"}],
}


def _with(path: str, value):
    data = copy.deepcopy(GOOD)
    *parents, last = path.split(".")
    node = data
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return data


def test_test_profiles_load_and_order_referenced_records_first():
    profile = load_profile(CASES)
    order = [r.alias for r in profile.records]
    assert order.index("case") < order.index("event") < order.index("firearm")
    assert "NR_RASTIT" in profile.columns() and "SERIA" in profile.columns()
    assert load_profile(PERSONS).name == "test-persons"


@pytest.mark.parametrize(
    ("path", "value", "named"),
    [
        ("jurisdiction", "RS", "jurisdiction: 'RS' is not one of XK, MK"),
        ("records.case.type", "gun", "records.case.type: 'gun' is not a record type"),
        ("records.case.key", "NR", "records.case.key: required"),
        ("records.case.fields.colour", "C", "records.case.fields.colour: 'colour' is not a field"),
        ("records.case.fields.reference", {"column": "NR", "value": 1}, "exactly one of"),
        ("records.case.fields.reference", {"column": "NR", "mapp": {}}, "unknown key mapp"),
        ("records.event.fields.case_id", {"record": "nope"}, "case_id.record: no other record"),
        ("records.event.fields.description", {"record": "case"}, "not a reference column"),
        ("records.case.when_not", "X", "records.case: unknown key when_not"),
        ("links.0.kind", "knows", "links[0].kind: 'knows' is not one of"),
        ("links.0.to", "person", "links[0].to: 'person' is not a record alias"),
        ("links.0.to", {"type": "case"}, "links[0].to: expected a record alias or"),
        ("format", {"header_row": 0}, "format.header_row"),
        ("colour", 1, "colour: unknown key"),
    ],
)
def test_bad_profile_errors_name_the_key(path, value, named):
    with pytest.raises(ProfileError) as info:
        parse_profile(_with(path, value))
    assert named in str(info.value)


def test_computed_fields_cannot_be_mapped():
    data = _with("records.case.fields", {"reference": "NR", "kind": "K"})
    data["records"]["gun"] = {"type": "firearm", "key": "{S}", "fields": {"serial_normalised": "S"}}
    with pytest.raises(ProfileError, match="records.gun.fields.serial_normalised: .*computed"):
        parse_profile(data)


def test_records_referring_to_each_other_in_a_circle_are_refused():
    data = copy.deepcopy(GOOD)
    data["records"]["case2"] = {
        "type": "event",
        "key": "{X}",
        "fields": {"case_id": {"record": "e2"}},
    }
    data["records"]["e2"] = {
        "type": "event",
        "key": "{Y}",
        "fields": {"case_id": {"record": "case2"}},
    }
    with pytest.raises(ProfileError, match="circle"):
        parse_profile(data)


def test_unknown_profile_name_lists_the_shipped_ones(tmp_path):
    with pytest.raises(ProfileError, match="no mapping profile 'nope'"):
        load_profile("nope")
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [unclosed", encoding="utf-8")
    with pytest.raises(ProfileError, match="not valid YAML"):
        load_profile(broken)


def test_every_shipped_profile_is_valid():
    for path in sorted(PROFILES_DIR.glob("*.yaml")):
        profile = load_profile(path)
        assert profile.name == path.stem, f"{path.name}: name must equal the file name"


def test_template_rendering_skips_rows_with_an_empty_key_column():
    assert render("P-{ID}/{Y}", {"ID": 7.0, "Y": " 2024 "}) == "P-7/2024"
    assert render("P-{ID}", {"ID": " "}) is None


def test_profile_written_to_the_documented_format_loads(tmp_path):
    # The example of docs/dev/import-mappings.md, with a case key template.
    doc = Path(__file__).parents[2] / "docs" / "dev" / "import-mappings.md"
    text = doc.read_text(encoding="utf-8")
    block = text.split("```yaml", 1)[1].split("```", 1)[0]
    profile = parse_profile(yaml.safe_load(block))
    assert [r.alias for r in profile.records] == ["person", "phone"]
    assert profile.links[1].target.type == "case"
