"""The member's statements in the portal: its own enterprise's statements and receipts (another's are neither
listed nor downloadable: 404), the download link of a ready one, and asking for a statement of its enterprise."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from statements import services
from statements.models import Statement, StatementDownload

from .helpers import text


def _pdf(statement: Statement) -> bytes:
    return b"%PDF-1.7 statement " + str(statement.pk).encode()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.STATEMENTS_AUTO_RECEIPT = False


def _ready(statement: Statement) -> Statement:
    statement.file.save(f"test-{statement.pk}.pdf", ContentFile(_pdf(statement)), save=False)
    statement.sha256 = hashlib.sha256(_pdf(statement)).hexdigest()
    statement.state = Statement.State.READY
    statement.save()
    return statement


def _ask(actor, kind: str, subject_id: int) -> Statement:
    today = timezone.localdate()
    return services.statement_request(actor=actor, kind=kind, subject_id=subject_id, today=today,
                                      period_start=today.replace(month=1, day=1), period_end=today)


def test_the_member_sees_and_downloads_only_its_own_statements(world, client_as):
    own = _ready(_ask(world.member, "enterprise", world.own.pk))
    own_loan = _ask(world.member, "loan", world.own_loan.pk)
    other = _ready(_ask(world.other_member, "enterprise", world.other.pk))
    client = client_as(world.member)

    page = text(client.get(reverse("web:my-statements")))
    assert reverse("web:statement-download", args=[own.pk]) in page
    assert f"L{world.own_loan.pk}" in page and own_loan.get_state_display() in page
    assert reverse("web:statement-download", args=[other.pk]) not in page
    assert world.other.name not in page

    response = client.get(reverse("web:statement-download", args=[own.pk]))
    assert response.status_code == 200 and response.content == _pdf(own)
    assert client.get(reverse("web:statement-download", args=[other.pk])).status_code == 404
    assert list(StatementDownload.objects.values_list("statement_id", flat=True)) == [own.pk]

    csv = client.get(reverse("web:my-statements"), {"_export": "csv"}).content.decode("utf-8-sig")
    assert world.own.name in csv and world.other.name not in csv


def test_the_member_asks_for_a_statement_of_its_enterprise(world, client_as):
    client = client_as(world.member)
    page = text(client.get(reverse("web:my-statements")))
    assert 'name="kind" value="enterprise"' in page and f'name="subject_id" value="{world.own.pk}"' in page
    assert f'id="period-start-enterprise-{world.own.pk}" name="period_start"' in page
    assert world.other.name not in page

    today = timezone.localdate()
    response = client.post(reverse("web:statement-request"), {
        "kind": "enterprise", "subject_id": world.own.pk, "next": reverse("web:my-statements"),
        "period_start": today.replace(month=1, day=1).isoformat(), "period_end": today.isoformat()})
    assert response.status_code == 303 and response["Location"] == reverse("web:my-statements")
    statement = Statement.objects.get()
    assert statement.enterprise == world.own and statement.requested_by == world.member
    assert (statement.period_start, statement.period_end) == (today.replace(month=1, day=1), today)
    assert f"{statement.pk}" in text(client.get(reverse("web:my-statements")))


def test_a_statement_of_another_enterprise_cannot_be_asked_for(world, client_as):
    response = client_as(world.member).post(reverse("web:statement-request"), {
        "kind": "enterprise", "subject_id": world.other.pk, "next": reverse("web:my-statements"),
        "period_start": "2026-01-01", "period_end": "2026-01-31"})
    assert response.status_code == 404
    assert not Statement.objects.exists()


def test_the_loan_pages_statement_form_asks_for_a_period_and_the_request_is_made(world, client_as):
    loan = world.own_loan
    client = client_as(world.member)
    page = text(client.get(reverse("web:my-loan", args=[loan.pk])))
    assert f'id="period-start-loan-{loan.pk}" name="period_start"' in page
    today = timezone.localdate()
    response = client.post(reverse("web:statement-request"), {
        "kind": "loan", "subject_id": loan.pk, "next": reverse("web:my-loan", args=[loan.pk]),
        "period_start": today.replace(month=1, day=1).isoformat(), "period_end": today.isoformat()})
    assert response.status_code == 303
    assert Statement.objects.get().loan == loan


@pytest.mark.parametrize(("data", "status", "rule"), [
    ({"kind": "loan", "subject_id": "99999999999999999999"}, 400, "subject_id"),
    ({"kind": "bogus", "subject_id": "1"}, 400, "kind"),
    ({"kind": "loan", "period_start": "2026-02-01", "period_end": "2026-01-01"}, 400, "period"),
])
def test_a_refused_statement_request_is_a_page_with_its_rule_and_writes_nothing(world, client_as, data, status, rule):
    loan = world.own_loan
    data = {"subject_id": loan.pk, **data}
    response = client_as(world.member).post(reverse("web:statement-request"), data)
    assert response.status_code == status
    assert rule in text(response)
    assert not Statement.objects.exists()


def test_the_auditors_download_log_names_who_took_which_statement(world, client_as):
    from tests.factories import AuditorFactory

    statement = _ready(_ask(world.member, "enterprise", world.own.pk))
    assert client_as(world.member).get(reverse("web:statement-download", args=[statement.pk])).status_code == 200
    auditor = client_as(AuditorFactory())
    page = text(auditor.get(reverse("web:downloads")))
    assert world.member.username in page and str(Statement.Kind.ENTERPRISE.label) in page
    csv = auditor.get(reverse("web:downloads"), {"_export": "csv"}).content.decode("utf-8-sig")
    assert world.member.username in csv and statement.sha256 in csv
    assert client_as(world.member).get(reverse("web:downloads")).status_code == 403
