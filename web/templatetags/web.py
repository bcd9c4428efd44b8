"""Template filters of the pages: ₩12,345,000, 2026-12-06, 2.00% (the statements' own rules)."""

from __future__ import annotations

from typing import Any

from django import template
from django.http import HttpRequest

from web.common import format as fmt
from web.common.tables import export_links

register = template.Library()
register.filter("won", fmt.won)
register.filter("signed_won", fmt.signed_won)
register.filter("ymd", fmt.ymd)
register.filter("percent", fmt.percent)


@register.simple_tag(takes_context=True)
def exports(context: Any) -> dict[str, str]:
    """The CSV and XLSX links of the table on screen (its filters and sorting kept)."""
    request: HttpRequest = context["request"]
    return export_links(request)
