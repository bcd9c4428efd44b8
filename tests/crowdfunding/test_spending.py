"""How an awarded enterprise reports spending a tranche (집행 내역, 보조금 정산): lines with evidence files judged by
their content (PDF, JPEG, PNG, at most 10 MB; their SHA-256 kept), within the tranche and its dates, by members of
the awarded enterprise only (anyone else's tranche is not found), changeable until the report is submitted."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from core.errors import Forbidden, InvalidState, NotFound, ValidationFailed
from core.models import AuditEvent
from crowdfunding import selectors, services
from crowdfunding.models import SpendingItem
from crowdfunding.services.settlement import MAX_EVIDENCE_BYTES, evidence_kind
from tests.factories import ManagerFactory, MembershipFactory

from .award_helpers import approved_award, final_decided, jpeg, member_of, pdf, png, set_table
from .factories import fund

pytestmark = pytest.mark.django_db
M = 1_000_000
PAID_ON = date(2026, 8, 5)
TODAY = date(2026, 8, 25)


@pytest.fixture(autouse=True)
def _media_and_quick_passwords(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def paid(db):
    """The second place's award of 20,000,000 in two tranches of 10,000,000, the first paid on 2026-08-05; a member
    of the awarded enterprise, and a member of the first place's."""
    final = final_decided(count=2)
    set_table(final.contest)
    fund(final.contest, 100 * M)
    award = approved_award(final.entry(2), 20 * M, tranches=[10 * M, 10 * M])
    first = award.tranches.get(number=1)
    services.tranche_pay(actor=ManagerFactory(), today=PAID_ON, tranche_id=first.pk, paid_on=PAID_ON,
                         idempotency_key="pay-1")
    first.refresh_from_db()
    first.member = member_of(final.entry(2))
    first.stranger = member_of(final.entry(1))
    return first


def add(tranche, *, actor=None, amount=1_000_000, category="materials", description="원재료 구입",
        spent_on=date(2026, 8, 10), evidence=None, today=TODAY):
    return services.spending_add(actor=actor or tranche.member, today=today, tranche_id=tranche.pk, amount=amount,
                                 category=category, description=description, spent_on=spent_on,
                                 evidence=evidence if evidence is not None else pdf())


@pytest.mark.parametrize(("make", "kind"), [(pdf, "pdf"), (jpeg, "jpg"), (png, "png")])
def test_a_line_keeps_its_evidence_file_and_its_sha256(paid, settings, make, kind):
    evidence = make()
    content = evidence.read()
    evidence.seek(0)

    item = add(paid, evidence=evidence)

    assert item.evidence_sha256 == hashlib.sha256(content).hexdigest()
    assert item.evidence.name.endswith(f".{kind}")
    assert (Path(settings.MEDIA_ROOT) / item.evidence.name).read_bytes() == content
    assert AuditEvent.objects.filter(action="crowdfunding.tranche.spending", object_id=str(item.pk)).exists()


def test_a_file_is_judged_by_its_content_not_its_name(paid):
    disguised = SimpleUploadedFile("invoice.pdf", b"MZ\x90\x00 not a pdf at all", content_type="application/pdf")
    with pytest.raises(ValidationFailed) as refused:
        add(paid, evidence=disguised)
    assert set(refused.value.fields) == {"evidence"}

    # A PNG named as a PDF is a PNG, and stored as one.
    item = add(paid, evidence=SimpleUploadedFile("scan.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32))
    assert item.evidence.name.endswith(".png")


@pytest.mark.parametrize("content", [b"", b"%PDF", b"GIF89a" + b"\x00" * 20, b"<html>%PDF-1.7</html>"])
def test_evidence_that_is_empty_or_of_another_kind_is_refused(paid, content):
    with pytest.raises(ValidationFailed) as refused:
        add(paid, evidence=SimpleUploadedFile("evidence.pdf", content))

    assert set(refused.value.fields) == {"evidence"}
    assert not SpendingItem.objects.exists()


def test_evidence_of_up_to_10_mb_is_taken_and_no_more(paid):
    at_limit = SimpleUploadedFile("big.pdf", b"%PDF-" + b"\x00" * (MAX_EVIDENCE_BYTES - 5))
    assert add(paid, evidence=at_limit).evidence.size == 10 * 1024 * 1024

    over = SimpleUploadedFile("bigger.pdf", b"%PDF-" + b"\x00" * (MAX_EVIDENCE_BYTES - 4))
    with pytest.raises(ValidationFailed) as refused:
        add(paid, evidence=over)
    assert set(refused.value.fields) == {"evidence"}


def test_the_signatures_of_the_kinds_taken():
    assert evidence_kind(b"%PDF-1.4") == "pdf"
    assert evidence_kind(b"\xff\xd8\xff\xdb") == "jpg"
    assert evidence_kind(b"\x89PNG\r\n\x1a\n") == "png"
    assert evidence_kind(b"\x89PNG\r\n") is None
    assert evidence_kind(b"PK\x03\x04") is None


def test_a_member_of_another_enterprise_finds_no_such_tranche(paid):
    item = add(paid)

    with pytest.raises(NotFound):
        add(paid, actor=paid.stranger)
    with pytest.raises(NotFound):
        services.spending_remove(actor=paid.stranger, today=TODAY, item_id=item.pk)
    with pytest.raises(NotFound):
        services.tranche_report(actor=paid.stranger, today=TODAY, tranche_id=paid.pk)
    assert SpendingItem.objects.filter(tranche=paid).count() == 1
    assert not selectors.tranches_visible_to(paid.stranger).filter(pk=paid.pk).exists()


def test_staff_and_judges_do_not_report_an_enterprises_spending(paid, manager, auditor, judge):
    for user in (manager, auditor, judge):
        with pytest.raises(Forbidden):
            add(paid, actor=user)
        with pytest.raises(Forbidden):
            services.tranche_report(actor=user, today=TODAY, tranche_id=paid.pk)


def test_a_manager_who_is_not_a_member_of_the_enterprise_finds_no_tranche_to_report_on(paid, manager):
    # A manager who is also a member of some other enterprise passes the role table but is not the awarded one's.
    MembershipFactory(user=manager)
    with pytest.raises(NotFound):
        add(paid, actor=manager)


@pytest.mark.parametrize(("spent_on", "limit"), [(date(2026, 8, 4), "2026-08-05"), (date(2026, 8, 26), "2026-08-25")])
def test_money_is_spent_between_the_tranches_payment_and_today(paid, spent_on, limit):
    with pytest.raises(ValidationFailed) as refused:
        add(paid, spent_on=spent_on)

    assert set(refused.value.fields) == {"spent_on"} and limit in refused.value.fields["spent_on"][0]


def test_the_lines_add_up_to_at_most_the_tranche(paid):
    add(paid, amount=6 * M)
    add(paid, amount=3_500_000)

    with pytest.raises(ValidationFailed) as refused:
        add(paid, amount=500_001)

    assert set(refused.value.fields) == {"amount"} and "500,000원" in refused.value.fields["amount"][0]
    add(paid, amount=500_000)  # exactly the tranche
    assert sum(item.amount.amount for item in SpendingItem.objects.filter(tranche=paid)) == 10 * M


@pytest.mark.parametrize(("field", "value"), [("amount", "12.5"), ("amount", 0), ("category", "travel"),
                                              ("description", "  "), ("description", "x" * 301)])
def test_a_line_needs_whole_won_a_known_category_and_a_description(paid, field, value):
    with pytest.raises(ValidationFailed) as refused:
        add(paid, **{field: value})

    assert set(refused.value.fields) == {field}


def test_nothing_is_reported_on_a_tranche_not_yet_paid(paid):
    planned = paid.award.tranches.get(number=2)
    planned.member = paid.member

    with pytest.raises(InvalidState):
        add(planned)
    with pytest.raises(InvalidState):
        services.tranche_report(actor=paid.member, today=TODAY, tranche_id=planned.pk)


def test_a_line_is_removed_with_its_file_until_the_report_is_submitted(paid, settings,
                                                                       django_capture_on_commit_callbacks):
    kept = add(paid, amount=2 * M)
    removed = add(paid, amount=3 * M, evidence=jpeg())
    stored = Path(settings.MEDIA_ROOT) / removed.evidence.name
    assert stored.exists()

    with django_capture_on_commit_callbacks(execute=True):
        services.spending_remove(actor=paid.member, today=TODAY, item_id=removed.pk)

    assert list(SpendingItem.objects.filter(tranche=paid)) == [kept]
    assert not stored.exists()
    assert AuditEvent.objects.filter(action="crowdfunding.tranche.spending", object_id=str(paid.pk)).exists()

    tranche = services.tranche_report(actor=paid.member, today=TODAY, tranche_id=paid.pk)
    assert tranche.state == "reported" and tranche.reported_at is not None
    with pytest.raises(InvalidState), translation.override("en"):
        services.spending_remove(actor=paid.member, today=TODAY, item_id=kept.pk)
    with pytest.raises(InvalidState):
        add(paid)
    with pytest.raises(InvalidState):  # reported once
        services.tranche_report(actor=paid.member, today=TODAY, tranche_id=paid.pk)
    with pytest.raises(NotFound):
        services.spending_remove(actor=paid.member, today=TODAY, item_id=removed.pk)


def test_a_refused_line_leaves_no_file_behind(paid, settings):
    add(paid, amount=9 * M)

    with pytest.raises(ValidationFailed):
        add(paid, amount=2 * M, evidence=png())

    files = [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()]
    assert len(files) == 1


def test_the_report_is_settled_from_its_lines(paid, manager):
    add(paid, amount=4 * M, category="equipment", evidence=pdf(body=b"a"))
    add(paid, amount=2_500_000, category="marketing", evidence=png())
    services.tranche_report(actor=paid.member, today=TODAY, tranche_id=paid.pk)

    tranche = services.tranche_settle(actor=manager, today=date(2026, 8, 28), tranche_id=paid.pk)

    assert (tranche.spent.amount, tranche.unspent.amount, tranche.state) == (6_500_000, 3_500_000, "settled")
    assert list(selectors.spending_of(tranche).values_list("category", flat=True)) == ["equipment", "marketing"]
