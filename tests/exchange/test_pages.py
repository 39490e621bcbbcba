"""The exchange page: message states for administrators and analysts, never message content."""

from __future__ import annotations

from nacl.signing import SigningKey

from armsbridge.exchange import service
from armsbridge.exchange.identity import KeyPair


def test_exchange_page_lists_states_without_content(client, session, token, node_keys) -> None:  # noqa: ANN001
    service.init_node(
        session, settings=node_keys, jurisdiction="XK", name="Kosovo node", url=None, actor="test"
    )
    peer = service.add_peer(
        session,
        name="MK",
        jurisdiction="MK",
        url="http://mk.invalid",
        public_key=KeyPair(SigningKey.generate()).public_b64,
        fingerprint=None,
        actor="test",
    )
    service.enqueue(session, peer=peer, kind="ping", body={"note": "Xhafer Bajrami 1986"})
    analyst = token("analyst")
    page = client.get("/exchange", headers=analyst)
    assert page.status_code == 200
    html = page.text
    assert "Kosovo node" in html and 'id="exchange-messages"' in html
    assert "<td>Connection test</td>" in html and "<td>North Macedonia</td>" in html
    assert "queued" in html  # kinds, jurisdictions and states by their labels
    assert "Xhafer" not in html  # the page shows states, never a message's body
    assert "exchange-messages" not in client.get("/exchange?state=delivered", headers=analyst).text
    assert client.get("/exchange", headers=token("border_officer")).status_code == 403
    assert client.get("/exchange", headers=token("auditor")).status_code == 403
