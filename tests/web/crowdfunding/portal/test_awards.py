"""The portal's award pages: the entry's award with its tranches and notices; a paid tranche's spending report
(lines with an evidence file uploaded, removed while the report is open, the report submitted); the rules refused
beside their field with nothing written; after the settlement, what must be returned; another enterprise's
tranche, line and evidence are 404."""

from __future__ import annotations

import pytest
from django.urls import reverse
from djmoney.money import Money

from crowdfunding.models import AwardTranche, SpendingItem
from tests.factories import EnterpriseFactory, MembershipFactory

from .world import TODAY, Awarded, in_english, pdf_file, text

pytestmark = pytest.mark.django_db
TState = AwardTranche.State


@pytest.fixture
def awarded(world) -> Awarded:
    return Awarded(world)


def _add(client, tranche, **data):
    form = {"amount": "4,500,000", "category": "equipment", "description": "제빵 오븐 구입",
            "spent_on": TODAY.isoformat(), "evidence": pdf_file(), **data}
    return client.post(reverse("web:my-award-tranche-spending", args=[tranche.pk]), form)


def test_the_entry_shows_its_notices_its_award_and_the_tranches(world, awarded, client_as):
    page = text(client_as(world.member).get(reverse("web:my-contest-entry", args=[awarded.entry.pk])))
    assert "서류심사를 통과했습니다 (3위)." in page and "본선에서 수상 대상으로 선정되었습니다 (1위)." in page
    assert 'id="award-h"' in page and "대상" in page and "₩30,000,000" in page
    assert "₩20,000,000" in page and "₩10,000,000" in page  # the two tranches
    assert f'href="/my/award-tranches/{awarded.first.pk}/"' in page  # paid: its report opens
    assert f'href="/my/award-tranches/{awarded.second.pk}/"' not in page  # planned: nothing to report yet


def test_a_prepared_award_is_not_shown_until_it_is_approved(world, client_as):
    awarded = Awarded(world)
    awarded.award.state = "prepared"
    awarded.award.save(update_fields=["state"])
    page = text(client_as(world.member).get(reverse("web:my-contest-entry", args=[awarded.entry.pk])))
    assert 'id="award-h"' not in page
    assert client_as(world.member).get(reverse("web:my-award-tranche", args=[awarded.first.pk])).status_code == 404


def test_the_member_reports_spending_with_evidence_and_submits_the_report(world, awarded, client_as):
    client = client_as(world.member)
    page = text(client.get(reverse("web:my-award-tranche", args=[awarded.first.pk])))
    assert "₩20,000,000" in page and not SpendingItem.objects.exists()
    assert f'href="/my/award-tranches/{awarded.first.pk}/spending/"' in page
    assert f'href="/my/award-tranches/{awarded.first.pk}/report/"' not in page  # nothing to submit yet

    form = text(client.get(reverse("web:my-award-tranche-spending", args=[awarded.first.pk])))
    assert 'enctype="multipart/form-data"' in form and 'accept="application/pdf,image/jpeg,image/png"' in form

    response = _add(client, awarded.first)
    assert response.status_code == 303 and response["Location"] == f"/my/award-tranches/{awarded.first.pk}/"
    item = SpendingItem.objects.get()
    assert (item.amount, item.category, item.description, item.spent_on, item.created_by) == (
        Money(4_500_000, "KRW"), "equipment", "제빵 오븐 구입", TODAY, world.member)
    assert _add(client, awarded.first, amount="15,000,000", category="materials",
                description="원재료 (밀가루, 버터)").status_code == 303

    page = text(client.get(reverse("web:my-award-tranche", args=[awarded.first.pk])))
    assert "제빵 오븐 구입" in page and "원재료 (밀가루, 버터)" in page
    assert "₩19,500,000" in page and "₩500,000" in page  # reported, and what is not reported yet
    evidence = client.get(reverse("web:my-spending-item-evidence", args=[item.pk]))
    assert evidence.status_code == 200 and b"".join(evidence.streaming_content).startswith(b"%PDF-1.7\nreceipt")
    assert "attachment" in evidence["Content-Disposition"]

    # A line taken off, the report submitted: the lines no longer change.
    second = SpendingItem.objects.get(category="materials")
    response = client.post(reverse("web:my-spending-item-remove", args=[second.pk]))
    assert response.status_code == 303 and not SpendingItem.objects.filter(pk=second.pk).exists()
    response = client.post(reverse("web:my-award-tranche-report", args=[awarded.first.pk]))
    assert response.status_code == 303
    awarded.refresh()
    assert awarded.first.state == TState.REPORTED and awarded.first.reported_at is not None
    page = text(client.get(reverse("web:my-award-tranche", args=[awarded.first.pk])))
    assert f"/my/award-tranches/{awarded.first.pk}/spending/" not in page
    assert f"/my/spending-items/{item.pk}/remove/" not in page
    response = in_english(client).post(reverse("web:my-spending-item-remove", args=[item.pk]))
    assert response.status_code == 409 and "The spending report was submitted" in text(response)
    assert _add(client, awarded.first).status_code == 409
    assert SpendingItem.objects.count() == 1


@pytest.mark.parametrize(("data", "field", "status", "rule"), [
    ({"amount": "20,000,001"}, "amount", 400, "at most 20,000,000원, what is left of the tranche"),
    ({"amount": "0"}, "amount", 400, None),
    ({"amount": "1000.5"}, "amount", 400, None),
    ({"category": "travel"}, "category", 400, None),
    ({"description": ""}, "description", 400, None),
    ({"spent_on": ""}, "spent_on", 400, None),
    ({"spent_on": "2001-01-01"}, "spent_on", 400, None),  # before the tranche was paid
    ({"evidence": ""}, "evidence", 400, None),
    ({"evidence": "not-a-file"}, "evidence", 400, None),
])
def test_bad_spending_is_refused_beside_the_field_and_nothing_is_written(world, awarded, client_as, data, field,
                                                                        status, rule):
    response = _add(in_english(client_as(world.member)), awarded.first, **data)
    assert response.status_code == status
    page = text(response)
    assert f'id="id_{field}_error"' in page
    if rule:
        assert f'id="id_{field}_error" class="error">{rule}' in page
    assert not SpendingItem.objects.exists()


def test_evidence_is_judged_by_its_content_not_its_name(world, awarded, client_as, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("영수증.pdf", b"MZ\x90\x00 this is a program", content_type="application/pdf")
    response = _add(in_english(client_as(world.member)), awarded.first, evidence=fake)
    assert response.status_code == 400
    assert 'id="id_evidence_error" class="error">a PDF, JPEG or PNG file' in text(response)
    assert not SpendingItem.objects.exists()


def test_after_the_settlement_the_member_sees_what_must_be_returned(world, awarded, client_as):
    client = client_as(world.member)
    assert _add(client, awarded.first, amount="18,000,000").status_code == 303
    assert client.post(reverse("web:my-award-tranche-report", args=[awarded.first.pk])).status_code == 303
    awarded.settle(accepted=17_500_000)
    assert awarded.first.unspent == Money(2_500_000, "KRW") and awarded.first.state == TState.SETTLED

    page = text(client.get(reverse("web:my-award-tranche", args=[awarded.first.pk])))
    assert 'id="due-h"' in page and "₩17,500,000" in page and "<strong>₩2,500,000</strong>" in page
    page = text(client.get(reverse("web:my-contest-entry", args=[awarded.entry.pk])))
    assert "<strong>₩2,500,000</strong>" in page
    start = text(client.get(reverse("web:portal")))
    assert 'id="my-contests-h"' in start and "₩2,500,000" in start
    assert f'href="/my/award-tranches/{awarded.first.pk}/"' in start


def test_the_start_page_lists_the_tranches_to_report(world, awarded, client_as):
    start = text(client_as(world.member).get(reverse("web:portal")))
    assert f'href="/my/award-tranches/{awarded.first.pk}/"' in start
    assert "₩20,000,000" in start


def test_another_enterprises_tranche_line_and_evidence_are_not_found(world, awarded, client_as):
    client = client_as(world.member)
    assert _add(client, awarded.first).status_code == 303
    item = SpendingItem.objects.get()
    stranger = client_as(world.other_member)
    for name, pk in (("web:my-award-tranche", awarded.first.pk), ("web:my-award-tranche-spending", awarded.first.pk),
                     ("web:my-award-tranche-report", awarded.first.pk), ("web:my-spending-item-remove", item.pk),
                     ("web:my-spending-item-evidence", item.pk), ("web:my-contest-entry", awarded.entry.pk)):
        assert stranger.get(reverse(name, args=[pk])).status_code == 404, name
    assert _add(stranger, awarded.first).status_code == 404
    assert stranger.post(reverse("web:my-award-tranche-report", args=[awarded.first.pk])).status_code == 404
    assert stranger.post(reverse("web:my-spending-item-remove", args=[item.pk])).status_code == 404
    assert SpendingItem.objects.count() == 1 and awarded.first.state == TState.PAID


def test_a_member_of_both_enterprises_sees_both_awards(world, client_as):
    mine = Awarded(world)
    theirs = Awarded(world, enterprise=EnterpriseFactory(province="daegu"), title="다른 기업의 상")
    MembershipFactory(user=world.member, enterprise=theirs.entry.enterprise)
    client = client_as(world.member)
    for awarded in (mine, theirs):
        assert client.get(reverse("web:my-award-tranche", args=[awarded.first.pk])).status_code == 200
