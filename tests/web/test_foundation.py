"""What every page stands on: the landing page, the session login and its throttling, logout, the language switch,
error pages in HTML outside the API (JSON inside), the admin's Korean title, and the areas' access."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from tests.factories import AuditorFactory, ManagerFactory, UserFactory
from tests.funds.factories import member_of

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password-1"


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


def _user(factory=UserFactory, **kwargs):
    user = factory(**kwargs)
    user.set_password(PASSWORD)
    user.save()
    return user


def test_the_landing_page_says_what_the_system_runs_and_links_to_login_docs_and_health(client: Client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "사회적경제활성화기금" in html
    for href in ('href="/login/"', 'href="/api/docs/"', 'href="/healthz"'):
        assert href in html
    assert '<html lang="ko">' in html  # Korean by default


def test_a_manager_logs_in_and_lands_in_the_console(client: Client):
    _user(ManagerFactory, username="kim")
    response = client.post("/login/", {"username": "kim", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/console/"
    assert client.get("/console/").status_code == 200


def test_a_member_logs_in_and_lands_in_the_portal(client: Client):
    member = member_of()
    member.set_password(PASSWORD)
    member.save()
    response = client.post("/login/", {"username": member.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/my/"


def test_login_follows_a_safe_next_and_ignores_another_sites(client: Client):
    _user(AuditorFactory, username="park")
    response = client.post("/login/?next=/console/loans/", {"username": "park", "password": PASSWORD,
                                                             "next": "/console/loans/"})
    assert response["Location"] == "/console/loans/"
    client.post("/logout/")
    response = client.post("/login/", {"username": "park", "password": PASSWORD, "next": "https://evil.example/"})
    assert response["Location"] == "/console/"


def test_a_wrong_password_is_refused_with_the_rule_and_no_session(client: Client):
    _user(ManagerFactory, username="kim")
    response = client.post("/login/", {"username": "kim", "password": "wrong"})
    assert response.status_code == 200
    assert "sessionid" not in response.cookies
    assert client.get("/console/").status_code == 302  # still signed out


def test_after_the_failure_limit_even_the_right_password_is_refused_with_429(client: Client, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    _user(ManagerFactory, username="kim")
    for _ in range(3):
        client.post("/login/", {"username": "kim", "password": "wrong"})
    response = client.post("/login/", {"username": "kim", "password": PASSWORD})
    assert response.status_code == 429
    assert "sessionid" not in response.cookies


def test_the_web_login_and_the_api_token_share_one_rate_per_address(client: Client, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"auth": "3/min"}}
    _user(ManagerFactory, username="kim")
    for _ in range(2):
        client.post("/api/v1/auth/token/", {"username": "nobody", "password": "x"}, content_type="application/json")
    assert client.post("/login/", {"username": "kim", "password": PASSWORD}).status_code == 302
    client.post("/logout/")
    assert client.post("/login/", {"username": "kim", "password": PASSWORD}).status_code == 429


def test_logout_is_a_post_and_ends_the_session(client: Client):
    user = _user(ManagerFactory)
    client.force_login(user)
    assert client.get("/logout/").status_code == 405
    assert client.post("/logout/").status_code == 302
    assert client.get("/console/").status_code == 302


def test_english_can_be_chosen_and_korean_is_the_default(client: Client):
    client.force_login(_user(ManagerFactory))
    assert "<html lang=\"ko\">" in client.get("/console/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/console/"})
    assert "<html lang=\"en\">" in client.get("/console/").content.decode()


def test_unknown_pages_are_html_and_unknown_api_paths_are_json(client: Client):
    page = client.get("/no-such-page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")
    api = client.get("/api/v1/no-such-thing/")
    assert api.status_code == 404 and api["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(("factory", "console", "portal"), [
    (ManagerFactory, 200, 403),
    (AuditorFactory, 200, 403),
    (UserFactory, 403, 403),
])
def test_each_area_is_open_to_its_roles_only(client: Client, factory, console, portal):
    client.force_login(factory())
    assert client.get("/console/").status_code == console
    assert client.get("/my/").status_code == portal


def test_a_member_enters_the_portal_but_not_the_console(client: Client):
    client.force_login(member_of())
    assert client.get("/my/").status_code == 200
    assert client.get("/console/").status_code == 403


def test_signed_out_visitors_are_sent_to_the_login_page(client: Client):
    response = client.get("/console/loans/")
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=/console/loans/")


def test_the_admin_is_titled_in_korean(client: Client):
    admin = _user(UserFactory, is_staff=True, is_superuser=True)
    client.force_login(admin)
    html = client.get("/admin/").content.decode()
    assert "Django administration" not in html and "Django 관리" not in html
    assert "사회적경제 금융" in html


def test_the_server_error_page_needs_no_database_and_gives_the_request_id(rf):
    from core.logs import request_id
    from web.common.errors import page_500

    token = request_id.set("req-4242")
    try:
        response = page_500(rf.get("/console/"))
    finally:
        request_id.reset(token)
    assert response.status_code == 500
    assert "req-4242" in response.content.decode()


def test_auditors_browse_and_download_the_audit_trail_and_members_may_not(client: Client):
    from core.audit import audit_record, audit_seal
    from tests.audit_actions import action_for_tests

    audit_record(actor=None, action=action_for_tests("web.seed"), after={"n": 1}, reason="시험")
    audit_seal()
    client.force_login(_user(AuditorFactory))
    page = client.get("/console/audit/?action=tests.")
    assert page.status_code == 200 and "시험" in page.content.decode()
    download = client.get("/console/audit/?action=tests.&_export=csv")
    assert download.status_code == 200 and "시험" in download.content.decode("utf-8-sig")
    assert client.get("/console/audit/?since=yesterday").status_code == 400
    client.force_login(member_of())
    assert client.get("/console/audit/").status_code == 403


def test_staff_run_the_ledger_and_audit_checks_from_the_page_and_see_the_result(
        client: Client, django_capture_on_commit_callbacks):
    from core.models import VerificationRun

    client.force_login(_user(AuditorFactory))
    assert client.get("/console/verification/").status_code == 200
    for kind in ("ledger", "audit"):
        with django_capture_on_commit_callbacks(execute=True):  # the outbox hands the run over after the commit
            assert client.post("/console/verification/", {"kind": kind}).status_code == 303
    runs = {run.kind: run for run in VerificationRun.objects.all()}
    assert runs["ledger"].state == runs["audit"].state == VerificationRun.State.PASSED  # eager tasks: already ran
    html = client.get("/console/verification/").content.decode()
    assert html.count("badge state-passed") >= 2
    refused = client.post("/console/verification/", {"kind": "everything"})
    assert refused.status_code == 400 and VerificationRun.objects.count() == 2


def test_members_may_not_run_the_checks(client: Client):
    from core.models import VerificationRun

    client.force_login(member_of())
    assert client.post("/console/verification/", {"kind": "ledger"}).status_code == 403
    assert not VerificationRun.objects.exists()


def test_the_audit_trail_and_verification_pages_cost_the_same_queries_however_many_rows(client: Client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from core.audit import audit_record
    from core.models import VerificationRun
    from tests.audit_actions import action_for_tests

    client.force_login(_user(AuditorFactory))

    def more_rows(n: int) -> None:
        for i in range(n):
            audit_record(actor=None, action=action_for_tests("web.rows"), after={"i": i})
            VerificationRun.objects.create(kind="ledger", state="passed", requested_at=timezone.now(),
                                           started_at=timezone.now(), finished_at=timezone.now(), checked=i)

    counts = []
    for n in (1, 5):
        more_rows(n)
        for path in ("/console/audit/", "/console/verification/"):
            client.get(path)  # warm: the session, the roles
            with CaptureQueriesContext(connection) as queries:
                assert client.get(path).status_code == 200
            counts.append((path, len(queries.captured_queries)))
    assert counts[:2] == [(p, c) for p, c in counts[2:]]
    assert all(c <= 20 for _, c in counts), counts
