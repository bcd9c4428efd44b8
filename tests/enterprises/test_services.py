"""enterprise_create, enterprise_update, membership_grant: rules, field-named errors, and the audit trail."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from django.db import IntegrityError, close_old_connections, connection, connections, transaction

from core.audit import audit_seal, audit_verify
from core.errors import NotFound, ValidationFailed
from core.models import AuditEvent
from enterprises.models import Enterprise, Membership
from enterprises.services import enterprise_create, enterprise_update, membership_grant
from tests.factories import EnterpriseFactory, UserFactory

pytestmark = pytest.mark.django_db

NUMBER = "124-81-00998"  # valid
OTHER_NUMBER = "220-81-62517"  # valid


def enterprise_data(**overrides) -> dict:
    data = {
        "name": "서울숲커피협동조합",
        "kind": Enterprise.Kind.COOPERATIVE,
        "business_number": NUMBER,
        "representative": "윤재호",
        "province": "seoul",
        "district": "성동구",
        "employees": 9,
        "vulnerable_employees": 2,
    }
    data.update(overrides)
    return data


def refusal(call, **kwargs) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        call(**kwargs)
    return caught.value


# --- enterprise_create ----------------------------------------------------------------------------------------


def test_creating_stores_the_registration_numbers_as_bare_digits(manager):
    enterprise = enterprise_create(
        actor=manager,
        data=enterprise_data(business_number=" 124 81-00998 ", corporate_number="130111-0006246"),
    )
    enterprise.refresh_from_db()
    assert enterprise.business_number == "1248100998"
    assert enterprise.corporate_number == "1301110006246"
    assert enterprise.business_number_display == "124-81-00998"


def test_creating_converts_text_values_to_their_field_types(manager):
    enterprise = enterprise_create(
        actor=manager, data=enterprise_data(employees="12", vulnerable_employees="3", founded_on="2019-04-22")
    )
    enterprise.refresh_from_db()
    assert (enterprise.employees, enterprise.vulnerable_employees) == (12, 3)
    assert enterprise.founded_on == date(2019, 4, 22)


def test_none_for_an_optional_text_field_is_stored_as_empty(manager):
    enterprise = enterprise_create(
        actor=manager, data=enterprise_data(corporate_number=None, address=None, phone=None, email=None)
    )
    enterprise.refresh_from_db()
    assert (enterprise.corporate_number, enterprise.address, enterprise.phone, enterprise.email) == ("", "", "", "")


def test_creating_records_an_audit_event_with_the_state_after(manager):
    enterprise = enterprise_create(actor=manager, data=enterprise_data())
    event = AuditEvent.objects.get()
    assert event.action == "enterprises.enterprise.create"
    assert event.actor == manager
    assert event.object_type == "enterprises.enterprise"
    assert event.object_id == str(enterprise.pk)
    assert event.before is None
    assert event.after["business_number"] == "1248100998"
    assert event.after["vulnerable_employees"] == 2
    audit_seal()  # as the commit would have: the chain check then covers the new events
    assert audit_verify().ok


def test_a_system_action_is_recorded_as_system(db):
    enterprise_create(actor=None, data=enterprise_data())
    assert AuditEvent.objects.get().actor_label == "system"


def test_a_second_enterprise_with_the_same_number_is_refused_naming_the_number(manager):
    enterprise_create(actor=manager, data=enterprise_data())
    error = refusal(
        enterprise_create, actor=manager, data=enterprise_data(name="다른 이름", business_number="1248100998")
    )
    assert list(error.fields) == ["business_number"]
    assert "이미 등록된 기업이 있습니다" in error.fields["business_number"][0]
    assert Enterprise.objects.count() == 1
    assert AuditEvent.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("business_number", "124-81-00999"),
        ("business_number", "12481009"),
        ("business_number", None),
        ("corporate_number", "130111-0006247"),
        ("corporate_number", "130111"),
        ("kind", "chaebol"),
        ("province", "atlantis"),
        ("employees", -1),
        ("name", ""),
        ("email", "not-an-email"),
    ],
)
def test_a_bad_value_is_refused_under_its_field_and_nothing_is_written(manager, field, value):
    error = refusal(enterprise_create, actor=manager, data=enterprise_data(**{field: value}))
    assert field in error.fields
    assert "non_field_errors" not in error.fields
    assert not Enterprise.objects.exists()
    assert not AuditEvent.objects.exists()


def test_more_vulnerable_group_employees_than_employees_is_refused_naming_vulnerable_employees(manager):
    error = refusal(enterprise_create, actor=manager, data=enterprise_data(employees=3, vulnerable_employees=4))
    assert list(error.fields) == ["vulnerable_employees"]
    assert not Enterprise.objects.exists()
    assert not AuditEvent.objects.exists()


def test_as_many_vulnerable_group_employees_as_employees_is_allowed(manager):
    enterprise = enterprise_create(actor=manager, data=enterprise_data(employees=4, vulnerable_employees=4))
    assert enterprise.pk is not None


def test_a_certification_expiring_before_it_was_granted_is_refused_naming_the_expiry(manager):
    data = enterprise_data(certified_on=date(2024, 6, 1), certification_expires_on=date(2024, 5, 31))
    error = refusal(enterprise_create, actor=manager, data=data)
    assert list(error.fields) == ["certification_expires_on"]
    assert not Enterprise.objects.exists()


def test_several_broken_rules_are_reported_together(manager):
    data = enterprise_data(
        business_number="124-81-00999",
        employees=1,
        vulnerable_employees=2,
        certified_on=date(2024, 6, 1),
        certification_expires_on=date(2023, 1, 1),
    )
    error = refusal(enterprise_create, actor=manager, data=data)
    assert set(error.fields) == {"business_number", "vulnerable_employees", "certification_expires_on"}


def test_a_rule_over_a_field_that_is_already_wrong_is_not_reported_twice(manager):
    error = refusal(enterprise_create, actor=manager, data=enterprise_data(employees="many", vulnerable_employees=2))
    assert set(error.fields) == {"employees"}


def test_an_unknown_field_is_refused_by_name(manager):
    error = refusal(enterprise_create, actor=manager, data=enterprise_data(colour="green", id=7))
    assert error.fields == {"colour": ["알 수 없는 항목입니다."], "id": ["알 수 없는 항목입니다."]}
    assert not Enterprise.objects.exists()


def test_the_database_constraint_still_guards_vulnerable_employees_without_the_service(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        Enterprise.objects.create(**enterprise_data(business_number="1248100998", employees=1, vulnerable_employees=2))


# --- enterprise_update ----------------------------------------------------------------------------------------


def test_updating_records_only_the_changed_fields_before_and_after_with_the_reason(manager):
    enterprise = enterprise_create(actor=manager, data=enterprise_data())
    enterprise_update(
        actor=manager,
        enterprise_id=enterprise.pk,
        data={"employees": 12, "vulnerable_employees": 5, "name": "서울숲커피협동조합"},
        reason="2025년 고용 현황 반영",
    )
    event = AuditEvent.objects.get(action="enterprises.enterprise.update")
    assert event.actor == manager
    assert event.reason == "2025년 고용 현황 반영"
    assert {k: v for k, v in event.before.items() if k != "updated_at"} == {"employees": 9, "vulnerable_employees": 2}
    assert {k: v for k, v in event.after.items() if k != "updated_at"} == {"employees": 12, "vulnerable_employees": 5}
    enterprise.refresh_from_db()
    assert (enterprise.employees, enterprise.vulnerable_employees) == (12, 5)
    audit_seal()  # as the commit would have: the chain check then covers the new events
    assert audit_verify().ok


def test_an_update_that_changes_nothing_writes_no_audit_event(manager):
    enterprise = enterprise_create(actor=manager, data=enterprise_data())
    updated_at = Enterprise.objects.get().updated_at
    enterprise_update(actor=manager, enterprise_id=enterprise.pk, data={"business_number": NUMBER, "employees": 9})
    assert AuditEvent.objects.filter(action="enterprises.enterprise.update").count() == 0
    assert Enterprise.objects.get().updated_at == updated_at


def test_updating_normalises_the_number(manager):
    enterprise = enterprise_create(actor=manager, data=enterprise_data())
    enterprise_update(actor=manager, enterprise_id=enterprise.pk, data={"business_number": "220 81 62517"})
    enterprise.refresh_from_db()
    assert enterprise.business_number == "2208162517"
    assert AuditEvent.objects.get(action="enterprises.enterprise.update").after["business_number"] == "2208162517"


def test_updating_to_another_enterprises_number_is_refused(manager):
    enterprise_create(actor=manager, data=enterprise_data(business_number=OTHER_NUMBER))
    enterprise = enterprise_create(actor=manager, data=enterprise_data())
    error = refusal(
        enterprise_update, actor=manager, enterprise_id=enterprise.pk, data={"business_number": "220-81-62517"}
    )
    assert list(error.fields) == ["business_number"]
    enterprise.refresh_from_db()
    assert enterprise.business_number == "1248100998"


def test_updating_vulnerable_employees_above_employees_is_refused_and_changes_nothing(manager):
    enterprise = enterprise_create(actor=manager, data=enterprise_data(employees=9, vulnerable_employees=2))
    events = AuditEvent.objects.count()
    error = refusal(
        enterprise_update, actor=manager, enterprise_id=enterprise.pk, data={"employees": 5, "vulnerable_employees": 6}
    )
    assert list(error.fields) == ["vulnerable_employees"]
    enterprise.refresh_from_db()
    assert (enterprise.employees, enterprise.vulnerable_employees) == (9, 2)
    assert AuditEvent.objects.count() == events


def test_updating_the_expiry_to_before_the_certification_is_refused(manager):
    enterprise = enterprise_create(actor=manager, data=enterprise_data(certified_on=date(2024, 6, 1)))
    error = refusal(
        enterprise_update,
        actor=manager,
        enterprise_id=enterprise.pk,
        data={"certification_expires_on": date(2024, 1, 1)},
    )
    assert list(error.fields) == ["certification_expires_on"]


def test_updating_an_unknown_field_is_refused(manager):
    enterprise = enterprise_create(actor=manager, data=enterprise_data())
    error = refusal(enterprise_update, actor=manager, enterprise_id=enterprise.pk, data={"created_at": "2020-01-01"})
    assert error.fields == {"created_at": ["알 수 없는 항목입니다."]}


def test_updating_a_missing_enterprise_is_not_found(manager):
    with pytest.raises(NotFound):
        enterprise_update(actor=manager, enterprise_id=999_999, data={"employees": 1})


# --- membership_grant -----------------------------------------------------------------------------------------


def test_granting_a_membership_twice_keeps_one_membership_and_one_event(manager):
    user, enterprise = UserFactory(), EnterpriseFactory()
    first = membership_grant(actor=manager, user=user, enterprise=enterprise, role=Membership.Role.MEMBER)
    second = membership_grant(actor=manager, user=user, enterprise=enterprise, role=Membership.Role.MEMBER)
    assert first.pk == second.pk
    assert Membership.objects.count() == 1
    event = AuditEvent.objects.get()
    assert event.action == "enterprises.membership.grant"
    assert event.after["role"] == "member"


def test_granting_again_with_another_role_changes_the_role_and_records_it(manager):
    user, enterprise = UserFactory(), EnterpriseFactory()
    membership_grant(actor=manager, user=user, enterprise=enterprise, role=Membership.Role.MEMBER)
    membership_grant(actor=manager, user=user, enterprise=enterprise, role=Membership.Role.OWNER)
    assert Membership.objects.get().role == Membership.Role.OWNER
    event = AuditEvent.objects.get(action="enterprises.membership.update")
    assert (event.before["role"], event.after["role"]) == ("member", "owner")
    audit_seal()  # as the commit would have: the chain check then covers the new events
    assert audit_verify().ok


# --- a concurrent duplicate (PostgreSQL) ------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_duplicate_inserted_concurrently_is_refused_naming_the_number(manager):
    """Another transaction inserts the number after our duplicate check passed: our insert waits on the unique
    index, fails when the other commits, and is reported as a duplicate, not a 500."""
    inserted, release = threading.Event(), threading.Event()

    def other_transaction() -> None:
        try:
            with transaction.atomic():
                EnterpriseFactory(business_number="1248100998")
                inserted.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    other = threading.Thread(target=other_transaction)
    other.start()
    assert inserted.wait(timeout=30)
    outcome: dict[str, object] = {}

    def ours() -> None:
        try:
            enterprise_create(actor=manager, data=enterprise_data())
        except ValidationFailed as exc:
            outcome["error"] = exc
        finally:
            connections.close_all()

    ours_thread = threading.Thread(target=ours)
    ours_thread.start()
    blocked, deadline = False, time.monotonic() + 30
    while not blocked and time.monotonic() < deadline:  # until our insert waits behind the other transaction's row
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            blocked = cursor.fetchone()[0] > 0
        if not blocked:
            time.sleep(0.05)
    release.set()
    other.join(timeout=30)
    ours_thread.join(timeout=30)
    close_old_connections()
    assert blocked, "our insert never waited on the other transaction: the race was not reproduced"
    assert list(outcome["error"].fields) == ["business_number"]
    assert Enterprise.objects.count() == 1
    assert not AuditEvent.objects.filter(action="enterprises.enterprise.create").exists()
