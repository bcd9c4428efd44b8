"""A repayment's receipt (상환 영수증) when the repayment is made over HTTP with STATEMENTS_AUTO_RECEIPT on: asked
for in the repayment's own transaction, rendered through the outbox after commit, named by the repayment and shown
through the statements API. The service-level side is tests/statements/test_auto_receipt.py."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.db import OperationalError
from django.utils import timezone

from core.models import OutboxMessage
from core.outbox import GRACE, outbox_relay
from funds import services
from funds.models import Repayment
from statements import kinds
from statements.models import Statement
from statements.services import RENDER_TASK
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
        repayment, _ = services.repayment_make(actor=member, loan_id=loan.pk, amount=50_000, idempotency_key="g1",
                                               today=timezone.localdate())
    return Statement.objects.get(repayment=repayment)
