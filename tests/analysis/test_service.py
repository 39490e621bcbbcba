"""The chart through restrict(): provenance, received records, hidden cases, logs, exports."""

from __future__ import annotations

import csv
import io
import uuid
import zipfile

import igraph as ig
import networkx as nx
import pytest
from sqlalchemy import select

from armsbridge.analysis import exports, paths, service
from armsbridge.audit.models import AuditEntry
from armsbridge.auth import service as auth_service
from armsbridge.auth.principal import principal_of
from armsbridge.records import service as records
from armsbridge.records.models import Firearm, Provenance
from foreign_records import add_foreign
from principals import as_actor

WHY = "MK-CHART-1: the Tetovo network"


def _person(session, given, family, jur="MK"):
    data = {"given_name": given, "family_name": family, "jurisdiction": jur}
    return records.create_record(
        session, record_type="person", data=data, user=as_actor("t", jur)
    ).id


def _link(session, kind, a, b, jur="MK", when=None, a_type="person", b_type="person"):
    return records.link_records(
        session,
        kind=kind,
        from_type=a_type,
        from_id=a,
        to_type=b_type,
        to_id=b,
        user=as_actor("t", jur),
        valid_from=when,
    ).id


def _received_link(session, link_id, code="H0"):
    session.add(
        Provenance(
            record_type="link",
            record_id=link_id,
            held_by="MK",
            provider="XK",
            remote_ref=uuid.uuid4().hex,
            message_id=str(uuid.uuid4()),
            handling_code=code,
        )
    )
    session.flush()


@pytest.fixture
def mk_analyst(session):
    """An MK analyst account (grants name a real user)."""
    user = auth_service.create_user(
        session,
        username="mk-chart",
        password="a long enough passphrase 1",
        role="analyst",
        jurisdiction="MK",
    )
    session.flush()
    return principal_of(user.user, via="session")


@pytest.fixture
def net(session):
    """MK persons a, b; b is the same as XK person rx (received H1); rx knows ry (received H0)."""
    ids = {"a": _person(session, "Ardit", "Qchart"), "b": _person(session, "Besnik", "Qchart")}
    ids["gun"] = records.create_record(
        session,
        record_type="firearm",
        user=as_actor("t", "MK"),
        data={"jurisdiction": "MK", "make": "Zastava", "serial_raw": "QCH123"},
    ).id
    _link(session, "owner_of", ids["a"], ids["gun"], when="2026-01-10", b_type="firearm")
    _link(session, "associate_of", ids["a"], ids["b"], when="2026-02-01")
    ids["rx"] = add_foreign(
        session,
        record_type="person",
        code="H1",
        provider="XK",
        held_by="MK",
        data={"given_name": "Rrx", "family_name": "Qchart"},
    )
    ids["ry"] = add_foreign(
        session,
        record_type="person",
        code="H0",
        provider="XK",
        held_by="MK",
        data={"given_name": "Rry", "family_name": "Qchart"},
    )
    _link(session, "same_as", ids["b"], ids["rx"])
    rl = _link(session, "associate_of", ids["rx"], ids["ry"], jur="XK", when="2026-03-01")
    _received_link(session, rl)
    # An XK record never sent to MK, linked to ry on the XK side: MK never sees it.
    ids["xk"] = _person(session, "Xkonly", "Qchart", jur="XK")
    _link(session, "associate_of", ids["ry"], ids["xk"], jur="XK")
    # A restricted MK case and a firearm recorded in it: hidden from a non-member.
    case = records.create_record(
        session,
        record_type="case",
        user=as_actor("t", "MK"),
        data={
            "jurisdiction": "MK",
            "reference": "MK-SECRET-9",
            "kind": "trafficking",
            "restricted": True,
        },
    )
    ids["case"] = case.id
    ids["hidden_gun"] = records.create_record(
        session,
        record_type="firearm",
        user=as_actor("t", "MK"),
        data={"jurisdiction": "MK", "make": "CZ", "serial_raw": "QHID1"},
    ).id
    session.get(Firearm, ids["hidden_gun"]).case_id = case.id  # recorded in the case
    session.flush()
    _link(session, "owner_of", ids["a"], ids["hidden_gun"], b_type="firearm")
    # A person involved in the restricted case belongs to it: hidden too, with its links.
    ids["c"] = _person(session, "Cenet", "Qchart")
    _link(session, "involved_in", ids["c"], case.id, b_type="case")
    _link(session, "associate_of", ids["a"], ids["c"])
    return ids


def _ids(chart):
    return {n["id"] for n in chart.nodes}


def test_chart_grows_across_the_border_with_provenance(mk_analyst, session, net) -> None:
    chart = service.build_chart(session, user=mk_analyst, expanded=[f"person:{net['a']}"], why=WHY)
    shown = _ids(chart)
    assert {f"person:{net['a']}", f"person:{net['b']}", f"firearm:{net['gun']}"} <= shown
    assert f"case:{net['case']}" not in shown  # restricted case
    assert f"firearm:{net['hidden_gun']}" not in shown  # recorded in the restricted case
    assert f"person:{net['c']}" not in shown  # involved in the restricted case
    chart = service.build_chart(
        session,
        user=mk_analyst,
        expanded=[f"person:{net['a']}", f"person:{net['b']}", f"person:{net['rx']}"],
        why=WHY,
    )
    nodes = {n["id"]: n for n in chart.nodes}
    rx = nodes[f"person:{net['rx']}"]
    assert (rx["received"], rx["provider"], rx["handling_code"], rx["grades"]) == (
        True,
        "XK",
        "H1",
        "B2",
    )
    assert nodes[f"person:{net['a']}"]["source"] == "MK"
    assert f"person:{net['ry']}" in nodes
    assert f"person:{net['xk']}" not in nodes  # XK's own, never received
    edge = next(e for e in chart.edges if e["target"] == f"person:{net['ry']}")
    assert edge["received"] and edge["provider"] == "XK" and edge["when"] == "2026-03-01"
    assert chart.marking["handling_code"] == "H1" and chart.marking["providers"] == ["XK"]
    assert nodes[f"person:{net['b']}"].get("bridge") and nodes[f"person:{net['rx']}"].get("bridge")


def test_chart_reads_are_logged_and_need_a_justification(mk_analyst, session, net) -> None:
    with pytest.raises(Exception, match="justification"):
        service.build_chart(session, user=mk_analyst, expanded=[f"person:{net['a']}"], why="")
    service.build_chart(session, user=mk_analyst, expanded=[f"person:{net['a']}"], why=WHY)
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.actor == "mk-chart", AuditEntry.action == "consult")
    ).all()[-1]
    assert entry.why == WHY and entry.details["shown_in"] == "link chart"
    assert {net["a"], net["b"]} <= set(entry.details["ids"])


def test_filters_by_service_code_and_time(mk_analyst, session, net) -> None:
    seeds = [f"person:{net['b']}", f"person:{net['rx']}"]
    only_mk = service.build_chart(
        session,
        user=mk_analyst,
        expanded=seeds,
        why=WHY,
        filters=service.Filters(jurisdictions=frozenset({"MK"})),
    )
    assert f"person:{net['ry']}" not in _ids(only_mk)
    early = service.build_chart(
        session, user=mk_analyst, expanded=seeds, why=WHY, filters=service.Filters(end="2026-02")
    )
    assert all((e["when"] or "") <= "2026-02-28" for e in early.edges)
    no_h1 = service.build_chart(
        session,
        user=mk_analyst,
        expanded=[f"person:{net['b']}"],
        why=WHY,
        filters=service.Filters(codes=frozenset({"H0"})),
    )
    assert f"person:{net['rx']}" not in _ids(no_h1)


def test_paths_across_the_border(mk_analyst, session, net) -> None:
    a, ry = f"person:{net['a']}", f"person:{net['ry']}"
    found = paths.find_path(session, user=mk_analyst, a=a, b=ry, mode="shortest", why=WHY)
    assert found["path"] == [a, f"person:{net['b']}", f"person:{net['rx']}", ry]
    timed = paths.find_path(session, user=mk_analyst, a=a, b=ry, mode="time", why=WHY)
    assert timed["path"] == found["path"]
    assert timed["dates"] == ["2026-02-01", "", "2026-03-01"]
    nothing = paths.find_path(
        session, user=mk_analyst, a=a, b=f"person:{net['xk']}", mode="shortest", why=WHY
    )
    assert nothing["path"] == []


def test_exports_read_back_and_leave_h2_out(mk_analyst, session, net, tmp_path) -> None:
    h2 = add_foreign(
        session,
        record_type="person",
        code="H2",
        provider="XK",
        held_by="MK",
        data={"given_name": "Hidden", "family_name": "Qhtwo"},
    )
    _link(session, "associate_of", net["b"], h2)
    from armsbridge.auth.models import AccessGrant

    session.add(
        AccessGrant(
            record_type="person", record_id=h2, user_id=mk_analyst.id, granted_by="t", reason="test"
        )
    )
    session.flush()
    chart = service.build_chart(session, user=mk_analyst, expanded=[f"person:{net['b']}"], why=WHY)
    assert f"person:{h2}" in _ids(chart) and chart.marking["handling_code"] == "H2"
    data, marking = exports.export_chart(session, user=mk_analyst, chart=chart, fmt="graphml")
    assert marking == {
        "handling_code": "H1",
        "providers": ["XK"],
        "restrictions": [],
        "withheld_h2": 2,
    }
    assert b"Qhtwo" not in data
    (tmp_path / "c.graphml").write_bytes(data)
    g = ig.Graph.Read_GraphML(str(tmp_path / "c.graphml"))
    assert set(g.vs["name"]) == _ids(chart) - {f"person:{h2}"}
    assert "left out" in g["marking"] and "H1" in g["marking"]
    gx = nx.read_graphml(io.BytesIO(data))
    assert gx.number_of_edges() == len(chart.edges) - 1
    gexf, _ = exports.export_chart(session, user=mk_analyst, chart=chart, fmt="gexf")
    read = nx.read_gexf(io.BytesIO(gexf))
    assert set(read.nodes) == set(g.vs["name"])
    assert read.nodes[f"person:{net['rx']}"]["handling_code"] == "H1"
    i2, _ = exports.export_chart(session, user=mk_analyst, chart=chart, fmt="i2")
    with zipfile.ZipFile(io.BytesIO(i2)) as z:
        entities = list(csv.DictReader(io.StringIO(z.read("entities.csv").decode())))
        links = list(csv.DictReader(io.StringIO(z.read("links.csv").decode())))
        assert "H1" in z.read("MARKING.txt").decode()
    assert {r["Entity ID"] for r in entities} == set(g.vs["name"])
    assert {r["Link Type"] for r in links} >= {"same_as", "associate_of"}
    logged = session.scalars(select(AuditEntry).where(AuditEntry.action == "export")).all()[-1]
    assert logged.details["withheld_h2"] == 2


def test_save_to_case_attaches_the_marked_chart(mk_analyst, session, net, tmp_path) -> None:
    case = records.create_record(
        session,
        record_type="case",
        user=as_actor("t", "MK"),
        data={"jurisdiction": "MK", "reference": "MK-OPEN-1", "kind": "trafficking"},
    )
    chart = service.build_chart(session, user=mk_analyst, expanded=[f"person:{net['b']}"], why=WHY)
    row = exports.save_to_case(
        session, user=mk_analyst, chart=chart, case_id=case.id, var_dir=tmp_path, title="Tetovo"
    )
    assert row.record_type == "case" and row.record_id == case.id
    assert row.description.startswith("Tetovo:") and "Handling code H1" in row.description
    with pytest.raises(Exception, match="not yours to see"):
        exports.save_to_case(
            session, user=mk_analyst, chart=chart, case_id=net["case"], var_dir=tmp_path, title="x"
        )


def test_large_charts_are_collapsed(mk_analyst, session, net, monkeypatch) -> None:
    monkeypatch.setattr(service, "MAX_NODES", 2)
    chart = service.build_chart(session, user=mk_analyst, expanded=[f"person:{net['a']}"], why=WHY)
    assert chart.aggregated and any(n.get("group") for n in chart.nodes)
    assert f"person:{net['a']}" in _ids(chart)
    assert chart.records > len(chart.nodes) - 1


def test_bad_node_and_too_many(mk_analyst, session) -> None:
    with pytest.raises(Exception, match="type:id"):
        service.build_chart(session, user=mk_analyst, expanded=["nope:1"], why=WHY)
    with pytest.raises(Exception, match="at most"):
        service.build_chart(
            session, user=mk_analyst, expanded=[f"person:{i}" for i in range(201)], why=WHY
        )
