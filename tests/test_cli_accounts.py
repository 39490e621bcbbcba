"""The CLI acts as an account: every command that reads or writes records takes --user (or
ARMSBRIDGE_USER) and is held to that account's role, jurisdiction and justification, as the web
is. Only commands of the node's operator (store, accounts, demo, reference data, aggregate
reports) run without one; a new command has to be put on one side or the other here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main
from sqlalchemy.orm import Session

from armsbridge import cli
from armsbridge.auth.service import create_user
from armsbridge.db.engine import make_engine
from armsbridge.db.registry import load_all_models
from armsbridge.records import service as records
from principals import as_actor

PASSWORD = "correct horse battery 42"

# Commands of the node's operator: no records are read or written as a person.
OPERATOR = {
    "init",
    "import-profiles",
    "synth",
    "demo",
    "link",  # two files of the analyst's own, not the store
    "serve",
    "db upgrade",
    "db current",
    "firearm categorize",  # facts given on the command line, not the store
    "firearm identify",
    "monitor triage",  # a file of posts the officer gives, not the store
    "firearm refresh",  # re-derives every firearm's category: a job of the node
    "match received",  # compares received records with the node's own: a job of the node
    "firearm trace summary",  # aggregate figures
    "user add",
    "user disable",
    "user enable",
    "user reset",
    "user list",
    "user token",
    "user member",
    "user grant",
    "audit verify",
    "audit checkpoint",  # signs the head: entry count and hash, no entry's content
    "audit anchor",
    "user seal-secrets",
    "report indicators",  # aggregate figures, no personal data
    "report iafq",
    "report check-claims",
    "capacity trainings",
    "capacity campaigns",
    # The node's exchange identity, its peers and message delivery: keys and message states,
    # no record content (hit/no-hit and requests will act as an account).
    "node init",
    "node show",
    "node rotate-key",
    "peer add",
    "peer list",
    "peer remove",
    "peer ping",
    "exchange deliver",
    "exchange status",
}


def _commands() -> dict[str, list[str]]:
    """{command path: its option strings} of every CLI command."""
    out: dict[str, list[str]] = {}

    def walk(command, prefix: tuple[str, ...] = ()) -> None:  # noqa: ANN001
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                walk(sub, (*prefix, name))
            return
        out[" ".join(prefix)] = [o for p in command.params for o in getattr(p, "opts", [])]

    walk(typer.main.get_command(cli.app))
    return out


def test_every_command_acts_as_an_account_or_belongs_to_the_operator() -> None:
    commands = _commands()
    unplaced = [
        name for name, opts in commands.items() if "--user" not in opts and name not in OPERATOR
    ]
    assert not unplaced, f"commands that read or write records without --user: {unplaced}"
    free_text = [name for name, opts in commands.items() if {"--actor", "--as"} & set(opts)]
    assert not free_text, f"commands that record a free-text actor: {free_text}"
    assert "--user" in commands["import"] and "--user" in commands["export"]


@pytest.fixture
def store(tmp_path: Path) -> str:
    """A store with one account of each role that matters here, and one person of each side."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = make_engine(url)
    load_all_models().metadata.create_all(engine)
    with Session(engine) as session, session.begin():
        for name, role, jurisdiction in (
            ("xk-analyst", "analyst", "XK"),
            ("xk-programme", "programme_officer", "XK"),
            ("xk-auditor", "auditor", "XK"),
        ):
            create_user(
                session, username=name, password=PASSWORD, role=role, jurisdiction=jurisdiction
            )
        for jurisdiction, family in (("XK", "Krasniqi"), ("MK", "Петровски")):
            records.create_record(
                session,
                record_type="person",
                data={"jurisdiction": jurisdiction, "family_name": family},
                user=as_actor("setup"),
            )
    engine.dispose()
    return url


def _run(args: list[str], tmp_path: Path, url: str, **env: str) -> subprocess.CompletedProcess:
    full = {**os.environ, "ARMSBRIDGE_DATABASE_URL": url, "ARMSBRIDGE_VAR_DIR": str(tmp_path)}
    full.pop("ARMSBRIDGE_USER", None)
    full.update(env)
    full["COLUMNS"] = "250"
    return subprocess.run(
        [sys.executable, "-m", "armsbridge.cli", *args],
        capture_output=True,
        text=True,
        env=full,
        timeout=120,
    )


def test_the_cli_permission_matrix_for_export(tmp_path: Path, store: str) -> None:
    out = tmp_path / "out"
    args = ["export", "--out", str(out), "--why", "case XK-2026-1"]
    nobody = _run(args, tmp_path, store)
    assert nobody.returncode == 2 and "--user" in nobody.stderr
    assert "Traceback" not in nobody.stderr
    for refused in ("xk-programme", "xk-auditor"):
        answer = _run([*args, "--user", refused], tmp_path, store)
        assert answer.returncode == 2 and "may not" in answer.stderr, answer.stderr
    unknown = _run([*args, "--user", "mallory"], tmp_path, store)
    assert unknown.returncode == 2 and "no account named 'mallory'" in unknown.stderr
    no_why = _run(["export", "--out", str(out)], tmp_path, store, ARMSBRIDGE_USER="xk-analyst")
    assert no_why.returncode == 2 and "justification" in no_why.stderr
    done = _run(args, tmp_path, store, ARMSBRIDGE_USER="xk-analyst")
    assert done.returncode == 0, done.stderr
    persons = (out / "person.csv").read_text(encoding="utf-8")
    assert "Krasniqi" in persons and "Петровски" not in persons  # only the account's service


def test_an_import_of_another_services_rows_is_refused_row_by_row(
    tmp_path: Path, store: str
) -> None:
    path = tmp_path / "persons.csv"
    path.write_text(
        "ref,jurisdiction,given,family\nP-1,XK,Arben,Krasniqi\nP-2,MK,Горан,Петровски\n",
        encoding="utf-8",
    )
    profile = tmp_path / "p.yaml"
    profile.write_text(
        "name: persons-per-row\njurisdiction: {column: jurisdiction}\nformat: {header_row: 1}\n"
        "records:\n  person:\n    type: person\n    key: '{ref}'\n"
        "    fields: {given_name: given, family_name: family}\n",
        encoding="utf-8",
    )
    refused = _run(["import", str(profile), str(path), "--user", "xk-programme"], tmp_path, store)
    assert refused.returncode == 2 and "may not" in refused.stderr
    answer = _run(["import", str(profile), str(path), "--user", "xk-analyst"], tmp_path, store)
    assert answer.returncode == 1, answer.stdout + answer.stderr  # one row quarantined
    assert "1 valid, 1 quarantined" in answer.stdout
    assert "row 3, column jurisdiction: 'MK'" in answer.stdout
    assert answer.stdout.count("row 3, column jurisdiction") == 1  # once per row, not per record
