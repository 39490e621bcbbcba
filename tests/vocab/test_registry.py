"""The record-type registry: one description per type, which the rest of the code agrees with."""

from __future__ import annotations

import pytest

from armsbridge.auth.permissions import record_types_for
from armsbridge.errors import UserError
from armsbridge.records.api_schemas import SLUGS
from armsbridge.records.labels import TYPES
from armsbridge.records.models import RECORD_MODELS
from armsbridge.records.validation import DERIVED_FIELDS, model_for
from armsbridge.vocab.registry import by_slug, personal_record_types, record_type, record_types


def test_the_restricted_tables_are_the_registry_s() -> None:
    restricted = {t.name: t.model for t in record_types().values() if t.restricted}
    assert restricted == RECORD_MODELS
    assert record_types_for("analyst", "read") == set(record_types())  # "all"
    assert "training" not in record_types_for("border_officer", "write")


def test_pages_api_and_writer_read_the_registry() -> None:
    for t in record_types().values():
        assert model_for(t.name) is t.model
        assert by_slug(t.slug) is t
        if t.restricted:
            assert SLUGS[t.name] == t.slug
        if t.restricted and t.name != "link":
            assert TYPES[t.name] == (t.slug, t.label, t.plural)
    assert DERIVED_FIELDS["person"] == ("name_key",)
    assert DERIVED_FIELDS["firearm"] == ("serial_normalised", "calibre_normalised")


def test_personal_types_are_marked_once() -> None:
    assert personal_record_types() == {"person", "phone", "online_account", "intel_report"}


def test_an_unknown_type_is_a_user_error_naming_the_known_ones() -> None:
    with pytest.raises(UserError, match="unknown record type 'gun'; known: case, event"):
        record_type("gun")
