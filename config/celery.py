"""The Celery application.

With ``CELERY_BROKER_URL`` unset, tasks run eagerly in the calling process (development, tests, the demo);
with it set (``redis://...``), they go to the broker and a worker runs them.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("socialfin")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
