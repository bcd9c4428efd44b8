"""Admin for the revolving funds: read-only views of loans and their servicing; the asset class rules are data a
fund changes here. Money moves only through the services (the API), never through admin forms."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from .models import AssetClassRule, BusinessDay, Loan, LoanTransaction, Repayment, WriteOff


@admin.register(AssetClassRule)
class AssetClassRuleAdmin(admin.ModelAdmin):
    list_display = ("severity", "code", "korean_name", "min_days_past_due", "part", "allowance_rate")
    ordering = ("severity",)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Loan)
class LoanAdmin(ReadOnlyAdmin):
    list_display = ("id", "enterprise", "principal", "state", "disbursed_on", "closed_through", "days_past_due",
                    "asset_class")
    list_filter = ("state", "asset_class", "fund")
    search_fields = ("enterprise__name",)
    ordering = ("-id",)


@admin.register(Repayment)
class RepaymentAdmin(ReadOnlyAdmin):
    list_display = ("id", "loan", "amount", "value_date", "paid_off", "reversed_at")
    list_filter = ("paid_off",)
    ordering = ("value_date", "id")


@admin.register(LoanTransaction)
class LoanTransactionAdmin(ReadOnlyAdmin):
    list_display = ("id", "loan", "kind", "value_date", "amount", "principal_change", "interest_change",
                    "default_interest_change", "reversed")
    list_filter = ("kind",)
    ordering = ("value_date", "id")


@admin.register(WriteOff)
class WriteOffAdmin(ReadOnlyAdmin):
    list_display = ("id", "loan", "state", "requested_by", "decided_by", "written_off_on")
    ordering = ("-requested_at", "-id")


@admin.register(BusinessDay)
class BusinessDayAdmin(ReadOnlyAdmin):
    list_display = ("date", "closed_at", "loans_processed", "loans_advanced", "journals_posted", "seconds")
    ordering = ("-date",)
