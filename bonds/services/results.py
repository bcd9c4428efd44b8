"""Results (성과 측정 결과): the evaluator institution's users record a metric's result at an evaluation point with
its evidence (``result_record``, also to correct one not yet confirmed or reopened), another of them confirms it
(``result_confirm``: four eyes), and a disputed one is reopened only by one of them, with a reason
(``result_reopen``). Managers never write results (the access table: Forbidden); an evaluator of another
institution, or one without an evaluator institution, finds no such contract (NotFound). Every change is in the
audit trail, before and after."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record, snapshot
from core.db import transactional
from core.errors import InvalidState
from core.inputs import require_reason
from enterprises.models import User

from ..access import ACCESS
from ..actions import RESULT_CONFIRM, RESULT_RECORD, RESULT_REOPEN
from ..locks import contract_id_of, lock_contract
from ..models import EvaluationPoint, Metric, OutcomePayment, Result, ResultEvidence
from .common import State, check_evidence, count_input, fail, require_evaluator, require_state, text_input

RESULT_AUDITED = ["metric", "point", "state", "engaged", "with_outcome", "units", "note", "recorded_by",
                  "confirmed_by", "reopened_by", "reopen_reason"]
OPEN_STATES = (State.IN_SERVICE, State.EVALUATING)


def _audited(result: Result) -> dict[str, Any]:
    return {**snapshot(result, RESULT_AUDITED),
            "evidence": list(ResultEvidence.objects.filter(result=result).values_list("sha256", flat=True))}


@transactional
def result_record(*, actor: User, metric_id: int, point_id: int, engaged: int, with_outcome: int,
                  units: int | None = None, note: str = "", evidence: Sequence[UploadedFile] = ()) -> Result:
    """An evaluator of the contract's evaluator institution records (or corrects, while it is recorded or reopened)
    a metric's result at one of the contract's evaluation points, while the contract is in service or evaluating:
    the people engaged, those with the outcome (at most those engaged), the verified outcome units for a rate card
    (the people with the outcome unless given), a note and evidence files (PDF, JPEG or PNG, at most 10 MB each,
    kept with their SHA-256). It is then to be confirmed by another evaluator. Raises Forbidden, NotFound,
    InvalidState, ValidationFailed."""
    ACCESS.require(actor, "result.record")
    counts = {"engaged": count_input(engaged, "engaged"), "with_outcome": count_input(with_outcome, "with_outcome")}
    if counts["with_outcome"] > counts["engaged"]:
        raise fail("with_outcome", _("More people with the outcome than engaged."),
                   _("at most the number engaged (%(engaged)s)") % {"engaged": counts["engaged"]})
    verified = counts["with_outcome"] if units is None else count_input(units, "units")
    text = text_input(note, "note", max_length=2000, required=False)
    files = list(evidence)
    checked = [check_evidence(file) for file in files]
    contract = lock_contract(contract_id_of(Metric, metric_id))
    require_evaluator(actor, contract, _("No such outcome metric."))
    point = EvaluationPoint.objects.filter(pk=point_id, contract=contract).first() if isinstance(
        point_id, int) and not isinstance(point_id, bool) else None
    if point is None:
        raise fail("point", _("No such evaluation point of the contract."), _("an evaluation point of the contract"))
    require_state(contract, _("Recording a result"), *OPEN_STATES)
    if OutcomePayment.objects.filter(point=point).exists():
        raise InvalidState(_("An outcome payment was prepared for this evaluation point; its results are settled."))
    result = Result.objects.select_for_update(no_key=True).filter(metric_id=metric_id, point=point).first()
    before = None if result is None else _audited(result)
    if result is None:
        result = Result(metric_id=metric_id, point=point)
    elif result.state == Result.State.CONFIRMED:
        raise InvalidState(_("This result is confirmed; it can be changed only once reopened with a reason."))
    result.engaged, result.with_outcome, result.units, result.note = (counts["engaged"], counts["with_outcome"],
                                                                      verified, text)
    result.state = Result.State.RECORDED
    result.recorded_by, result.recorded_at = actor, timezone.now()
    result.confirmed_by = result.confirmed_at = None
    result.save()
    for file, (kind, sha256) in zip(files, checked, strict=True):
        file.name = f"result-{result.pk}-{sha256[:16]}.{kind}"
        ResultEvidence.objects.create(result=result, file=file, sha256=sha256, uploaded_by=actor)
    audit_record(actor=actor, action=RESULT_RECORD, obj=result, before=before, after=_audited(result))
    return result


def _lock_result(actor: User, result_id: int) -> Result:
    contract = lock_contract(contract_id_of(Result, result_id, "metric__contract_id"))
    require_evaluator(actor, contract, _("No such result."))
    require_state(contract, _("Changing a result"), *OPEN_STATES)
    return Result.objects.select_for_update(no_key=True).get(pk=result_id)


@transactional
def result_confirm(*, actor: User, result_id: int) -> Result:
    """An evaluator of the contract's evaluator institution other than the one who recorded it confirms a recorded
    result (four eyes). Raises Forbidden, NotFound, InvalidState."""
    ACCESS.require(actor, "result.confirm")
    result = _lock_result(actor, result_id)
    if result.state != Result.State.RECORDED:
        raise InvalidState(_("Only a recorded result can be confirmed; this one's state is %(state)s.")
                           % {"state": result.get_state_display()})
    if result.recorded_by_id == actor.pk:
        raise InvalidState(_("The evaluator who recorded a result may not confirm it (four eyes)."),
                           fields={"recorded_by": [_("another evaluator must confirm it (four eyes)")]})
    before = _audited(result)
    result.state = Result.State.CONFIRMED
    result.confirmed_by, result.confirmed_at = actor, timezone.now()
    result.save(update_fields=["state", "confirmed_by", "confirmed_at"])
    audit_record(actor=actor, action=RESULT_CONFIRM, obj=result, before=before, after=_audited(result))
    return result


@transactional
def result_reopen(*, actor: User, result_id: int, reason: str) -> Result:
    """An evaluator of the contract's evaluator institution reopens a confirmed result that is disputed, with a
    reason, so that it can be recorded again and confirmed again; not once an outcome payment was prepared for its
    evaluation point. Raises Forbidden, NotFound, InvalidState, ValidationFailed."""
    ACCESS.require(actor, "result.reopen")
    why = require_reason(reason)
    result = _lock_result(actor, result_id)
    if result.state != Result.State.CONFIRMED:
        raise InvalidState(_("Only a confirmed result can be reopened; this one's state is %(state)s.")
                           % {"state": result.get_state_display()})
    if OutcomePayment.objects.filter(point_id=result.point_id).exists():
        raise InvalidState(_("An outcome payment was prepared for this evaluation point; its results are settled."))
    before = _audited(result)
    result.state = Result.State.REOPENED
    result.reopened_by, result.reopened_at, result.reopen_reason = actor, timezone.now(), why
    result.save(update_fields=["state", "reopened_by", "reopened_at", "reopen_reason"])
    audit_record(actor=actor, action=RESULT_REOPEN, obj=result, before=before, after=_audited(result), reason=why)
    return result
