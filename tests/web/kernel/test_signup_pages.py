"""The backers' pages through Django's test client: sign up, "check your email", the link, asking again, and
where a backer lands after logging in."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from enterprises import backers
from enterprises.models import User
from tests.factories import PASSWORD, BackerFactory, UnverifiedBackerFactory

pytestmark = pytest.mark.django_db

FORM = {"email": "Sora.Park@Example.com", "display_name": "박소라", "password": "maple-river-7421"}


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_the_login_page_links_to_the_signup_page_which_is_a_korean_phone_form():
    client = Client()
    assert 'href="/signup/"' in client.get("/login/").content.decode()
    page = client.get("/signup/").content.decode()
    assert "후원자" in page and 'name="viewport"' in page and 'autocomplete="new-password"' in page


def test_signing_up_signs_in_sends_the_mail_and_the_link_verifies(django_capture_on_commit_callbacks):
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/signup/", FORM)

    assert response.status_code == 303 and response["Location"] == "/signup/sent/"
    sent = client.get("/signup/sent/").content.decode()
    assert "sora.park@example.com" in sent and "/verify-email/resend/" in sent
    token = re.search(r"/verify-email/([^/\s]+)/", mail.outbox[0].body).group(1)

    landing = client.get(f"/verify-email/{token}/")

    assert landing.status_code == 200
    assert User.objects.get(email="sora.park@example.com").email_verified_at is not None
    assert "/verify-email/resend/" not in client.get("/signup/sent/").content.decode()


def test_errors_are_shown_next_to_their_fields_and_nothing_is_written():
    BackerFactory(username="taken@example.kr")
    response = Client().post("/signup/", {**FORM, "email": "TAKEN@example.kr", "password": "1234"})

    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_email_error"' in page and 'id="id_password_error"' in page
    assert User.objects.count() == 1


def test_the_eleventh_signup_from_one_address_is_refused_with_429():
    client = Client()
    for n in range(10):
        assert client.post("/signup/", {**FORM, "email": f"p{n}@example.kr"}).status_code == 303
        client.logout()
    assert client.post("/signup/", {**FORM, "email": "p10@example.kr"}).status_code == 429
    assert not User.objects.filter(email="p10@example.kr").exists()


def test_an_expired_link_offers_a_new_one_to_the_signed_in_backer(django_capture_on_commit_callbacks):
    user = UnverifiedBackerFactory()
    token = backers.verification_token(user, as_of=timezone.now() - timedelta(days=4))
    client = Client()
    client.force_login(user)

    page = client.get(f"/verify-email/{token}/")

    assert page.status_code == 400 and "/verify-email/resend/" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        resent = client.post("/verify-email/resend/")
    assert resent.status_code == 303 and [m.to for m in mail.outbox] == [[user.email]]


def test_an_expired_link_signed_out_asks_to_log_in():
    token = backers.verification_token(UnverifiedBackerFactory(), as_of=timezone.now() - timedelta(days=4))
    page = Client().get(f"/verify-email/{token}/").content.decode()
    assert "/login/?next=/signup/sent/" in page


def test_a_backer_logs_in_with_its_address_in_any_case_and_lands_on_a_page_it_may_open():
    BackerFactory(username="mina@example.kr")
    client = Client()

    response = client.post("/login/", {"username": "Mina@Example.kr", "password": PASSWORD})

    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200


def test_a_signed_in_user_opening_the_signup_page_is_sent_on():
    client = Client()
    client.force_login(BackerFactory())
    assert client.get("/signup/").status_code == 302
