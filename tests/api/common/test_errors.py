"""One JSON error body, ``{"code", "message", "fields"}``, for every 4xx: from DRF, from domain errors, and from
Django itself (unknown paths, bad hosts)."""

from __future__ import annotations

import pytest
from django.conf import settings

from tests.api.helpers import assert_error, enterprise_payload
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_400_validation_error_names_each_field(bearer_client, manager):
    response = bearer_client(manager).post("/api/v1/enterprises/", {"kind": "bank"}, format="json")

    body = assert_error(response, 400, "validation_error")
    assert {"kind", "name", "business_number", "representative", "province", "district"} <= set(body["fields"])
    assert "kind" in body["message"]


def test_400_domain_rule_names_the_field(bearer_client, manager):
    response = bearer_client(manager).post(
        "/api/v1/enterprises/", enterprise_payload(business_number="123-45-67890"), format="json"
    )

    body = assert_error(response, 400, "validation_error")
    assert list(body["fields"]) == ["business_number"]


def test_messages_are_korean_by_default_and_english_on_request(bearer_client, manager):
    client = bearer_client(manager)
    body = enterprise_payload(business_number="123-45-67890")

    korean = client.post("/api/v1/enterprises/", body, format="json").json()
    english = client.post("/api/v1/enterprises/", body, format="json", HTTP_ACCEPT_LANGUAGE="en").json()

    assert "사업자등록번호" in korean["fields"]["business_number"][0]
    assert "check digit" in english["fields"]["business_number"][0]
    assert korean["code"] == english["code"] == "validation_error"  # codes never depend on the language


def test_400_malformed_json(bearer_client, manager):
    response = bearer_client(manager).generic("POST", "/api/v1/institutions/", "{", content_type="application/json")

    body = assert_error(response, 400, "parse_error")
    assert body["fields"] == {}


def test_401_anonymous(api):
    assert_error(api.get("/api/v1/enterprises/"), 401, "not_authenticated")


def test_401_bad_token_flattens_simplejwts_detail(api):
    api.credentials(HTTP_AUTHORIZATION="Bearer abc.def.ghi")

    body = assert_error(api.get("/api/v1/enterprises/"), 401, "token_not_valid")
    assert "messages" not in body


def test_403_role_refused(bearer_client, judge):
    assert_error(bearer_client(judge).get("/api/v1/enterprises/"), 403, "permission_denied")


def test_404_other_enterprise(bearer_client, member, other_enterprise):
    assert_error(bearer_client(member).get(f"/api/v1/enterprises/{other_enterprise.pk}/"), 404, "not_found")


def test_405_method_not_allowed(bearer_client, manager, enterprise):
    body = assert_error(bearer_client(manager).delete(f"/api/v1/enterprises/{enterprise.pk}/"), 405)

    assert body["code"] == "method_not_allowed"
    assert "DELETE" in body["message"]


def test_406_not_acceptable(bearer_client, manager):
    response = bearer_client(manager).get("/api/v1/me/", HTTP_ACCEPT="application/xml")

    assert_error(response, 406, "not_acceptable")


def test_429_login_lockout(api, manager):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        api.post("/api/v1/auth/token/", {"username": manager.username, "password": "wrong"}, format="json")

    response = api.post("/api/v1/auth/token/", {"username": manager.username, "password": PASSWORD}, format="json")

    assert_error(response, 429, "throttled")
    assert response["Retry-After"]


@pytest.mark.parametrize("path", ["/api/v1/no-such-thing/", "/api/v2/enterprises/", "/api/"])
def test_404_for_an_unknown_path_is_json_from_django(bearer_client, manager, path):
    body = assert_error(bearer_client(manager).get(path), 404, "not_found")

    assert path in body["message"]


def test_404_outside_the_api_is_json_for_a_client_that_asks_for_json(bearer_client, manager):
    """Outside /api/ the pages answer a browser with an HTML page (tests/web); a client asking for JSON gets JSON."""
    body = assert_error(bearer_client(manager).get("/nowhere", HTTP_ACCEPT="application/json"), 404, "not_found")

    assert "/nowhere" in body["message"]


def test_404_for_an_unknown_path_is_json_for_anonymous_too(api):
    assert_error(api.post("/api/v1/no-such-thing/", {}, format="json"), 404, "not_found")


def test_400_from_django_for_a_disallowed_host_is_json(api):
    assert_error(api.get("/api/v1/me/", HTTP_HOST="evil.example"), 400, "bad_request")


def test_healthz_refuses_other_methods_with_the_error_shape(api):
    assert_error(api.post("/healthz"), 405, "method_not_allowed")
