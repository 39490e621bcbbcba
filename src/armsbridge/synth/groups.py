"""The group story: members on both sides, shipments through the crossings, seizures, cases."""

from __future__ import annotations

from datetime import date, timedelta
from random import Random
from typing import TYPE_CHECKING

from armsbridge.synth.entities import Firearm, Person, Place, Vehicle
from armsbridge.synth.export import CaseRec, EventRec
from armsbridge.synth.people import END, START

if TYPE_CHECKING:
    from armsbridge.synth.world import World

OTHER = {"XK": "MK", "MK": "XK"}
_INTEL = {
    "XK": 'Sipas burimit, anëtarët e grupit "{code}" transportojnë pistoleta të konvertuara dhe '
    "automatikë përmes pikës kufitare {crossing}, zakonisht me vetura private.",
    "MK": "Според изворот, членовите на групата „{code}“ пренесуваат преправени пиштоли и "
    "автоматски пушки преку граничниот премин {crossing}, најчесто со приватни возила.",
}
_CODENAMES = {
    "XK": (
        "Shqiponja",
        "Ujku",
        "Gjarpri",
        "Kobra",
        "Kufiri",
        "Hija",
        "Stuhia",
        "Mali",
        "Rruga",
        "Lumi",
        "Guri",
        "Zjarri",
    ),
    "MK": (
        "Орел",
        "Волк",
        "Змија",
        "Кобра",
        "Граница",
        "Сенка",
        "Бура",
        "Планина",
        "Патот",
        "Реката",
        "Каменот",
        "Оган",
    ),
}


def play_group(w: World, rng: Random) -> None:
    """A group with members on both sides moves weapons across the border in shipments."""
    base = "XK" if rng.random() < 0.55 else "MK"
    size = min(rng.randint(4, 12), w.budget - w.used)
    n_other = max(1, round(size * rng.uniform(0.25, 0.5)))
    members: list[Person] = []
    for i in range(size):
        home = base if i < size - n_other else OTHER[base]
        prev = members[-1] if members else None
        if prev and prev.home == home and rng.random() < 0.2:
            p = w._person(
                rng,
                home,
                lang=prev.lang,
                family=w.make.masculine(prev.family),
                father=prev.father,
                sex="M",
                sibling=prev.given,
            )
        else:
            p = w._person(rng, home)
        if p is None:
            break
        p.phones.append(w.make.phone(rng, home))
        if rng.random() < 0.3:
            p.phones.append(w.make.phone(rng, home if rng.random() < 0.5 else OTHER[home]))
        if rng.random() < 0.25:
            p.accounts.append(w.make.account(rng, p, "telegram"))
        members.append(p)
    cars = [w.make.vehicle(rng, rng.choice(members)) for _ in range(rng.randint(1, 3))]
    gid = w.make.group_id()
    codes = {j: rng.choice(_CODENAMES[j]) for j in ("XK", "MK")}
    names = {"XK": f'Grupi "{codes["XK"]}"', "MK": f"Групата „{codes['MK']}“"}
    founded = w.make.day(rng, START, date(2023, 6, 1))
    end = min(founded + timedelta(days=rng.randint(365, 5 * 365)), END)
    shipments = sorted(w.make.day(rng, founded, end) for _ in range(rng.randint(2, 7)))
    joint = rng.random() < 0.45
    main: dict[str, CaseRec] = {}
    seized: list[tuple[str, EventRec, list[Firearm], Vehicle, Person, Place]] = []
    supplier = w.hub(rng)
    for k, day in enumerate(shipments):
        src = base if rng.random() < 0.65 else OTHER[base]
        dst = OTHER[src]
        couriers = [m for m in members if m.home == src] or members
        courier = rng.choice(couriers)
        car = rng.choice(cars)
        guns = [w.make.firearm(rng, pool="trade") for _ in range(rng.randint(1, 6))]
        if rng.random() < 0.12:
            w._theft(src, guns[0], day, rng)
        last = k == len(shipments) - 1
        if rng.random() < 0.4 or (last and not seized):
            side = dst if rng.random() < 0.6 else src
            case = main.get(side)
            if case is None or rng.random() < 0.5:
                case = w._case(side, "trafficking", day, rng)
            main.setdefault(side, case)
            place = w.make.crossing(rng) if rng.random() < 0.75 else w.make.address(rng, side)
            ev = w.ex[side].event(
                case,
                "seizure",
                day,
                place,
                rng,
                w._text(side, "crossing" if place.code else "seizure"),
            )
            ref = w.ex[side].person(courier, case, w._role(case, rng), rng)
            w._seize(side, ev, guns, ref, rng)
            w.ex[side].vehicle(car, ev, rng, ref)
            for ph in courier.phones:
                w.ex[side].phone(ph, case, rng, ref)
            if len(members) > 2 and rng.random() < 0.4:
                mate = rng.choice(members)
                w.ex[side].person(mate, case, w._role(case, rng), rng)
            seized.append((side, ev, guns, car, courier, place))
        else:
            for gun in guns:
                if rng.random() < 0.3:
                    w._buyer_incident(dst, gun, day, rng)
    sides = set(main) | ({"XK", "MK"} if joint else set())
    for side in sorted(sides):
        first = seized[0][1].when
        case = main.get(side) or w._case(
            side, "trafficking", first + timedelta(days=rng.randint(5, 60)), rng
        )
        ex = w.ex[side]
        org = ex.organisation(gid, names[side])
        named: list[str] = []
        for m in members:
            p_known = 0.9 if joint else (0.55 if m.home == side else 0.35)
            if rng.random() < p_known:
                ref = ex.person(m, case, w._role(case, rng), rng, org)
                named.append(ref)
                for ph in m.phones:
                    if rng.random() < 0.75:
                        ex.phone(ph, case, rng, ref)
                for acc in m.accounts:
                    if rng.random() < 0.6:
                        ex.account(acc, case, rng, ref)
        for _ in range(rng.randint(1, 3)):
            crossing = w.make.crossing(rng).municipality["sq" if side == "XK" else "mk"]
            text = _INTEL[side].format(code=codes[side], crossing=crossing)
            subset = [r for r in named if rng.random() < 0.5]
            ex.intel(w.make.day(rng, founded, end), text, subset, rng)
        phones = [ph for m in members for ph in m.phones]
        for _ in range(len(phones) * 2):
            a, b = rng.sample(phones, 2) if len(phones) > 1 else (phones[0], phones[0])
            if a is not b:
                d1 = w.make.day(rng, founded, end)
                ex.call(
                    a,
                    b,
                    d1,
                    min(d1 + timedelta(days=rng.randint(0, 200)), END),
                    rng.randint(1, 300),
                    rng,
                )
        if joint:
            for other_side, ev, guns, car, courier, place in seized:
                if other_side == side:
                    continue
                info = ex.event(
                    case,
                    "seizure",
                    ev.when,
                    place if place.code else w.make.address(rng, side),
                    rng,
                    w._text(side, "crossing" if place.code else "seizure"),
                )
                ref = ex.person(courier, case, w._role(case, rng), rng, org)
                for gun in guns:
                    if rng.random() < 0.8:
                        ex.firearm(gun, info, "seized", rng, ref)
                if rng.random() < 0.7:
                    ex.vehicle(car, info, rng, ref)
        if supplier is not None and rng.random() < 0.45:
            ref = ex.person(supplier, case, w._role(case, rng), rng)
            for ph in supplier.phones:
                ex.phone(ph, case, rng, ref)
                d1 = w.make.day(rng, founded, end)
                ex.call(
                    members[0].phones[0],
                    ph,
                    d1,
                    min(d1 + timedelta(days=90), END),
                    rng.randint(1, 60),
                    rng,
                )
