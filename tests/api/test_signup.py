"""The backers' own sign-up through the API: /auth/signup/, /auth/verify-email/, /auth/resend-verification/, and
what /me/ says of them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from enterprises import backers
from enterprises.models import User
from tests.api.helpers import assert_error
from tests.factories import UnverifiedBackerFactory

pytestmark = pytest.mark.django_db

SIGNUP, VERIFY, RESEND, ME = ("/api/v1/auth/signup/", "/api/v1/auth/verify-email/",
                              "/api/v1/auth/resend-verification/", "/api/v1/me/")
BODY = {"email": "Minho.Lee@Example.com", "password": "maple-river-7421", "display_name": "이민호"}


def token_in(message) -> str:
    return re.search(r"/verify-email/([^/\s]+)/", message.body).group(1)


def test_signup_answers_201_with_the_unverified_account_and_sends_the_link(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(SIGNUP, BODY, format="json")

    assert response.status_code == 201, response.content
    user = User.objects.get()
    assert response.json() == {"id": user.pk, "email": "minho.lee@example.com", "display_name": "이민호",
                               "email_verified": False}
    assert "password" not in response.json()
    (message,) = mail.outbox
    assert message.to == ["minho.lee@example.com"] and "http://testserver/verify-email/" in message.body


def test_a_duplicate_email_in_another_case_is_a_400_on_email(api):
    assert api.post(SIGNUP, BODY, format="json").status_code == 201
    response = api.post(SIGNUP, {**BODY, "email": "MINHO.LEE@example.COM"}, format="json")

    assert_error(response, 400, "validation_error")
    assert list(response.json()["fields"]) == ["email"]
    assert User.objects.count() == 1


def test_a_weak_password_is_a_400_on_password(api):
    response = api.post(SIGNUP, {**BODY, "password": "1234"}, format="json")

    assert_error(response, 400, "validation_error")
    assert list(response.json()["fields"]) == ["password"]
    assert not User.objects.exists()


def test_a_missing_field_is_a_400_naming_it(api):
    response = api.post(SIGNUP, {"email": "a@example.kr"}, format="json")

    assert_error(response, 400, "validation_error")
    assert set(response.json()["fields"]) == {"password", "display_name"}


def test_the_eleventh_signup_from_one_address_in_an_hour_is_refused_with_429(api, settings):
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["signup"] == "10/hour"  # SIGNUP_THROTTLE_RATE's default
    for n in range(10):
        assert api.post(SIGNUP, {**BODY, "email": f"b{n}@example.kr"}, format="json").status_code == 201

    response = api.post(SIGNUP, {**BODY, "email": "b10@example.kr"}, format="json")

    assert_error(response, 429, "throttled")
    assert "Retry-After" in response
    assert not User.objects.filter(email="b10@example.kr").exists()
    # Another address still may.
    other = api.post(SIGNUP, {**BODY, "email": "b11@example.kr"}, format="json", REMOTE_ADDR="198.51.100.7")
    assert other.status_code == 201


def test_a_signed_in_caller_signs_up_a_new_separate_account(bearer_client, manager):
    response = bearer_client(manager).post(SIGNUP, BODY, format="json")

    assert response.status_code == 201
    assert response.json()["id"] != manager.pk


def test_the_link_verifies_the_address_and_me_says_so(api, bearer_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        api.post(SIGNUP, BODY, format="json")
    user = User.objects.get()
    before = bearer_client(user).get(ME).json()
    assert before["roles"] == ["backer"] and before["email_verified"] is False

    response = api.post(VERIFY, {"token": token_in(mail.outbox[0])}, format="json")
    again = api.post(VERIFY, {"token": token_in(mail.outbox[0])}, format="json")

    assert response.status_code == again.status_code == 200
    assert response.json()["email_verified"] is True
    assert bearer_client(user).get(ME).json()["email_verified"] is True


def test_a_tampered_token_is_a_400_on_token(api):
    response = api.post(VERIFY, {"token": "eyJ1IjoxfQ:1vRZqk:forged"}, format="json")

    assert_error(response, 400, "validation_error")
    assert list(response.json()["fields"]) == ["token"]


def test_an_expired_token_is_a_400_with_its_own_code(api):
    user = UnverifiedBackerFactory()
    token = backers.verification_token(user, as_of=timezone.now() - timedelta(days=3, minutes=1))

    response = api.post(VERIFY, {"token": token}, format="json")

    assert_error(response, 400, "verification_expired")
    assert User.objects.get(pk=user.pk).email_verified_at is None


def test_resend_needs_a_sign_in(api):
    assert_error(api.post(RESEND), 401, "not_authenticated")


def test_an_unverified_backer_asks_for_a_new_link(bearer_client, django_capture_on_commit_callbacks):
    user = UnverifiedBackerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = bearer_client(user).post(RESEND)

    assert response.status_code == 202
    assert response.json() == {"email": user.email}
    assert [m.to for m in mail.outbox] == [[user.email]]


def test_a_verified_backer_gets_409_and_a_user_without_the_role_403(bearer_client, backer, plain_user):
    assert_error(bearer_client(backer).post(RESEND), 409, "invalid_state")
    assert_error(bearer_client(plain_user).post(RESEND), 403, "permission_denied")


def test_resend_is_throttled_per_user(bearer_client):
    user = UnverifiedBackerFactory()
    client = bearer_client(user)
    assert [client.post(RESEND).status_code for _ in range(6)] == [202] * 5 + [429]  # 5/hour by default
    assert bearer_client(UnverifiedBackerFactory()).post(RESEND).status_code == 202  # another backer may


def test_the_schema_documents_the_backers_endpoints_with_examples(api):
    schema = api.get("/api/schema/?format=json").json()
    signup = schema["paths"][SIGNUP]["post"]
    assert {"201", "400", "429"} <= set(signup["responses"]) and "401" not in signup["responses"]
    assert signup["requestBody"]["content"]["application/json"]["examples"]
    assert {"401", "403", "409", "429"} <= set(schema["paths"][RESEND]["post"]["responses"])
    assert "400" in schema["paths"][VERIFY]["post"]["responses"]
    assert "email_verified" in schema["components"]["schemas"]["Me"]["properties"]
