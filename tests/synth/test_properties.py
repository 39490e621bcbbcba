"""Properties of the generator that must hold for any seed and any name in the lists."""

from __future__ import annotations

import tempfile
from pathlib import Path
from random import Random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from synth_helpers import manifest, read_rows, truth_rows

from armsbridge.imports.profile import load_profile
from armsbridge.synth.names import fit_encoding, load_data, name_book
from armsbridge.synth.service import generate_world

_NAMES = load_data("names.yaml")
_ALL = [
    (lang, kind, name)
    for lang in ("sq", "mk", "sr")
    for kind in ("male", "female", "family")
    for name in _NAMES[lang][kind]
]
_MK_LETTERS = set("абвгдѓежзѕијклљмнњопрстќуфхцчџш -")


@given(st.sampled_from(_ALL), st.integers(0, 2**32))
def test_cyrillic_spellings_use_macedonian_letters_only(entry: tuple, seed: int) -> None:
    lang, _kind, name = entry
    text = name_book().cyrillic(name, lang, Random(seed))
    assert set(text.lower()) <= _MK_LETTERS, text
    text.encode("cp1251")


@given(st.sampled_from(_ALL), st.sampled_from(["sq", "mk", "sr", "iso", "ascii"]))
def test_latin_spellings_survive_a_windows_1250_export(entry: tuple, style: str) -> None:
    lang, _kind, name = entry
    text = name_book().latin(name, lang, style)
    assert not any("\u0400" <= ch <= "\u04ff" for ch in text), text
    assert "?" not in fit_encoding(text, "cp1250")


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**9), persons=st.integers(5, 120))
def test_any_world_is_consistent_and_importable(seed: int, persons: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        generate_world(out, seed=seed, persons=persons)
        people = {t["entity_id"] for t in truth_rows(out, "persons")}
        assert 0 < len(people) <= persons
        refs: dict[str, set[str]] = {}
        for item in manifest(out)["imports"]:
            rows = read_rows(out, item)  # decodes with the declared encoding
            profile = load_profile(item["profile"])
            for spec in profile.records:
                for source in spec.fields.values():
                    if source.map and source.column:
                        assert {r[source.column] for r in rows if r[source.column]} <= set(
                            source.map
                        ), (item["file"], source.column)
            if item["record_type"] in ("person", "firearm", "vehicle", "organisation"):
                first = next(iter(rows[0])) if rows else None
                refs[item["file"]] = {r[first] for r in rows} if first else set()
        for kind, file_name in (
            ("persons", "persons.csv"),
            ("firearms", "firearms.csv"),
            ("vehicles", "vehicles.csv"),
        ):
            for j in ("XK", "MK"):
                claimed = {
                    t["external_ref"] for t in truth_rows(out, kind) if t["jurisdiction"] == j
                }
                assert claimed == refs[f"{j.lower()}/{file_name}"]
