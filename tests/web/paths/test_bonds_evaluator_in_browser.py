"""The evaluators' desk in a real browser: evaluator A of the contract's evaluator institution records a result
with its evaluation report uploaded (more people with the outcome than engaged is refused beside the field first),
may not confirm it herself (a forged confirmation: 409); evaluator B confirms it from the desk's start page; another
institution's evaluator gets 404 for the contract. Every page is checked with axe-core and saved as a
screenshot."""

from __future__ import annotations

import pytest
from selenium.webdriver.support.ui import Select

from bonds.models import Result, ResultEvidence
from tests.bonds.factories import PDF, make_world, sign_and_start

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
