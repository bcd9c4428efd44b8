"""Partner institutions: everyone signed in reads them, managers (and the admin) register them."""

from __future__ import annotations

import pytest

from core.models import AuditEvent
from enterprises.models import Institution
from tests.api.helpers import assert_error, institution_payload, valid_business_number

URL = "/api/v1/institutions/"

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["plain_user", "judge", "evaluator", "member", "manager", "auditor", "admin_user"])
def test_everyone_signed_in_reads_the_institutions(request, bearer_client, institution, role):
    client = bearer_client(request.getfixturevalue(role))

    listed = client.get(URL)
    one = client.get(f"{URL}{institution.pk}/")

    assert listed.status_code == 200
    assert [row["name"] for row in listed.json()["results"]] == [institution.name]
    assert one.status_code == 200
    assert one.json()["kind"] == "municipality"


def test_anonymous_cannot_read_institutions(api, institution):
    assert_error(api.get(URL), 401, "not_authenticated")


@pytest.mark.parametrize("role", ["manager", "admin_user"])
def test_a_manager_or_admin_registers_an_institution_with_an_audit_event(request, bearer_client, role):
    user = request.getfixturevalue(role)

    response = bearer_client(user).post(URL, institution_payload(), format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "성동구청"
    assert body["business_number"] == valid_business_number("212830001")
    stored = Institution.objects.get(pk=body["id"])
    assert stored.business_number == valid_business_number("212830001").replace("-", "")
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.object_id) == ("enterprises.institution.create", user, str(stored.pk))
    assert event.after["name"] == "성동구청"


def test_an_institution_without_a_business_number_is_fine(bearer_client, manager):
    response = bearer_client(manager).post(URL, institution_payload(business_number=""), format="json")

    assert response.status_code == 201
    assert response.json()["business_number"] == ""


@pytest.mark.parametrize("role", ["plain_user", "judge", "evaluator", "member", "auditor"])
def test_other_roles_cannot_register_institutions(request, bearer_client, role):
    response = bearer_client(request.getfixturevalue(role)).post(URL, institution_payload(), format="json")

    assert_error(response, 403, "permission_denied")
    assert not Institution.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"business_number": "123-45-67890"}, "business_number"),
        ({"business_number": "12-34"}, "business_number"),
        ({"kind": "church"}, "kind"),
        ({"name": ""}, "name"),
        ({"email": "nope"}, "email"),
        ({"province": "atlantis"}, "province"),
    ],
)
def test_bad_institution_input_is_a_400_naming_the_field(bearer_client, manager, overrides, field):
    response = bearer_client(manager).post(URL, institution_payload(**overrides), format="json")

    assert field in assert_error(response, 400, "validation_error")["fields"]
    assert not Institution.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_second_institution_with_the_same_name_is_a_400(bearer_client, manager, institution):
    response = bearer_client(manager).post(URL, institution_payload(name=institution.name), format="json")

    assert "name" in assert_error(response, 400, "validation_error")["fields"]
    assert Institution.objects.count() == 1
    assert not AuditEvent.objects.exists()


def test_institutions_are_not_edited_or_deleted_through_the_api(bearer_client, manager, institution):
    client = bearer_client(manager)

    assert_error(client.patch(f"{URL}{institution.pk}/", {"name": "x"}, format="json"), 405, "method_not_allowed")
    assert_error(client.delete(f"{URL}{institution.pk}/"), 405, "method_not_allowed")
    assert Institution.objects.get(pk=institution.pk).name == institution.name
