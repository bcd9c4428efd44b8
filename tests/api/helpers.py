"""Helpers shared by the API tests: valid Korean numbers, request bodies, the error-shape check."""

from __future__ import annotations

from typing import Any

from enterprises.validators import business_number_check_digit

ERROR_KEYS = {"code", "message", "fields"}


def valid_business_number(first_nine: str) -> str:
    """A 사업자등록번호 with its correct check digit, as ``abc-de-fghij``."""
    digits = first_nine + str(business_number_check_digit(first_nine))
    return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"


def enterprise_payload(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "성수동 사회적협동조합",
        "kind": "social_cooperative",
        "business_number": valid_business_number("123456789"),  # 123-45-67891
        "representative": "김민지",
        "province": "seoul",
        "district": "성동구",
        "address": "서울특별시 성동구 왕십리로 1",
        "employees": 12,
        "vulnerable_employees": 5,
        "email": "hello@seongsu.coop",
    }
    body.update(overrides)
    return body


def institution_payload(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "성동구청",
        "kind": "municipality",
        "business_number": valid_business_number("212830001"),
        "province": "seoul",
        "district": "성동구",
    }
    body.update(overrides)
    return body


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """``response`` has ``status`` and the one error shape ``{code, message, fields}``; returns the body."""
    assert response.status_code == status, (response.status_code, getattr(response, "content", b"")[:500])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == ERROR_KEYS, body
    assert isinstance(body["code"], str) and body["code"], body
    assert isinstance(body["message"], str) and body["message"], body
    assert isinstance(body["fields"], dict), body
    for name, messages in body["fields"].items():
        assert isinstance(name, str)
        assert isinstance(messages, list) and messages and all(isinstance(m, str) and m for m in messages), body
    if code is not None:
        assert body["code"] == code, body
    return body
