"""Signing in: JWT for API clients, sessions for the admin and the browsable API, and the failed-login lockout."""

from __future__ import annotations

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from tests.api.helpers import assert_error
from tests.factories import PASSWORD, UserFactory

TOKEN = "/api/v1/auth/token/"
REFRESH = "/api/v1/auth/token/refresh/"
ME = "/api/v1/me/"

pytestmark = pytest.mark.django_db


def obtain(client: APIClient, username: str, password: str):
    return client.post(TOKEN, {"username": username, "password": password}, format="json")


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


# --- JWT -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["plain_user", "judge", "evaluator", "member", "manager", "auditor", "admin_user"])
def test_every_role_obtains_a_token_with_its_password_and_uses_it(request, api, role):
    user = request.getfixturevalue(role)

    response = obtain(api, user.username, PASSWORD)

    assert response.status_code == 200
    assert set(response.json()) == {"access", "refresh"}
    me = bearer(response.json()["access"]).get(ME)
    assert me.status_code == 200
    assert me.json()["username"] == user.username


def test_a_real_token_reaches_role_protected_endpoints(api, manager, enterprise):
    access = obtain(api, manager.username, PASSWORD).json()["access"]

    response = bearer(access).get(f"/api/v1/enterprises/{enterprise.pk}/")

    assert response.status_code == 200
    assert response.json()["business_number"] == enterprise.business_number_display


def test_a_real_token_of_a_judge_is_refused_by_enterprises(api, judge):
    access = obtain(api, judge.username, PASSWORD).json()["access"]

    assert_error(bearer(access).get("/api/v1/enterprises/"), 403, "permission_denied")


def test_the_refresh_token_gives_a_new_access_token_that_works(api, auditor):
    tokens = obtain(api, auditor.username, PASSWORD).json()

    response = api.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")

    assert response.status_code == 200
    me = bearer(response.json()["access"]).get(ME)
    assert me.status_code == 200
    assert me.json()["roles"] == ["auditor"]


def test_a_wrong_password_is_a_401_with_the_error_shape(api, manager):
    body = assert_error(obtain(api, manager.username, "wrong-password"), 401)

    assert body["code"] == "no_active_account"


def test_an_unknown_user_is_a_401_like_a_wrong_password(api):
    assert_error(obtain(api, "nobody-at-all", PASSWORD), 401, "no_active_account")


def test_an_inactive_user_gets_no_token(api):
    user = UserFactory(is_active=False)

    assert_error(obtain(api, user.username, PASSWORD), 401)


def test_a_token_request_without_fields_names_them(api):
    body = assert_error(api.post(TOKEN, {}, format="json"), 400, "validation_error")

    assert set(body["fields"]) == {"username", "password"}


def test_a_garbage_bearer_token_is_a_401(api):
    response = bearer("not.a.jwt").get(ME)

    assert_error(response, 401, "token_not_valid")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_refresh_token_cannot_be_used_as_an_access_token(api, manager):
    refresh = obtain(api, manager.username, PASSWORD).json()["refresh"]

    assert_error(bearer(refresh).get(ME), 401, "token_not_valid")


def test_a_garbage_refresh_token_is_a_401(api):
    assert_error(api.post(REFRESH, {"refresh": "garbage"}, format="json"), 401, "token_not_valid")


def test_a_token_of_a_user_deactivated_since_is_refused(api, manager):
    access = obtain(api, manager.username, PASSWORD).json()["access"]
    manager.is_active = False
    manager.save()

    response = bearer(access).get(ME)

    assert response.status_code == 401
    assert_error(response, 401)


def test_anonymous_requests_are_401_with_a_bearer_challenge(api):
    response = api.get(ME)

    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


# --- sessions (admin, browsable API) ---------------------------------------------------------------------------


def test_session_login_of_the_browsable_api_then_the_api_answers(client, manager):
    response = client.post("/api-auth/login/", {"username": manager.username, "password": PASSWORD, "next": ME})

    assert response.status_code == 302
    me = client.get(ME, HTTP_ACCEPT="application/json")
    assert me.status_code == 200
    assert me.json()["username"] == manager.username
    html = client.get("/api/v1/enterprises/", HTTP_ACCEPT="text/html")
    assert html.status_code == 200
    assert html["Content-Type"].startswith("text/html")


def test_a_session_write_without_csrf_token_is_refused_with_the_error_shape(manager):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(manager)

    response = client.post("/api/v1/institutions/", {"name": "x", "kind": "bank"}, format="json")

    body = assert_error(response, 403, "permission_denied")
    assert "CSRF" in body["message"]


def test_admin_session_login_works_for_an_admin(client, admin_user):
    response = client.post("/admin/login/?next=/admin/", {"username": admin_user.username, "password": PASSWORD})

    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


# --- failed-login lockout --------------------------------------------------------------------------------------


def fail(client: APIClient, username: str, times: int) -> None:
    for _ in range(times):
        assert obtain(client, username, "wrong-password").status_code == 401


def test_the_limit_is_five_failed_logins():
    assert settings.LOGIN_FAILURE_LIMIT == 5


def test_after_the_limit_of_failures_even_the_right_password_is_a_429(api, manager):
    fail(api, manager.username, settings.LOGIN_FAILURE_LIMIT)

    response = api.post(
        TOKEN, {"username": manager.username, "password": PASSWORD}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )

    body = assert_error(response, 429, "throttled")
    assert "failed logins" in body["message"]
    assert int(response["Retry-After"]) == settings.LOGIN_FAILURE_WINDOW


def test_one_failure_fewer_than_the_limit_still_lets_the_right_password_in(api, manager):
    fail(api, manager.username, settings.LOGIN_FAILURE_LIMIT - 1)

    assert obtain(api, manager.username, PASSWORD).status_code == 200


def test_a_successful_login_resets_the_failure_count(api, manager):
    fail(api, manager.username, settings.LOGIN_FAILURE_LIMIT - 1)
    assert obtain(api, manager.username, PASSWORD).status_code == 200

    fail(api, manager.username, settings.LOGIN_FAILURE_LIMIT - 1)  # without the reset this would make 8

    assert obtain(api, manager.username, PASSWORD).status_code == 200


def test_the_lockout_is_per_user_name(api, manager, auditor):
    fail(api, manager.username, settings.LOGIN_FAILURE_LIMIT)

    assert obtain(api, auditor.username, PASSWORD).status_code == 200
    assert obtain(api, manager.username, PASSWORD).status_code == 429


def test_the_lockout_ignores_the_case_of_the_user_name(api, manager):
    fail(api, manager.username.upper(), settings.LOGIN_FAILURE_LIMIT)

    assert obtain(api, manager.username, PASSWORD).status_code == 429


def test_an_existing_token_keeps_working_during_a_lockout(api, manager):
    access = obtain(api, manager.username, PASSWORD).json()["access"]
    fail(api, manager.username, settings.LOGIN_FAILURE_LIMIT)

    assert bearer(access).get(ME).status_code == 200


def test_admin_session_login_is_refused_after_a_lockout(api, client, admin_user):
    fail(api, admin_user.username, settings.LOGIN_FAILURE_LIMIT)

    response = client.post("/admin/login/?next=/admin/", {"username": admin_user.username, "password": PASSWORD})

    assert response.status_code == 200  # the login form again, with an error
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


def test_failed_admin_logins_lock_the_token_endpoint_too(api, client, admin_user):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        client.post("/admin/login/", {"username": admin_user.username, "password": "wrong-password"})

    assert_error(obtain(api, admin_user.username, PASSWORD), 429, "throttled")


def test_browsable_api_session_login_is_refused_after_a_lockout(api, client, manager):
    fail(api, manager.username, settings.LOGIN_FAILURE_LIMIT)

    client.post("/api-auth/login/", {"username": manager.username, "password": PASSWORD})

    assert "_auth_user_id" not in client.session
    assert client.get(ME, HTTP_ACCEPT="application/json").status_code == 401


def auth_rate() -> int:
    """Requests allowed per period for the "auth" throttle scope (30/min unless AUTH_THROTTLE_RATE says otherwise)."""
    return int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["auth"].split("/")[0])


def test_the_token_endpoint_is_rate_limited_per_address(api, manager):
    allowed = auth_rate()

    statuses = [obtain(api, manager.username, PASSWORD).status_code for _ in range(allowed)]

    assert statuses == [200] * allowed
    response = obtain(api, manager.username, PASSWORD)
    assert_error(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0


def test_the_refresh_endpoint_shares_the_rate_limit(api, manager):
    refresh = obtain(api, manager.username, PASSWORD).json()["refresh"]

    statuses = [api.post(REFRESH, {"refresh": refresh}, format="json").status_code for _ in range(auth_rate() - 1)]

    assert set(statuses) == {200}  # the token request above counted too
    assert_error(api.post(REFRESH, {"refresh": refresh}, format="json"), 429, "throttled")
