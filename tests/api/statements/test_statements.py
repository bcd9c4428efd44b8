"""Statements through the API: asked for (202), rendered by the Celery task (eager here), downloaded with their
SHA-256, verified, logged; what each role may do; bad input. The PDFs are read back with pdftotext, pdffonts and
pypdf, and their figures compared with the ledger."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from funds.models import Loan, LoanTransaction, Repayment
from statements import kinds
from statements.models import Statement, StatementDownload
from tests.factories import AuditorFactory, EnterpriseFactory, JudgeFactory, ManagerFactory
from tests.funds.factories import make_fund, make_loan, make_product, member_of, repay
from tests.statements import pdf

pytestmark = pytest.mark.django_db
S = "/api/v1/statements/"
START, END = date(2026, 3, 1), date(2026, 8, 31)


def won(amount: Any) -> str:
    return f"₩{int(amount):,}"


@pytest.fixture
def world(enterprise, member):
    fund = make_fund()
    product = make_product(fund)
    loan = make_loan(product, member=member, enterprise=enterprise, amount=12_000_000, disbursed_on=date(2026, 3, 10))
    first = repay(loan, 1_000_000, on_date=date(2026, 4, 10))
    second = repay(loan, 300_000, on_date=date(2026, 6, 20))  # late: default interest first
    loan.refresh_from_db()
    return {"fund": fund, "loan": loan, "repayments": [first, second], "member": member}


def ask(client, django_capture_on_commit_callbacks, **body) -> Any:
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(S, body, format="json")


def ready(client, django_capture_on_commit_callbacks, **body) -> dict:
    response = ask(client, django_capture_on_commit_callbacks, **body)
    assert response.status_code == 202, response.content
    detail = client.get(response["Location"]).json()
    assert detail["state"] == "ready", detail
    return detail


def test_a_member_asks_for_its_loan_statement_and_downloads_it(bearer_client, world,
                                                               django_capture_on_commit_callbacks):
    me, loan = bearer_client(world["member"]), world["loan"]
    response = ask(me, django_capture_on_commit_callbacks, kind="loan", subject=loan.pk,
                   period_start=START.isoformat(), period_end=END.isoformat())
    assert response.status_code == 202
    assert response["Location"] == f"{S}{response.json()['id']}/"
    detail = me.get(response["Location"]).json()
    assert (detail["state"], detail["kind"], detail["subject"]) == ("ready", "loan", loan.pk)

    download = me.get(detail["pdf_url"], HTTP_USER_AGENT="pytest-browser/1.0", REMOTE_ADDR="10.1.2.3")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    data = download.content
    assert data.startswith(b"%PDF-")
    digest = hashlib.sha256(data).hexdigest()
    assert download["X-Statement-SHA256"] == digest == detail["sha256"]
    assert "filename*=UTF-8''" in download["Content-Disposition"]
    assert detail["filename"].startswith("대출거래명세서_L")

    # The download is logged: who, when, from where.
    log = StatementDownload.objects.get()
    assert (log.user, log.ip, log.user_agent, log.sha256) == (world["member"], "10.1.2.3", "pytest-browser/1.0", digest)

    # What a person reads: the figures are the ledger's.
    closing = loan.principal_account.balance.amount  # the ledger's balance now, less what moved after the period
    later = LoanTransaction.objects.filter(loan=loan, value_date__gt=END)
    closing -= sum((t.principal_change for t in later), 0)
    printed = pdf.text(data)
    assert "대출 거래명세서" in printed
    assert won(closing) in printed
    assert "일치" in printed and "불일치" not in printed
    assert loan.enterprise.name in printed
    assert "page 1 /" in printed

    # The fonts: NanumGothic only (regular and bold), so no Hangul fell back to another font.
    assert set(pdf.fonts(data)) <= {"NanumGothic", "NanumGothic-Bold"}
    assert "NanumGothic" in pdf.fonts(data)

    # Archival: PDF/A-3b, with the data file attached as the document's data.
    assert pdf.archival(data) == {"part": "3", "conformance": "B", "output_intents": ["/GTS_PDFA1"],
                                  "has_profile": True, "relationship": "/Data", "af": ["statement-data.csv"]}

    # The data inside: the CSV attachment parses, its SHA-256 is the one printed in the footer, its figures agree.
    tables = pdf.attachment_tables(data)
    assert hashlib.sha256(pdf.attachment_bytes(data)).hexdigest() == detail["data_sha256"]
    assert detail["data_sha256"] in "".join(printed.split())  # printed in every page's footer
    summary = {row["항목"]: int(row["금액"]) for row in tables["요약"]}
    assert summary["기말 대출원금"] == summary["원장 기말 대출원금"] == closing
    in_period = LoanTransaction.objects.filter(loan=loan, value_date__gte=START, value_date__lte=END)
    assert len(tables["거래내역"]) == in_period.count()
    assert summary["기초 대출원금"] + sum(int(r["원금 증감"]) for r in tables["거래내역"]) == closing
    assert len(tables["상환일정"]) == loan.installments.count()


def test_a_receipt_states_the_amount_and_its_allocation(bearer_client, world, django_capture_on_commit_callbacks):
    repayment: Repayment = world["repayments"][1]
    detail = ready(bearer_client(world["member"]), django_capture_on_commit_callbacks, kind="receipt",
                   subject=repayment.pk)
    data = bearer_client(world["member"]).get(detail["pdf_url"]).content
    printed = pdf.text(data)
    assert "상환 영수증" in printed and won(repayment.amount.amount) in printed
    tables = pdf.attachment_tables(data)
    assert sum(int(r["금액"]) for r in tables["충당 내역"]) == repayment.amount.amount
    assert int(tables["충당 내역"][0]["금액"]) == repayment.default_interest.amount > 0  # it was late


def test_verify_tells_an_issued_pdf_by_its_file_or_its_printed_data_hash(bearer_client, world,
                                                                         django_capture_on_commit_callbacks):
    me = bearer_client(world["member"])
    detail = ready(me, django_capture_on_commit_callbacks, kind="loan", subject=world["loan"].pk,
                   period_start=START.isoformat(), period_end=END.isoformat())
    by_file = me.get(f"{S}verify/", {"sha256": detail["sha256"].upper()}).json()
    assert (by_file["issued"], by_file["matched"], by_file["statement"]["id"]) == (True, "file", detail["id"])
    by_data = me.get(f"{S}verify/", {"sha256": detail["data_sha256"]}).json()
    assert (by_data["issued"], by_data["matched"], by_data["statement"]["id"]) == (True, "data", detail["id"])
    assert me.get(f"{S}verify/", {"sha256": "0" * 64}).json() == {"issued": False, "matched": None, "statement": None}
    bad = me.get(f"{S}verify/", {"sha256": "not-a-hash"})
    assert bad.status_code == 400 and "sha256" in bad.json()["fields"]
    # Someone else learns that it is genuine and its number, not whose it is.
    stranger = bearer_client(member_of(EnterpriseFactory())).get(f"{S}verify/", {"sha256": detail["sha256"]}).json()
    assert (stranger["issued"], stranger["statement"], stranger["number"]) == (True, None, detail["number"])


def test_each_role_on_each_statement_endpoint(bearer_client, world, django_capture_on_commit_callbacks):
    loan, fund = world["loan"], world["fund"]
    manager, auditor, judge = ManagerFactory(), AuditorFactory(), JudgeFactory()
    other = member_of(EnterpriseFactory())
    loan_body = {"kind": "loan", "subject": loan.pk, "period_start": START.isoformat(), "period_end": END.isoformat()}
    fund_body = {"kind": "enterprise", "subject": world["loan"].enterprise_id, "period_start": START.isoformat(),
                 "period_end": END.isoformat()}
    theirs = ready(bearer_client(world["member"]), django_capture_on_commit_callbacks, **loan_body)
    expected = {  # role: (ask for the loan's statement, the enterprise's, read it, download, list log, export)
        None: (401, 401, 401, 401, 401, 401),
        "member": (202, 202, 200, 200, 403, 403),
        "other member": (404, 404, 404, 404, 403, 403),
        "judge": (403, 403, 403, 403, 403, 403),
        "manager": (202, 202, 200, 200, 403, 200),
        "auditor": (202, 202, 200, 200, 200, 200),
    }
    users = {None: None, "member": world["member"], "other member": other, "judge": judge, "manager": manager,
             "auditor": auditor}
    for role, codes in expected.items():
        client = bearer_client(users[role])
        got = (
            ask(client, django_capture_on_commit_callbacks, **loan_body).status_code,
            ask(client, django_capture_on_commit_callbacks, **fund_body).status_code,
            client.get(f"{S}{theirs['id']}/").status_code,
            client.get(f"{S}{theirs['id']}/pdf/").status_code,
            client.get("/api/v1/statement-downloads/").status_code,
            client.get(f"/api/v1/funds/{fund.pk}/journal-export/",
                       {"start": START.isoformat(), "end": END.isoformat(), "file": "csv"}).status_code,
        )
        assert got == codes, role
    # A member may never ask for the fund statement; staff may.
    body = {"kind": "fund", "subject": fund.pk, "period_start": START.isoformat(), "period_end": END.isoformat()}
    assert ask(bearer_client(world["member"]), django_capture_on_commit_callbacks, **body).status_code == 403
    # Lists: a member sees its own enterprise's statements only.
    mine = bearer_client(world["member"]).get(S).json()
    rows = mine["results"] if isinstance(mine, dict) else mine
    assert {r["enterprise"] for r in rows} == {loan.enterprise_id}
    others = bearer_client(other).get(S).json()
    assert (others["results"] if isinstance(others, dict) else others) == []
    # The log lists every download, for auditors.
    log = bearer_client(auditor).get("/api/v1/statement-downloads/").json()
    entries = log["results"] if isinstance(log, dict) else log
    assert {e["user"] for e in entries} == {world["member"].username, manager.username, auditor.username}


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"kind": "payslip", "subject": 1, "period_start": "2026-03-01", "period_end": "2026-04-01"}, 400, "kind"),
    ({"kind": "loan", "period_start": "2026-03-01", "period_end": "2026-04-01"}, 400, "subject"),
    ({"kind": "loan", "subject": "LOAN", "period_start": "2026-03-01", "period_end": "2026-04-01"}, 400, "subject"),
    ({"kind": "loan", "subject": 0, "period_start": "2026-03-01", "period_end": "2026-04-01"}, 400, "subject"),
    ({"kind": "loan", "subject": 10**20, "period_start": "2026-03-01", "period_end": "2026-04-01"}, 400, "subject"),
    ({"kind": "loan", "subject": "L", "period_end": "2026-04-01"}, 400, "subject"),
    ({"kind": "loan", "subject": "L", "period_end": "2026-04-01"}, 400, "period_start"),
    ({"kind": "loan", "subject": "L", "period_start": "2026-05-01", "period_end": "2026-04-01"}, 400, "period_end"),
    ({"kind": "loan", "subject": "L", "period_start": "2026-05-01", "period_end": "2026-13-01"}, 400, "period_end"),
    ({"kind": "loan", "subject": "L", "period_start": "2016-01-01", "period_end": "2026-11-01"}, 400, "period_start"),
    ({"kind": "receipt", "subject": "R", "period_start": "2026-05-01", "period_end": "2026-06-01"}, 400,
     "period_start"),
    ({"kind": "loan", "subject": 999999, "period_start": "2026-03-01", "period_end": "2026-04-01"}, 404, "subject"),
])
def test_bad_requests_are_refused_naming_the_field_and_write_nothing(bearer_client, world, body, status, field,
                                                                     django_capture_on_commit_callbacks):
    body = dict(body)
    if body.get("subject") == "L":
        body["subject"] = world["loan"].pk
    if body.get("subject") == "R":
        body["subject"] = world["repayments"][0].pk
    if body == {"kind": "loan", "subject": world["loan"].pk, "period_end": "2026-04-01"} and field == "subject":
        body["subject"] = "x"
    response = ask(bearer_client(ManagerFactory()), django_capture_on_commit_callbacks, **body)
    assert response.status_code == status, response.content
    assert field in response.json().get("fields", {}), response.json()
    assert not Statement.objects.exists()


def test_a_period_reaching_into_the_future_or_a_loan_not_paid_out_is_refused(bearer_client, world,
                                                                            django_capture_on_commit_callbacks):
    manager = bearer_client(ManagerFactory())
    tomorrow = timezone.localdate() + timedelta(days=1)
    future = ask(manager, django_capture_on_commit_callbacks, kind="loan", subject=world["loan"].pk,
                 period_start=START.isoformat(), period_end=tomorrow.isoformat())
    assert future.status_code == 400 and "period_end" in future.json()["fields"]
    product = world["loan"].product
    approved = make_loan(product, member=member_of(), amount=5_000_000)
    assert approved.state == Loan.State.APPROVED
    refused = ask(manager, django_capture_on_commit_callbacks, kind="loan", subject=approved.pk,
                  period_start=START.isoformat(), period_end=END.isoformat())
    assert refused.status_code == 409
    assert not Statement.objects.exists()


def test_a_failed_render_is_recorded_and_the_pdf_is_not_offered(bearer_client, world, monkeypatch,
                                                                django_capture_on_commit_callbacks):
    def broken(statement, *, generated_at):
        raise RuntimeError("the template is broken")

    monkeypatch.setattr(kinds.KINDS[Statement.Kind.RECEIPT], "build", broken)
    manager = bearer_client(ManagerFactory())
    response = ask(manager, django_capture_on_commit_callbacks, kind="receipt", subject=world["repayments"][0].pk)
    assert response.status_code == 202  # the request was taken; the rendering failed afterwards
    statement = Statement.objects.get()
    assert statement.state == Statement.State.FAILED and "the template is broken" in statement.error
    assert manager.get(f"{S}{statement.pk}/").json()["pdf_url"] is None
    assert manager.get(f"{S}{statement.pk}/pdf/").status_code == 409
    assert not StatementDownload.objects.exists()


def test_a_render_cut_short_by_the_database_going_away_stays_pending_and_is_handed_over_again(
        bearer_client, world, monkeypatch, django_capture_on_commit_callbacks):
    """A database error is not the statement's fault: it is not marked failed; the outbox message goes back to
    unpublished, and the next run renders it."""
    from django.db import OperationalError

    from core.models import OutboxMessage
    from core.outbox import outbox_publish

    receipts = kinds.KINDS[Statement.Kind.RECEIPT]
    real = receipts.build

    def away(statement, *, generated_at):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(receipts, "build", away)
    manager = bearer_client(ManagerFactory())
    response = ask(manager, django_capture_on_commit_callbacks, kind="receipt", subject=world["repayments"][0].pk)
    assert response.status_code == 202
    statement = Statement.objects.get()
    assert statement.state == Statement.State.PENDING and statement.error == ""
    message = OutboxMessage.objects.get(key=f"statement:{statement.pk}:render")
    assert message.done_at is None and message.published_at is None and "OperationalError" in message.error

    monkeypatch.setattr(receipts, "build", real)
    outbox_publish([message.pk])  # what the relay does on its next tick
    statement.refresh_from_db()
    message.refresh_from_db()
    assert statement.state == Statement.State.READY
    assert (message.outcome, message.runs) == (OutboxMessage.Outcome.SUCCEEDED, 2)


@pytest.mark.parametrize(("query", "status", "field"), [
    ({"start": "2026-08-31", "end": "2026-03-01", "file": "csv"}, 400, "end"),  # ends before it starts
    ({"start": "2010-01-01", "end": "2026-08-31", "file": "csv"}, 400, "start"),  # over ten years
    ({"start": "2026-03-01", "end": "2026-08-31", "file": "pdf"}, 400, "file"),
    ({"start": "2026-02-30", "end": "2026-08-31"}, 400, "start"),
    ({"end": "2026-08-31"}, 400, "start"),
])
def test_a_journal_export_refuses_a_bad_period_or_file_naming_the_field(bearer_client, world, query, status, field):
    response = bearer_client(AuditorFactory()).get(f"/api/v1/funds/{world['fund'].pk}/journal-export/", query)
    assert response.status_code == status, response.content
    assert field in response.json()["fields"], response.json()


def test_a_journal_export_is_a_named_file_of_the_funds_entries(bearer_client, world):
    auditor = bearer_client(AuditorFactory())
    fund = world["fund"]
    period = {"start": START.isoformat(), "end": END.isoformat()}
    csv_file = auditor.get(f"/api/v1/funds/{fund.pk}/journal-export/", {**period, "file": "csv"})
    assert csv_file.status_code == 200 and csv_file["Content-Type"] == "text/csv; charset=utf-8"
    assert "filename*=UTF-8''" in csv_file["Content-Disposition"]
    lines = csv_file.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("일자,전표") and len(lines) > 1
    xlsx = auditor.get(f"/api/v1/funds/{fund.pk}/journal-export/", period)  # xlsx by default
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert auditor.get("/api/v1/funds/999999/journal-export/", period).status_code == 404
