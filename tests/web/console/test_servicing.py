"""Repayments across loans and write-offs in the console. A write-off is decided by a manager other than the one
who asked (four eyes): the one who asked sees a note instead of buttons, and its forged POST is refused by the
service (403) with its message, writing nothing; a rejection needs a reason."""

from __future__ import annotations

import csv
import io
from html import escape

import pytest
from django.urls import reverse
from django.utils import translation

from funds.models import Loan, WriteOff
from tests.factories import AuditorFactory
from tests.funds.helpers import nothing_written


def _ko(msgid: str) -> str:
    with translation.override("ko"):
        return escape(translation.gettext(msgid))


def test_the_repayment_list_shows_every_loans_repayments_with_who_recorded_them(world, client_as, manager):
    world.build("own_repayment", "other_repayment")
    body = client_as(manager).get(reverse("web:repayments")).content.decode()
    for repayment in (world.own_repayment, world.other_repayment):
        assert f'href="{reverse("web:loan", args=[repayment.loan_id])}"' in body
        assert repayment.loan.enterprise.name in body
    assert world.teller.username in body
    assert "₩50,000" in body


def test_the_repayment_list_filters_by_enterprise_and_reversal(world, client_as, manager):
    world.build("own_repayment", "other_repayment")
    client = client_as(manager)
    response = client.get(reverse("web:repayments"), {"q": world.other.name})
    assert [r.pk for r in response.context["table"].data] == [world.other_repayment.pk]
    response = client.get(reverse("web:repayments"), {"reversed": "yes"})
    assert list(response.context["table"].data) == []


def test_a_bad_filter_is_a_400_with_the_rule_beside_it(world, client_as, manager):
    response = client_as(manager).get(reverse("web:repayments"), {"value_from": "2026-13-45"})
    assert response.status_code == 400
    assert "value_from" in response.context["filter"].form.errors


def test_the_repayments_download_holds_every_filtered_row_as_numbers(world, client_as, manager):
    world.build("own_repayment", "other_repayment")
    response = client_as(manager).get(reverse("web:repayments"), {"_export": "csv", "q": world.own.name})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 2
    assert rows[1][0] == f"L{world.own_loan.pk}" and "50000" in rows[1]


def test_the_write_off_list_offers_the_decision_to_another_manager_and_a_note_to_the_one_who_asked(
        world, client_as, manager):
    write_off = world.pending_write_off
    approve = reverse("web:write-off-approve", args=[write_off.pk])
    other = client_as(manager).get(reverse("web:write-offs")).content.decode()
    assert f'href="{approve}"' in other
    asked = client_as(world.requester).get(reverse("web:write-offs")).content.decode()
    assert f'href="{approve}"' not in asked
    page = client_as(world.requester).get(approve)
    assert page.status_code == 200 and page.context["blocked"]
    auditor = client_as(AuditorFactory()).get(reverse("web:write-offs")).content.decode()
    assert f'href="{approve}"' not in auditor and write_off.reason in auditor


def test_another_manager_approves_the_write_off_and_the_loan_is_written_off(world, client_as, manager):
    write_off = world.pending_write_off
    response = client_as(manager).post(reverse("web:write-off-approve", args=[write_off.pk]), {"reason": "의결"})
    assert response.status_code == 303
    assert response["Location"] == reverse("web:loan", args=[write_off.loan_id])
    write_off.refresh_from_db()
    assert (write_off.state, write_off.decided_by_id) == (WriteOff.State.APPROVED, manager.pk)
    assert Loan.objects.get(pk=write_off.loan_id).state == Loan.State.WRITTEN_OFF


@pytest.mark.parametrize("action", ["web:write-off-approve", "web:write-off-reject"])
def test_the_forged_decision_of_the_manager_who_asked_is_refused_and_changes_nothing(world, client_as, action):
    write_off = world.pending_write_off
    with nothing_written():
        response = client_as(world.requester).post(reverse(action, args=[write_off.pk]), {"reason": "셀프 승인"})
    assert response.status_code == 403
    assert _ko("The manager who asked for a write-off cannot decide it; another manager must.") in (
        response.content.decode())


@pytest.mark.parametrize("who", ["auditor", "member"])
@pytest.mark.parametrize("action", ["web:write-off-approve", "web:write-off-reject"])
def test_a_role_that_may_not_decide_is_refused_a_forged_post(world, client_as, who, action):
    write_off = world.pending_write_off
    user = AuditorFactory() if who == "auditor" else world.member
    with nothing_written():
        response = client_as(user).post(reverse(action, args=[write_off.pk]), {"reason": "위조"})
    assert response.status_code == 403


def test_rejecting_a_write_off_needs_a_reason_and_keeps_the_loan(world, client_as, manager):
    write_off = world.pending_write_off
    url = reverse("web:write-off-reject", args=[write_off.pk])
    client = client_as(manager)
    with nothing_written():
        response = client.post(url, {"reason": ""})
    assert response.status_code == 400
    assert "reason" in response.context["form"].errors
    assert client.post(url, {"reason": "회수 가능성 있음"}).status_code == 303
    write_off.refresh_from_db()
    assert write_off.state == WriteOff.State.REJECTED
    assert Loan.objects.get(pk=write_off.loan_id).state == Loan.State.ACTIVE


def test_a_write_off_already_decided_is_a_409(world, client_as, manager):
    write_off = world.approved_write_off
    with nothing_written():
        response = client_as(manager).post(reverse("web:write-off-reject", args=[write_off.pk]), {"reason": "늦음"})
    assert response.status_code == 409
    assert _ko("This write-off was already decided.") in response.content.decode()
