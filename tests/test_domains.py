"""The domain descriptors: what they name exists and imports; a broken domain stops start-up."""

from __future__ import annotations

import importlib
import subprocess
import sys
import textwrap

import pytest
import typer
from fastapi import APIRouter, FastAPI

from armsbridge.app import create_app, include_domain_routers
from armsbridge.cli import register_domains
from armsbridge.db.registry import load_all_models
from armsbridge.domains import DOMAINS, Domain, DomainImportError, menu_entries
from armsbridge.settings import Settings

GHOST = Domain("ghost", routers=("armsbridge.ghost.pages",), commands="armsbridge.ghost.commands")


@pytest.mark.parametrize("domain", DOMAINS, ids=lambda d: d.name)
def test_every_module_a_domain_names_imports_and_has_its_hook(domain: Domain) -> None:
    for name in domain.routers:
        assert isinstance(importlib.import_module(name).router, APIRouter), name
    if domain.commands:
        assert callable(importlib.import_module(domain.commands).register)
    if domain.models:
        importlib.import_module(domain.models)
    if domain.listeners:
        assert callable(importlib.import_module(domain.listeners).install_listeners)


def test_domains_are_named_once() -> None:
    names = [d.name for d in DOMAINS]
    assert len(names) == len(set(names))
    modules = [m for d in DOMAINS for m in d.modules()]
    assert len(modules) == len(set(modules))
    assert all(m.startswith(f"armsbridge.{d.name}.") for d in DOMAINS for m in d.modules())


def test_the_app_serves_every_router_named(tmp_path) -> None:  # noqa: ANN001
    app = create_app(Settings(var_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'n.db'}"))
    assert app.state.routers == [m for d in DOMAINS for m in d.routers]
    assert [e.path for e in menu_entries()][0] == "/"


def test_a_domain_that_fails_to_import_stops_the_web_app() -> None:
    with pytest.raises(DomainImportError, match=r"domain 'ghost': cannot import armsbridge\.ghost"):
        include_domain_routers(FastAPI(), (GHOST,))


def test_a_domain_that_fails_to_import_stops_the_cli() -> None:
    with pytest.raises(DomainImportError, match="domain 'ghost'"):
        register_domains(typer.Typer(), (GHOST,))


def test_a_models_module_that_fails_to_import_stops_the_store() -> None:
    with pytest.raises(DomainImportError, match="armsbridge.ghost.models"):
        load_all_models((Domain("ghost", models="armsbridge.ghost.models"),))


def test_a_module_named_as_router_without_one_stops_the_web_app() -> None:
    with pytest.raises(DomainImportError, match="has no `router`"):
        include_domain_routers(FastAPI(), (Domain("db", routers=("armsbridge.db.session",)),))


def test_importing_every_domain_opens_nothing_and_attaches_no_listener() -> None:
    """In a fresh interpreter: no engine is created at import; listeners wait for the store."""
    script = textwrap.dedent(
        """
        import sqlalchemy

        def refuse(*args, **kwargs):
            raise AssertionError("an engine was created at import time")

        sqlalchemy.create_engine = refuse
        import importlib
        from armsbridge.domains import DOMAINS
        import armsbridge.app, armsbridge.cli
        for domain in DOMAINS:
            for name in domain.modules():
                importlib.import_module(name)
        from armsbridge.firearms.listeners import listeners_installed
        assert not listeners_installed(), "listeners attached by an import"
        from armsbridge.db.registry import install_listeners
        install_listeners()
        install_listeners()
        assert listeners_installed()
        print("ok")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
