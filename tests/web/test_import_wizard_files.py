"""Import wizard with bad files: a form error naming the problem, never a 500, nothing written."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

from .conftest import csrf_of

sys.path.insert(0, str(Path(__file__).parents[1] / "imports"))
from import_helpers import raw_xlsx  # noqa: E402 - the import tests' workbook writer

COLUMNS = [
    "NR_RASTIT",
    "LLOJI_RASTIT",
    "TITULLI",
    "STATUSI",
    "DATA_STATUSIT",
    "DATA_HAPJES",
    "NR_LENDES_GJYKATA",
    "KODI_TRAJTIMIT",
    "KUFIZIMI",
]


def _case(n: int) -> list[object]:
    return [
        f"XK-2026-{n:03d}",
        "Trafikim i armëve",
        f"Rasti {n}",
        "Në hetim",
        "20.03.2026",
        "14.03.2026",
        None,
        "H0",
    ]


def _upload(client, name: str, data: bytes):
    start = client.get("/imports")
    answer = client.post(
        "/imports",
        data={"profile": "xk-cases", "csrf_token": csrf_of(start.text)},
        files={"file": (name, data, "application/octet-stream")},
        follow_redirects=False,
    )
    return answer


def test_an_understated_dimension_still_previews_and_imports_every_row(analyst, tmp_path):
    path = raw_xlsx(
        tmp_path / "c.xlsx", [COLUMNS] + [_case(n) for n in range(1, 6)], dimension="A1:I2"
    )
    upload = _upload(analyst, "c.xlsx", path.read_bytes())
    preview = analyst.get(upload.headers["location"])
    assert preview.status_code == 200
    assert '<div class="figure">5</div><div class="label">rows read' in preview.text
    done = analyst.post(
        upload.headers["location"] + "/commit", data={"csrf_token": csrf_of(preview.text)}
    )
    assert done.status_code == 200
    cases = analyst.get("/records/cases").text
    assert all(f"XK-2026-{n:03d}" in cases for n in range(1, 6))


def test_a_truncated_workbook_is_a_form_error_without_a_commit_button(analyst, tmp_path):
    path = raw_xlsx(tmp_path / "c.xlsx", [COLUMNS] + [_case(n) for n in range(1, 40)])
    data = path.read_bytes()
    upload = _upload(analyst, "c.xlsx", data[: len(data) // 2])
    preview = analyst.get(upload.headers["location"])
    assert preview.status_code == 422
    assert "not an XLSX workbook" in preview.text and 'role="alert"' in preview.text
    assert "/commit" not in preview.text


def test_a_zip_bomb_is_a_form_error(analyst, tmp_path):
    body = '<row r="2"><c r="A2" t="inlineStr"><is><t>boom</t></is></c></row>' * 400_000
    path = raw_xlsx(tmp_path / "bomb.xlsx", sheet_data=body)
    upload = _upload(analyst, "bomb.xlsx", path.read_bytes())
    preview = analyst.get(upload.headers["location"])
    assert preview.status_code == 422 and "ARMSBRIDGE_IMPORT_MAX_COMPRESSION_RATIO" in preview.text


def test_a_file_that_goes_bad_before_commit_is_a_form_error_and_writes_nothing(
    analyst, node, tmp_path
):
    path = raw_xlsx(tmp_path / "c.xlsx", [COLUMNS, _case(7)])
    upload = _upload(analyst, "c.xlsx", path.read_bytes())
    preview = analyst.get(upload.headers["location"])
    token = upload.headers["location"].rsplit("/", 1)[1]
    stored = Path(node.settings.var_dir) / "uploads" / token / "c.xlsx"
    with zipfile.ZipFile(stored, "w") as archive:
        archive.writestr("junk.txt", "no workbook")
    done = analyst.post(
        upload.headers["location"] + "/commit", data={"csrf_token": csrf_of(preview.text)}
    )
    assert done.status_code == 422 and "not a readable XLSX workbook" in done.text
    assert "XK-2026-007" not in analyst.get("/records/cases").text


def test_a_file_over_the_size_limit_is_refused_naming_the_limit(analyst, node):
    node.settings.import_max_file_bytes = 1000
    answer = _upload(analyst, "big.csv", b"NR_RASTIT;TITULLI\n" + b"X-1;t\n" * 400)
    assert answer.status_code == 422
    assert "1,000" in answer.text and "ARMSBRIDGE_IMPORT_MAX_FILE_BYTES" in answer.text


def test_a_file_named_like_a_folder_is_kept_under_a_safe_name_and_previews(analyst):
    # ".." would name the upload's own folder: writing to it failed with a fault page (500).
    body = ";".join(COLUMNS) + "\n" + ";".join("" if v is None else str(v) for v in _case(1))
    for name in ("..", "../../x.csv", ".hidden.csv"):
        answer = _upload(analyst, name, (body + "\n").encode("utf-8"))
        assert answer.status_code == 303, name
        preview = analyst.get(answer.headers["location"])
        assert preview.status_code == 200 and "XK-2026-001" in preview.text, name
