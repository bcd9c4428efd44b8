"""Routes, menu entries and start-page panels of the special guarantees' bank desk pages (added in a later step)."""

from typing import Any

urlpatterns: list[Any] = []
