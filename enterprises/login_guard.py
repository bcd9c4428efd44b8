"""Throttling of failed logins, for the JWT token endpoint and the session login of the admin alike.

Failures are counted in the cache per user name and per client address, in a window of LOGIN_FAILURE_WINDOW
seconds. Once a user name reaches LOGIN_FAILURE_LIMIT failures (or an address four times that, so one office
behind one address is not locked out by a single person), every attempt is refused, even with the right
password, until the window has passed. A successful login clears the user name's count.
"""
from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import PermissionDenied

ADDRESS_FACTOR = 4


def _user_key(username: str) -> str:
    return f"login-failures:user:{username.strip().lower()}"


def _address_key(address: str) -> str:
    return f"login-failures:addr:{address}"


def client_address(request: Any) -> str:
    """The client's address: REMOTE_ADDR, or with TRUSTED_PROXY_COUNT proxies in front, the address the
    outermost trusted proxy saw (as DRF's throttles do with NUM_PROXIES)."""
    meta = getattr(request, "META", {}) or {}
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
    if proxies > 0 and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-min(proxies, len(hops))]
    return meta.get("REMOTE_ADDR", "") or "unknown"


def _bump(key: str) -> None:
    window = settings.LOGIN_FAILURE_WINDOW
    if cache.add(key, 1, timeout=window):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)


def record_failure(username: str, address: str) -> None:
    _bump(_user_key(username))
    _bump(_address_key(address))


def is_locked(username: str, address: str) -> bool:
    limit = settings.LOGIN_FAILURE_LIMIT
    return (cache.get(_user_key(username), 0) >= limit) or (
        cache.get(_address_key(address), 0) >= limit * ADDRESS_FACTOR
    )


def clear(username: str) -> None:
    cache.delete(_user_key(username))


class ThrottledModelBackend(ModelBackend):
    """ModelBackend that refuses locked-out user names and addresses and counts failures."""

    def authenticate(self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any):
        if username is None:
            username = kwargs.get(self.user_model_field_name(), "")
        address = client_address(request)
        if username and is_locked(username, address):
            raise PermissionDenied("too many failed logins")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            if username:
                record_failure(username, address)
        else:
            clear(username or "")
        return user

    @staticmethod
    def user_model_field_name() -> str:
        from django.contrib.auth import get_user_model

        return get_user_model().USERNAME_FIELD
