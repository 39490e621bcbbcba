"""The programme's own results (DOMAIN §8) reproduced from the example files by the commands.

Each backend gets a fresh store: `armsbridge init`, the two imports through the shipped profiles,
the activities file, then the reports; the store is chosen by ARMSBRIDGE_DATABASE_URL.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from armsbridge.cli import app
from armsbridge.settings import get_settings

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "programme-2021-2023"
PERIOD = ["--from", "01.04.2021", "--to", "31.03.2023"]
PASSWORD = "correct horse battery 42"
PG_ADMIN = os.environ.get(
    "ARMSBRIDGE_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def _pg_reachable() -> bool:
    try:
        with create_engine(PG_ADMIN, connect_args={"connect_timeout": 3}).connect() as conn:
            conn.execute(text("select 1"))
        return True
    except Exception:  # noqa: BLE001 - no server here
        return False


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A fresh store (URL) after init, both imports and the activities file."""
    name = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'armsbridge.db'}"
    else:
        if not _pg_reachable():
            pytest.skip("no PostgreSQL server reachable")
        name = f"armsbridge_ex_{uuid.uuid4().hex[:8]}"
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
    saved = os.environ.get("ARMSBRIDGE_DATABASE_URL")
    os.environ["ARMSBRIDGE_DATABASE_URL"] = url
    get_settings.cache_clear()
    try:
        for args in (
            ["init"],
            *(
                ["user", "add", f"{j.lower()}-analyst", "--role", "analyst"]
                + ["--jurisdiction", j, "--password-stdin"]
                for j in ("XK", "MK")
            ),
        ):
            result = CliRunner().invoke(app, args, input=PASSWORD + "\n")
            assert result.exit_code == 0, (args, result.output, result.exception)
        # Each service imports its own rows of the joint files; the other side's rows are
        # quarantined (exit 1), and the two imports together hold every row.
        quarantine = tmp_path_factory.mktemp("quarantine")
        for profile in ("participants", "campaigns"):
            for j in ("XK", "MK"):
                args = ["import", profile, str(EXAMPLE / f"{profile}.csv")]
                args += ["--user", f"{j.lower()}-analyst", "--quarantine", str(quarantine / j)]
                result = CliRunner().invoke(app, args)
                assert result.exit_code == 1, (args, result.output, result.exception)
                assert "imports records of its own service" in " ".join(result.output.split())
        for j in ("XK", "MK"):
            args = ["capacity", "load-activities", str(EXAMPLE / "activities.yaml")]
            result = CliRunner().invoke(app, [*args, "--user", f"{j.lower()}-analyst"])
            assert result.exit_code == 1, (result.output, result.exception)  # the other's left
            assert "left for its own account" in " ".join(result.output.split())
        yield url
    finally:
        if saved is None:
            os.environ.pop("ARMSBRIDGE_DATABASE_URL", None)
        else:
            os.environ["ARMSBRIDGE_DATABASE_URL"] = saved
        get_settings.cache_clear()
        if name:
            with create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT").connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _cli(*args: str) -> object:
    return CliRunner().invoke(app, list(args))


@pytest.fixture(scope="module")
def figures(store: str) -> dict[str, dict]:
    result = _cli("report", "indicators", *PERIOD, "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["period"]["from"] == "2021-04-01" and report["period"]["to"] == "2023-03-31"
    return {ind["id"]: ind for ind in report["indicators"]}


def test_820_officers_trained_77_women_743_men(figures: dict[str, dict]) -> None:
    persons = figures["trained_persons"]
    assert persons["value"] == 820
    assert persons["breakdown"]["sex"] == {"F": 77, "M": 743}


def test_information_series_12_sessions_420_officers(figures: dict[str, dict]) -> None:
    sessions = figures["training_sessions"]["breakdown"]["topic"]
    persons = figures["trained_persons"]["breakdown"]
    assert sessions["information_analysis"] == 12
    assert persons["topic"]["information_analysis"] == 420
    assert persons["topic/jurisdiction"]["information_analysis"] == {"XK": 220, "MK": 200}
    assert persons["topic/sex"]["information_analysis"] == {"F": 36, "M": 384}


def test_categorisation_series_11_sessions_400_officers(figures: dict[str, dict]) -> None:
    persons = figures["trained_persons"]["breakdown"]
    assert figures["training_sessions"]["breakdown"]["topic"]["weapons_categorisation"] == 11
    assert persons["topic"]["weapons_categorisation"] == 400
    assert persons["topic/jurisdiction"]["weapons_categorisation"] == {"XK": 200, "MK": 200}
    assert persons["topic/sex"]["weapons_categorisation"] == {"F": 41, "M": 359}


def test_converted_firearms_4_trainings_1_workshop_119_officers(figures: dict[str, dict]) -> None:
    held = figures["trainings_held"]["breakdown"]["topic/kind"]["converted_firearms"]
    assert held == {"training": 4, "workshop": 1}
    persons = figures["trained_persons"]["breakdown"]
    assert persons["topic"]["converted_firearms"] == 119
    assert persons["topic/jurisdiction/sex"]["converted_firearms"] == {
        "MK": {"F": 13, "M": 46},
        "XK": {"F": 11, "M": 49},
    }
    # the 119 attended the series too (docs/user/indicators.md): 820 persons, 939 participations
    assert figures["trained_participations"]["value"] == 820 + 119


def test_one_joint_operation_and_the_campaigns(figures: dict[str, dict]) -> None:
    assert figures["joint_operations"]["value"] == 1
    campaigns = figures["campaigns"]["breakdown"]["kind/jurisdiction"]
    assert campaigns == {"mass_media": {"MK": 1, "XK": 1}, "targeted": {"MK": 2, "XK": 2}}
    assert figures["campaign_views"]["value"] > 1_300_000
    assert figures["campaign_impressions"]["value"] > 8_000_000


def test_one_jurisdiction_only(store: str) -> None:
    result = _cli("report", "indicators", *PERIOD, "--jurisdiction", "MK")
    mk = {i["id"]: i for i in json.loads(result.stdout)["indicators"]}
    assert mk["trained_persons"]["value"] == 400
    assert mk["trained_persons"]["breakdown"]["sex"] == {"F": 38, "M": 362}
    assert mk["campaigns"]["value"] == 3


def test_claims_check_flags_exactly_the_inconsistent_claim(store: str) -> None:
    result = _cli("report", "check-claims", str(EXAMPLE / "claims.csv"), *PERIOD, "--json")
    assert result.exit_code == 1
    findings = json.loads(result.stdout)["findings"]
    claims = (EXAMPLE / "claims.csv").read_text(encoding="utf-8").splitlines()
    wrong_row = next(n for n, line in enumerate(claims, start=1) if ";sex=M,75," in line)
    contradicted = [f for f in findings if f["kind"] == "contradicted"]
    assert [f["rows"] for f in contradicted] == [[wrong_row]]
    assert contradicted[0]["computed"] == "95"
    assert findings and all(wrong_row in f["rows"] for f in findings)
    sums = {f["breakdown"] for f in findings if f["kind"] == "parts_do_not_sum"}
    assert "topic=converted_firearms;sex=*" in sums


def test_a_corrected_claims_file_passes(store: str, tmp_path: Path) -> None:
    fixed = (EXAMPLE / "claims.csv").read_text(encoding="utf-8").replace(";sex=M,75,", ";sex=M,95,")
    path = tmp_path / "fixed.csv"
    path.write_text(fixed, encoding="utf-8")
    result = _cli("report", "check-claims", str(path), *PERIOD)
    assert result.exit_code == 0, result.output
    assert "all consistent" in result.output


def test_xlsx_has_one_sheet_per_group_with_charts(store: str, tmp_path: Path) -> None:
    out = tmp_path / "indicators.xlsx"
    result = _cli("report", "indicators", *PERIOD, "--format", "xlsx", "--out", str(out))
    assert result.exit_code == 0, result.output
    wb = load_workbook(out)
    assert wb.sheetnames == [
        "Summary",
        "Capacity development",
        "Awareness campaigns",
        "Seizures of arms, ammunition",
        "SDG 16.4.2 - tracing of seized",
        "Cases and criminal justice",
        "Cross-border cooperation",
    ]
    summary = {row[1]: row[4] for row in wb["Summary"].iter_rows(min_row=7, values_only=True)}
    assert summary["trained_persons"] == 820 and summary["trained_participations"] == 939
    capacity = wb["Capacity development"]
    assert len(capacity._charts) >= 5 and len(wb["Awareness campaigns"]._charts) >= 3
    cells = [c for row in capacity.iter_rows(values_only=True) for c in row if c is not None]
    # typed topics as typed, coded jurisdictions and sexes as their English labels
    assert "converted_firearms / North Macedonia / Male" in cells
    assert "Topic / Jurisdiction / Sex" in cells


def test_pdf_reads_back_with_figures_and_charts(store: str, tmp_path: Path) -> None:
    out = tmp_path / "indicators.pdf"
    result = _cli("report", "indicators", *PERIOD, "--format", "pdf", "--out", str(out))
    assert result.exit_code == 0, result.output
    reader = PdfReader(out)
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "People trained (unique persons)" in text and "820" in text
    assert "1,341,680" in text  # campaign views
    assert "SDG 16.4.2" in text
    assert len(reader.pages) >= 4


def test_iafq_export_on_a_store_without_seizures(store: str, tmp_path: Path) -> None:
    out = tmp_path / "iafq.xlsx"
    result = _cli("report", "iafq", "--year", "2022", "--out", str(out))
    assert result.exit_code == 0, result.output
    wb = load_workbook(out)
    assert wb.sheetnames[0] == "1 Weapons by type" and "4 Tracing" in wb.sheetnames
