"""The contests in Korean (the default language): labels read as their Korean terms, a refusal reads as one sentence
with its values in place, and the labels whose English another instrument uses in another sense read in the
contests' sense."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import translation
from django.utils.translation import gettext, pgettext

from core.errors import Ineligible, InvalidState
from crowdfunding import services
from crowdfunding.models import AdvanceList, AwardTranche, Contest, Panel, Phase, PhaseChange
from enterprises.models import Enterprise
from tests.factories import EnterpriseFactory, MembershipFactory

from .factories import ContestFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 10)


def enter(contest: Contest, kind: str = Enterprise.Kind.SOCIAL) -> None:
    member = MembershipFactory(enterprise=EnterpriseFactory(kind=kind, province="daegu", district="중구")).user
    services.entry_create(actor=member, contest_id=contest.pk, enterprise_id=member.memberships.get().enterprise_id,
                          title="동네 빵집 나눔 프로젝트", summary="지역 농산물로 빵을 굽습니다.",
                          use_of_funds="제빵 설비", target_amount=10_000_000, campaign_type="reward", team=[],
                          today=TODAY)


def test_a_contests_phases_read_as_their_korean_terms_and_in_english_with_them():
    assert [str(label) for label in Phase.labels] == ["공고 전", "공모", "서류심사", "펀딩", "본선", "시상", "종료"]
    assert str(Panel.Kind.CITIZEN.label) == "시민 심사단"
    with translation.override("en"):
        assert str(Phase.SCREENING.label) == "Document screening (서류심사)"


def test_labels_another_instrument_uses_in_another_sense_read_in_the_contests_sense():
    assert str(AdvanceList.State.PREPARED.label) == "확정 대기" != gettext("Prepared")
    assert str(AwardTranche._meta.get_field("paid_on").verbose_name) == "지급일" != gettext("paid on")
    assert str(AwardTranche._meta.get_field("settled_on").verbose_name) == "정산일" != gettext("settled on")
    assert str(PhaseChange._meta.get_field("on_date").verbose_name) == "변경일" != gettext("on")
    assert str(Contest._meta.get_field("eligible_kinds").verbose_name) == "참가 대상 기업 유형"
    # the contexts the contests' pages use ({% translate "..." context "..." %})
    assert pgettext("award", "Paid") == "지급액" != gettext("Paid")
    assert pgettext("advance list", "Lines") == "명단" != gettext("Lines")
    assert pgettext("prepared on and by", "Prepared") == "작성"
    with translation.override("en"):
        assert str(AdvanceList.State.PREPARED.label) == "Prepared" and pgettext("award", "Paid") == "Paid"


def test_an_ineligible_enterprise_is_told_in_korean_with_its_kind_and_the_contest_in_place():
    contest = ContestFactory(phase="call", eligible_kinds=["social"])

    with pytest.raises(Ineligible) as refused:
        enter(contest, kind=Enterprise.Kind.COOPERATIVE)

    assert refused.value.message == f"협동조합 유형의 기업은 {contest.name}에 참가할 수 없습니다."
    assert refused.value.fields == {"enterprise": ["cooperative 유형은 이 대회의 참가 대상이 아닙니다."]}


def test_what_a_phase_refuses_reads_as_the_action_then_the_phase():
    contest = ContestFactory(phase="screening")

    with pytest.raises(InvalidState) as refused:
        enter(contest)

    assert refused.value.message == "대회 참가 신청: 대회가 서류심사 단계인 동안에는 할 수 없습니다."
    assert refused.value.fields == {"phase": ["현재 screening 단계입니다."]}
