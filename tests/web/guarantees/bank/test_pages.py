"""The bank desk's reading pages: the start page's panels (what waits for the bank), the guarantees' list with its
filters and downloads, a guarantee's page (terms, loan, balances, expected schedule, claims, the buttons its state
allows), the claims' list; only the officer's own bank's objects (another bank's are 404) and only for bank
officers (staff and members are refused the area: 403)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from djmoney.money import Money
from openpyxl import load_workbook

from guarantees.models import Guarantee
from tests.factories import ManagerFactory

from ..desk import TODAY, text

pytestmark = pytest.mark.django_db


def test_the_start_page_lists_what_waits_for_the_bank(desk, client_as):
    approved, claimed, defaulted = desk.approved, desk.claimed, desk.defaulted
    stale = desk.active
    Guarantee.objects.filter(pk=stale.pk).update(balance_on=TODAY - timedelta(days=95))
    _ = desk.other_bank_guarantee  # another bank's: never on this desk

    page = text(client_as(desk.officer).get(reverse("web:bank")))

    assert f'href="/bank/guarantees/{approved.pk}/execute/"' in page  # approved: report the loan made
    assert f'href="/bank/guarantees/{stale.pk}/report/"' in page  # balance 95 days old
    assert f'href="/bank/guarantees/{defaulted.pk}/claim/"' in page  # defaulted without a claim
    assert f'href="/bank/guarantees/{claimed.guarantee_id}/claim/"' not in page  # claimed already ...
    assert f"C{claimed.pk}" in page  # ... and its claim is in progress
    assert f"/bank/guarantees/{desk.other_bank_guarantee.pk}/" not in page
    # The bank desk's menu.
    for url in ("/bank/guarantees/", "/bank/claims/", "/bank/subsidy-runs/"):
        assert f'href="{url}"' in page


def test_a_balance_reported_lately_is_not_listed_as_stale(desk, client_as):
    active = desk.active  # balance as of 40 days ago
    page = text(client_as(desk.officer).get(reverse("web:bank")))
    assert f'href="/bank/guarantees/{active.pk}/report/"' not in page


def test_the_list_shows_the_banks_guarantees_only_and_filters_them(desk, client_as):
    approved, active, other_enterprise = desk.approved, desk.active, desk.other_enterprise_guarantee
    other_bank = desk.other_bank_guarantee
    client = client_as(desk.officer)

    page = text(client.get(reverse("web:bank-guarantees")))
    for guarantee in (approved, active, other_enterprise):
        assert f'href="/bank/guarantees/{guarantee.pk}/"' in page
    assert f'href="/bank/guarantees/{other_bank.pk}/"' not in page

    page = text(client.get(reverse("web:bank-guarantees"), {"state": "approved"}))
    assert f'href="/bank/guarantees/{approved.pk}/"' in page
    assert f'href="/bank/guarantees/{active.pk}/"' not in page
    page = text(client.get(reverse("web:bank-guarantees"), {"program": desk.program.pk}))
    assert f'href="/bank/guarantees/{active.pk}/"' in page


def test_a_program_the_bank_is_not_a_partner_of_is_no_filter(desk, client_as):
    from tests.guarantees.factories import make_program

    elsewhere = make_program(code="elsewhere")
    response = client_as(desk.officer).get(reverse("web:bank-guarantees"), {"program": elsewhere.pk})
    assert response.status_code == 400  # the rule is shown beside the filter; no rows


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_list_downloads_as_csv_and_xlsx(desk, client_as, kind):
    active = desk.active
    _ = desk.other_bank_guarantee
    response = client_as(desk.officer).get(reverse("web:bank-guarantees"), {"_export": kind})
    assert response.status_code == 200
    if kind == "csv":
        rows = response.content.decode("utf-8-sig").splitlines()
        assert len(rows) == 2 and f"G{active.pk}" in rows[1] and "20000000" in rows[1]
    else:
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert sheet.max_row == 2 and sheet.cell(2, 1).value == f"G{active.pk}"


def test_a_guarantees_page_shows_its_loan_balances_and_expected_schedule(desk, client_as):
    active = desk.active
    page = text(client_as(desk.officer).get(reverse("web:bank-guarantee", args=[active.pk])))

    assert active.enterprise.name in page and desk.program.name in page
    assert "₩20,000,000" in page  # approved, lent and guaranteed (ratio 100 %)
    assert "5.00%" in page  # the loan's rate
    assert active.start_on.isoformat() in page
    # 60 installments: 12 months of interest only, then 48 of equal principal (20,000,000 / 48 = 416,666.67, to
    # the won: 416,666, the last one taking the rest).
    assert page.count('<tr><td class="num">') == 60
    assert "₩416,666" in page
    # An active guarantee's reports; nothing else.
    for action in ("report", "repay", "default"):
        assert f'href="/bank/guarantees/{active.pk}/{action}/"' in page
    assert f'href="/bank/guarantees/{active.pk}/execute/"' not in page
    assert f'href="/bank/guarantees/{active.pk}/claim/"' not in page


def test_an_approved_guarantee_offers_only_the_loan_made(desk, client_as):
    approved = desk.approved
    page = text(client_as(desk.officer).get(reverse("web:bank-guarantee", args=[approved.pk])))
    assert f'href="/bank/guarantees/{approved.pk}/execute/"' in page
    for action in ("report", "repay", "default", "claim"):
        assert f'href="/bank/guarantees/{approved.pk}/{action}/"' not in page
    assert 'id="schedule-h"' not in page and 'id="balances-h"' not in page


def test_a_claimed_guarantee_shows_its_claim_and_offers_no_second(desk, client_as):
    claim = desk.claimed
    page = text(client_as(desk.officer).get(reverse("web:bank-guarantee", args=[claim.guarantee_id])))
    assert f"C{claim.pk}" in page
    assert f'href="/bank/guarantees/{claim.guarantee_id}/claim/"' not in page
    claims = text(client_as(desk.officer).get(reverse("web:bank-claims")))
    assert f"C{claim.pk}" in claims and f'href="/bank/guarantees/{claim.guarantee_id}/"' in claims


def test_another_banks_guarantee_is_not_found_on_every_page(desk, client_as):
    other = desk.other_bank_guarantee
    client = client_as(desk.officer)
    for name in ("bank-guarantee", "bank-guarantee-execute", "bank-guarantee-report", "bank-guarantee-repay",
                 "bank-guarantee-default", "bank-guarantee-claim"):
        assert client.get(reverse(f"web:{name}", args=[other.pk])).status_code == 404, name
        if name != "bank-guarantee":
            assert client.post(reverse(f"web:{name}", args=[other.pk]), {}).status_code == 404, name


def test_staff_and_members_are_refused_the_bank_desk(desk, client_as, auditor):
    active = desk.active
    for user in (ManagerFactory(), auditor, desk.member):
        client = client_as(user)
        assert client.get(reverse("web:bank-guarantees")).status_code == 403
        assert client.get(reverse("web:bank-guarantee", args=[active.pk])).status_code == 403
        response = client.post(reverse("web:bank-guarantee-report", args=[active.pk]),
                               {"on_date": TODAY.isoformat(), "balance": "1", "idempotency_key": "k"})
        assert response.status_code == 403
    active.refresh_from_db()
    assert active.balance == Money(20_000_000, "KRW")


def test_the_pages_read_a_bounded_number_of_queries(desk, client_as, django_assert_max_num_queries):
    for _ in range(3):
        desk.__dict__.pop("active", None)
        _ = desk.active
    client = client_as(desk.officer)
    with django_assert_max_num_queries(20):
        assert client.get(reverse("web:bank-guarantees")).status_code == 200
    with django_assert_max_num_queries(25):
        assert client.get(reverse("web:bank")).status_code == 200
