"""Matching pools (매칭 펀드): endpoints. Parsing and rendering only; the rules are in
``crowdfunding.services.matching``. Who may call each is ``crowdfunding.access.ACCESS``.

- ``/matching-pools/``: the pools (staff read, ``?contest=``; managers open one and change its rule while nothing is
  drawn); a pool's detail shows each funder's money (committed, paid in, drawn, returned, available on the ledger)
  and the pool's totals.
- ``/matching-pools/{id}/funders/``: add a funder (managers); ``/matching-pools/{id}/fundings/``: money a funder paid
  in (managers; Idempotency-Key).
- ``/matching-pools/{id}/settle/``: settle the pool by hand once its funding phase is over and its campaigns have
  settled (managers; the nightly funding run does it otherwise): what each funder has left is owed back to it.
- ``/pool-returns/``: those returns (staff read, ``?pool=``); ``/pool-returns/{id}/payout/``: a manager records that
  the bank sent one to its funder (Idempotency-Key).
- ``/contests/{id}/matching-preview/``: what each quadratic pool would give each campaign if shared now (staff).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.common.fields import DateField, IdField, WonField
from api.common.idempotency import HEADER, idempotent, key_named_as_header
from api.common.permissions import actor as _actor
from core.errors import NotFound
from crowdfunding import selectors, services
from crowdfunding.models import MatchingPool, PoolFunder, PoolReturn, PoolRule
from crowdfunding.services import campaign_settlement as settlement_services
from crowdfunding.services.matching import UNSET

from .common import ContestsView

# --- shapes -----------------------------------------------------------------------------------------------------

RULE_FIELDS = ("factor", "cap_per_pledge", "cap_per_campaign", "cap_per_campaign_percent", "cap_per_backer",
               "trigger_percent", "trigger_backers", "threshold", "qf_cap_per_campaign", "unit")


class PoolInputSerializer(serializers.Serializer):
    """A pool's rule and its fields; a field the rule does not read is refused (400 naming it)."""

    contest = IdField(help_text="The contest (with a funding phase, not yet over).")
    name = serializers.CharField(max_length=200)
    rule = serializers.ChoiceField(choices=PoolRule.values, help_text="match, top_up or quadratic.")
    campaigns = serializers.ListField(child=IdField(), required=False, default=list, max_length=1000,
                                      help_text="Campaign ids of the contest; empty: every campaign.")
    factor = serializers.DecimalField(max_digits=7, decimal_places=4, required=False, allow_null=True,
                                      help_text="match: each won pledged brings factor won (1 = 1:1).")
    cap_per_pledge = WonField(required=False, allow_null=True, help_text="match: the part of a pledge matched.")
    cap_per_campaign = WonField(required=False, allow_null=True, help_text="match: most one campaign gets.")
    cap_per_campaign_percent = serializers.DecimalField(max_digits=6, decimal_places=2, required=False,
                                                        allow_null=True, help_text="match: the same, % of target.")
    cap_per_backer = WonField(required=False, allow_null=True, help_text="match: most one backer's pledges bring.")
    trigger_percent = serializers.DecimalField(max_digits=5, decimal_places=2, required=False, allow_null=True,
                                               help_text="match: matching starts at this % of the target...")
    trigger_backers = serializers.IntegerField(required=False, allow_null=True, min_value=0,
                                               help_text="...and this many backers.")
    threshold = serializers.DecimalField(max_digits=5, decimal_places=2, required=False, allow_null=True,
                                         help_text="top_up (required): % of its target a campaign must reach.")
    qf_cap_per_campaign = WonField(required=False, allow_null=True, help_text="quadratic: most one campaign gets.")
    unit = serializers.ChoiceField(choices=[1, 10], required=False, default=1, help_text="Rounding unit, won.")


class PoolUpdateSerializer(PoolInputSerializer):
    contest = None  # type: ignore[assignment]
    name = serializers.CharField(max_length=200, required=False)
    rule = serializers.ChoiceField(choices=PoolRule.values, required=False)
    campaigns = serializers.ListField(child=IdField(), required=False, max_length=1000)
    unit = serializers.ChoiceField(choices=[1, 10], required=False)


class FunderInputSerializer(serializers.Serializer):
    institution = IdField()
    committed = WonField(allow_zero=True, required=False, default=0, help_text="What it committed (약정액).")


class FundingInputSerializer(serializers.Serializer):
    funder = IdField(help_text="A funder of this pool (its id in the pool's funders).")
    amount = WonField()
    received_on = DateField()
    memo = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class FunderFiguresSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="funder.pk")
    institution = serializers.IntegerField(source="funder.institution_id")
    institution_name = serializers.CharField(source="funder.institution.name")
    position = serializers.IntegerField(source="funder.position")
    committed = WonField(allow_zero=True)
    paid_in = WonField(allow_zero=True)
    drawn = WonField(allow_zero=True, help_text="Matches held for campaigns or paid to them.")
    returned = WonField(allow_zero=True, help_text="Unspent money given back at the pool's settlement.")
    available = WonField(allow_zero=True, help_text="The funder's account balance on the ledger.")


class PoolTotalsSerializer(serializers.Serializer):
    committed = WonField(allow_zero=True)
    paid_in = WonField(allow_zero=True)
    drawn = WonField(allow_zero=True)
    returned = WonField(allow_zero=True)
    available = WonField(allow_zero=True)
    matches = serializers.IntegerField()


def _won_or_none(value: Any) -> str | None:
    return None if value is None else str(int(value.amount))


class PoolSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    contest = serializers.IntegerField(source="contest_id")
    name = serializers.CharField()
    rule = serializers.CharField()
    state = serializers.CharField()
    campaigns = serializers.SerializerMethodField()
    factor = serializers.DecimalField(max_digits=7, decimal_places=4)
    cap_per_pledge = serializers.SerializerMethodField()
    cap_per_campaign = serializers.SerializerMethodField()
    cap_per_campaign_percent = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    cap_per_backer = serializers.SerializerMethodField()
    trigger_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    trigger_backers = serializers.IntegerField()
    threshold = serializers.DecimalField(source="top_up_threshold_percent", max_digits=5, decimal_places=2,
                                         allow_null=True)
    qf_cap_per_campaign = serializers.SerializerMethodField()
    unit = serializers.IntegerField()
    currency = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_campaigns(self, pool: MatchingPool) -> list[int]:
        return sorted(c.pk for c in pool.campaigns.all())

    @extend_schema_field(WonField(allow_null=True))
    def get_cap_per_pledge(self, pool: MatchingPool) -> str | None:
        return _won_or_none(pool.cap_per_pledge)

    @extend_schema_field(WonField(allow_null=True))
    def get_cap_per_campaign(self, pool: MatchingPool) -> str | None:
        return _won_or_none(pool.cap_per_campaign)

    @extend_schema_field(WonField(allow_null=True))
    def get_cap_per_backer(self, pool: MatchingPool) -> str | None:
        return _won_or_none(pool.cap_per_backer)

    @extend_schema_field(WonField(allow_null=True))
    def get_qf_cap_per_campaign(self, pool: MatchingPool) -> str | None:
        return _won_or_none(pool.qf_cap_per_campaign)

    def get_currency(self, pool: MatchingPool) -> str:
        return "KRW"


class PoolReturnSerializer(serializers.Serializer):
    """Unspent pool money owed back to a funder when its pool settled, and whether the bank has sent it."""

    id = serializers.IntegerField()
    pool = serializers.IntegerField(source="funder.pool_id")
    funder = serializers.IntegerField(source="funder_id")
    institution = serializers.IntegerField(source="funder.institution_id")
    institution_name = serializers.CharField(source="funder.institution.name")
    amount = WonField()
    currency = serializers.SerializerMethodField(help_text="KRW.")
    on_date = DateField(help_text="The day the pool settled and the money was owed back.")
    journal = serializers.IntegerField(source="journal_id")
    paid = serializers.SerializerMethodField(help_text="Whether the bank has sent it to the funder.")
    paid_on = DateField(allow_null=True, help_text="The day the bank sent it (null: not yet).")
    paid_journal = serializers.IntegerField(source="paid_journal_id", allow_null=True)

    def get_currency(self, obj: PoolReturn) -> str:
        return "KRW"

    def get_paid(self, obj: PoolReturn) -> bool:
        return obj.paid_on is not None


class ReturnPayoutSerializer(serializers.Serializer):
    paid_on = DateField(help_text="The day the bank sent the money (not before the pool settled, not in the future).")


class ReturnFilterSerializer(serializers.Serializer):
    pool = IdField(required=False, help_text="Only this pool's returns.")
    paid = serializers.BooleanField(required=False, allow_null=True, default=None,
                                    help_text="true: paid to the funder; false: not yet.")


class PoolDetailSerializer(PoolSerializer):
    funders = serializers.SerializerMethodField()
    totals = serializers.SerializerMethodField()
    settled_on = DateField(allow_null=True, help_text="The day the pool settled (null: open).")
    returns = serializers.SerializerMethodField()

    def _figures(self, pool: MatchingPool) -> selectors.PoolFigures:
        # the funders' and the totals' fields read the same figures: computed once per pool
        cache: dict[int, selectors.PoolFigures] = self.__dict__.setdefault("_figures_of", {})
        if pool.pk not in cache:
            cache[pool.pk] = selectors.pool_figures(pool)
        return cache[pool.pk]

    @extend_schema_field(FunderFiguresSerializer(many=True))
    def get_funders(self, pool: MatchingPool) -> list[dict[str, Any]]:
        return list(FunderFiguresSerializer(self._figures(pool).funders, many=True).data)

    @extend_schema_field(PoolTotalsSerializer)
    def get_totals(self, pool: MatchingPool) -> dict[str, Any]:
        return dict(PoolTotalsSerializer(self._figures(pool)).data)

    @extend_schema_field(PoolReturnSerializer(many=True))
    def get_returns(self, pool: MatchingPool) -> list[dict[str, Any]]:
        """What the pool owed back to its funders when it settled, each with whether it was paid (empty: open)."""
        if pool.state != MatchingPool.State.SETTLED:
            return []
        return list(PoolReturnSerializer(selectors.returns_of(pool), many=True).data)


class PoolFilterSerializer(serializers.Serializer):
    contest = IdField(required=False, help_text="Only this contest's pools.")
    rule = serializers.ChoiceField(choices=PoolRule.values, required=False)


class PreviewCampaignSerializer(serializers.Serializer):
    campaign = serializers.IntegerField(source="campaign.pk")
    title = serializers.CharField(source="campaign.title")
    contributions = serializers.IntegerField(help_text="Backers with a live pledge.")
    sum_of_roots = serializers.DecimalField(max_digits=30, decimal_places=2)
    raw = serializers.DecimalField(max_digits=40, decimal_places=2, help_text="(sum of roots)^2 - sum.")
    match = WonField(allow_zero=True, help_text="What it would get if the pool were shared now.")
    capped = serializers.BooleanField()


class PreviewPoolSerializer(serializers.Serializer):
    pool = serializers.IntegerField(source="pool.pk")
    name = serializers.CharField(source="pool.name")
    pot = WonField(allow_zero=True, help_text="What the pool's funders hold now.")
    cap_per_campaign = WonField(allow_null=True)
    campaigns = PreviewCampaignSerializer(many=True)
    leftover = WonField(allow_zero=True, help_text="What would stay in the pool.")


class PreviewSerializer(serializers.Serializer):
    contest = serializers.IntegerField(source="contest_id")
    as_of = serializers.DateField()
    currency = serializers.SerializerMethodField()
    pools = PreviewPoolSerializer(many=True)

    def get_currency(self, preview: Any) -> str:
        return "KRW"


# --- views ------------------------------------------------------------------------------------------------------


@extend_schema_view(list=extend_schema(parameters=[PoolFilterSerializer]))
class MatchingPoolViewSet(ContestsView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Matching pools (매칭 펀드) of the contests: staff read them; managers open a pool with its rule (pledge
    matching, top-up or quadratic funding), change it while nothing is drawn, add its funders and record the money
    they pay in."""

    access_actions = {"list": "pool.read", "retrieve": "pool.read", "create": "pool.write",
                      "partial_update": "pool.write", "funders": "pool.fund", "fundings": "pool.fund",
                      "settle": "pool.settle"}
    serializer_class = PoolDetailSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    error_codes = {"list": ("400",), "create": ("400", "404", "409"), "partial_update": ("400", "404", "409"),
                   "funders": ("400", "404", "409"), "fundings": ("400", "404", "409", "422"),
                   "settle": ("400", "404", "409")}

    def get_queryset(self) -> QuerySet[MatchingPool]:
        qs = selectors.pools_visible_to(self.request.user).prefetch_related("campaigns").order_by("contest_id", "pk")
        if self.action != "list":
            return qs
        query = PoolFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        if "contest" in query.validated_data:
            qs = qs.filter(contest_id=query.validated_data["contest"])
        if "rule" in query.validated_data:
            qs = qs.filter(rule=query.validated_data["rule"])
        return qs

    def _detail(self, pool_id: int, status: int = 200) -> Response:
        pool = MatchingPool.objects.prefetch_related("campaigns").get(pk=pool_id)
        return Response(PoolDetailSerializer(pool).data, status=status)

    @extend_schema(request=PoolInputSerializer, responses={201: PoolDetailSerializer})
    def create(self, request: Request) -> Response:
        """Open a matching pool of a contest (managers), with its rule; no funder yet."""
        data = PoolInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        pool = services.pool_create(actor=_actor(request), contest_id=v.pop("contest"), name=v.pop("name"),
                                    rule=v.pop("rule"), campaigns=v.pop("campaigns"), **v)
        return self._detail(pool.pk, 201)

    @extend_schema(request=PoolUpdateSerializer, responses=PoolDetailSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        """Change a pool's name, rule, fields or campaigns (managers) while no match has been drawn from it."""
        pool = self.get_object()
        data = PoolUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        given = {key: data.validated_data.get(key, UNSET) for key in (*RULE_FIELDS, "name", "rule", "campaigns")}
        services.pool_update(actor=_actor(request), pool_id=pool.pk, **given)
        return self._detail(pool.pk)

    @extend_schema(request=FunderInputSerializer, responses={201: PoolDetailSerializer})
    @action(detail=True, methods=["post"])
    def funders(self, request: Request, pk: str | None = None) -> Response:
        """Add a funder to the pool (managers): an institution, with what it committed; its account is opened in
        the contest's book."""
        pool = self.get_object()
        data = FunderInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.pool_funder_add(actor=_actor(request), pool_id=pool.pk,
                                 institution_id=data.validated_data["institution"],
                                 committed=data.validated_data["committed"])
        return self._detail(pool.pk, 201)

    @extend_schema(request=FundingInputSerializer, responses={201: PoolDetailSerializer})
    @action(detail=True, methods=["post"])
    @idempotent
    def fundings(self, request: Request, pk: str | None = None) -> Response:
        """Record money a funder paid into the pool (managers): its account against its contribution, in one
        journal. Needs an Idempotency-Key header."""
        pool = self.get_object()
        data = FundingInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        if not PoolFunder.objects.filter(pk=v["funder"], pool=pool).exists():
            raise NotFound(_("No such funder of this pool."), fields={"funder": [_("not a funder of this pool")]})
        with key_named_as_header():
            services.pool_fund(actor=_actor(request), today=timezone.localdate(), funder_id=v["funder"],
                               amount=v["amount"], received_on=v["received_on"], memo=v["memo"],
                               idempotency_key=request.headers[HEADER].strip())
        return self._detail(pool.pk, 201)


    @extend_schema(request=None, responses=PoolDetailSerializer)
    @action(detail=True, methods=["post"])
    def settle(self, request: Request, pk: str | None = None) -> Response:
        """Settle the pool by hand (managers; the nightly funding run settles it otherwise): once its contest's
        funding phase is over and every campaign it applies to has settled, what each funder has left is owed back
        to it (``returns``). A settled pool gives its detail back unchanged; 409 naming what is not ready yet."""
        pool = self.get_object()
        settlement_services.pool_settle(pool_id=pool.pk, on_date=timezone.localdate(), actor=_actor(request))
        return self._detail(pool.pk)


@extend_schema_view(list=extend_schema(parameters=[ReturnFilterSerializer]))
class PoolReturnViewSet(ContestsView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Returns of settled matching pools (매칭 재원 반환): what each funder was owed back when its pool settled
    (staff read); a manager records that the bank sent one to its funder."""

    access_actions = {"list": "pool.read", "retrieve": "pool.read", "payout": "pool_return.payout"}
    serializer_class = PoolReturnSerializer
    error_codes = {"list": ("400",), "payout": ("400", "404", "409", "422")}

    def get_queryset(self) -> QuerySet[PoolReturn]:
        qs = selectors.pool_returns_visible_to(self.request.user).order_by("pk")
        if self.action != "list":
            return qs
        query = ReturnFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        if query.validated_data.get("pool"):
            qs = qs.filter(funder__pool_id=query.validated_data["pool"])
        if query.validated_data.get("paid") is not None:
            qs = qs.filter(paid_on__isnull=not query.validated_data["paid"])
        return qs

    @extend_schema(request=ReturnPayoutSerializer, responses=PoolReturnSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def payout(self, request: Request, pk: str | None = None) -> Response:
        """Record that the bank sent the return to its funder (managers): the funder's payable against the pool
        money on its way out, in one journal. Needs an Idempotency-Key header; the same key and date give the first
        payment back, another key on a paid return is 409."""
        found = self.get_object()
        data = ReturnPayoutSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with key_named_as_header():
            settlement_services.pool_return_pay(return_id=found.pk, paid_on=data.validated_data["paid_on"],
                                                actor=_actor(request), idempotency_key=request.headers[HEADER].strip(),
                                                on_date=timezone.localdate())
        return Response(PoolReturnSerializer(self.get_queryset().get(pk=found.pk)).data)


class MatchingPreviewView(ContestsView, APIView):
    """The quadratic funding preview of a contest (staff): per quadratic pool, per campaign, what it would get if
    the pool were shared now from the live pledges. Changes nothing."""

    access_actions = {"get": "preview.read"}
    error_codes = {"get": ("404",)}

    @extend_schema(responses=PreviewSerializer)
    def get(self, request: Request, pk: int) -> Response:
        if not selectors.contests_visible_to(request.user).filter(pk=pk).exists():
            raise NotFound(_("No such contest."))
        preview = selectors.quadratic_preview(contest_id=pk, as_of=timezone.localdate())
        return Response(PreviewSerializer(preview).data)
