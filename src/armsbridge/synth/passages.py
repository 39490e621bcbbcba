"""Border-crossing passages of the synthetic world: who and what crossed where and when, and
which passages carried weapons (truth) and which of those a check found (what records hold).

Each passage is a vehicle or a traveller on foot through one of the gazetteer's crossing points,
at an hour and weekday, with the vehicle's kind and registration country, how many travel in
it, the driver's age band and sex, whether the driver is known to the police, and how often the
vehicle crossed in the last 30 days. A small share carry weapons; whether one does follows a
latent log-odds made of the factors that risk analysis at borders names (night hours, some
crossings, buses and vans, some registrations, young men alone, known persons, frequent
crossers), with effects that drift from year to year so that a model learnt on earlier years
meets a later one that is not the same. Only some carried weapons are found (a check happens
on a share of passages, more on the risky-looking ones, and finds most of what it checks):
`found` is what a node's records would know, `carrying` the truth a benchmark scores against.
Each passage also has a day of its year (on its weekday), a minute, the service whose
checkpoint recorded it (`side`) and its direction for that service; they are drawn from a
stream of their own, so adding them left every other column as it was.

The shares and effects are invented to be plausible, not measured: they are no statistic of
either service (see docs/user/synthetic-world.md).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from armsbridge.names.places import gazetteer

VEHICLES = ("car", "van", "bus", "truck", "foot")
VEHICLE_SHARE = (0.70, 0.08, 0.05, 0.12, 0.05)
PLATES = ("XK", "MK", "AL", "RS", "DE", "CH", "AT", "TR", "other")
PLATE_SHARE = (0.34, 0.30, 0.08, 0.06, 0.08, 0.06, 0.03, 0.02, 0.03)
AGES = ("18-25", "26-35", "36-50", "51+")
AGE_SHARE = (0.15, 0.30, 0.35, 0.20)
# Effects on the log-odds of carrying (invented, see the module's docstring).
BASE_LOGIT = -7.2
EFFECTS = {
    "night": 1.1,  # 22:00-04:59
    "weekend": 0.3,
    "vehicle": {"car": 0.0, "van": 0.9, "bus": 1.2, "truck": 0.2, "foot": 0.5},
    "plate": {"DE": 0.6, "CH": 0.5, "AT": 0.5, "AL": 0.3},
    "young_male_alone": 1.0,
    "known": 1.8,
    "frequent": 0.7,  # 8 or more crossings in 30 days
}
HOT_CROSSINGS = 2  # crossings with a raised effect, chosen by the seed
HOT_EFFECT = 1.0
DRIFT = 0.25  # standard deviation of the yearly change of each crossing's effect
CHECK_SHARE = 0.06
CHECK_BOOST = 4.0  # a risky-looking passage is checked this many times more often
FIND_SHARE = 0.8
SIDES = ("XK", "MK")
DIRECTIONS = ("entry", "exit")


@dataclass(frozen=True)
class Passages:
    """Passages as columns (numpy arrays of one length), with the truth and what was found."""

    year: np.ndarray
    crossing: np.ndarray  # crossing code
    hour: np.ndarray
    weekday: np.ndarray  # 0 = Monday
    vehicle: np.ndarray
    plate: np.ndarray
    occupants: np.ndarray
    age: np.ndarray
    male: np.ndarray
    known: np.ndarray  # the driver is in the records
    crossings_30d: np.ndarray
    likelihood: np.ndarray  # the latent probability of carrying (the truth's own ranking)
    carrying: np.ndarray  # truth
    checked: np.ndarray
    found: np.ndarray  # carrying and checked and found: what a seizure record says
    day: np.ndarray  # datetime64[D], a day of `year` on `weekday`
    minute: np.ndarray
    side: np.ndarray  # the service whose checkpoint recorded the passage
    direction: np.ndarray  # "entry" or "exit", for that service

    def __len__(self) -> int:
        """Return the number of passages."""
        return len(self.year)

    def where(self, keep: np.ndarray) -> Passages:
        """Return the passages where `keep` is true."""
        return Passages(**{name: getattr(self, name)[keep] for name in self.__dataclass_fields__})


def crossing_codes() -> list[str]:
    """Return the codes of the gazetteer's crossing points."""
    return [c["code"] for c in gazetteer()["crossings"]]


def generate_passages(*, seed: int, years: tuple[int, ...], per_year: int) -> Passages:
    """Return `per_year` passages for each year, reproducible from `seed`."""
    rng = np.random.default_rng(seed)
    codes = np.array(crossing_codes())
    traffic = rng.dirichlet(np.full(len(codes), 2.0))  # some crossings are busier
    hot = rng.choice(len(codes), size=min(HOT_CROSSINGS, len(codes)), replace=False)
    effect = np.zeros(len(codes))
    effect[hot] = HOT_EFFECT
    columns: dict[str, list[np.ndarray]] = {name: [] for name in Passages.__dataclass_fields__}
    for year in years:
        effect = effect + rng.normal(0, DRIFT, len(codes))  # the border changes every year
        n = per_year
        crossing = rng.choice(len(codes), size=n, p=traffic)
        hour = rng.choice(24, size=n, p=_hour_share())
        weekday = rng.integers(0, 7, size=n)
        vehicle = rng.choice(len(VEHICLES), size=n, p=VEHICLE_SHARE)
        plate = rng.choice(len(PLATES), size=n, p=PLATE_SHARE)
        occupants = np.where(
            np.array(VEHICLES)[vehicle] == "bus",
            rng.integers(10, 50, size=n),
            1 + rng.poisson(0.8, size=n),
        )
        age = rng.choice(len(AGES), size=n, p=AGE_SHARE)
        male = rng.random(n) < 0.68
        known = rng.random(n) < 0.03
        crossings_30d = rng.poisson(1.5, size=n) + (rng.random(n) < 0.05) * rng.poisson(10, size=n)
        night = (hour >= 22) | (hour < 5)
        logit = (
            BASE_LOGIT
            + effect[crossing]
            + EFFECTS["night"] * night
            + EFFECTS["weekend"] * (weekday >= 5)
            + np.array([EFFECTS["vehicle"][v] for v in VEHICLES])[vehicle]
            + np.array([EFFECTS["plate"].get(p, 0.0) for p in PLATES])[plate]
            + EFFECTS["young_male_alone"] * ((age == 0) & male & (occupants == 1))
            + EFFECTS["known"] * known
            + EFFECTS["frequent"] * (crossings_30d >= 8)
        )
        likelihood = 1 / (1 + np.exp(-logit))
        carrying = rng.random(n) < likelihood
        looks = night | known | (np.array(VEHICLES)[vehicle] == "van")
        checked = rng.random(n) < np.where(looks, CHECK_SHARE * CHECK_BOOST, CHECK_SHARE)
        found = carrying & checked & (rng.random(n) < FIND_SHARE)
        for name, values in (
            ("year", np.full(n, year)),
            ("crossing", codes[crossing]),
            ("hour", hour),
            ("weekday", weekday),
            ("vehicle", np.array(VEHICLES)[vehicle]),
            ("plate", np.array(PLATES)[plate]),
            ("occupants", occupants),
            ("age", np.array(AGES)[age]),
            ("male", male),
            ("known", known),
            ("crossings_30d", crossings_30d),
            ("likelihood", likelihood),
            ("carrying", carrying),
            ("checked", checked),
            ("found", found),
        ):
            columns[name].append(values)
    for name in ("day", "minute", "side", "direction"):
        columns.pop(name)
    joined = {name: np.concatenate(parts) for name, parts in columns.items()}
    return Passages(**joined, **_when_and_side(seed, joined["year"], joined["weekday"]))


def _when_and_side(seed: int, year: np.ndarray, weekday: np.ndarray) -> dict[str, np.ndarray]:
    """Day, minute, recording side and direction, from a stream of their own."""
    rng = np.random.default_rng([seed, 1])
    n = len(year)
    first = (year - 1970).astype("datetime64[Y]").astype("datetime64[D]")  # 1 January
    monday = first - ((first.astype(np.int64) + 3) % 7)  # the Monday of that week
    day = monday + 7 * rng.integers(0, 53, size=n) + weekday
    day = np.where(day < first, day + 7, day)
    last = (year - 1969).astype("datetime64[Y]").astype("datetime64[D]") - 1
    day = np.where(day > last, day - 7, day)
    return {
        "day": day.astype("datetime64[D]"),
        "minute": rng.integers(0, 60, size=n),
        "side": np.array(SIDES)[rng.integers(0, 2, size=n)],
        "direction": np.array(DIRECTIONS)[rng.integers(0, 2, size=n)],
    }


def _hour_share() -> np.ndarray:
    """Traffic by hour: low at night, peaks in the morning and late afternoon."""
    shape = np.array([1, 0.6, 0.4, 0.4, 0.6, 1.2, 2.5, 4, 5, 5, 5, 5, 5, 5, 5.5, 6, 6.5, 6, 5, 4,
                      3, 2.4, 1.8, 1.3])  # fmt: skip
    return shape / shape.sum()


COLUMNS = ("year", "crossing", "hour", "weekday", "vehicle", "plate", "occupants", "age", "male",
           "known", "crossings_30d", "checked", "found", "likelihood", "carrying")  # fmt: skip
TRUTH_COLUMNS = ("likelihood", "carrying")


def write_passages(path: Path, passages: Passages) -> int:
    """Write the passages as CSV (truth columns last); return the number of rows."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        columns = [getattr(passages, name) for name in COLUMNS]
        for row in zip(*columns, strict=True):
            writer.writerow(
                [int(v) if isinstance(v, np.bool_) else round(float(v), 6)
                 if isinstance(v, np.floating) else v for v in row]
            )  # fmt: skip
    return len(passages)


def side_rows(passages: Passages, side: str) -> Iterator[dict[str, Any]]:
    """Yield the passages `side` recorded as a node's passages file has them (no truth)."""
    keep = np.flatnonzero(passages.side == side)
    for i in keep:
        day = passages.day[i].astype(object)
        yield {
            "crossing": passages.crossing[i],
            "passed_at": f"{day.isoformat()} {int(passages.hour[i]):02d}:"
            f"{int(passages.minute[i]):02d}",
            "direction": passages.direction[i],
            "vehicle": passages.vehicle[i],
            "plate": passages.plate[i],
            "occupants": int(passages.occupants[i]),
            "age_band": passages.age[i],
            "male": int(passages.male[i]),
            "known": int(passages.known[i]),
            "crossings_30d": int(passages.crossings_30d[i]),
            "checked": int(passages.checked[i]),
            "weapons_found": int(passages.found[i]),
            "jurisdiction": side,
        }


def passages_per_year(persons: int) -> int:
    """Return how many passages a year a world of `persons` gets (40 a person, 2,000 to 200,000).

    A check finds weapons on about 3 passages in 10,000, so a demo world of 1,000 persons has
    some dozens of seizures at the border in its four years, enough for a risk profile to show.
    """
    return min(max(persons * 40, 2_000), 200_000)
