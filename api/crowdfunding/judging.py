"""Judging endpoints (심사): rounds with their rubric, panels, judges and progress; a judge's scores and declared
conflicts; a round's ranking; a judge's queue; advance lists (진출 명단). Who may call each is
``crowdfunding.access.ACCESS``; which objects a user reaches is the selectors' (a round a judge does not sit on, an
entry it does not judge: 404); the rules are the services'."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.common.permissions import actor as _actor
from core.errors import NotFound, ValidationFailed
from crowdfunding import selectors, services
from crowdfunding.models import AdvanceList, AdvanceListLine, Panel, PanelJudge, Round
from enterprises.models import User
from enterprises.roles import STAFF_READERS, has_role

from . import serializers_judging as s
from .common import ContestsView


def _today() -> Any:
    return timezone.localdate()


@extend_schema_view(list=extend_schema(parameters=[s.RoundFilterSerializer]))
class RoundViewSet(ContestsView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Judging rounds (심사 라운드): staff read every round, a judge the rounds it sits on. Managers set a round up
    (its rubric and panels; again while it is being set up), seat judges, open it in its contest phase and close
    it (the scores are locked)."""

    access_actions = {
        "list": "round.read",
        "retrieve": "round.read",
        "progress": "round.read",
        "create": "round.setup",
        "judges": "round.setup",
        "open": "round.setup",
        "close": "round.close",
    }
    serializer_class = s.RoundSerializer
    error_codes = {"list": ("400",), "create": ("400", "409"), "judges": ("400", "409"), "open": ("400", "409"),
                   "close": ("400", "409")}

    def get_queryset(self) -> QuerySet[Round]:
        rounds = (selectors.rounds_visible_to(self.request.user).select_related("contest")
                  .prefetch_related("criteria", Prefetch("panels", Panel.objects.order_by("pk").prefetch_related(
                      Prefetch("judges", PanelJudge.objects.select_related("judge").order_by("pk")))))
                  .order_by("pk"))
        if self.action != "list":
            return rounds
        query = s.RoundFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        if "contest" in filters:
            rounds = rounds.filter(contest_id=filters["contest"])
        if "state" in filters:
            rounds = rounds.filter(state=filters["state"])
        return rounds

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "staff": has_role(self.request.user, *STAFF_READERS)}

    def _render(self, judged: Round, status: int = 200) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=judged.pk)).data, status=status)

    @extend_schema(request=s.RoundSetupSerializer, responses={200: s.RoundSerializer, 201: s.RoundSerializer})
    def create(self, request: Request) -> Response:
        """Set up a contest's round of a kind with its rubric and panels (201), or set it up again while it is being
        set up (200: the rubric replaced; a panel kept by name keeps its judges). Panel weights add up to 100."""
        data = s.RoundSetupSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        existed = Round.objects.filter(contest=v["contest"], kind=v["kind"]).exists()
        judged = services.round_setup(
            actor=_actor(request), today=_today(), contest_id=v["contest"].pk, kind=v["kind"],
            aggregation=v["aggregation"], criteria=v["criteria"], panels=v["panels"])
        return self._render(judged, 200 if existed else 201)

    @extend_schema(request=s.JudgesAssignSerializer, responses=s.RoundSerializer)
    @action(detail=True, methods=["post"])
    def judges(self, request: Request, pk: str | None = None) -> Response:
        """Seat judges on a panel of the round (while it is being set up or open: citizen judges may join late).
        Each must hold the judge role and sits on one panel of the round."""
        judged = self.get_object()
        data = s.JudgesAssignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        panel = Panel.objects.filter(pk=data.validated_data["panel"], round=judged).first()
        if panel is None:
            raise ValidationFailed(_("No such panel in this round."),
                                   fields={"panel": [_("not a panel of this round")]})
        ids = list(dict.fromkeys(data.validated_data["judges"]))
        people = {user.pk: user for user in User.objects.filter(pk__in=ids)}
        unknown = [str(pk) for pk in ids if pk not in people]
        if unknown:
            raise ValidationFailed(_("No such users."),
                                   fields={"judges": [_("no users %(ids)s") % {"ids": ", ".join(unknown)}]})
        services.panel_judges_assign(actor=_actor(request), today=_today(), panel_id=panel.pk,
                                     judges=[people[pk] for pk in ids])
        return self._render(judged)

    @extend_schema(request=None, responses=s.RoundSerializer)
    @action(detail=True, methods=["post"])
    def open(self, request: Request, pk: str | None = None) -> Response:
        """Open the round for scoring: the contest must be in the round's phase, every panel seated."""
        judged = self.get_object()
        services.round_open(actor=_actor(request), today=_today(), round_id=judged.pk)
        return self._render(judged)

    @extend_schema(request=None, responses=s.RoundSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        """Close the round (심사 마감): its scores are locked and its ranking opens to its judges."""
        judged = self.get_object()
        services.round_close(actor=_actor(request), today=_today(), round_id=judged.pk)
        return self._render(judged)

    @extend_schema(responses=s.PanelProgressSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def progress(self, request: Request, pk: str | None = None) -> Response:
        """Per panel: its judges, the scores recorded that count, and those expected (every judge on every entry it
        is not recused from)."""
        return Response(s.progress_data(selectors.judging_progress(self.get_object())))


def _visible_entry(user: Any, pk: int) -> Any:
    entry = selectors.entries_visible_to(user).filter(pk=pk).first()
    if entry is None:
        raise NotFound(_("No such contest entry."))
    return entry


class EntryScoresView(ContestsView, APIView):
    """An entry's scores (심사 점수). A judge records its own in the open round that judges the entry; it sees only
    its own until the round closes (blind), and every score of the round after. Staff see every score."""

    access_actions = {"get": "score.read", "post": "score.record"}
    error_codes = {"post": ("400", "403", "409")}

    @extend_schema(responses=s.ScoreSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        """The scores of the entry the caller may see, each saying whether it counts (a recused judge's does not).
        Not paginated: a score per judge and round."""
        entry = _visible_entry(request.user, pk)
        return Response([s.score_data(visible) for visible in selectors.scores_visible_to(request.user, entry)])

    @extend_schema(request=s.ScoreRequestSerializer, responses={200: s.ScoreSerializer, 201: s.ScoreSerializer})
    def post(self, request: Request, pk: int) -> Response:
        """Score the entry (201; again while the round is open: 200, the marks replaced): a mark for every criterion,
        0 to its maximum in steps of 0.1. Refused with 403 `recused` (naming why) when the judge is a member of the
        entry's enterprise, works for its recommending partner or declared a conflict; 409 once the round closed
        (scores are locked)."""
        data = s.ScoreRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        score, created = services.score_record(actor=_actor(request), today=_today(), entry_id=pk,
                                               marks=data.validated_data["marks"],
                                               comment=data.validated_data["comment"])
        visible = selectors.VisibleScore(score, None)
        return Response(s.score_data(visible), status=201 if created else 200)


class EntryConflictView(ContestsView, APIView):
    """A judge declares a conflict of interest on an entry it judges (이해충돌 신고): it may not score it, and a score
    it gave stops counting."""

    access_actions = {"post": "conflict.declare"}
    error_codes = {"post": ("409",)}

    @extend_schema(request=s.ConflictRequestSerializer, responses={200: s.ConflictSerializer,
                                                                   201: s.ConflictSerializer})
    def post(self, request: Request, pk: int) -> Response:
        """Declare the conflict, with a reason (201; declared before: 200, the first reason kept). While the round
        is being set up or open."""
        data = s.ConflictRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        conflict, created = services.conflict_declare(actor=_actor(request), today=_today(), entry_id=pk,
                                                      reason=data.validated_data["reason"])
        return Response(s.ConflictSerializer(conflict).data, status=201 if created else 200)


class ContestRankingView(ContestsView, APIView):
    """A contest round's ranking (순위): managers and auditors at any time; the round's judges once it has
    closed."""

    access_actions = {"get": "ranking.read"}
    error_codes = {"get": ("400", "403")}

    @extend_schema(parameters=[s.RankingQuerySerializer], responses=s.RankingSerializer)
    def get(self, request: Request, pk: int) -> Response:
        """Every entry of the round's pool, best first: each panel's result and how many judges counted, the
        combined score (panel weights), the rank, whether the tie-break decided it (higher expert score, then
        earlier entry) and whether every panel scored it; then the entries nobody scored. Recused judges' scores
        never count. A judge of the round before it closed: 403; a judge not on it: 404."""
        query = s.RankingQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        judged = selectors.ranking_round_for(request.user, pk, query.validated_data["round"])
        return Response(s.ranking_data(judged, selectors.round_ranking(judged)))


class JudgeQueueView(ContestsView, APIView):
    """A judge's queue (심사 대기 목록)."""

    access_actions = {"get": "score.record"}
    error_codes = {"get": ("400",)}

    @extend_schema(parameters=[s.QueueFilterSerializer], responses=s.QueueItemSerializer(many=True))
    def get(self, request: Request) -> Response:
        """Per open round the caller sits on (of one contest with `contest`): the entries it has still to score,
        then those it is recused from (flagged, with the reason). Not paginated."""
        query = s.QueueFilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        items = selectors.judge_queue(request.user)
        if "contest" in query.validated_data:
            items = [item for item in items if item.round.contest_id == query.validated_data["contest"]]
        return Response(s.queue_data(items))


@extend_schema_view(list=extend_schema(parameters=[s.AdvanceListFilterSerializer]))
class AdvanceListViewSet(ContestsView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Advance lists (진출 명단): a manager prepares one from a closed round's ranking (top N or a cut), another
    confirms it (four eyes) and the entries move on or not, each told with its rank."""

    access_actions = {
        "list": "advance.read",
        "retrieve": "advance.read",
        "create": "advance.prepare",
        "cancel": "advance.prepare",
        "confirm": "advance.confirm",
    }
    serializer_class = s.AdvanceListSerializer
    error_codes = {"list": ("400",), "create": ("400", "404", "409"), "confirm": ("400", "409"),
                   "cancel": ("400", "409")}

    def get_queryset(self) -> QuerySet[AdvanceList]:
        lists = (AdvanceList.objects.select_related("round")
                 .prefetch_related(Prefetch("lines", AdvanceListLine.objects.select_related("entry__enterprise")
                                            .order_by("rank", "pk")))
                 .order_by("-pk"))
        if self.action != "list":
            return lists
        query = s.AdvanceListFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        if "round" in filters:
            lists = lists.filter(round_id=filters["round"])
        if "contest" in filters:
            lists = lists.filter(round__contest_id=filters["contest"])
        if "state" in filters:
            lists = lists.filter(state=filters["state"])
        return lists

    def _render(self, made: AdvanceList, status: int = 200) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=made.pk)).data, status=status)

    @extend_schema(request=s.AdvancePrepareSerializer, responses={201: s.AdvanceListSerializer})
    def create(self, request: Request) -> Response:
        """Prepare the list of a closed round: exactly one of `top_n` and `cut`. A line per entry of the pool with
        its rank and score; nothing moves until another manager confirms it."""
        data = s.AdvancePrepareSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        made = services.advance_prepare(actor=_actor(request), today=_today(), round_id=v["round"],
                                        top_n=v.get("top_n"), cut=v.get("cut"))
        return self._render(made, 201)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: str | None = None) -> Response:
        """Confirm a prepared list (not by whoever prepared it: four eyes, 409): the entries move (screening:
        advanced or not_advanced; final: selected or not_advanced) and each is told, with its rank."""
        made = self.get_object()
        services.advance_confirm(actor=_actor(request), today=_today(), list_id=made.pk)
        return self._render(made)

    @extend_schema(request=s.AdvanceCancelSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Cancel a prepared list, so that another can be prepared."""
        made = self.get_object()
        data = s.AdvanceCancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.advance_cancel(actor=_actor(request), today=_today(), list_id=made.pk,
                                reason=data.validated_data["reason"])
        return self._render(made)
