"""roles_of and has_role: staff roles come from groups, enterprise membership is a role, superusers are admins."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.utils import translation

from core.errors import Forbidden
from enterprises.models import User
from enterprises.roles import (
    MANAGERS,
    STAFF_READERS,
    Role,
    has_role,
    is_member,
    require_manager,
    require_role,
    roles_of,
)
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def fresh(user: User) -> User:
    """The user as a new request would load it, without the per-object role cache."""
    return User.objects.get(pk=user.pk)


def test_an_anonymous_visitor_has_no_role():
    assert roles_of(AnonymousUser()) == set()
    assert not has_role(AnonymousUser(), *Role)


def test_none_has_no_role():
    assert roles_of(None) == set()


def test_a_signed_in_user_without_groups_or_memberships_has_no_role(plain_user):
    assert roles_of(plain_user) == set()


@pytest.mark.parametrize(
    ("fixture", "role"),
    [
        ("manager", Role.FUND_MANAGER),
        ("auditor", Role.AUDITOR),
        ("judge", Role.JUDGE),
        ("evaluator", Role.EVALUATOR),
        ("investor", Role.INVESTOR),
        ("member", Role.ENTERPRISE_MEMBER),
        ("admin_user", Role.ADMIN),
    ],
)
def test_each_kind_of_user_has_exactly_its_role(request, fixture, role):
    user = fresh(request.getfixturevalue(fixture))
    assert roles_of(user) == {role}
    assert has_role(user, role)
    assert not has_role(user, *(set(Role) - {role}))


def test_a_manager_who_is_also_a_member_has_both_roles(manager):
    MembershipFactory(user=manager)
    assert roles_of(fresh(manager)) == {Role.FUND_MANAGER, Role.ENTERPRISE_MEMBER}


def test_a_user_in_several_staff_groups_has_each_role():
    user = UserFactory(role_groups=["auditor", "judge"])
    assert roles_of(fresh(user)) == {Role.AUDITOR, Role.JUDGE}


def test_a_group_that_is_not_a_role_gives_no_role(plain_user):
    plain_user.groups.add(Group.objects.create(name="newsletter"))
    assert roles_of(fresh(plain_user)) == set()


def test_staff_status_alone_is_not_the_admin_role():
    assert roles_of(fresh(UserFactory(is_staff=True))) == set()


def test_a_superuser_in_a_staff_group_has_both_roles():
    user = UserFactory(is_superuser=True, is_staff=True, role_groups=["fund_manager"])
    assert roles_of(fresh(user)) == {Role.ADMIN, Role.FUND_MANAGER}


def test_roles_are_cached_on_the_user_object_for_the_request(plain_user):
    user = fresh(plain_user)
    assert roles_of(user) == set()
    MembershipFactory(user=plain_user)
    assert roles_of(user) == set()  # same request, same answer
    assert roles_of(fresh(plain_user)) == {Role.ENTERPRISE_MEMBER}  # the next request sees the membership


# --- the shared checks: is_member, require_role, require_manager -------------------------------------------------


def test_a_member_is_a_member_of_its_own_enterprise_only(member):
    own = member.memberships.get().enterprise_id
    other = MembershipFactory().enterprise_id
    assert is_member(member, own)
    assert not is_member(member, other)
    assert not is_member(member, None)


@pytest.mark.parametrize("who", [None, AnonymousUser()], ids=["none", "anonymous"])
def test_nobody_signed_in_is_a_member_of_anything(who):
    assert not is_member(who, MembershipFactory().enterprise_id)


def test_a_manager_is_not_a_member_of_the_enterprises_it_oversees(manager):
    assert not is_member(manager, MembershipFactory().enterprise_id)


def test_require_role_refuses_with_the_message_given_and_lets_the_role_through(manager, auditor):
    require_role(auditor, *STAFF_READERS, message="staff only")
    with pytest.raises(Forbidden, match="managers only") as refused:
        require_role(auditor, *MANAGERS, message="managers only")
    assert refused.value.code == "permission_denied"
    require_role(manager, *MANAGERS, message="managers only")


def test_require_manager_lets_managers_and_admins_through_and_refuses_everyone_else(
    manager, admin_user, auditor, member
):
    require_manager(manager)
    require_manager(admin_user)
    for user in (auditor, member, AnonymousUser(), None):
        with translation.override("en"), pytest.raises(Forbidden, match="Only a fund manager may do this"):
            require_manager(user)
    with pytest.raises(Forbidden, match="not yours to approve"):
        require_manager(member, "not yours to approve")


def test_an_investor_acts_for_its_investing_institution_and_an_evaluator_for_its_evaluator_institution(investor):
    from enterprises.models import Institution
    from enterprises.roles import evaluator_of, investor_of
    from tests.factories import EvaluatorFactory, InstitutionFactory, InvestorFactory

    assert investor_of(fresh(investor)) == investor.institution_id
    assert evaluator_of(fresh(investor)) is None
    university = InstitutionFactory(kind=Institution.Kind.EVALUATOR)
    evaluator = EvaluatorFactory(institution=university)
    assert evaluator_of(fresh(evaluator)) == university.pk and investor_of(fresh(evaluator)) is None
    # The role without an institution of its kind acts for nobody.
    assert investor_of(fresh(InvestorFactory(institution=university))) is None
    assert evaluator_of(fresh(EvaluatorFactory())) is None
