"""What the portal's tests read off a page."""

from __future__ import annotations

import html

from django import forms

from web.common.forms import WonField


def text(response) -> str:
    """The page's HTML with its entities read (so that a message with quotes is found as the service wrote it)."""
    return html.unescape(response.content.decode())


def won_rule(value: str) -> list[str]:
    """The rule the amount field gives for ``value``, as the page shows it beside the field."""
    try:
        WonField().clean(value)
    except forms.ValidationError as exc:
        return list(exc.messages)
    raise AssertionError(f"{value!r} is a good amount")
