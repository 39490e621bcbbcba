"""The stories of the synthetic world: groups, couriers, local incidents, surrenders and finds."""

from __future__ import annotations

from datetime import date, timedelta
from random import Random

from armsbridge.synth.entities import Firearm, Person
from armsbridge.synth.export import CaseRec, EventRec, JurisdictionExport
from armsbridge.synth.groups import play_group
from armsbridge.synth.people import END, Maker

OTHER = {"XK": "MK", "MK": "XK"}
_STORIES = ("group", "courier", "local", "surrender", "found")
_STORY_WEIGHTS = (8, 18, 55, 12, 7)
_LOCAL_KINDS = (
    "seizure",
    "celebratory_shooting",
    "domestic_violence",
    "threat",
    "shooting",
    "public_dispute",
    "online_sale",
)
_LOCAL_WEIGHTS = (25, 18, 15, 15, 10, 10, 7)
_TEXT = {
    "XK": {
        "seizure": "Gjatë kontrollit u sekuestruan armë",
        "found": "Armë e gjetur",
        "voluntary_surrender": "Qytetari dorëzoi armën vullnetarisht",
        "celebratory_shooting": "Të shtëna me armë zjarri në ahengje familjare",
        "domestic_violence": "Kërcënim me armë ndaj anëtarit të familjes",
        "threat": "Kërcënim me armë zjarri",
        "shooting": "Të shtëna, një person i lënduar",
        "public_dispute": "Përleshje me përdorim të armës",
        "other": "Vjedhje e armës",
        "crossing": "Kontroll i automjetit në pikën kufitare",
        "online": "Blerje e kontrolluar",
    },
    "MK": {
        "seizure": "При претрес е одземено оружје",
        "found": "Пронајдено оружје",
        "voluntary_surrender": "Граѓанин доброволно предаде оружје",
        "celebratory_shooting": "Пукање со огнено оружје во веселба",
        "domestic_violence": "Закана со оружје кон член на семејството",
        "threat": "Закана со огнено оружје",
        "shooting": "Пукање, едно лице повредено",
        "public_dispute": "Тепачка со употреба на оружје",
        "other": "Кражба на оружје",
        "crossing": "Контрола на возило на граничниот премин",
        "online": "Контролирана купопродажба",
    },
}


class World:
    """Plays the stories one after another and has each police service record what it saw."""

    def __init__(self, seed: int, exports: dict[str, JurisdictionExport], persons: int) -> None:
        self.seed = seed
        self.ex = exports
        self.make = Maker()
        # Suppliers (gunsmiths converting alarm pistols) serve several groups: they tie the
        # otherwise separate stories into one network. Their records outlive a story.
        self.hub_target = max(2, persons // 2500)
        self.hubs: list[Person] = []

    def story(self, index: int, budget: int) -> int:
        """Play story number `index` with at most `budget` new persons; return persons used."""
        rng = Random(f"armsbridge-synth:{self.seed}:{index}")
        for ex in self.ex.values():
            ex.new_story()
        self.used = 0
        self.budget = budget
        kind = rng.choices(_STORIES, _STORY_WEIGHTS)[0]
        if kind == "group" and budget < 4:
            kind = "local"
        if kind == "group":
            play_group(self, rng)
        else:
            getattr(self, f"_{kind}")(rng)
        return self.used

    # --- helpers -------------------------------------------------------------------------------

    def _person(self, rng: Random, home: str, **kw: object) -> Person | None:
        if self.used >= self.budget:
            return None
        self.used += 1
        return self.make.person(rng, home, **kw)  # type: ignore[arg-type]

    def _role(self, case: CaseRec, rng: Random) -> str:
        if case.status == "convicted":
            return "convicted" if rng.random() < 0.85 else "accused"
        if case.status in ("indicted", "acquitted"):
            return "accused"
        return "suspect"

    def _text(self, j: str, key: str) -> str:
        return _TEXT[j][key]

    def _seize(
        self,
        j: str,
        ev: EventRec,
        guns: list[Firearm],
        holder: str,
        rng: Random,
        status: str = "seized",
    ) -> None:
        ex = self.ex[j]
        for gun in guns:
            ex.firearm(gun, ev, status, rng, holder)
        if guns and rng.random() < 0.5:
            cal = guns[0].spec.get("live_calibre") or guns[0].spec["calibre"]
            ex.ammunition(ev, cal, rng.choice((8, 15, 20, 50, 100, 200, 300)), rng)
        if rng.random() < 0.08:
            ex.explosive(ev, self.make.explosive(rng), rng.randint(1, 4), rng)

    # --- stories -------------------------------------------------------------------------------

    def hub(self, rng: Random) -> Person | None:
        """Return a supplier for a group: a new one while there are few, else a known one."""
        if len(self.hubs) < self.hub_target and (not self.hubs or rng.random() < 0.5):
            p = self._person(rng, "XK" if rng.random() < 0.5 else "MK", born=(1960, 1990))
            if p is not None:
                p.phones.append(self.make.phone(rng, p.home))
                for ex in self.ex.values():
                    ex.keep(p)
                self.hubs.append(p)
                return p
        return rng.choice(self.hubs) if self.hubs else None

    def _case(self, j: str, kind: str, day: date, rng: Random) -> CaseRec:
        title = {
            "XK": f"Rasti {self.ex[j].term('case_kinds', kind).lower()} {day.year}",
            "MK": f"Предмет {self.ex[j].term('case_kinds', kind).lower()} {day.year}",
        }[j]
        return self.ex[j].case(kind, day, rng, title)

    def _theft(self, j: str, gun: Firearm, before: date, rng: Random) -> None:
        owner = self._person(rng, j, offender=False)
        if owner is None:
            return
        day = before - timedelta(days=rng.randint(20, 600))
        case = self._case(j, "other", max(day, date(2016, 1, 1)), rng)
        ev = self.ex[j].event(
            case, "other", case.opened, self.make.address(rng, j), rng, self._text(j, "other")
        )
        self.ex[j].person(owner, case, "victim", rng)
        self.ex[j].firearm(gun, ev, "stolen", rng)

    def _buyer_incident(self, j: str, gun: Firearm, after: date, rng: Random) -> None:
        buyer = self._person(rng, j)
        if buyer is None:
            return
        day = min(after + timedelta(days=rng.randint(10, 700)), END)
        kind = rng.choice(("seizure", "celebratory_shooting", "threat", "shooting"))
        case = self._case(j, "illegal_possession" if kind == "seizure" else "misuse", day, rng)
        ev = self.ex[j].event(case, kind, day, self.make.address(rng, j), rng, self._text(j, kind))
        ref = self.ex[j].person(buyer, case, self._role(case, rng), rng)
        self._seize(j, ev, [gun], ref, rng)

    def _courier(self, rng: Random) -> None:
        home = "XK" if rng.random() < 0.5 else "MK"
        dst = OTHER[home]
        p = self._person(rng, home)
        if p is None:
            return
        p.phones.append(self.make.phone(rng, home))
        car = self.make.vehicle(rng, p)
        mate = self._person(rng, home) if rng.random() < 0.3 else None
        guns = [self.make.firearm(rng, pool="trade") for _ in range(rng.randint(1, 3))]
        day = self.make.day(rng)
        case = self._case(dst, "trafficking", day, rng)
        crossing = self.make.crossing(rng)
        ev = self.ex[dst].event(case, "seizure", day, crossing, rng, self._text(dst, "crossing"))
        ref = self.ex[dst].person(p, case, self._role(case, rng), rng)
        if mate:
            self.ex[dst].person(mate, case, self._role(case, rng), rng)
        self._seize(dst, ev, guns, ref, rng)
        self.ex[dst].vehicle(car, ev, rng, ref)
        self.ex[dst].phone(p.phones[0], case, rng, ref)
        if rng.random() < 0.45:
            later = min(day + timedelta(days=rng.randint(3, 90)), END)
            hcase = self._case(home, "trafficking", later, rng)
            hev = self.ex[home].event(
                hcase, "seizure", day, crossing, rng, self._text(home, "crossing")
            )
            href = self.ex[home].person(p, hcase, self._role(hcase, rng), rng)
            if mate:
                self.ex[home].person(mate, hcase, self._role(hcase, rng), rng)
            for gun in guns:
                if rng.random() < 0.7:
                    self.ex[home].firearm(gun, hev, "seized", rng, href)
            if rng.random() < 0.6:
                self.ex[home].vehicle(car, hev, rng, href)
            if rng.random() < 0.7:
                self.ex[home].phone(p.phones[0], hcase, rng, href)

    def _local(self, rng: Random) -> None:
        j = "XK" if rng.random() < 0.5 else "MK"
        home = j if rng.random() < 0.88 else OTHER[j]
        perp = self._person(rng, home)
        if perp is None:
            return
        self._incident(rng, j, home, perp)
        if rng.random() < 0.15:  # a repeat offender: another case, maybe another spelling
            self._incident(rng, j, home, perp)

    def _incident(self, rng: Random, j: str, home: str, perp: Person) -> None:
        kind = rng.choices(_LOCAL_KINDS, _LOCAL_WEIGHTS)[0]
        case_kind = {"seizure": "illegal_possession", "online_sale": "online_sale"}.get(
            kind, "misuse"
        )
        day = self.make.day(rng)
        case = self._case(j, case_kind, day, rng)
        ev_kind = "seizure" if kind == "online_sale" else kind
        text = self._text(j, "online" if kind == "online_sale" else kind)
        ev = self.ex[j].event(case, ev_kind, day, self.make.address(rng, j), rng, text)
        ref = self.ex[j].person(perp, case, self._role(case, rng), rng)
        if kind == "domestic_violence":
            victim = self._person(
                rng,
                perp.home,
                offender=False,
                lang=perp.lang,
                family=self.make.masculine(perp.family),
                father=perp.father if rng.random() < 0.4 else None,
                sibling=perp.given,
            )
        elif kind in ("threat", "shooting"):
            victim = self._person(rng, j, offender=False)
        elif kind == "public_dispute":
            victim = self._person(rng, j)
        else:
            victim = None
        if victim:
            role = "suspect" if kind == "public_dispute" else "victim"
            self.ex[j].person(victim, case, role, rng)
        if rng.random() < 0.35 and (w := self._person(rng, j, offender=False)):
            self.ex[j].person(w, case, "witness", rng)
        guns = [self.make.firearm(rng) for _ in range(1 if rng.random() < 0.85 else 2)]
        self._seize(j, ev, guns, ref, rng)
        if rng.random() < 0.5 or kind == "online_sale":
            perp.phones.append(self.make.phone(rng, perp.home))
            self.ex[j].phone(perp.phones[0], case, rng, ref)
        if kind == "online_sale" or rng.random() < 0.05:
            if not perp.accounts:
                perp.accounts.append(self.make.account(rng, perp))
            self.ex[j].account(perp.accounts[0], case, rng, ref)
        if rng.random() < 0.1:
            self.ex[j].vehicle(self.make.vehicle(rng, perp), ev, rng, ref)
        if home != j and rng.random() < 0.35:
            hcase = self._case(
                home, case_kind, min(day + timedelta(days=rng.randint(5, 120)), END), rng
            )
            self.ex[home].person(perp, hcase, "suspect", rng)
            if rng.random() < 0.5:
                hev = self.ex[home].event(hcase, "other", day, self.make.address(rng, j), rng, text)
                for gun in guns:
                    self.ex[home].firearm(gun, hev, "seized", rng)
            if perp.accounts and rng.random() < 0.6:
                self.ex[home].account(
                    perp.accounts[0], hcase, rng, self.ex[home].person_ref(perp) or ""
                )
            if perp.phones and rng.random() < 0.5:
                self.ex[home].phone(
                    perp.phones[0], hcase, rng, self.ex[home].person_ref(perp) or ""
                )

    def _surrender(self, rng: Random) -> None:
        j = "XK" if rng.random() < 0.5 else "MK"
        p = self._person(rng, j, offender=False, born=(1940, 1985))
        if p is None:
            return
        day = self.make.day(rng)
        case = self._case(j, "other", day, rng)
        ev = self.ex[j].event(
            case,
            "voluntary_surrender",
            day,
            self.make.address(rng, j),
            rng,
            self._text(j, "voluntary_surrender"),
        )
        ref = self.ex[j].person(p, case, "other", rng)
        guns = [self.make.firearm(rng, pool="old") for _ in range(rng.choice((1, 1, 1, 2)))]
        self._seize(j, ev, guns, ref, rng, status="surrendered")

    def _found(self, rng: Random) -> None:
        j = "XK" if rng.random() < 0.5 else "MK"
        day = self.make.day(rng)
        case = self._case(j, "illegal_possession", day, rng)
        ev = self.ex[j].event(
            case, "found", day, self.make.address(rng, j), rng, self._text(j, "found")
        )
        finder = self._person(rng, j, offender=False) if rng.random() < 0.4 else None
        if finder:
            self.ex[j].person(finder, case, "witness", rng)
        guns = [self.make.firearm(rng) for _ in range(rng.randint(1, 3))]
        self._seize(j, ev, guns, "", rng, status="found")
