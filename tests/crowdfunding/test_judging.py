"""Judging rounds through the services: a round's rubric and panels set up and replaced, judges seated, the round
opened in its phase and closed, scores recorded with their weighted totals, conflicts declared. Recusal, blindness
and the lock after closing have their own files; so do the ranking and advancing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.errors import Forbidden, InvalidState, NotFound, ValidationFailed
from core.models import AuditEvent
from crowdfunding import services
from crowdfunding.models import Conflict, Contest, Criterion, Panel, PanelJudge, Round, Score
from tests.factories import AuditorFactory, JudgeFactory, ManagerFactory, UserFactory

from .factories import ContestFactory, EntryFactory
from .judging_setup import (
    CRITERIA,
    EXPERT_ONLY,
    FINAL_PANELS,
    TODAY,
    fast_password_hashing,
    in_english,
    marks,
    score,
    set_up,
)

pytestmark = pytest.mark.django_db
__all__ = ["fast_password_hashing", "in_english"]  # the fixtures, used by every test


def setup(contest: Contest, actor=None, **overrides):
    data = {"contest_id": contest.pk, "kind": "final", "aggregation": "trimmed", "criteria": CRITERIA,
            "panels": FINAL_PANELS}
    return services.round_setup(actor=actor or ManagerFactory(), today=TODAY, **{**data, **overrides})


def fields_of(error: pytest.ExceptionInfo) -> set[str]:
    return set(error.value.fields)


# --- setting a round up ---------------------------------------------------------------------------------------------


def test_a_manager_sets_up_a_final_with_the_rubric_and_a_70_30_expert_and_citizen_panel():
    contest = ContestFactory(phase="screening")

    judged = setup(contest)

    assert (judged.kind, judged.aggregation, judged.state) == ("final", "trimmed", "setup")
    criteria = list(Criterion.objects.filter(round=judged).values_list("key", "weight", "max_score", "position"))
    assert criteria == [("social-value", 30, 30, 0), ("business", 25, 25, 1), ("feasibility", 25, 25, 2),
                        ("local", 20, 20, 3)]
    assert list(Panel.objects.filter(round=judged).values_list("name", "kind", "weight").order_by("pk")) == [
        ("전문가 심사단", "expert", Decimal(70)), ("시민 심사단", "citizen", Decimal(30))]
    event = AuditEvent.objects.get(action="crowdfunding.round.setup")
    assert event.after["panels"][0] == {"name": "전문가 심사단", "kind": "expert", "weight": "70.00"}


def test_setting_up_again_replaces_the_rubric_and_a_panel_kept_by_name_keeps_its_judges():
    contest = ContestFactory(phase="screening")
    judged = setup(contest)
    expert_panel = Panel.objects.get(round=judged, kind="expert")
    judge = JudgeFactory()
    services.panel_judges_assign(actor=ManagerFactory(), today=TODAY, panel_id=expert_panel.pk, judges=[judge])

    again = setup(contest, aggregation="zscore",
                  criteria=[{"key": "impact", "name": "사회적 가치", "weight": "40", "max_score": "10"},
                            {"key": "plan", "name": "사업 계획", "weight": "60", "max_score": "10"}],
                  panels=[{"name": "전문가 심사단", "kind": "expert", "weight": "80"},
                          {"name": "시민 평가단", "kind": "citizen", "weight": "20"}])

    assert again.pk == judged.pk and again.aggregation == "zscore"
    assert list(Criterion.objects.filter(round=again).values_list("key", flat=True)) == ["impact", "plan"]
    panels = dict(Panel.objects.filter(round=again).values_list("name", "weight"))
    assert panels == {"전문가 심사단": Decimal(80), "시민 평가단": Decimal(20)}
    assert PanelJudge.objects.get(judge=judge).panel_id == expert_panel.pk  # kept, with its judge
    assert AuditEvent.objects.filter(action="crowdfunding.round.setup").count() == 2


@pytest.mark.parametrize(("overrides", "field"), [
    ({"kind": "funding"}, "kind"),
    ({"aggregation": "median"}, "aggregation"),
    ({"criteria": []}, "criteria"),
    ({"criteria": [{**CRITERIA[0], "key": "Social Value"}]}, "criteria[0].key"),
    ({"criteria": [CRITERIA[0], {**CRITERIA[1], "key": "social-value"}]}, "criteria[1].key"),
    ({"criteria": [{**CRITERIA[0], "weight": 0}]}, "criteria[0].weight"),
    ({"criteria": [{**CRITERIA[0], "weight": "1.234"}]}, "criteria[0].weight"),
    ({"criteria": [{**CRITERIA[0], "max_score": "-5"}]}, "criteria[0].max_score"),
    ({"criteria": [{**CRITERIA[0], "max_score": "2.55"}]}, "criteria[0].max_score"),
    ({"criteria": [{**CRITERIA[0], "max_score": 2.5}]}, "criteria[0].max_score"),  # a float: never
    ({"criteria": [{**CRITERIA[0], "name": " "}]}, "criteria[0].name"),
    ({"panels": []}, "panels"),
    ({"panels": [{"name": "전문가", "kind": "expert", "weight": 70}]}, "panels"),  # adds up to 70
    ({"panels": [{"name": "전문가", "kind": "expert", "weight": 70},
                 {"name": "전문가", "kind": "citizen", "weight": 30}]}, "panels[1].name"),
    ({"panels": [{"name": "전문가", "kind": "judges", "weight": 100}]}, "panels[0].kind"),
    ({"panels": [{"name": "전문가", "kind": "expert", "weight": 0}]}, "panels[0].weight"),
    ({"panels": [{"name": "시민 1", "kind": "citizen", "weight": 50},  # a final without an expert panel
                 {"name": "시민 2", "kind": "citizen", "weight": 50}]}, "panels"),
])
def test_a_bad_rubric_or_panel_is_refused_naming_the_field(overrides, field):
    contest = ContestFactory(phase="screening")

    with pytest.raises(ValidationFailed) as error:
        setup(contest, **overrides)

    assert field in fields_of(error)
    assert not Round.objects.exists()


def test_a_screening_may_be_judged_by_citizens_alone_and_a_final_by_one_citizen_panel():
    contest = ContestFactory(phase="call")
    citizens = [{"name": "시민 1", "kind": "citizen", "weight": 50},
                {"name": "시민 2", "kind": "citizen", "weight": 50}]

    screening = setup(contest, kind="screening", panels=citizens)
    final = setup(contest, panels=[{"name": "시민", "kind": "citizen", "weight": 100}])

    assert screening.panels.count() == 2 and final.panels.count() == 1


def test_a_round_can_no_longer_change_once_open_nor_after_its_phase():
    judged, _judges = set_up(kind="screening")
    past = ContestFactory(phase="funding")

    with pytest.raises(InvalidState) as opened:
        setup(judged.contest, kind="screening", panels=EXPERT_ONLY)
    with pytest.raises(InvalidState) as late:
        setup(past, kind="screening", panels=EXPERT_ONLY)

    assert fields_of(opened) == {"state"} and fields_of(late) == {"phase"}


@pytest.mark.parametrize("role", ["auditor", "judge", "plain"])
def test_only_managers_set_rounds_up(role):
    actor = {"auditor": AuditorFactory, "judge": JudgeFactory, "plain": UserFactory}[role]()

    with pytest.raises(Forbidden):
        setup(ContestFactory(phase="screening"), actor=actor)


# --- judges on panels -----------------------------------------------------------------------------------------------


def test_judges_are_seated_once_and_seating_them_again_changes_nothing():
    judged = setup(ContestFactory(phase="screening"))
    panel = Panel.objects.get(round=judged, kind="citizen")
    first, second = JudgeFactory(), JudgeFactory()

    seats = services.panel_judges_assign(actor=ManagerFactory(), today=TODAY, panel_id=panel.pk,
                                         judges=[first, second, first])
    again = services.panel_judges_assign(actor=ManagerFactory(), today=TODAY, panel_id=panel.pk, judges=[second])

    assert [seat.judge for seat in seats] == [first, second]
    assert again[0].pk == seats[1].pk
    assert PanelJudge.objects.filter(panel=panel).count() == 2
    assert AuditEvent.objects.filter(action="crowdfunding.round.judges").count() == 1


def test_only_users_holding_the_judge_role_are_seated():
    panel = Panel.objects.get(round=setup(ContestFactory(phase="screening")), kind="expert")
    not_a_judge = UserFactory()

    with pytest.raises(ValidationFailed) as error:
        services.panel_judges_assign(actor=ManagerFactory(), today=TODAY, panel_id=panel.pk,
                                     judges=[JudgeFactory(), not_a_judge])

    assert fields_of(error) == {"judges"} and str(not_a_judge.pk) in error.value.fields["judges"][0]
    assert not PanelJudge.objects.exists()


def test_a_judge_sits_on_one_panel_of_a_round():
    judged = setup(ContestFactory(phase="screening"))
    expert, citizen = Panel.objects.filter(round=judged).order_by("pk")
    judge = JudgeFactory()
    services.panel_judges_assign(actor=ManagerFactory(), today=TODAY, panel_id=expert.pk, judges=[judge])

    with pytest.raises(InvalidState) as error:
        services.panel_judges_assign(actor=ManagerFactory(), today=TODAY, panel_id=citizen.pk, judges=[judge])

    assert fields_of(error) == {"judges"}
    assert PanelJudge.objects.get(judge=judge).panel == expert


def test_citizen_judges_may_join_an_open_round_but_not_a_closed_one():
    judged, _judges = set_up(kind="screening")
    panel = judged.panels.get()
    late = JudgeFactory()

    services.panel_judges_assign(actor=ManagerFactory(), today=TODAY, panel_id=panel.pk, judges=[late])
    services.round_close(actor=ManagerFactory(), today=TODAY, round_id=judged.pk)
    with pytest.raises(InvalidState):
        services.panel_judges_assign(actor=ManagerFactory(), today=TODAY, panel_id=panel.pk, judges=[JudgeFactory()])

    assert PanelJudge.objects.filter(panel=panel).count() == 4


def test_seating_judges_on_a_panel_that_does_not_exist_is_not_found():
    with pytest.raises(NotFound):
        services.panel_judges_assign(actor=ManagerFactory(), today=TODAY, panel_id=10**9, judges=[JudgeFactory()])


# --- opening and closing ------------------------------------------------------------------------------------------


def test_a_round_opens_in_its_phase_with_a_judge_on_every_panel_and_closes_by_a_manager():
    contest = ContestFactory(phase="call")
    judged, _judges = set_up(contest, kind="screening", open_it=False)

    with pytest.raises(InvalidState) as too_early:
        services.round_open(actor=ManagerFactory(), today=TODAY, round_id=judged.pk)
    Contest.objects.filter(pk=contest.pk).update(phase="screening")
    opened = services.round_open(actor=ManagerFactory(), today=TODAY, round_id=judged.pk)
    closer = ManagerFactory()
    closed = services.round_close(actor=closer, today=TODAY, round_id=judged.pk)

    assert fields_of(too_early) == {"phase"}
    assert opened.opened_at is not None
    assert closed.state == "closed" and closed.closed_by == closer and closed.closed_at is not None
    assert {"crowdfunding.round.open", "crowdfunding.round.close"} <= set(
        AuditEvent.objects.values_list("action", flat=True))


def test_a_round_with_a_panel_nobody_sits_on_does_not_open():
    judged, _judges = set_up(kind="final", panels=FINAL_PANELS, judges=(5,), open_it=False)
    Contest.objects.filter(pk=judged.contest_id).update(phase="final")

    with pytest.raises(InvalidState) as error:
        services.round_open(actor=ManagerFactory(), today=TODAY, round_id=judged.pk)

    assert fields_of(error) == {"panels"} and "시민 심사단" in error.value.message
    assert Round.objects.get(pk=judged.pk).state == "setup"


def test_opening_or_closing_twice_is_a_conflict_naming_the_state():
    judged, _judges = set_up()
    services.round_close(actor=ManagerFactory(), today=TODAY, round_id=judged.pk)

    with pytest.raises(InvalidState) as reopen:
        services.round_open(actor=ManagerFactory(), today=TODAY, round_id=judged.pk)
    with pytest.raises(InvalidState) as reclose:
        services.round_close(actor=ManagerFactory(), today=TODAY, round_id=judged.pk)

    assert fields_of(reopen) == fields_of(reclose) == {"state"}


def test_a_judge_may_not_close_a_round():
    judged, judges = set_up()

    with pytest.raises(Forbidden):
        services.round_close(actor=judges[0][0], today=TODAY, round_id=judged.pk)


# --- scoring --------------------------------------------------------------------------------------------------------


def test_a_judge_scores_an_entry_and_its_total_is_the_weighted_sum_out_of_100():
    judged, judges = set_up()
    entry = EntryFactory(contest=judged.contest)
    judge = judges[0][0]

    recorded, created = services.score_record(
        actor=judge, today=TODAY, entry_id=entry.pk, comment="  지역 연계가 뛰어남 ",
        marks={"social-value": "27.5", "business": 20, "feasibility": Decimal("22.5"), "local": "15"})

    # 27.5 + 20 + 22.5 + 15 = 85 (weights equal the maxima and add up to 100)
    assert created and recorded.total == Decimal("85.0000")
    assert recorded.marks == {"social-value": "27.5", "business": "20.0", "feasibility": "22.5", "local": "15.0"}
    assert recorded.panel == judged.panels.get() and recorded.comment == "지역 연계가 뛰어남"
    assert AuditEvent.objects.get(action="crowdfunding.score.record").after["total"] == "85.0000"


def test_a_rubric_whose_weights_differ_from_its_maxima_totals_out_of_100():
    contest = ContestFactory(phase="screening")
    manager = ManagerFactory()
    judged = services.round_setup(
        actor=manager, today=TODAY, contest_id=contest.pk, kind="screening", aggregation="mean", panels=EXPERT_ONLY,
        criteria=[{"key": "impact", "name": "사회적 가치", "weight": "40", "max_score": "10"},
                  {"key": "plan", "name": "사업 계획", "weight": "60", "max_score": "20"}])
    judge = JudgeFactory()
    services.panel_judges_assign(actor=manager, today=TODAY, panel_id=judged.panels.get().pk, judges=[judge])
    services.round_open(actor=manager, today=TODAY, round_id=judged.pk)
    entry = EntryFactory(contest=contest)

    recorded, _ = services.score_record(actor=judge, today=TODAY, entry_id=entry.pk,
                                        marks={"impact": "7.5", "plan": "11"})

    # (40 x 7.5/10 + 60 x 11/20) / (40 + 60) x 100 = (30 + 33) / 100 x 100 = 63
    assert recorded.total == Decimal("63.0000")


def test_scoring_again_while_the_round_is_open_replaces_the_marks_and_audits_before_and_after():
    judged, judges = set_up()
    entry = EntryFactory(contest=judged.contest)
    judge = judges[0][0]
    first = score(judge, entry, 70)

    again, created = services.score_record(actor=judge, today=TODAY, entry_id=entry.pk, marks=marks("82.5"))

    assert not created and again.pk == first.pk
    assert Score.objects.get(pk=first.pk).total == Decimal("82.5000")
    event = AuditEvent.objects.filter(action="crowdfunding.score.record").latest("pk")
    assert event.before["total"] == "70.0000" and event.after["total"] == "82.5000"


@pytest.mark.parametrize(("given", "field"), [
    ({"business": "20", "feasibility": "20", "local": "10"}, "marks.social-value"),  # missing
    ({**marks(80), "impact": "3"}, "marks.impact"),  # not in the rubric
    ({**marks(80), "local": "20.5"}, "marks.local"),  # above its maximum
    ({**marks(80), "local": "-1"}, "marks.local"),
    ({**marks(80), "local": "10.25"}, "marks.local"),  # steps of 0.1
    ({**marks(80), "local": 10.5}, "marks.local"),  # a float: never
    ({**marks(80), "local": True}, "marks.local"),
    ({**marks(80), "local": "NaN"}, "marks.local"),
    ({**marks(80), "local": "열"}, "marks.local"),
])
def test_bad_marks_are_refused_naming_the_criterion(given, field):
    judged, judges = set_up()
    entry = EntryFactory(contest=judged.contest)

    with pytest.raises(ValidationFailed) as error:
        services.score_record(actor=judges[0][0], today=TODAY, entry_id=entry.pk, marks=given)

    assert fields_of(error) == {field}
    assert not Score.objects.exists()


def test_marks_that_are_not_an_object_are_refused():
    judged, judges = set_up()
    entry = EntryFactory(contest=judged.contest)

    with pytest.raises(ValidationFailed) as error:
        services.score_record(actor=judges[0][0], today=TODAY, entry_id=entry.pk, marks=["30", "25"])  # type: ignore[arg-type]

    assert fields_of(error) == {"marks"}


def test_a_judge_with_no_seat_on_the_round_finds_no_entry_and_others_may_not_score():
    judged, _judges = set_up()
    entry = EntryFactory(contest=judged.contest)
    elsewhere, other_judges = set_up(kind="screening")  # the judges of another contest's round

    with pytest.raises(NotFound):
        services.score_record(actor=JudgeFactory(), today=TODAY, entry_id=entry.pk, marks=marks(80))
    with pytest.raises(NotFound):
        services.score_record(actor=other_judges[0][0], today=TODAY, entry_id=entry.pk, marks=marks(80))
    with pytest.raises(NotFound):
        services.score_record(actor=JudgeFactory(), today=TODAY, entry_id=10**9, marks=marks(80))
    with pytest.raises(Forbidden):
        services.score_record(actor=ManagerFactory(), today=TODAY, entry_id=entry.pk, marks=marks(80))
    assert elsewhere.contest_id != judged.contest_id and not Score.objects.exists()


def test_a_draft_or_withdrawn_entry_is_not_in_the_pool_so_not_found():
    judged, judges = set_up()
    draft = EntryFactory(contest=judged.contest, state="draft", submitted_at=None)
    withdrawn = EntryFactory(contest=judged.contest, state="withdrawn")

    for entry in (draft, withdrawn):
        with pytest.raises(NotFound):
            services.score_record(actor=judges[0][0], today=TODAY, entry_id=entry.pk, marks=marks(80))


def test_a_final_judge_scores_the_finalists_only():
    contest = ContestFactory(phase="final")
    judged, judges = set_up(contest, kind="final", panels=EXPERT_ONLY)
    finalist = EntryFactory(contest=contest, state="advanced")
    screened_out = EntryFactory(contest=contest, state="not_advanced", eliminated_in="screening")

    score(judges[0][0], finalist, 90)
    with pytest.raises(NotFound):
        score(judges[0][0], screened_out, 90)

    assert Score.objects.get().round == judged


# --- conflicts ------------------------------------------------------------------------------------------------------


def test_a_judge_declares_a_conflict_once_with_a_reason():
    judged, judges = set_up()
    entry = EntryFactory(contest=judged.contest)
    judge = judges[0][0]

    with pytest.raises(ValidationFailed) as no_reason:
        services.conflict_declare(actor=judge, today=TODAY, entry_id=entry.pk, reason="  ")
    conflict, created = services.conflict_declare(actor=judge, today=TODAY, entry_id=entry.pk,
                                                  reason="대표가 친족입니다")
    again, created_again = services.conflict_declare(actor=judge, today=TODAY, entry_id=entry.pk, reason="다시")

    assert fields_of(no_reason) == {"reason"}
    assert created and not created_again and again.pk == conflict.pk
    assert Conflict.objects.get().reason == "대표가 친족입니다" and conflict.round == judged
    assert AuditEvent.objects.filter(action="crowdfunding.conflict.declare").count() == 1


def test_a_conflict_may_be_declared_while_the_round_is_set_up():
    contest = ContestFactory(phase="call")
    judged, judges = set_up(contest, open_it=False)
    entry = EntryFactory(contest=contest)

    conflict, created = services.conflict_declare(actor=judges[0][0], today=TODAY, entry_id=entry.pk,
                                                  reason="자문 계약")

    assert created and conflict.round == judged


def test_only_judges_declare_conflicts_and_only_on_entries_of_their_rounds():
    judged, _judges = set_up()
    entry = EntryFactory(contest=judged.contest)

    with pytest.raises(NotFound):
        services.conflict_declare(actor=JudgeFactory(), today=TODAY, entry_id=entry.pk, reason="이유")
    with pytest.raises(Forbidden):
        services.conflict_declare(actor=ManagerFactory(), today=TODAY, entry_id=entry.pk, reason="이유")
