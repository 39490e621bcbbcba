"""Writes participants.csv and campaigns.csv of the 2021-2023 programme example.

The files are committed; this script documents how they were built and rebuilds them
byte for byte (fixed seed). Figures from the programme's final narrative (DOMAIN.md §8):
820 officers trained (77 women, 743 men) in two series of sessions, 420 + 400; 119 of them
(24 women, 95 men) also attended the converted-firearms trainings and workshop.
"""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).parent
INSTITUTION = {"XK": "Kosovo Police", "MK": "Ministry of Interior - Bureau for Public Security"}
# (training code, title, topic, kind, {jurisdiction: (sessions, persons, women)}, first day)
SERIES = [
    (
        "T-IGSA",
        "Information gathering, information sharing and information analysis",
        "information_analysis",
        "training",
        {"XK": (6, 220, 20), "MK": (6, 200, 16)},
        date(2021, 9, 14),
    ),
    (
        "T-WCAT",
        "Weapons categorisation and essential parts, explosives, possession and misuse, "
        "community policing and intelligence-led policing",
        "weapons_categorisation",
        "training",
        {"XK": (6, 200, 19), "MK": (5, 200, 22)},
        date(2021, 10, 19),
    ),
]
# Converted firearms: four trainings and one workshop, joint sessions of both jurisdictions.
CONVERTED = [
    ("T-CF-1", "Converted firearms trafficking I", "training", "CF-01", date(2022, 10, 4)),
    ("T-CF-2", "Converted firearms trafficking II", "training", "CF-02", date(2022, 10, 25)),
    ("T-CF-3", "Converted firearms trafficking III", "training", "CF-03", date(2022, 11, 15)),
    ("T-CF-4", "Converted firearms trafficking IV", "training", "CF-04", date(2023, 1, 17)),
    ("W-CF", "Workshop on converted firearms trafficking", "workshop", "CF-W1", date(2023, 2, 21)),
]
CONVERTED_PEOPLE = {"XK": (60, 11), "MK": (59, 13)}  # (persons, women)
HEADER = [
    "training_code",
    "training_title",
    "topic",
    "kind",
    "session_code",
    "session_date",
    "jurisdiction",
    "participant_ref",
    "sex",
    "institution",
]


def _dmy(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def participants(rng: random.Random) -> list[list[str]]:
    """Return the rows of participants.csv: one per participant per session."""
    rows: list[list[str]] = []
    pool: dict[str, list[tuple[str, str]]] = {"XK": [], "MK": []}
    for code, title, topic, kind, parts, first in SERIES:
        for jurisdiction, (sessions, persons, women) in parts.items():
            sexes = ["F"] * women + ["M"] * (persons - women)
            rng.shuffle(sexes)
            offset = len(pool[jurisdiction])
            people = [(f"{jurisdiction}-{offset + i + 1:04d}", sex) for i, sex in enumerate(sexes)]
            pool[jurisdiction].extend(people)
            for index, (ref, sex) in enumerate(people):
                number = index % sessions
                day = first + timedelta(weeks=4 * number + (0 if jurisdiction == "XK" else 1))
                session_code = f"{code[2:]}-{jurisdiction}-{number + 1:02d}"
                rows.append(
                    [
                        code,
                        title,
                        topic,
                        kind,
                        session_code,
                        _dmy(day),
                        jurisdiction,
                        ref,
                        sex,
                        INSTITUTION[jurisdiction],
                    ]
                )
    for jurisdiction, (persons, women) in CONVERTED_PEOPLE.items():
        chosen = rng.sample([p for p in pool[jurisdiction] if p[1] == "F"], women)
        chosen += rng.sample([p for p in pool[jurisdiction] if p[1] == "M"], persons - women)
        rng.shuffle(chosen)
        for index, (ref, sex) in enumerate(sorted(chosen)):
            code, title, kind, session_code, day = CONVERTED[index % len(CONVERTED)]
            rows.append(
                [
                    code,
                    title,
                    "converted_firearms",
                    kind,
                    session_code,
                    _dmy(day),
                    jurisdiction,
                    ref,
                    sex,
                    INSTITUTION[jurisdiction],
                ]
            )
    return rows


# (code, title, kind, jurisdiction, start, end, {channel: (views, impressions)})
CAMPAIGNS = [
    (
        "MM-XK",
        "Armët nuk janë lodër - mass-media campaign",
        "mass_media",
        "XK",
        date(2022, 9, 12),
        date(2022, 11, 30),
        {
            "facebook": (241_560, 1_502_310),
            "instagram": (118_240, 802_115),
            "youtube": (96_310, 402_770),
            "tiktok": (54_020, 261_005),
        },
    ),
    (
        "MM-MK",
        "Оружјето не е играчка - mass-media campaign",
        "mass_media",
        "MK",
        date(2022, 9, 19),
        date(2022, 12, 9),
        {
            "facebook": (228_470, 1_455_680),
            "instagram": (104_915, 741_230),
            "youtube": (88_105, 385_940),
            "tiktok": (47_330, 240_650),
        },
    ),
    (
        "TG-XK-1",
        "Youth and celebratory shooting (schools)",
        "targeted",
        "XK",
        date(2022, 12, 1),
        date(2022, 12, 31),
        {"facebook": (61_240, 402_335), "instagram": (33_870, 211_410)},
    ),
    (
        "TG-XK-2",
        "Converted weapons: legal risks (hunters and collectors)",
        "targeted",
        "XK",
        date(2023, 1, 16),
        date(2023, 2, 28),
        {"facebook": (58_900, 388_120), "instagram": (31_440, 205_870)},
    ),
    (
        "TG-MK-1",
        "Celebratory shooting kills (local communities)",
        "targeted",
        "MK",
        date(2022, 12, 5),
        date(2023, 1, 8),
        {"facebook": (59_735, 395_080), "instagram": (30_665, 197_305)},
    ),
    (
        "TG-MK-2",
        "Buying a gun online is a crime (young adults)",
        "targeted",
        "MK",
        date(2023, 1, 23),
        date(2023, 3, 10),
        {"facebook": (57_010, 379_560), "instagram": (29_870, 190_440)},
    ),
]


def campaigns() -> list[list[str]]:
    """Return the rows of campaigns.csv: one per campaign channel."""
    rows = []
    for code, title, kind, jurisdiction, start, end, channels in CAMPAIGNS:
        for channel, (views, impressions) in channels.items():
            rows.append(
                [
                    code,
                    title,
                    kind,
                    jurisdiction,
                    _dmy(start),
                    _dmy(end),
                    channel,
                    str(views),
                    str(impressions),
                ]
            )
    return rows


def main() -> None:
    """Write both files next to this script."""
    with (HERE / "participants.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(participants(random.Random(2021)))
    with (HERE / "campaigns.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(
            [
                "campaign_code",
                "title",
                "kind",
                "jurisdiction",
                "start_date",
                "end_date",
                "channel",
                "views",
                "impressions",
            ]
        )
        writer.writerows(campaigns())


if __name__ == "__main__":
    main()
