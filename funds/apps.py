from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundsConfig(AppConfig):
    name = "funds"
    verbose_name = _("Revolving funds")

    def ready(self) -> None:
        # What an enterprise owes the revolving funds counts in every instrument's per-firm limit (여신 노출).
        from enterprises import exposure

        from .selectors import exposure_by_enterprise

        exposure.register("funds", exposure_by_enterprise, label=_("Revolving funds"))
