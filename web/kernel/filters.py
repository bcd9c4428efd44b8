"""Filters of the audit trail."""

from __future__ import annotations

import django_filters as filters
from django import forms
from django.utils.translation import gettext_lazy as _

from core.models import AuditEvent


class AuditFilter(filters.FilterSet):
    action = filters.CharFilter(label=_("Action"), lookup_expr="startswith",
                                help_text=_("e.g. funds.loan or funds.application.approve"))
    actor = filters.CharFilter(label=_("Who (user name)"), field_name="actor_label")
    object_type = filters.CharFilter(label=_("Object type"), help_text=_("e.g. funds.loan"))
    object_id = filters.CharFilter(label=_("Object id"))
    since = filters.DateFilter(label=_("From"), field_name="occurred_at", lookup_expr="date__gte",
                               widget=forms.DateInput(attrs={"type": "date"}))
    until = filters.DateFilter(label=_("Until"), field_name="occurred_at", lookup_expr="date__lte",
                               widget=forms.DateInput(attrs={"type": "date"}))

    class Meta:
        model = AuditEvent
        fields: list[str] = []
