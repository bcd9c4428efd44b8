"""A repayment's receipt (상환 영수증), asked for in the repayment's own transaction when STATEMENTS_AUTO_RECEIPT is
on (``funds.signals.repayment_made``), rendered through the outbox after commit; and a rendering the outbox gave up
marks its statement failed."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.db import OperationalError, transaction
from django.utils import timezone

from core.models import OutboxMessage
from core.outbox import GRACE, _limit, outbox_relay
from funds import services
from funds.models import Repayment
from statements import kinds
from statements.models import Statement
from statements.services import RENDER_TASK, render_given_up
from tests.factories import ManagerFactory
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


def pay(client, loan, django_capture_on_commit_callbacks, *, key: str = "receipt-1", amount: str = "100000"):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(f"{L}{loan.pk}/repayments/", {"amount": amount}, format="json",
                           headers={"Idempotency-Key": key})


def test_a_repayment_asks_for_its_receipt_which_is_rendered_after_commit(
    auto_receipt, bearer_client, loan, member, django_capture_on_commit_callbacks,
):
    response = pay(bearer_client(member), loan, django_capture_on_commit_callbacks)
    assert response.status_code == 201, response.content
    repayment = Repayment.objects.get(pk=response.json()["id"])

    receipt = Statement.objects.get()
    assert (receipt.kind, receipt.repayment, receipt.loan, receipt.enterprise, receipt.fund) == (
        Statement.Kind.RECEIPT, repayment, loan, loan.enterprise, loan.fund)
    assert receipt.requested_by == member
    assert (receipt.period_start, receipt.period_end) == (None, None)
    assert receipt.state == Statement.State.READY, receipt.error
    assert receipt.sha256 and receipt.pages >= 1 and receipt.file.name

    message = OutboxMessage.objects.get()
    assert (message.task, message.args, message.key) == (RENDER_TASK, [receipt.pk], f"statement:{receipt.pk}:render")
    assert (message.outcome, message.runs) == (OutboxMessage.Outcome.SUCCEEDED, 1)

    # The member sees its receipt through the statements API.
    listed = bearer_client(member).get(f"/api/v1/statements/{receipt.pk}/").json()
    assert (listed["kind"], listed["subject"], listed["state"]) == ("receipt", repayment.pk, "ready")


def test_the_repayment_names_its_receipt_when_made_listed_and_replayed(
    auto_receipt, bearer_client, loan, member, django_capture_on_commit_callbacks,
):
    client = bearer_client(member)
    response = pay(client, loan, django_capture_on_commit_callbacks, key="names-receipt")
    receipt = Statement.objects.get(kind=Statement.Kind.RECEIPT)
    assert response.json()["receipt"] == receipt.pk
    assert pay(client, loan, django_capture_on_commit_callbacks, key="names-receipt").json()["receipt"] == receipt.pk
    assert [r["receipt"] for r in client.get("/api/v1/repayments/").json()["results"]] == [receipt.pk]
    assert [r["receipt"] for r in client.get(f"{L}{loan.pk}/repayments/").json()] == [receipt.pk]
    assert client.get(f"/api/v1/statements/{receipt.pk}/pdf/").status_code == 200


def test_without_automatic_receipts_the_repayment_has_none(bearer_client, loan, member,
                                                          django_capture_on_commit_callbacks):
    response = pay(bearer_client(member), loan, django_capture_on_commit_callbacks, key="no-receipt")
    assert response.status_code == 201 and response.json()["receipt"] is None
    assert not Statement.objects.exists()


def test_a_manager_recording_a_repayment_is_the_receipts_requester(
    auto_receipt, bearer_client, loan, django_capture_on_commit_callbacks,
):
    manager = ManagerFactory()
    response = pay(bearer_client(manager), loan, django_capture_on_commit_callbacks, key="by-manager")
    assert response.status_code == 201, response.content
    receipt = Statement.objects.get(repayment_id=response.json()["id"])
    assert receipt.requested_by == manager


def test_replaying_the_repayment_makes_no_second_receipt(
    auto_receipt, bearer_client, loan, member, django_capture_on_commit_callbacks,
):
    me = bearer_client(member)
    first = pay(me, loan, django_capture_on_commit_callbacks, key="once")
    replay = pay(me, loan, django_capture_on_commit_callbacks, key="once")
    assert (first.status_code, replay.status_code) == (201, 201)
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json()["id"] == first.json()["id"]
    assert Repayment.objects.count() == 1
    assert Statement.objects.filter(kind=Statement.Kind.RECEIPT).count() == 1
    assert OutboxMessage.objects.count() == 1


def test_a_service_level_replay_makes_no_second_receipt(auto_receipt, loan, member, django_capture_on_commit_callbacks):
    """The same key through the service itself (not the API's stored response): the repayment is not new."""
    with django_capture_on_commit_callbacks(execute=True):
        first, created = services.repayment_make(actor=member, loan_id=loan.pk, amount=50_000, idempotency_key="s1", today=timezone.localdate())
        again, created_again = services.repayment_make(actor=member, loan_id=loan.pk, amount=50_000,
                                                        idempotency_key="s1", today=timezone.localdate())
    assert (created, created_again, again.pk) == (True, False, first.pk)
    assert list(Statement.objects.values_list("repayment_id", flat=True)) == [first.pk]


def test_a_repayment_rolled_back_leaves_no_receipt_and_nothing_to_render(auto_receipt, loan, member,
                                                              django_capture_on_commit_callbacks):
    with (django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError),
          transaction.atomic()):
        services.repayment_make(actor=member, loan_id=loan.pk, amount=50_000, idempotency_key="rolled-back", today=timezone.localdate())
        raise RuntimeError("the caller's transaction fails after the repayment")
    assert callbacks == []
    assert not Repayment.objects.exists()
    assert not Statement.objects.exists() and not OutboxMessage.objects.exists()


def test_with_the_setting_off_a_repayment_makes_no_receipt(settings, bearer_client, loan, member,
                                                            django_capture_on_commit_callbacks):
    settings.STATEMENTS_AUTO_RECEIPT = False
    response = pay(bearer_client(member), loan, django_capture_on_commit_callbacks)
    assert response.status_code == 201, response.content
    assert Repayment.objects.count() == 1
    assert not Statement.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_a_receipt_whose_rendering_loses_the_database_stays_pending_and_is_rendered_when_handed_over_again(
    auto_receipt, bearer_client, loan, member, django_capture_on_commit_callbacks,
):
    real_build = kinds.build
    failures = [OperationalError("server closed the connection unexpectedly")]

    def build(*args, **kwargs):  # the first rendering loses its connection while it reads the ledger
        if failures:
            raise failures.pop()
        return real_build(*args, **kwargs)

    with mock.patch.object(kinds, "build", side_effect=build):
        response = pay(bearer_client(member), loan, django_capture_on_commit_callbacks)
        assert response.status_code == 201, response.content  # the repayment stands
        receipt = Statement.objects.get()
        assert (receipt.state, receipt.error) == (Statement.State.PENDING, "")  # not failed: nothing went wrong
        message = OutboxMessage.objects.get()
        assert (message.done_at, message.published_at, message.runs) == (None, None, 1)
        assert message.error == "OperationalError: server closed the connection unexpectedly"

        report = outbox_relay(now=message.created_at + GRACE)

    assert report.published == 1
    receipt.refresh_from_db()
    assert receipt.state == Statement.State.READY and receipt.sha256
    message.refresh_from_db()
    assert (message.outcome, message.runs, message.error) == (OutboxMessage.Outcome.SUCCEEDED, 2, "")


# --- a rendering the outbox gave up ----------------------------------------------------------------------------


def receipt_of(loan, member, django_capture_on_commit_callbacks) -> Statement:
    with django_capture_on_commit_callbacks(execute=False):  # asked for, not rendered
        repayment, _ = services.repayment_make(actor=member, loan_id=loan.pk, amount=50_000, idempotency_key="g1", today=timezone.localdate())
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
            repayment, _ = services.repayment_make(actor=member, loan_id=loan.pk, amount=50_000, idempotency_key="r1", today=timezone.localdate())
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
    report = outbox_relay(now=long_ago + _limit(RENDER_TASK))
    assert report.given_up == [message.pk]
    pending.refresh_from_db()
    assert pending.state == Statement.State.FAILED
    assert pending.error == "gave up: 3 runs were started and never ended (last on celery@oom)"
