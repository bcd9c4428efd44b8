"""The application pages' actions, each one service: a manager reviews (recommends or declines, with a reason),
another approves (reason optional) or rejects (reason required). Four eyes are visible before anyone tries (the
reviewer sees a note, not an approve button) and the forged POST is refused by the service with its message,
writing nothing; so is a role that may not act, and bad input (the field's rule beside the field)."""

from __future__ import annotations

import csv
import io
from html import escape

import pytest
from django.urls import reverse
from django.utils import translation

from funds.models import Loan, LoanApplication
from tests.factories import AuditorFactory, ManagerFactory
from tests.funds.factories import make_application
from tests.funds.helpers import nothing_written

State = LoanApplication.State
FOUR_EYES_NOTE = "You recommended this; another manager must approve."


def _ko(msgid: str) -> str:
    with translation.override("ko"):
        return escape(translation.gettext(msgid))


def _page(application) -> str:
    return reverse("web:application", args=[application.pk])


def test_a_manager_recommends_a_submitted_application(world, client_as, manager):
    application = world.own_submitted
    response = client_as(manager).post(reverse("web:application-review", args=[application.pk]),
                                       {"decision": "recommend", "reason": "사업성 양호"})
    assert response.status_code == 303
    assert response["Location"] == _page(application)
    application.refresh_from_db()
    assert (application.state, application.reviewed_by_id, application.review_reason) == (
        State.RECOMMENDED, manager.pk, "사업성 양호")


def test_a_manager_declines_a_submitted_application(world, client_as, manager):
    application = world.own_submitted
    client_as(manager).post(reverse("web:application-review", args=[application.pk]),
                            {"decision": "decline", "reason": "상환 능력 부족"})
    application.refresh_from_db()
    assert application.state == State.DECLINED


@pytest.mark.parametrize("data", [{}, {"decision": "recommend"}, {"decision": "maybe", "reason": "x"},
                                  {"decision": "recommend", "reason": "x" * 1001}],
                         ids=["nothing", "no-reason", "unknown-decision", "reason-too-long"])
def test_a_review_with_bad_input_is_a_400_beside_the_field_and_writes_nothing(world, client_as, manager, data):
    application = world.own_submitted
    client = client_as(manager)
    with nothing_written():
        response = client.post(reverse("web:application-review", args=[application.pk]), data)
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors
    assert set(form.errors) <= {"decision", "reason"}
    assert 'class="error"' in response.content.decode()


def test_reviewing_an_application_already_reviewed_is_a_409_with_the_services_message(world, client_as, manager):
    application = world.own_recommended
    with nothing_written():
        response = client_as(manager).post(reverse("web:application-review", args=[application.pk]),
                                           {"decision": "recommend", "reason": "다시"})
    assert response.status_code == 409
    assert "심사" in response.content.decode() or "review" in response.content.decode()


def test_another_manager_approves_and_the_loan_is_created_and_linked(world, client_as, manager):
    application = world.own_recommended  # 10,000,000: one approval
    client = client_as(manager)
    response = client.post(reverse("web:application-approve", args=[application.pk]), {"reason": ""})
    assert response.status_code == 303
    application.refresh_from_db()
    assert application.state == State.APPROVED
    loan = Loan.objects.get(application=application)
    body = client.get(_page(application)).content.decode()
    assert f'href="{reverse("web:loan", args=[loan.pk])}"' in body


def test_an_amount_above_the_tier_needs_a_second_approver(world, client_as, manager, other_manager):
    application = make_application(world.product, member=world.member, amount=40_000_000, state="recommended",
                                   reviewer=world.reviewer)
    url = reverse("web:application-approve", args=[application.pk])
    client = client_as(manager)
    response = client.post(url, {"reason": "1차"}, follow=True)
    application.refresh_from_db()
    assert application.state == State.RECOMMENDED
    with translation.override("ko"):
        expected = translation.gettext("Your approval was recorded; %(given)s of %(required)s approvals given.") % {
            "given": 1, "required": 2}
    assert [str(m) for m in response.context["messages"]] == [expected]
    page = client.get(_page(application)).content.decode()
    assert f'href="{url}"' not in page  # approved once: this manager waits for another
    with nothing_written():
        again = client.post(url, {"reason": "또"})
    assert again.status_code == 409
    client_as(other_manager).post(url, {"reason": "2차"})
    application.refresh_from_db()
    assert application.state == State.APPROVED


def test_the_reviewer_sees_the_four_eyes_note_instead_of_the_approve_button(world, client_as):
    application = world.own_recommended
    client = client_as(world.reviewer)
    page = client.get(_page(application)).content.decode()
    approve = reverse("web:application-approve", args=[application.pk])
    assert f'href="{approve}"' not in page
    assert escape(FOUR_EYES_NOTE) in page or _ko(FOUR_EYES_NOTE) in page
    action = client.get(approve)
    assert action.status_code == 200
    assert action.context["blocked"]
    assert "<form method=\"post\" class=\"action-form\"" not in action.content.decode()

    other = client_as(ManagerFactory()).get(_page(application)).content.decode()
    assert f'href="{approve}"' in other
    assert f'href="{reverse("web:application-reject", args=[application.pk])}"' in other


@pytest.mark.parametrize("action", ["web:application-approve", "web:application-reject"])
def test_the_reviewers_forged_decision_is_refused_by_the_service_and_changes_nothing(world, client_as, action):
    application = world.own_recommended
    with nothing_written():
        response = client_as(world.reviewer).post(reverse(action, args=[application.pk]), {"reason": "내가 승인"})
    assert response.status_code == 409
    msgid = ("The manager who reviewed an application may not approve it (four eyes)." if action.endswith("approve")
             else "The manager who reviewed an application may not also decide it (four eyes).")
    assert _ko(msgid) in response.content.decode()


@pytest.mark.parametrize("who", ["auditor", "member", "other_member"])
@pytest.mark.parametrize("action", ["web:application-review", "web:application-approve", "web:application-reject"])
def test_a_role_that_may_not_judge_is_refused_a_forged_post(world, client_as, who, action):
    application = world.own_submitted if action.endswith("review") else world.own_recommended
    user = AuditorFactory() if who == "auditor" else getattr(world, who)
    with nothing_written():
        response = client_as(user).post(reverse(action, args=[application.pk]),
                                        {"decision": "recommend", "reason": "위조"})
    assert response.status_code == 403


def test_a_rejection_needs_a_reason(world, client_as, manager):
    application = world.own_recommended
    url = reverse("web:application-reject", args=[application.pk])
    client = client_as(manager)
    with nothing_written():
        response = client.post(url, {"reason": "  "})
    assert response.status_code == 400
    assert "reason" in response.context["form"].errors
    response = client.post(url, {"reason": "서류 미비"})
    assert response.status_code == 303
    application.refresh_from_db()
    assert (application.state, application.decision_reason) == (State.REJECTED, "서류 미비")


def test_approving_a_submitted_application_is_a_409_naming_its_state(world, client_as, manager):
    application = world.own_submitted
    with nothing_written():
        response = client_as(manager).post(reverse("web:application-approve", args=[application.pk]), {})
    assert response.status_code == 409
    assert escape(str(application.get_state_display())) in response.content.decode()


def test_the_application_page_shows_the_request_the_review_the_approvals_and_the_audit_trail(world, client_as):
    application = world.own_recommended
    body = client_as(AuditorFactory()).get(_page(application)).content.decode()
    assert application.enterprise.name in body
    assert "₩10,000,000" in body
    assert "심사 의견" in body  # the review reason the factory gave
    assert world.reviewer.username in body
    assert "funds.application.review" in body and "funds.application.submit" in body
    assert 'href="' + reverse("web:application-approve", args=[application.pk]) not in body  # read only


def test_the_application_list_filters_by_state_fund_product_and_enterprise_and_sorts(world, client_as, manager):
    world.build("own_submitted", "other_submitted", "own_recommended")
    client = client_as(manager)
    url = reverse("web:applications")

    def ids(**query):
        response = client.get(url, query)
        assert response.status_code == 200
        return sorted(a.pk for a in response.context["table"].data)

    assert ids(state="submitted") == sorted([world.own_submitted.pk, world.other_submitted.pk])
    assert ids(state="recommended", fund=world.fund.pk, product=world.product.pk) == [world.own_recommended.pk]
    assert ids(q=world.other.name) == [world.other_submitted.pk]
    assert ids(fund=world.bad_fund.pk) == []
    response = client.get(url, {"sort": "amount"})
    assert response.status_code == 200
    bad = client.get(url, {"state": "nonsense"})
    assert bad.status_code == 400 and "state" in bad.context["filter"].form.errors


def test_the_application_list_downloads_every_filtered_row(world, client_as, manager):
    world.build("own_submitted", "other_submitted")
    response = client_as(manager).get(reverse("web:applications"), {"_export": "csv", "state": "submitted"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 3
    assert {row[0] for row in rows[1:]} == {f"A{world.own_submitted.pk}", f"A{world.other_submitted.pk}"}
    assert all(row[4] == "10000000" for row in rows[1:])
    assert all(row[7] == "0 / 1" for row in rows[1:])
