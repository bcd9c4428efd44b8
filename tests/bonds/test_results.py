"""Results are the evaluator's: recorded by an evaluator of the contract's evaluator institution, confirmed by
another (four eyes), reopened only with a reason; an evaluator of another institution finds nothing (NotFound); a
manager may not (Forbidden)."""

from __future__ import annotations

import pytest

from bonds import services
from bonds.models import Result, ResultEvidence
from core.errors import Forbidden, InvalidState, NotFound, ValidationFailed
from core.models import AuditEvent
from tests.factories import EvaluatorFactory

from .factories import evidence, sign_and_start

pytestmark = pytest.mark.django_db


def record(world, user=None, **counts):
    values = {"engaged": 74, "with_outcome": 39, **counts}
    return services.result_record(actor=user or world.evaluators[0], metric_id=world.cost.pk,
                                  point_id=world.final.pk, evidence=[evidence()], **values)


def test_a_result_is_confirmed_by_a_second_evaluator_and_refused_to_the_first(world):
    sign_and_start(world)
    result = record(world)
    assert ResultEvidence.objects.get(result=result).sha256
    with pytest.raises(InvalidState, match="four eyes"):
        services.result_confirm(actor=world.evaluators[0], result_id=result.pk)
    confirmed = services.result_confirm(actor=world.evaluators[1], result_id=result.pk)
    assert (confirmed.state, confirmed.confirmed_by) == ("confirmed", world.evaluators[1])


def test_an_evaluator_of_another_institution_finds_no_result(world):
    sign_and_start(world)
    with pytest.raises(NotFound):
        record(world, world.other_evaluator)
    result = record(world)
    with pytest.raises(NotFound):
        services.result_confirm(actor=world.other_evaluator, result_id=result.pk)
    with pytest.raises(NotFound):
        services.result_confirm(actor=EvaluatorFactory(), result_id=result.pk)  # no institution at all
    assert Result.objects.get().state == "recorded"


def test_a_manager_may_not_record_confirm_or_reopen_results(world):
    sign_and_start(world)
    result = record(world)
    with pytest.raises(Forbidden):
        record(world, world.kim)
    with pytest.raises(Forbidden):
        services.result_confirm(actor=world.lee, result_id=result.pk)
    with pytest.raises(Forbidden):
        services.result_reopen(actor=world.lee, result_id=result.pk, reason="이의")


def test_a_disputed_result_is_reopened_with_a_reason_then_recorded_and_confirmed_again(world):
    sign_and_start(world)
    result = record(world)
    services.result_confirm(actor=world.evaluators[1], result_id=result.pk)
    with pytest.raises(InvalidState):
        record(world, with_outcome=40)  # confirmed: not to be changed
    with pytest.raises(ValidationFailed):
        services.result_reopen(actor=world.evaluators[1], result_id=result.pk, reason="  ")
    reopened = services.result_reopen(actor=world.evaluators[1], result_id=result.pk, reason="표본 누락 이의 제기")
    assert (reopened.state, reopened.reopen_reason) == ("reopened", "표본 누락 이의 제기")
    corrected = record(world, world.evaluators[1], with_outcome=40)
    assert corrected.state == "recorded" and corrected.with_outcome == 40
    services.result_confirm(actor=world.evaluators[0], result_id=result.pk)
    actions = list(AuditEvent.objects.filter(object_id=str(result.pk), action__startswith="bonds.result")
                   .order_by("pk").values_list("action", flat=True))
    assert actions == ["bonds.result.record", "bonds.result.confirm", "bonds.result.reopen", "bonds.result.record",
                       "bonds.result.confirm"]
    assert AuditEvent.objects.get(action="bonds.result.reopen").reason == "표본 누락 이의 제기"


@pytest.mark.parametrize(("counts", "field"), [
    ({"engaged": 3, "with_outcome": 4}, "with_outcome"), ({"engaged": -1}, "engaged"), ({"with_outcome": "39"},
                                                                                         "with_outcome"),
])
def test_impossible_counts_are_refused(world, counts, field):
    sign_and_start(world)
    with pytest.raises(ValidationFailed) as caught:
        record(world, **counts)
    assert field in caught.value.fields


def test_evidence_that_is_not_a_pdf_jpeg_or_png_is_refused(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    sign_and_start(world)
    with pytest.raises(ValidationFailed) as caught:
        services.result_record(actor=world.evaluators[0], metric_id=world.cost.pk, point_id=world.final.pk,
                               engaged=74, with_outcome=39,
                               evidence=[SimpleUploadedFile("x.pdf", b"MZ not a pdf", content_type="application/pdf")])
    assert "evidence" in caught.value.fields
    assert not Result.objects.exists()


def test_results_wait_for_the_service(world):
    with pytest.raises(InvalidState):
        record(world)
