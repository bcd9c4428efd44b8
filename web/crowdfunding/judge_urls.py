"""Routes and menu entry of the judges' desk (/judge/): the queue, an entry's score form, declaring a conflict, a
round's rubric, the judge's scores and (once closed) its ranking."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from crowdfunding.access import ACCESS
from web.common import menu

from . import judge

urlpatterns = [
    path("judge/", judge.JudgeHome.as_view(), name="judge"),
    path("judge/entries/<int:pk>/", judge.JudgeEntry.as_view(), name="judge-entry"),
    path("judge/entries/<int:pk>/conflict/", judge.JudgeConflict.as_view(), name="judge-entry-conflict"),
    path("judge/rounds/<int:pk>/", judge.JudgeRound.as_view(), name="judge-round"),
]

menu.add(
    menu.Entry(menu.JUDGE, "judge-queue", _("Entries to score"), "web:judge", ACCESS, "score.record", order=0),
)
