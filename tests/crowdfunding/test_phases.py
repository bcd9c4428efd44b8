"""A contest's phases through the services: a manager moves them one step or on to a later phase, never back; beat
moves them the day after each phase's end date; the screening and final rounds' advance lists hold a contest where
it is until they are confirmed. On the standard contest's dates: call 2 to 31 March 2026, screening to 20 April,
crowdfunding to 30 June, final to 20 July, awards to 31 August."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.conf import settings

from core.errors import Forbidden, InvalidState, ValidationFailed
from core.models import AuditEvent
from crowdfunding import services
from crowdfunding.models import AdvanceList, Contest, Entry, PhaseChange
from crowdfunding.tasks import advance_phases_task
from tests.factories import AuditorFactory, JudgeFactory, ManagerFactory, MembershipFactory

from .factories import (
    AWARDS_END,
    CALL_CLOSES,
    CALL_OPENS,
    FINAL_ENDS,
    FUNDING_ENDS,
    SCREENING_ENDS,
    ContestFactory,
    EntryFactory,
    RoundFactory,
)

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


def advance(contest: Contest, actor=None, to_phase: str | None = None, today: date = date(2026, 3, 2)) -> Contest:
    return services.contest_advance(actor=actor or ManagerFactory(), today=today, contest_id=contest.pk,
                                    to_phase=to_phase)


def changes(contest: Contest) -> list[tuple[str, str]]:
    return list(PhaseChange.objects.filter(contest=contest).order_by("id").values_list("from_phase", "to_phase"))


def confirm(round_) -> AdvanceList:
    return AdvanceList.objects.create(round=round_, state=AdvanceList.State.CONFIRMED, top_n=10,
                                      prepared_by=ManagerFactory(), decided_by=ManagerFactory())


# --- a manager's moves ---------------------------------------------------------------------------------------------


def test_a_manager_moves_a_contest_one_phase_on_and_it_is_recorded():
    contest = ContestFactory(phase="draft")
    manager = ManagerFactory()

    moved = advance(contest, manager, today=date(2026, 2, 27))

    assert moved.phase == "call" and Contest.objects.get(pk=contest.pk).phase == "call"
    change = PhaseChange.objects.get(contest=contest)
    assert (change.from_phase, change.to_phase, change.on_date, change.changed_by) == (
        "draft", "call", date(2026, 2, 27), manager)
    event = AuditEvent.objects.get(action="crowdfunding.contest.advance")
    assert event.actor == manager and event.before == {"phase": "draft"}
    assert event.after == {"phase": "call", "passed": ["draft"]}


def test_each_step_goes_through_every_phase_in_order_to_closed():
    contest = ContestFactory(phase="draft")

    phases = [advance(contest).phase for _ in range(6)]

    assert phases == ["call", "screening", "funding", "final", "awards", "closed"]
    assert changes(contest) == [("draft", "call"), ("call", "screening"), ("screening", "funding"),
                                ("funding", "final"), ("final", "awards"), ("awards", "closed")]


def test_a_contest_without_crowdfunding_skips_the_funding_phase():
    contest = ContestFactory(phase="screening", funding_ends_on=None)

    assert advance(contest).phase == "final"
    assert changes(contest) == [("screening", "final")]


def test_a_move_on_to_a_later_phase_records_every_phase_passed():
    contest = ContestFactory(phase="call")

    moved = advance(contest, to_phase="final")

    assert moved.phase == "final"
    assert changes(contest) == [("call", "screening"), ("screening", "funding"), ("funding", "final")]
    assert AuditEvent.objects.get(action="crowdfunding.contest.advance").after == {
        "phase": "final", "passed": ["call", "screening", "funding"]}


@pytest.mark.parametrize(("phase", "to_phase"), [("screening", "call"), ("screening", "screening"),
                                                 ("final", "draft"), ("awards", "funding")])
def test_a_phase_never_moves_backwards_nor_stays_put(phase, to_phase):
    contest = ContestFactory(phase=phase)

    with pytest.raises(InvalidState) as error:
        advance(contest, to_phase=to_phase)

    assert set(error.value.fields) == {"phase"} and phase in error.value.fields["phase"][0]
    assert Contest.objects.get(pk=contest.pk).phase == phase and not PhaseChange.objects.exists()


def test_a_closed_contest_moves_no_more():
    contest = ContestFactory(phase="closed")

    with pytest.raises(InvalidState) as error:
        advance(contest)

    assert set(error.value.fields) == {"phase"}


@pytest.mark.parametrize(("funding_ends_on", "to_phase"), [(None, "funding"), (FUNDING_ENDS, "backwards"),
                                                           (FUNDING_ENDS, "")])
def test_an_unknown_phase_or_a_funding_phase_the_contest_has_not_is_bad_input(funding_ends_on, to_phase):
    contest = ContestFactory(phase="call", funding_ends_on=funding_ends_on)

    with pytest.raises(ValidationFailed) as error:
        advance(contest, to_phase=to_phase)

    assert set(error.value.fields) == {"to_phase"}
    assert Contest.objects.get(pk=contest.pk).phase == "call"


@pytest.mark.parametrize("role", [AuditorFactory, JudgeFactory, lambda: MembershipFactory().user])
def test_only_a_manager_moves_a_phase(role):
    contest = ContestFactory(phase="call")

    with pytest.raises(Forbidden):
        advance(contest, role())

    assert Contest.objects.get(pk=contest.pk).phase == "call"


def test_draft_entries_stay_drafts_when_the_call_closes():
    contest = ContestFactory(phase="call")
    draft = EntryFactory(contest=contest, state="draft", submitted_at=None)
    submitted = EntryFactory(contest=contest)

    advance(contest)

    assert Entry.objects.get(pk=draft.pk).state == "draft"
    assert Entry.objects.get(pk=submitted.pk).state == "submitted"


# --- the gates -----------------------------------------------------------------------------------------------------


def test_screening_is_left_only_once_its_rounds_advance_list_is_confirmed():
    round_ = RoundFactory(contest__phase="screening")
    contest = round_.contest
    prepared = AdvanceList.objects.create(round=round_, top_n=10, prepared_by=ManagerFactory())

    with pytest.raises(InvalidState) as error:
        advance(contest)
    assert set(error.value.fields) == {"phase"} and "screening" in error.value.fields["phase"][0]
    assert Contest.objects.get(pk=contest.pk).phase == "screening" and not PhaseChange.objects.exists()

    prepared.state, prepared.decided_by = AdvanceList.State.CONFIRMED, ManagerFactory()
    prepared.save()
    assert advance(contest).phase == "funding"


def test_the_final_is_left_only_once_its_rounds_advance_list_is_confirmed():
    contest = ContestFactory(phase="final")
    final = RoundFactory(contest=contest, kind="final")

    with pytest.raises(InvalidState):
        advance(contest)
    confirm(final)

    assert advance(contest).phase == "awards"


def test_a_contest_without_rounds_has_no_gates():
    contest = ContestFactory(phase="screening")

    assert advance(contest, to_phase="awards").phase == "awards"


def test_a_move_that_would_pass_a_gate_is_refused_whole():
    contest = ContestFactory(phase="call")
    RoundFactory(contest=contest, kind="screening")

    with pytest.raises(InvalidState):
        advance(contest, to_phase="final")

    assert Contest.objects.get(pk=contest.pk).phase == "call" and not PhaseChange.objects.exists()
    assert advance(contest).phase == "screening"  # the step before the gate is allowed


def test_another_contests_confirmed_list_opens_no_gate():
    contest = ContestFactory(phase="screening")
    RoundFactory(contest=contest, kind="screening")
    confirm(RoundFactory(kind="screening"))

    with pytest.raises(InvalidState):
        advance(contest)


# --- beat, at the phases' dates --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("phase", "last_day", "after"), [
    ("draft", CALL_OPENS - DAY, "call"),  # the call opens on its first day
    ("call", CALL_CLOSES, "screening"),
    ("screening", SCREENING_ENDS, "funding"),
    ("funding", FUNDING_ENDS, "final"),
    ("final", FINAL_ENDS, "awards"),
    ("awards", AWARDS_END, "closed"),
])
def test_beat_moves_a_phase_on_the_day_after_its_last_day(phase, last_day, after):
    contest = ContestFactory(phase=phase)

    on_the_last_day = services.contests_advance_due(today=last_day)
    assert on_the_last_day == [] and Contest.objects.get(pk=contest.pk).phase == phase

    report = services.contests_advance_due(today=last_day + DAY)

    assert report == [(contest.pk, after)]
    change = PhaseChange.objects.get(contest=contest)
    assert (change.to_phase, change.on_date, change.changed_by) == (after, last_day + DAY, None)
    assert AuditEvent.objects.get(action="crowdfunding.contest.advance").actor is None


def test_beat_catches_up_every_phase_that_ended_and_twice_changes_nothing_more():
    # On 21 July the call, the screening, the crowdfunding and the final have all ended; the awards have not.
    contest = ContestFactory(phase="draft")

    first = services.contests_advance_due(today=date(2026, 7, 21))
    second = services.contests_advance_due(today=date(2026, 7, 21))

    assert first == [(contest.pk, "awards")] and second == []
    assert changes(contest) == [("draft", "call"), ("call", "screening"), ("screening", "funding"),
                                ("funding", "final"), ("final", "awards")]
    assert AuditEvent.objects.filter(action="crowdfunding.contest.advance").count() == 1


def test_beat_skips_the_funding_phase_of_a_contest_without_one():
    contest = ContestFactory(phase="screening", funding_ends_on=None)

    assert services.contests_advance_due(today=SCREENING_ENDS + DAY) == [(contest.pk, "final")]


def test_beat_stops_at_a_gate_reports_the_contest_and_moves_the_others():
    held = ContestFactory(phase="call")
    RoundFactory(contest=held, kind="screening")
    free = ContestFactory(phase="call")
    not_yet = ContestFactory(phase="call", call_closes_on=date(2026, 4, 30), screening_ends_on=date(2026, 5, 20))
    day = SCREENING_ENDS + DAY

    report = services.contests_advance_due(today=day)
    again = services.contests_advance_due(today=day)

    assert sorted(report) == sorted([(held.pk, "screening"), (free.pk, "funding")])
    assert again == [(held.pk, "screening")]  # still waiting: reported again, nothing moved
    assert Contest.objects.get(pk=held.pk).phase == "screening"
    assert Contest.objects.get(pk=not_yet.pk).phase == "call"  # its call lasts to 30 April
    assert changes(held) == [("call", "screening")]


def test_a_contest_that_fails_does_not_hold_the_others_back():
    # A phase change into screening is already recorded for the first contest (as if written by hand): moving it
    # again breaks the one-change-per-phase constraint, its transaction rolls back, and the second still moves.
    broken = ContestFactory(phase="call")
    PhaseChange.objects.create(contest=broken, from_phase="call", to_phase="screening", on_date=CALL_CLOSES)
    fine = ContestFactory(phase="call")

    report = services.contests_advance_due(today=CALL_CLOSES + DAY)

    assert report == [(fine.pk, "screening")]
    assert Contest.objects.get(pk=broken.pk).phase == "call"
    assert Contest.objects.get(pk=fine.pk).phase == "screening"


def test_closed_contests_are_left_alone():
    ContestFactory(phase="closed")

    assert services.contests_advance_due(today=date(2030, 1, 1)) == []
    assert not PhaseChange.objects.exists()


def test_the_nightly_task_moves_the_contests_and_reports_them():
    contest = ContestFactory(phase="call")

    report = advance_phases_task.delay(today=(CALL_CLOSES + DAY).isoformat()).get()

    assert report == [{"contest": contest.pk, "phase": "screening"}]
    assert Contest.objects.get(pk=contest.pk).phase == "screening"


def test_the_task_runs_every_night_after_midnight():
    entry = next(entry for entry in settings.CELERY_BEAT_SCHEDULE.values()
                 if entry["task"] == "crowdfunding.advance_phases")

    assert (entry["schedule"].hour, entry["schedule"].minute) == ({0}, {10})
    assert settings.CELERY_TASK_ANNOTATIONS["crowdfunding.advance_phases"]["time_limit"] > 0
