"""The special guarantees' statements through the API (/api/v1/statements/): the program statement (특례보증 운용
명세서, staff only) and the fee receipt (보증료 납부 확인서, the enterprise's members and staff), asked for (202),
rendered by the (eager) task, downloaded with their SHA-256 and read back; who may ask; bad input. The statements'
list pages show them with their subjects and filter them by kind."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from django.urls import reverse

from guarantees import services
from statements.models import Statement
from tests.factories import BankOfficerFactory, ManagerFactory, MembershipFactory
from tests.guarantees.factories import contribute, make_guarantee, make_program
from tests.statements import pdf

pytestmark = pytest.mark.django_db
S = "/api/v1/statements/"
PERIOD = {"period_start": "2026-01-01", "period_end": "2026-06-30"}


@pytest.fixture
def guaranteed(settings):
    """A program with 1,000,000,000 paid in; a guarantee of 30,000,000 lent on 2026-02-02 and its first year
    billed (240,000: the city's 150,000, the enterprise's 90,000), of which the enterprise paid its part."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    program = make_program()
    contribute(program, 1_000_000_000)
    guarantee = make_guarantee(program, amount=30_000_000, start_on=date(2026, 2, 2))
    member = guarantee.enterprise.memberships.get().user
    bill = services.fee_bill_first_year(guarantee_id=guarantee.pk, actor=None, today=date(2026, 2, 2))
    services.fee_pay(bill_id=bill.pk, amount=90_000, idempotency_key="paid", actor=member, today=date(2026, 2, 2))
    return {"program": program, "guarantee": guarantee, "member": member, "bill": bill}


def ask(client, capture, **body):
    with capture(execute=True):
        return client.post(S, body, format="json")


def download(client, detail: dict) -> bytes:
    response = client.get(detail["pdf_url"])
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["X-Statement-SHA256"] == hashlib.sha256(response.content).hexdigest() == detail["sha256"]
    return response.content


def test_a_manager_asks_for_the_program_statement_and_a_member_is_refused(
        bearer_client, guaranteed, django_capture_on_commit_callbacks):
    program = guaranteed["program"]
    manager = bearer_client(ManagerFactory())
    response = ask(manager, django_capture_on_commit_callbacks, kind="guarantee_program", subject=program.pk,
                   **PERIOD)
    assert response.status_code == 202, response.content
    detail = manager.get(response["Location"]).json()
    assert (detail["state"], detail["kind"], detail["subject"], detail["guarantee_program"]) == (
        "ready", "guarantee_program", program.pk, program.pk)
    assert detail["filename"].startswith(f"특례보증운용명세서_{program.code}_2026-01-01_2026-06-30")
    data = download(manager, detail)
    text = pdf.text(data)
    assert "특례보증 운용 명세서" in text and "₩12,000,000,000" in text and "₩30,000,000" in text
    assert {row["일치"] for row in pdf.attachment_tables(data)["원장 대사"]} == {"일치"}

    member = bearer_client(guaranteed["member"])
    refused = ask(member, django_capture_on_commit_callbacks, kind="guarantee_program", subject=program.pk, **PERIOD)
    assert refused.status_code == 403
    missing = ask(manager, django_capture_on_commit_callbacks, kind="guarantee_program", subject=987_654, **PERIOD)
    assert missing.status_code == 404 and "subject" in missing.json()["fields"]
    no_period = ask(manager, django_capture_on_commit_callbacks, kind="guarantee_program", subject=program.pk)
    assert no_period.status_code == 400 and "period_start" in no_period.json()["fields"]
    assert Statement.objects.count() == 1


def test_a_member_asks_for_its_fee_receipt_and_no_one_else_reaches_it(
        bearer_client, guaranteed, django_capture_on_commit_callbacks):
    bill = guaranteed["bill"]
    member = bearer_client(guaranteed["member"])
    response = ask(member, django_capture_on_commit_callbacks, kind="fee_receipt", subject=bill.pk)
    assert response.status_code == 202, response.content
    detail = member.get(response["Location"]).json()
    assert (detail["state"], detail["kind"], detail["subject"], detail["fee_bill"], detail["enterprise"]) == (
        "ready", "fee_receipt", bill.pk, bill.pk, guaranteed["guarantee"].enterprise_id)
    text = pdf.text(download(member, detail))
    assert "보증료 납부 확인서" in text and "₩240,000" in text and "₩150,000" in text and "₩90,000" in text
    assert [item["id"] for item in member.get(S).json()["results"]] == [detail["id"]]

    stranger = bearer_client(MembershipFactory().user)
    assert ask(stranger, django_capture_on_commit_callbacks, kind="fee_receipt", subject=bill.pk).status_code == 404
    assert stranger.get(response["Location"]).status_code == 404
    officer = bearer_client(BankOfficerFactory(institution=guaranteed["guarantee"].bank))
    assert ask(officer, django_capture_on_commit_callbacks, kind="fee_receipt", subject=bill.pk).status_code == 403
    with_period = ask(member, django_capture_on_commit_callbacks, kind="fee_receipt", subject=bill.pk, **PERIOD)
    assert with_period.status_code == 400 and "period_start" in with_period.json()["fields"]
    unknown = ask(member, django_capture_on_commit_callbacks, kind="guarantee_receipt", subject=bill.pk)
    assert unknown.status_code == 400 and "kind" in unknown.json()["fields"]
    assert Statement.objects.count() == 1


def test_the_statement_lists_show_the_new_kinds_and_filter_by_them(client, guaranteed):
    """The console's list names the program and the fee bill; its kind filter offers both kinds and the subject
    filter finds them; the member's portal lists its fee receipt."""
    from statements.services import statement_request

    program, bill, member = guaranteed["program"], guaranteed["bill"], guaranteed["member"]
    manager = ManagerFactory()
    program_statement = statement_request(actor=manager, kind="guarantee_program", subject_id=program.pk,
                                          today=date(2026, 6, 30), period_start=date(2026, 1, 1),
                                          period_end=date(2026, 6, 30))
    receipt = statement_request(actor=member, kind="fee_receipt", subject_id=bill.pk, today=date(2026, 6, 30))

    client.force_login(manager)
    page = client.get(reverse("web:statements")).content.decode()
    assert program.name in page and f"F{bill.pk}" in page
    assert 'value="guarantee_program"' in page and 'value="fee_receipt"' in page
    only = client.get(reverse("web:statements"), {"kind": "fee_receipt", "subject_id": bill.pk}).content.decode()
    assert f"F{bill.pk}" in only and program.name not in only
    programs = client.get(reverse("web:statements"), {"kind": "guarantee_program", "subject_id": program.pk})
    assert f">{program_statement.pk}<" in programs.content.decode().replace(" ", "")

    client.force_login(member)
    mine = client.get(reverse("web:my-statements")).content.decode()
    assert f"F{bill.pk}" in mine and f">{receipt.pk}<" in mine.replace(" ", "")
