"""The contests' demo (``crowdfunding.demo``, loaded by ``load_demo``): Daegu 2026 in its final with 12 partners, 30
entries, a screening scored by 5 experts, ten finalists, an expert panel and 100 citizen judges; Daegu 2025 closed
with its awards paid and settled; Jeonju's three stages with graduates moving up; a ledger that verifies; loading
again changes nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from crowdfunding import selectors
from crowdfunding.demo import DAEGU_2025, DAEGU_2026, JEONJU
from crowdfunding.models import Award, AwardTranche, Contest, Entry, Panel, PanelJudge, Round, Score
from enterprises.models import User
from ledger.models import Journal

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("load_demo", password="pw-demo-1", stdout=StringIO())
    return Contest.objects.get(code=DAEGU_2026)


def check_the_daegu_contest_is_in_its_final_with_what_the_issue_names(loaded):
    assert loaded.phase == "final"
    assert loaded.partners.count() == 12
    assert loaded.entries.count() == 30 and loaded.entries.filter(state="withdrawn").count() == 1
    screening = Round.objects.get(contest=loaded, kind="screening")
    assert screening.state == "closed"
    assert PanelJudge.objects.filter(round=screening).count() == 5
    assert loaded.entries.filter(state__in=["advanced"]).count() == 10
    final = Round.objects.get(contest=loaded, kind="final")
    assert final.state == "open"
    panels = {panel.kind: panel for panel in Panel.objects.filter(round=final)}
    assert panels["expert"].weight == 70 and panels["citizen"].weight == 30
    assert PanelJudge.objects.filter(panel=panels["citizen"]).count() == 100
    # judge.choi (expert) still has entries to score; 60 citizens have scored every finalist.
    choi = User.objects.get(username="judge.choi")
    queue = selectors.judge_queue(choi)
    assert queue and any(item for item in queue)
    assert Score.objects.filter(panel=panels["citizen"]).values("judge").distinct().count() == 60


def check_last_years_contest_is_closed_with_its_awards_paid_and_settled(loaded):
    last = Contest.objects.get(code=DAEGU_2025)
    assert last.phase == "closed"
    awards = Award.objects.filter(contest=last).exclude(state="cancelled")
    assert awards.count() == 6
    assert Award.objects.filter(contest=last, state="cancelled").count() == 1  # prepared too low, then redone
    assert all(award.approved_by_id not in (None, award.prepared_by_id) for award in awards)
    assert AwardTranche.objects.filter(award__contest=last, number=1, state="closed").count() == 6
    assert AwardTranche.objects.filter(award__contest=last, number=2, state="paid").count() == 6
    returned = AwardTranche.objects.filter(award__contest=last, number=1, unspent__gt=0).get()
    assert returned.unspent.amount == 1_250_000 and returned.return_journal_id is not None
    fund = selectors.contest_fund(last)
    assert fund.reconciled


def check_jeonju_graduates_move_up_and_only_they_enter_stage_three(loaded):
    stages = {c.stage: c for c in Contest.objects.filter(code__startswith=JEONJU)}
    assert set(stages) == {1, 2, 3}
    assert stages[3].phase == "call" and stages[3].previous_stage == stages[2]
    winners = set(Award.objects.filter(contest=stages[2], state__in=["approved", "settled"])
                  .values_list("entry__enterprise_id", flat=True))
    assert len(winners) == 2
    entered = set(Entry.objects.filter(contest=stages[3]).values_list("enterprise_id", flat=True))
    assert entered == winners
    assert set(Award.objects.filter(contest=stages[1]).values_list("entry__enterprise_id", flat=True)) >= winners


def check_the_ledger_verifies_and_loading_again_changes_nothing(loaded):
    out = StringIO()
    call_command("ledger_verify", stdout=out)
    assert "every account agrees" in out.getvalue()
    journals, scores = Journal.objects.count(), Score.objects.count()
    call_command("load_demo", password="pw-demo-1", stdout=StringIO())
    assert (Journal.objects.count(), Score.objects.count()) == (journals, scores)


def test_the_demo_has_every_contest_the_issue_names_and_loading_it_again_changes_nothing(loaded):
    """One test, as loading the demo scores about 1,300 times: each check is a function above."""
    check_the_daegu_contest_is_in_its_final_with_what_the_issue_names(loaded)
    check_last_years_contest_is_closed_with_its_awards_paid_and_settled(loaded)
    check_jeonju_graduates_move_up_and_only_they_enter_stage_three(loaded)
    check_the_ledger_verifies_and_loading_again_changes_nothing(loaded)
