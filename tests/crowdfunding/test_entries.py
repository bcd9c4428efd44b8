"""Entries (참가 신청) through the services: a member drafts, edits and submits its enterprise's entry during the call,
and withdraws it until screening ends; who may enter (kind, province, district, an award of the stage before); one
live entry per enterprise; another enterprise's entry is "not found". The standard contest's call runs from 2 to 31
March 2026 and its screening to 20 April; targets from 1,000,000 to 30,000,000."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from core.errors import Forbidden, Ineligible, InvalidState, NotFound, ValidationFailed
from core.models import AuditEvent
from crowdfunding import services
from crowdfunding.models import Award, AwardTier, Contest, Entry
from enterprises.models import Enterprise
from tests.factories import AuditorFactory, EnterpriseFactory, JudgeFactory, ManagerFactory, MembershipFactory

from .factories import CALL_CLOSES, SCREENING_ENDS, ContestFactory, EntryFactory, PartnerFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 10)
TEAM = [{"name": "김대표", "role": "대표"}, {"name": "이매니저", "role": "마케팅"}]


def member_of(enterprise: Enterprise | None = None, **fields: Any):
    """A member of ``enterprise`` (a new one in Daegu's 중구 unless given)."""
    enterprise = enterprise or EnterpriseFactory(province="daegu", district="중구", **fields)
    return MembershipFactory(enterprise=enterprise).user


def own(member) -> Enterprise:
    return member.memberships.get().enterprise


def create(contest: Contest, member, **overrides: Any) -> Entry:
    data = {"contest_id": contest.pk, "enterprise_id": own(member).pk, "title": "동네 빵집 나눔 프로젝트",
            "summary": "지역 농산물로 빵을 굽고 결식아동에게 나눕니다.", "use_of_funds": "제빵 설비 60 %, 원재료 40 %",
            "target_amount": 10_000_000, "campaign_type": "reward", "team": TEAM, "today": TODAY}
    return services.entry_create(actor=member, **{**data, **overrides})


@pytest.fixture
def contest() -> Contest:
    return ContestFactory(phase="call")


# --- drafting ------------------------------------------------------------------------------------------------------


def test_a_member_drafts_its_enterprises_entry_during_the_call(contest):
    member = member_of()

    entry = create(contest, member)

    assert entry.state == "draft" and entry.submitted_at is None
    assert entry.enterprise == own(member) and entry.created_by == member
    assert entry.target_amount.amount == 10_000_000 and entry.campaign_type == "reward"
    assert entry.team == TEAM and entry.partner is None
    event = AuditEvent.objects.get(action="crowdfunding.entry.create")
    assert event.actor == member and event.after["title"] == "동네 빵집 나눔 프로젝트"


def test_the_target_may_be_either_end_of_the_contests_range(contest):
    create(contest, member_of(), target_amount=1_000_000)
    create(contest, member_of(), target_amount="30000000")

    assert Entry.objects.count() == 2


@pytest.mark.parametrize(("overrides", "field"), [
    ({"title": ""}, "title"),
    ({"title": "가" * 201}, "title"),
    ({"summary": "  "}, "summary"),
    ({"use_of_funds": "x" * 4001}, "use_of_funds"),
    ({"target_amount": 999_999}, "target_amount"),  # below the contest's smallest target
    ({"target_amount": 30_000_001}, "target_amount"),  # above its largest
    ({"target_amount": "10000000.5"}, "target_amount"),
    ({"target_amount": 0}, "target_amount"),
    ({"campaign_type": "equity"}, "campaign_type"),
    ({"team": [{"name": f"팀원{i}", "role": "팀원"} for i in range(21)]}, "team"),
    ({"team": [{"name": "김대표"}]}, "team"),
    ({"team": [{"name": "김대표", "role": "대표", "phone": "010"}]}, "team"),
    ({"team": [{"name": "김대표", "role": 3}]}, "team"),
    ({"team": "김대표"}, "team"),
    ({"partner": 10**9}, "partner"),
])
def test_a_draft_that_breaks_a_rule_is_refused_naming_the_field(contest, overrides, field):
    with pytest.raises(ValidationFailed) as error:
        create(contest, member_of(), **overrides)

    assert set(error.value.fields) == {field}
    assert not Entry.objects.exists()


def test_a_team_of_twenty_or_of_nobody_is_fine(contest):
    twenty = create(contest, member_of(), team=[{"name": f"팀원{i}", "role": "팀원"} for i in range(20)])
    nobody = create(contest, member_of(), team=[])

    assert len(twenty.team) == 20 and nobody.team == []


def test_the_recommending_institution_must_be_a_partner_of_this_contest(contest):
    partner = PartnerFactory(contest=contest)
    elsewhere = PartnerFactory()

    entry = create(contest, member_of(), partner=partner.institution)
    with pytest.raises(ValidationFailed) as error:
        create(contest, member_of(), partner=elsewhere.institution)

    assert entry.partner == partner.institution
    assert set(error.value.fields) == {"partner"}


@pytest.mark.parametrize("phase", ["draft", "screening", "funding", "closed"])
def test_entering_is_only_during_the_call(phase):
    contest = ContestFactory(phase=phase)

    with pytest.raises(InvalidState) as error:
        create(contest, member_of())

    assert set(error.value.fields) == {"phase"}


def test_the_day_after_the_call_closes_no_entry_is_taken_even_before_beat_runs(contest):
    create(contest, member_of(), today=CALL_CLOSES)

    with pytest.raises(InvalidState) as error:
        create(contest, member_of(), today=date(2026, 4, 1))

    assert "2026-03-31" in error.value.fields["phase"][0]


def test_a_member_enters_only_for_its_own_enterprise(contest):
    member = member_of()
    other = EnterpriseFactory(province="daegu", district="중구")

    with pytest.raises(NotFound) as error:
        create(contest, member, enterprise_id=other.pk)
    assert set(error.value.fields) == {"enterprise"} and other.name not in error.value.message
    with pytest.raises(NotFound):
        create(contest, member, enterprise_id=10**9)
    with pytest.raises(NotFound):
        create(contest, member, contest_id=10**9)


@pytest.mark.parametrize("role", [ManagerFactory, AuditorFactory, JudgeFactory])
def test_staff_and_judges_do_not_enter(contest, role):
    enterprise = EnterpriseFactory(province="daegu")
    actor = role()
    MembershipFactory(enterprise=enterprise)

    with pytest.raises(Forbidden):
        services.entry_create(actor=actor, today=TODAY, contest_id=contest.pk, enterprise_id=enterprise.pk,
                              title="t", summary="s", use_of_funds="u", target_amount=1_000_000,
                              campaign_type="reward", team=[])


def test_one_live_entry_per_enterprise_and_a_withdrawn_one_does_not_count(contest):
    member = member_of()
    first = create(contest, member)

    with pytest.raises(InvalidState) as error:
        create(contest, member, title="두 번째")
    assert set(error.value.fields) == {"enterprise"}
    services.entry_withdraw(actor=member, today=TODAY, entry_id=first.pk, reason="계획 변경")
    second = create(contest, member, title="다시 쓴 계획")

    assert second.pk != first.pk
    assert list(Entry.objects.order_by("pk").values_list("state", flat=True)) == ["withdrawn", "draft"]


def test_an_enterprise_may_enter_several_contests(contest):
    member = member_of()

    create(contest, member)
    create(ContestFactory(phase="call"), member)

    assert Entry.objects.filter(enterprise=own(member)).count() == 2


# --- eligibility -----------------------------------------------------------------------------------------------------


def test_an_enterprise_of_a_kind_the_contest_does_not_admit_is_ineligible():
    contest = ContestFactory(phase="call", eligible_kinds=["social", "pre_social"])

    with pytest.raises(Ineligible) as error:
        create(contest, member_of(kind=Enterprise.Kind.COOPERATIVE))

    assert set(error.value.fields) == {"enterprise"} and "cooperative" in error.value.fields["enterprise"][0]
    assert not Entry.objects.exists()


def test_an_enterprise_of_another_province_is_ineligible_and_any_province_admits_all():
    daegu_only = ContestFactory(phase="call", eligible_provinces=["daegu"])
    anywhere = ContestFactory(phase="call", eligible_provinces=[])
    seoul = member_of(EnterpriseFactory(province="seoul", district="중구"))

    with pytest.raises(Ineligible) as error:
        create(daegu_only, seoul)

    assert "seoul" in error.value.fields["enterprise"][0]
    assert create(anywhere, seoul).state == "draft"


def test_an_enterprise_of_another_district_is_ineligible():
    jung_gu = ContestFactory(phase="call", eligible_provinces=["daegu"], eligible_districts=["중구", "남구"])
    suseong = member_of(EnterpriseFactory(province="daegu", district="수성구"))

    with pytest.raises(Ineligible) as error:
        create(jung_gu, suseong)

    assert "수성구" in error.value.fields["enterprise"][0]
    assert create(jung_gu, member_of()).state == "draft"  # 중구


def award(entry: Entry, state: str) -> Award:
    tier = AwardTier.objects.get_or_create(contest=entry.contest, name="우수상", rank_from=1, rank_to=5,
                                           amount_min=10_000_000, amount_max=10_000_000)[0]
    manager = ManagerFactory()
    return Award.objects.create(contest=entry.contest, entry=entry, tier=tier, rank=1, amount=10_000_000,
                                state=state, prepared_by=manager,
                                approved_by=ManagerFactory() if state in ("approved", "settled") else None)


@pytest.mark.parametrize(("state", "eligible"), [("approved", True), ("settled", True), ("prepared", False),
                                                 ("cancelled", False)])
def test_a_later_stage_admits_only_the_stage_befores_award_winners(state, eligible):
    year_one = ContestFactory(phase="closed")
    year_two = ContestFactory(phase="call", previous_stage=year_one, stage=2)
    member = member_of()
    award(EntryFactory(contest=year_one, enterprise=own(member), state="selected"), state)

    if eligible:
        assert create(year_two, member).state == "draft"
    else:
        with pytest.raises(Ineligible) as error:
            create(year_two, member)
        assert set(error.value.fields) == {"enterprise"} and year_one.code in error.value.fields["enterprise"][0]


def test_an_award_in_another_contest_does_not_count_for_a_later_stage():
    year_two = ContestFactory(phase="call", previous_stage=ContestFactory(phase="closed"), stage=2)
    member = member_of()
    award(EntryFactory(enterprise=own(member), state="selected"), "approved")  # some other contest

    with pytest.raises(Ineligible):
        create(year_two, member)


# --- editing -------------------------------------------------------------------------------------------------------


def test_a_member_edits_its_draft_and_what_is_not_given_stays(contest):
    member = member_of()
    partner = PartnerFactory(contest=contest)
    entry = create(contest, member, partner=partner.institution)

    edited = services.entry_update(actor=member, today=TODAY, entry_id=entry.pk, title="새 제목",
                                   target_amount="12000000", partner=None)

    assert edited.title == "새 제목" and edited.target_amount.amount == 12_000_000 and edited.partner is None
    assert edited.summary == entry.summary and edited.team == TEAM
    event = AuditEvent.objects.get(action="crowdfunding.entry.update")
    assert event.before["title"] == "동네 빵집 나눔 프로젝트" and event.after["title"] == "새 제목"


def test_an_edit_that_changes_nothing_records_nothing(contest):
    member = member_of()
    entry = create(contest, member)

    services.entry_update(actor=member, today=TODAY, entry_id=entry.pk, title=entry.title, team=TEAM)

    assert not AuditEvent.objects.filter(action="crowdfunding.entry.update").exists()


def test_a_submitted_entry_is_editable_until_the_call_closes(contest):
    member = member_of()
    entry = create(contest, member)
    services.entry_submit(actor=member, today=TODAY, entry_id=entry.pk)

    edited = services.entry_update(actor=member, today=CALL_CLOSES, entry_id=entry.pk, campaign_type="donation")
    assert edited.campaign_type == "donation" and edited.state == "submitted"
    with pytest.raises(InvalidState):
        services.entry_update(actor=member, today=date(2026, 4, 1), entry_id=entry.pk, title="늦은 수정")
    Contest.objects.filter(pk=contest.pk).update(phase="screening")
    with pytest.raises(InvalidState) as error:
        services.entry_update(actor=member, today=CALL_CLOSES, entry_id=entry.pk, title="늦은 수정")

    assert set(error.value.fields) == {"phase"}
    assert Entry.objects.get(pk=entry.pk).title == "동네 빵집 나눔 프로젝트"


@pytest.mark.parametrize(("overrides", "field"), [({"title": ""}, "title"), ({"target_amount": 50_000_000},
                                                                              "target_amount"),
                                                  ({"team": [{}]}, "team"), ({"campaign_type": None},
                                                                             "campaign_type")])
def test_an_edit_that_breaks_a_rule_is_refused_naming_the_field(contest, overrides, field):
    member = member_of()
    entry = create(contest, member)

    with pytest.raises(ValidationFailed) as error:
        services.entry_update(actor=member, today=TODAY, entry_id=entry.pk, **overrides)

    assert set(error.value.fields) == {field}


def test_a_withdrawn_entry_is_not_edited(contest):
    member = member_of()
    entry = create(contest, member)
    services.entry_withdraw(actor=member, today=TODAY, entry_id=entry.pk, reason="철회")

    with pytest.raises(InvalidState) as error:
        services.entry_update(actor=member, today=TODAY, entry_id=entry.pk, title="다시")

    assert set(error.value.fields) == {"state"}


def test_another_enterprises_entry_is_not_found_to_a_member(contest):
    theirs = EntryFactory(contest=contest, state="draft", submitted_at=None)
    stranger = member_of()

    for write in (lambda: services.entry_update(actor=stranger, today=TODAY, entry_id=theirs.pk, title="x"),
                  lambda: services.entry_submit(actor=stranger, today=TODAY, entry_id=theirs.pk),
                  lambda: services.entry_withdraw(actor=stranger, today=TODAY, entry_id=theirs.pk, reason="x"),
                  lambda: services.entry_submit(actor=stranger, today=TODAY, entry_id=10**9)):
        with pytest.raises(NotFound):
            write()
    assert Entry.objects.get(pk=theirs.pk).state == "draft"


# --- submitting ----------------------------------------------------------------------------------------------------


def test_a_member_submits_its_draft_during_the_call(contest):
    member = member_of()
    entry = create(contest, member)

    submitted = services.entry_submit(actor=member, today=TODAY, entry_id=entry.pk)

    assert submitted.state == "submitted" and submitted.submitted_at is not None
    assert AuditEvent.objects.get(action="crowdfunding.entry.submit").actor == member
    with pytest.raises(InvalidState) as error:
        services.entry_submit(actor=member, today=TODAY, entry_id=entry.pk)
    assert set(error.value.fields) == {"state"}


def test_a_draft_left_when_the_call_closed_can_no_longer_be_submitted(contest):
    member = member_of()
    entry = create(contest, member)
    services.contest_advance(actor=ManagerFactory(), today=date(2026, 4, 1), contest_id=contest.pk)

    with pytest.raises(InvalidState) as error:
        services.entry_submit(actor=member, today=date(2026, 4, 1), entry_id=entry.pk)

    assert set(error.value.fields) == {"phase"}
    assert Entry.objects.get(pk=entry.pk).state == "draft"


def test_submitting_checks_eligibility_again(contest):
    member = member_of()
    entry = create(contest, member)
    Enterprise.objects.filter(pk=own(member).pk).update(province="seoul")

    with pytest.raises(Ineligible):
        services.entry_submit(actor=member, today=TODAY, entry_id=entry.pk)

    assert Entry.objects.get(pk=entry.pk).state == "draft"


# --- withdrawing ---------------------------------------------------------------------------------------------------


def test_a_submitted_entry_is_withdrawn_during_screening_with_a_reason(contest):
    member = member_of()
    entry = create(contest, member)
    services.entry_submit(actor=member, today=TODAY, entry_id=entry.pk)
    Contest.objects.filter(pk=contest.pk).update(phase="screening")

    withdrawn = services.entry_withdraw(actor=member, today=SCREENING_ENDS, entry_id=entry.pk,
                                        reason="  대표 사정으로 참가를 포기합니다.  ")

    assert withdrawn.state == "withdrawn"
    event = AuditEvent.objects.get(action="crowdfunding.entry.withdraw")
    assert event.reason == "대표 사정으로 참가를 포기합니다." and event.before["state"] == "submitted"


def test_a_withdrawal_needs_a_reason(contest):
    member = member_of()
    entry = create(contest, member)

    with pytest.raises(ValidationFailed) as error:
        services.entry_withdraw(actor=member, today=TODAY, entry_id=entry.pk, reason=" ")

    assert set(error.value.fields) == {"reason"}


def test_after_screening_ends_an_entry_is_no_longer_withdrawn(contest):
    member = member_of()
    entry = create(contest, member)
    services.entry_submit(actor=member, today=TODAY, entry_id=entry.pk)
    Contest.objects.filter(pk=contest.pk).update(phase="screening")

    with pytest.raises(InvalidState) as late:
        services.entry_withdraw(actor=member, today=date(2026, 4, 21), entry_id=entry.pk, reason="늦은 철회")
    Contest.objects.filter(pk=contest.pk).update(phase="funding")
    with pytest.raises(InvalidState) as later:
        services.entry_withdraw(actor=member, today=SCREENING_ENDS, entry_id=entry.pk, reason="늦은 철회")

    assert "2026-04-20" in late.value.fields["phase"][0]
    assert set(later.value.fields) == {"phase"}
    assert Entry.objects.get(pk=entry.pk).state == "submitted"


@pytest.mark.parametrize("state", ["advanced", "not_advanced", "withdrawn"])
def test_an_entry_past_submission_is_not_withdrawn(contest, state):
    member = member_of()
    fields: dict[str, Any] = {"eliminated_in": "screening"} if state == "not_advanced" else {}
    entry = EntryFactory(contest=contest, enterprise=own(member), state=state, **fields)

    with pytest.raises(InvalidState) as error:
        services.entry_withdraw(actor=member, today=TODAY, entry_id=entry.pk, reason="철회")

    assert set(error.value.fields) == {"state"}
