"""Import wizard: upload, mapping preview with the bad row's error, commit of the valid rows."""

from __future__ import annotations

from .conftest import csrf_of

HEADER = (
    "NR_RASTIT;LLOJI_RASTIT;TITULLI;STATUSI;DATA_STATUSIT;DATA_HAPJES;NR_LENDES_GJYKATA;"
    "KODI_TRAJTIMIT;KUFIZIMI\n"
)
GOOD = "XK-2026-101;Trafikim i armëve;Zoraki 914 në autobus;Në hetim;20.03.2026;14.03.2026;;H0;\n"
BAD = "XK-2026-102;Trafikim i armëve;Data e gabuar;Raportuar;31.03.2026;31.02.2026;;H0;\n"


def test_upload_preview_shows_the_bad_row_then_commit_imports_the_good_one(analyst) -> None:
    start = analyst.get("/imports")
    assert "xk-cases" in start.text
    assert "mk-cases" not in start.text  # the other jurisdiction's profiles are not offered
    upload = analyst.post(
        "/imports",
        data={"profile": "xk-cases", "csrf_token": csrf_of(start.text)},
        files={"file": ("cases.csv", (HEADER + GOOD + BAD).encode("utf-8"), "text/csv")},
        follow_redirects=False,
    )
    assert upload.status_code == 303
    preview = analyst.get(upload.headers["location"])
    assert preview.status_code == 200
    errors = preview.text.split('class="row-errors"')[1].split("</table>")[0]
    assert "<td>3</td>" in errors and "31.02.2026" in errors
    assert "XK-2026-102" not in analyst.get("/records/cases").text  # nothing written yet
    done = analyst.post(
        upload.headers["location"] + "/commit", data={"csrf_token": csrf_of(preview.text)}
    )
    assert done.status_code == 200
    assert "Import committed" in done.text
    cases = analyst.get("/records/cases").text
    assert "XK-2026-101" in cases and "XK-2026-102" not in cases


def test_missing_columns_are_named_and_nothing_can_be_committed(analyst) -> None:
    start = analyst.get("/imports")
    upload = analyst.post(
        "/imports",
        data={"profile": "xk-cases", "csrf_token": csrf_of(start.text)},
        files={"file": ("cases.csv", b"NR_RASTIT;TITULLI\nX-1;t\n", "text/csv")},
        follow_redirects=False,
    )
    preview = analyst.get(upload.headers["location"])
    assert "LLOJI_RASTIT" in preview.text.split("lacks columns")[1][:400]
    assert "/commit" not in preview.text
