"""Creating and editing enterprises through the API: normalised numbers, refusals that name the field, audit; and
which enterprises each role sees."""

from __future__ import annotations

import pytest

from core.models import AuditEvent
from enterprises.models import Enterprise
from tests.api.helpers import assert_error, enterprise_payload, valid_business_number
from tests.factories import MembershipFactory, corporate_number

URL = "/api/v1/enterprises/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_manager(bearer_client, manager):
    return bearer_client(manager)


def detail(enterprise: Enterprise) -> str:
    return f"{URL}{enterprise.pk}/"


def test_valid_business_number_example_is_really_valid():
    assert valid_business_number("123456789") == "123-45-67891"


# --- create ----------------------------------------------------------------------------------------------------


def test_a_manager_creates_an_enterprise_and_the_number_is_stored_without_dashes(as_manager, manager):
    response = as_manager.post(URL, enterprise_payload(business_number="123-45-67891"), format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["business_number"] == "123-45-67891"
    assert body["kind"] == "social_cooperative"
    assert "사회적협동조합" in body["kind_display"]
    assert body["employees"] == 12 and body["vulnerable_employees"] == 5
    stored = Enterprise.objects.get(pk=body["id"])
    assert stored.business_number == "1234567891"
    assert stored.name == "성수동 사회적협동조합"


def test_a_number_sent_without_dashes_or_with_spaces_is_shown_with_dashes(as_manager):
    response = as_manager.post(URL, enterprise_payload(business_number=" 123 45 67891 "), format="json")

    assert response.status_code == 201
    assert response.json()["business_number"] == "123-45-67891"
    assert Enterprise.objects.get().business_number == "1234567891"


def test_a_corporate_number_is_normalised_and_shown_with_a_dash(as_manager):
    number = corporate_number(42)  # 13 digits with a valid check digit

    response = as_manager.post(URL, enterprise_payload(corporate_number=f"{number[:6]}-{number[6:]}"), format="json")

    assert response.status_code == 201
    assert response.json()["corporate_number"] == f"{number[:6]}-{number[6:]}"
    assert Enterprise.objects.get().corporate_number == number


def test_creating_writes_one_audit_event_with_the_after_state(as_manager, manager):
    response = as_manager.post(URL, enterprise_payload(), format="json")

    event = AuditEvent.objects.get()
    assert event.action == "enterprises.enterprise.create"
    assert event.actor == manager
    assert event.object_type == "enterprises.enterprise"
    assert event.object_id == str(response.json()["id"])
    assert event.before is None
    assert event.after["business_number"] == "1234567891"
    assert event.after["name"] == "성수동 사회적협동조합"
    assert event.after["vulnerable_employees"] == 5


def test_an_admin_creates_an_enterprise_too(bearer_client, admin_user):
    response = bearer_client(admin_user).post(URL, enterprise_payload(), format="json")

    assert response.status_code == 201
    assert AuditEvent.objects.get().actor == admin_user


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"business_number": "123-45-67890"}, "business_number", "check digit"),
        ({"business_number": "12345"}, "business_number", "10 digits"),
        ({"business_number": "123-45-6789a"}, "business_number", "10 digits"),
        ({"business_number": "１２３-４５-６７８９１"}, "business_number", "10 digits"),  # full-width digits
        ({"business_number": "123-45-678911"}, "business_number", "10 digits"),
        ({"business_number": ""}, "business_number", ""),
        ({"corporate_number": "110111-1234560"}, "corporate_number", ""),
        ({"corporate_number": "110111-123"}, "corporate_number", "13 digits"),
        ({"employees": 3, "vulnerable_employees": 5}, "vulnerable_employees", "exceed"),
        ({"certified_on": "2024-05-01", "certification_expires_on": "2024-01-01"}, "certification_expires_on", ""),
        ({"kind": "bank"}, "kind", "bank"),
        ({"kind": ""}, "kind", ""),
        ({"province": "tokyo"}, "province", "tokyo"),
        ({"employees": -1}, "employees", ""),
        ({"employees": 10**20}, "employees", ""),  # beyond any integer column: a 400, never a 500
        ({"employees": "many"}, "employees", ""),
        ({"name": ""}, "name", ""),
        ({"name": "가" * 201}, "name", ""),
        ({"email": "not-an-email"}, "email", ""),
        ({"certified_on": "2024-13-01"}, "certified_on", ""),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(as_manager, overrides, field, words):
    # In English, to check that the message names the rule (the default language is Korean).
    response = as_manager.post(URL, enterprise_payload(**overrides), format="json", HTTP_ACCEPT_LANGUAGE="en")

    body = assert_error(response, 400, "validation_error")
    assert field in body["fields"], body
    assert words in " ".join(body["fields"][field])
    assert not Enterprise.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("missing", ["name", "kind", "business_number", "representative", "province", "district"])
def test_a_missing_required_field_is_named(as_manager, missing):
    body = enterprise_payload()
    del body[missing]

    assert missing in assert_error(as_manager.post(URL, body, format="json"), 400, "validation_error")["fields"]


def test_a_duplicate_business_number_is_a_400_whatever_its_dashes(as_manager, enterprise):
    english = {"format": "json", "HTTP_ACCEPT_LANGUAGE": "en"}
    response = as_manager.post(URL, enterprise_payload(business_number=enterprise.business_number), **english)
    dashed = as_manager.post(URL, enterprise_payload(business_number=enterprise.business_number_display), **english)

    for refused in (response, dashed):
        body = assert_error(refused, 400, "validation_error")
        assert "already exists" in " ".join(body["fields"]["business_number"])
    assert Enterprise.objects.count() == 1
    assert not AuditEvent.objects.exists()


def test_malformed_json_is_a_400_parse_error(as_manager):
    response = as_manager.generic("POST", URL, '{"name": "broken', content_type="application/json")

    assert_error(response, 400, "parse_error")
    assert not Enterprise.objects.exists()


def test_a_json_list_instead_of_an_object_is_a_400(as_manager):
    response = as_manager.generic("POST", URL, "[1, 2]", content_type="application/json")

    assert "non_field_errors" in assert_error(response, 400, "validation_error")["fields"]


def test_an_unsupported_media_type_is_a_415_with_the_error_shape(as_manager):
    response = as_manager.generic("POST", URL, "<enterprise/>", content_type="application/xml")

    assert_error(response, 415, "unsupported_media_type")


def test_read_only_fields_in_the_body_are_ignored(as_manager):
    response = as_manager.post(URL, enterprise_payload(id=999_999, created_at="2000-01-01T00:00:00Z"), format="json")

    assert response.status_code == 201
    assert response.json()["id"] != 999_999
    assert not response.json()["created_at"].startswith("2000")


# --- update ----------------------------------------------------------------------------------------------------


def test_a_manager_patches_an_enterprise_and_the_audit_event_has_before_and_after(as_manager, manager, enterprise):
    response = as_manager.patch(detail(enterprise), {"employees": 30, "district": "중구"}, format="json")

    assert response.status_code == 200
    assert response.json()["employees"] == 30
    enterprise.refresh_from_db()
    assert (enterprise.employees, enterprise.district) == (30, "중구")
    event = AuditEvent.objects.get()
    assert event.action == "enterprises.enterprise.update"
    assert event.actor == manager
    assert event.object_id == str(enterprise.pk)
    assert event.before["employees"] == 10 and event.after["employees"] == 30
    assert event.before["district"] == "성동구" and event.after["district"] == "중구"
    assert "name" not in event.before  # only what changed


def test_a_put_replaces_the_details(as_manager, enterprise):
    body = enterprise_payload(name="새 이름 협동조합", business_number=enterprise.business_number_display)

    response = as_manager.put(detail(enterprise), body, format="json")

    assert response.status_code == 200
    enterprise.refresh_from_db()
    assert enterprise.name == "새 이름 협동조합"
    assert enterprise.kind == "social_cooperative"
    assert AuditEvent.objects.get().after["name"] == "새 이름 협동조합"


def test_a_put_with_missing_fields_is_a_400_naming_them(as_manager, enterprise):
    body = assert_error(as_manager.put(detail(enterprise), {"name": "x"}, format="json"), 400, "validation_error")

    assert {"kind", "business_number", "representative", "province", "district"} <= set(body["fields"])
    enterprise.refresh_from_db()
    assert enterprise.name != "x"


def test_changing_the_business_number_normalises_it(as_manager, enterprise):
    new_number = valid_business_number("220816251")

    response = as_manager.patch(detail(enterprise), {"business_number": new_number}, format="json")

    assert response.status_code == 200
    assert response.json()["business_number"] == new_number
    enterprise.refresh_from_db()
    assert enterprise.business_number == new_number.replace("-", "")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"business_number": "123-45-67890"}, "business_number"),
        ({"business_number": "123"}, "business_number"),
        ({"vulnerable_employees": 11}, "vulnerable_employees"),  # the enterprise has 10 employees
        ({"employees": 3}, "vulnerable_employees"),  # and 4 vulnerable-group employees
        ({"kind": "unknown"}, "kind"),
    ],
)
def test_a_refused_update_changes_nothing_and_is_not_audited(as_manager, enterprise, change, field):
    before = Enterprise.objects.filter(pk=enterprise.pk).values().get()

    response = as_manager.patch(detail(enterprise), change, format="json")

    assert field in assert_error(response, 400, "validation_error")["fields"]
    assert Enterprise.objects.filter(pk=enterprise.pk).values().get() == before
    assert not AuditEvent.objects.exists()


def test_taking_another_enterprises_number_is_a_400(as_manager, enterprise, other_enterprise):
    response = as_manager.patch(
        detail(enterprise), {"business_number": other_enterprise.business_number}, format="json"
    )

    assert "business_number" in assert_error(response, 400, "validation_error")["fields"]
    assert not AuditEvent.objects.exists()


def test_keeping_its_own_number_is_not_a_duplicate(as_manager, enterprise):
    response = as_manager.patch(
        detail(enterprise), {"business_number": enterprise.business_number_display}, format="json"
    )

    assert response.status_code == 200


def test_an_update_that_changes_nothing_is_not_audited(as_manager, enterprise):
    response = as_manager.patch(detail(enterprise), {"district": enterprise.district}, format="json")

    assert response.status_code == 200
    assert not AuditEvent.objects.exists()


def test_updating_an_enterprise_that_does_not_exist_is_a_404(as_manager, enterprise):
    response = as_manager.patch(f"{URL}{enterprise.pk + 1000}/", {"district": "중구"}, format="json")

    assert_error(response, 404, "not_found")


def test_a_member_cannot_edit_even_its_own_enterprise(bearer_client, member, enterprise):
    response = bearer_client(member).patch(detail(enterprise), {"district": "중구"}, format="json")

    assert_error(response, 403, "permission_denied")
    enterprise.refresh_from_db()
    assert enterprise.district == "성동구"


def test_an_auditor_reads_but_cannot_edit(bearer_client, auditor, enterprise):
    as_auditor = bearer_client(auditor)

    assert as_auditor.get(detail(enterprise)).status_code == 200
    assert_error(as_auditor.patch(detail(enterprise), {"district": "중구"}, format="json"), 403, "permission_denied")
    assert_error(as_auditor.post(URL, enterprise_payload(), format="json"), 403, "permission_denied")
    assert not AuditEvent.objects.exists()


def test_enterprises_cannot_be_deleted(as_manager, enterprise):
    assert_error(as_manager.delete(detail(enterprise)), 405, "method_not_allowed")
    assert Enterprise.objects.filter(pk=enterprise.pk).exists()


# --- reading ---------------------------------------------------------------------------------------------------


def test_the_list_is_paginated_and_shows_numbers_with_dashes(as_manager, enterprise, other_enterprise):
    body = as_manager.get(URL).json()

    assert body["count"] == 2
    assert set(body) == {"count", "next", "previous", "results"}
    shown = {row["id"]: row["business_number"] for row in body["results"]}
    assert shown[enterprise.pk] == enterprise.business_number_display
    assert "-" in shown[enterprise.pk]


def test_a_non_numeric_id_is_a_404_not_a_500(as_manager):
    assert_error(as_manager.get(f"{URL}abc/"), 404, "not_found")


def test_a_page_past_the_end_is_a_404_with_the_error_shape(as_manager, enterprise):
    assert_error(as_manager.get(f"{URL}?page=99"), 404, "not_found")


# --- who sees which enterprise (moved here from the kernel's role matrix) ---------------------------------------


def test_a_member_lists_only_its_own_enterprise(bearer_client, member, enterprise, other_enterprise):
    response = bearer_client(member).get("/api/v1/enterprises/")

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [enterprise.pk]


@pytest.mark.parametrize("role", ["manager", "auditor", "admin_user"])
def test_staff_list_every_enterprise(request, bearer_client, enterprise, other_enterprise, role):
    response = bearer_client(request.getfixturevalue(role)).get("/api/v1/enterprises/")

    assert response.status_code == 200
    assert response.json()["count"] == 2
    assert {row["id"] for row in response.json()["results"]} == {enterprise.pk, other_enterprise.pk}


def test_another_enterprises_id_looks_exactly_like_an_id_that_does_not_exist(bearer_client, member, other_enterprise):
    client = bearer_client(member)

    theirs = client.get(f"/api/v1/enterprises/{other_enterprise.pk}/")
    nobodys = client.get(f"/api/v1/enterprises/{other_enterprise.pk + 1000}/")

    assert theirs.status_code == nobodys.status_code == 404
    assert theirs.json() == nobodys.json()
    assert other_enterprise.name not in theirs.content.decode()


def test_a_member_of_two_enterprises_sees_both(bearer_client, member, enterprise, other_enterprise):
    MembershipFactory(user=member, enterprise=other_enterprise)

    response = bearer_client(member).get(f"/api/v1/enterprises/{other_enterprise.pk}/")

    assert response.status_code == 200
    assert response.json()["name"] == other_enterprise.name
