from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GuaranteesConfig(AppConfig):
    name = "guarantees"
    verbose_name = _("Special guarantees")

    def ready(self) -> None:
        # What an enterprise's guarantees stand behind counts in every instrument's per-firm limit (여신 노출).
        from enterprises import exposure

        from .selectors import exposure_by_enterprise

        exposure.register("guarantees", exposure_by_enterprise, label=_("Special guarantees"))
