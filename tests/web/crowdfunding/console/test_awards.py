"""Awards in the console: preparing a selected entry's award (its tier from the final rank, the amount within the
tier, its tranches), approving it with four eyes (the amount reserved out of the joint fund, never more than it
holds), paying its tranches in order, settling a reported tranche (what was not spent is due back) and recording the
return; the evidence of the spending; an auditor reads only.

The world's final contest (tests/web/crowdfunding/world.py): 100,000,000 in the joint fund; its confirmed final list
ranks 꿈꾸는 협동조합 1st and 행복 마을기업 2nd (both selected); the award table gives the 1st 20,000,000 to 30,000,000
and the 2nd 10,000,000."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from crowdfunding import accounts as chart
from crowdfunding.models import Award, AwardTranche, Entry
from ledger.models import Account

from ..helpers import PREPARED_NOTE, field_errors, form_as_shown, ko, nothing_written, text

pytestmark = pytest.mark.django_db

State = Award.State


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path


def _url(name: str, pk: int) -> str:
    return reverse(f"web:{name}", args=[pk])


def _balance(contest, code: str) -> Decimal:
    return Account.objects.get(book=contest.book, code=code).balance.amount


def test_a_manager_prepares_the_award_of_the_first(cw, client_as, manager):
    entry = cw.selected(1)
    client = client_as(manager)
    form = text(client.get(_url("contest-award-prepare", entry.pk)))
    assert "대상" in form and "₩20,000,000 ~ ₩30,000,000" in form

    response = client.post(_url("contest-award-prepare", entry.pk), {"amount": "25,000,000",
                                                                      "tranches": "15,000,000; 10,000,000"})

    award = Award.objects.get(entry=entry)
    assert response.status_code == 303 and response["Location"] == _url("contest-award", award.pk)
    assert (award.state, award.rank, award.amount.amount, award.prepared_by_id) == (State.PREPARED, 1, 25_000_000,
                                                                                    manager.pk)
    assert [t.amount.amount for t in award.tranches.order_by("number")] == [15_000_000, 10_000_000]
    page = text(client.get(_url("contest-award", award.pk)))
    assert ko(PREPARED_NOTE) in page and _url("contest-award-approve", award.pk) not in page


@pytest.mark.parametrize(("data", "field", "status"), [
    ({"amount": "35,000,000"}, "amount", 400),  # above the tier
    ({"amount": "25,000,000", "tranches": "15,000,000; 5,000,000"}, "tranches", 400),  # not adding up
    ({"amount": "25,000,000", "tranches": "1;1;1;1;1;1;1"}, "tranches", 400),  # more than 6
    ({"amount": "-1"}, "amount", 400),
], ids=["above-the-tier", "tranches-not-adding-up", "seven-tranches", "negative"])
def test_preparing_with_bad_input_is_refused_beside_the_field(cw, client_as, manager, data, field, status):
    entry = cw.selected(1)
    with nothing_written():
        response = client_as(manager).post(_url("contest-award-prepare", entry.pk), data)
    assert response.status_code == status and field in field_errors(response)


def test_an_entry_not_selected_cannot_be_awarded(cw, client_as, manager):
    loser = Entry.objects.get(contest=cw.final_contest, state="not_advanced")
    with nothing_written():
        response = client_as(manager).post(_url("contest-award-prepare", loser.pk), {"amount": "10,000,000"})
    assert response.status_code == 409


def test_the_preparer_may_not_approve_and_another_manager_does(cw, client_as, manager):
    award = cw.prepared_award
    preparer = client_as(cw.preparer)
    shown = preparer.get(_url("contest-award-approve", award.pk))
    assert shown.status_code == 200 and ko(PREPARED_NOTE) in text(shown) and 'class="action-form"' not in text(shown)
    with nothing_written():
        assert preparer.post(_url("contest-award-approve", award.pk), {"idempotency_key": "web-x"}).status_code == 409

    client = client_as(manager)
    key = client.get(_url("contest-award-approve", award.pk)).context["form"]["idempotency_key"].value()
    first = client.post(_url("contest-award-approve", award.pk), {"idempotency_key": key})
    again = client.post(_url("contest-award-approve", award.pk), {"idempotency_key": key})

    assert first.status_code == again.status_code == 303
    award.refresh_from_db()
    assert (award.state, award.approved_by_id) == (State.APPROVED, manager.pk)
    contest = cw.final_contest
    assert _balance(contest, chart.CASH) == 75_000_000
    assert _balance(contest, chart.reserved_code(award.pk)) == 25_000_000
    page = text(client.get(_url("contest", contest.pk)))
    assert _url("contest-award", award.pk) in page and "₩25,000,000" in page  # the contest's awards
    assert "₩75,000,000" in page and ko("reconciled to the ledger") in page


def test_an_award_above_what_the_fund_holds_is_refused_with_what_it_holds(cw, client_as, manager):
    cw.final_fund = 20_000_000
    award = cw.prepared_award  # 25,000,000
    with nothing_written():
        response = client_as(manager).post(_url("contest-award-approve", award.pk), {"idempotency_key": "web-1"})
    assert response.status_code == 422
    assert 'class="form-errors"' in text(response)


def test_tranches_are_paid_in_order(cw, client_as, manager):
    award = cw.approved_award
    first, second = award.tranches.order_by("number")
    client = client_as(manager)
    page = text(client.get(_url("contest-award", award.pk)))
    assert _url("contest-tranche-pay", first.pk) in page and _url("contest-tranche-pay", second.pk) not in page
    with nothing_written():
        assert client.post(_url("contest-tranche-pay", second.pk), {
            "idempotency_key": "web-2", "paid_on": cw.today.isoformat()}).status_code == 409

    key = client.get(_url("contest-tranche-pay", first.pk)).context["form"]["idempotency_key"].value()
    response = client.post(_url("contest-tranche-pay", first.pk), {"idempotency_key": key,
                                                                   "paid_on": cw.today.isoformat()})

    assert response.status_code == 303 and response["Location"] == _url("contest-award", award.pk)
    first.refresh_from_db()
    award.refresh_from_db()
    assert (first.state, award.paid.amount) == (AwardTranche.State.PAID, 15_000_000)
    assert _balance(cw.final_contest, chart.advance_code(award.pk)) == 15_000_000
    assert _url("contest-tranche-pay", second.pk) in text(client.get(_url("contest-award", award.pk)))


def test_a_reported_tranche_is_settled_and_the_unspent_money_returned(cw, client_as, manager):
    tranche = cw.reported_tranche  # 15,000,000 paid, 12,000,000 reported spent
    award = tranche.award
    client = client_as(manager)
    page = text(client.get(_url("contest-award", award.pk)))
    assert "제빵 오븐 구입" in page and "₩12,000,000" in page and _url("contest-tranche-settle", tranche.pk) in page
    with nothing_written():
        too_much = client.post(_url("contest-tranche-settle", tranche.pk), {"accepted": "13,000,000"})
    assert too_much.status_code == 400 and "accepted" in field_errors(too_much)

    settled = client.post(_url("contest-tranche-settle", tranche.pk), {"accepted": ""})

    assert settled.status_code == 303
    tranche.refresh_from_db()
    assert (tranche.state, tranche.spent.amount, tranche.unspent.amount) == ("settled", 12_000_000, 3_000_000)
    contest = cw.final_contest
    assert _balance(contest, chart.AWARD_EXPENSE) == 12_000_000
    page = text(client.get(_url("contest-award", award.pk)))
    assert _url("contest-tranche-return", tranche.pk) in page and "₩3,000,000" in page

    key = client.get(_url("contest-tranche-return", tranche.pk)).context["form"]["idempotency_key"].value()
    returned = client.post(_url("contest-tranche-return", tranche.pk), {"idempotency_key": key,
                                                                        "returned_on": cw.today.isoformat()})

    assert returned.status_code == 303
    tranche.refresh_from_db()
    assert (tranche.state, tranche.returned_on) == ("closed", cw.today)
    # 100,000,000 - 25,000,000 reserved + 3,000,000 back.
    assert _balance(contest, chart.CASH) == 78_000_000
    assert _balance(contest, chart.advance_code(award.pk)) == 0


def test_staff_download_a_spending_items_evidence(cw, client_as, auditor):
    tranche = cw.reported_tranche
    item = tranche.spending.first()
    response = client_as(auditor).get(_url("contest-spending-evidence", item.pk))
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    assert client_as(cw.member_of_awarded()).get(_url("contest-spending-evidence", item.pk)).status_code == 403


def test_an_auditor_reads_an_award_and_may_do_nothing_to_it(cw, client_as, auditor):
    award = cw.prepared_award
    page = text(client_as(auditor).get(_url("contest-award", award.pk)))
    assert "₩25,000,000" in page and _url("contest-award-approve", award.pk) not in page
    assert _url("contest-award-cancel", award.pk) not in page
    with nothing_written():
        assert client_as(auditor).post(_url("contest-award-approve", award.pk),
                                       {"idempotency_key": "x"}).status_code == 403


def test_a_manager_cancels_a_prepared_award_with_a_reason(cw, client_as, manager):
    award = cw.prepared_award
    client = client_as(manager)
    with nothing_written():
        assert client.post(_url("contest-award-cancel", award.pk), {"reason": ""}).status_code == 400
    assert client.post(_url("contest-award-cancel", award.pk), {"reason": "수상 포기"}).status_code == 303
    award.refresh_from_db()
    assert award.state == State.CANCELLED


def test_the_award_table_is_set_and_bad_ranks_are_named_beside_their_row(cw, client_as, manager):
    contest = cw.contest
    client = client_as(manager)
    form = {"tiers-TOTAL_FORMS": "2", "tiers-INITIAL_FORMS": "0", "tiers-MIN_NUM_FORMS": "1",
            "tiers-MAX_NUM_FORMS": "10",
            "tiers-0-name": "대상", "tiers-0-rank_from": "1", "tiers-0-rank_to": "1",
            "tiers-0-amount_min": "30,000,000", "tiers-0-amount_max": "30,000,000",
            "tiers-1-name": "우수상", "tiers-1-rank_from": "3", "tiers-1-rank_to": "5",
            "tiers-1-amount_min": "10,000,000", "tiers-1-amount_max": "20,000,000"}
    with nothing_written():
        gap = client.post(_url("contest-award-table", contest.pk), form)
    assert gap.status_code == 400
    assert gap.context["form"]["tiers"].forms[1].errors["rank_from"]  # rank 2 is missing: beside tier 2's field

    response = client.post(_url("contest-award-table", contest.pk), {**form, "tiers-1-rank_from": "2"})

    assert response.status_code == 303
    assert [(t.name, t.rank_from, t.rank_to) for t in contest.award_tiers.all()] == [("대상", 1, 1),
                                                                                     ("우수상", 2, 5)]
    page = text(client.get(_url("contest", contest.pk)))
    assert "₩10,000,000 ~ ₩20,000,000" in page
    # The table shown again and sent back untouched (its two blank rows too) keeps it as it is.
    shown = form_as_shown(text(client.get(_url("contest-award-table", contest.pk))))
    assert client.post(_url("contest-award-table", contest.pk), shown).status_code == 303
    assert [(t.name, t.rank_from, t.rank_to) for t in contest.award_tiers.all()] == [("대상", 1, 1),
                                                                                     ("우수상", 2, 5)]


def test_the_awards_list_filters_by_contest_and_state(cw, client_as, manager):
    award = cw.approved_award
    client = client_as(manager)
    assert f"A{award.pk}<" in text(client.get("/console/contests/awards/", {"contest": cw.final_contest.pk}))
    assert f"A{award.pk}<" not in text(client.get("/console/contests/awards/", {"state": "prepared"}))
