"""The evaluators' desk in a real browser: evaluator A of the contract's evaluator institution records a result
with its evaluation report uploaded (more people with the outcome than engaged is refused beside the field first),
may not confirm it herself (a forged confirmation: 409); evaluator B confirms it from the desk's start page; another
institution's evaluator gets 404 for the contract. A confirmed result is disputed: evaluator A reopens it (without a
reason it is refused beside the reason field first), records it again, and evaluator B confirms it; the audit trail
holds the reopening with its reason. Every page is checked with axe-core and saved as a screenshot."""

from __future__ import annotations

import pytest
from selenium.webdriver.support.ui import Select

from bonds.actions import RESULT_CONFIRM, RESULT_RECORD, RESULT_REOPEN
from bonds.models import Result, ResultEvidence
from core.models import AuditEvent
from tests.bonds.factories import PDF, make_world, record_and_confirm, sign_and_start
from tests.factories import AuditorFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_evaluator_records_a_result_with_evidence_and_another_confirms_it(site, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    world = make_world()
    sign_and_start(world)
    first, second = world.evaluators
    page = f"/evaluator/bonds/{world.contract.pk}/"
    report = tmp_path / "report.pdf"
    report.write_bytes(PDF)

    site.login(first)
    site.wait_path("/evaluator/")
    site.check("bonds-ev-01-home", phone=True)
    site.find(f"a[href='{page}']").click()
    site.wait_path(page)
    site.check("bonds-ev-02-contract")
    site.find(f"a[href='{page}record/']").click()
    site.wait_path(f"{page}record/")
    Select(site.find("#id_metric")).select_by_value(str(world.cost.pk))
    Select(site.find("#id_point")).select_by_value(str(world.interim.pk))
    site.type("#id_engaged", "74")
    site.type("#id_with_outcome", "80")  # more than engaged: refused beside the field
    site.find("#id_evidence").send_keys(str(report))
    site.submit()
    site.wait_visible(".form-errors, .errors")
    site.check("bonds-ev-03-refused")
    assert not Result.objects.exists()
    site.type("#id_with_outcome", "39")
    site.find("#id_evidence").send_keys(str(report))
    site.submit()
    site.wait_path(page)
    result = Result.objects.get()
    assert (result.engaged, result.with_outcome, result.state) == (74, 39, Result.State.RECORDED)
    assert ResultEvidence.objects.filter(result=result).count() == 1
    confirm = f"/evaluator/results/{result.pk}/confirm/"
    assert not site.find_all(f"a[href='{confirm}']")
    assert site.forged_post(confirm, "") == 409
    site.log_out()

    site.login(second)
    site.wait_path("/evaluator/")
    site.find(f"#confirm-h ~ ul a[href='{confirm}']").click()
    site.wait_path(confirm)
    site.check("bonds-ev-04-confirm")
    site.submit()
    site.wait_path(page)
    result.refresh_from_db()
    assert result.state == Result.State.CONFIRMED and result.confirmed_by == second
    site.check("bonds-ev-05-confirmed")
    site.log_out()

    site.login(world.other_evaluator)
    site.open(page)
    assert not site.find_all(f"a[href='{page}record/']")


def test_an_evaluator_reopens_a_confirmed_result_with_a_reason_records_it_again_and_another_confirms_it(site):
    world = make_world()
    sign_and_start(world)
    result = record_and_confirm(world, world.interim, engaged=74, improved=39)[0]  # the cost metric, confirmed
    first, second = world.evaluators
    page = f"/evaluator/bonds/{world.contract.pk}/"
    reopen = f"/evaluator/results/{result.pk}/reopen/"
    reason = "평가 보고서의 참여자 수가 기관 명부와 다릅니다 (74명 → 72명)"

    site.login(first)
    site.wait_path("/evaluator/")
    site.open(page)
    site.find(f"a[href='{reopen}']").click()
    site.wait_path(reopen)
    site.check("bonds-ev-06-reopen")
    site.submit()  # no reason: refused beside the field, nothing written
    site.wait_visible("#id_reason_error")
    assert site.find("#id_reason").get_attribute("aria-invalid") == "true"
    site.check("bonds-ev-07-reopen-refused")
    result.refresh_from_db()
    assert result.state == Result.State.CONFIRMED
    site.type("#id_reason", reason)
    site.submit()
    site.wait_path(page)
    result.refresh_from_db()
    assert (result.state, result.reopened_by, result.reopen_reason) == (Result.State.REOPENED, first, reason)
    assert reason in site.find("#results-h").find_element("xpath", "..").text
    assert not site.find_all(f"a[href='{reopen}']")
    site.check("bonds-ev-08-reopened")

    # Recorded again from the result's "correct" link (its metric and point already chosen).
    record = f"{page}record/?metric={result.metric_id}&point={result.point_id}"
    site.find(f"a[href='{record}']").click()
    site.wait_path(f"{page}record/")
    assert site.find("#id_metric").get_attribute("value") == str(result.metric_id)
    assert site.find("#id_point").get_attribute("value") == str(result.point_id)
    site.type("#id_engaged", "72")
    site.type("#id_with_outcome", "39")
    site.submit()
    site.wait_path(page)
    result.refresh_from_db()
    assert (result.state, result.engaged, result.recorded_by) == (Result.State.RECORDED, 72, first)
    site.log_out()

    confirm = f"/evaluator/results/{result.pk}/confirm/"
    site.login(second)
    site.wait_path("/evaluator/")
    site.find(f"#confirm-h ~ ul a[href='{confirm}']").click()
    site.wait_path(confirm)
    site.submit()
    site.wait_path(page)
    result.refresh_from_db()
    assert (result.state, result.confirmed_by, result.engaged) == (Result.State.CONFIRMED, second, 72)
    site.check("bonds-ev-09-confirmed-again")
    site.log_out()

    # The audit trail: the reopening, by evaluator A, with its reason, between the two confirmations.
    events = list(AuditEvent.objects.filter(object_type="bonds.result", object_id=str(result.pk)).order_by("id")
                  .values_list("action", "actor_label", "reason"))
    actions = [action for action, _actor, _reason in events]
    assert actions[-4:] == [a.name for a in (RESULT_CONFIRM, RESULT_REOPEN, RESULT_RECORD, RESULT_CONFIRM)]
    assert events[-3][2] == reason
    site.login(AuditorFactory())
    site.open(f"/console/audit/?action={RESULT_REOPEN.name}")
    row = site.find("#table tbody tr")
    assert reason in row.text and RESULT_REOPEN.name in row.text
    site.check("bonds-ev-10-audit-trail")
