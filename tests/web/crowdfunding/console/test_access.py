"""Who may open each page of the contests' console: managers every page; auditors every page that reads and none
that acts (403, and a forged POST is refused the same); judges, enterprise members (of the entry's enterprise or
another), bank officers and users with no role none (the console is for staff: 403); signed-out visitors the login
page. An object that does not exist is 404."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tests.factories import AuditorFactory, BankOfficerFactory, JudgeFactory, ManagerFactory, UserFactory
from tests.funds.factories import member_of
from tests.web.crowdfunding.funding_world import FundingWorld
from web.crowdfunding import console_urls

from ..helpers import nothing_written

pytestmark = pytest.mark.django_db

READ = {"contests", "contest", "contest-entries", "contest-entry", "contest-round", "contest-round-ranking",
        "contest-advance-list", "contest-awards", "contest-award", "contest-spending-evidence",
        # the funding phase: pools, the quadratic preview, settlements and the payout file are read by auditors too
        "matching-pool", "contest-matching-preview", "contest-settlements", "contest-payout-file"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path


def _objects(cw) -> dict[str, Any]:
    """What the <pk> of each page is."""
    tranche = cw.reported_tranche
    award = tranche.award
    funding = FundingWorld()  # the funding phase's pages: a contest in it, a pool, its funder, a settlement
    return {
        "contest-pool-create": funding.contest, "contest-matching-preview": funding.contest,
        "contest-settlements": funding.contest, "contest-payout-file": funding.contest,
        "matching-pool": funding.pool, "matching-pool-funder": funding.pool, "pool-funder-fund": funding.funder,
        "campaign-settlement-payout": funding.own_settled,
        "enterprise-payout-account": funding.own_settled.campaign.enterprise,
        "matching-pool-edit": funding.pool, "matching-pool-settle": funding.past_pool,
        "pool-return-payout": funding.pool_return, "campaign-settle": funding.other_campaign,
        "contest": cw.contest, "contest-advance": cw.contest, "contest-partner-add": cw.contest,
        "contest-contribution": cw.contest, "contest-award-table": cw.contest, "contest-round-setup": cw.contest,
        "contest-entry": cw.entries[0], "contest-award-prepare": cw.selected(2),
        "contest-round": cw.closed, "contest-round-judges": cw.closed, "contest-round-open": cw.closed,
        "contest-round-close": cw.closed, "contest-round-ranking": cw.closed, "contest-advance-prepare": cw.closed,
        "contest-advance-list": cw.prepared_list, "contest-advance-confirm": cw.prepared_list,
        "contest-advance-cancel": cw.prepared_list,
        "contest-award": award, "contest-award-approve": award, "contest-award-cancel": award,
        "contest-tranche-pay": tranche, "contest-tranche-settle": tranche, "contest-tranche-return": tranche,
        "contest-spending-evidence": tranche.spending.first(),
    }


def _paths(cw) -> dict[str, str]:
    objects = _objects(cw)
    paths = {}
    for pattern in console_urls.urlpatterns:
        assert pattern.name is not None
        args = [objects[pattern.name].pk] if "<int:pk>" in str(pattern.pattern) else []
        paths[pattern.name] = reverse(f"web:{pattern.name}", args=args)
    return paths


def _user(cw, role: str) -> Any:
    return {"manager": ManagerFactory, "auditor": AuditorFactory, "judge": lambda: cw.judges[0],
            "member": cw.member_of_awarded, "other_member": member_of, "bank_officer": BankOfficerFactory,
            "nobody": UserFactory, "other_judge": JudgeFactory}[role]()


def test_every_page_with_an_object_is_in_this_test(cw):
    assert set(_paths(cw)) == {pattern.name for pattern in console_urls.urlpatterns}


@pytest.mark.parametrize("role", ["manager", "auditor"])
def test_staff_open_what_their_role_allows(cw, client_as, role):
    client = client_as(_user(cw, role))
    wrong = []
    for name, path in _paths(cw).items():
        expected = 200 if role == "manager" or name in READ else 403
        status = client.get(path).status_code
        if status != expected:
            wrong.append(f"{role} GET {path} ({name}): {status}, expected {expected}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("role", ["judge", "other_judge", "member", "other_member", "bank_officer", "nobody"])
def test_anyone_but_staff_is_refused_every_console_page(cw, client_as, role):
    client = client_as(_user(cw, role))
    wrong = [f"{name}: {status}" for name, path in _paths(cw).items()
             if (status := client.get(path).status_code) != 403]
    assert not wrong, wrong


@pytest.mark.parametrize("role", ["auditor", "judge", "member"])
def test_a_forged_post_of_a_refused_role_writes_nothing(cw, client_as, role):
    paths = _paths(cw)
    client = client_as(_user(cw, role))
    with nothing_written():
        for name in ("contest-advance", "contest-contribution", "contest-round-close", "contest-advance-confirm",
                     "contest-award-approve", "contest-tranche-settle", "enterprise-payout-account",
                     "campaign-settle", "matching-pool-settle", "matching-pool-edit", "pool-return-payout"):
            assert client.post(paths[name], {"idempotency_key": "web-forged", "reason": "x", "bank": "088",
                                             "account_number": "1101234567890", "holder": "위조"}).status_code == 403


def test_signed_out_visitors_are_sent_to_the_login_page(cw, client_as):
    for path in _paths(cw).values():
        response = client_as(None).get(path)
        assert response.status_code == 302 and response["Location"].startswith("/login/?next="), path


def test_an_object_that_does_not_exist_is_404(cw, client_as, manager):
    client = client_as(manager)
    for name in ("contest", "contest-entry", "contest-round", "contest-advance-list", "contest-award",
                 "contest-tranche-pay", "contest-spending-evidence", "contest-award-prepare",
                 "enterprise-payout-account"):
        assert client.get(reverse(f"web:{name}", args=[999_999])).status_code == 404, name
