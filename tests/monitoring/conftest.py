"""Local sites and a local SOCKS5 proxy for capture tests: nothing here reaches the internet."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

PAGE = """<!doctype html><html><head><title>Shitet pistoleta</title></head><body>
<h1 id="ad">loading</h1><script src="app.js"></script></body></html>"""
SCRIPT = 'document.getElementById("ad").textContent = "Zoraki 914 shitet 150 euro, 044 123 456";'
# pproxy installs uvloop when it can, whose loop policy it then cannot use: run it without.
_PPROXY = "import sys; sys.modules['uvloop'] = None; from pproxy.server import main; main()"
JS_TEXT = "Zoraki 914 shitet 150 euro, 044 123 456"


def free_port() -> int:
    """Return a free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # noqa: D102 - silence the test server
        return


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A local web site whose ad text is written by JavaScript; yields its page's URL."""
    root = tmp_path_factory.mktemp("site")
    (root / "index.html").write_text(PAGE, encoding="utf-8")
    (root / "app.js").write_text(SCRIPT, encoding="utf-8")
    (root / "big.html").write_text("<p>" + "word " * 2_000 + "</p>", encoding="utf-8")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    server.shutdown()


@pytest.fixture(scope="session")
def socks_proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A local SOCKS5 proxy (pproxy, started here; HTTP on the next port); yields the SOCKS5
    address and the log file."""
    port = free_port()
    http_port = free_port()
    log = tmp_path_factory.mktemp("proxy") / "pproxy.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                *(sys.executable, "-c", _PPROXY, "-v"),
                *("-l", f"socks5://127.0.0.1:{port}"),
                *("-l", f"http://127.0.0.1:{http_port}"),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        try:
            yield f"socks5://127.0.0.1:{port}", log, f"http://127.0.0.1:{http_port}"
        finally:
            process.terminate()
            process.wait(timeout=10)
