"""Running the stand-in: a threading WSGI server (stdlib ``wsgiref``), in the foreground or in a thread."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from .app import App
from .state import Provider
from .webhooks import Dispatcher

logger = logging.getLogger("standins.payment_provider")


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class LoggingHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        logger.info("%s %s", self.address_string(), format % args)


@dataclass(frozen=True)
class Config:
    secret_key: str = "test_sk_standin_0000000000000000"
    client_key: str = "test_ck_standin_0000000000000000"
    webhook_secret: str = "whsec_standin_0000000000000000"
    webhook_url: str = ""
    control: bool = False
    slow_seconds: float = 11.0  # PAYMENTS_TIMEOUT_SECONDS (10 by default) + 1
    webhook_attempts: int = 5
    webhook_backoff_seconds: float = 1.0
    state_file: str = ""  # where the state is kept across restarts (empty: in memory only)


class RunningProvider:
    """A started stand-in: its URL, its state, and ``stop()``."""

    def __init__(self, config: Config, host: str = "127.0.0.1", port: int = 0) -> None:
        self.dispatcher = Dispatcher(url=config.webhook_url, secret=config.webhook_secret,
                                     attempts=config.webhook_attempts, backoff_seconds=config.webhook_backoff_seconds,
                                     unix_now=lambda: self.provider.clock.now().timestamp(),
                                     tick=lambda: self.provider.expire_due())
        self.provider = Provider(secret_key=config.secret_key, client_key=config.client_key,
                                 slow_seconds=config.slow_seconds, emit=self.dispatcher.emit,
                                 state_file=Path(config.state_file) if config.state_file else None)
        self.app = App(self.provider, self.dispatcher, control=config.control)
        self.server = make_server(host, port, self.app, server_class=ThreadingWSGIServer,
                                  handler_class=LoggingHandler)
        self.host, self.port = host, int(self.server.server_address[1])
        self.url = f"http://{host}:{self.port}"
        self._thread: threading.Thread | None = None

    def serve_forever(self) -> None:
        self.dispatcher.start()
        self.server.serve_forever()

    def start_in_thread(self) -> RunningProvider:
        self._thread = threading.Thread(target=self.serve_forever, name="payment-provider", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.dispatcher.stop()
        if self._thread is not None:
            self._thread.join(timeout=10)
