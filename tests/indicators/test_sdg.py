"""SDG 16.4.2 per DOMAIN §8: seized/found/surrendered arms, antiques out, regional sums."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from armsbridge.indicators.service import compute_report, regional_ratio
from armsbridge.records.models import Event, Firearm

ESTABLISHED = ("established_by_tracing", "established_otherwise")


def _gun(session: Session, jurisdiction: str, status: str, trace: str, **extra: object) -> None:
    event = Event(jurisdiction=jurisdiction, kind="seizure", occurred_on=extra.pop("on", "2022-05"))
    session.add(event)
    session.flush()
    session.add(
        Firearm(
            jurisdiction=jurisdiction, status=status, trace_status=trace, event_id=event.id, **extra
        )
    )
    session.flush()


def _sdg(session: Session, **period: object) -> dict:
    report = compute_report(
        session,
        date_from=period.pop("date_from", date(2022, 1, 1)),
        date_to=period.pop("date_to", date(2022, 12, 31)),
        only=["sdg_16_4_2"],
        **period,
    )
    return report["indicators"][0]


def _world(session: Session) -> None:
    # Kosovo: 4 counted arms, 1 traced, 1 established otherwise -> 2/4
    _gun(session, "XK", "seized", "established_by_tracing", kind="pistol")
    _gun(session, "XK", "found", "established_otherwise")
    _gun(session, "XK", "surrendered", "pending")
    _gun(session, "XK", "seized", "not_attempted", year_of_manufacture=1900)
    # out of scope: an antique, a lost and a stolen firearm, one outside the period
    _gun(session, "XK", "seized", "established_by_tracing", year_of_manufacture=1899)
    _gun(session, "XK", "lost", "established_by_tracing")
    _gun(session, "XK", "stolen", "not_attempted")
    _gun(session, "XK", "seized", "established_by_tracing", on="2021-12-31")
    # North Macedonia: 6 counted arms, 1 established -> 1/6
    _gun(session, "MK", "seized", "established_by_tracing")
    for trace in ("pending", "insufficient_information", "insufficient_information"):
        _gun(session, "MK", "seized", trace)
    _gun(session, "MK", "surrendered", "not_attempted")
    _gun(session, "MK", "found", "not_attempted")


def test_numerator_and_denominator_per_jurisdiction(session: Session) -> None:
    _world(session)
    xk = _sdg(session, jurisdiction="XK")
    mk = _sdg(session, jurisdiction="MK")
    assert (xk["numerator"], xk["denominator"], xk["value"]) == (2, 4, 0.5)
    assert (mk["numerator"], mk["denominator"], mk["value"]) == (1, 6, 0.1667)


def test_regional_figure_sums_numerators_and_denominators(session: Session) -> None:
    _world(session)
    both = _sdg(session)
    assert (both["numerator"], both["denominator"]) == (3, 10)
    assert both["value"] == 0.3  # not the mean of 0.5 and 0.1667
    assert regional_ratio([(2, 4), (1, 6)]) == {"numerator": 3, "denominator": 10, "value": 0.3}


def test_disaggregated_by_status_and_tracing_status(session: Session) -> None:
    _world(session)
    both = _sdg(session)
    assert both["breakdown"]["status"] == {"found": 2, "seized": 6, "surrendered": 2}
    assert both["numerator_breakdown"]["status"] == {"found": 1, "seized": 2}
    assert both["breakdown"]["trace_status"] == {
        "established_by_tracing": 2,
        "established_otherwise": 1,
        "insufficient_information": 2,
        "not_attempted": 3,
        "pending": 2,
    }
    assert both["breakdown"]["jurisdiction"] == {"MK": 6, "XK": 4}
    assert both["numerator_breakdown"]["jurisdiction"] == {"MK": 1, "XK": 2}


def test_antiques_made_before_1900_are_excluded_and_1900_is_not(session: Session) -> None:
    _gun(session, "XK", "seized", "established_by_tracing", year_of_manufacture=1899)
    assert _sdg(session)["denominator"] == 0
    assert _sdg(session)["value"] is None
    _gun(session, "XK", "seized", "established_by_tracing", year_of_manufacture=1900)
    assert (_sdg(session)["numerator"], _sdg(session)["denominator"]) == (1, 1)


def test_an_empty_period_has_no_proportion(session: Session) -> None:
    _world(session)
    empty = _sdg(session, date_from=date(2019, 1, 1), date_to=date(2019, 12, 31))
    assert (empty["numerator"], empty["denominator"], empty["value"]) == (0, 0, None)


pairs = st.lists(
    st.tuples(st.integers(0, 500), st.integers(1, 500)).map(lambda p: (min(p), p[1])),
    min_size=1,
    max_size=6,
)


@given(pairs)
def test_regional_ratio_is_the_ratio_of_sums(parts: list[tuple[int, int]]) -> None:
    result = regional_ratio(parts)
    num, den = sum(p[0] for p in parts), sum(p[1] for p in parts)
    assert result["numerator"] == num and result["denominator"] == den
    assert result["value"] == round(num / den, 4)
    assert 0 <= result["value"] <= 1
