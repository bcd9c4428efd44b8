"""The portal's contests and entries: the calls open today with the member's enterprise's standing (it may enter,
or the rule it does not meet), a contest's page (phases with their dates, who may enter, the partners), entering
through the form, the rules refused beside their field with nothing written, changing the entry while the call is
open, submitting it, withdrawing it with a reason; after the call, no more changes; another enterprise's entry is
404."""

from __future__ import annotations

import pytest
from django.urls import reverse
from djmoney.money import Money

from crowdfunding.models import Entry

from .world import TODAY, in_english, text

pytestmark = pytest.mark.django_db
State = Entry.State


def _form(world, **data):
    return {"enterprise": world.enterprise.pk, "title": "동네 빵집 나눔 프로젝트",
            "summary": "취약계층 청년을 고용해 지역 농산물로 빵을 굽습니다.",
            "use_of_funds": "제빵 설비 60 %, 원재료 40 %",
            "target_amount": "12,000,000", "campaign_type": "reward", "team": "김하나, 대표\n이두리, 제빵사\n",
            "partner": world.partner.pk, **data}


def _enter(client, world, contest=None, **data):
    return client.post(reverse("web:my-contest-enter", args=[(contest or world.contest).pk]), _form(world, **data))


def test_the_contests_page_shows_the_open_call_with_the_enterprises_standing(world, client_as):
    _ = world.contest, world.closed_call
    page = text(client_as(world.member).get(reverse("web:my-contests")))
    assert world.contest.name in page and 'id="calls-h"' in page
    assert world.enterprise.name in page and "state-approved" in page  # may enter
    assert f'href="/my/contests/{world.contest.pk}/enter/"' in page
    assert "지난 대회" in page and 'id="others-h"' in page  # in screening: listed with its phase
    assert f'href="/my/contests/{world.closed_call.pk}/enter/"' not in page


def test_an_enterprise_the_contest_does_not_admit_is_told_why(world, client_as):
    _ = world.contest
    page = text(in_english(client_as(world.seoul_member)).get(reverse("web:my-contests")))
    assert "may not enter" in page and "is open to enterprises of Daegu (대구광역시) only." in page
    assert f'href="/my/contests/{world.contest.pk}/enter/"' not in page
    page = text(in_english(client_as(world.seoul_member)).get(reverse("web:my-contest", args=[world.contest.pk])))
    assert "may not enter" in page and "Daegu (대구광역시) only" in page
    response = _enter(in_english(client_as(world.seoul_member)), world,
                      enterprise=world.seoul_member.memberships.get().enterprise_id)
    assert response.status_code == 422 and "Daegu (대구광역시) only" in text(response)
    assert not Entry.objects.exists()


def test_the_contest_page_shows_its_phases_rules_and_partners(world, client_as):
    page = text(client_as(world.member).get(reverse("web:my-contest", args=[world.contest.pk])))
    assert 'id="phases-h"' in page and 'aria-current="step"' in page
    call = world.contest
    assert f"{call.call_opens_on.isoformat()} ~ {call.call_closes_on.isoformat()}" in page
    assert f"{call.final_ends_on.isoformat()}" in page and "대구은행" in page
    assert "₩1,000,000 ~ ₩30,000,000" in page
    assert f'href="/my/contests/{call.pk}/enter/"' in page


def test_entering_changing_submitting_and_withdrawing_through_the_pages(world, client_as):
    client = client_as(world.member)
    form = text(client.get(reverse("web:my-contest-enter", args=[world.contest.pk])))
    assert f'<option value="{world.enterprise.pk}" selected>' in form
    assert f'<option value="{world.partner.pk}">대구은행</option>' in form
    assert "₩1,000,000" in form and "₩30,000,000" in form  # the target's range beside the field

    response = _enter(client, world)
    assert response.status_code == 303
    entry = Entry.objects.get()
    assert response["Location"] == f"/my/contest-entries/{entry.pk}/"
    assert (entry.state, entry.enterprise, entry.title, entry.target_amount, entry.campaign_type, entry.partner) == (
        State.DRAFT, world.enterprise, "동네 빵집 나눔 프로젝트", Money(12_000_000, "KRW"), "reward", world.partner)
    assert entry.team == [{"name": "김하나", "role": "대표"}, {"name": "이두리", "role": "제빵사"}]
    assert entry.created_by == world.member

    page = text(client.get(response["Location"]))
    assert f'action="/my/contest-entries/{entry.pk}/submit/"' in page
    assert f'href="/my/contest-entries/{entry.pk}/edit/"' in page
    assert f'href="/my/contest-entries/{entry.pk}/withdraw/"' in page
    assert "김하나 · 대표" in page and "대구은행" in page

    edit = text(client.get(reverse("web:my-contest-entry-edit", args=[entry.pk])))
    assert "김하나, 대표\n이두리, 제빵사" in edit and 'value="12,000,000"' in edit
    assert 'name="enterprise"' not in edit  # the entry's enterprise does not change
    response = client.post(reverse("web:my-contest-entry-edit", args=[entry.pk]),
                           {k: v for k, v in _form(world, title="동네 빵집 나눔 프로젝트 2026", partner="",
                                                    target_amount="15,000,000").items() if k != "enterprise"})
    assert response.status_code == 303
    entry.refresh_from_db()
    assert (entry.title, entry.partner, entry.target_amount) == ("동네 빵집 나눔 프로젝트 2026", None,
                                                                 Money(15_000_000, "KRW"))

    assert client.post(reverse("web:my-contest-entry-submit", args=[entry.pk])).status_code == 303
    entry.refresh_from_db()
    assert entry.state == State.SUBMITTED and entry.submitted_at is not None
    page = text(client.get(reverse("web:my-contest-entry", args=[entry.pk])))
    assert f"/my/contest-entries/{entry.pk}/submit/" not in page
    assert f'href="/my/contest-entries/{entry.pk}/edit/"' in page  # still changeable while the call is open

    assert client.post(reverse("web:my-contest-entry-withdraw", args=[entry.pk]), {"reason": ""}).status_code == 400
    response = client.post(reverse("web:my-contest-entry-withdraw", args=[entry.pk]), {"reason": "다른 대회 참가"})
    assert response.status_code == 303
    entry.refresh_from_db()
    assert entry.state == State.WITHDRAWN
    page = text(client.get(reverse("web:my-contest-entry", args=[entry.pk])))
    for action in ("submit", "edit", "withdraw"):
        assert f"/my/contest-entries/{entry.pk}/{action}/" not in page
    # Withdrawn, the enterprise may enter again while the call lasts.
    contest_page = text(client.get(reverse("web:my-contest", args=[world.contest.pk])))
    assert f'href="/my/contests/{world.contest.pk}/enter/"' in contest_page
    listing = text(client.get(reverse("web:my-contest-entries")))
    assert f'href="/my/contest-entries/{entry.pk}/"' in listing


@pytest.mark.parametrize(("data", "field", "status", "rule"), [
    ({"target_amount": "30,000,001"}, "target_amount", 400, "from 1000000 to 30000000"),
    ({"target_amount": "999,999"}, "target_amount", 400, "from 1000000 to 30000000"),
    ({"target_amount": "1000000.5"}, "target_amount", 400, None),
    ({"target_amount": ""}, "target_amount", 400, None),
    ({"title": ""}, "title", 400, None),
    ({"summary": ""}, "summary", 400, None),
    ({"use_of_funds": ""}, "use_of_funds", 400, None),
    ({"campaign_type": "equity"}, "campaign_type", 400, None),
    ({"team": "김하나 대표"}, "team", 400, "Line 1: a name, a comma and a role (e.g. 김하나, 대표)."),
    ({"team": "\n".join(f"사람{i}, 팀원" for i in range(21))}, "team", 400, "at most 20 people"),
    ({"partner": "999999"}, "partner", 400, None),
    ({"enterprise": "999999"}, "enterprise", 400, None),
])
def test_bad_input_is_refused_beside_the_field_and_nothing_is_written(world, client_as, data, field, status, rule):
    response = _enter(in_english(client_as(world.member)), world, **data)
    assert response.status_code == status
    page = text(response)
    assert f'id="id_{field}_error"' in page
    if rule:
        assert f'id="id_{field}_error" class="error">{rule}' in page
    assert not Entry.objects.exists()


def test_another_enterprises_enterprise_cannot_be_chosen(world, client_as):
    response = _enter(client_as(world.member), world, enterprise=world.other_enterprise.pk)
    assert response.status_code == 400 and 'id="id_enterprise_error"' in text(response)
    assert not Entry.objects.exists()


def test_a_second_live_entry_is_refused(world, client_as):
    world.entry(state=State.DRAFT)
    response = _enter(in_english(client_as(world.member)), world)
    assert response.status_code == 409 and "already has an entry" in text(response)
    assert Entry.objects.count() == 1


def test_after_the_call_closed_the_entry_no_longer_changes_but_may_be_withdrawn_until_screening_ends(world,
                                                                                                     client_as):
    entry = world.entry(contest=world.closed_call)
    client = in_english(client_as(world.member))
    page = text(client.get(reverse("web:my-contest-entry", args=[entry.pk])))
    assert f"/my/contest-entries/{entry.pk}/edit/" not in page
    assert f'href="/my/contest-entries/{entry.pk}/withdraw/"' in page
    response = client.post(reverse("web:my-contest-entry-edit", args=[entry.pk]),
                           {k: v for k, v in _form(world).items() if k not in ("enterprise", "partner")})
    assert response.status_code == 409 and "the contest is in its" in text(response).lower()
    assert _enter(client, world, contest=world.closed_call, partner="").status_code == 409
    contest_page = text(client.get(reverse("web:my-contest", args=[world.closed_call.pk])))
    assert f'href="/my/contests/{world.closed_call.pk}/enter/"' not in contest_page
    assert client.post(reverse("web:my-contest-entry-withdraw", args=[entry.pk]),
                       {"reason": "사업 계획 변경"}).status_code == 303
    entry.refresh_from_db()
    assert entry.state == State.WITHDRAWN


def test_another_enterprises_entry_is_not_found(world, client_as):
    theirs = world.other_entry
    client = client_as(world.member)
    for name in ("web:my-contest-entry", "web:my-contest-entry-edit", "web:my-contest-entry-submit",
                 "web:my-contest-entry-withdraw"):
        assert client.get(reverse(name, args=[theirs.pk])).status_code == 404, name
    assert client.post(reverse("web:my-contest-entry-withdraw", args=[theirs.pk]),
                       {"reason": "x"}).status_code == 404
    assert client.post(reverse("web:my-contest-entry-submit", args=[theirs.pk])).status_code == 404
    listing = text(client.get(reverse("web:my-contest-entries")))
    assert theirs.title not in listing
    theirs.refresh_from_db()
    assert theirs.state == State.SUBMITTED


def test_the_entries_list_downloads_as_csv(world, client_as):
    world.entry(title="첫 번째 프로젝트")
    _ = world.other_entry
    response = client_as(world.member).get(reverse("web:my-contest-entries") + "?_export=csv")
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    csv = body.decode("utf-8-sig")
    assert "첫 번째 프로젝트" in csv and "다른 기업의 프로젝트" not in csv and "10000000" in csv


def test_the_start_page_shows_the_open_call_and_the_entry(world, client_as):
    entry = world.entry(state=State.DRAFT, title="초안 프로젝트")
    page = text(client_as(world.member).get(reverse("web:portal")))
    assert 'id="my-contests-h"' in page
    assert f'href="/my/contests/{world.contest.pk}/"' in page
    assert f'href="/my/contest-entries/{entry.pk}/"' in page and "초안 프로젝트" in page
    assert TODAY.isoformat() <= world.contest.call_closes_on.isoformat()


def test_an_entry_not_advanced_shows_where_it_stopped_and_its_notice(world, client_as):
    from crowdfunding.models import EntryNotice

    entry = world.entry(contest=world.closed_call, state=State.NOT_ADVANCED, eliminated_in="screening")
    EntryNotice.objects.create(entry=entry, kind=EntryNotice.Kind.NOT_ADVANCED, round_kind="screening",
                               message="아쉽게도 서류심사를 통과하지 못했습니다 (12위).")
    page = text(in_english(client_as(world.member)).get(reverse("web:my-contest-entry", args=[entry.pk])))
    assert "아쉽게도 서류심사를 통과하지 못했습니다 (12위)." in page and "state-not_advanced" in page
    assert "Not advanced" in page and "Document screening" in page
    for action in ("submit", "edit", "withdraw"):
        assert f"/my/contest-entries/{entry.pk}/{action}/" not in page
    assert 'id="award-h"' not in page
