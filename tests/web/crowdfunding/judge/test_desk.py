"""The judges' desk: the queue of entries to score, an entry's summary and rubric form (each criterion's weight and
maximum), a score recorded and changed while the round is open, marks refused beside their field, the refusal of a
recused judge with the reason (its own enterprise, its institution's recommended entry, a conflict it declared),
declaring a conflict, the scores locked and the form read-only once the round closed, blind judging (only one's own
scores) and the ranking after the close.

The world's screening round (tests/web/crowdfunding/world.py): one expert panel of kim, lee and park; the marks
"high", "mid" and "low" total 88, 80 and 60."""

from __future__ import annotations

import pytest
from django.urls import reverse

from crowdfunding.models import Conflict, Score
from enterprises.models import Institution
from tests.factories import InstitutionFactory, MembershipFactory

from ..helpers import field_errors, ko, nothing_written, text

pytestmark = pytest.mark.django_db

HIGH = {"marks.social-value": "27", "marks.business": "22", "marks.feasibility": "21", "marks.local": "18"}


def _entry_url(entry, suffix: str = "") -> str:
    return reverse("web:judge-entry", args=[entry.pk]) + suffix


def test_the_queue_lists_what_is_left_to_score_and_what_was_scored(cw, client_as):
    kim = cw.judges[0]
    first, second, third = cw.entries
    cw.score(kim, first, "high")
    response = client_as(kim).get("/judge/")
    page = text(response)
    assert response.status_code == 200
    assert _entry_url(second) in page and _entry_url(third) in page
    row = response.context["open_rounds"][0]
    assert [item.entry for item in row["todo"]] == [second, third]
    assert [score.entry for score in row["done"]] == [first] and "88.00" in page


def test_an_entry_shows_its_summary_and_each_criterions_weight_and_maximum(cw, client_as):
    kim = cw.judges[0]
    entry = cw.entries[0]
    page = text(client_as(kim).get(_entry_url(entry)))
    assert entry.summary in page and "₩10,000,000" in page
    assert 'name="marks.social-value"' in page and 'max="30"' in page and 'step="0.1"' in page
    assert 'inputmode="decimal"' in page
    for name in ("사회적 가치", "사업성", "실현 가능성", "지역 연계"):
        assert name in page


def test_a_judge_records_a_score_and_changes_it_while_the_round_is_open(cw, client_as):
    kim = cw.judges[0]
    entry = cw.entries[0]
    client = client_as(kim)

    response = client.post(_entry_url(entry), {**HIGH, "comment": "지역 연계가 뛰어남"})

    assert response.status_code == 303 and response["Location"] == "/judge/"
    score = Score.objects.get(judge=kim, entry=entry)
    assert (str(score.total), score.comment) == ("88.0000", "지역 연계가 뛰어남")
    form = client.get(_entry_url(entry))
    assert form.context["form"]["marks.local"].value() == "18.0"  # the marks given, to change
    changed = client.post(_entry_url(entry), {**HIGH, "marks.local": "10"})
    assert changed.status_code == 303
    score.refresh_from_db()
    assert str(score.total) == "80.0000"


@pytest.mark.parametrize(("marks", "field"), [
    ({"marks.social-value": "31"}, "marks.social-value"),  # above its maximum
    ({"marks.business": "-1"}, "marks.business"),
    ({"marks.local": "12.25"}, "marks.local"),  # steps of 0.1
    ({"marks.feasibility": ""}, "marks.feasibility"),
], ids=["above-the-maximum", "negative", "two-decimals", "missing"])
def test_a_bad_mark_is_refused_beside_its_criterion(cw, client_as, marks, field):
    kim = cw.judges[0]
    with nothing_written():
        response = client_as(kim).post(_entry_url(cw.entries[0]), {**HIGH, **marks})
    assert response.status_code == 400 and field in field_errors(response)
    assert f'id="id_{field}_error"' in text(response)


@pytest.mark.parametrize("kind", ["own_enterprise", "recommending_partner", "declared"])
def test_a_recused_judge_is_told_why_and_its_score_is_refused(cw, client_as, kind):
    kim = cw.judges[0]
    entry = cw.entries[0]
    if kind == "own_enterprise":
        MembershipFactory(enterprise=entry.enterprise, user=kim)
        reason = "member of the entry's enterprise"
    elif kind == "recommending_partner":
        institution = InstitutionFactory(kind=Institution.Kind.PUBLIC_INSTITUTION)
        entry.partner = institution
        entry.save(update_fields=["partner"])
        kim.institution = institution
        kim.save(update_fields=["institution"])
        reason = "works for the entry's recommending partner"
    else:
        Conflict.objects.create(round=cw.screening, entry=entry, judge=kim, reason="대표가 사촌입니다")
        reason = "대표가 사촌입니다"
    client = client_as(kim)
    page = text(client.get(_entry_url(entry)))
    assert ko("You may not score this entry.") in page and 'name="marks.local"' not in page
    assert (ko(reason) if kind != "declared" else reason) in page
    with nothing_written():
        refused = client.post(_entry_url(entry), HIGH)
    assert refused.status_code == 403
    assert (ko(reason) if kind != "declared" else reason) in text(refused)


def test_a_judge_declares_a_conflict_and_the_entry_leaves_its_queue(cw, client_as):
    kim = cw.judges[0]
    entry = cw.entries[1]
    client = client_as(kim)
    assert ko("I have a conflict of interest with this entry") in text(client.get(_entry_url(entry)))
    with nothing_written():
        assert client.post(_entry_url(entry, "conflict/"), {"reason": ""}).status_code == 400

    response = client.post(_entry_url(entry, "conflict/"), {"reason": "멘토로 자문했습니다"})

    assert response.status_code == 303
    assert Conflict.objects.get(judge=kim, entry=entry).reason == "멘토로 자문했습니다"
    home = client.get("/judge/")
    row = home.context["open_rounds"][0]
    assert entry not in [item.entry for item in row["todo"]]
    assert [item.entry for item in row["recused"]] == [entry] and "멘토로 자문했습니다" in text(home)


def test_after_the_round_closes_the_scores_are_locked_and_the_form_read_only(cw, client_as):
    kim = cw.judges[0]
    entry = cw.entries[0]
    judged = cw.closed  # every judge scored; closed by a manager
    client = client_as(kim)
    page = text(client.get(_entry_url(entry)))
    assert ko("Scores are locked: the round has closed. Your marks are shown as you gave them.") in page
    assert 'name="marks.social-value"' in page and "disabled" in page and 'type="submit"' not in page.split(
        'class="action-form score-form"')[1].split("</form>")[0]
    with nothing_written():
        assert client.post(_entry_url(entry), {**HIGH, "marks.local": "1"}).status_code == 409
    assert judged.state == "closed"


def test_a_judge_sees_only_its_own_scores_until_the_round_closes_then_the_ranking(cw, client_as):
    kim, lee, _park = cw.judges
    first = cw.entries[0]
    cw.score(kim, first, "high")
    cw.score(lee, first, "low")
    client = client_as(kim)
    round_url = reverse("web:judge-round", args=[cw.screening.pk])
    page = text(client.get(round_url))
    assert "88.00" in page and "60.00" not in page  # blind: lee's score is not shown
    assert ko("The ranking opens to the round's judges when the round closes.", escaped=False) in page

    closed = cw.closed  # every judge scored every entry
    response = client.get(round_url)
    assert closed.state == "closed" and response.context["ranking"][0].entry_id == first.pk
    assert "88.0000" in text(response)
