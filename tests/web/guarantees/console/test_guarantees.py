"""Guarantees in the console: the list (filters by program, state, bank; downloads), the page (terms, the bank loan,
guaranteed now, the balances reported, the loan's expected schedule, claims, the audit trail) and cancelling an
approved guarantee the bank never lent on (a manager, with a reason; only an approved one)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from djmoney.money import Money

from guarantees import services
from guarantees.models import Guarantee, GuaranteeBalance, GuaranteeProgram
from tests.factories import BankOfficerFactory
from tests.guarantees.factories import make_guarantee, make_program

from .helpers import field_errors, nothing_written, text

pytestmark = pytest.mark.django_db


def _url(name: str, guarantee: Guarantee) -> str:
    return reverse(f"web:{name}", args=[guarantee.pk])


def test_the_list_filters_by_program_state_and_bank_and_downloads(gw, client_as, manager):
    approved, active = gw.approved, gw.active
    other_program = make_program(code="dalseo-2026", name="달서구 2026")
    elsewhere = make_guarantee(other_program, amount=10_000_000)
    client = client_as(manager)

    page = text(client.get("/console/guarantees/"))
    assert all(f"G{g.pk}<" in page for g in (approved, active, elsewhere))
    by_state = text(client.get("/console/guarantees/", {"state": "approved"}))
    assert f"G{approved.pk}<" in by_state and f"G{active.pk}<" not in by_state
    by_program = text(client.get("/console/guarantees/", {"program": gw.program.pk}))
    assert f"G{elsewhere.pk}<" not in by_program and f"G{active.pk}<" in by_program
    by_bank = text(client.get("/console/guarantees/", {"bank": elsewhere.bank_id}))
    assert f"G{elsewhere.pk}<" in by_bank and f"G{active.pk}<" not in by_bank

    download = client.get("/console/guarantees/", {"program": gw.program.pk, "_export": "csv"})
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert sorted(row[0] for row in rows[1:]) == sorted([f"G{approved.pk}", f"G{active.pk}"])


def test_the_page_of_an_active_guarantee_shows_the_loan_its_balances_schedule_and_claims(gw, client_as, manager):
    guarantee = gw.active  # 20,000,000 lent on 2026-03-02 at 5 %, 60 months of which 12 of grace
    officer = BankOfficerFactory(institution=guarantee.bank)
    on = gw.today - timedelta(days=3)
    services.guarantee_report(actor=officer, guarantee_id=guarantee.pk, balance=18_000_000, on_date=on,
                              idempotency_key="report-1", today=gw.today)

    page = text(client_as(manager).get(_url("guarantee", guarantee)))

    assert "₩18,000,000" in page  # the loan's balance reported, and guaranteed now (x 100 %)
    assert "2026-03-02" in page and "5.00%" in page
    assert GuaranteeBalance.objects.filter(guarantee=guarantee).count() == 2
    assert page.count("<td>2026-") >= 2  # the execution and the report
    # The expected schedule: 60 monthly installments, 12 of interest only then 48 of principal.
    assert "<dd>60</dd>" in page
    assert "guarantees.guarantee.balance" in page  # the audit trail
    assert f"/console/guarantee-applications/{guarantee.application_id}/" in page
    assert _url("guarantee-cancel", guarantee) not in page  # active: no cancel button


def test_a_guarantee_with_a_claim_links_to_it(gw, client_as, manager):
    claim = gw.requested_claim
    page = text(client_as(manager).get(_url("guarantee", claim.guarantee)))
    assert f'href="/console/guarantee-claims/{claim.pk}/"' in page


def test_a_manager_cancels_an_approved_guarantee_and_its_capacity_is_released(gw, client_as, manager):
    guarantee = gw.approved
    committed = GuaranteeProgram.objects.get(pk=gw.program.pk).committed
    client = client_as(manager)
    assert _url("guarantee-cancel", guarantee) in text(client.get(_url("guarantee", guarantee)))

    response = client.post(_url("guarantee-cancel", guarantee), {"reason": "대출 미실행"})

    assert response.status_code == 303 and response["Location"] == _url("guarantee", guarantee)
    guarantee.refresh_from_db()
    assert (guarantee.state, guarantee.guaranteed) == (Guarantee.State.CANCELLED, Money(0, "KRW"))
    assert GuaranteeProgram.objects.get(pk=gw.program.pk).committed == committed - Money(20_000_000, "KRW")


def test_cancelling_needs_a_reason(gw, client_as, manager):
    guarantee = gw.approved
    with nothing_written():
        response = client_as(manager).post(_url("guarantee-cancel", guarantee), {"reason": ""})
    assert response.status_code == 400 and "reason" in field_errors(response)


def test_cancelling_an_active_guarantee_is_a_409_and_writes_nothing(gw, client_as, manager):
    guarantee = gw.active
    with nothing_written():
        response = client_as(manager).post(_url("guarantee-cancel", guarantee), {"reason": "취소"})
    assert response.status_code == 409 and "form-errors" in text(response)


def test_an_auditor_reads_a_guarantee_without_the_cancel_button_and_may_not_cancel(gw, client_as, auditor):
    guarantee = gw.approved
    client = client_as(auditor)
    page = client.get(_url("guarantee", guarantee))
    assert page.status_code == 200 and _url("guarantee-cancel", guarantee) not in text(page)
    assert client.get(_url("guarantee-cancel", guarantee)).status_code == 403
    with nothing_written():
        assert client.post(_url("guarantee-cancel", guarantee), {"reason": "x"}).status_code == 403


def test_an_unknown_guarantee_is_a_404(client_as, manager):
    assert client_as(manager).get("/console/guarantees/999999/").status_code == 404
