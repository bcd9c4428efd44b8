"""Claims in the console: the list, the claim's page (its figures, the 구상채권 owed today, recoveries), preparing it
(payment date, costs accepted), approving (paying) and rejecting it with four eyes visible, recording a recovery (an
idempotent money form), and asking for and approving the 구상채권's write-off (four eyes).

The world's claim (tests/web/guarantees/console/world.py): a 20,000,000 loan at 5 % defaulted with 15,000,000
left, interest paid up to 50 days ago; the bank claims 15,000,000, 100,000 of interest and 300,000 of costs."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse

from guarantees import services
from guarantees.models import Claim, Guarantee, RecourseWriteOff, Recovery
from tests.factories import ManagerFactory

from .helpers import ASKED_NOTE, PREPARED_NOTE, field_errors, ko, nothing_written, text

pytestmark = pytest.mark.django_db

State = Claim.State
# Unpaid interest for 50 days on 15,000,000 at 5 %: 15,000,000 x 0.05 x 50 / 365 = 102,739.73 -> 102,730 (10 won,
# floor); with all the costs claimed (300,000): 15,402,730; with 200,000 accepted: 15,302,730. The guaranteed share
# (20,000,000 x 100 %) caps neither.
PAID_WITH_ALL_COSTS = 15_402_730
PAID_WITH_200K = 15_302_730


def _url(name: str, claim: Claim) -> str:
    return reverse(f"web:{name}", args=[claim.pk])


def test_the_list_filters_and_downloads_claims(gw, client_as, manager):
    claim = gw.requested_claim
    client = client_as(manager)
    page = text(client.get("/console/guarantee-claims/"))
    assert f"C{claim.pk}<" in page and claim.guarantee.enterprise.name in page
    assert f"C{claim.pk}<" not in text(client.get("/console/guarantee-claims/", {"state": "paid"}))
    assert f"C{claim.pk}<" in text(client.get("/console/guarantee-claims/", {"program": gw.program.pk,
                                                                             "bank": gw.bank.pk}))
    download = client.get("/console/guarantee-claims/", {"_export": "csv"})
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert rows[1][0] == f"C{claim.pk}" and "15000000" in rows[1]


def test_a_requested_claims_page_shows_the_banks_figures_and_the_prepare_button(gw, client_as, manager):
    claim = gw.requested_claim
    page = text(client_as(manager).get(_url("guarantee-claim", claim)))
    assert "₩15,000,000" in page and "₩100,000" in page and "₩300,000" in page and "₩20,000,000" in page
    assert _url("guarantee-claim-prepare", claim) in page and _url("guarantee-claim-reject", claim) in page
    assert _url("guarantee-claim-approve", claim) not in page  # nothing to pay before it is prepared
    assert "guarantees.claim.request" in page


def test_a_manager_prepares_the_claim_with_the_costs_accepted(gw, client_as, manager):
    claim = gw.requested_claim
    client = client_as(manager)
    form = client.get(_url("guarantee-claim-prepare", claim))
    assert gw.today.isoformat() in text(form) and "300,000" in text(form)  # today, all the costs by default

    response = client.post(_url("guarantee-claim-prepare", claim), {"paid_on": gw.today.isoformat(),
                                                                     "costs": "200,000"})

    assert response.status_code == 303 and response["Location"] == _url("guarantee-claim", claim)
    claim.refresh_from_db()
    assert (claim.state, claim.prepared_by_id, claim.amount.amount) == (State.PREPARED, manager.pk, PAID_WITH_200K)
    assert (claim.interest.amount, claim.interest_days) == (102_730, 50)
    page = text(client.get(_url("guarantee-claim", claim)))
    assert f"₩{PAID_WITH_200K:,}" in page and ko(PREPARED_NOTE) in page
    assert _url("guarantee-claim-approve", claim) not in page  # four eyes


@pytest.mark.parametrize(("data", "field"), [
    ({}, "paid_on"),
    ({"paid_on": "yesterday"}, "paid_on"),
    ({"paid_on": "FUTURE"}, "paid_on"),  # more than 60 days ahead
    ({"paid_on": "LONG_AGO"}, "paid_on"),  # before the bank's claim
    ({"paid_on": "TODAY", "costs": "400,000"}, "costs"),  # more than the bank claimed
    ({"paid_on": "TODAY", "costs": "-1"}, "costs"),
    ({"paid_on": "TODAY", "costs": "1.5"}, "costs"),
], ids=["no-date", "bad-date", "far-ahead", "before-the-claim", "costs-above-claimed", "negative", "fraction"])
def test_preparing_with_bad_input_is_a_400_beside_the_field_and_writes_nothing(gw, client_as, manager, data, field):
    claim = gw.requested_claim
    days = {"FUTURE": gw.today + timedelta(days=61), "LONG_AGO": gw.today - timedelta(days=30), "TODAY": gw.today}
    data = {key: days[value].isoformat() if value in days else value for key, value in data.items()}
    with nothing_written():
        response = client_as(manager).post(_url("guarantee-claim-prepare", claim), data)
    assert response.status_code == 400
    assert field in field_errors(response) and 'class="error"' in text(response)


def test_the_preparer_sees_the_note_and_a_forged_approval_or_rejection_is_refused(gw, client_as):
    claim = gw.prepared_claim  # prepared by gw.preparer
    client = client_as(gw.preparer)
    for name in ("guarantee-claim-approve", "guarantee-claim-reject"):
        action = client.get(_url(name, claim))
        assert action.status_code == 200 and ko(PREPARED_NOTE) in text(action)
        assert 'class="action-form"' not in text(action)
    with nothing_written():
        assert client.post(_url("guarantee-claim-approve", claim), {"idempotency_key": "web-x"}).status_code == 409
        assert client.post(_url("guarantee-claim-reject", claim), {"reason": "위조"}).status_code == 409


def test_another_manager_approves_the_claim_and_the_recourse_opens(gw, client_as, manager):
    claim = gw.prepared_claim
    client = client_as(manager)
    key = client.get(_url("guarantee-claim-approve", claim)).context["form"]["idempotency_key"].value()

    response = client.post(_url("guarantee-claim-approve", claim), {"idempotency_key": key, "reason": "검토 완료"})
    again = client.post(_url("guarantee-claim-approve", claim), {"idempotency_key": key, "reason": "검토 완료"})

    assert response.status_code == again.status_code == 303
    claim.refresh_from_db()
    assert (claim.state, claim.approved_by_id, claim.recourse_principal.amount) == (
        State.PAID, manager.pk, PAID_WITH_ALL_COSTS)
    assert Guarantee.objects.get(pk=claim.guarantee_id).state == Guarantee.State.CLAIMED
    page = text(client.get(_url("guarantee-claim", claim)))
    # Owed today, the day it was paid: no damages yet, the principal of the 구상채권 is what was paid.
    assert page.count(f"₩{PAID_WITH_ALL_COSTS:,}") >= 2
    assert _url("guarantee-claim-recover", claim) in page and _url("guarantee-claim-write-off", claim) in page


def test_approving_a_claim_without_the_forms_key_is_a_400(gw, client_as, manager):
    claim = gw.prepared_claim
    with nothing_written():
        response = client_as(manager).post(_url("guarantee-claim-approve", claim), {"reason": "x"})
    assert response.status_code == 400 and "idempotency_key" in field_errors(response)


def test_a_manager_rejects_a_requested_claim_with_a_reason(gw, client_as, manager):
    claim = gw.requested_claim
    client = client_as(manager)
    with nothing_written():
        assert client.post(_url("guarantee-claim-reject", claim), {"reason": ""}).status_code == 400
    response = client.post(_url("guarantee-claim-reject", claim), {"reason": "서류 미비"})
    assert response.status_code == 303
    claim.refresh_from_db()
    assert (claim.state, claim.decision_reason) == (State.REJECTED, "서류 미비")


def test_approving_a_requested_claim_is_a_409(gw, client_as, manager):
    claim = gw.requested_claim
    with nothing_written():
        response = client_as(manager).post(_url("guarantee-claim-approve", claim), {"idempotency_key": "web-1"})
    assert response.status_code == 409


# --- recoveries ---------------------------------------------------------------------------------------------------


def test_a_recovery_is_recorded_once_and_the_recourse_comes_down(gw, client_as, manager):
    claim = gw.paid_claim
    client = client_as(manager)
    key = client.get(_url("guarantee-claim-recover", claim)).context["form"]["idempotency_key"].value()
    data = {"idempotency_key": key, "amount": "1,000,000", "received_on": gw.today.isoformat(), "memo": "1차 회수"}

    first = client.post(_url("guarantee-claim-recover", claim), data)
    again = client.post(_url("guarantee-claim-recover", claim), data)

    assert first.status_code == again.status_code == 303
    recovery = Recovery.objects.get()
    # Received the day the claim was paid: no damages, no costs; all of it pays principal.
    assert (recovery.amount.amount, recovery.principal.amount, recovery.damages.amount) == (1_000_000, 1_000_000, 0)
    page = text(client.get(_url("guarantee-claim", claim)))
    assert f"₩{PAID_WITH_ALL_COSTS - 1_000_000:,}" in page and "1차 회수" in page
    assert "guarantees.recovery.record" in page  # the recovery's event in the claim's trail
    assert Guarantee.objects.get(pk=claim.guarantee_id).state == Guarantee.State.RECOVERING


@pytest.mark.parametrize(("data", "field", "status"), [
    ({"amount": "abc", "received_on": "TODAY"}, "amount", 400),
    ({"amount": "0", "received_on": "TODAY"}, "amount", 400),
    ({"amount": "1,000", "received_on": "TOMORROW"}, "received_on", 400),
    ({"amount": "1,000"}, "received_on", 400),
    ({"amount": "99,000,000", "received_on": "TODAY"}, "amount", 422),  # more than everything owed
], ids=["not-a-number", "zero", "future", "no-date", "more-than-owed"])
def test_a_recovery_with_bad_input_is_refused_beside_the_field(gw, client_as, manager, data, field, status):
    claim = gw.paid_claim
    days = {"TODAY": gw.today, "TOMORROW": gw.today + timedelta(days=1)}
    data = {key: days[value].isoformat() if value in days else value for key, value in data.items()}
    with nothing_written():
        response = client_as(manager).post(_url("guarantee-claim-recover", claim),
                                           {"idempotency_key": "web-bad", **data})
    assert response.status_code == status
    assert field in field_errors(response)


def test_a_recovery_on_a_claim_not_paid_is_a_409(gw, client_as, manager):
    claim = gw.prepared_claim
    with nothing_written():
        response = client_as(manager).post(_url("guarantee-claim-recover", claim), {
            "idempotency_key": "web-1", "amount": "1,000", "received_on": gw.today.isoformat()})
    assert response.status_code == 409


# --- write-offs ---------------------------------------------------------------------------------------------------


def test_a_write_off_is_asked_for_by_one_manager_and_approved_by_another(gw, client_as, manager):
    claim = gw.paid_claim
    asker = client_as(gw.preparer)
    with nothing_written():
        assert asker.post(_url("guarantee-claim-write-off", claim), {"reason": ""}).status_code == 400

    response = asker.post(_url("guarantee-claim-write-off", claim), {"reason": "회수 불능 (폐업)"})

    assert response.status_code == 303
    assert RecourseWriteOff.objects.get().state == RecourseWriteOff.State.REQUESTED
    page = text(asker.get(_url("guarantee-claim", claim)))
    assert ko(ASKED_NOTE) in page and _url("guarantee-claim-write-off-approve", claim) not in page
    blocked = asker.get(_url("guarantee-claim-write-off-approve", claim))
    assert ko(ASKED_NOTE) in text(blocked) and 'class="action-form"' not in text(blocked)
    with nothing_written():
        assert asker.post(_url("guarantee-claim-write-off-approve", claim), {"reason": ""}).status_code == 409

    approver = client_as(manager)
    assert _url("guarantee-claim-write-off-approve", claim) in text(approver.get(_url("guarantee-claim", claim)))
    done = approver.post(_url("guarantee-claim-write-off-approve", claim), {"reason": "승인"})

    assert done.status_code == 303
    claim.refresh_from_db()
    assert claim.written_off_on == gw.today and claim.written_off.amount == PAID_WITH_ALL_COSTS
    assert Guarantee.objects.get(pk=claim.guarantee_id).state == Guarantee.State.WRITTEN_OFF


def test_asking_twice_for_a_write_off_is_a_409(gw, client_as, manager):
    claim = gw.write_off_asked
    with nothing_written():
        response = client_as(manager).post(_url("guarantee-claim-write-off", claim), {"reason": "다시"})
    assert response.status_code == 409


def test_approving_a_write_off_nobody_asked_for_is_a_409(gw, client_as, manager):
    claim = gw.paid_claim
    with nothing_written():
        response = client_as(manager).post(_url("guarantee-claim-write-off-approve", claim), {"reason": ""})
    assert response.status_code == 409


# --- auditors ------------------------------------------------------------------------------------------------------


def test_an_auditor_reads_claims_without_buttons_and_every_forged_post_is_a_403(gw, client_as, auditor):
    paid, requested = gw.write_off_asked, gw.requested_claim
    client = client_as(auditor)
    for claim in (paid, requested):
        page = text(client.get(_url("guarantee-claim", claim)))
        for name in ("prepare", "approve", "reject", "recover", "write-off"):
            assert f"/console/guarantee-claims/{claim.pk}/{name}/" not in page, name
    with nothing_written():
        for name, data in (("guarantee-claim-prepare", {"paid_on": gw.today.isoformat()}),
                           ("guarantee-claim-approve", {"idempotency_key": "web-a"}),
                           ("guarantee-claim-reject", {"reason": "x"}),
                           ("guarantee-claim-recover", {"idempotency_key": "web-b", "amount": "1,000",
                                                        "received_on": gw.today.isoformat()}),
                           ("guarantee-claim-write-off", {"reason": "x"}),
                           ("guarantee-claim-write-off-approve", {"reason": "x"})):
            assert client.post(_url(name, paid), data).status_code == 403, name
            assert client.get(_url(name, paid)).status_code == 403, name


def test_the_recourse_accrues_damages_after_the_payment(gw, client_as, manager):
    """A claim paid 30 days ago on 1,000,000: damages at 12 %/yr for 30 days, 1,000,000 x 0.12 x 30 / 365 =
    9,863.01 -> 9,863 won owed on top today (damages are kept to the won)."""
    from tests.guarantees.claim_factories import request_claim, set_defaulted
    from tests.guarantees.factories import make_guarantee

    paid_on = gw.today - timedelta(days=30)
    guarantee = make_guarantee(gw.program, amount=1_000_000)
    set_defaulted(guarantee, defaulted_on=paid_on - timedelta(days=10), interest_paid_to=paid_on)
    claim = request_claim(guarantee, requested_on=paid_on, today=gw.today)
    services.claim_prepare(actor=gw.preparer, claim_id=claim.pk, paid_on=paid_on, today=gw.today)
    services.claim_approve(actor=ManagerFactory(), claim_id=claim.pk, idempotency_key="pay-30", today=gw.today)

    page = text(client_as(manager).get(_url("guarantee-claim", claim)))

    assert "₩9,863" in page and "₩1,009,863" in page
