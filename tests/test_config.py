"""Settings modes and the Celery wiring."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from django.db import connection

from core.tasks import verify_audit_trail
from ledger.tasks import verify_ledger

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = "redis://127.0.0.1:6379/14"


def _run(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_", "SECRET_KEY"))}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, *code.split()] if code.startswith("manage.py") else [sys.executable, "-c", code],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_mode_passes_the_deploy_check():
    result = _run(
        "manage.py check --deploy --fail-level WARNING",
        DJANGO_MODE="production",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="fund.example.go.kr",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_mode_refuses_to_start_without_a_secret_key():
    result = _run("manage.py check", DJANGO_MODE="production", ALLOWED_HOSTS="fund.example.go.kr")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_development_mode_is_not_fit_for_deployment():
    result = _run("manage.py check --deploy --fail-level WARNING")
    assert result.returncode != 0  # DEBUG on, dev secret key, no HTTPS: the check must say so


def test_settings_come_from_the_environment():
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; django.setup();"
        "from django.conf import settings as s;"
        "print(s.DEBUG, s.ALLOWED_HOSTS, s.DATABASES['default']['ENGINE'], s.TIME_ZONE, s.CELERY_TASK_ALWAYS_EAGER)"
    )
    result = _run(
        code,
        DEBUG="0",
        ALLOWED_HOSTS="a.example.kr,b.example.kr",
        DATABASE_URL="postgres://u:p@db.example:5432/x",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "False",
        "['a.example.kr',",
        "'b.example.kr']",
        "django.db.backends.postgresql",
        "Asia/Seoul",
        "False",
    ]


def test_celery_runs_tasks_eagerly_without_a_broker(db):
    from config.celery import app

    assert app.conf.task_always_eager is True
    result = verify_ledger.delay().get()
    assert result == {"run": result["run"], "ok": True, "accounts": 0, "journals": 0, "problems": []}
    assert verify_audit_trail.delay().get()["ok"] is True


def test_every_task_routed_limited_or_scheduled_by_name_exists():
    """Routes, limits and the beat schedule name tasks by string: a misspelt name would route or limit nothing."""
    from django.conf import settings

    from config.celery import app

    app.loader.import_default_modules()
    named = {*settings.CELERY_TASK_ROUTES, *settings.CELERY_TASK_ANNOTATIONS,
             *(entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values())}
    assert named <= set(app.tasks), named - set(app.tasks)
    queues = {name: app.amqp.router.route({}, name)["queue"].name for name in named}
    assert queues == {"statements.render": "statements", "funds.close_business": "close_business",
                      "ledger.verify": "celery", "audit.verify": "celery", "outbox.relay": "celery",
                      "audit.seal": "celery", "guarantees.subsidy_runs": "celery", "guarantees.bill_fees": "celery",
                      "crowdfunding.advance_phases": "celery", "crowdfunding.run_funding": "celery",
                      "enterprises.send_verification_email": "celery"}
    assert app.tasks["statements.render"].time_limit == 360
    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost


def _redis_up() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_real_celery_worker_runs_tasks_through_redis():
    """With CELERY_BROKER_URL set, a task goes through Redis to a separate worker process, which reads the
    (test) PostgreSQL database and sends its result back."""
    if not _redis_up():
        pytest.fail(f"Redis is not reachable at {REDIS_URL}")
    redis.Redis.from_url(REDIS_URL).flushdb()
    db = connection.settings_dict
    env = {
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_RESULT_BACKEND": REDIS_URL,
        "PATH": os.environ["PATH"],
    }
    celery_bin = shutil.which("celery", path=str(Path(sys.executable).parent))
    assert celery_bin
    worker = subprocess.Popen(
        [
            celery_bin,
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--loglevel=INFO",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        client = (
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; django.setup();"
            "from core.logs import request_id; request_id.set('req-through-redis-01');"
            "from ledger.tasks import verify_ledger;"
            "r = verify_ledger.delay(); print(r.get(timeout=60))"
        )
        result = _run(client, **env)
        assert result.returncode == 0, result.stderr
        assert "'ok': True" in result.stdout
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        output, _ = worker.communicate(timeout=30)
    assert "ledger.verify" in output and "succeeded" in output, output
    # the enqueuing side's request id came with the message: the worker's record of the task carries it
    assert any("[req-through-redis-01]" in line and "succeeded" in line for line in output.splitlines()), output
