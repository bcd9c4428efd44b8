from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BondsConfig(AppConfig):
    name = "bonds"
    verbose_name = _("Social impact bonds")
