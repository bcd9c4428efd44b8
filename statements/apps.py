from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatementsConfig(AppConfig):
    name = "statements"
    verbose_name = _("Statements")

    def ready(self) -> None:
        from . import receivers

        receivers.connect()  # a repayment's receipt; a rendering the outbox gave up
