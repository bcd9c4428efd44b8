"""The special guarantees' inbox (``selectors.guarantee_inbox_for``): what waits for a manager, what the manager
prepared waits for another (four eyes), an auditor's read-only view of every queue, nobody else's, and a bounded
number of queries however much waits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from guarantees import selectors, services
from tests.factories import ManagerFactory, MembershipFactory
from tests.guarantees.claim_factories import request_claim, set_defaulted
from tests.guarantees.factories import contribute, make_guarantee, make_program
from tests.guarantees.pipeline import make_application

pytestmark = pytest.mark.django_db


def _ids(objects) -> list[int]:
    return [obj.pk for obj in objects]


@pytest.fixture
def scene():
    """A program with, for each queue, one object: recommended and prepared by ``kim``, asked for by ``kim``."""
    today = timezone.localdate()
    kim, lee = ManagerFactory(username="manager.kim"), ManagerFactory(username="manager.lee")
    program = make_program()
    contribute(program, 1_000_000_000)
    submitted = make_application(program, amount=10_000_000, state="submitted")
    by_kim = make_application(program, amount=10_000_000, state="recommended", recommender=kim)
    by_lee = make_application(program, amount=10_000_000, state="recommended", recommender=lee)
    make_application(program, amount=10_000_000, state="approved")  # decided: in no queue
    make_guarantee(program, amount=10_000_000)
    start = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    run, _created = services.subsidy_run_prepare(program_id=program.pk, period_start=start, actor=kim, today=today)

    def claim(preparer=None):
        guarantee = make_guarantee(program, amount=5_000_000)
        set_defaulted(guarantee, defaulted_on=today - timedelta(days=5), interest_paid_to=today - timedelta(days=5))
        made = request_claim(guarantee, requested_on=today, today=today)
        if preparer is not None:
            made = services.claim_prepare(actor=preparer, claim_id=made.pk, paid_on=today, today=today)
        return made

    requested, prepared_by_kim, prepared_by_lee = claim(), claim(kim), claim(lee)
    to_write_off = claim(ManagerFactory())
    services.claim_approve(actor=lee, claim_id=to_write_off.pk, idempotency_key="pay", today=today)
    write_off = services.recourse_write_off_request(actor=kim, claim_id=to_write_off.pk, reason="회수 불능",
                                                    today=today)
    return locals()


def test_a_manager_gets_what_waits_for_him_and_apart_what_he_prepared(scene):
    inbox = selectors.guarantee_inbox_for(scene["kim"])

    assert inbox.acts
    assert _ids(inbox.to_recommend) == [scene["submitted"].pk]
    assert _ids(inbox.to_approve) == [scene["by_lee"].pk]
    assert _ids(inbox.recommended_by_me) == [scene["by_kim"].pk]
    assert _ids(inbox.runs_to_approve) == [] and _ids(inbox.runs_prepared_by_me) == [scene["run"].pk]
    assert _ids(inbox.claims_to_prepare) == [scene["requested"].pk]
    assert _ids(inbox.claims_to_approve) == [scene["prepared_by_lee"].pk]
    assert _ids(inbox.claims_prepared_by_me) == [scene["prepared_by_kim"].pk]
    assert _ids(inbox.write_offs_to_approve) == [] and _ids(inbox.write_offs_asked_by_me) == [scene["write_off"].pk]
    assert inbox.count == 4 and inbox.waiting_for_others == 4


def test_the_other_manager_gets_the_mirror_image(scene):
    inbox = selectors.guarantee_inbox_for(scene["lee"])

    assert _ids(inbox.to_approve) == [scene["by_kim"].pk]
    assert _ids(inbox.recommended_by_me) == [scene["by_lee"].pk]
    assert _ids(inbox.runs_to_approve) == [scene["run"].pk]
    assert _ids(inbox.claims_to_approve) == [scene["prepared_by_kim"].pk]
    assert _ids(inbox.claims_prepared_by_me) == [scene["prepared_by_lee"].pk]
    assert _ids(inbox.write_offs_to_approve) == [scene["write_off"].pk]


def test_a_run_the_nightly_task_prepared_waits_for_any_manager(scene):
    program = make_program(code="other")
    make_guarantee(program, amount=10_000_000)
    [run] = services.subsidy_runs_prepare_due(today=scene["today"], program_ids=[program.pk])
    assert run.prepared_by is None

    assert run.pk in _ids(selectors.guarantee_inbox_for(scene["kim"]).runs_to_approve)
    assert run.pk in _ids(selectors.guarantee_inbox_for(scene["lee"]).runs_to_approve)


def test_applications_of_an_enterprise_the_manager_acts_for_are_not_his_to_judge(scene):
    manager = ManagerFactory()
    MembershipFactory(enterprise=scene["submitted"].enterprise, user=manager)
    MembershipFactory(enterprise=scene["by_kim"].enterprise, user=manager)

    inbox = selectors.guarantee_inbox_for(manager)

    assert _ids(inbox.to_recommend) == [] and _ids(inbox.to_approve) == [scene["by_lee"].pk]


def test_an_auditor_reads_every_queue_and_acts_on_none(scene, auditor):
    inbox = selectors.guarantee_inbox_for(auditor)

    assert not inbox.acts
    assert _ids(inbox.to_recommend) == [scene["submitted"].pk]
    assert _ids(inbox.to_approve) == [scene["by_kim"].pk, scene["by_lee"].pk]
    assert _ids(inbox.runs_to_approve) == [scene["run"].pk]
    assert _ids(inbox.claims_to_approve) == [scene["prepared_by_kim"].pk, scene["prepared_by_lee"].pk]
    assert _ids(inbox.write_offs_to_approve) == [scene["write_off"].pk]
    assert inbox.waiting_for_others == 0


def test_nobody_else_gets_anything(scene, member, bank_officer, plain_user):
    from django.contrib.auth.models import AnonymousUser

    for user in (member, bank_officer, plain_user, AnonymousUser()):
        inbox = selectors.guarantee_inbox_for(user)
        assert not inbox.acts and inbox.count == 0 and inbox.waiting_for_others == 0


def test_the_inbox_costs_a_fixed_number_of_queries(scene, django_assert_max_num_queries):
    for _extra in range(3):
        make_application(scene["program"], amount=1_000_000, state="submitted")
        make_application(scene["program"], amount=1_000_000, state="recommended", recommender=scene["lee"])
    kim = scene["kim"]
    with django_assert_max_num_queries(14):
        inbox = selectors.guarantee_inbox_for(kim)
        for application in inbox.to_recommend + inbox.to_approve:
            assert application.enterprise.name and application.program.name and application.bank.name
        for claim in inbox.claims_to_prepare + inbox.claims_to_approve:
            assert claim.guarantee.enterprise.name and claim.guarantee.bank.name
        assert all(run.program.name for run in inbox.runs_prepared_by_me)
        assert all(w.claim.guarantee.enterprise.name for w in inbox.write_offs_asked_by_me)
