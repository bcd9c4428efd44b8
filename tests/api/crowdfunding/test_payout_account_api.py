"""The enterprise's payout account (정산 계좌) through the real URL, with each role, including those that must be
refused: its members and managers set it, staff and its members read it; bad input is a 400 naming the field."""

from __future__ import annotations

import json

import pytest

from core.models import AuditEvent
from crowdfunding.models import PayoutAccount

from .contest_helpers import ROLES, client, get, user_of

pytestmark = pytest.mark.django_db

BODY = {"bank": "088", "account_number": "110-123-456789", "holder": "동네 빵집 협동조합"}


def url(enterprise_id: int) -> str:
    return f"/api/v1/enterprises/{enterprise_id}/payout-account/"


def put(user, path, data):
    return client(user).put(path, data=json.dumps(data), content_type="application/json")


READERS = {"member": 200, "manager": 200, "auditor": 200, "admin_user": 200, "anonymous": 401}
WRITERS = {"member": 200, "manager": 200, "admin_user": 200, "anonymous": 401}


@pytest.mark.parametrize("role", [*ROLES, "backer"])
def test_who_reads_the_payout_account(request, enterprise, role):
    response = get(user_of(request, role), url(enterprise.pk))

    assert response.status_code == READERS.get(role, 403), response.content[:300]
    if response.status_code == 200:
        assert response.json() == {"enterprise": enterprise.pk, "registered": False, "bank": None, "bank_name": None,
                                   "account_number": None, "holder": None, "updated_at": None}


@pytest.mark.parametrize("role", [*ROLES, "backer"])
def test_who_sets_the_payout_account(request, enterprise, role):
    user = user_of(request, role)
    events = AuditEvent.objects.count()

    response = put(user, url(enterprise.pk), BODY)

    assert response.status_code == WRITERS.get(role, 403), response.content[:300]
    if response.status_code == 200:
        body = response.json()
        assert (body["registered"], body["bank"], body["account_number"], body["holder"]) == (
            True, "088", "110123456789", "동네 빵집 협동조합")
        assert "신한은행" in body["bank_name"]
        account = PayoutAccount.objects.get(enterprise=enterprise)
        assert (account.account_number, account.updated_by) == ("110123456789", user)
        event = AuditEvent.objects.get(action="crowdfunding.payout.account")
        assert event.actor == user
    else:
        assert response.json()["code"] in {"not_authenticated", "permission_denied"}
        assert not PayoutAccount.objects.exists()
        assert AuditEvent.objects.count() == events


def test_a_member_reads_and_changes_its_own_account_and_never_anothers(member, enterprise, other_enterprise):
    assert put(member, url(enterprise.pk), BODY).status_code == 200
    changed = put(member, url(enterprise.pk), {"bank": "090", "account_number": "3333 01 2345678", "holder": "빵집"})
    assert changed.status_code == 200
    read = get(member, url(enterprise.pk)).json()
    assert (read["bank"], read["account_number"], read["holder"]) == ("090", "3333012345678", "빵집")
    event = AuditEvent.objects.filter(action="crowdfunding.payout.account").order_by("pk").last()
    assert event.before["bank"] == "088" and event.after["bank"] == "090"

    for response in (get(member, url(other_enterprise.pk)), put(member, url(other_enterprise.pk), BODY),
                     put(member, url(other_enterprise.pk), {"bank": "999"}), get(member, url(987_654_321))):
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
        assert other_enterprise.name not in response.content.decode()
    assert not PayoutAccount.objects.filter(enterprise=other_enterprise).exists()


def test_a_manager_sets_any_enterprises_account_and_an_auditor_reads_it(manager, auditor, enterprise):
    assert put(manager, url(enterprise.pk), BODY).status_code == 200
    read = get(auditor, url(enterprise.pk))
    assert read.status_code == 200
    assert read.json()["account_number"] == "110123456789"
    assert put(auditor, url(enterprise.pk), BODY).status_code == 403
    assert put(manager, url(987_654_321), BODY).status_code == 404


@pytest.mark.parametrize(("change", "field"), [
    ({"bank": "999"}, "bank"),
    ({"bank": ""}, "bank"),
    ({"bank": None}, "bank"),
    ({"account_number": "12-34"}, "account_number"),
    ({"account_number": "1234567890123456789"}, "account_number"),
    ({"account_number": "110-abc-456789"}, "account_number"),
    ({"account_number": "١١٠١٢٣٤٥٦٧٨٩"}, "account_number"),  # digits, but not ASCII ones
    ({"account_number": ""}, "account_number"),
    ({"holder": "   "}, "holder"),
    ({"holder": "가" * 101}, "holder"),
])
def test_a_bad_bank_number_or_holder_is_a_400_naming_the_field_and_writes_nothing(member, enterprise, change,
                                                                                  field):
    response = put(member, url(enterprise.pk), {**BODY, **change})

    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert body["code"] == "validation_error"
    assert field in body["fields"]
    assert not PayoutAccount.objects.exists()
    assert not AuditEvent.objects.filter(action="crowdfunding.payout.account").exists()


def test_a_missing_field_is_a_400_naming_it(member, enterprise):
    response = put(member, url(enterprise.pk), {"bank": "088"})
    assert response.status_code == 400
    assert set(response.json()["fields"]) >= {"account_number", "holder"}


def test_patch_and_delete_are_not_operations(member, enterprise):
    assert client(member).patch(url(enterprise.pk), data="{}", content_type="application/json").status_code == 405
    assert client(member).delete(url(enterprise.pk)).status_code == 405
