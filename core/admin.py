"""Read-only admin of the audit trail."""
from __future__ import annotations

from typing import Any

from django.contrib import admin

from .models import CHAIN_ORDER, AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("seq", "occurred_at", "actor_label", "action", "object_type", "object_id", "object_repr")
    list_filter = ("action", "object_type")
    search_fields = ("object_repr", "actor_label", "reason")
    ordering = CHAIN_ORDER

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False
