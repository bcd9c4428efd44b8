"""Backers (후원자) sign up by themselves and verify their email address (enterprises.backers)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail, signing
from django.utils import translation

from core.audit import audit_seal
from core.errors import EmailNotVerified, InvalidState, ValidationFailed
from core.models import AuditEvent
from enterprises import backers
from enterprises.models import User
from enterprises.roles import Role, roles_of
from tests.factories import BackerFactory, UnverifiedBackerFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
GOOD = "maple-river-7421"


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def signup(email="Jiyoung.Kim@Example.com", password=GOOD, display_name="김지영", **kw):
    return backers.backer_signup(email=email, password=password, display_name=display_name, as_of=NOW,
                                 site_url="http://testserver/", **kw)


def link_in(message) -> str:
    return re.search(r"http://testserver/verify-email/([^/\s]+)/", message.body).group(1)


def test_a_citizen_signs_up_as_a_backer_and_is_sent_a_korean_email_with_the_link(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user = signup(client_address="203.0.113.9")

    user = User.objects.get(pk=user.pk)
    assert user.username == user.email == "jiyoung.kim@example.com"
    assert user.check_password(GOOD) and user.display_name == "김지영"
    assert user.email_verified_at is None
    assert roles_of(user) == {Role.BACKER}
    (message,) = mail.outbox
    assert message.to == ["jiyoung.kim@example.com"]
    assert "이메일 주소를 인증" in message.subject and "3일 동안" in message.body
    assert link_in(message)
    audit_seal()
    event = AuditEvent.objects.get(action="enterprises.backer.signup")
    assert event.actor == user and event.after["address"] == "203.0.113.9"


@pytest.mark.parametrize("email", ["jiyoung.kim@example.com", "JIYOUNG.KIM@EXAMPLE.COM", " Jiyoung.Kim@example.com "])
def test_an_address_already_used_in_any_case_is_refused_on_email(email):
    signup()
    with pytest.raises(ValidationFailed) as refused:
        signup(email=email)
    assert list(refused.value.fields) == ["email"]
    assert User.objects.count() == 1


def test_an_address_a_staff_user_already_has_is_refused_too():
    UserFactory(username="manager.kim", email="Kim@Example.com")
    with pytest.raises(ValidationFailed) as refused:
        signup(email="kim@example.com")
    assert "email" in refused.value.fields


def test_the_database_refuses_two_users_with_one_address_in_different_cases():
    from django.db import IntegrityError, transaction

    UserFactory(username="a", email="same@example.kr")
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(username="b", email="SAME@example.kr")
    UserFactory(username="c", email="")
    UserFactory(username="d", email="")  # no address: no rule


@pytest.mark.parametrize(("password", "rule"), [("short1", "8"), ("12345678901", "숫자"), ("password123", "흔히")])
def test_a_weak_password_is_refused_on_password_naming_the_rule(password, rule):
    with pytest.raises(ValidationFailed) as refused:
        signup(password=password)
    assert list(refused.value.fields) == ["password"]
    assert any(rule in message for message in refused.value.fields["password"]), refused.value.fields
    assert not User.objects.exists()


def test_a_malformed_address_and_a_missing_name_are_refused_on_their_fields():
    with translation.override("en"), pytest.raises(ValidationFailed) as refused:
        signup(email="not-an-address", display_name=" ")
    assert set(refused.value.fields) == {"email", "display_name"}
    assert "valid email address" in refused.value.fields["email"][0]


def test_the_link_verifies_the_address_once_and_again_changes_nothing():
    user = UnverifiedBackerFactory()
    token = backers.verification_token(user, as_of=NOW)

    verified = backers.backer_verify_email(token=token, as_of=NOW + timedelta(hours=1))
    again = backers.backer_verify_email(token=token, as_of=NOW + timedelta(hours=2))

    assert verified.email_verified_at == again.email_verified_at == NOW + timedelta(hours=1)
    audit_seal()
    assert AuditEvent.objects.filter(action="enterprises.backer.email_verify").count() == 1


def test_a_link_older_than_three_days_has_expired():
    user = UnverifiedBackerFactory()
    token = backers.verification_token(user, as_of=NOW)

    backers.backer_verify_email(token=token, as_of=NOW + timedelta(days=3))  # the last moment it is valid
    other = UnverifiedBackerFactory()
    with pytest.raises(backers.VerificationExpired) as expired:
        backers.backer_verify_email(token=backers.verification_token(other, as_of=NOW),
                                    as_of=NOW + timedelta(days=3, seconds=1))
    assert expired.value.code == "verification_expired" and "token" in expired.value.fields
    assert User.objects.get(pk=other.pk).email_verified_at is None


def test_a_tampered_token_is_refused_on_token():
    user = UnverifiedBackerFactory()
    token = backers.verification_token(user, as_of=NOW)
    forged = signing.dumps({"u": user.pk, "e": user.email, "t": int(NOW.timestamp())}, salt="another.salt")

    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), forged, "", "garbage"):
        with pytest.raises(ValidationFailed) as refused:
            backers.backer_verify_email(token=bad, as_of=NOW)
        assert list(refused.value.fields) == ["token"]
    assert User.objects.get(pk=user.pk).email_verified_at is None


def test_a_link_for_an_address_the_user_no_longer_has_is_refused():
    user = UnverifiedBackerFactory()
    token = backers.verification_token(user, as_of=NOW)
    User.objects.filter(pk=user.pk).update(email="new@example.kr")

    with pytest.raises(ValidationFailed):
        backers.backer_verify_email(token=token, as_of=NOW)


def test_resend_sends_a_new_link_that_verifies(django_capture_on_commit_callbacks):
    user = UnverifiedBackerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        backers.backer_resend_verification(user=user, as_of=NOW, site_url="http://testserver/")

    (message,) = mail.outbox
    assert message.to == [user.email]
    assert backers.backer_verify_email(token=link_in(message), as_of=datetime.now(UTC)).email_verified_at


def test_resend_to_a_verified_address_is_refused_naming_the_state():
    with pytest.raises(InvalidState) as refused:
        backers.backer_resend_verification(user=BackerFactory(), as_of=NOW)
    assert "verified" in refused.value.message or "인증" in refused.value.message


def test_a_first_pledge_needs_a_verified_address():
    backers.require_verified_email(BackerFactory())
    with translation.override("en"), pytest.raises(EmailNotVerified) as refused:
        backers.require_verified_email(UnverifiedBackerFactory())
    assert refused.value.code == "email_not_verified" and "Verify your email address" in refused.value.message
