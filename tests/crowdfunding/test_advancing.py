"""Advance lists (진출 명단): one manager prepares the list from a closed round's ranking (top N, or a cut), another
confirms it (four eyes), the entries move and are told with their rank; a prepared list may be cancelled and
prepared again."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from core.errors import Forbidden, InvalidState, NotFound, ValidationFailed
from core.models import AuditEvent
from crowdfunding import services
from crowdfunding.models import AdvanceList, Contest, Entry, EntryNotice
from tests.factories import AuditorFactory, JudgeFactory, ManagerFactory

from .factories import ContestFactory, EntryFactory
from .judging_setup import EXPERT_ONLY, TODAY, close, fast_password_hashing, in_english, score, set_up

pytestmark = pytest.mark.django_db
__all__ = ["fast_password_hashing", "in_english"]  # the fixtures, used by every test


@pytest.fixture
def screened():
    """A closed screening round (mean of two experts) over five entries: 90, 80, 70, 60, and one nobody scored."""
    judged, (experts,) = set_up(aggregation="mean", panels=EXPERT_ONLY, judges=(2,))
    entries = [EntryFactory(contest=judged.contest, title=f"출품 {n}") for n in range(5)]
    for entry, total in zip(entries, (90, 80, 70, 60), strict=False):
        for judge in experts:
            score(judge, entry, total)
    close(judged)
    return judged, entries


def prepare(judged, actor=None, **selection):
    return services.advance_prepare(actor=actor or ManagerFactory(), today=TODAY, round_id=judged.pk, **selection)


def test_a_manager_prepares_the_top_two_with_a_line_for_every_entry_of_the_pool(screened):
    judged, entries = screened

    prepared = prepare(judged, top_n=2)

    lines = [(line.entry_id, line.rank, line.score, line.advances) for line in prepared.lines.order_by("id")]
    assert lines == [
        (entries[0].pk, 1, Decimal("90.0000"), True), (entries[1].pk, 2, Decimal("80.0000"), True),
        (entries[2].pk, 3, Decimal("70.0000"), False), (entries[3].pk, 4, Decimal("60.0000"), False),
        (entries[4].pk, None, None, False)]
    assert prepared.state == "prepared" and prepared.top_n == 2 and prepared.cut is None
    assert Entry.objects.get(pk=entries[0].pk).state == "submitted"  # nothing moves before confirmation
    event = AuditEvent.objects.get(action="crowdfunding.advance.prepare")
    assert event.after["advancing"] == [entries[0].pk, entries[1].pk]


def test_a_cut_advances_every_ranked_entry_at_or_above_it(screened):
    judged, entries = screened

    prepared = prepare(judged, cut="70")

    assert set(prepared.lines.filter(advances=True).values_list("entry_id", flat=True)) == {
        entries[0].pk, entries[1].pk, entries[2].pk}
    assert prepared.cut == Decimal(70)


@pytest.mark.parametrize(("selection", "field"), [
    ({}, "top_n"),
    ({"top_n": 2, "cut": "70"}, "top_n"),
    ({"top_n": 0}, "top_n"),
    ({"top_n": True}, "top_n"),
    ({"cut": "100.5"}, "cut"),
    ({"cut": "-1"}, "cut"),
    ({"cut": "70.12345"}, "cut"),
])
def test_a_bad_selection_is_refused_naming_the_field(screened, selection, field):
    judged, _entries = screened

    with pytest.raises(ValidationFailed) as error:
        prepare(judged, **selection)

    assert field in error.value.fields
    assert not AdvanceList.objects.exists()


def test_a_list_needs_a_closed_round_in_its_phase_and_one_live_list_per_round(screened):
    judged, _entries = screened
    still_open, _judges = set_up()
    prepare(judged, top_n=2)

    with pytest.raises(InvalidState) as opened:
        prepare(still_open, top_n=2)
    with pytest.raises(InvalidState) as second:
        prepare(judged, top_n=3)
    Contest.objects.filter(pk=judged.contest_id).update(phase="funding")
    AdvanceList.objects.update(state="cancelled")
    with pytest.raises(InvalidState) as moved_on:
        prepare(judged, top_n=3)

    assert set(opened.value.fields) == {"round"} and set(second.value.fields) == {"round"}
    assert set(moved_on.value.fields) == {"phase"}


def test_another_manager_confirms_and_the_screened_entries_move_and_are_told_with_their_rank(screened):
    judged, entries = screened
    prepared = prepare(judged, top_n=2)
    confirmer = ManagerFactory()

    confirmed = services.advance_confirm(actor=confirmer, today=TODAY, list_id=prepared.pk)

    assert confirmed.state == "confirmed" and confirmed.decided_by == confirmer and confirmed.decided_at
    states = {entry.pk: (entry.state, entry.eliminated_in) for entry in Entry.objects.all()}
    assert states == {
        entries[0].pk: ("advanced", ""), entries[1].pk: ("advanced", ""),
        entries[2].pk: ("not_advanced", "screening"), entries[3].pk: ("not_advanced", "screening"),
        entries[4].pk: ("not_advanced", "screening")}
    notices = {notice.entry_id: notice for notice in EntryNotice.objects.all()}
    assert len(notices) == 5 and {n.round_kind for n in notices.values()} == {"screening"}
    assert notices[entries[0].pk].kind == "advanced" and "ranked 1 of 4" in notices[entries[0].pk].message
    assert notices[entries[3].pk].kind == "not_advanced" and "ranked 4 of 4" in notices[entries[3].pk].message
    assert "did not pass" in notices[entries[3].pk].message and "출품 3" in notices[entries[3].pk].message
    assert "not ranked" in notices[entries[4].pk].message
    event = AuditEvent.objects.get(action="crowdfunding.advance.confirm")
    assert event.after["advanced"] == [entries[0].pk, entries[1].pk] and len(event.after["not_advanced"]) == 3


def test_four_eyes_whoever_prepared_the_list_cannot_confirm_it(screened):
    judged, entries = screened
    preparer = ManagerFactory()
    prepared = prepare(judged, actor=preparer, top_n=2)

    with pytest.raises(InvalidState) as error:
        services.advance_confirm(actor=preparer, today=TODAY, list_id=prepared.pk)

    assert "four eyes" in error.value.message.lower()
    assert AdvanceList.objects.get(pk=prepared.pk).state == "prepared"
    assert Entry.objects.get(pk=entries[0].pk).state == "submitted" and not EntryNotice.objects.exists()
    with pytest.raises(IntegrityError), transaction.atomic():  # the database refuses it too
        AdvanceList.objects.filter(pk=prepared.pk).update(decided_by=preparer)


def test_a_confirmed_final_selects_its_winners_and_eliminates_the_rest_in_the_final():
    contest = ContestFactory(phase="final")
    judged, (experts,) = set_up(contest, kind="final", aggregation="mean", panels=EXPERT_ONLY, judges=(1,))
    winner, runner_up = (EntryFactory(contest=contest, state="advanced") for _ in range(2))
    score(experts[0], winner, 95)
    score(experts[0], runner_up, 85)
    close(judged)
    prepared = prepare(judged, top_n=1)

    services.advance_confirm(actor=ManagerFactory(), today=TODAY, list_id=prepared.pk)

    assert (Entry.objects.get(pk=winner.pk).state, Entry.objects.get(pk=runner_up.pk).state) == (
        "selected", "not_advanced")
    assert Entry.objects.get(pk=runner_up.pk).eliminated_in == "final"
    told = EntryNotice.objects.get(entry=winner)
    assert (told.kind, told.round_kind) == ("advanced", "final") and "selected for an award" in told.message


def test_a_prepared_list_can_be_cancelled_and_prepared_again_but_not_a_confirmed_one(screened):
    judged, _entries = screened
    first = prepare(judged, top_n=1)

    cancelled = services.advance_cancel(actor=ManagerFactory(), today=TODAY, list_id=first.pk, reason="컷 재검토")
    second = prepare(judged, top_n=3)
    services.advance_confirm(actor=ManagerFactory(), today=TODAY, list_id=second.pk)

    assert cancelled.state == "cancelled" and cancelled.decided_by is None and cancelled.decided_at
    with pytest.raises(InvalidState):
        services.advance_cancel(actor=ManagerFactory(), today=TODAY, list_id=second.pk)
    with pytest.raises(InvalidState):
        services.advance_confirm(actor=ManagerFactory(), today=TODAY, list_id=first.pk)
    with pytest.raises(InvalidState):
        services.advance_confirm(actor=ManagerFactory(), today=TODAY, list_id=second.pk)
    assert AuditEvent.objects.get(action="crowdfunding.advance.cancel").reason == "컷 재검토"


def test_an_entry_withdrawn_after_the_list_was_prepared_stops_its_confirmation(screened):
    judged, entries = screened
    prepared = prepare(judged, top_n=2)
    Entry.objects.filter(pk=entries[1].pk).update(state="withdrawn")

    with pytest.raises(InvalidState) as error:
        services.advance_confirm(actor=ManagerFactory(), today=TODAY, list_id=prepared.pk)

    assert str(entries[1].pk) in error.value.message and set(error.value.fields) == {"lines"}
    assert Entry.objects.get(pk=entries[0].pk).state == "submitted"


@pytest.mark.parametrize("role", [AuditorFactory, JudgeFactory])
def test_only_managers_prepare_confirm_and_cancel(screened, role):
    judged, _entries = screened
    prepared = prepare(judged, top_n=2)
    actor = role()

    with pytest.raises(Forbidden):
        prepare(judged, actor=actor, top_n=2)
    with pytest.raises(Forbidden):
        services.advance_confirm(actor=actor, today=TODAY, list_id=prepared.pk)
    with pytest.raises(Forbidden):
        services.advance_cancel(actor=actor, today=TODAY, list_id=prepared.pk)


def test_a_list_or_round_that_does_not_exist_is_not_found():
    with pytest.raises(NotFound):
        services.advance_prepare(actor=ManagerFactory(), today=TODAY, round_id=10**9, top_n=1)
    with pytest.raises(NotFound):
        services.advance_confirm(actor=ManagerFactory(), today=TODAY, list_id=10**9)
    with pytest.raises(NotFound):
        services.advance_cancel(actor=ManagerFactory(), today=TODAY, list_id=10**9)


def test_the_contest_leaves_each_judged_phase_only_once_its_list_is_confirmed(screened):
    # The contests' gate (services.contest_advance) reads the lists this file makes: screening -> funding needs the
    # screening list confirmed; final -> awards, the final's.
    judged, entries = screened
    contest_id = judged.contest_id

    with pytest.raises(InvalidState):
        services.contest_advance(actor=ManagerFactory(), today=TODAY, contest_id=contest_id)
    prepared = prepare(judged, top_n=2)
    services.advance_confirm(actor=ManagerFactory(), today=TODAY, list_id=prepared.pk)
    assert services.contest_advance(actor=ManagerFactory(), today=TODAY, contest_id=contest_id).phase == "funding"

    final, (experts,) = set_up(judged.contest, kind="final", aggregation="mean", panels=EXPERT_ONLY, judges=(1,),
                               open_it=False)
    assert services.contest_advance(actor=ManagerFactory(), today=TODAY, contest_id=contest_id).phase == "final"
    services.round_open(actor=ManagerFactory(), today=TODAY, round_id=final.pk)
    score(experts[0], entries[0], 88)
    score(experts[0], entries[1], 92)
    close(final)
    with pytest.raises(InvalidState):
        services.contest_advance(actor=ManagerFactory(), today=TODAY, contest_id=contest_id)
    winners = prepare(final, top_n=1)
    services.advance_confirm(actor=ManagerFactory(), today=TODAY, list_id=winners.pk)

    assert services.contest_advance(actor=ManagerFactory(), today=TODAY, contest_id=contest_id).phase == "awards"
    assert dict(Entry.objects.filter(pk__in=[e.pk for e in entries[:2]]).values_list("pk", "state")) == {
        entries[0].pk: "not_advanced", entries[1].pk: "selected"}
