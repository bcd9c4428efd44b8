"""Routes, menu entries and start-page panels of the special guarantees' portal pages (added in a later step)."""

from typing import Any

urlpatterns: list[Any] = []
