"""The access table type (``enterprises.access``): who may do an action, by role, and the refusal it raises."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from core.errors import Forbidden
from enterprises.access import Access, Allow
from enterprises.roles import Role

pytestmark = pytest.mark.django_db

TABLE = Access("example", {
    "thing.read": Allow(Role.FUND_MANAGER, Role.AUDITOR, members=True),
    "thing.change": Allow(Role.FUND_MANAGER),
    "thing.list": Allow(signed_in=True),
    "thing.apply": Allow(members=True),
})


def test_a_role_the_table_names_may_and_another_may_not(manager, auditor, judge):
    assert TABLE.allows(manager, "thing.change")
    assert not TABLE.allows(auditor, "thing.change")
    assert not TABLE.allows(judge, "thing.read")


def test_members_true_lets_enterprise_members_in_and_nobody_else(member, manager, plain_user):
    assert TABLE.allows(member, "thing.apply") and TABLE.allows(member, "thing.read")
    assert not TABLE.allows(manager, "thing.apply")
    assert not TABLE.allows(plain_user, "thing.apply")
    assert TABLE.roles("thing.apply") == {Role.ENTERPRISE_MEMBER}
    assert TABLE.members_may("thing.apply") and not TABLE.members_may("thing.change")


def test_signed_in_lets_in_a_user_with_no_role_but_never_an_anonymous_caller(plain_user):
    assert TABLE.allows(plain_user, "thing.list")
    assert TABLE.anyone_signed_in("thing.list") and not TABLE.anyone_signed_in("thing.read")
    assert TABLE.roles("thing.list") == set(Role)
    for action in TABLE:
        assert not TABLE.allows(AnonymousUser(), action)
        assert not TABLE.allows(None, action)


def test_an_admin_is_only_what_the_table_says(admin_user):
    assert not TABLE.allows(admin_user, "thing.change")  # an admin is not a fund manager unless the table says so


def test_require_refuses_in_the_default_language_korean(judge, manager):
    TABLE.require(manager, "thing.change")

    with pytest.raises(Forbidden) as refused:
        TABLE.require(judge, "thing.change")

    assert refused.value.code == "permission_denied"
    assert refused.value.message == "현재 역할로는 이 작업을 할 수 없습니다."


def test_an_action_the_table_does_not_have_is_a_programming_error_not_a_refusal(manager):
    with pytest.raises(KeyError, match=r"example has no action 'thing\.delete'"):
        TABLE.allows(manager, "thing.delete")
    assert "thing.delete" not in TABLE and len(TABLE) == 4


@pytest.mark.parametrize(("roles", "kwargs"), [
    ((), {}),  # nobody
    ((Role.ENTERPRISE_MEMBER,), {}),  # members are members=True
    ((Role.FUND_MANAGER,), {"signed_in": True}),  # signed_in already lets everyone in
])
def test_an_allow_that_says_nothing_clear_is_refused_when_the_table_is_written(roles, kwargs):
    with pytest.raises(ValueError):
        Allow(*roles, **kwargs)
