"""The nightly subsidy task (``guarantees.subsidy_runs``) in a real Celery worker: sent through Redis to a separate
worker process, which finds the task (``guarantees.tasks``, autodiscovered as ``funds.tasks`` is), prepares the run
of the month just ended in the (test) PostgreSQL database, and answers; sent again, it prepares nothing more."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from django.db import connection

from guarantees.models import SubsidyRun
from tests.test_config import REDIS_URL, ROOT, _redis_up, _run

from .factories import make_guarantee, make_program

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_real_worker_prepares_the_subsidy_run_once():
    if not _redis_up():
        pytest.fail(f"Redis is not reachable at {REDIS_URL}")
    redis.Redis.from_url(REDIS_URL).flushdb()
    program = make_program()
    make_guarantee(program, amount=30_000_000)  # 50,950 won for October 2026 (tests/guarantees/test_subsidies.py)
    db = connection.settings_dict
    env = {
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_RESULT_BACKEND": REDIS_URL,
        "PATH": os.environ["PATH"],
    }
    celery_bin = shutil.which("celery", path=str(Path(sys.executable).parent))
    assert celery_bin
    # The worker of the default queue, where the task is routed (CELERY_TASK_ROUTES names no queue for it).
    worker = subprocess.Popen(
        [celery_bin, "-A", "config", "worker", "-Q", "celery", "--pool=solo", "--concurrency=1", "--loglevel=INFO",
         "--without-heartbeat", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    try:
        client = (
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; django.setup();"
            "from guarantees.tasks import prepare_subsidy_runs_task as t;"
            "print('first', t.delay('2026-11-15').get(timeout=90));"
            "print('second', t.delay('2026-11-15').get(timeout=90))"
        )
        result = _run(client, **env)
        assert result.returncode == 0, result.stderr
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        output, _ = worker.communicate(timeout=30)
    first, second = result.stdout.strip().splitlines()[-2:]
    assert "'period_start': '2026-10-01'" in first and "'total': '50950'" in first, result.stdout
    assert second == "second []"
    assert output.count("guarantees.subsidy_runs[") >= 2 and "succeeded" in output, output
    run = SubsidyRun.objects.get()
    assert (run.program_id, run.period_start, run.total.amount, run.prepared_by) == (
        program.pk, run.period_start, 50_950, None)
