"""Mapping profiles: a bad profile is a clear error that names the offending key."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from import_helpers import CASES, PERSONS

from armsbridge.imports.mapping import render
from armsbridge.imports.profile import (
    PROFILES_DIR,
    ProfileError,
    load_profile,
    parse_profile,
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
        ("records.case.key", "NR", "records.case.key: 'NR' is not a template with at least one"),
        ("records.case.fields.colour", "C", "records.case.fields.colour: 'colour' is not a field"),
        ("records.case.fields.reference", {"column": "NR", "value": 1}, "exactly one of"),
        ("records.case.fields.reference", {"column": "NR", "mapp": {}}, ".mapp: unknown key"),
        ("records.event.fields.case_id", {"record": "nope"}, "case_id.record: no other record"),
        ("records.event.fields.description", {"record": "case"}, "not a reference column"),
        ("records.case.when_not", "X", "records.case.when_not: unknown key (known here: type,"),
        ("links.0.kind", "knows", "links[0].kind: 'knows' is not one of"),
        ("links.0.to", "person", "links[0].to: 'person' is not a record alias"),
        ("links.0.to", {"type": "case"}, "links[0].to: {'type': 'case'} is not a record alias or"),
        ("format", {"header_row": 0}, "format.header_row"),
        ("colour", 1, "colour: unknown key"),
        ("records", {}, "records: {} is empty: expected a mapping of alias to record"),
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


def _record(alias: str, **changes):
    data = copy.deepcopy(GOOD)
    data["records"][alias].update(changes)
    return data


def _without(alias: str, key: str):
    data = copy.deepcopy(GOOD)
    del data["records"][alias][key]
    return data


# One case per kind of error: each message names the file, the key's path, the bad value (where
# there is one) and what was expected.
@pytest.mark.parametrize(
    ("data", "line"),
    [
        pytest.param(
            _record("case", when_not="X"),
            "records.case.when_not: unknown key (known here: type, key, when, fields, existing, "
            "status_date, children)",
            id="unknown-key",
        ),
        pytest.param(
            _record("case", existing="maybe"),
            "records.case.existing: 'maybe' is not true or false",
            id="wrong-type",
        ),
        pytest.param(
            _with("format", {"header_row": "two"}),
            "format.header_row: 'two' is not a whole number",
            id="wrong-type-number",
        ),
        pytest.param(
            _record("case", type="gun"),
            "records.case.type: 'gun' is not a record type (case, event, ",
            id="unknown-record-type",
        ),
        pytest.param(
            _with("records.case.fields.colour", "C"),
            "records.case.fields.colour: 'colour' is not a field of case (fields: ",
            id="unknown-field",
        ),
        pytest.param(
            _with("jurisdiction", "RS"),
            "jurisdiction: 'RS' is not one of XK, MK",
            id="bad-enum-jurisdiction",
        ),
        pytest.param(
            _with("links.0.kind", "knows"),
            "links[0].kind: 'knows' is not one of ",
            id="bad-enum-link-kind",
        ),
        pytest.param(
            _without("case", "type"),
            "records.case.type: missing: expected a record type of vocab/records.yaml",
            id="missing-required",
        ),
        pytest.param(
            _record("event", status_date="D"),
            "records.event.status_date: only for a case record that maps its status "
            "(this is a event record)",
            id="cross-field-status-date",
        ),
        pytest.param(
            _with("records.case.fields.reference", {"column": "NR", "format": "%d.%m.%Y"}),
            "records.case.fields.reference.format: a date format is only for a date field; "
            "case.reference is text",
            id="cross-field-date-format",
        ),
        pytest.param(
            _with("records.event.fields.case_id", {"record": "nope"}),
            "records.event.fields.case_id.record: no other record alias 'nope' in this profile",
            id="cross-record-reference",
        ),
    ],
)
def test_profile_errors_name_file_key_value_and_expectation(tmp_path, data, line):
    path = tmp_path / "bad-profile.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    message = str(info.value)
    assert message.startswith(f"profile {path}: {line}"), message
    assert "pydantic" not in message.lower() and "Input should" not in message
    problem = info.value.problems[0]
    where, expected = line.split(": ", 1)
    assert problem["field"] == where and problem["expected"].startswith(expected)


def test_every_problem_of_a_profile_is_listed_one_per_line():
    data = _record("case", existing="maybe", when_not="X")
    data["jurisdiction"] = "RS"
    with pytest.raises(ProfileError) as info:
        parse_profile(data)
    lines = str(info.value).splitlines()
    assert [line.split(": ")[1] for line in lines] == [
        "jurisdiction",
        "records.case.existing",
        "records.case.when_not",
    ]
    assert all(line.startswith("profile p: ") for line in lines)


def test_a_record_reference_is_refused_where_only_values_go():
    data = _with("jurisdiction", {"column": "J"})
    data["links"][0]["role"] = {"record": "case"}
    with pytest.raises(
        ProfileError,
        match=r"links\[0\]\.role: a record reference \(\{record: alias\}\) is not allowed",
    ):
        parse_profile(data)


def test_a_date_format_reads_dates_written_another_way():
    data = _with("records.case.fields.opened_on", {"column": "D", "format": "%Y/%m/%d"})
    profile = parse_profile(data)
    case = next(r for r in profile.records if r.alias == "case")
    assert case.fields["opened_on"].parse_date(" 2024/03/01 ").isoformat() == "2024-03-01"
    with pytest.raises(ProfileError, match="'%Q' is not a date format"):
        parse_profile(_with("records.case.fields.opened_on", {"column": "D", "format": "%Q"}))
