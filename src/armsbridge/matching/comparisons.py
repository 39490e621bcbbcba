"""Splink settings per entity type: the comparisons (with their levels) and the blocking rules.

Comparisons are written as level lists over the prepared columns (see prepare.py), so each
level's label is the evidence an analyst reads ("names: same sound", "birth date: same year").
Blocking rules are equi-joins on compact keys: each one keeps blocks small even for the most
common names, and together they cover one-field errors (a typo in a name, a missing birth day).
"""

from __future__ import annotations

from typing import Any

JW = "jaro_winkler_similarity"
MODEL_VERSION = "8"
# EM converges within a few iterations on tight blocks (at 10^6 records, 6 and 12 iterations give
# the same F1 to three decimals); each iteration costs a pass over the sampled pairs.
EM_ITERATIONS = 6
# A name carried by at most this many records (both sides together) is rare enough to learn from.
RARE_NAME = 6
# A name sound carried by more records than this is common: most pairs sharing it are namesakes.
COMMON_NAME = 30
# Label suffix of a level reached only when the names sound alike (see `with_namesake_level`).
NAMES_AGREE = ", names agree"
NAMES_SOUND_ALIKE = '"np_l" = "np_r"'


def _lvl(sql: str, label: str, **extra: Any) -> dict[str, Any]:
    return {"sql_condition": sql, "label_for_charts": label, **extra}


def _null(*cols: str) -> dict[str, Any]:
    cond = " OR ".join(f'"{c}_l" IS NULL OR "{c}_r" IS NULL' for c in cols)
    return _lvl(cond, "missing", is_null_level=True)


def _one_off(col: str, shortest: int) -> str:
    """Both values at least `shortest` long and one edit apart."""
    return (
        f'length("{col}_l") >= {shortest} AND length("{col}_r") >= {shortest}'
        f' AND levenshtein("{col}_l", "{col}_r") <= 1'
    )


def _else() -> dict[str, Any]:
    return _lvl("ELSE", "different")


def name_comparison(tf: bool = False) -> dict[str, Any]:
    """Compare whole names on the script-independent key, the sound key and Jaro-Winkler."""

    def both(t: float) -> str:
        return (
            f'(({JW}("n1_l", "n1_r") >= {t} AND {JW}("n2_l", "n2_r") >= {t}) OR '
            f'({JW}("n1_l", "n2_r") >= {t} AND {JW}("n2_l", "n1_r") >= {t}))'
        )

    one_agrees = '("p1_l" = "p1_r" OR "p2_l" = "p2_r" OR "p1_l" = "p2_r" OR "p2_l" = "p1_r")'

    def other(t: float) -> str:
        return (
            f'(({JW}("n1_l", "n1_r") >= {t} AND {JW}("n2_l", "n2_r") >= {t}) OR '
            f'({JW}("n1_l", "n2_r") >= {t} AND {JW}("n2_l", "n1_r") >= {t}))'
        )

    exact = _lvl('"nk_l" = "nk_r"', "same name key")
    if tf:
        exact.update(tf_adjustment_column="nk", tf_adjustment_weight=1.0)
    return {
        "output_column_name": "name",
        "comparison_description": "given and family name, any order, any script",
        "comparison_levels": [
            _null("nk"),
            exact,
            _lvl('"np_l" = "np_r"', "same sound key"),
            _lvl(both(0.92), "both names nearly equal"),
            _lvl(both(0.82), "both names similar"),
            _lvl(one_agrees + f" AND {other(0.6)}", "one name agrees, the other close"),
            _lvl(one_agrees, "one name agrees, the other different"),
            _else(),
        ],
    }


def text_comparison(name: str, col: str, sound: str | None = None) -> dict[str, Any]:
    """Compare a keyed text column: exact key, same sound, close spelling."""
    levels = [_null(col), _lvl(f'"{col}_l" = "{col}_r"', "same key")]
    if sound:
        levels.append(_lvl(f'"{sound}_l" = "{sound}_r"', "same sound key"))
    levels += [
        _lvl(f'{JW}("{col}_l", "{col}_r") >= 0.9', "nearly equal"),
        _lvl(f'{JW}("{col}_l", "{col}_r") >= 0.75', "similar"),
        _else(),
    ]
    return {"output_column_name": name, "comparison_levels": levels}


def birth_date_comparison() -> dict[str, Any]:
    """Compare partial birth dates ('1986', '1986-03', '1986-03-12') without penalising gaps.

    `bdt` is the date as yyyymmdd, or as written when it did not parse (19450493): a typo in
    one digit reaches its own level, whether or not it left a valid date.
    """
    compat = '(starts_with("bd_l", "bd_r") OR starts_with("bd_r", "bd_l"))'
    shorter = 'least(length("bd_l"), length("bd_r"))'
    return {
        "output_column_name": "birth_date",
        "comparison_levels": [
            _null("bdt"),
            _lvl('"bd_l" = "bd_r" AND length("bd_l") = 10', "same full date"),
            _lvl(f"{compat} AND {shorter} >= 7", "same month, day unknown on one side"),
            _lvl(f"{compat}", "same year, month unknown on one side"),
            _lvl(
                'length("bd_l") = 10 AND length("bd_r") = 10 AND left("bd_l", 4) = left("bd_r", 4)'
                ' AND substr("bd_l", 6, 2) = substr("bd_r", 9, 2)'
                ' AND substr("bd_l", 9, 2) = substr("bd_r", 6, 2)',
                "day and month swapped",
            ),
            _lvl(
                'length("bdt_l") = 8 AND length("bdt_r") = 8'
                ' AND levenshtein("bdt_l", "bdt_r") <= 1',
                "one digit differs",
            ),
            _lvl('"byear_l" = "byear_r"', "same year, different day"),
            _lvl(
                'length("bd_l") = 10 AND length("bd_r") = 10'
                ' AND right("bd_l", 5) = right("bd_r", 5) AND abs("byear_l" - "byear_r") <= 1',
                "same day and month, years one apart",
            ),
            _lvl('abs("byear_l" - "byear_r") <= 1', "years one apart"),
            _else(),
        ],
    }


def exact_comparison(name: str, col: str, label: str) -> dict[str, Any]:
    """Compare one column for equality."""
    return {
        "output_column_name": name,
        "comparison_levels": [_null(col), _lvl(f'"{col}_l" = "{col}_r"', label), _else()],
    }


def with_namesake_level(comparison: dict[str, Any], level: int = 1) -> dict[str, Any]:
    """Put before `level` the same agreement reached by two records whose names sound alike.

    Namesakes share language, region and naming customs, so two people of one name agree on
    sex, birth place or father's name far more often than two random people (at 10^6 records:
    birth place 9 % against 4 %, sex always against 72 %). Counting that agreement at its
    random-pair rate on top of the name would count the name twice; this level gets u counted
    on pairs of one common name instead (counted.count_namesake_u).
    """
    same = comparison["comparison_levels"][level]
    namesake = {
        **same,
        "sql_condition": f"{NAMES_SOUND_ALIKE} AND ({same['sql_condition']})",
        "label_for_charts": same["label_for_charts"] + NAMES_AGREE,
    }
    if "tf_adjustment_column" in same:
        # The father's name among people of one name: u is its frequency among them. `nfk` is
        # name sound and father's key in one column (Splink adjusts on an exact-match level).
        namesake["sql_condition"] = '"nfk_l" = "nfk_r"'
        namesake["tf_adjustment_column"] = "nfk"
    comparison["comparison_levels"].insert(level, namesake)
    return comparison


def person_settings(
    present: set[str], *, link_type: str = "link_only", tf: bool = True
) -> dict[str, Any]:
    """Return Splink settings for persons, using only the features present in the data."""
    # Term frequencies on the exact name: "Arben Krasniqi" agreeing says far less than a rare
    # name. Off for small files, where every name is "frequent".
    comparisons = [name_comparison(tf=tf)]
    if "fk" in present:
        father = text_comparison("father_name", "fk", "fp")
        if tf:
            father["comparison_levels"][1].update(
                tf_adjustment_column="fk", tf_adjustment_weight=1.0
            )
        comparisons.append(with_namesake_level(father))
    if "bd" in present:
        comparisons.append(birth_date_comparison())
    if "sex" in present:
        comparisons.append(with_namesake_level(exact_comparison("sex", "sex", "same sex")))
    # Places are gazetteer keys: two different municipalities are not "nearly equal".
    for name, col in (("birth_place", "bpk"), ("city", "cityk")):
        if col in present:
            place = with_namesake_level(exact_comparison(name, col, "same key"))
            # A place outside the gazetteer keeps its spelling: a typo is one letter off.
            place["comparison_levels"].insert(-1, _lvl(_one_off(col, 5), "one letter differs"))
            comparisons.append(place)
    if "addrk" in present:
        address = text_comparison("address", "addrk")
        # Words reordered or dropped ("24 jondol place northwood park" / "24 northwood park
        # jondol place"): the house number and one word of four letters or more in common.
        address["comparison_levels"].insert(
            3,
            _lvl(
                '"addrn_l" = "addrn_r" AND list_has_any("addrw_l", "addrw_r")',
                "same house number, a word in common",
            ),
        )
        comparisons.append(address)
    if "postcode" in present:
        postcode = exact_comparison("postcode", "postcode", "same postcode")
        postcode["comparison_levels"].insert(-1, _lvl(_one_off("postcode", 3), "one digit differs"))
        comparisons.append(postcode)
    for name, col, label in (
        ("region", "region", "same region"),
        ("document", "doc", "same document number"),
    ):
        if col in present:
            comparisons.append(exact_comparison(name, col, label))
    if "phone" in present:
        comparisons.append(
            {
                "output_column_name": "phone",
                "comparison_levels": [
                    _null("phone"),
                    _lvl('list_has_any("phones_l", "phones_r")', "same phone number"),
                    _else(),
                ],
            }
        )
    if "items" in present:
        # The same gun (by its fully read serial) or car (plate, VIN) linked to both records.
        comparisons.append(
            {
                "output_column_name": "items",
                "comparison_levels": [
                    _null("items"),
                    _lvl('list_has_any("items_l", "items_r")', "same firearm or vehicle"),
                    _else(),
                ],
            }
        )
    if "assoc" in present:
        # Someone of the same name in a case of each: partners in crime cross the border too.
        comparisons.append(
            {
                "output_column_name": "associates",
                "comparison_levels": [
                    _null("assoc"),
                    _lvl('list_has_any("assoc_l", "assoc_r")', "an associate of the same name"),
                    _else(),
                ],
            }
        )
    return {
        "link_type": link_type,
        "unique_id_column_name": "unique_id",
        "probability_two_random_records_match": 1e-6,
        "max_iterations": EM_ITERATIONS,
        "comparisons": comparisons,
        "blocking_rules_to_generate_predictions": person_blocking(present),
        "retain_matching_columns": True,
        "retain_intermediate_calculation_columns": True,
        "additional_columns_to_retain": ["script"],
    }


def person_blocking(present: set[str]) -> list[Any]:
    """Blocking rules for persons: each an equi-join on compact keys (see module doc).

    Every rule was kept for the true pairs it alone finds at 10^6 records per side against the
    pairs it costs (docs/dev/matching-model.md): rules joining one word and a date or a place
    added more namesakes than matches there.
    """
    rules: list[Any] = []
    if "links" in present:
        # One join for every shared key: a phone number, a gun or car (whichever place it has in
        # each record's list), an associate with one of the record's name words (typos in the
        # other word and no date to pair it with). One exploded rule, not one per kind: Splink
        # explodes and joins both tables once per such rule. First, because Splink tests an
        # exploded rule's pairs against every rule before it (3 s at 10^6 when it was last),
        # while the pairs two rules find are made unique in the end anyway.
        rules.append({"blocking_rule": 'l."links" = r."links"', "arrays_to_explode": ["links"]})
    if "bd" in present:
        # Splink drops a pair a rule finds when an earlier rule found it already, testing every
        # earlier rule: the rules that join the most pairs go first.
        rules += [
            # No birth date on one side: the name alone, if it is not a common one (a pair
            # agreeing only on a common name never reaches review; at 10^6 this rule joined
            # 2.3 M such pairs for 220 matches found).
            f'l."np" = r."npx" AND l."nkf" <= {COMMON_NAME}',
            # Where both dates are full, the day-month rules below find the pair; what only
            # this rule adds there is another day of the same year: for a common name, that
            # is another person (at 10^6: 0.7 M pairs joined for 520 matches found).
            'l."np" = r."np" AND l."byear" = r."byear" AND (l."md" IS NULL OR r."md" IS NULL'
            f' OR l."nkf" <= {COMMON_NAME})',
            f'l."npx" = r."np" AND l."nkf" <= {COMMON_NAME}',
            # Both dates full: the same name and day-month (a year may be mistyped).
            'l."np" = r."np" AND l."md" = r."md" AND abs(l."byear" - r."byear") <= 1',
        ]
        # A typo in one word (and perhaps a mistyped year): the other word and the day-month.
        # A typo makes a name few records carry, so one side's name is rare (at 10^6, 2,710 of
        # the 2,721 matches only these rules found; joined pairs 1.5 M -> 0.6 M). One rule per
        # side, so that the condition filters each table before the join.
        rules += [
            f'l."{word}" = r."{word}" AND l."md" = r."md" AND abs(l."byear" - r."byear") <= 1'
            f' AND {side}."nkf" <= {COMMON_NAME}'
            for word in ("p1", "p2")
            for side in ("l", "r")
        ]
    if "fk" in present:
        rules += ['l."np" = r."np" AND l."fp" = r."fp"']  # no birth date
    if "fk" in present and "bd" in present and "assoc" not in present:
        rules += [
            # A typo in one name and only the year on one side: the other name, father, year
            # (with two full dates the day-month rules find it). Where records carry associates,
            # their keys find these pairs: at 10^6 these rules then added as many wrong matches
            # as right ones (321 against 353) for 0.2 M pairs joined.
            'l."p1" = r."p1" AND l."fp" = r."fp" AND l."byear" = r."byear"'
            ' AND (l."md" IS NULL OR r."md" IS NULL)',
            'l."p2" = r."p2" AND l."fp" = r."fp" AND l."byear" = r."byear"'
            ' AND (l."md" IS NULL OR r."md" IS NULL)',
        ]
    if "doc" in present:
        rules.append('l."doc" = r."doc"')
    if not rules or not ({"bd", "fk"} & present):
        rules.append('l."np" = r."np"')
    return rules


def person_training_rules(present: set[str]) -> list[str]:
    """Blocking rules for EM, each tight enough that most of its pairs are true matches.

    EM on loose blocks (a common name alone) finds the wrong two classes; on tight blocks it
    learns m. A comparison whose columns a rule uses is not trained by that rule: a rare name
    trains birth dates, the father's name, places, phones; date+father trains names.
    """
    rules = []
    if "fk" in present:
        # Namesakes (a common name and a common father's name) would teach EM that matches
        # differ in birth date: it learns from names that few records carry. (With the father's
        # name in this rule too, the father's name kept its prior, whose "different" level was
        # 30 times likelier among matches than the data shows.)
        rules.append(f'l."np" = r."np" AND l."nkf" <= {RARE_NAME} AND r."nkf" <= {RARE_NAME}')
        if "bd" in present:
            rules.append('l."bd" = r."bd" AND l."fp" = r."fp"')
    elif "bd" in present:
        # The rare name trains the birth date (a rule on the year would leave it untrained,
        # at priors that veto a pair whose date was written wholly differently).
        rare = f'l."np" = r."np" AND l."nkf" <= {RARE_NAME} AND r."nkf" <= {RARE_NAME}'
        rules += [rare, 'l."bd" = r."bd" AND length(l."bd") = 10']
    if not rules:
        rules.append('l."np" = r."np"')
    return rules


def holder_comparison() -> dict[str, Any]:
    """Compare the matched holders; a holder of several of one make and model says less."""
    same = '"holder_l" = "holder_r"'
    return {
        "output_column_name": "holder",
        "comparison_levels": [
            _null("holder"),
            _lvl(f'{same} AND "hguns_l" = 1 AND "hguns_r" = 1', "same holder, their only such one"),
            # Which of them it is, only a serial can tell: m stays at its prior.
            _lvl(same, "same holder, one of several such", fix_m_probability=True),
            _else(),
        ],
    }


def firearm_settings(
    *, link_type: str = "link_only", present: set[str] | None = None
) -> dict[str, Any]:
    """Return Splink settings for firearms: serials (also partial), make, model, calibre, holder.

    `holder` is the matched person a firearm is linked to (an entity id from person matching):
    a gun with no readable serial on one side is still found through the person who held it.
    """
    with_holder = "holder" in (present or set())
    compat = (
        'length("spat_l") = length("spat_r") AND ("spat_l" LIKE replace("spat_r", \'?\', \'_\')'
        " OR \"spat_r\" LIKE replace(\"spat_l\", '?', '_'))"
    )
    known = "least(length(replace(\"spat_l\", '?', '')), length(replace(\"spat_r\", '?', '')))"
    serial = {
        "output_column_name": "serial",
        "comparison_levels": [
            _null("spat"),
            _lvl('"spat_l" = "spat_r" AND "sfull_l" IS NOT NULL', "same serial"),
            _lvl(f"{compat} AND {known} >= 6", "partial serial fits"),
            # Random pairs are mostly of different models, where a pattern never fits, so u
            # counted on them would make a 3-digit fit look like proof. u is fixed instead:
            # about the chance that another gun of the same model fits.
            _lvl(
                f"{compat} AND {known} >= 5",
                "partial serial fits, five characters read",
                fix_u_probability=True,
            ),
            _lvl(
                f"{compat} AND {known} >= 3",
                "partial serial fits, few characters read",
                fix_u_probability=True,
            ),
            _lvl('"ssuf_l" = "ssuf_r" OR "spre_l" = "spre_r"', "serial start or end agrees"),
            # Two serials read and not compatible (misreadings are folded already) are two
            # guns, whatever else agrees: m is fixed, EM cannot tell a holder's other gun.
            _lvl("ELSE", "different", fix_m_probability=True),
        ],
    }
    return {
        "link_type": link_type,
        "unique_id_column_name": "unique_id",
        "probability_two_random_records_match": 1e-5,
        "comparisons": [
            serial,
            text_comparison("make", "make"),
            text_comparison("model", "model"),
            {
                "output_column_name": "calibre",
                "comparison_levels": [
                    _null("calibre"),
                    _lvl('"calibre_l" = "calibre_r"', "same calibre"),
                    _lvl('"bore_l" = "bore_r"', "same bore, written differently"),
                    _else(),
                ],
            },
        ]
        + ([holder_comparison()] if with_holder else []),
        "blocking_rules_to_generate_predictions": [
            *(['l."holder" = r."holder" AND l."make" = r."make"'] if with_holder else []),
            'l."sfull" = r."sfull"',
            'l."spre" = r."spre" AND l."make" = r."make"',
            'l."ssuf" = r."ssuf" AND l."make" = r."make"',
            'l."ssuf" = r."ssuf" AND l."slen" = r."slen"',
            # A partly read serial: same model and length, first character if it was read.
            'l."spart" = r."model" AND l."slen" = r."slen" AND l."s1" = r."s1"',
            'l."model" = r."spart" AND l."slen" = r."slen" AND l."s1" = r."s1"',
            'l."spart" = r."model" AND l."slen" = r."slen" AND l."s9" = r."s9"',
            'l."model" = r."spart" AND l."slen" = r."slen" AND l."s9" = r."s9"',
        ],
        "retain_matching_columns": True,
        "retain_intermediate_calculation_columns": True,
    }


def vehicle_settings(
    *, link_type: str = "link_only", present: set[str] | None = None
) -> dict[str, Any]:
    """Return Splink settings for vehicles: plates with look-alike letters, VIN, make, model,
    and the matched person who owned or drove it (`holder`, as for firearms)."""
    with_holder = "holder" in (present or set())
    return {
        "link_type": link_type,
        "unique_id_column_name": "unique_id",
        "probability_two_random_records_match": 1e-5,
        "comparisons": [
            text_comparison("plate", "plate"),
            {
                "output_column_name": "vin",
                "comparison_levels": [
                    _null("vin"),
                    _lvl('"vin_l" = "vin_r"', "same VIN"),
                    _lvl('"vin8_l" = "vin8_r"', "same last 8 of VIN"),
                    _else(),
                ],
            },
            text_comparison("make", "make"),
            text_comparison("model", "model"),
            exact_comparison("colour", "colour", "same colour"),
        ]
        + ([holder_comparison()] if with_holder else []),
        "blocking_rules_to_generate_predictions": [
            *(['l."holder" = r."holder" AND l."make" = r."make"'] if with_holder else []),
            'l."plate" = r."plate"',
            'l."vin8" = r."vin8"',
            'left(l."plate", 4) = left(r."plate", 4) AND l."make" = r."make"',
        ],
        "retain_matching_columns": True,
        "retain_intermediate_calculation_columns": True,
    }
