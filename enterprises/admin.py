"""Admin for users, enterprises, institutions and memberships. Saves go through the services."""
from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Enterprise, Institution, Membership, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["enterprise"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), (_("Organisation"), {"fields": ("display_name", "institution")}))
    list_display = ("username", "display_name", "email", "institution", "is_staff")
    inlines = [MembershipInline]


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "business_number_display", "province", "district", "employees")
    list_filter = ("kind", "province")
    search_fields = ("name", "business_number", "representative")
    ordering = ("name", "id")
    readonly_fields = ("created_at", "updated_at")

    def save_model(self, request: Any, obj: Enterprise, form: Any, change: bool) -> None:
        data = {name: form.cleaned_data[name] for name in services.ENTERPRISE_FIELDS if name in form.cleaned_data}
        if change:
            saved = services.enterprise_update(actor=request.user, enterprise_id=obj.pk, data=data)
        else:
            saved = services.enterprise_create(actor=request.user, data=data)
        obj.pk = saved.pk


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "province", "district")
    list_filter = ("kind",)
    search_fields = ("name",)
    ordering = ("name", "id")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "enterprise", "role")
    list_filter = ("role",)
    autocomplete_fields = ["enterprise"]
