"""The person blocking rules that `blocking.choose` picks from, at several granularities.

Identifiers first (a shared phone, item or associate; the document), then tight rules (a name
with a second field), then generous ones (a name word, a date, a place alone); which of them
are offered depends on the columns the files have (docs/dev/matching-model.md §3a).
"""

from __future__ import annotations

from armsbridge.matching.blocking import Rule
from armsbridge.matching.comparisons import COMMON_NAME

YEAR_BUCKETS = (
    'CAST(floor({s}."byear" / 2) AS INTEGER)',
    'CAST(floor(({s}."byear" + 1) / 2) AS INTEGER)',
)


# The day and month of birth ("MM-DD") read the other way round ("DD-MM").
SWAPPED_DAY_MONTH = 'right({s}."md", 2) || \'-\' || left({s}."md", 2)'


def _common() -> str:
    return f'{{s}}."nkf" <= {COMMON_NAME}'


def person_library(present: set[str]) -> list[Rule]:
    """The person rules to choose from, at every granularity the columns allow.

    Tight rules pair names with dates and places; generous ones join one field alone (a birth
    date, a name word, a postcode) and reach pairs whose names both carry typos. Rules on a
    common name are limited to rare names on one side: a common name alone joins namesakes.
    """
    has = present.__contains__
    rules: list[Rule] = []
    if has("links"):
        rules.append(
            Rule(
                "a shared phone, item or associate",
                (("links", "links"),),
                explode=("links",),
                rank=0,
            )
        )
    if has("doc"):
        rules.append(Rule("same document number", (("doc", "doc"),), rank=0))
    rules.append(Rule("same name", (("np", "np"),)))
    rules.append(Rule("same rare name", (("np", "np"),), _common(), _common()))
    for word in ("p1", "p2"):
        rules.append(Rule(f"same name word ({word})", ((word, word),)))
    if has("bd"):
        rules += [
            Rule("same name, no birth date on one side", (("np", "npx"),), _common(), rank=1),
            Rule("same name, no birth date on the other side", (("npx", "np"),), _common(), rank=1),
            Rule("same name and birth year", (("np", "np"), ("byear", "byear"))),
            Rule("same name and day and month of birth", (("np", "np"), ("md", "md")), rank=1),
            Rule("same birth date", (("bdt", "bdt"),)),
            Rule("same birth year", (("byear", "byear"),)),
        ]
        no_day = '{s}."md" IS NULL'
        rules += [
            # The tight forms of the rules above, for large runs (docs/dev/matching-model.md §3:
            # counted at 10^6, a common name with a year alone is mostly another person).
            Rule(
                "same name and birth year, no day on one side",
                (("np", "np"), ("byear", "byear")),
                no_day,
                rank=1,
            ),
            Rule(
                "same name and birth year, no day on the other side",
                (("np", "np"), ("byear", "byear")),
                "",
                no_day,
                rank=1,
            ),
            Rule(
                "same rare name and birth year",
                (("np", "np"), ("byear", "byear")),
                _common(),
                rank=1,
            ),
        ]
        for word in ("p1", "p2"):
            day_month = ((word, word), ("md", "md"))
            rules += [
                Rule(f"name word ({word}) and day and month of birth", day_month),
                # A typo makes a name rare: one side's name is (at 10^6 this found 2,710 of
                # the 2,721 matches the unrestricted rule alone found, for a third of the pairs).
                # Years at most one apart share one of two two-year buckets.
                *(
                    Rule(
                        f"name word ({word}), day and month, years close, a rare name{where}",
                        (*day_month, (bucket, bucket)),
                        *conditions,
                        rank=1,
                    )
                    for bucket in YEAR_BUCKETS
                    for where, conditions in (
                        ("", (_common(),)),
                        (" on the other side", ("", _common())),
                    )
                ),
                Rule(f"name word ({word}) and birth year", ((word, word), ("byear", "byear"))),
            ]
            if has("fk"):
                father_year = ((word, word), ("fp", "fp"), ("byear", "byear"))
                rules += [
                    Rule(
                        f"name word ({word}), father and year, no day on one side",
                        father_year,
                        no_day,
                        rank=1,
                    ),
                    Rule(
                        f"name word ({word}), father and year, no day on the other side",
                        father_year,
                        "",
                        no_day,
                        rank=1,
                    ),
                ]
        # Catch-up rules for two errors at once, ranked with the generous ones: they take only
        # what the tight rules leave of the budget (at 10^6 a side, ranked as tight they
        # crowded out "same name and day and month of birth": F1 0.991 -> 0.979).
        for word, other in (("p1", "p2"), ("p2", "p1")):
            # A typo can reorder the sorted name words: one side's first word is the other's
            # second (at 10^6, 126 of the pairs no rule put side by side). One year bucket:
            # at 10^6 the other found 1 pair in 171,882.
            rules += [
                Rule(
                    f"name word ({word}) as the other's ({other}), day and month, years close, "
                    f"a rare name{where}",
                    ((word, other), ("md", "md"), (YEAR_BUCKETS[1], YEAR_BUCKETS[1])),
                    *conditions,
                )
                for where, conditions in (
                    ("", (_common(),)),
                    (" on the other side", ("", _common())),
                )
            ]
        # Day and month written the other way round (03-07 for 07-03): at 10^6, 324 of the
        # pairs no rule put side by side had the same birth year and the swapped date.
        rules += [
            Rule(
                f"name word ({word}), birth year, day and month swapped",
                ((word, word), ("byear", "byear"), ("md", SWAPPED_DAY_MONTH)),
            )
            for word in ("p1", "p2")
        ]
        rules += [
            Rule(
                "name starts and birth year",
                (
                    ('left({s}."n1", 2)', 'left({s}."n1", 2)'),
                    ('left({s}."n2", 2)', 'left({s}."n2", 2)'),
                    ("byear", "byear"),
                ),
            ),
            Rule(
                "name ends and day and month of birth",
                (
                    ('right({s}."n1", 2)', 'right({s}."n1", 2)'),
                    ('right({s}."n2", 2)', 'right({s}."n2", 2)'),
                    ("md", "md"),
                ),
            ),
        ]
        for col, what in (
            ("bpk", "birth place"),
            ("cityk", "city"),
            ("postcode", "postcode"),
            ("fp", "father's name"),
        ):
            if has(col):
                rules.append(Rule(f"birth year and {what}", (("byear", "byear"), (col, col))))
    if has("fk"):
        rules.append(Rule("same name and father's name", (("np", "np"), ("fp", "fp")), rank=1))
        for word in ("p1", "p2"):
            rules.append(
                Rule(f"name word ({word}) and father's name", ((word, word), ("fp", "fp")))
            )
    rules += [
        Rule(
            "first three letters of both name words",
            (
                ('left({s}."n1", 3)', 'left({s}."n1", 3)'),
                ('left({s}."n2", 3)', 'left({s}."n2", 3)'),
            ),
        ),
        Rule(
            "last three letters of both name words",
            (
                ('right({s}."n1", 3)', 'right({s}."n1", 3)'),
                ('right({s}."n2", 3)', 'right({s}."n2", 3)'),
            ),
        ),
    ]
    for col, what in (
        ("addrk", "address"),
        ("postcode", "postcode"),
        ("cityk", "city"),
        ("bpk", "birth place"),
    ):
        if has(col):
            rules.append(Rule(f"same {what}", ((col, col),)))
            rules.append(
                Rule(
                    f"{what} and a name word's start",
                    ((col, col), ('left({s}."p1", 2)', 'left({s}."p1", 2)')),
                )
            )
            rules.append(
                Rule(
                    f"{what} and the other name word's start",
                    ((col, col), ('left({s}."p2", 2)', 'left({s}."p2", 2)')),
                )
            )
    return rules
