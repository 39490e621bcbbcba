"""Turn raw records into the compared columns: name keys, sound keys, partial dates, serials.

Every table here lives in one DuckDB connection. Keys are computed once per distinct raw value
(names repeat a lot) in Python and joined back, so preparing 10^6 records costs seconds.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import duckdb
import phonenumbers
import pyarrow as pa

from armsbridge.firearms.calibre import normalise_calibre
from armsbridge.firearms.serials import fold_confusables, normalise_serial
from armsbridge.matching.comparisons import COMMON_NAME
from armsbridge.matching.person_sql import (
    ASSOCIATE_LINKS,
    ASSOCIATES_CTE,
    NAMES_SQL,
    PERSON_SQL,
)
from armsbridge.names.keys import (
    _fold_family,
    _word_phonetic,
    father_name_key,
    name_key,
)
from armsbridge.names.places import place_key

PERSON_COLUMNS = (
    "unique_id",
    "given_name",
    "family_name",
    "father_name",
    "full_name",
    "birth_date",
    "birth_date_text",
    "birth_year",
    "sex",
    "birth_place",
    "address",
    "city",
    "postcode",
    "region",
    "phone",
    "id_number",
    "items",
    "associates",
)
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")
_UNKNOWN_MARKS = re.compile(r"[?*_#…]")


def folded_key(text: str | None) -> str:
    """Return the name key with female family-name endings folded (for any name part)."""
    return " ".join(_fold_family(w) for w in name_key(text).split())


def sound_key(key: str) -> str:
    """Return the phonetic key of an already-computed name key."""
    return " ".join(_word_phonetic(w) for w in key.replace("J", "d").split())


def script_of(*texts: str | None) -> str:
    """Return 'Cyrl' if any text holds Cyrillic letters, else 'Latn'."""
    return "Cyrl" if any(t and _CYRILLIC.search(t) for t in texts) else "Latn"


def normalise_phone(raw: str | None, default_region: str = "XK") -> str:
    """Return the E.164 form of a phone number, or its digits when it cannot be parsed."""
    if not raw:
        return ""
    text = str(raw).strip()
    if _E164.fullmatch(text):  # stored numbers are E.164 already; parsing them again is slow
        return text
    for region in (default_region, "MK", "XK"):
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_possible_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return re.sub(r"\D", "", text)


def normalise_phones(raw: str | None) -> str:
    """Return several numbers (separated by ';' or ',') in E.164, separated by ';'."""
    numbers = (normalise_phone(part) for part in re.split(r"[;,]", raw or ""))
    return ";".join(dict.fromkeys(n for n in numbers if n))


# A serial with fewer characters read than this is too common to tie two people together.
MIN_ITEM_SERIAL = 5


def item_key(kind: str, raw: str | None) -> str | None:
    """Return the key of a gun (`serial`) or car (`plate`, `vin`) a person is linked to.

    A person's `items` column lists these keys, separated by ';', as the store gives them
    (rows.py): two records holding the same gun or car, however it was written on each side,
    share a key. Serials count only when fully read (a partial one fits many guns).
    """
    if kind == "serial":
        key = serial_pattern(raw)
        return f"s:{key}" if "?" not in key and len(key) >= MIN_ITEM_SERIAL else None
    key = plate_key(raw) if kind == "plate" else vin_key(raw) if kind == "vin" else ""
    return f"{kind[0]}:{key}" if key else None


_SEX = {"m": "M", "м": "M", "f": "F", "ж": "F", "z": "F", "w": "F"}


def normalise_sex(raw: str | None) -> str:
    """Return M or F from the usual spellings (M/F, М/Ж, Mashkull/Femër, машки/женски)."""
    if not raw:
        return ""
    text = raw.strip().lower()
    if text.startswith(("mash", "male", "маш", "муж")):
        return "M"
    if text.startswith(("fem", "жен", "female")):
        return "F"
    return _SEX.get(text[:1], "")


def serial_pattern(raw: str | None) -> str:
    """Return the folded serial with '?' at each unknown (unreadable) position."""
    if not raw:
        return ""
    # Stars around a serial frame it ("*6RD39245*"); inside it, like ?, they mark a lost digit.
    text = str(raw).strip()
    if len(text) > 2 and text[0] == text[-1] == "*" and "*" not in text[1:-1]:
        text = text[1:-1]
    parts = _UNKNOWN_MARKS.split(text)
    return "?".join(fold_confusables(p) for p in parts)


def _map_distinct(
    con: duckdb.DuckDBPyConnection,
    values_sql: str,
    name: str,
    funcs: dict[str, Callable[[str], str]],
    *,
    sound_of: str | None = None,
) -> None:
    """Create table `name`(raw, <func columns>) over the distinct raw values of `values_sql`.

    With `sound_of`, a column `p` holds the sound key of that (already computed) key column.
    """
    raws = [
        r[0]
        for r in con.execute(
            f"SELECT DISTINCT v FROM ({values_sql}) WHERE v IS NOT NULL"
        ).fetchall()
    ]
    columns: dict[str, list[str | None]] = {"raw": list(raws)}
    for col, func in funcs.items():
        columns[col] = [func(r) or None for r in raws]
    if sound_of:
        columns["p"] = [sound_key(k) or None if k else None for k in columns[sound_of]]
    table = pa.table(columns, schema=pa.schema([(c, pa.string()) for c in columns]))
    con.register(f"{name}_arrow", table)
    con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {name}_arrow")
    con.unregister(f"{name}_arrow")


def _union(table: str, columns: Iterable[str]) -> str:
    return " UNION ALL ".join(f"SELECT CAST({c} AS VARCHAR) AS v FROM {table}" for c in columns)


def prepare_persons(
    con: duckdb.DuckDBPyConnection, sources: list[str], *, suffix: str = ""
) -> list[str]:
    """Create one prepared table per source table of raw person columns; return their names."""
    name_cols = ("given_name", "family_name", "full_name", "address")
    union = " UNION ALL ".join(_union(s, name_cols) for s in sources)
    _map_distinct(con, union, f"map_nm{suffix}", {"k": folded_key}, sound_of="k")
    union_pc = " UNION ALL ".join(_union(s, ["birth_place", "city"]) for s in sources)
    _map_distinct(con, union_pc, f"map_pc{suffix}", {"k": place_key})
    union_f = " UNION ALL ".join(_union(s, ["father_name"]) for s in sources)
    _map_distinct(con, union_f, f"map_fa{suffix}", {"k": father_name_key}, sound_of="k")
    union_ph = " UNION ALL ".join(_union(s, ["phone"]) for s in sources)
    # Numbers from the store are E.164 already: only the others go through phonenumbers.
    e164 = "regexp_full_match(v, '\\+[1-9][0-9]{6,14}(;\\+[1-9][0-9]{6,14})*')"
    _map_distinct(
        con, f"SELECT v FROM ({union_ph}) WHERE NOT {e164}", "map_ph_raw", {"e": normalise_phones}
    )
    con.execute(f"""CREATE OR REPLACE TABLE map_ph{suffix} AS
        SELECT raw, e FROM map_ph_raw
        UNION ALL SELECT DISTINCT v, v FROM ({union_ph}) WHERE {e164}""")
    con.execute("DROP TABLE map_ph_raw")
    union_sx = " UNION ALL ".join(_union(s, ["sex"]) for s in sources)
    _map_distinct(con, union_sx, f"map_sx{suffix}", {"s": normalise_sex})

    # A Macedonian EMBG (13 digits) begins with the birth date: DDMMYYY (YYY 9xx = 19xx).
    con.execute("""
    CREATE OR REPLACE MACRO embg_date(n) AS CASE
      WHEN regexp_full_match(coalesce(n, ''), '[0-3][0-9][01][0-9][09][0-9]{8}') THEN
        CASE WHEN substr(n, 5, 1) = '9' THEN '1' ELSE '2' END || substr(n, 5, 3) || '-' ||
        substr(n, 3, 2) || '-' || substr(n, 1, 2)
    END""")
    # Name words are sorted, counted and classed by script once per distinct written name.
    union_names = " UNION ALL ".join(
        f"SELECT CAST(given_name AS VARCHAR) AS g, CAST(family_name AS VARCHAR) AS f, "
        f"CAST(full_name AS VARCHAR) AS fn FROM {s}"
        for s in sources
    )
    con.execute(NAMES_SQL.format(union=union_names, x=suffix))
    out = []
    for src in sources:
        dst = f"{src}_prepared"
        with_associates = con.execute(f"SELECT count(associates) FROM {src}").fetchall()[0][0]
        sql = PERSON_SQL.format(
            src=src,
            dst=dst,
            x=suffix,
            assoc_cte=ASSOCIATES_CTE.format(src=src, common=COMMON_NAME) if with_associates else "",
            assoc_columns=(
                "nullif(a.assoc, []) AS assoc" if with_associates else "NULL::VARCHAR[] AS assoc"
            ),
            assoc_join=" LEFT JOIN assoc a USING (unique_id)" if with_associates else "",
            assoc_links=ASSOCIATE_LINKS if with_associates else "",
        )
        con.execute(_drop_empty_joins(con, src, sql))
        out.append(dst)
    return out


# Optional raw column -> (its join line, the key it feeds): unused columns cost no join.
_OPTIONAL_JOINS = {
    "city": ("LEFT JOIN map_pc{x} ci ON", "ci."),
    "address": ("LEFT JOIN map_nm{x} ad ON", "ad."),
    "phone": ("LEFT JOIN map_ph{x} ph ON", "ph."),
    "birth_place": ("LEFT JOIN map_pc{x} bp ON", "bp."),
}


def _drop_empty_joins(con: duckdb.DuckDBPyConnection, src: str, sql: str) -> str:
    counts = con.execute(
        "SELECT " + ", ".join(f"count({c})" for c in _OPTIONAL_JOINS) + f" FROM {src}"
    ).fetchall()[0]
    lines = sql.split("\n")
    for (join, alias), n in zip(_OPTIONAL_JOINS.values(), counts, strict=True):
        if n:
            continue
        join_prefix = join.split("{x}")[0]
        lines = [
            ln
            for ln in lines
            if not ln.strip().startswith(join_prefix.strip()) or f" {alias[:-1]} ON" not in ln
        ]
        lines = [
            ln.replace(f"{alias}k", "NULL::VARCHAR")
            .replace(f"{alias}p", "NULL::VARCHAR")
            .replace(f"{alias}e", "NULL::VARCHAR")
            for ln in lines
        ]
    return "\n".join(lines)


def prepare_firearms(con: duckdb.DuckDBPyConnection, sources: list[str]) -> list[str]:
    """Prepare raw firearm tables (unique_id, serial, make, model, calibre, holder)."""
    union = " UNION ALL ".join(_union(s, ["serial"]) for s in sources)
    _map_distinct(con, union, "map_ser", {"pat": serial_pattern})
    union_mk = " UNION ALL ".join(_union(s, ["make"]) for s in sources)
    _map_distinct(con, union_mk, "map_fmk", {"k": make_key})
    union_mo = " UNION ALL ".join(_union(s, ["model"]) for s in sources)
    _map_distinct(con, union_mo, "map_fmo", {"k": _plain_key})
    union_ca = " UNION ALL ".join(_union(s, ["calibre"]) for s in sources)
    _map_distinct(con, union_ca, "map_fca", {"k": lambda r: normalise_calibre(r) or ""})
    out = []
    for src in sources:
        dst = f"{src}_prepared"
        con.execute(f"""
        CREATE OR REPLACE TABLE {dst} AS
        SELECT s.unique_id::VARCHAR AS unique_id, ser.pat AS spat,
          CASE WHEN ser.pat LIKE '%?%' THEN NULL ELSE ser.pat END AS sfull,
          nullif(left(regexp_extract(ser.pat, '^[^?]*'), 3), '') AS spre,
          CASE WHEN length(regexp_extract(ser.pat, '[^?]*$')) >= 3
               THEN right(ser.pat, 3) END AS ssuf,
          length(ser.pat) AS slen,
          CASE WHEN left(ser.pat, 1) <> '?' THEN left(ser.pat, 1) END AS s1,
          CASE WHEN right(ser.pat, 1) <> '?' THEN right(ser.pat, 1) END AS s9,
          CASE WHEN ser.pat LIKE '%?%' THEN mo.k END AS spart,
          mk.k AS make, mo.k AS model, ca.k AS calibre,
          nullif(CAST(s.holder AS VARCHAR), '') AS holder,
          nullif(regexp_extract(ca.k, '^[0-9]+([.,][0-9]+)?'), '') AS bore
        FROM {src} s
        LEFT JOIN map_ser ser ON ser.raw = CAST(s.serial AS VARCHAR)
        LEFT JOIN map_fmk mk ON mk.raw = CAST(s.make AS VARCHAR)
        LEFT JOIN map_fmo mo ON mo.raw = CAST(s.model AS VARCHAR)
        LEFT JOIN map_fca ca ON ca.raw = CAST(s.calibre AS VARCHAR)
        """)
        _count_held(con, dst)
        out.append(dst)
    return out


def _count_held(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Add `hguns`: how many of this make and model the same holder has in this table."""
    con.execute(f"""
    CREATE OR REPLACE TABLE {table} AS SELECT *,
      CASE WHEN holder IS NOT NULL THEN count(*) OVER (PARTITION BY holder, make, model) END
        AS hguns
    FROM {table}""")


def make_key(text: str) -> str:
    """Return a maker's name in any script as one key (Застава = Zastava, Блоw = Blow)."""
    return name_key(text).replace(" ", "").lower()


def _plain_key(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", normalise_serial(text).lower())


def plate_key(raw: str | None) -> str:
    """Return a plate with look-alike Cyrillic letters as Latin and misread characters folded."""
    return fold_confusables(raw or "")


def vin_key(raw: str | None) -> str:
    """Return a VIN upper-cased with the letters a VIN never holds (I, O, Q) read as digits."""
    return normalise_serial(raw or "").replace("I", "1").replace("O", "0").replace("Q", "0")


def prepare_vehicles(con: duckdb.DuckDBPyConnection, sources: list[str]) -> list[str]:
    """Prepare raw vehicle tables (unique_id, plate, vin, make, model, colour, holder)."""
    union = " UNION ALL ".join(_union(s, ["plate"]) for s in sources)
    _map_distinct(con, union, "map_pl", {"k": plate_key})
    union_v = " UNION ALL ".join(_union(s, ["vin"]) for s in sources)
    _map_distinct(con, union_v, "map_vn", {"k": vin_key})
    union_mk = " UNION ALL ".join(_union(s, ["make", "model", "colour"]) for s in sources)
    _map_distinct(con, union_mk, "map_vmk", {"k": make_key})
    out = []
    for src in sources:
        dst = f"{src}_prepared"
        con.execute(f"""
        CREATE OR REPLACE TABLE {dst} AS
        SELECT s.unique_id::VARCHAR AS unique_id, pl.k AS plate, vn.k AS vin,
          CASE WHEN length(vn.k) >= 8 THEN right(vn.k, 8) END AS vin8,
          mk.k AS make, mo.k AS model, co.k AS colour,
          nullif(CAST(s.holder AS VARCHAR), '') AS holder
        FROM {src} s
        LEFT JOIN map_pl pl ON pl.raw = CAST(s.plate AS VARCHAR)
        LEFT JOIN map_vn vn ON vn.raw = CAST(s.vin AS VARCHAR)
        LEFT JOIN map_vmk mk ON mk.raw = CAST(s.make AS VARCHAR)
        LEFT JOIN map_vmk mo ON mo.raw = CAST(s.model AS VARCHAR)
        LEFT JOIN map_vmk co ON co.raw = CAST(s.colour AS VARCHAR)
        """)
        _count_held(con, dst)
        out.append(dst)
    return out


FIREARM_COLUMNS = ("unique_id", "serial", "make", "model", "calibre", "holder")
VEHICLE_COLUMNS = ("unique_id", "plate", "vin", "make", "model", "colour", "holder")
COLUMNS = {"person": PERSON_COLUMNS, "firearm": FIREARM_COLUMNS, "vehicle": VEHICLE_COLUMNS}


def table_from_rows(
    con: duckdb.DuckDBPyConnection, name: str, entity: str, rows: list[dict[str, object]]
) -> str:
    """Create table `name` of `rows` with every raw column of `entity` (text; NULL if absent)."""
    cols = COLUMNS[entity]
    data = {c: [None if r.get(c) in (None, "") else str(r.get(c)) for r in rows] for c in cols}
    table = pa.table(data, schema=pa.schema([(c, pa.string()) for c in cols]))
    con.register(f"{name}_arrow", table)
    con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {name}_arrow")
    con.unregister(f"{name}_arrow")
    return name
