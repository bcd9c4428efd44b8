"""Guarantee applications in the console: the list (filters, downloads), the page (terms, the enterprise's exposure
across the instruments, the audit trail) and the three judgements, each one service: recommend or decline (reason
required), approve (reason optional), reject (reason required). Four eyes are visible before anyone tries (the
manager who recommended sees a note, not an approve button) and a forged POST is refused by the service with its
message, writing nothing; so is a role that may not act (an auditor), and bad input (the rule beside the field)."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from guarantees.models import Guarantee, GuaranteeApplication
from tests.guarantees.factories import make_guarantee
from tests.guarantees.pipeline import make_application

from .helpers import FOUR_EYES_NOTE, field_errors, ko, nothing_written, text

pytestmark = pytest.mark.django_db

State = GuaranteeApplication.State


def _url(name: str, application: GuaranteeApplication) -> str:
    return reverse(f"web:{name}", args=[application.pk])


# --- the list --------------------------------------------------------------------------------------------------


def test_the_list_filters_by_program_state_and_enterprise_and_downloads_what_it_shows(gw, client_as, manager):
    submitted, recommended = gw.submitted, gw.recommended
    client = client_as(manager)

    page = text(client.get("/console/guarantee-applications/"))
    assert f"GA{submitted.pk}" in page and f"GA{recommended.pk}" in page
    assert 'href="/console/guarantee-applications/"' in page  # the menu entry

    by_state = text(client.get("/console/guarantee-applications/", {"state": "recommended"}))
    assert f"GA{recommended.pk}<" in by_state and f"GA{submitted.pk}<" not in by_state
    by_name = text(client.get("/console/guarantee-applications/", {"q": submitted.enterprise.name}))
    assert f"GA{submitted.pk}<" in by_name and f"GA{recommended.pk}<" not in by_name
    by_program = text(client.get("/console/guarantee-applications/", {"program": gw.program.pk}))
    assert f"GA{submitted.pk}<" in by_program and f"GA{recommended.pk}<" in by_program

    download = client.get("/console/guarantee-applications/", {"state": "submitted", "_export": "csv"})
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert len(rows) == 2  # the header and the submitted application
    assert rows[1][0] == f"GA{submitted.pk}" and "20000000" in rows[1]
    sheet = openpyxl.load_workbook(io.BytesIO(client.get("/console/guarantee-applications/",
                                                          {"_export": "xlsx"}).content)).active
    assert sheet.max_row == 3


def test_a_bad_filter_shows_its_rule_and_no_rows(gw, client_as, manager):
    assert gw.submitted.pk
    response = client_as(manager).get("/console/guarantee-applications/", {"program": "999999"})
    assert response.status_code == 400
    assert f"GA{gw.submitted.pk}<" not in text(response)


# --- the page --------------------------------------------------------------------------------------------------


def test_the_page_shows_the_terms_the_share_and_what_the_enterprise_owes_across_instruments(gw, client_as, manager):
    application = gw.submitted
    # The same enterprise already stands behind a 5,000,000 guarantee under the program.
    make_guarantee(gw.program, enterprise=application.enterprise, amount=5_000_000)

    page = text(client_as(manager).get(_url("guarantee-application", application)))

    assert application.enterprise.name in page and gw.program.name in page and gw.bank.name in page
    assert "₩20,000,000" in page  # asked for; 100 % of it would be guaranteed
    assert "₩5,000,000" in page  # owed under the special guarantees (and in total: no loan elsewhere)
    assert "₩30,000,000" in page  # the per-firm limit
    assert "guarantees.application.submit" in page  # the audit trail
    assert _url("guarantee-application-recommend", application) in page


def test_a_member_of_another_enterprise_and_a_bank_officer_may_not_open_the_console(gw, client_as, bank_officer):
    response = client_as(bank_officer).get(_url("guarantee-application", gw.submitted))
    assert response.status_code == 403


# --- recommend or decline ----------------------------------------------------------------------------------------


def test_a_manager_recommends_a_submitted_application(gw, client_as, manager):
    application = gw.submitted
    response = client_as(manager).post(_url("guarantee-application-recommend", application),
                                       {"decision": "recommend", "reason": "사업성 양호"})
    assert response.status_code == 303
    assert response["Location"] == _url("guarantee-application", application)
    application.refresh_from_db()
    assert (application.state, application.recommended_by_id, application.recommend_reason) == (
        State.RECOMMENDED, manager.pk, "사업성 양호")


def test_a_manager_declines_a_submitted_application(gw, client_as, manager):
    application = gw.submitted
    client_as(manager).post(_url("guarantee-application-recommend", application),
                            {"decision": "decline", "reason": "상환 능력 부족"})
    application.refresh_from_db()
    assert application.state == State.DECLINED


@pytest.mark.parametrize("data", [{}, {"decision": "recommend"}, {"decision": "maybe", "reason": "x"},
                                  {"decision": "recommend", "reason": "x" * 1001}],
                         ids=["nothing", "no-reason", "unknown-decision", "reason-too-long"])
def test_a_review_with_bad_input_is_a_400_beside_the_field_and_writes_nothing(gw, client_as, manager, data):
    application = gw.submitted
    client = client_as(manager)
    with nothing_written():
        response = client.post(_url("guarantee-application-recommend", application), data)
    assert response.status_code == 400
    assert set(field_errors(response)) <= {"decision", "reason"} and field_errors(response)
    assert 'class="error"' in text(response)


def test_a_blank_reason_is_refused_by_the_service_beside_the_field(gw, client_as, manager):
    application = gw.submitted
    with nothing_written():
        response = client_as(manager).post(_url("guarantee-application-recommend", application),
                                           {"decision": "recommend", "reason": "   "})
    assert response.status_code == 400
    assert "reason" in field_errors(response)


def test_reviewing_an_application_already_reviewed_is_a_409_with_the_services_message(gw, client_as, manager):
    application = gw.recommended
    with nothing_written():
        response = client_as(manager).post(_url("guarantee-application-recommend", application),
                                           {"decision": "recommend", "reason": "다시"})
    assert response.status_code == 409
    assert "form-errors" in text(response)


# --- approve and reject, four eyes -------------------------------------------------------------------------------


def test_the_manager_who_recommended_sees_the_note_and_no_approve_button(gw, client_as):
    application = gw.recommended  # recommended by gw.preparer
    client = client_as(gw.preparer)

    page = text(client.get(_url("guarantee-application", application)))
    assert ko(FOUR_EYES_NOTE) in page
    assert _url("guarantee-application-approve", application) not in page
    action = client.get(_url("guarantee-application-approve", application))
    assert action.status_code == 200 and ko(FOUR_EYES_NOTE) in text(action)
    assert 'class="action-form"' not in text(action)  # no form is offered


def test_a_forged_approval_by_the_recommender_is_refused_by_the_service_and_writes_nothing(gw, client_as):
    application = gw.recommended
    with nothing_written():
        response = client_as(gw.preparer).post(_url("guarantee-application-approve", application),
                                               {"reason": "위조"})
    assert response.status_code == 409
    application.refresh_from_db()
    assert application.state == State.RECOMMENDED


def test_another_manager_approves_and_the_guarantee_is_made_and_linked(gw, client_as, manager):
    application = gw.recommended
    client = client_as(manager)
    page = text(client.get(_url("guarantee-application", application)))
    assert _url("guarantee-application-approve", application) in page and ko(FOUR_EYES_NOTE) not in page

    response = client.post(_url("guarantee-application-approve", application), {"reason": ""})

    assert response.status_code == 303
    application.refresh_from_db()
    guarantee = Guarantee.objects.get(application=application)
    assert (application.state, application.decided_by_id) == (State.APPROVED, manager.pk)
    assert guarantee.guaranteed.amount == 20_000_000  # 20,000,000 x 100 %
    page = text(client.get(_url("guarantee-application", application)))
    assert f'href="/console/guarantees/{guarantee.pk}/"' in page
    assert f"G{guarantee.pk}" in page


def test_an_approval_over_the_per_firm_limit_is_a_422_with_the_limit_and_writes_nothing(gw, client_as, manager):
    application = gw.recommended
    # The enterprise already owes 15,000,000 under another guarantee: 15 + 20 > 30 (the per-firm limit).
    make_guarantee(gw.program, enterprise=application.enterprise, amount=15_000_000)
    with nothing_written():
        response = client_as(manager).post(_url("guarantee-application-approve", application), {"reason": ""})
    assert response.status_code == 422
    assert "30,000,000원" in text(response) and "form-errors" in text(response)  # format_won


def test_rejecting_needs_a_reason_and_then_closes_the_application(gw, client_as, manager):
    application = gw.recommended
    client = client_as(manager)
    with nothing_written():
        refused = client.post(_url("guarantee-application-reject", application), {"reason": ""})
    assert refused.status_code == 400 and "reason" in field_errors(refused)

    response = client.post(_url("guarantee-application-reject", application), {"reason": "상환 계획 미흡"})

    assert response.status_code == 303
    application.refresh_from_db()
    assert (application.state, application.decision_reason) == (State.REJECTED, "상환 계획 미흡")


def test_a_forged_rejection_by_the_recommender_is_refused(gw, client_as):
    application = gw.recommended
    with nothing_written():
        response = client_as(gw.preparer).post(_url("guarantee-application-reject", application),
                                               {"reason": "위조"})
    assert response.status_code == 409


def test_approving_an_application_not_recommended_is_a_409(gw, client_as, manager):
    application = gw.submitted
    with nothing_written():
        response = client_as(manager).post(_url("guarantee-application-approve", application), {"reason": ""})
    assert response.status_code == 409


def test_a_manager_of_the_enterprise_may_not_judge_its_application(gw, client_as, manager):
    from tests.factories import MembershipFactory

    application = gw.submitted
    MembershipFactory(enterprise=application.enterprise, user=manager)
    with nothing_written():
        response = client_as(manager).post(_url("guarantee-application-recommend", application),
                                           {"decision": "recommend", "reason": "추천"})
    assert response.status_code == 409


# --- auditors read, never act -----------------------------------------------------------------------------------


def test_an_auditor_reads_the_pages_without_buttons_and_a_forged_post_is_a_403(gw, client_as, auditor):
    client = client_as(auditor)
    assert gw.submitted.pk
    page = text(client.get(_url("guarantee-application", gw.recommended)))
    assert "/approve/" not in page and "/reject/" not in page and "/recommend/" not in page
    assert client.get(_url("guarantee-application-approve", gw.recommended)).status_code == 403
    with nothing_written():
        assert client.post(_url("guarantee-application-approve", gw.recommended), {"reason": ""}).status_code == 403
        assert client.post(_url("guarantee-application-recommend", gw.submitted),
                           {"decision": "recommend", "reason": "x"}).status_code == 403
        assert client.post(_url("guarantee-application-reject", gw.recommended),
                           {"reason": "x"}).status_code == 403


def test_the_list_of_another_programs_applications_is_empty_when_filtered(gw, client_as, manager):
    from tests.guarantees.factories import make_program

    other = make_program(code="dalseo-2026", name="달서구 2026")
    application = make_application(other, amount=10_000_000, state="submitted")
    page = text(client_as(manager).get("/console/guarantee-applications/", {"program": gw.program.pk}))
    assert f"GA{application.pk}<" not in page
