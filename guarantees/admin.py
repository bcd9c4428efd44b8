"""Admin for the special guarantees: read-only views. Programs are opened and money moves only through the services
(the API), never through admin forms."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from .models import CityFeeBatch, FeeBill, GuaranteeProgram, ProgramContribution


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(GuaranteeProgram)
class GuaranteeProgramAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "year", "foundation", "multiple", "per_firm_limit", "guarantee_ratio",
                    "fee_rate", "opens_on", "closes_on")
    list_filter = ("year",)
    search_fields = ("code", "name")
    ordering = ("-year", "code")


@admin.register(ProgramContribution)
class ProgramContributionAdmin(ReadOnlyAdmin):
    list_display = ("id", "program", "source", "contributor", "amount", "received_on")
    list_filter = ("source", "program")
    ordering = ("received_on", "id")


@admin.register(FeeBill)
class FeeBillAdmin(ReadOnlyAdmin):
    list_display = ("id", "guarantee", "year", "period_start", "period_end", "fee", "city_share", "enterprise_share",
                    "due_on", "state")
    list_filter = ("state", "program")
    ordering = ("-billed_on", "-id")


@admin.register(CityFeeBatch)
class CityFeeBatchAdmin(ReadOnlyAdmin):
    list_display = ("id", "program", "paid_on", "amount", "bill_count")
    list_filter = ("program",)
    ordering = ("-paid_on", "-id")
