"""``GET /api/v1/me/``: who I am, my roles, my institution, the enterprises I act for."""

from __future__ import annotations

import pytest

from enterprises.models import Membership
from tests.api.helpers import assert_error
from tests.factories import EnterpriseFactory, InstitutionFactory, ManagerFactory, MembershipFactory

ME = "/api/v1/me/"

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "roles"),
    [
        ("plain_user", []),
        ("judge", ["judge"]),
        ("evaluator", ["evaluator"]),
        ("member", ["enterprise_member"]),
        ("manager", ["fund_manager"]),
        ("auditor", ["auditor"]),
        ("admin_user", ["admin"]),
        ("backer", ["backer"]),
        ("investor", ["investor"]),
    ],
)
def test_me_names_the_user_and_its_roles(request, bearer_client, role, roles):
    user = request.getfixturevalue(role)

    response = bearer_client(user).get(ME)

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == user.pk
    assert body["username"] == user.username
    assert body["display_name"] == user.display_name
    assert body["email"] == user.email
    assert body["roles"] == roles
    assert body["email_verified"] == (user.email_verified_at is not None)
    assert set(body) == {"id", "username", "display_name", "email", "email_verified", "roles", "institution",
                         "enterprises"}


def test_a_user_with_no_role_has_no_enterprises_and_no_institution(bearer_client, plain_user):
    body = bearer_client(plain_user).get(ME).json()

    assert body["enterprises"] == []
    assert body["institution"] is None


def test_a_member_sees_the_enterprises_it_acts_for_and_their_roles(bearer_client, member, enterprise):
    second = EnterpriseFactory(name="가나다 협동조합", kind="cooperative")
    MembershipFactory(user=member, enterprise=second, role=Membership.Role.OWNER)
    EnterpriseFactory(name="남의 기업")  # not its own: must not appear

    body = bearer_client(member).get(ME).json()

    assert body["enterprises"] == [
        {
            "enterprise_id": second.pk,
            "enterprise_name": "가나다 협동조합",
            "enterprise_kind": "cooperative",
            "role": "owner",
        },
        {
            "enterprise_id": enterprise.pk,
            "enterprise_name": enterprise.name,
            "enterprise_kind": "social",
            "role": "member",
        },
    ]


def test_a_manager_who_is_also_a_member_has_both_roles(bearer_client, enterprise):
    user = ManagerFactory()
    MembershipFactory(user=user, enterprise=enterprise)

    assert bearer_client(user).get(ME).json()["roles"] == ["enterprise_member", "fund_manager"]


def test_a_superuser_in_a_group_has_admin_and_the_group_role(bearer_client):
    user = ManagerFactory(is_superuser=True, is_staff=True)

    assert bearer_client(user).get(ME).json()["roles"] == ["admin", "fund_manager"]


def test_me_shows_the_staff_members_institution(bearer_client):
    city = InstitutionFactory(name="성동구청", kind="municipality")
    user = ManagerFactory(institution=city)

    body = bearer_client(user).get(ME).json()

    assert body["institution"] == {"id": city.pk, "name": "성동구청", "kind": "municipality"}


def test_me_for_anonymous_is_401(api):
    assert_error(api.get(ME), 401, "not_authenticated")


def test_me_is_read_only(bearer_client, manager):
    assert_error(bearer_client(manager).post(ME, {}, format="json"), 405, "method_not_allowed")
