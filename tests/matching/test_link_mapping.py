"""Link mappings: a mapping file and the `--field` options are one language, checked alike."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from armsbridge.imports.mapping import MappingError
from armsbridge.matching.schemas import link_mapping

ARMSBRIDGE = str(Path(sys.executable).with_name("armsbridge"))
DOC = Path(__file__).parents[2] / "docs" / "user" / "matching.md"

OPTIONS = [
    "--field",
    "full_name=first+last",
    "--field-left",
    "birth_date=born:%d.%m.%Y",
    "--field-right",
    "birth_date=dob:%d/%m/%Y",
    "--field-right",
    "case=file",
    "--id-right",
    "nr",
]
MAPPING = """\
fields:
  full_name: {columns: [first, last]}
left:
  fields:
    birth_date: {column: born, format: "%d.%m.%Y"}
right:
  id: nr
  format: {delimiter: ";"}
  fields:
    birth_date: {column: dob, format: "%d/%m/%Y"}
    case: file
"""


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ARMSBRIDGE, *args], capture_output=True, text=True, timeout=120)


def _rows(out: Path) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in list(csv.reader(out.open(encoding="utf-8")))[1:]]


def test_a_mapping_file_and_the_same_options_give_the_same_pairs(tmp_path: Path) -> None:
    left = tmp_path / "a.csv"
    left.write_text(
        "id,first,last,born\n1,Elena,Petrovska,14.03.1983\n2,Ivan,Ivanov,02.05.1970\n"
        "3,Arben,Krasniqi,01.01.1990\n",
        encoding="utf-8",
    )
    right = tmp_path / "b.csv"
    right.write_text(
        "nr;first;last;dob;file\n7;Елена;Петровска;14/03/1983;K-1\n8;Jovan;Jovanović;09/07/1960;\n"
        "9;Arben;Krasniqi;01/01/1990;K-2\n",
        encoding="utf-8",
    )
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    by_options, by_file = tmp_path / "options.csv", tmp_path / "file.csv"
    proc = _run("link", str(left), str(right), "--out", str(by_options), *OPTIONS)
    assert proc.returncode == 0, proc.stderr
    proc = _run("link", str(left), str(right), "--out", str(by_file), "--mapping", str(mapping))
    assert proc.returncode == 0, proc.stderr
    assert set(_rows(by_file)) == {("1", "7"), ("3", "9")}
    assert by_options.read_text() == by_file.read_text()


def test_options_translate_into_the_model_of_the_mapping_file(tmp_path: Path) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text(MAPPING.replace('  format: {delimiter: ";"}\n', ""), encoding="utf-8")
    from_file = link_mapping(mapping)
    values = iter(OPTIONS[1::2])
    names = {"--field": "fields", "--field-left": "fields_left", "--field-right": "fields_right"}
    kwargs: dict = {"fields": [], "fields_left": [], "fields_right": []}
    for option in OPTIONS[0::2]:
        value = next(values)
        if option == "--id-right":
            kwargs["id_right"] = value
        else:
            kwargs[names[option]].append(value)
    assert link_mapping(None, **kwargs) == from_file
    # Options add to a file, role by role.
    both = link_mapping(mapping, fields_left=["birth_date=born"], id_left="code")
    assert both.roles("left")["birth_date"].format is None and both.left.id == "code"
    assert both.roles("right")["birth_date"].format == "%d/%m/%Y"


@pytest.mark.parametrize(
    ("text", "line"),
    [
        pytest.param(
            "fields: {nickname: ime}",
            "fields.nickname: unknown role 'nickname'; roles are given_name, ",
            id="unknown-role",
        ),
        pytest.param(
            "left: {id: nr, colour: red}",
            "left.colour: unknown key (known here: id, format, fields)",
            id="unknown-key",
        ),
        pytest.param(
            "right: {fields: {given_name: 7}}",
            "right.fields.given_name: 7 is not a column name or a mapping with one of column, ",
            id="wrong-type",
        ),
        pytest.param(
            "fields: {sex: {column: s, format: '%d'}}",
            "fields.sex.format: only birth_date takes a date format, not sex",
            id="cross-field",
        ),
        pytest.param(
            "fields: {birth_date: {column: d, format: '%Q'}}",
            "fields.birth_date.format: '%Q' is not a date format",
            id="bad-format",
        ),
        pytest.param(
            "left: {format: {header_row: 0}}",
            "left.format.header_row: 0 is not a row number from 1",
            id="bad-header-row",
        ),
        pytest.param(
            "fields: {given_name: {record: person}}",
            "fields.given_name: a record reference ({record: alias}) is not allowed here",
            id="record-reference",
        ),
    ],
)
def test_mapping_file_errors_name_file_key_value_and_expectation(
    tmp_path: Path, text: str, line: str
) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text(text, encoding="utf-8")
    with pytest.raises(MappingError) as info:
        link_mapping(mapping)
    assert str(info.value).startswith(f"link mapping {mapping}: {line}"), str(info.value)


@pytest.mark.parametrize(
    ("option", "spec", "message"),
    [
        ("fields", "nickname=ime", "--field 'nickname=ime': unknown role 'nickname'"),
        ("fields_left", "sex=s:%d", "--field-left 'sex=s:%d': format: only birth_date takes"),
        ("fields_right", "given_name=a++b", "--field-right 'given_name=a++b': columns[1]: ''"),
        ("fields", "given_name", "--field 'given_name': expected ROLE=COL[+COL...][:FORMAT]"),
    ],
)
def test_option_errors_name_the_option(option: str, spec: str, message: str) -> None:
    with pytest.raises(MappingError) as info:
        link_mapping(None, **{option: [spec]})
    assert str(info.value).startswith(message), str(info.value)


def test_a_mapping_file_that_is_missing_or_not_yaml_is_a_plain_error(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match="no such file"):
        link_mapping(tmp_path / "nope.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("fields: [unclosed", encoding="utf-8")
    with pytest.raises(MappingError, match="not valid YAML"):
        link_mapping(broken)


def test_the_documented_link_mapping_is_valid(tmp_path: Path) -> None:
    text = DOC.read_text(encoding="utf-8").split("## Linking two files you bring", 1)[1]
    block = text.split("```yaml", 1)[1].split("```", 1)[0]
    mapping = tmp_path / "doc.yaml"
    mapping.write_text(block, encoding="utf-8")
    parsed = link_mapping(mapping)
    assert parsed.model_dump() == link_mapping(mapping).model_dump()
    assert yaml.safe_load(block)["left"]["fields"]
    assert "given_name" in parsed.roles("left") and "given_name" in parsed.roles("right")
