from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        from .outbox import connect_celery_signals, gave_up
        from .verification import on_outbox_gave_up

        autodiscover_modules("actions")  # every app's audit actions are declared before anything is recorded
        connect_celery_signals()  # the worker writes on each outbox message how its runs went
        gave_up.connect(on_outbox_gave_up, dispatch_uid="core.verification.gave_up")  # a run that will never run
