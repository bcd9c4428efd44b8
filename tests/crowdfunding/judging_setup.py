"""What the judging tests share: rounds set up, seated and opened through the services, and marks that add up to a
chosen total under the standard rubric (사회적 가치 30, 사업성 25, 실현 가능성 25, 지역 연계 20: weights equal to the
maxima and adding up to 100, so a score's weighted total is simply the sum of its marks)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation

from crowdfunding import services
from crowdfunding.models import Contest, Panel, Round, Score
from enterprises.models import User
from tests.factories import JudgeFactory, ManagerFactory

from .factories import RUBRIC, ContestFactory

TODAY = date(2026, 4, 10)
CRITERIA = [{"key": key, "name": name, "weight": weight, "max_score": max_score}
            for key, name, weight, max_score in RUBRIC]
EXPERT_ONLY = [{"name": "전문가 심사단", "kind": "expert", "weight": 100}]
FINAL_PANELS = [{"name": "전문가 심사단", "kind": "expert", "weight": 70},
                {"name": "시민 심사단", "kind": "citizen", "weight": 30}]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    """The factories set a password on every user they make (a manager and judges per round); a cheap hash keeps
    the tests quick. Imported into each judging test module (this package has no conftest of its own)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    """The tests name the rules as the services word them in English (the default language, Korean, words them
    once the translation is done)."""
    with translation.override("en"):
        yield


def marks(total: Any) -> dict[str, str]:
    """Marks under the standard rubric adding up to ``total`` (0 to 100, in steps of 0.1), filling the criteria in
    order: 85 -> 30, 25, 25, 5."""
    left = Decimal(str(total))
    out = {}
    for key, _name, _weight, max_score in RUBRIC:
        mark = min(left, max_score)
        out[key] = str(mark)
        left -= mark
    assert left == 0, total
    return out


def set_up(contest: Contest | None = None, *, kind: str = "screening", aggregation: str = "trimmed",
           panels: Sequence[dict[str, Any]] = EXPERT_ONLY, judges: Sequence[int] = (3,), open_it: bool = True,
           manager: User | None = None) -> tuple[Round, list[list[User]]]:
    """A round of ``kind`` set up with the standard rubric and ``panels``, ``judges[i]`` new judges seated on panel
    i, opened unless ``open_it`` is False (the contest is put in the round's phase). Returns the round and the
    judges per panel."""
    manager = manager or ManagerFactory()
    contest = contest or ContestFactory(phase=kind)
    judged = services.round_setup(actor=manager, today=TODAY, contest_id=contest.pk, kind=kind,
                                  aggregation=aggregation, criteria=CRITERIA, panels=list(panels))
    seated = []
    for panel, count in zip(Panel.objects.filter(round=judged).order_by("pk"), judges, strict=False):
        people = [JudgeFactory() for _ in range(count)]
        if people:
            services.panel_judges_assign(actor=manager, today=TODAY, panel_id=panel.pk, judges=people)
        seated.append(people)
    if open_it:
        if contest.phase != kind:
            Contest.objects.filter(pk=contest.pk).update(phase=kind)
        judged = services.round_open(actor=manager, today=TODAY, round_id=judged.pk)
    return judged, seated


def score(judge: User, entry: Any, total: Any, comment: str = "") -> Score:
    """``judge`` scores ``entry`` with marks adding up to ``total``."""
    recorded, _created = services.score_record(actor=judge, today=TODAY, entry_id=entry.pk, marks=marks(total),
                                               comment=comment)
    return recorded


def close(judged: Round) -> Round:
    return services.round_close(actor=ManagerFactory(), today=TODAY, round_id=judged.pk)
