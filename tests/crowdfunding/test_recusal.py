"""Recusal (회피): a judge who is a member of the entry's enterprise, who works for its recommending partner, or who
declared a conflict may not score it (403 ``recused``, naming why), and any score it gave does not count in the
ranking, in the queue or in the progress."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.errors import Recused
from crowdfunding import selectors, services
from crowdfunding.models import Contest, Score
from enterprises.models import Institution, Membership
from tests.factories import InstitutionFactory, JudgeFactory, MembershipFactory

from .factories import ContestFactory, EntryFactory, PartnerFactory
from .judging_setup import FINAL_PANELS, TODAY, close, fast_password_hashing, in_english, marks, score, set_up

pytestmark = pytest.mark.django_db
__all__ = ["fast_password_hashing", "in_english"]  # the fixtures, used by every test


@pytest.fixture
def judged():
    round_, _judges = set_up(judges=(3,))
    return round_


def judge_on(judged, **fields):
    judge = JudgeFactory(**fields)
    services.panel_judges_assign(actor=None, today=TODAY, panel_id=judged.panels.get().pk, judges=[judge])
    return judge


def refused(judge, entry) -> Recused:
    with pytest.raises(Recused) as error:
        services.score_record(actor=judge, today=TODAY, entry_id=entry.pk, marks=marks(90))
    return error.value


def test_a_judge_who_is_a_member_of_the_entrys_enterprise_is_refused_and_told_why(judged):
    entry = EntryFactory(contest=judged.contest)
    judge = judge_on(judged)
    MembershipFactory(user=judge, enterprise=entry.enterprise)

    error = refused(judge, entry)

    assert error.code == "recused"
    assert error.fields == {"entry": ["member of the entry's enterprise"]}
    assert "member of the entry's enterprise" in error.message
    assert selectors.recusal(judge, entry) == selectors.Recusal("own_enterprise", "member of the entry's enterprise")
    assert not Score.objects.exists()


def test_a_judge_working_for_the_entrys_recommending_partner_is_refused():
    institution = InstitutionFactory(kind=Institution.Kind.BANK, name="대구은행")
    contest = ContestFactory(phase="screening")
    PartnerFactory(contest=contest, institution=institution)
    round_, _judges = set_up(contest)
    entry = EntryFactory(contest=contest, partner=institution)
    judge = judge_on(round_, institution=institution)
    unrelated = judge_on(round_, institution=InstitutionFactory())

    error = refused(judge, entry)
    score(unrelated, entry, 80)

    assert error.fields == {"entry": ["works for the entry's recommending partner"]}
    assert selectors.recusal(judge, entry).code == "recommending_partner"
    assert selectors.recusal_reason(unrelated, entry) is None


def test_a_judge_who_declared_a_conflict_is_refused_with_its_reason(judged):
    entry = EntryFactory(contest=judged.contest)
    judge = judge_on(judged)
    services.conflict_declare(actor=judge, today=TODAY, entry_id=entry.pk, reason="대표가 사촌입니다")

    error = refused(judge, entry)

    assert error.fields == {"entry": ["declared a conflict: 대표가 사촌입니다"]}
    assert selectors.recusal(judge, entry).code == "declared"


def test_when_several_rules_hold_the_first_is_named(judged):
    entry = EntryFactory(contest=judged.contest)
    judge = judge_on(judged)
    services.conflict_declare(actor=judge, today=TODAY, entry_id=entry.pk, reason="가족")
    MembershipFactory(user=judge, enterprise=entry.enterprise)

    assert selectors.recusal(judge, entry).code == "own_enterprise"
    assert selectors.recusals({judge.pk: None}, [entry])[(judge.pk, entry.pk)].code == "own_enterprise"


def test_a_conflict_declared_in_the_screening_still_holds_in_the_final():
    contest = ContestFactory(phase="screening")
    screening, judges = set_up(contest, judges=(1,))
    judge = judges[0][0]
    entry = EntryFactory(contest=contest)
    services.conflict_declare(actor=judge, today=TODAY, entry_id=entry.pk, reason="자문 계약")
    close(screening)
    Contest.objects.filter(pk=contest.pk).update(phase="funding")
    entry.state = "advanced"
    entry.save()
    final, _ = set_up(contest, kind="final", panels=FINAL_PANELS, judges=(0, 2), open_it=False)
    services.panel_judges_assign(actor=None, today=TODAY, panel_id=final.panels.get(kind="expert").pk, judges=[judge])
    Contest.objects.filter(pk=contest.pk).update(phase="final")
    services.round_open(actor=None, today=TODAY, round_id=final.pk)

    error = refused(judge, entry)

    assert error.fields == {"entry": ["declared a conflict: 자문 계약"]}


def test_a_recused_judges_earlier_score_is_left_out_of_the_ranking():
    # Mean of three experts: 80, 70 and 90 = 80. The third declares a conflict after scoring: its 90 stops
    # counting, and the mean is (80 + 70) / 2 = 75 over 2 judges.
    judged, judges = set_up(aggregation="mean")
    entry = EntryFactory(contest=judged.contest)
    for judge, total in zip(judges[0], (80, 70, 90), strict=True):
        score(judge, entry, total)
    before = selectors.round_ranking(judged)[0]

    services.conflict_declare(actor=judges[0][2], today=TODAY, entry_id=entry.pk, reason="뒤늦게 안 친족 관계")
    after = selectors.round_ranking(judged)[0]

    assert (before.combined, before.panels[0].judges) == (Decimal("80.0000"), 3)
    assert (after.combined, after.panels[0].judges) == (Decimal("75.0000"), 2)
    assert Score.objects.filter(entry=entry).count() == 3  # kept, not counted


def test_a_conflict_declared_after_a_round_closed_leaves_that_rounds_ranking_as_it_closed():
    # Mean of three experts in the screening: 80, 70 and 90 = 80. The round closes; in the final the third judge
    # declares a conflict on the entry: the screening's ranking stays 80 over 3 judges (what its advance list was
    # decided on), while the final refuses the judge.
    contest = ContestFactory(phase="screening")
    screening, judges = set_up(contest, aggregation="mean")
    entry = EntryFactory(contest=contest)
    for judge, total in zip(judges[0], (80, 70, 90), strict=True):
        score(judge, entry, total)
    screening = close(screening)
    Contest.objects.filter(pk=contest.pk).update(phase="funding")
    entry.state = "advanced"
    entry.save()
    final, _ = set_up(contest, kind="final", panels=FINAL_PANELS, judges=(0, 2), open_it=False)
    services.panel_judges_assign(actor=None, today=TODAY, panel_id=final.panels.get(kind="expert").pk,
                                 judges=[judges[0][2]])
    Contest.objects.filter(pk=contest.pk).update(phase="final")
    services.round_open(actor=None, today=TODAY, round_id=final.pk)

    services.conflict_declare(actor=judges[0][2], today=TODAY, entry_id=entry.pk, reason="본선에서 안 친족 관계")
    closed = selectors.round_ranking(screening)[0]

    assert (closed.combined, closed.panels[0].judges) == (Decimal("80.0000"), 3)
    assert refused(judges[0][2], entry).fields == {"entry": ["declared a conflict: 본선에서 안 친족 관계"]}


@pytest.mark.parametrize("kind", ["own_enterprise", "recommending_partner"])
def test_a_membership_or_institution_recorded_after_scoring_also_takes_the_score_out(kind):
    # Mean of 60 and 100 = 80; without the second judge's 100, 60.
    partner = InstitutionFactory()
    judged, judges = set_up(aggregation="mean", judges=(2,))
    entry = EntryFactory(contest=judged.contest, partner=partner)
    score(judges[0][0], entry, 60)
    score(judges[0][1], entry, 100)
    late = judges[0][1]

    if kind == "own_enterprise":
        Membership.objects.create(user=late, enterprise=entry.enterprise)
    else:
        late.institution = partner
        late.save()

    assert selectors.round_ranking(judged)[0].combined == Decimal("60.0000")


def test_the_queue_flags_the_entries_a_judge_is_recused_from_with_the_reason(judged):
    own, other, scored = (EntryFactory(contest=judged.contest) for _ in range(3))
    judge = judge_on(judged)
    MembershipFactory(user=judge, enterprise=own.enterprise)
    score(judge, scored, 75)

    queue = selectors.judge_queue(judge)

    assert [(item.entry, item.recusal) for item in queue] == [
        (other, None), (own, selectors.Recusal("own_enterprise", "member of the entry's enterprise"))]
    assert all(item.round == judged for item in queue)


def test_progress_expects_no_score_from_a_recused_judge(judged):
    # 4 judges x 2 entries = 8, less the recused pair: 7 expected; 2 recorded that count (the recused judge's own
    # score, given before it declared, does not).
    first, second = EntryFactory(contest=judged.contest), EntryFactory(contest=judged.contest)
    judge = judge_on(judged)
    score(judge, first, 50)
    score(judge, second, 50)
    score(judged.panels.get().judges.exclude(judge=judge).first().judge, first, 60)
    services.conflict_declare(actor=judge, today=TODAY, entry_id=first.pk, reason="이해관계")

    (progress,) = selectors.judging_progress(judged)

    assert (progress.judges, progress.expected, progress.recorded, progress.recused) == (4, 7, 2, 1)
