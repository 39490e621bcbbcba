"""Recording of phones, call records and online accounts (a part of JurisdictionExport)."""

from __future__ import annotations

from datetime import date
from random import Random
from typing import TYPE_CHECKING, Any

from armsbridge.synth import noise
from armsbridge.synth.entities import OnlineAccount, Phone

if TYPE_CHECKING:
    from armsbridge.synth.export import CaseRec

_URLS = {
    "facebook": "https://www.facebook.com/{}",
    "instagram": "https://www.instagram.com/{}",
    "telegram": "https://t.me/{}",
    "tiktok": "https://www.tiktok.com/@{}",
    "marketplace": "https://marketplace.example/user/{}",
    "darknet": "http://market.example.onion/vendor/{}",
}


class CommunicationsMixin:
    """Phones, calls and online accounts as one police service records them."""

    j: str
    truth: dict[str, Any]
    phone_recs: dict[str, tuple[str, str]]
    account_recs: dict[str, tuple[str, list[str]]]
    seen: set[tuple[str, ...]]

    def _next(self, kind: str) -> str:  # provided by JurisdictionExport
        raise NotImplementedError

    def _write(self, name: str, row: list[Any]) -> None:  # provided by JurisdictionExport
        raise NotImplementedError

    def _date(self, day: date | None, rng: Random) -> str:  # provided by JurisdictionExport
        raise NotImplementedError

    def term(self, table: str, code: str) -> str:  # provided by JurisdictionExport
        raise NotImplementedError

    def phone(self, ph: Phone, case: CaseRec, rng: Random, user: str = "") -> str:
        """Record a number named in a case, with its user when known."""
        known = self.phone_recs.get(ph.eid)
        if known is None:
            ref = self._next("phone")
            self.truth["phones"].writerow([ph.eid, self.j, ref])
            known = (ref, noise.phone_as_written(ph.national, ph.country, self.j, rng))
            self.phone_recs[ph.eid] = known
        ref, raw = known
        if ("ph", ref, case.ref, user) not in self.seen:
            self.seen.add(("ph", ref, case.ref, user))
            country = self.term("countries", ph.country) if rng.random() < 0.5 else ""
            self._write("phones.csv", [ref, case.ref, raw, country, user])
        return ref

    def call(self, a: Phone, b: Phone, first: date, last: date, count: int, rng: Random) -> None:
        """Record call records between two numbers already recorded in this export."""
        ra, rb = self.phone_recs.get(a.eid), self.phone_recs.get(b.eid)
        if ra is None or rb is None or ("call", ra[0], rb[0]) in self.seen:
            return
        self.seen.add(("call", ra[0], rb[0]))
        self._write(
            "calls.csv",
            [ra[0], ra[1], rb[0], rb[1], self._date(first, rng), self._date(last, rng), count],
        )

    def account(self, acc: OnlineAccount, case: CaseRec, rng: Random, user: str = "") -> str:
        """Record an online account named in a case: handle as seen, often only the link."""
        known = self.account_recs.get(acc.eid)
        if known is None:
            ref = self._next("online_account")
            self.truth["online_accounts"].writerow([acc.eid, self.j, ref])
            handle = acc.handle
            roll = rng.random()
            if roll < 0.15:
                handle = "@" + handle
            elif roll < 0.25:
                handle = handle.upper()
            url = _URLS[acc.platform].format(acc.handle) if rng.random() < 0.6 else ""
            known = (ref, [self.term("platforms", acc.platform), handle, url])
            self.account_recs[acc.eid] = known
        ref, fields = known
        if ("acc", ref, case.ref) not in self.seen:
            self.seen.add(("acc", ref, case.ref))
            self._write("online_accounts.csv", [ref, case.ref, *fields, user])
        return ref
