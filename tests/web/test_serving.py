"""The admission limit in front of the application: how many requests run at once."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from armsbridge.settings import Settings
from armsbridge.web.serving import AdmissionLimit, serving_app, warm_up
from armsbridge.web.templating import environment


def _run(coro: Any) -> Any:
    """Run a coroutine on a fresh loop in its own thread.

    A browser test earlier in the same worker leaves Playwright's loop running on this thread,
    where asyncio.run() refuses to start.
    """
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


class Counting:
    """An ASGI app that answers after a short wait and records how many ran at once."""

    def __init__(self) -> None:
        self.running = 0
        self.most = 0
        self.lifespans = 0

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        if scope["type"] == "lifespan":
            self.lifespans += 1
            return
        self.running += 1
        self.most = max(self.most, self.running)
        await asyncio.sleep(0.01)
        self.running -= 1
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


async def _hammer(app, requests: int) -> list[int]:  # noqa: ANN001
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        answers = await asyncio.gather(*(client.get("/") for _ in range(requests)))
    return [a.status_code for a in answers]


def test_no_more_than_the_limit_run_at_once_and_every_request_is_answered() -> None:
    inner = Counting()
    statuses = _run(_hammer(AdmissionLimit(inner, 3), 20))
    assert statuses == [200] * 20
    assert inner.most == 3


def test_without_a_limit_they_would_all_run_at_once() -> None:
    # The check above can fail: the same load without the limit overlaps much more.
    inner = Counting()
    _run(_hammer(inner, 20))
    assert inner.most > 3


def test_lifespan_passes_through_and_a_limit_below_one_is_refused() -> None:
    inner = Counting()

    async def lifespan() -> None:
        await AdmissionLimit(inner, 1)({"type": "lifespan"}, None, None)  # type: ignore[arg-type]

    _run(lifespan())
    assert inner.lifespans == 1
    with pytest.raises(ValueError):
        AdmissionLimit(inner, 0)


def test_serving_app_wraps_the_node_and_keeps_its_state(tmp_path) -> None:  # noqa: ANN001
    settings = Settings(var_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'serve.db'}")
    app = serving_app(settings, concurrency=5)
    assert app.limit == 5
    assert app.state.settings is settings
    app.state.engine.dispose()


def test_warm_up_compiles_every_page_template() -> None:
    env = environment()
    env.cache.clear()
    warm_up()
    compiled = {key[1] for key in env.cache.keys()}  # noqa: SIM118 - LRUCache has no __iter__
    assert {"records/record.html", "records/search.html", "web/layout.html"} <= compiled
