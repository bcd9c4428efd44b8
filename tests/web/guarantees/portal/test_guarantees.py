"""The portal's guarantees: the list and a guarantee's page (program, bank, amounts, the loan's balances and expected
schedule, the fee bills with what is left to pay and the late fee), paying the enterprise's part of a fee, and the
start page's panel; only the member's own enterprise's (another's are 404), only for members (403 otherwise)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from djmoney.money import Money

from guarantees import services
from guarantees.models import FeeBill, FeePayment
from tests.factories import ManagerFactory

from ..desk import LENT_ON, TODAY, in_english, text

pytestmark = pytest.mark.django_db


def _bill(guarantee, billed_on=LENT_ON) -> FeeBill:
    """The first year's bill, billed (and due) on the day the loan was made: 40 days late today."""
    return services.fee_bill_first_year(guarantee_id=guarantee.pk, actor=None, today=billed_on)


def test_the_list_shows_the_enterprises_guarantees_only(desk, client_as):
    active, approved = desk.active, desk.approved
    other = desk.other_enterprise_guarantee
    page = text(client_as(desk.member).get(reverse("web:my-guarantees")))
    assert f'href="/my/guarantees/{active.pk}/"' in page and f'href="/my/guarantees/{approved.pk}/"' in page
    assert f'href="/my/guarantees/{other.pk}/"' not in page
    response = client_as(desk.member).get(reverse("web:my-guarantees"), {"_export": "csv"})
    assert len(response.content.decode("utf-8-sig").splitlines()) == 3


def test_a_guarantees_page_shows_its_loan_and_its_fee_with_the_late_fee(desk, client_as):
    active = desk.active
    bill = _bill(active)
    page = text(client_as(desk.member).get(reverse("web:my-guarantee", args=[active.pk])))

    assert desk.program.name in page and desk.bank.name in page
    assert "₩20,000,000" in page  # approved, lent, guaranteed
    assert page.count('<tr><td class="num">') >= 60  # the expected schedule's 60 installments
    # The first year's fee on 20,000,000 at 0.8 % for 365 days: 160,000; the city's 0.5 %: 100,000; the
    # enterprise's: 60,000. 40 days late at 10 %/yr: 60,000 x 0.10 x 40 / 365 = 657.5 -> 650 (10 won, floor).
    assert bill.fee == Money(160_000, "KRW") and bill.enterprise_share == Money(60_000, "KRW")
    assert "₩160,000" in page and "₩100,000" in page and "₩60,000" in page
    assert "₩650" in page and "₩60,650" in page
    assert f'href="/my/guarantee-fees/{bill.pk}/pay/"' in page


def test_the_member_pays_the_fee_with_its_late_fee(desk, client_as):
    active = desk.active
    bill = _bill(active)
    client = client_as(desk.member)
    form = text(client.get(reverse("web:my-guarantee-fee-pay", args=[bill.pk])))
    assert 'value="60,650"' in form  # what is due today, offered

    response = client.post(reverse("web:my-guarantee-fee-pay", args=[bill.pk]),
                           {"amount": "60,650", "idempotency_key": "web-fee-1"})
    assert response.status_code == 303 and response["Location"] == f"/my/guarantees/{active.pk}/"
    bill.refresh_from_db()
    assert bill.firm_outstanding == 0  # the bill stays open for the city's share, which it pays in a batch
    assert bill.firm_paid == Money(60_000, "KRW") and bill.late_fee_paid == Money(650, "KRW")
    page = text(client.get(response["Location"]))
    assert 'class="message success"' in page
    assert f'href="/my/guarantee-fees/{bill.pk}/pay/"' not in page  # nothing left to pay

    # The same form sent again (a double click) pays once.
    again = client.post(reverse("web:my-guarantee-fee-pay", args=[bill.pk]),
                        {"amount": "60,650", "idempotency_key": "web-fee-1"})
    assert again.status_code == 303
    assert FeePayment.objects.filter(bill=bill).count() == 1


def test_a_part_payment_leaves_the_rest_to_pay(desk, client_as):
    bill = _bill(desk.active)
    response = in_english(client_as(desk.member)).post(reverse("web:my-guarantee-fee-pay", args=[bill.pk]),
                                           {"amount": "10,650", "idempotency_key": "web-fee-part"})
    assert response.status_code == 303
    bill.refresh_from_db()
    assert bill.state == FeeBill.State.OPEN and bill.firm_outstanding == 50_000


@pytest.mark.parametrize(("amount", "status", "rule"), [
    ("60,651", 422, "at most what is due, 60,650원"),
    ("0", 400, None),
    ("1000.5", 400, None),
    ("", 400, None),
    ("육만원", 400, None),
])
def test_a_bad_payment_shows_the_rule_beside_the_amount_and_writes_nothing(desk, client_as, amount, status, rule):
    bill = _bill(desk.active)
    response = in_english(client_as(desk.member)).post(reverse("web:my-guarantee-fee-pay", args=[bill.pk]),
                                           {"amount": amount, "idempotency_key": "web-fee-bad"})
    assert response.status_code == status
    page = text(response)
    assert 'id="id_amount_error"' in page
    if rule:
        assert f'id="id_amount_error" class="error">{rule}' in page
    assert not FeePayment.objects.filter(bill=bill).exists()


def test_another_enterprises_guarantee_and_bill_are_not_found(desk, client_as):
    other = desk.other_enterprise_guarantee
    bill = _bill(other)
    client = client_as(desk.member)
    assert client.get(reverse("web:my-guarantee", args=[other.pk])).status_code == 404
    assert client.get(reverse("web:my-guarantee-fee-pay", args=[bill.pk])).status_code == 404
    response = client.post(reverse("web:my-guarantee-fee-pay", args=[bill.pk]),
                           {"amount": "1,000", "idempotency_key": "web-forged"})
    assert response.status_code == 404
    assert not FeePayment.objects.exists()


def test_staff_and_bank_officers_are_refused_the_portals_guarantees(desk, client_as):
    active = desk.active
    bill = _bill(active)
    for user in (ManagerFactory(), desk.officer):
        client = client_as(user)
        assert client.get(reverse("web:my-guarantees")).status_code == 403
        assert client.get(reverse("web:my-guarantee", args=[active.pk])).status_code == 403
        response = client.post(reverse("web:my-guarantee-fee-pay", args=[bill.pk]),
                               {"amount": "1,000", "idempotency_key": "web-staff"})
        assert response.status_code == 403
    assert not FeePayment.objects.exists()


def test_the_start_page_shows_the_guarantees_and_the_fees_due(desk, client_as):
    active, approved = desk.active, desk.approved
    bill = _bill(active)
    other_bill = _bill(desk.other_enterprise_guarantee)
    page = text(client_as(desk.member).get(reverse("web:portal")))
    assert f'href="/my/guarantees/{active.pk}/"' in page and f'href="/my/guarantees/{approved.pk}/"' in page
    assert f'href="/my/guarantee-fees/{bill.pk}/pay/"' in page and "₩60,650" in page
    assert f"/my/guarantee-fees/{other_bill.pk}/" not in page
    for url in ("/my/guarantees/", "/my/guarantee-applications/", "/my/guarantee-applications/new/"):
        assert f'href="{url}"' in page


def test_a_defaulted_and_claimed_guarantee_shows_its_claim(desk, client_as):
    claim = desk.claimed
    page = text(client_as(desk.member).get(reverse("web:my-guarantee", args=[claim.guarantee_id])))
    assert f"C{claim.pk}" in page and (TODAY - timedelta(days=30)).isoformat() in page


def test_the_pages_read_a_bounded_number_of_queries(desk, client_as, django_assert_max_num_queries):
    active = desk.active
    _bill(active)
    for _ in range(3):  # more guarantees and bills do not add queries
        desk.__dict__.pop("active", None)
        _bill(desk.active)
    client = client_as(desk.member)
    with django_assert_max_num_queries(20):
        assert client.get(reverse("web:my-guarantees")).status_code == 200
    with django_assert_max_num_queries(30):
        assert client.get(reverse("web:portal")).status_code == 200
    with django_assert_max_num_queries(25):
        assert client.get(reverse("web:my-guarantee", args=[active.pk])).status_code == 200
