"""A repayment's receipt (상환 영수증), asked for in the repayment's own transaction when STATEMENTS_AUTO_RECEIPT is
on (``funds.signals.repayment_made``), at the service level: a replay makes no second receipt, a rollback leaves
none; and a rendering the outbox gave up marks its statement failed. Receipts of repayments made over HTTP are
tests/api/statements/test_auto_receipt.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from core.models import OutboxMessage
from core.outbox import outbox_relay, run_limit
from funds import services
from funds.models import Repayment
from statements.models import Statement
from statements.services import RENDER_TASK, render_given_up
from tests.funds.factories import make_fund, make_loan, make_product

pytestmark = pytest.mark.django_db
L = "/api/v1/loans/"


@pytest.fixture
def loan(enterprise, member):
    product = make_product(make_fund(), grace_months=0, term_months=12, approval_tiers=[])
    return make_loan(product, member=member, enterprise=enterprise, amount=12_000_000,
                     disbursed_on=timezone.localdate() - timedelta(days=10))


@pytest.fixture
def auto_receipt(settings):
    settings.STATEMENTS_AUTO_RECEIPT = True


def test_a_service_level_replay_makes_no_second_receipt(auto_receipt, loan, member, django_capture_on_commit_callbacks):
    """The same key through the service itself (not the API's stored response): the repayment is not new."""
    with django_capture_on_commit_callbacks(execute=True):
        first, created = services.repayment_make(actor=member, loan_id=loan.pk, amount=50_000, idempotency_key="s1",
                                                 today=timezone.localdate())
        again, created_again = services.repayment_make(actor=member, loan_id=loan.pk, amount=50_000,
                                                        idempotency_key="s1", today=timezone.localdate())
    assert (created, created_again, again.pk) == (True, False, first.pk)
    assert list(Statement.objects.values_list("repayment_id", flat=True)) == [first.pk]


def test_a_repayment_rolled_back_leaves_no_receipt_and_nothing_to_render(auto_receipt, loan, member,
                                                              django_capture_on_commit_callbacks):
    with (django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError),
          transaction.atomic()):
        services.repayment_make(actor=member, loan_id=loan.pk, amount=50_000, idempotency_key="rolled-back",
                                today=timezone.localdate())
        raise RuntimeError("the caller's transaction fails after the repayment")
    assert callbacks == []
    assert not Repayment.objects.exists()
    assert not Statement.objects.exists() and not OutboxMessage.objects.exists()


# --- a rendering the outbox gave up ----------------------------------------------------------------------------


def receipt_of(loan, member, django_capture_on_commit_callbacks) -> Statement:
    with django_capture_on_commit_callbacks(execute=False):  # asked for, not rendered
        repayment, _ = services.repayment_make(actor=member, loan_id=loan.pk, amount=50_000, idempotency_key="g1",
                                               today=timezone.localdate())
    return Statement.objects.get(repayment=repayment)


def test_render_given_up_marks_a_pending_statement_failed(auto_receipt, loan, member,
                                                          django_capture_on_commit_callbacks):
    pending = receipt_of(loan, member, django_capture_on_commit_callbacks)
    assert pending.state == Statement.State.PENDING
    render_given_up(statement_id=pending.pk, error="gave up: 3 runs were started and never ended (last on w1)")
    pending.refresh_from_db()
    assert pending.state == Statement.State.FAILED
    assert pending.error == "gave up: 3 runs were started and never ended (last on w1)"


def test_render_given_up_leaves_a_ready_statement_alone(auto_receipt, loan, member,
                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
            repayment, _ = services.repayment_make(actor=member, loan_id=loan.pk, amount=50_000, idempotency_key="r1",
                                                   today=timezone.localdate())
    ready = Statement.objects.get(repayment=repayment)
    assert ready.state == Statement.State.READY
    sha = ready.sha256
    render_given_up(statement_id=ready.pk, error="gave up")
    ready.refresh_from_db()
    assert (ready.state, ready.sha256, ready.error) == (Statement.State.READY, sha, "")


def test_when_the_outbox_gives_a_rendering_up_its_statement_is_marked_failed(
    settings, auto_receipt, loan, member, django_capture_on_commit_callbacks,
):
    """Through the relay and the ``gave_up`` signal: the rendering's worker died every time."""
    pending = receipt_of(loan, member, django_capture_on_commit_callbacks)
    message = OutboxMessage.objects.get(key=f"statement:{pending.pk}:render")
    long_ago = timezone.now() - timedelta(days=1)
    OutboxMessage.objects.filter(pk=message.pk).update(published_at=long_ago, publishes=3, started_at=long_ago,
                                                       worker="celery@oom", runs=3,
                                                       lost=settings.OUTBOX_MAX_LOST - 1)
    report = outbox_relay(now=long_ago + run_limit(RENDER_TASK))
    assert report.given_up == [message.pk]
    pending.refresh_from_db()
    assert pending.state == Statement.State.FAILED
    assert pending.error == "gave up: 3 runs were started and never ended (last on celery@oom)"
