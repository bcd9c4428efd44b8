"""The Celery application.

With ``CELERY_BROKER_URL`` unset, tasks run eagerly in the calling process (development, tests, the demo);
with it set (``redis://...``), they go to the broker and a worker runs them.
"""

import os

from celery import Celery

from core.logs import connect_celery_signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
connect_celery_signals()  # the enqueuing request's id follows its tasks into the worker's logs

app = Celery("socialfin")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
