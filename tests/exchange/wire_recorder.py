"""A recording TCP forwarder for tests: sits between two nodes and keeps every byte both ways."""

from __future__ import annotations

import base64
import contextlib
import json
import socket
import threading


class Recorder:
    """Forward 127.0.0.1:<port> to 127.0.0.1:<target>; `wire()` returns what passed, both ways."""

    def __init__(self, target_port: int) -> None:
        self.target = target_port
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.lock = threading.Lock()
        self.chunks: list[bytes] = []
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target), timeout=30)
            except OSError:
                client.close()  # the node behind is down: the asker sees a closed connection
                continue
            with self.lock:
                self.connections += 1
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                with self.lock:
                    self.chunks.append(data)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def clear(self) -> None:
        """Forget what was recorded so far."""
        with self.lock:
            self.chunks.clear()

    def wire(self) -> bytes:
        """Return every byte recorded since the last clear, both directions."""
        with self.lock:
            return b"".join(self.chunks)

    def close(self) -> None:
        """Stop accepting connections."""
        self.listener.close()


def encodings(value: str) -> list[bytes]:
    """Return `value` in UTF-8, UTF-16 (both orders), hex, base64 and JSON-escaped forms."""
    out = []
    for raw in (value.encode("utf-8"), value.encode("utf-16-le"), value.encode("utf-16-be")):
        out += [raw, raw.hex().encode(), raw.hex().upper().encode(), base64.b64encode(raw)]
        out.append(base64.b64encode(raw).rstrip(b"="))
    escaped = json.dumps(value).strip('"').encode()  # JSON's \uXXXX escapes of non-ASCII
    return [*out, escaped] if escaped != value.encode("utf-8") else out
