"""The production processes on this machine, without Docker: what ``make e2e`` and ``bench/load.py`` run against.

``Stack`` starts, each as its own process group with its log under the work directory:

- a Redis of its own (``redis-server`` on a free port, nothing kept on disk);
- two cuttable proxies (deploy/e2e/proxy.py): one in front of the machine's PostgreSQL, one in front of that Redis.
  Every process of the stack reaches both only through them, so the run can take either away without touching
  anything else on the machine;
- a fresh PostgreSQL database (dropped and created), migrated; the demo's people (users, enterprises, institutions;
  ``load_demo`` without the instruments' demo data, so that the story makes its own fund from nothing);
- gunicorn with ``deploy/gunicorn.conf.py``, in production mode (DEBUG off, JSON logs), on a free port;
- a Celery worker on every queue (``celery,statements,close_business``) under a fixed name, and Celery beat;
- the payment provider's stand-in (standins/payment_provider, with its test-mode control endpoints) on a free port,
  its webhooks sent to gunicorn's PAYMENTS_WEBHOOK_PATH; the app's PAYMENTS_* settings point at it
  (``provider_url``; the keys are ``payments_secret_key``, ``payments_client_key``, ``payments_webhook_secret``);
- mail (the backers' verification links) written by Django's file backend to ``mail_dir`` in the work directory, one
  file per message, where the run reads it as a backer reads its inbox (``mails()``).

Everything it started is stopped by ``stop()`` (also on failure: use it as a context manager), the database
dropped unless ``keep`` is set.
"""

from __future__ import annotations

import contextlib
import email
import email.message
import email.policy
import json
import os
import secrets
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from proxy import Proxy

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
PG_HOST, PG_PORT = "127.0.0.1", 5432
PASSWORD = "e2e-password-not-secret-4d1a"
WORKER_NAME = "e2e@localhost"
QUEUES = "celery,statements,close_business"
PAYMENTS_WEBHOOK_PATH = "/api/v1/payments/webhook/"
PAYMENTS_TIMEOUT_SECONDS = 5


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


@dataclass
class Stack:
    db_name: str = "sf_e2e"
    keep: bool = False
    web_workers: int = 3
    worker_concurrency: int = 2
    relay_seconds: float = 2.0
    full_demo: bool = False  # the whole demo (its fund, loans and history) instead of its people only
    extra_env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="sf-e2e-"))
        self.media = self.workdir / "media"
        self.mail_dir = self.workdir / "mail"
        self.redis_port = free_port()
        self.pg_proxy = Proxy(free_port(), (PG_HOST, PG_PORT), "postgres")
        self.redis_proxy = Proxy(free_port(), ("127.0.0.1", self.redis_port), "redis")
        self.web_port = free_port()
        self.base = f"http://127.0.0.1:{self.web_port}"
        self.provider_port = free_port()
        self.provider_url = f"http://127.0.0.1:{self.provider_port}"
        self.payments_secret_key = f"test_sk_{secrets.token_hex(12)}"
        self.payments_client_key = f"test_ck_{secrets.token_hex(12)}"
        self.payments_webhook_secret = f"whsec_{secrets.token_hex(16)}"
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.started = False

    # --- environment -----------------------------------------------------------------------------------------

    @property
    def database_url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.pg_proxy.port}/{self.db_name}"

    @property
    def direct_database_url(self) -> str:
        """Straight to PostgreSQL, past the proxy: for the run's own checks while the proxy is cut."""
        return f"postgres://postgres@{PG_HOST}:{PG_PORT}/{self.db_name}"

    def env(self, **overrides: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_", "DATABASE_"))}
        env.update({
            "DJANGO_MODE": "production",
            "SECRET_KEY": self._secret,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0",  # plain HTTP on loopback; nginx does TLS in deploy/
            "DATABASE_URL": self.database_url,
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{self.redis_proxy.port}/0",
            "CACHE_URL": f"redis://127.0.0.1:{self.redis_proxy.port}/1",
            "MEDIA_ROOT": str(self.media),
            "LOG_FORMAT": "json",
            "OUTBOX_RELAY_SECONDS": str(self.relay_seconds),
            "AUTH_THROTTLE_RATE": "10000/min",
            "SIGNUP_THROTTLE_RATE": "10000/min",  # the backers all sign up from 127.0.0.1
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(self.mail_dir),
            "PYTHONUNBUFFERED": "1",
            "PAYMENTS_PROVIDER_URL": self.provider_url,
            "PAYMENTS_SECRET_KEY": self.payments_secret_key,
            "PAYMENTS_CLIENT_KEY": self.payments_client_key,
            "PAYMENTS_WEBHOOK_SECRET": self.payments_webhook_secret,
            "PAYMENTS_TIMEOUT_SECONDS": str(PAYMENTS_TIMEOUT_SECONDS),
        })
        env.update(self.extra_env)
        env.update(overrides)
        return env

    _secret = secrets.token_urlsafe(60)

    # --- processes -------------------------------------------------------------------------------------------

    def _spawn(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        logfile = open(self.workdir / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(argv, cwd=ROOT, env=env or self.env(), stdout=logfile, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.procs[name] = proc
        return proc

    def manage(self, *args: str, check: bool = True, env: dict[str, str] | None = None) -> str:
        result = subprocess.run([str(VENV_BIN / "python"), "manage.py", *args], cwd=ROOT, env=env or self.env(),
                                capture_output=True, text=True)
        if check and result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed ({result.returncode}):\n"
                               f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
        return result.stdout + result.stderr

    def psql(self, sql: str, db: str = "postgres") -> str:
        result = subprocess.run(["psql", "-h", PG_HOST, "-p", str(PG_PORT), "-U", "postgres", "-d", db, "-v",
                                 "ON_ERROR_STOP=1", "-tAc", sql], capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"psql failed: {sql}\n{result.stderr}")
        return result.stdout.strip()

    def start(self) -> Stack:
        self.started = True
        log(f"work directory {self.workdir}")
        self._spawn("redis", ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "",
                              "--appendonly", "no", "--dir", str(self.workdir)])
        self.pg_proxy.start()
        self.redis_proxy.start()
        self._wait(lambda: self._redis_ping(), "Redis", 20)
        log(f"Redis :{self.redis_port} behind proxy :{self.redis_proxy.port}; PostgreSQL behind proxy "
            f":{self.pg_proxy.port}")
        self.psql(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
        self.psql(f'CREATE DATABASE "{self.db_name}"')
        self.manage("migrate", "--noinput", "-v", "0")
        if self.full_demo:
            self.manage("load_demo", "--password", PASSWORD, env=self.env(STATEMENTS_AUTO_RECEIPT="0"))
        else:
            self.manage("shell", "-c", (
                "from django.core.management import call_command\n"
                "from django.test.utils import override_settings\n"
                "with override_settings(DEMO_EXTENSIONS=[]):\n"
                f"    call_command('load_demo', password={PASSWORD!r}, verbosity=0)\n"))
        log(f"database {self.db_name} migrated; the demo's {'data' if self.full_demo else 'people'} loaded")
        self.start_payment_provider()
        self.start_web()
        self.start_worker()
        self.start_beat()
        self.wait_healthy()
        return self

    def start_payment_provider(self) -> None:
        self._spawn("payment-provider", [
            str(VENV_BIN / "python"), "-m", "standins.payment_provider", "--port", str(self.provider_port),
            "--webhook-url", self.base + PAYMENTS_WEBHOOK_PATH, "--secret-key", self.payments_secret_key,
            "--client-key", self.payments_client_key, "--webhook-secret", self.payments_webhook_secret,
            "--control", "--slow-seconds", str(PAYMENTS_TIMEOUT_SECONDS + 1),
        ])
        self._wait(lambda: self._provider_up(), "the payment provider's stand-in", 20)
        log(f"payment provider stand-in on {self.provider_url}")

    def _provider_up(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.provider_url}/healthz", timeout=2) as r:
                return bool(r.status == 200)
        except OSError:
            return False

    def start_web(self) -> None:
        self._spawn("web", [str(VENV_BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "config.wsgi"],
                    self.env(GUNICORN_BIND=f"127.0.0.1:{self.web_port}", WEB_CONCURRENCY=str(self.web_workers)))

    def start_worker(self) -> subprocess.Popen[bytes]:
        return self._spawn("worker", [
            str(VENV_BIN / "celery"), "-A", "config", "worker", "-Q", QUEUES, "-n", WORKER_NAME,
            "-c", str(self.worker_concurrency), "--loglevel", "INFO", "--without-gossip", "--without-mingle",
        ])

    def start_beat(self) -> None:
        self._spawn("beat", [str(VENV_BIN / "celery"), "-A", "config", "beat", "--loglevel", "INFO",
                             "-s", str(self.workdir / "celerybeat-schedule")])

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Signal a process and its children (its process group); wait for it."""
        proc = self.procs.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        if sig == signal.SIGKILL:  # the pool's children are in the group too; make sure none is left
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)

    def mails(self) -> list[email.message.Message]:
        """Every message the app has sent so far (the file backend writes each to a file of its own), oldest first."""
        if not self.mail_dir.exists():
            return []
        found = []
        for path in sorted(self.mail_dir.glob("*.log"), key=lambda p: p.stat().st_mtime_ns):
            # One file per connection; messages in it are separated by a line of 79 dashes.
            for part in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
                if part.strip():
                    found.append(email.message_from_bytes(part.strip(), policy=email.policy.default))
        return found

    def log_text(self, name: str) -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def wait_for_log(self, name: str, text: str, timeout: float = 60) -> None:
        path = self.workdir / f"{name}.log"
        self._wait(lambda: path.exists() and text in path.read_text(errors="replace"), f"{name}: {text!r}", timeout)

    def wait_healthy(self, timeout: float = 60) -> None:
        self._wait(lambda: self.health()[0] == 200, "gunicorn /healthz", timeout)
        self.wait_for_log("worker", "ready.", timeout)
        log(f"gunicorn on {self.base}, worker {WORKER_NAME} and beat up")

    def health(self) -> tuple[int, dict[str, Any]]:
        try:
            with urllib.request.urlopen(f"{self.base}/healthz", timeout=5) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")
        except OSError:
            return 0, {}

    def _redis_ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.redis_port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    @staticmethod
    def _wait(check: Any, what: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check():
                return
            time.sleep(0.1)
        raise TimeoutError(f"waited {timeout:.0f} s for {what}")

    def rss(self) -> dict[str, int]:
        """Resident memory (bytes) of every process of the stack, by name (children as name/pid)."""
        out: dict[str, int] = {}
        for name, proc in self.procs.items():
            pids = subprocess.run(["pgrep", "-g", str(proc.pid)], capture_output=True, text=True).stdout.split()
            for pid in pids:
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                kb = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
                label = name if int(pid) == proc.pid else f"{name}/{pid}"
                out[label] = kb * 1024
        return out

    def stop(self) -> None:
        for name in ("beat", "worker", "web", "payment-provider", "redis"):
            if name in self.procs:
                with contextlib.suppress(Exception):
                    self.kill(name, signal.SIGTERM)
        for name in list(self.procs):
            with contextlib.suppress(Exception):
                self.kill(name, signal.SIGKILL)
        self.pg_proxy.stop()
        self.redis_proxy.stop()
        if self.started and not self.keep:
            with contextlib.suppress(Exception):
                self.psql(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
        log(f"stopped everything; logs in {self.workdir}" + (f", database {self.db_name} kept" if self.keep else ""))

    def __enter__(self) -> Stack:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()
