"""Read-only admin views of the ledger: money moves only through the posting service."""
from __future__ import annotations

from typing import Any

from django.contrib import admin

from .models import Account, Book, Entry, Journal


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Book)
class BookAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "created_at")
    ordering = ("code",)


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ("book", "code", "name", "type", "balance", "no_overdraft")
    list_filter = ("book", "type")
    ordering = ("book_id", "code")


class EntryInline(admin.TabularInline):
    model = Entry
    extra = 0
    can_delete = False
    readonly_fields = ("account", "side", "amount")
    ordering = ("id",)

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Journal)
class JournalAdmin(ReadOnlyAdmin):
    list_display = ("id", "book", "kind", "effective_date", "recorded_at", "actor", "reverses")
    list_filter = ("book", "kind")
    search_fields = ("idempotency_key", "memo")
    ordering = ("id",)
    inlines = [EntryInline]
