"""A TCP proxy that can be cut: how the end-to-end run takes PostgreSQL or Redis away without touching the servers.

``cut()`` closes the listening socket (new connections are refused, as by a server that is down) and every open
connection (clients see their connection dropped, as when a server restarts). ``restore()`` listens again on the
same port. Each proxy runs on its own thread.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading


class Proxy:
    def __init__(self, listen_port: int, target: tuple[str, int], name: str = "proxy") -> None:
        self.port = listen_port
        self.target = target
        self.name = name
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._pairs: set[tuple[socket.socket, socket.socket]] = set()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.connections = 0

    # --- control ---------------------------------------------------------------------------------------------

    def start(self) -> Proxy:
        self._listen()
        self._thread = threading.Thread(target=self._loop, name=f"{self.name}-proxy", daemon=True)
        self._thread.start()
        return self

    def cut(self) -> None:
        with self._lock:
            if self._listener is not None:
                self._listener.close()
                self._listener = None
            pairs, self._pairs = self._pairs, set()
        for a, b in pairs:
            for s in (a, b):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()

    def restore(self) -> None:
        self._listen()

    @property
    def is_cut(self) -> bool:
        return self._listener is None

    def stop(self) -> None:
        self._stop.set()
        self.cut()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # --- the work --------------------------------------------------------------------------------------------

    def _listen(self) -> None:
        with self._lock:
            if self._listener is not None:
                return
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", self.port))
            s.listen(128)
            s.setblocking(False)
            self._listener = s

    def _accept(self) -> None:
        with self._lock:
            listener = self._listener
        if listener is None:
            return
        try:
            client, _ = listener.accept()
        except (BlockingIOError, OSError):
            return
        try:
            upstream = socket.create_connection(self.target, timeout=5)
        except OSError:
            client.close()  # the server itself is down: so is the proxy
            return
        for s in (client, upstream):
            s.setblocking(False)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._lock:
            if self._listener is None:  # cut meanwhile
                client.close()
                upstream.close()
                return
            self._pairs.add((client, upstream))
            self.connections += 1

    def _loop(self) -> None:
        while not self._stop.is_set():
            sel = selectors.DefaultSelector()
            with self._lock:
                listener = self._listener
                pairs = list(self._pairs)
            try:
                if listener is not None:
                    sel.register(listener, selectors.EVENT_READ, None)
                for pair in pairs:
                    sel.register(pair[0], selectors.EVENT_READ, (pair, 0))
                    sel.register(pair[1], selectors.EVENT_READ, (pair, 1))
            except (ValueError, OSError):  # a socket closed by cut() between the copy and here
                sel.close()
                continue
            try:
                events = sel.select(timeout=0.05)
            except (ValueError, OSError):
                events = []
            for key, _ in events:
                if key.data is None:
                    self._accept()
                    continue
                pair, side = key.data
                self._pump(pair, side)
            sel.close()

    def _pump(self, pair: tuple[socket.socket, socket.socket], side: int) -> None:
        source, sink = pair[side], pair[1 - side]
        try:
            data = source.recv(65536)
            if data:
                sink.setblocking(True)
                sink.sendall(data)
                sink.setblocking(False)
                return
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            pass
        # One side closed: close both, as the server or the client would see it.
        with self._lock:
            self._pairs.discard(pair)
        for s in pair:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()
