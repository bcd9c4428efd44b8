"""Every kind of statement renders from the demo data through the API, as the demo's own users: the auditor asks for
the fund statement, a manager for a written-off loan's statement, an enterprise's member for its own enterprise
statement and the receipt of its repayment. Each PDF is read back: Korean text, NanumGothic only, the data inside."""

from __future__ import annotations

import hashlib
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from enterprises.models import Membership, User
from funds.models import Fund, Loan, Repayment
from tests.statements import pdf

pytestmark = pytest.mark.django_db
S = "/api/v1/statements/"


@pytest.fixture
def demo(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Not the contests' demo (its judging is long to load; its statements are tested on it in tests/crowdfunding).
    settings.DEMO_EXTENSIONS = ["funds.demo.load", "guarantees.demo.load", "bonds.demo.load"]
    call_command("load_demo", password="pw-demo-1", stdout=StringIO())


def _render(client, django_capture_on_commit_callbacks, **body) -> tuple[dict, bytes]:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(S, body, format="json")
    assert response.status_code == 202, response.content
    detail = client.get(response["Location"]).json()
    assert detail["state"] == "ready", detail
    download = client.get(detail["pdf_url"])
    assert download.status_code == 200
    assert download["X-Statement-SHA256"] == hashlib.sha256(download.content).hexdigest()
    assert set(pdf.fonts(download.content)) <= {"NanumGothic", "NanumGothic-Bold"}
    assert pdf.attachment_tables(download.content)
    return detail, download.content


def test_each_kind_renders_from_the_demo_data(demo, bearer_client, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    year_ago = today.replace(year=today.year - 1)
    fund = Fund.objects.get()
    auditor = bearer_client(User.objects.get(username="auditor.park"))
    manager = bearer_client(User.objects.get(username="manager.kim"))

    detail, data = _render(auditor, django_capture_on_commit_callbacks, kind="fund", subject=fund.pk,
                           period_start=year_ago.isoformat(), period_end=today.isoformat())
    assert "기금 운용 명세서" in pdf.text(data) and detail["pages"] >= 2

    written_off = Loan.objects.filter(state=Loan.State.WRITTEN_OFF).order_by("-id").first()
    assert written_off is not None
    _detail, data = _render(manager, django_capture_on_commit_callbacks, kind="loan", subject=written_off.pk,
                            period_start=written_off.disbursed_on.isoformat(), period_end=today.isoformat())
    assert "상각" in pdf.text(data)

    repayment = (Repayment.objects.filter(reversed_at__isnull=True).select_related("loan").order_by("value_date", "id")
                 .first())
    member = Membership.objects.filter(enterprise=repayment.loan.enterprise).first().user
    me = bearer_client(member)
    _detail, data = _render(me, django_capture_on_commit_callbacks, kind="enterprise",
                            subject=repayment.loan.enterprise_id, period_start=year_ago.isoformat(),
                            period_end=today.isoformat())
    assert repayment.loan.enterprise.name in pdf.text(data)
    _detail, data = _render(me, django_capture_on_commit_callbacks, kind="receipt", subject=repayment.pk)
    assert f"₩{int(repayment.amount.amount):,}" in pdf.text(data)


def test_the_guarantee_statements_render_from_the_demo_data(demo, bearer_client, django_capture_on_commit_callbacks):
    """The demo's special guarantee program over the last year (the auditor): every figure agrees with its book and
    the capacity in use rebuilt from the guarantees is the program's own; the fee receipt of the active guarantee's
    second year, not yet paid, for the enterprise's member; that enterprise's statement with its guarantees."""
    from guarantees.models import FeeBill, Guarantee, GuaranteeProgram

    today = timezone.localdate()
    year_ago = today.replace(year=today.year - 1)
    program = GuaranteeProgram.objects.get(code="daegu-se-special-guarantee")
    auditor = bearer_client(User.objects.get(username="auditor.park"))
    _detail, data = _render(auditor, django_capture_on_commit_callbacks, kind="guarantee_program",
                            subject=program.pk, period_start=year_ago.isoformat(), period_end=today.isoformat())
    tables = pdf.attachment_tables(data)
    assert {row["일치"] for row in tables["원장 대사"]} == {"일치"}
    summary = {row["항목"]: row["값"] for row in tables["요약"]}
    program.refresh_from_db()
    assert summary["기말 사용액"] == str(program.committed.amount)
    assert "특례보증 운용 명세서" in pdf.text(data) and "불일치" not in pdf.text(data)

    bill = FeeBill.objects.filter(guarantee__state=Guarantee.State.ACTIVE, year=2, firm_paid=0).select_related(
        "guarantee").first()
    assert bill is not None
    member = bearer_client(Membership.objects.filter(enterprise_id=bill.guarantee.enterprise_id).first().user)
    _detail, data = _render(member, django_capture_on_commit_callbacks, kind="fee_receipt", subject=bill.pk)
    assert "보증료 납부 확인서" in pdf.text(data) and f"₩{int(bill.fee.amount):,}" in pdf.text(data)
    _detail, data = _render(member, django_capture_on_commit_callbacks, kind="enterprise",
                            subject=bill.guarantee.enterprise_id, period_start=year_ago.isoformat(),
                            period_end=today.isoformat())
    guarantees = {row["보증"] for row in pdf.attachment_tables(data)["보증별 요약"]}
    assert f"G{bill.guarantee_id}" in guarantees
