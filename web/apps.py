from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "web"
    verbose_name = _("Web pages")

    def ready(self) -> None:
        from django.contrib import admin

        # The admin speaks Korean like the rest of the system (Django's own "Django administration" otherwise).
        admin.site.site_header = _("Social economy finance: administration")
        admin.site.site_title = _("Social economy finance")
        admin.site.index_title = _("Administration")
        admin.site.site_url = "/console/"
