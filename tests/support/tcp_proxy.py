"""A TCP proxy in front of a real service that a test can cut and restore: a network partition between one
process and, say, its broker, without stopping the broker every other test shares."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress


class TcpProxy:
    """Forwards 127.0.0.1:``port`` to 127.0.0.1:``target``. ``cut()`` resets every connection through it, and
    every new one, until ``restore()``. The proxy keeps its port for its whole life: given up, the port could
    be taken by another program's outgoing connection before the restore."""

    def __init__(self, target: int) -> None:
        self._target = target
        self._lock = threading.Lock()
        self._cut = False
        self._closed = False
        self._pairs: set[socket.socket] = set()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, url: str, port: int) -> str:
        """``url`` with its ``:port/`` replaced by the proxy's (refused when absent: the test would bypass us)."""
        if f":{port}/" not in url:
            raise ValueError(f"no :{port}/ in {url!r}")
        return url.replace(f":{port}/", f":{self.port}/", 1)

    def cut(self) -> None:
        with self._lock:
            self._cut = True
            doomed, self._pairs = self._pairs, set()
        for sock in doomed:
            _reset(sock)

    def restore(self) -> None:
        with self._lock:
            self._cut = False

    def close(self) -> None:
        self.cut()
        with self._lock:
            self._closed = True
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:  # closed
                return
            with self._lock:
                cut = self._cut
            if cut:
                _reset(client)
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self._target), timeout=5)
            except OSError:
                _reset(client)
                continue
            upstream.settimeout(None)
            with self._lock:  # cut while connecting upstream: this pair must not outlive the cut
                cut = self._cut or self._closed
                if not cut:
                    self._pairs |= {client, upstream}
            if cut:
                _reset(client)
                _reset(upstream)
                continue
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(source, sink), daemon=True).start()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    with suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    with suppress(OSError):
        sink.shutdown(socket.SHUT_WR)


def _reset(sock: socket.socket) -> None:
    """Close with a reset (linger 0), as a partition that ends in an error looks to both ends. The shutdown
    first wakes a pump blocked reading it: a plain close from another thread would not."""
    with suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


@contextmanager
def tcp_proxy(target: int) -> Iterator[TcpProxy]:
    proxy = TcpProxy(target)
    try:
        yield proxy
    finally:
        proxy.close()
